use tessera_domain::{
    AppName, ClientId, ClientType, CodeChallenge, CodeVerifier, Credential, CredentialKind, Email,
    GrantType, OAuthClient, OAuthError, RedirectUri, RegistrationSource, Resources, Scope,
    ScopeSet, User, UserId, Username,
};
use time::Duration;
use uuid::Uuid;

use super::*;
use crate::admin::{AdminAuthError, Origin};
use crate::fakes::{CountingRng, FakeClients, FakeClock, FakeGrants, FakePorts, credential};
use crate::ports::Actor;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const ACCESS_URL: &str = "https://auth.example";

struct Harness {
    service: OAuthService<FakePorts>,
    grants: FakeGrants,
    clock: FakeClock,
    member: User,
    admin: User,
    public: OAuthClient,
    confidential: OAuthClient,
    secret: Credential,
    /// A second confidential client, with its own secret.
    other: OAuthClient,
    other_secret: Credential,
}

fn user(name: &str, admin: bool) -> User {
    User {
        id: UserId::new(Uuid::new_v4()),
        email: Email::parse(&format!("{name}@example.com")).unwrap(),
        username: Username::parse(name).unwrap(),
        admin,
        created_at: time::OffsetDateTime::UNIX_EPOCH,
    }
}

fn client(client_type: ClientType) -> OAuthClient {
    OAuthClient {
        id: Uuid::new_v4(),
        name: AppName::parse("App").unwrap(),
        icon: None,
        redirect_uris: vec![RedirectUri::parse("https://app.example/cb").unwrap()],
        client_type,
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        scope: None,
        source: RegistrationSource::Admin,
        blocked: false,
        cimd_url: None,
    }
}

fn harness_with_grace(grace: Duration) -> Harness {
    let clients = FakeClients::default();
    let grants = FakeGrants::reading(&clients);
    let clock = FakeClock::default();
    let (public, confidential) = (client(ClientType::Public), client(ClientType::Confidential));
    let secret = credential(CredentialKind::ClientSecret, 200);
    clients.add(public.clone());
    clients.add(confidential.clone());
    clients.add_secret(confidential.id, &secret);
    let (other, other_secret) = (
        client(ClientType::Confidential),
        credential(CredentialKind::ClientSecret, 201),
    );
    clients.add(other.clone());
    clients.add_secret(other.id, &other_secret);
    let (member, admin) = (user("member", false), user("admin", true));
    grants.add_user(&member);
    grants.add_user(&admin);
    let policy = TokenPolicy {
        access_ttl: Duration::hours(1),
        refresh_ttl: Duration::days(30),
        code_ttl: Duration::minutes(10),
        refresh_reuse_grace: grace,
    };
    let service = OAuthService::new(
        clients,
        grants.clone(),
        clock.clone(),
        CountingRng::default(),
        policy,
        Resources::new(ACCESS_URL),
    );
    Harness {
        service,
        grants,
        clock,
        member,
        admin,
        public,
        confidential,
        secret,
        other,
        other_secret,
    }
}

fn harness() -> Harness {
    harness_with_grace(Duration::seconds(10))
}

/// An authorization request for `client`, as the edge would parse it.
fn untrusted(
    client: &OAuthClient,
    scope: Option<&str>,
    resource: Option<&str>,
) -> UntrustedRequest {
    let challenge = CodeChallenge::from_verifier(&CodeVerifier::parse(VERIFIER).unwrap());
    let id = client.id.to_string();
    UntrustedRequest::parse(
        |name| match name {
            "client_id" => Some(id.as_str()),
            "redirect_uri" => Some(client.redirect_uris[0].as_str()),
            "response_type" => Some("code"),
            "code_challenge" => Some(challenge.as_str()),
            "code_challenge_method" => Some("S256"),
            "scope" => scope,
            "resource" => resource,
            _ => None,
        },
        false,
    )
}

