//! The authorization code flow against real PostgreSQL: concurrent redemptions are
//! serialized by row locks, rotation and reuse detection hold under concurrency, and
//! revocation, authorized apps and secret usage are stored as the use cases expect.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use std::sync::{Arc, Mutex};

#[path = "support/world.rs"]
mod world;

use tessera_adapters::postgres::{Database, PgAppRepository, PgGrantRepository, PgUserRepository};
use tessera_adapters::system::OsRng;
use tessera_application::oauth::{
    AuthorizationRequest, ClientCredentials, CodeExchange, Consent, FlowError, IssuedTokens,
    OAuthService, RefreshRequest, TokenPolicy, UntrustedRequest,
};
use tessera_application::ports::{
    Actor, AppRepository, AuditEntry, GrantRepository, NewAppSecret, UserRepository,
};
use tessera_application::{Clock, issue_credential};
use tessera_domain::{
    App, AppDraft, AppSecretInfo, ClientId, CodeChallenge, CodeVerifier, Credential,
    CredentialKind, Email, PasswordHash, RegistrationSource, Resources, Scope, SecretString, User,
    UserId, UserWithPassword, Username,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const ACCESS_URL: &str = "https://auth.example";

/// A clock the test moves by hand.
#[derive(Debug, Clone)]
struct FixedClock(Arc<Mutex<OffsetDateTime>>);

impl FixedClock {
    fn new() -> Self {
        let t = OffsetDateTime::now_utc();
        Self(Arc::new(Mutex::new(
            t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap(),
        )))
    }
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
    async fn sleep(&self, by: Duration) {
        self.advance(by);
    }
}

/// Every PostgreSQL adapter, on the test's clock.
type PgPorts = world::PgPorts<FixedClock>;

struct Setup {
    db: Database,
    service: Arc<OAuthService<PgPorts>>,
    clock: FixedClock,
    user: User,
    app: App,
    secret: Option<Credential>,
}

fn actor() -> Actor {
    Actor {
        user_id: None,
        name: "client".into(),
        ip: Some("192.0.2.9".parse().unwrap()),
        user_agent: None,
    }
}

fn audit(clock: &FixedClock, target: &str) -> AuditEntry {
    AuditEntry {
        actor: actor(),
        action: "create",
        target_type: "app",
        target_id: target.into(),
        at: clock.now(),
        details: Vec::new(),
    }
}

async fn setup(client_type: &str, grace: Duration) -> Setup {
    let db = Database::connect(&tessera_test_support::migrated_database().await, 16).unwrap();
    let clock = FixedClock::new();
    let user = User {
        id: UserId::new(Uuid::new_v4()),
        email: Email::parse("person@example.com").unwrap(),
        username: Username::parse("person").unwrap(),
        admin: false,
        created_at: clock.now(),
    };
    let stored = UserWithPassword {
        user: user.clone(),
        password_hash: PasswordHash::new("$argon2id$unused".into()),
        status: tessera_domain::AccountStatus::Active,
    };
    PgUserRepository::new(db.clone())
        .insert(&stored, &audit(&clock, "user"))
        .await
        .unwrap();
    let draft = AppDraft::parse(
        "App",
        "https://app.example/cb",
        None,
        None,
        Some(client_type),
    )
    .unwrap();
    let app = App {
        id: Uuid::new_v4(),
        draft,
        source: RegistrationSource::Admin,
        created_at: clock.now(),
        updated_at: clock.now(),
        origin: Default::default(),
        last_token_at: None,
        blocked: false,
    };
    let apps = PgAppRepository::new(db.clone());
    apps.insert(&app, &audit(&clock, "app")).await.unwrap();
    let secret = (client_type == "confidential")
        .then(|| issue_credential(&OsRng::default(), CredentialKind::ClientSecret));
    if let Some(secret) = &secret {
        let new = NewAppSecret {
            info: AppSecretInfo {
                id: Uuid::new_v4(),
                display_suffix: secret.last_chars(6),
                created_at: clock.now(),
                last_used_at: None,
            },
            lookup_id: secret.lookup_id().clone(),
            hash: secret.hash(),
        };
        apps.insert_secret(app.id, &new, &audit(&clock, "secret"))
            .await
            .unwrap();
    }
    let service = OAuthService::<PgPorts>::new(
        PgAppRepository::new(db.clone()),
        PgGrantRepository::new(db.clone()),
        clock.clone(),
        OsRng::default(),
        TokenPolicy {
            access_ttl: Duration::hours(1),
            refresh_ttl: Duration::days(30),
            code_ttl: Duration::minutes(10),
            refresh_reuse_grace: grace,
        },
        Resources::new(ACCESS_URL),
    );
    Setup {
        db,
        service: Arc::new(service),
        clock,
        user,
        app,
        secret,
    }
}

/// The tokens, or `None` when the request was refused as OAuth says; any other failure (a
/// repository error, which would be a 500) fails the test instead of counting as refused.
fn refused_as_none(result: Result<IssuedTokens, FlowError>) -> Option<IssuedTokens> {
    match result {
        Ok(tokens) => Some(tokens),
        Err(FlowError::Refused(_)) => None,
        Err(e) => panic!("not a refusal: {e}"),
    }
}

impl Setup {
    fn credentials(&self) -> ClientCredentials {
        ClientCredentials {
            client_id: ClientId::Registered(self.app.id),
            secret: self
                .secret
                .as_ref()
                .map(|s| SecretString::new(s.expose().to_owned())),
        }
    }

    async fn code(&self) -> Credential {
        let request = self.request("user:read mcp").await;
        self.service
            .approve(&self.user, &request, Some("state"))
            .await
            .unwrap()
    }

    /// An authorization request of this app for `scope`.
    async fn request(&self, scope: &str) -> AuthorizationRequest {
        let challenge = CodeChallenge::from_verifier(&CodeVerifier::parse(VERIFIER).unwrap());
        let id = self.app.id.to_string();
        let untrusted = UntrustedRequest::parse(
            |name| match name {
                "client_id" => Some(id.as_str()),
                "response_type" => Some("code"),
                "code_challenge" => Some(challenge.as_str()),
                "code_challenge_method" => Some("S256"),
                "scope" => Some(scope),
                _ => None,
            },
            false,
        );
        self.service.check_authorization(untrusted).await.unwrap()
    }

    async fn exchange(&self, code: &Credential) -> Option<IssuedTokens> {
        let request = CodeExchange {
            code: code.clone(),
            verifier: CodeVerifier::parse(VERIFIER).unwrap(),
            redirect_uri: None,
            scope: None,
            resource: None,
        };
        refused_as_none(
            self.service
                .exchange_code(&self.credentials(), request, &actor())
                .await,
        )
    }

    /// Exchanges `code` from `n` tasks at once; the successes.
    async fn exchange_concurrently(
        self: &Arc<Self>,
        code: &Credential,
        n: usize,
    ) -> Vec<IssuedTokens> {
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let (setup, code) = (self.clone(), code.clone());
                tokio::spawn(async move { setup.exchange(&code).await })
            })
            .collect();
        let mut ok = Vec::new();
        for task in tasks {
            ok.extend(task.await.unwrap());
        }
        ok
    }

    async fn refresh(&self, token: &Credential) -> Option<IssuedTokens> {
        let request = RefreshRequest {
            token: token.clone(),
            scope: None,
            resource: None,
        };
        refused_as_none(
            self.service
                .refresh(&self.credentials(), request, &actor())
                .await,
        )
    }

    async fn refresh_concurrently(
        self: &Arc<Self>,
        token: &Credential,
        n: usize,
    ) -> Vec<IssuedTokens> {
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let (setup, token) = (self.clone(), token.clone());
                tokio::spawn(async move { setup.refresh(&token).await })
            })
            .collect();
        let mut ok = Vec::new();
        for task in tasks {
            ok.extend(task.await.unwrap());
        }
        ok
    }

    async fn works(&self, tokens: &IssuedTokens) -> bool {
        self.service
            .authenticate_bearer(tokens.access_token.expose(), ACCESS_URL, Scope::UserRead)
            .await
            .is_ok()
    }

    async fn count(&self, sql: &str) -> i64 {
        let client = self.db.client().await.unwrap();
        client.query_one(sql, &[]).await.unwrap().get(0)
    }
}

