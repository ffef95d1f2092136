//! Starting a server ready for OAuth ([`OAuthSetup`]) and the settings OAuth tests adjust.

use reqwest::Response;
use serde_json::Value;
use tessera_bootstrap::Settings;
use tessera_bootstrap::settings::ConfigDuration;

use super::{
    AuthorizeRequest, OAuthSetup, Pkce, REDIRECT_URI, STATE, location, pkce_pair, redirect_params,
};
use crate::{ADMIN_EMAIL, ADMIN_PASSWORD, spawn_app_with};

/// [`OAuthSetup`] with default settings.
pub async fn spawn_oauth() -> OAuthSetup {
    spawn_oauth_with(|_| {}).await
}

/// [`OAuthSetup`] with settings adjusted by `adjust`.
pub async fn spawn_oauth_with(adjust: impl FnOnce(&mut Settings)) -> OAuthSetup {
    let app = spawn_app_with(adjust).await;
    let admin_token = app.login_as_admin().await;
    let client = app
        .create_confidential_app(&admin_token, REDIRECT_URI)
        .await;
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    OAuthSetup {
        app,
        admin_token,
        client,
        browser,
    }
}

impl OAuthSetup {
    /// A PKCE pair and the default authorize request of the client for it.
    pub fn request(&self) -> (Pkce, AuthorizeRequest) {
        let pkce = pkce_pair();
        let request = AuthorizeRequest::new(&self.client, &pkce);
        (pkce, request)
    }

    /// The admin approves the default request; returns the code and its verifier.
    pub async fn code(&self) -> (String, Pkce) {
        let (pkce, request) = self.request();
        (self.browser.authorization_code(&request).await, pkce)
    }

    /// Asserts a 302 to the client carrying `error`, [`STATE`] and `iss`.
    pub fn assert_redirected_error(&self, response: &Response, error: &str) {
        let params = redirect_params(response);
        assert!(location(response).starts_with(&format!("{}?", self.client.redirect_uri)));
        assert_eq!(params.get("error").map(String::as_str), Some(error));
        assert!(params.contains_key("error_description"));
        assert_eq!(params.get("state").map(String::as_str), Some(STATE));
        assert_eq!(params.get("iss"), Some(&self.app.address));
        assert!(!params.contains_key("code"));
    }

    /// The whole flow for the default request; returns the token response.
    pub async fn tokens(&self) -> Value {
        self.browser.tokens(&self.client, "user:read").await
    }
}

/// Settings: a rotated refresh token may never be redeemed again.
pub fn no_refresh_grace(settings: &mut Settings) {
    settings.tokens.refresh_reuse_grace = ConfigDuration::seconds(0);
}

/// Settings: authorization codes live one minute (tests move the clock past it).
pub fn one_minute_codes(settings: &mut Settings) {
    settings.tokens.code_ttl = ConfigDuration::minutes(1);
}