fn actor() -> Actor {
    Actor {
        user_id: None,
        name: "client".into(),
        ip: None,
        user_agent: None,
    }
}

fn refused(e: FlowError) -> OAuthError {
    match e {
        FlowError::Refused(failure) => failure.error,
        FlowError::Repo(e) => panic!("unexpected repository error {e}"),
    }
}

impl Harness {
    async fn request(
        &self,
        client: &OAuthClient,
        scope: Option<&str>,
        resource: Option<&str>,
    ) -> AuthorizationRequest {
        self.service
            .check_authorization(untrusted(client, scope, resource))
            .await
            .unwrap()
    }

    fn credentials(&self, client: &OAuthClient) -> ClientCredentials {
        let secret = match client.id == self.other.id {
            true => &self.other_secret,
            false => &self.secret,
        };
        ClientCredentials {
            client_id: ClientId::Registered(client.id),
            secret: (client.client_type == ClientType::Confidential)
                .then(|| tessera_domain::SecretString::new(secret.expose().to_owned())),
        }
    }

    async fn code(&self, user: &User, request: &AuthorizationRequest) -> Credential {
        self.service
            .approve(user, request, Some("xyz"))
            .await
            .unwrap()
    }

    async fn exchange(
        &self,
        client: &OAuthClient,
        code: &Credential,
    ) -> Result<IssuedTokens, FlowError> {
        let request = CodeExchange {
            code: code.clone(),
            verifier: CodeVerifier::parse(VERIFIER).unwrap(),
            redirect_uri: Some(client.redirect_uris[0].as_str().to_owned()),
            scope: None,
            resource: None,
        };
        self.service
            .exchange_code(&self.credentials(client), request, &actor())
            .await
    }

    async fn tokens(&self, client: &OAuthClient, scope: Option<&str>) -> IssuedTokens {
        let request = self.request(client, scope, None).await;
        let code = self.code(&self.member, &request).await;
        self.exchange(client, &code).await.unwrap()
    }

    async fn refresh(
        &self,
        client: &OAuthClient,
        token: &Credential,
        scope: Option<&str>,
    ) -> Result<IssuedTokens, FlowError> {
        let request = RefreshRequest {
            token: token.clone(),
            scope: scope.map(|s| ScopeSet::parse(s).unwrap()),
            resource: None,
        };
        self.service
            .refresh(&self.credentials(client), request, &actor())
            .await
    }

    async fn bearer_ok(&self, token: &IssuedTokens) -> bool {
        self.service
            .authenticate_bearer(token.access_token.expose(), ACCESS_URL, Scope::UserRead)
            .await
            .is_ok()
    }
}

#[tokio::test]
async fn a_remembered_approval_issues_a_confidential_client_a_code_at_once_unless_forced() {
    let h = harness();
    let request = h.request(&h.confidential, Some("user:read"), None).await;
    let begin = |force| h.service.begin(&h.member, &request, None, force);
    let first = begin(false).await.unwrap();
    assert!(matches!(
        first,
        Consent::Ask {
            approved_before: false,
            ..
        }
    ));
    h.code(&h.member, &request).await;
    assert!(matches!(
        begin(false).await.unwrap(),
        Consent::Remembered(_)
    ));
    let forced = begin(true).await.unwrap();
    assert!(matches!(
        forced,
        Consent::Ask {
            approved_before: true,
            ..
        }
    ));
    let wider = h
        .request(&h.confidential, Some("user:read mcp"), None)
        .await;
    let asked = h
        .service
        .begin(&h.member, &wider, None, false)
        .await
        .unwrap();
    assert!(matches!(
        asked,
        Consent::Ask {
            approved_before: false,
            ..
        }
    ));
}

#[tokio::test]
async fn a_public_client_sees_the_page_again_saying_it_was_approved_before() {
    let h = harness();
    let request = h.request(&h.public, Some("user:read"), None).await;
    h.code(&h.member, &request).await;
    let again = h
        .service
        .begin(&h.member, &request, None, false)
        .await
        .unwrap();
    assert!(matches!(
        again,
        Consent::Ask {
            approved_before: true,
            ..
        }
    ));
}

