//! Helpers for dynamic registration (RFC 7591/7592) tests.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::TestApp;
use crate::oauth::OAuthApp;

/// A loopback redirect URI, as native MCP clients register.
pub const LOOPBACK_REDIRECT: &str = "http://127.0.0.1:33418/callback";

/// What a registration returned.
#[derive(Debug, Clone)]
pub struct Registration {
    /// The client, usable with the OAuth helpers.
    pub client: OAuthApp,
    /// The RFC 7592 registration access token.
    pub token: String,
    /// The whole 201 body.
    pub body: Value,
}

/// Metadata of a public native client, as an MCP client sends it.
pub fn native_public_metadata() -> Value {
    json!({
        "redirect_uris": [LOOPBACK_REDIRECT],
        "application_type": "native",
        "token_endpoint_auth_method": "none",
        "client_name": "Test MCP client",
        "software_id": "tessera-e2e",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    })
}

impl TestApp {
    /// `POST /oauth2/register` with `metadata`, from a client without cookies.
    pub async fn register(&self, metadata: &Value) -> Response {
        crate::new_client()
            .post(self.url("/oauth2/register"))
            .json(metadata)
            .send()
            .await
            .unwrap()
    }

    /// Registers `metadata` and expects 201.
    pub async fn register_client(&self, metadata: &Value) -> Registration {
        let response = self.register(metadata).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        let redirect_uri = body["redirect_uris"][0].as_str().unwrap().to_owned();
        Registration {
            client: OAuthApp {
                client_id: body["client_id"].as_str().unwrap().to_owned(),
                secret: body["client_secret"].as_str().map(str::to_owned),
                redirect_uri,
            },
            token: body["registration_access_token"]
                .as_str()
                .unwrap()
                .to_owned(),
            body,
        }
    }

    /// A request to this client's RFC 7592 URI with `token` as bearer.
    pub fn client_management(
        &self,
        method: reqwest::Method,
        client_id: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        crate::new_client()
            .request(method, self.url(&format!("/oauth2/clients/{client_id}")))
            .bearer_auth(token)
    }
}