#[tokio::test]
async fn one_code_exchanged_by_20_concurrent_requests_yields_one_success_and_its_tokens_are_revoked()
 {
    let setup = Arc::new(setup("public", Duration::seconds(10)).await);
    let code = setup.code().await;
    let ok = setup.exchange_concurrently(&code, 20).await;
    assert_eq!(ok.len(), 1, "exactly one exchange succeeds");
    assert!(
        !setup.works(&ok[0]).await,
        "the reuse revoked what the code issued"
    );
    let reuse = "SELECT count(*) FROM audit_log WHERE action = 'reuse_detected'";
    assert_eq!(setup.count(reuse).await, 1);
}

#[tokio::test]
async fn with_no_grace_one_refresh_token_used_20_times_at_once_yields_one_success_and_revokes_the_grant()
 {
    let setup = Arc::new(setup("public", Duration::ZERO).await);
    let tokens = setup.exchange(&setup.code().await).await.unwrap();
    let refresh = tokens.refresh_token.clone().unwrap();
    let ok = setup.refresh_concurrently(&refresh, 20).await;
    assert_eq!(ok.len(), 1);
    assert!(!setup.works(&ok[0]).await, "the grant is revoked");
    let newest = ok[0].refresh_token.clone().unwrap();
    assert!(setup.refresh(&newest).await.is_none());
}