#[tokio::test]
async fn a_code_redeems_once_and_its_reuse_revokes_what_it_issued() {
    let h = harness();
    let request = h.request(&h.confidential, None, None).await;
    let code = h.code(&h.member, &request).await;
    let tokens = h.exchange(&h.confidential, &code).await.unwrap();
    assert_eq!(tokens.scopes.to_string(), "user:read mcp");
    assert!(h.bearer_ok(&tokens).await);
    let reused = h.exchange(&h.confidential, &code).await.unwrap_err();
    assert_eq!(refused(reused), OAuthError::InvalidGrant);
    assert!(!h.bearer_ok(&tokens).await);
    let entries = h.grants.audit.entries();
    assert_eq!(entries.last().unwrap().action, "reuse_detected");
}

#[tokio::test]
async fn an_expired_code_is_invalid_grant_and_revokes_nothing() {
    let h = harness();
    let request = h.request(&h.public, None, None).await;
    let code = h.code(&h.member, &request).await;
    h.clock.advance(Duration::minutes(10));
    assert_eq!(
        refused(h.exchange(&h.public, &code).await.unwrap_err()),
        OAuthError::InvalidGrant
    );
    assert!(h.grants.audit.entries().is_empty());
}

#[tokio::test]
async fn client_authentication_needs_the_right_secret_for_confidential_and_none_for_public() {
    let h = harness();
    let request = h.request(&h.confidential, None, None).await;
    let code = h.code(&h.member, &request).await;
    let mut wrong = h.credentials(&h.confidential);
    wrong.secret = Some(tessera_domain::SecretString::new(
        credential(CredentialKind::ClientSecret, 9)
            .expose()
            .to_owned(),
    ));
    let exchange = CodeExchange {
        code: code.clone(),
        verifier: CodeVerifier::parse(VERIFIER).unwrap(),
        redirect_uri: None,
        scope: None,
        resource: None,
    };
    let err = h
        .service
        .exchange_code(&wrong, exchange, &actor())
        .await
        .unwrap_err();
    assert_eq!(refused(err), OAuthError::InvalidClient);
    let mut public_with_secret = h.credentials(&h.public);
    public_with_secret.secret = Some(tessera_domain::SecretString::new("x".into()));
    let token = credential(CredentialKind::RefreshToken, 1);
    let request = RefreshRequest {
        token,
        scope: None,
        resource: None,
    };
    let err = h
        .service
        .refresh(&public_with_secret, request, &actor())
        .await
        .unwrap_err();
    assert_eq!(refused(err), OAuthError::InvalidClient);
}

#[tokio::test]
async fn a_member_asking_for_admin_gets_the_rest_and_an_admin_gets_it_all() {
    let h = harness();
    let request = h.request(&h.public, Some("admin user:read"), None).await;
    let member = h
        .service
        .begin(&h.member, &request, None, false)
        .await
        .unwrap();
    assert!(matches!(member, Consent::Ask { scopes, .. } if scopes.to_string() == "user:read"));
    let admin = h
        .service
        .begin(&h.admin, &request, None, false)
        .await
        .unwrap();
    assert!(
        matches!(admin, Consent::Ask { scopes, .. } if scopes.to_string() == "user:read admin")
    );
}

#[tokio::test]
async fn a_token_for_the_mcp_endpoint_is_refused_by_the_api_and_scope_is_checked() {
    let h = harness();
    let resources = Resources::new(ACCESS_URL);
    let request = h
        .request(&h.public, Some("mcp"), Some(resources.mcp()))
        .await;
    let code = h.code(&h.member, &request).await;
    let tokens = h.exchange(&h.public, &code).await.unwrap();
    let token = tokens.access_token.expose();
    assert!(
        h.service
            .authenticate_bearer(token, resources.mcp(), Scope::Mcp)
            .await
            .is_ok()
    );
    let api = h
        .service
        .authenticate_bearer(token, ACCESS_URL, Scope::Mcp)
        .await;
    assert!(matches!(api, Err(BearerError::InvalidToken)));
    let scope = h
        .service
        .authenticate_bearer(token, resources.mcp(), Scope::UserRead)
        .await;
    assert!(matches!(
        scope,
        Err(BearerError::InsufficientScope(Scope::UserRead))
    ));
}

