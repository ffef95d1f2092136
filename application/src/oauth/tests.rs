use tessera_domain::{
    AppName, ClientType, CodeChallenge, CodeVerifier, Credential, CredentialKind, Email, GrantType,
    OAuthClient, OAuthError, RedirectUri, RegistrationSource, Resources, Scope, ScopeSet, User,
    UserId, Username,
};
use time::Duration;
use uuid::Uuid;

use super::*;
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
    let grants = FakeGrants::default();
    let clock = FakeClock::default();
    let (public, confidential) = (client(ClientType::Public), client(ClientType::Confidential));
    let secret = credential(CredentialKind::ClientSecret, 200);
    clients.add(public.clone());
    clients.add(confidential.clone());
    clients.add_secret(confidential.id, &secret);
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
    }
}

fn harness() -> Harness {
    harness_with_grace(Duration::seconds(10))
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
    fn request(
        &self,
        client: &OAuthClient,
        scope: Option<&str>,
        resource: Option<&str>,
    ) -> AuthorizationRequest {
        let verifier = CodeVerifier::parse(VERIFIER).unwrap();
        let challenge = CodeChallenge::from_verifier(&verifier);
        self.service
            .check_request(
                client.clone(),
                client.redirect_uris[0].clone(),
                true,
                AuthorizeParams {
                    response_type: Some("code"),
                    code_challenge: Some(challenge.as_str()),
                    code_challenge_method: Some("S256"),
                    scope,
                    resource,
                },
            )
            .unwrap()
    }

    fn credentials(&self, client: &OAuthClient) -> ClientCredentials {
        ClientCredentials {
            client_id: client.id.to_string(),
            secret: (client.client_type == ClientType::Confidential)
                .then(|| tessera_domain::SecretString::new(self.secret.expose().to_owned())),
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
        let request = self.request(client, scope, None);
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
async fn a_remembered_approval_issues_a_code_at_once_unless_consent_is_forced() {
    let h = harness();
    let request = h.request(&h.public, Some("user:read"), None);
    let first = h
        .service
        .begin(&h.member, &request, None, false)
        .await
        .unwrap();
    assert!(matches!(first, Consent::Ask(_)));
    h.code(&h.member, &request).await;
    let again = h
        .service
        .begin(&h.member, &request, None, false)
        .await
        .unwrap();
    assert!(matches!(again, Consent::Remembered(_)));
    let forced = h
        .service
        .begin(&h.member, &request, None, true)
        .await
        .unwrap();
    assert!(matches!(forced, Consent::Ask(_)));
    let wider = h.request(&h.public, Some("user:read mcp"), None);
    let asked = h
        .service
        .begin(&h.member, &wider, None, false)
        .await
        .unwrap();
    assert!(matches!(asked, Consent::Ask(_)));
}

#[tokio::test]
async fn a_code_redeems_once_and_its_reuse_revokes_what_it_issued() {
    let h = harness();
    let request = h.request(&h.confidential, None, None);
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
    let request = h.request(&h.public, None, None);
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
    let request = h.request(&h.confidential, None, None);
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
async fn a_refresh_rotates_and_the_previous_token_is_reissued_only_within_the_grace() {
    let h = harness();
    let first = h.tokens(&h.public, None).await;
    let old = first.refresh_token.unwrap();
    let second = h.refresh(&h.public, &old, None).await.unwrap();
    h.clock.advance(Duration::seconds(5));
    let sibling = h.refresh(&h.public, &old, None).await.unwrap();
    assert!(h.bearer_ok(&sibling).await);
    h.clock.advance(Duration::seconds(5));
    let late = h.refresh(&h.public, &old, None).await.unwrap_err();
    assert_eq!(refused(late), OAuthError::InvalidGrant);
    assert!(!h.bearer_ok(&second).await, "the whole grant is revoked");
    let newest = second.refresh_token.unwrap();
    assert_eq!(
        refused(h.refresh(&h.public, &newest, None).await.unwrap_err()),
        OAuthError::InvalidGrant
    );
}

#[tokio::test]
async fn with_no_grace_a_second_use_revokes_the_grant() {
    let h = harness_with_grace(Duration::ZERO);
    let old = h.tokens(&h.public, None).await.refresh_token.unwrap();
    let fresh = h.refresh(&h.public, &old, None).await.unwrap();
    assert_eq!(
        refused(h.refresh(&h.public, &old, None).await.unwrap_err()),
        OAuthError::InvalidGrant
    );
    assert!(!h.bearer_ok(&fresh).await);
}

#[tokio::test]
async fn an_older_generation_revokes_the_grant_even_within_the_grace() {
    let h = harness();
    let gen0 = h.tokens(&h.public, None).await.refresh_token.unwrap();
    let gen1 = h
        .refresh(&h.public, &gen0, None)
        .await
        .unwrap()
        .refresh_token
        .unwrap();
    let gen2 = h.refresh(&h.public, &gen1, None).await.unwrap();
    assert_eq!(
        refused(h.refresh(&h.public, &gen0, None).await.unwrap_err()),
        OAuthError::InvalidGrant
    );
    assert!(!h.bearer_ok(&gen2).await);
}

#[tokio::test]
async fn a_refresh_may_narrow_the_scope_but_never_widen_it() {
    let h = harness();
    let tokens = h.tokens(&h.public, Some("user:read")).await;
    let token = tokens.refresh_token.unwrap();
    let wider = h
        .refresh(&h.public, &token, Some("user:read mcp"))
        .await
        .unwrap_err();
    assert_eq!(refused(wider), OAuthError::InvalidScope);
    let narrowed = h
        .refresh(&h.public, &token, Some("user:read"))
        .await
        .unwrap();
    assert_eq!(narrowed.scopes.to_string(), "user:read");
}

#[tokio::test]
async fn a_member_asking_for_admin_gets_the_rest_and_an_admin_gets_it_all() {
    let h = harness();
    let request = h.request(&h.public, Some("admin user:read"), None);
    let member = h
        .service
        .begin(&h.member, &request, None, false)
        .await
        .unwrap();
    assert!(matches!(member, Consent::Ask(s) if s.to_string() == "user:read"));
    let admin = h
        .service
        .begin(&h.admin, &request, None, false)
        .await
        .unwrap();
    assert!(matches!(admin, Consent::Ask(s) if s.to_string() == "user:read admin"));
}

#[tokio::test]
async fn a_token_for_the_mcp_endpoint_is_refused_by_the_api_and_scope_is_checked() {
    let h = harness();
    let resources = Resources::new(ACCESS_URL);
    let request = h.request(&h.public, Some("mcp"), Some(resources.mcp()));
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
    let verifier = CodeVerifier::parse(VERIFIER).unwrap();
    let challenge = CodeChallenge::from_verifier(&verifier);
    let err = h
        .service
        .check_request(
            h.public.clone(),
            h.public.redirect_uris[0].clone(),
            true,
            AuthorizeParams {
                response_type: Some("code"),
                code_challenge: Some(challenge.as_str()),
                code_challenge_method: Some("S256"),
                scope: None,
                resource: Some("https://elsewhere.example"),
            },
        )
        .unwrap_err();
    assert_eq!(err.error, OAuthError::InvalidTarget);
}

#[tokio::test]
async fn revoking_an_app_ends_its_tokens_and_forgets_the_approval() {
    let h = harness();
    let request = h.request(&h.public, None, None);
    let code = h.code(&h.member, &request).await;
    let tokens = h.exchange(&h.public, &code).await.unwrap();
    assert!(
        h.service
            .revoke_authorization(&h.member, h.public.id, &actor())
            .await
            .unwrap()
    );
    assert!(!h.bearer_ok(&tokens).await);
    let again = h
        .service
        .begin(&h.member, &request, None, false)
        .await
        .unwrap();
    assert!(matches!(again, Consent::Ask(_)));
}

mod metadata_documents {
    use super::*;
    use crate::fakes::{FakeCimd, FakeFetcher, FakeRateLimits};
    use crate::ports::{FetchError, FetchedDocument};
    use tessera_domain::{ClientMetadataInput, DomainPolicy, RateLimit};

    const URL: &str = "https://client.example/oauth/metadata.json";

    fn document(client_id: &str, redirect: &str, max_age: Option<Duration>) -> FetchedDocument {
        FetchedDocument {
            client_id: Some(client_id.to_owned()),
            metadata: ClientMetadataInput {
                redirect_uris: Some(vec![redirect.to_owned()]),
                client_name: Some("Doc client".into()),
                application_type: Some("native".into()),
                ..Default::default()
            },
            json: "{}".into(),
            max_age,
        }
    }

    fn resolver_with(
        fetcher: &FakeFetcher,
        clock: &FakeClock,
        domains: DomainPolicy,
        per_minute: u32,
    ) -> OAuthService<FakePorts> {
        let resolver = CimdResolver::new(
            FakeCimd::default(),
            fetcher.clone(),
            FakeRateLimits::default(),
            clock.clone(),
            CimdPolicy {
                enabled: true,
                allow_http_loopback: false,
                domains,
                fetch_rate: RateLimit::new(per_minute, Duration::minutes(1)),
            },
        );
        OAuthService::new(
            FakeClients::default(),
            FakeGrants::default(),
            clock.clone(),
            CountingRng::default(),
            TokenPolicy {
                access_ttl: Duration::hours(1),
                refresh_ttl: Duration::days(30),
                code_ttl: Duration::minutes(10),
                refresh_reuse_grace: Duration::seconds(10),
            },
            Resources::new(ACCESS_URL),
        )
        .with_cimd(resolver)
    }

    #[tokio::test]
    async fn a_document_is_fetched_once_and_cached_until_its_max_age_passes() {
        let fetcher = FakeFetcher::answering(Ok(document(
            URL,
            "http://127.0.0.1:9/cb",
            Some(Duration::hours(1)),
        )));
        let clock = FakeClock::default();
        let service = resolver_with(&fetcher, &clock, DomainPolicy::default(), 100);
        let (client, _) = service.trusted_client(Some(URL), None).await.unwrap();
        assert_eq!(client.client_id(), URL);
        assert_eq!(client.client_type, ClientType::Public);
        service.trusted_client(Some(URL), None).await.unwrap();
        assert_eq!(fetcher.count(), 1, "no refetch within max-age");
        clock.advance(Duration::hours(1));
        let again = service.trusted_client(Some(URL), None).await.unwrap().0;
        assert_eq!(fetcher.count(), 2, "refetched after it");
        assert_eq!(again.id, client.id, "the same client");
    }

    #[tokio::test]
    async fn a_document_naming_another_client_id_is_refused() {
        let fetcher = FakeFetcher::answering(Ok(document(
            "https://client.example/other.json",
            "http://127.0.0.1:9/cb",
            None,
        )));
        let service = resolver_with(
            &fetcher,
            &FakeClock::default(),
            DomainPolicy::default(),
            100,
        );
        let err = service.trusted_client(Some(URL), None).await.unwrap_err();
        assert!(matches!(err, Untrusted::Document(CimdError::Mismatch)));
    }

    #[tokio::test]
    async fn a_document_breaking_a_registration_rule_is_refused() {
        let fetcher = FakeFetcher::answering(Ok(document(URL, "http://evil.example/cb", None)));
        let service = resolver_with(
            &fetcher,
            &FakeClock::default(),
            DomainPolicy::default(),
            100,
        );
        let err = service.trusted_client(Some(URL), None).await.unwrap_err();
        assert!(matches!(err, Untrusted::Document(CimdError::Invalid(_))));
    }

    #[tokio::test]
    async fn a_failed_fetch_is_an_untrusted_request_never_a_redirect() {
        let fetcher = FakeFetcher::answering(Err(FetchError::TooLarge));
        let service = resolver_with(
            &fetcher,
            &FakeClock::default(),
            DomainPolicy::default(),
            100,
        );
        let err = service.trusted_client(Some(URL), None).await.unwrap_err();
        assert!(matches!(
            err,
            Untrusted::Document(CimdError::Fetch(FetchError::TooLarge))
        ));
    }

    #[tokio::test]
    async fn denied_hosts_are_never_fetched_and_fetches_per_host_are_limited() {
        let fetcher = FakeFetcher::default();
        let denied = DomainPolicy::new(&[], &["client.example".into()]);
        let service = resolver_with(&fetcher, &FakeClock::default(), denied, 100);
        let err = service.trusted_client(Some(URL), None).await.unwrap_err();
        assert!(matches!(
            err,
            Untrusted::Document(CimdError::DomainNotAllowed)
        ));
        assert_eq!(fetcher.count(), 0);
        let limited = resolver_with(&fetcher, &FakeClock::default(), DomainPolicy::default(), 1);
        let _ = limited.trusted_client(Some(URL), None).await;
        let err = limited.trusted_client(Some(URL), None).await.unwrap_err();
        assert!(matches!(err, Untrusted::Document(CimdError::Throttled)));
    }

    #[tokio::test]
    async fn a_url_client_id_authenticates_at_the_token_endpoint_as_a_public_client() {
        let fetcher = FakeFetcher::answering(Ok(document(URL, "http://127.0.0.1:9/cb", None)));
        let service = resolver_with(
            &fetcher,
            &FakeClock::default(),
            DomainPolicy::default(),
            100,
        );
        let credentials = ClientCredentials {
            client_id: URL.into(),
            secret: None,
        };
        let (client, usage) = service.authenticate_client(&credentials).await.unwrap();
        assert_eq!(usage.client_id, client.id);
        let with_secret = ClientCredentials {
            client_id: URL.into(),
            secret: Some(tessera_domain::SecretString::new("x".into())),
        };
        assert!(service.authenticate_client(&with_secret).await.is_err());
    }
}
