//! McpServerService with in-memory fakes.

use tessera_domain::{
    AppName, ClientType, Credential, Email, GrantType, McpServerInput, OAuthClient, RedirectUri,
    RegistrationSource, Scope, User, UserId, Username,
};
use time::Duration;

use super::*;
use crate::admin::{Admin, AdminAuthError, NotAdmin};
use crate::fakes::{
    CountingRng, FakeClients, FakeClock, FakeGrants, FakeMcpServers, FakePorts, FakeSigner,
};
use crate::oauth::{
    ClientCredentials, CodeExchange, IntrospectorCredentials, OAuthService, PresentedToken,
    TokenPolicy, UntrustedRequest,
};

const ACCESS_URL: &str = "https://auth.example";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

struct Harness {
    service: McpServerService<FakePorts>,
    oauth: OAuthService<FakePorts>,
    servers: FakeMcpServers,
    signer: FakeSigner,
    clock: FakeClock,
    client: OAuthClient,
    user: User,
}

fn actor() -> Admin {
    crate::fakes::an_admin()
}

fn draft(slug: &str, scopes: Option<&[String]>) -> McpServerDraft {
    McpServerDraft::parse(McpServerInput {
        slug,
        name: "Docs MCP",
        upstream_url: "http://10.1.2.3:8080/mcp",
        scopes,
        timeout_seconds: None,
    })
    .unwrap()
}

fn harness() -> Harness {
    let clients = FakeClients::default();
    let (grants, clock) = (FakeGrants::reading(&clients), FakeClock::default());
    let (servers, signer) = (FakeMcpServers::default(), FakeSigner::default());
    let client = OAuthClient {
        id: Uuid::new_v4(),
        name: AppName::parse("App").unwrap(),
        icon: None,
        redirect_uris: vec![RedirectUri::parse("https://app.example/cb").unwrap()],
        client_type: ClientType::Public,
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        scope: None,
        source: RegistrationSource::Admin,
        blocked: false,
        cimd_url: None,
    };
    clients.add(client.clone());
    let user = User {
        id: UserId::new(Uuid::new_v4()),
        email: Email::parse("ada@example.com").unwrap(),
        username: Username::parse("ada").unwrap(),
        admin: false,
        created_at: time::OffsetDateTime::UNIX_EPOCH,
    };
    grants.add_user(&user);
    let policy = TokenPolicy {
        access_ttl: Duration::hours(1),
        refresh_ttl: Duration::days(30),
        code_ttl: Duration::minutes(10),
        refresh_reuse_grace: Duration::seconds(10),
    };
    let oauth = OAuthService::new(
        clients.clone(),
        grants.clone(),
        clock.clone(),
        CountingRng::default(),
        policy,
        tessera_domain::Resources::new(ACCESS_URL),
    )
    .with_protected_servers(servers.clone());
    let ports = McpServerPorts::<FakePorts> {
        servers: servers.clone(),
        grants,
        clients,
        signer: signer.clone(),
        clock: clock.clone(),
        rng: CountingRng::default(),
    };
    Harness {
        service: McpServerService::new(ports, ACCESS_URL),
        oauth,
        servers,
        signer,
        clock,
        client,
        user,
    }
}

