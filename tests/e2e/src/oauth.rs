//! OAuth 2.1 helpers (SPEC §4): registering clients, signing in as a browser, the consent
//! form, PKCE and the token endpoint, so that each OAuth test stays a few lines long.

mod apps;
mod consent;
mod html;
mod responses;
mod setup;
mod token;

pub use html::{
    consent_form, form_value, has_decision_button, hidden_inputs, html_unescape, list_items_by_id,
    set_field, text_by_id,
};
pub use responses::{
    assert_error_page, code_from_location, location, oauth_error, redirect_params,
};
pub use setup::{no_refresh_grace, one_minute_codes, spawn_oauth, spawn_oauth_with};
pub use token::{basic_credentials, http_client};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth2::basic::BasicClient;
use oauth2::{EndpointNotSet, EndpointSet};
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};
use url::form_urlencoded::Serializer;

use crate::TestApp;

/// The redirect URI of the clients [`spawn_oauth`] registers.
pub const REDIRECT_URI: &str = "https://client.example/callback";
/// The `state` every [`AuthorizeRequest`] sends.
pub const STATE: &str = "af0ifjsldkj";
/// The password of users made by [`TestApp::login_as_new_member`].
pub const MEMBER_PASSWORD: &str = "member password";

/// A client registered through the management API.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    /// The app's `id`, its OAuth `client_id`.
    pub client_id: String,
    /// The secret of a confidential client; `None` for a public one.
    pub secret: Option<String>,
    /// Its (first) registered redirect URI.
    pub redirect_uri: String,
}

/// A PKCE verifier and its S256 challenge.
#[derive(Debug, Clone)]
pub struct Pkce {
    /// 43 base64url characters.
    pub verifier: String,
    /// `BASE64URL(SHA256(verifier))`.
    pub challenge: String,
}

/// A fresh random PKCE pair.
pub fn pkce_pair() -> Pkce {
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes).unwrap();
    let verifier = URL_SAFE_NO_PAD.encode(bytes);
    let challenge = URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()));
    Pkce {
        verifier,
        challenge,
    }
}

/// The query of a `GET /oauth2/authorize`, valid until a test changes it.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    params: Vec<(String, String)>,
}

impl AuthorizeRequest {
    /// `response_type=code`, the client's redirect URI, S256 PKCE, [`STATE`], `scope=user:read`.
    pub fn new(client: &OAuthApp, pkce: &Pkce) -> Self {
        let params = [
            ("response_type", "code"),
            ("client_id", &client.client_id),
            ("redirect_uri", &client.redirect_uri),
            ("code_challenge", &pkce.challenge),
            ("code_challenge_method", "S256"),
            ("state", STATE),
            ("scope", "user:read"),
        ];
        Self {
            params: params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    /// Sets `name` to `value`, replacing any earlier value.
    pub fn set(self, name: &str, value: &str) -> Self {
        self.without(name).repeat(name, value)
    }

    /// Adds `name=value` even if `name` is already there.
    pub fn repeat(mut self, name: &str, value: &str) -> Self {
        self.params.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Drops `name`.
    pub fn without(mut self, name: &str) -> Self {
        self.params.retain(|(n, _)| n != name);
        self
    }

    /// `/oauth2/authorize?…`.
    pub fn path(&self) -> String {
        let query = Serializer::new(String::new())
            .extend_pairs(&self.params)
            .finish();
        format!("/oauth2/authorize?{query}")
    }
}

/// A server with an admin, a confidential client at [`REDIRECT_URI`] and a browser signed in
/// as the admin.
#[derive(Debug)]
pub struct OAuthSetup {
    /// The server (its client holds no browser session of its own to rely on).
    pub app: TestApp,
    /// The admin's API session token.
    pub admin_token: String,
    /// A confidential client.
    pub client: OAuthApp,
    /// A browser signed in as the admin.
    pub browser: TestApp,
}

/// An `oauth2` client with authorization and token endpoints.
pub type Oauth2Client =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;
