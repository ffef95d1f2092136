//! Real MCP clients as they talk to an authorization server, replayed end to end: each file
//! in `tests/e2e/clients/` holds the registration body one client sends, the redirect URI it
//! then uses at `/oauth2/authorize`, how it authenticates at the token endpoint, and the
//! public source of all three.

use std::path::PathBuf;

use reqwest::{RequestBuilder, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use crate::mcp::{RawMcp, structured};
use crate::oauth::{AuthorizeRequest, OAuthApp, STATE, basic_credentials, pkce_pair};
use crate::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, new_client};

/// One client's recorded behaviour.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RealClient {
    /// Who sends this.
    pub client: String,
    /// Where the body and the behaviour are documented.
    pub source: String,
    /// The exact `POST /oauth2/register` body.
    pub registration: Value,
    /// What it sends to `/oauth2/authorize`.
    pub authorize: Authorize,
    /// How it authenticates at `/oauth2/tokens`.
    pub token_endpoint_auth: TokenAuth,
}

/// The authorization request of a real client.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authorize {
    /// The `redirect_uri` it sends (a loopback client may pick another port or add a slash).
    pub redirect_uri: String,
    /// The `scope` it asks for, as it derives it from tessera's metadata.
    pub scope: Option<String>,
    /// Whether it names the MCP endpoint as `resource` (RFC 8707), at authorize and token.
    pub resource: bool,
}

/// Client authentication as the client performs it, which is not always what it registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenAuth {
    /// A public client: `client_id` in the body.
    None,
    /// `client_id` and `client_secret` in the body.
    ClientSecretPost,
    /// HTTP Basic only.
    ClientSecretBasic,
    /// HTTP Basic, and `client_id` in the body too (the MCP Python SDK since 1.23).
    ClientSecretBasicAndClientIdInBody,
}

/// The folder of recorded clients.
pub fn clients_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients")
}

/// The recorded client in `clients/<name>.json`.
pub fn load(name: &str) -> RealClient {
    let path = clients_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// The names of every recorded client.
pub fn recorded_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(clients_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|file| file.strip_suffix(".json").map(str::to_owned))
        .collect();
    names.sort();
    names
}

impl TestApp {
    /// Plays `real` through registration, login and consent, the code exchange, an MCP
    /// `whoami` and a refresh, asserting each step as that client would need it to go.
    pub async fn replay(&self, real: &RealClient) {
        let who = format!("{} ({})", real.client, real.source);
        let registered = self.register(&real.registration).await;
        assert_eq!(registered.status(), StatusCode::CREATED, "register: {who}");
        let registered: Value = registered.json().await.unwrap();
        let secret = registered["client_secret"].as_str().map(str::to_owned);
        let needs_secret = real.token_endpoint_auth != TokenAuth::None;
        assert_eq!(
            secret.is_some(),
            needs_secret,
            "a secret exactly when used: {who}"
        );
        let client = OAuthApp {
            client_id: registered["client_id"].as_str().unwrap().to_owned(),
            secret,
            redirect_uri: real.authorize.redirect_uri.clone(),
        };

        let browser = self.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let pkce = pkce_pair();
        let mut request = AuthorizeRequest::new(&client, &pkce).without("scope");
        if let Some(scope) = &real.authorize.scope {
            request = request.set("scope", scope);
        }
        if real.authorize.resource {
            request = request.set("resource", &self.mcp_url());
        }
        let response = browser.get(&request.path()).await;
        assert_eq!(response.status(), StatusCode::OK, "the consent page: {who}");
        let page = response.text().await.unwrap();
        let allowed = browser.consent(&page, "allow").await;
        let location = crate::oauth::location(&allowed);
        let expected = format!("{}?code=", client.redirect_uri);
        assert!(location.starts_with(&expected), "{location}: {who}");
        let params = crate::oauth::redirect_params(&allowed);
        assert_eq!(params["state"], STATE, "{who}");
        assert_eq!(params["iss"], self.address, "{who}");

        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", params["code"].clone()),
            ("code_verifier", pkce.verifier.clone()),
            ("redirect_uri", client.redirect_uri.clone()),
        ];
        if real.authorize.resource {
            form.push(("resource", self.mcp_url()));
        }
        let tokens = self.token_request(real, &client, &form).await;
        let access_token = tokens["access_token"].as_str().unwrap();
        let mut mcp = RawMcp::new(self, access_token);
        mcp.initialize().await;
        let whoami = structured(&mcp.call_tool("whoami", serde_json::json!({})).await);
        assert_eq!(whoami["username"], "admin", "whoami: {who}");

        let refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();
        let form = vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh_token.clone()),
        ];
        let refreshed = self.token_request(real, &client, &form).await;
        assert_ne!(refreshed["refresh_token"], refresh_token, "rotated: {who}");
        let mut again = RawMcp::new(self, refreshed["access_token"].as_str().unwrap());
        again.initialize().await;
    }

    /// `POST /oauth2/tokens` authenticated the way `real` does it; asserts 200.
    async fn token_request(
        &self,
        real: &RealClient,
        client: &OAuthApp,
        form: &[(&str, String)],
    ) -> Value {
        let mut form = form.to_vec();
        let secret = client.secret.clone().unwrap_or_default();
        let mut request = new_client().post(self.url("/oauth2/tokens"));
        match real.token_endpoint_auth {
            TokenAuth::None => form.push(("client_id", client.client_id.clone())),
            TokenAuth::ClientSecretPost => {
                form.push(("client_id", client.client_id.clone()));
                form.push(("client_secret", secret));
            }
            TokenAuth::ClientSecretBasic => request = basic(request, client, &secret),
            TokenAuth::ClientSecretBasicAndClientIdInBody => {
                request = basic(request, client, &secret);
                form.push(("client_id", client.client_id.clone()));
            }
        }
        let response = request.form(&form).send().await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            status,
            StatusCode::OK,
            "{body}: {} ({})",
            real.client,
            real.source
        );
        body
    }
}

fn basic(request: RequestBuilder, client: &OAuthApp, secret: &str) -> RequestBuilder {
    let value = basic_credentials(&client.client_id, secret);
    request.header(reqwest::header::AUTHORIZATION, value)
}