impl Harness {
    /// An access token for `resource` (if named) with `scope`, through the whole flow.
    async fn token(
        &self,
        scope: &str,
        resource: Option<&str>,
    ) -> Result<Credential, crate::oauth::FlowError> {
        let challenge = tessera_domain::CodeChallenge::from_verifier(
            &tessera_domain::CodeVerifier::parse(VERIFIER).unwrap(),
        );
        let id = self.client.id.to_string();
        let params = UntrustedRequest::parse(
            |name| match name {
                "client_id" => Some(id.as_str()),
                "redirect_uri" => Some(self.client.redirect_uris[0].as_str()),
                "response_type" => Some("code"),
                "code_challenge" => Some(challenge.as_str()),
                "code_challenge_method" => Some("S256"),
                "scope" => Some(scope),
                "resource" => resource,
                _ => None,
            },
            false,
        );
        let request = match self.oauth.check_authorization(params).await {
            Ok(request) => request,
            Err(crate::oauth::AuthorizeError::Refused { failure, .. }) => {
                return Err(failure.into());
            }
            Err(e) => panic!("{e}"),
        };
        let code = self.oauth.approve(&self.user, &request, None).await?;
        let exchange = CodeExchange {
            code,
            verifier: tessera_domain::CodeVerifier::parse(VERIFIER).unwrap(),
            redirect_uri: Some(self.client.redirect_uris[0].as_str().to_owned()),
            scope: None,
            resource: resource.map(str::to_owned),
        };
        let credentials = ClientCredentials {
            client_id: tessera_domain::ClientId::Registered(self.client.id),
            secret: None,
        };
        let tokens = self
            .oauth
            .exchange_code(&credentials, exchange, actor().actor())
            .await?;
        Ok(tokens.access_token)
    }

    async fn admit(&self, slug: &str, token: &Credential) -> Result<Admission, RelayError> {
        let server = self.service.server_for(slug).await?;
        self.service.admit(server, token.expose()).await
    }
}

#[tokio::test]
async fn a_registered_server_is_listed_audited_and_its_slug_is_unique() {
    let h = harness();
    let server = h
        .service
        .create_server(&actor(), draft("docs", None))
        .await
        .unwrap();
    assert_eq!(
        h.service.list_servers(&actor()).await.unwrap(),
        vec![server.clone()]
    );
    let entry = &h.servers.audit.entries()[0];
    assert_eq!((entry.action, entry.target_type), ("create", "mcp_server"));
    assert_eq!(entry.target_id, "docs");
    let again = h.service.create_server(&actor(), draft("docs", None)).await;
    assert!(matches!(again, Err(McpServerError::Invalid(p)) if p[0].field == "slug"));
}

#[tokio::test]
async fn an_update_keeps_the_slug_and_a_delete_revokes_the_grants_for_its_url() {
    let h = harness();
    let slug = ServerSlug::parse("docs").unwrap();
    h.service
        .create_server(&actor(), draft("docs", None))
        .await
        .unwrap();
    let renamed = h
        .service
        .update_server(&actor(), &slug, draft("other", None))
        .await;
    assert!(matches!(renamed, Err(McpServerError::Invalid(p)) if p[0].field == "slug"));
    h.service.delete_server(&actor(), &slug).await.unwrap();
    assert_eq!(
        *h.servers.revoked_resources.lock().unwrap(),
        ["https://auth.example/mcp/docs"]
    );
    let gone = h.service.delete_server(&actor(), &slug).await;
    assert!(matches!(gone, Err(McpServerError::NotFound)));
}

#[tokio::test]
async fn a_token_for_the_server_is_admitted_with_a_signed_identity() {
    let h = harness();
    h.service
        .create_server(&actor(), draft("docs", None))
        .await
        .unwrap();
    let token = h
        .token("mcp", Some("https://auth.example/mcp/docs"))
        .await
        .unwrap();
    let admission = h.admit("docs", &token).await.unwrap();
    assert_eq!(admission.user.username.as_str(), "ada");
    assert_eq!(admission.client_id, h.client.id.to_string());
    let signed = h.signer.0.lock().unwrap()[0].clone();
    assert_eq!(signed.audience, "https://auth.example/mcp/docs");
    assert_eq!(signed.issuer, ACCESS_URL);
    assert_eq!(signed.subject, h.user.id);
    assert_eq!(signed.issued_at, h.clock.now());
    assert!(
        admission
            .assertion
            .starts_with("signed:https://auth.example/mcp/docs:")
    );
}

