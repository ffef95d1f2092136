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

/// A server with an admin, a registered public MCP client, a browser signed in as the admin,
/// and an upstream MCP server protected as `docs`.
#[derive(Debug)]
pub struct ProtectedSetup {
    /// The server.
    pub app: TestApp,
    /// The admin's API session token.
    pub admin_token: String,
    /// A public native client, registered as MCP clients register.
    pub client: crate::oauth::OAuthApp,
    /// A browser signed in as the admin.
    pub browser: TestApp,
    /// The upstream behind `/mcp/docs`.
    pub upstream: crate::upstream::Upstream,
}

/// [`ProtectedSetup`] on a fresh server.
pub async fn spawn_protected() -> ProtectedSetup {
    let mcp = crate::mcp::spawn_mcp().await;
    let upstream = crate::upstream::spawn_upstream().await;
    mcp.app
        .protect_server(&mcp.admin_token, "docs", &upstream.url)
        .await;
    ProtectedSetup {
        app: mcp.app,
        admin_token: mcp.admin_token,
        client: mcp.client,
        browser: mcp.browser,
        upstream,
    }
}

impl ProtectedSetup {
    /// The admin's `mcp` access token for the protected server `slug` (`resource` = its URL).
    pub async fn token_for(&self, slug: &str) -> String {
        let resource = self.app.protected_url(slug);
        self.browser
            .access_token(&self.client, "mcp", Some(&resource))
            .await
    }

    /// A raw MCP client of `/mcp/<slug>` with `token`.
    pub fn raw(&self, slug: &str, token: &str) -> crate::mcp::RawMcp {
        crate::mcp::RawMcp::at(&self.app.protected_url(slug), Some(token))
    }
}

/// Verifies an identity assertion against `app`'s JWKS (Ed25519, by `kid`) and returns its
/// header and claims; fails the test when the signature does not verify.
pub async fn verify_assertion(app: &TestApp, jwt: &str) -> (Value, Value) {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "a compact JWS: {jwt}");
    let header: Value = serde_json::from_slice(&decode(parts[0])).unwrap();
    let claims: Value = serde_json::from_slice(&decode(parts[1])).unwrap();
    let jwks: Value = new_client()
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .unwrap_or_else(|| panic!("no key {} in {jwks}", header["kid"]));
    assert_eq!(
        (&key["kty"], &key["crv"], &key["alg"]),
        (&json!("OKP"), &json!("Ed25519"), &json!("EdDSA"))
    );
    let public = decode(key["x"].as_str().unwrap());
    let signed = format!("{}.{}", parts[0], parts[1]);
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, public)
        .verify(signed.as_bytes(), &decode(parts[2]))
        .expect("the assertion verifies against the JWKS");
    (header, claims)
}