#[tokio::test]
async fn within_the_grace_20_concurrent_refreshes_by_the_client_all_succeed_and_reuse_after_it_revokes()
 {
    let setup = Arc::new(setup("confidential", Duration::seconds(10)).await);
    let tokens = setup.exchange(&setup.code().await).await.unwrap();
    let refresh = tokens.refresh_token.clone().unwrap();
    let ok = setup.refresh_concurrently(&refresh, 20).await;
    assert_eq!(ok.len(), 20, "every session of the client gets a pair");
    for pair in &ok {
        assert!(setup.works(pair).await);
    }
    let sibling = ok[7].refresh_token.clone().unwrap();
    let next = setup
        .refresh(&sibling)
        .await
        .expect("a sibling of the current generation rotates");
    setup.clock.advance(Duration::seconds(11));
    assert!(
        setup.refresh(&refresh).await.is_none(),
        "an older generation is refused"
    );
    assert!(!setup.works(&next).await, "and the whole grant is revoked");
}

#[tokio::test]
async fn the_previous_generation_after_the_grace_revokes_the_grant() {
    let setup = Arc::new(setup("public", Duration::seconds(10)).await);
    let first = setup.exchange(&setup.code().await).await.unwrap();
    let old = first.refresh_token.clone().unwrap();
    let second = setup.refresh(&old).await.unwrap();
    setup.clock.advance(Duration::seconds(10));
    assert!(setup.refresh(&old).await.is_none());
    assert!(!setup.works(&second).await);
}

#[tokio::test]
async fn a_confidential_exchange_marks_the_secret_and_the_app_as_used() {
    let setup = setup("confidential", Duration::seconds(10)).await;
    let unused = "SELECT count(*) FROM oauth2_app_secrets WHERE last_used_at IS NULL";
    assert_eq!(setup.count(unused).await, 1);
    setup.exchange(&setup.code().await).await.unwrap();
    assert_eq!(setup.count(unused).await, 0);
    let used = "SELECT count(*) FROM oauth2_apps WHERE last_token_at IS NOT NULL";
    assert_eq!(setup.count(used).await, 1);
}

#[tokio::test]
async fn revoking_an_authorization_removes_the_app_from_the_authorized_list_and_ends_its_tokens() {
    let setup = setup("public", Duration::seconds(10)).await;
    let tokens = setup.exchange(&setup.code().await).await.unwrap();
    let listed = setup.service.authorized_apps(&setup.user).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].client_id, setup.app.id.to_string());
    assert_eq!(listed[0].scopes.to_string(), "user:read mcp");
    assert!(
        setup
            .service
            .revoke_authorization(&setup.user, &ClientId::Registered(setup.app.id), &actor())
            .await
            .unwrap()
    );
    assert!(!setup.works(&tokens).await);
    assert!(
        setup
            .service
            .authorized_apps(&setup.user)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        setup.count("SELECT count(*) FROM oauth2_approvals").await,
        0
    );
}