#[tokio::test]
async fn a_resource_this_server_does_not_serve_is_invalid_target() {
    let h = harness();
    let untrusted = untrusted(&h.public, None, Some("https://elsewhere.example"));
    let err = h.service.check_authorization(untrusted).await.unwrap_err();
    assert!(matches!(
        err,
        AuthorizeError::Refused { failure, .. } if failure.error == OAuthError::InvalidTarget
    ));
}

#[tokio::test]
async fn revoking_an_app_ends_its_tokens_and_forgets_the_approval() {
    let h = harness();
    let request = h.request(&h.public, None, None).await;
    let code = h.code(&h.member, &request).await;
    let tokens = h.exchange(&h.public, &code).await.unwrap();
    assert!(
        h.service
            .revoke_authorization(&h.member, &ClientId::Registered(h.public.id), &actor())
            .await
            .unwrap()
    );
    assert!(!h.bearer_ok(&tokens).await);
    let again = h
        .service
        .begin(&h.member, &request, None, false)
        .await
        .unwrap();
    assert!(matches!(again, Consent::Ask { .. }));
}

mod another_clients_tokens;
mod client_first;
mod document_outages;
mod metadata_documents;
mod rotation;

#[tokio::test]
async fn only_an_admins_api_token_with_the_admin_scope_mints_the_admin_capability() {
    let h = harness();
    let admin_scope = h.request(&h.public, Some("admin"), None).await;
    let code = h.code(&h.admin, &admin_scope).await;
    let tokens = h.exchange(&h.public, &code).await.unwrap();
    let admin = h
        .service
        .authenticate_admin(tokens.access_token.expose(), Origin::default())
        .await
        .unwrap();
    assert_eq!(admin.user_id(), Some(h.admin.id));

    let read_only = h.request(&h.public, Some("user:read"), None).await;
    let code = h.code(&h.admin, &read_only).await;
    let tokens = h.exchange(&h.public, &code).await.unwrap();
    let refused = h
        .service
        .authenticate_admin(tokens.access_token.expose(), Origin::default())
        .await;
    assert!(matches!(
        refused,
        Err(AdminAuthError::Unauthenticated(
            BearerError::InsufficientScope(Scope::Admin)
        ))
    ));

    let asked = h.request(&h.public, Some("admin user:read"), None).await;
    let code = h.code(&h.member, &asked).await;
    let tokens = h.exchange(&h.public, &code).await.unwrap();
    let refused = h
        .service
        .authenticate_admin(tokens.access_token.expose(), Origin::default())
        .await;
    assert!(matches!(refused, Err(AdminAuthError::Unauthenticated(_))));
}

#[tokio::test]
async fn an_mcp_caller_carries_the_admin_capability_only_when_the_person_is_an_admin() {
    let h = harness();
    let resources = Resources::new(ACCESS_URL);
    let mut admins = Vec::new();
    for user in [&h.admin, &h.member] {
        let request = h
            .request(&h.public, Some("mcp"), Some(resources.mcp()))
            .await;
        let code = h.code(user, &request).await;
        let tokens = h.exchange(&h.public, &code).await.unwrap();
        let caller = h
            .service
            .authenticate_mcp_caller(
                tokens.access_token.expose(),
                resources.mcp(),
                Origin::default(),
            )
            .await
            .unwrap();
        admins.push(caller.admin.and_then(|a| a.user_id()));
    }
    assert_eq!(admins, [Some(h.admin.id), None]);
}
