//! Helpers for protected MCP servers (SPEC §9): registering them through the admin API, and
//! their URLs as tessera serves them.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::{TestApp, new_client};

impl TestApp {
    /// `<access_url>/mcp/<slug>`.
    pub fn protected_url(&self, slug: &str) -> String {
        self.url(&format!("/mcp/{slug}"))
    }

    /// The RFC 9728 metadata URL of the protected server `slug`.
    pub fn protected_metadata_url(&self, slug: &str) -> String {
        self.url(&format!("/.well-known/oauth-protected-resource/mcp/{slug}"))
    }

    /// As `token` (an admin's session), sends `body` to the admin API with `method` at `path`.
    pub async fn admin_api(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Response {
        let request = new_client()
            .request(method, self.url(path))
            .bearer_auth(token);
        let request = match body {
            Some(body) => request.json(body),
            None => request,
        };
        request.send().await.unwrap()
    }

    /// As the admin `token`, registers the protected server `slug` relaying to `upstream`.
    pub async fn protect_server(&self, token: &str, slug: &str, upstream: &str) -> Value {
        let body = json!({"slug": slug, "name": format!("{slug} MCP"), "upstream_url": upstream});
        let response = self
            .admin_api(
                token,
                reqwest::Method::POST,
                "/api/v2/mcp-servers",
                Some(&body),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "registering {slug}");
        response.json().await.unwrap()
    }
}
