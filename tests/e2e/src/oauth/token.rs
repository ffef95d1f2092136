//! The token, revocation and introspection endpoints, called as a client.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use oauth2::basic::BasicClient;
use oauth2::{AuthType, AuthUrl, ClientId, ClientSecret, RedirectUrl, TokenUrl};
use reqwest::{Client, Response, StatusCode, header};
use serde_json::Value;
use url::form_urlencoded::byte_serialize;

use super::{AuthorizeRequest, OAuthApp, Oauth2Client, pkce_pair};
use crate::{TestApp, new_client};

/// A `reqwest` client for the `oauth2` crate: no redirects followed, no cookies.
pub fn http_client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1).
pub fn basic_credentials(client_id: &str, secret: &str) -> String {
    let id: String = byte_serialize(client_id.as_bytes()).collect();
    let secret: String = byte_serialize(secret.as_bytes()).collect();
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

impl TestApp {
    /// Approves `scope` for `client` and exchanges the code; returns the token response.
    pub async fn tokens(&self, client: &OAuthApp, scope: &str) -> Value {
        let pkce = pkce_pair();
        let request = AuthorizeRequest::new(client, &pkce).set("scope", scope);
        let code = self.authorization_code(&request).await;
        let response = self.exchange_code(client, &code, &pkce.verifier).await;
        assert_eq!(response.status(), StatusCode::OK, "code exchange");
        response.json().await.unwrap()
    }

    /// `POST /oauth2/tokens` with `grant_type=authorization_code`, authenticated as `client`.
    pub async fn exchange_code(&self, client: &OAuthApp, code: &str, verifier: &str) -> Response {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", verifier),
            ("redirect_uri", &client.redirect_uri),
        ];
        self.post_as_client(client, "/oauth2/tokens", &form).await
    }

    /// `POST /oauth2/tokens` with `grant_type=refresh_token`, authenticated as `client`.
    pub async fn refresh(&self, client: &OAuthApp, refresh_token: &str) -> Response {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        self.post_as_client(client, "/oauth2/tokens", &form).await
    }

    /// `POST /oauth2/revoke` of `token`, authenticated as `client`.
    pub async fn revoke(&self, client: &OAuthApp, token: &str) -> Response {
        self.post_as_client(client, "/oauth2/revoke", &[("token", token)])
            .await
    }

    /// `POST /oauth2/introspect` of `token`, authenticated as `client`.
    pub async fn introspect(&self, client: &OAuthApp, token: &str) -> Response {
        self.post_as_client(client, "/oauth2/introspect", &[("token", token)])
            .await
    }

    /// POSTs `form` to `path` as `client`: Basic with a secret, else `client_id` in the body.
    pub async fn post_as_client(
        &self,
        client: &OAuthApp,
        path: &str,
        form: &[(&str, &str)],
    ) -> Response {
        match &client.secret {
            Some(secret) => {
                let basic = basic_credentials(&client.client_id, secret);
                self.post_with_authorization(path, form, Some(&basic)).await
            }
            None => {
                let mut form = form.to_vec();
                form.push(("client_id", &client.client_id));
                self.post_with_authorization(path, &form, None).await
            }
        }
    }

    /// POSTs `form` to `path` with no cookies and an optional `Authorization` header.
    pub async fn post_with_authorization(
        &self,
        path: &str,
        form: &[(&str, &str)],
        authorization: Option<&str>,
    ) -> Response {
        let mut request = new_client().post(self.url(path)).form(form);
        if let Some(authorization) = authorization {
            request = request.header(header::AUTHORIZATION, authorization);
        }
        request.send().await.unwrap()
    }

    /// The status of `GET /api/v2/users/me` with `access_token` as a bearer token.
    pub async fn me_status(&self, access_token: &str) -> StatusCode {
        self.get_with_bearer("/api/v2/users/me", access_token)
            .await
            .status()
    }

    /// An `oauth2` crate client for `client` authenticating with `auth_type`.
    pub fn oauth2_client(&self, client: &OAuthApp, auth_type: AuthType) -> Oauth2Client {
        let oauth = BasicClient::new(ClientId::new(client.client_id.clone()))
            .set_auth_uri(AuthUrl::new(self.url("/oauth2/authorize")).unwrap())
            .set_token_uri(TokenUrl::new(self.url("/oauth2/tokens")).unwrap())
            .set_redirect_uri(RedirectUrl::new(client.redirect_uri.clone()).unwrap())
            .set_auth_type(auth_type);
        match &client.secret {
            Some(secret) => oauth.set_client_secret(ClientSecret::new(secret.clone())),
            None => oauth,
        }
    }
}