#[tokio::test]
async fn a_document_clients_tokens_and_authorization_name_it_by_its_url_never_its_id() {
    let setup = setup("public", Duration::seconds(10)).await;
    let tokens = setup.exchange(&setup.code().await).await.unwrap();
    let url = "https://client.example/client.json";
    let db = setup.db.client().await.unwrap();
    db.execute(
        "UPDATE oauth2_apps SET source = 'cimd', cimd_url = $2 WHERE id = $1",
        &[&setup.app.id, &url],
    )
    .await
    .unwrap();
    let grants = PgGrantRepository::new(setup.db.clone());
    let access = tokens.access_token.lookup_id();
    let found = grants.find_access_token(access).await.unwrap().unwrap();
    assert_eq!(found.public_client_id, url);
    let refresh = tokens.refresh_token.as_ref().unwrap().lookup_id();
    let found = grants.find_refresh_token(refresh).await.unwrap().unwrap();
    assert_eq!(found.public_client_id, url);
    let listed = setup.service.authorized_apps(&setup.user).await.unwrap();
    assert_eq!(listed[0].client_id, url);
}

#[tokio::test]
async fn sweeping_removes_expired_tokens_and_grants() {
    let setup = setup("public", Duration::seconds(10)).await;
    setup.exchange(&setup.code().await).await.unwrap();
    let later = setup.clock.now() + Duration::days(31);
    tessera_adapters::postgres::sweep_expired(&setup.db, later)
        .await
        .unwrap();
    assert_eq!(setup.count("SELECT count(*) FROM oauth2_grants").await, 0);
    assert_eq!(
        setup
            .count("SELECT count(*) FROM oauth2_access_tokens")
            .await,
        0
    );
    assert_eq!(setup.count("SELECT count(*) FROM oauth2_codes").await, 0);
}

#[tokio::test]
async fn a_consent_that_changes_nothing_leaves_the_approval_as_it_was() {
    let setup = setup("confidential", Duration::seconds(10)).await;
    setup.code().await;
    let first = setup
        .count("SELECT extract(epoch FROM approved_at)::bigint FROM oauth2_approvals")
        .await;
    setup.clock.advance(Duration::minutes(5));
    setup.code().await;
    let second = setup
        .count("SELECT extract(epoch FROM approved_at)::bigint FROM oauth2_approvals")
        .await;
    assert_eq!(
        first, second,
        "no rewrite of an approval that already covers the scopes"
    );
    assert_eq!(setup.count("SELECT count(*) FROM oauth2_codes").await, 2);
}

#[tokio::test]
async fn a_remembered_consent_stores_a_working_code_only_within_what_was_approved() {
    let setup = setup("confidential", Duration::seconds(10)).await;
    let narrow = setup.request("user:read").await;
    let begin = |request| setup.service.begin(&setup.user, request, None, false);
    assert!(matches!(begin(&narrow).await.unwrap(), Consent::Ask { .. }));
    assert_eq!(setup.count("SELECT count(*) FROM oauth2_codes").await, 0);
    setup
        .service
        .approve(&setup.user, &narrow, None)
        .await
        .unwrap();
    let wider = setup.request("user:read mcp").await;
    assert!(matches!(begin(&wider).await.unwrap(), Consent::Ask { .. }));
    assert_eq!(setup.count("SELECT count(*) FROM oauth2_codes").await, 1);
    let Consent::Remembered(code) = begin(&narrow).await.unwrap() else {
        panic!("the approval covers user:read");
    };
    assert_eq!(setup.count("SELECT count(*) FROM oauth2_codes").await, 2);
    assert!(
        setup.exchange(&code).await.is_some(),
        "the remembered code works"
    );
}
