//! The official Rust MCP SDK (`rmcp`) used as an MCP client uses it: its streamable HTTP
//! client and its OAuth flow (discovery from the 401 challenge, dynamic registration, PKCE,
//! code exchange, refresh). Only the browser step is played by the test, over HTTP.

use std::sync::Arc;

use reqwest::StatusCode;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::service::{RoleClient, RunningService, ServiceError};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::auth::{AuthClient, AuthorizationManager, AuthorizationRequest, OAuthState};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::TestApp;
use crate::oauth::{hidden_inputs, location};

/// A loopback redirect URI where nothing listens: the test plays the browser and hands the
/// redirect back to rmcp itself.
pub const JOURNEY_REDIRECT: &str = "http://127.0.0.1:47913/callback";

/// An rmcp client session with no handler of its own.
pub type McpClient = RunningService<RoleClient, ()>;

/// Connects with rmcp and no credentials; returns the `WWW-Authenticate` of the refusal.
pub async fn challenge_without_token(mcp_url: &str) -> String {
    let transport = StreamableHttpClientTransport::from_uri(mcp_url);
    let refused = ().serve(transport).await.err();
    let refused = refused.expect("the endpoint refuses a client without a token");
    let challenge = refused.auth_challenge();
    challenge
        .expect("the refusal carries a challenge")
        .to_owned()
}

/// rmcp's flow up to the authorization URL: metadata discovery starting from `challenge`,
/// then dynamic registration of a client named `client_name` at [`JOURNEY_REDIRECT`].
pub async fn start_authorization(mcp_url: &str, challenge: &str, client_name: &str) -> OAuthState {
    let mut state = OAuthState::new(mcp_url, None).await.unwrap();
    let request = AuthorizationRequest::new(JOURNEY_REDIRECT)
        .with_challenge(challenge)
        .with_client_name(client_name);
    state.start_authorization(request).await.unwrap();
    state
}

/// An rmcp client connected with an authorized transport, and its token manager.
pub struct AuthorizedMcp {
    /// The running MCP client session.
    pub client: McpClient,
    /// rmcp's manager of the tokens the transport sends.
    pub auth: Arc<Mutex<AuthorizationManager>>,
}

impl std::fmt::Debug for AuthorizedMcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizedMcp").finish_non_exhaustive()
    }
}

/// Connects to `mcp_url` (`initialize` and `initialized`) with tokens from `manager`.
pub async fn connect(mcp_url: &str, manager: AuthorizationManager) -> AuthorizedMcp {
    let auth_client = AuthClient::new(reqwest_rmcp::Client::default(), manager);
    let auth = auth_client.auth_manager.clone();
    let config = StreamableHttpClientTransportConfig::with_uri(mcp_url);
    let transport = StreamableHttpClientTransport::with_client(auth_client, config);
    let client = ().serve(transport).await.expect("the MCP client connects");
    AuthorizedMcp { client, auth }
}

impl AuthorizedMcp {
    /// The names of the listed tools, sorted.
    pub async fn tool_names(&self) -> Vec<String> {
        let tools = self.client.list_all_tools().await.expect("tools/list");
        let mut names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
        names.sort();
        names
    }

    /// `tools/call` of `name` with `arguments` (an object); the result as JSON.
    pub async fn call_tool(&self, name: &str, arguments: Value) -> Result<Value, ServiceError> {
        let arguments = arguments
            .as_object()
            .expect("arguments are an object")
            .clone();
        let params = CallToolRequestParams::new(name.to_owned()).with_arguments(arguments);
        let result = self.client.call_tool(params).await?;
        Ok(serde_json::to_value(result).unwrap())
    }

    /// The access token the transport sends now.
    pub async fn access_token(&self) -> String {
        self.auth.lock().await.get_access_token().await.unwrap()
    }

    /// Makes rmcp redeem its refresh token now.
    pub async fn refresh(&self) {
        let refreshed = self.auth.lock().await.refresh_token().await;
        refreshed.expect("rmcp refreshes its token");
    }

    /// The `client_id` rmcp registered.
    pub async fn client_id(&self) -> String {
        self.auth.lock().await.get_credentials().await.unwrap().0
    }
}

impl TestApp {
    /// A person with a fresh browser opens `authorize_url`, is sent to the login page, signs
    /// in as `email`, comes back and allows on the consent page; returns where tessera
    /// redirects the browser (the client's redirect URI with `code`, `state` and `iss`).
    pub async fn sign_in_and_allow(
        &self,
        authorize_url: &str,
        email: &str,
        password: &str,
    ) -> String {
        let browser = self.with_new_client();
        let response = browser.client.get(authorize_url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "sent to log in");
        let login_path = location(&response);
        assert!(login_path.starts_with("/login?redirect="), "{login_path}");

        let page = browser.get(&login_path).await.text().await.unwrap();
        let mut form = hidden_inputs(&page);
        form.push(("email".to_owned(), email.to_owned()));
        form.push(("password".to_owned(), password.to_owned()));
        let response = browser.post_form("/login", &form).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "signed in");
        let back = location(&response);
        assert!(authorize_url.ends_with(&back), "back to {back}");

        let consent = browser.consent_page_at(&browser.url(&back)).await;
        let response = browser.consent(&consent, "allow").await;
        assert_eq!(response.status(), StatusCode::FOUND, "allowed");
        location(&response)
    }
}