#[tokio::test]
async fn a_token_for_tessera_or_another_server_is_refused_and_scopes_are_checked() {
    let h = harness();
    let user_read = vec!["user:read".to_owned()];
    h.service
        .create_server(&actor(), draft("docs", None))
        .await
        .unwrap();
    h.service
        .create_server(&actor(), draft("files", Some(&user_read)))
        .await
        .unwrap();
    let for_docs = h
        .token("mcp", Some("https://auth.example/mcp/docs"))
        .await
        .unwrap();
    let for_tessera = h.token("mcp", None).await.unwrap();
    assert!(matches!(
        h.admit("files", &for_docs).await,
        Err(RelayError::InvalidToken)
    ));
    assert!(matches!(
        h.admit("docs", &for_tessera).await,
        Err(RelayError::InvalidToken)
    ));
    let for_files = h
        .token("mcp", Some("https://auth.example/mcp/files"))
        .await
        .unwrap();
    assert!(matches!(
        h.admit("files", &for_files).await,
        Err(RelayError::InsufficientScope(Scope::UserRead))
    ));
    let api = h
        .oauth
        .authenticate_bearer(for_docs.expose(), ACCESS_URL, Scope::Mcp)
        .await;
    assert!(
        api.is_err(),
        "tessera's own API refuses a token for a protected server"
    );
}

#[tokio::test]
async fn an_unregistered_or_deleted_server_cannot_be_named_as_resource_or_reached() {
    let h = harness();
    let unknown = h.token("mcp", Some("https://auth.example/mcp/docs")).await;
    assert!(unknown.is_err(), "invalid_target before it is registered");
    h.service
        .create_server(&actor(), draft("docs", None))
        .await
        .unwrap();
    let token = h
        .token("mcp", Some("https://auth.example/mcp/docs"))
        .await
        .unwrap();
    let slug = ServerSlug::parse("docs").unwrap();
    h.service.delete_server(&actor(), &slug).await.unwrap();
    assert!(matches!(
        h.admit("docs", &token).await,
        Err(RelayError::UnknownServer)
    ));
}

#[tokio::test]
async fn an_expired_token_is_refused_at_the_server() {
    let h = harness();
    h.service
        .create_server(&actor(), draft("docs", None))
        .await
        .unwrap();
    let token = h
        .token("mcp", Some("https://auth.example/mcp/docs"))
        .await
        .unwrap();
    h.clock.advance(Duration::hours(2));
    assert!(matches!(
        h.admit("docs", &token).await,
        Err(RelayError::InvalidToken)
    ));
}

#[tokio::test]
async fn a_servers_introspection_credential_sees_only_tokens_for_that_server() {
    let h = harness();
    h.service
        .create_server(&actor(), draft("docs", None))
        .await
        .unwrap();
    h.service
        .create_server(&actor(), draft("files", None))
        .await
        .unwrap();
    let slug = ServerSlug::parse("docs").unwrap();
    let (_, secret) = h.service.create_credential(&actor(), &slug).await.unwrap();
    assert!(secret.expose().starts_with("tis_"));
    let as_docs = |slug: &str| IntrospectorCredentials::Server {
        slug: ServerSlug::parse(slug).unwrap(),
        secret: secret.clone(),
    };
    let for_docs = h
        .token("mcp", Some("https://auth.example/mcp/docs"))
        .await
        .unwrap();
    let for_files = h
        .token("mcp", Some("https://auth.example/mcp/files"))
        .await
        .unwrap();
    let for_tessera = h.token("mcp", None).await.unwrap();
    let seen = h
        .oauth
        .introspect(&as_docs("docs"), &PresentedToken::parse(for_docs.expose()))
        .await
        .unwrap();
    assert_eq!(
        seen.unwrap().audience.as_deref(),
        Some("https://auth.example/mcp/docs")
    );
    for other in [&for_files, &for_tessera] {
        assert!(
            h.oauth
                .introspect(&as_docs("docs"), &PresentedToken::parse(other.expose()))
                .await
                .unwrap()
                .is_none()
        );
    }
    let wrong_slug = as_docs("files");
    assert!(
        h.oauth
            .introspect(&wrong_slug, &PresentedToken::parse(for_docs.expose()))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_member_cannot_reach_the_server_use_cases_for_want_of_the_admin_capability() {
    let refused = crate::fakes::member_session_as_admin().await;
    assert!(matches!(refused, Err(AdminAuthError::NotAdmin(NotAdmin))));
}
