//! Helpers for the MCP endpoint (SPEC §6): tokens for it, and a raw JSON-RPC client over
//! streamable HTTP ([`RawMcp`]) so status codes and challenge headers can be pinned exactly.
//! The official SDK's client, with its OAuth flow, is in [`sdk`].

mod raw;
pub mod sdk;

pub use raw::{RawMcp, initialize_message, request_message, rpc_reply};

use reqwest::{Response, StatusCode, header};
use serde_json::Value;

use crate::oauth::{AuthorizeRequest, OAuthApp, pkce_pair};
use crate::registration::native_public_metadata;
use crate::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, spawn_app_with};

/// The MCP endpoint's path.
pub const MCP_PATH: &str = "/api/experimental/mcp/http";
/// The protocol version the raw client speaks.
pub const PROTOCOL_VERSION: &str = "2025-06-18";
/// What a streamable HTTP client accepts from a POST.
pub const ACCEPT_BOTH: &str = "application/json, text/event-stream";

impl TestApp {
    /// `<access_url>/api/experimental/mcp/http`.
    pub fn mcp_url(&self) -> String {
        self.url(MCP_PATH)
    }

    /// The RFC 9728 metadata URL of the MCP endpoint, as challenges name it.
    pub fn mcp_resource_metadata_url(&self) -> String {
        self.url(&format!("/.well-known/oauth-protected-resource{MCP_PATH}"))
    }

    /// As this signed-in browser: approves `scope` (and `resource`, when given) for `client`
    /// and exchanges the code (sending the same `resource`); returns the access token.
    pub async fn access_token(
        &self,
        client: &OAuthApp,
        scope: &str,
        resource: Option<&str>,
    ) -> String {
        let pkce = pkce_pair();
        let mut request = AuthorizeRequest::new(client, &pkce).set("scope", scope);
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code_verifier", pkce.verifier.as_str()),
            ("redirect_uri", client.redirect_uri.as_str()),
        ];
        if let Some(resource) = resource {
            request = request.set("resource", resource);
            form.push(("resource", resource));
        }
        let code = self.authorization_code(&request).await;
        form.push(("code", &code));
        let response = self.post_as_client(client, "/oauth2/tokens", &form).await;
        assert_eq!(response.status(), StatusCode::OK, "code exchange");
        let tokens: Value = response.json().await.unwrap();
        tokens["access_token"].as_str().unwrap().to_owned()
    }
}

/// A server with an admin, a dynamically registered public MCP client and a browser signed
/// in as the admin.
#[derive(Debug)]
pub struct McpSetup {
    /// The server.
    pub app: TestApp,
    /// The admin's API session token.
    pub admin_token: String,
    /// A public native client, registered as MCP clients register (RFC 7591).
    pub client: OAuthApp,
    /// A browser signed in as the admin.
    pub browser: TestApp,
}

/// [`McpSetup`] on a fresh server.
pub async fn spawn_mcp() -> McpSetup {
    spawn_mcp_with(|_| {}).await
}

/// [`McpSetup`] on a fresh server whose settings `adjust` changed.
pub async fn spawn_mcp_with(adjust: impl FnOnce(&mut tessera_bootstrap::Settings)) -> McpSetup {
    let app = spawn_app_with(adjust).await;
    let admin_token = app.login_as_admin().await;
    let client = app.register_client(&native_public_metadata()).await.client;
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    McpSetup {
        app,
        admin_token,
        client,
        browser,
    }
}

impl McpSetup {
    /// An access token of the admin for the MCP client, with `scope` and the default audience.
    pub async fn admin_access_token(&self, scope: &str) -> String {
        self.browser.access_token(&self.client, scope, None).await
    }

    /// An `mcp` access token of a new non-admin `username` for the MCP client.
    pub async fn member_access_token(&self, username: &str) -> String {
        let browser = self
            .app
            .browser_login_as_new_member(&self.admin_token, username)
            .await;
        browser.access_token(&self.client, "mcp", None).await
    }

    /// A raw MCP client of the admin with an `mcp` token, its session initialized.
    pub async fn admin_session(&self) -> RawMcp {
        let token = self.admin_access_token("mcp").await;
        let mut mcp = RawMcp::new(&self.app, &token);
        mcp.initialize().await;
        mcp
    }
}

/// The `WWW-Authenticate` header of `response`.
pub fn www_authenticate(response: &Response) -> String {
    let value = response.headers().get(header::WWW_AUTHENTICATE);
    let value = value.expect("a WWW-Authenticate header");
    value.to_str().unwrap().to_owned()
}

/// The `structuredContent` of a tool result, checked against its JSON text content.
pub fn structured(result: &Value) -> Value {
    let structured = result["structuredContent"].clone();
    let text = result["content"][0]["text"]
        .as_str()
        .expect("a text content");
    let parsed: Value = serde_json::from_str(text).expect("the text is JSON");
    assert_eq!(parsed, structured, "text and structuredContent agree");
    structured
}
