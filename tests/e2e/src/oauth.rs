//! OAuth 2.1 helpers (SPEC §4): registering clients, signing in as a browser, the consent
//! form, PKCE and the token endpoint, so that each OAuth test stays a few lines long.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, AuthUrl, ClientId, ClientSecret, EndpointNotSet, EndpointSet, RedirectUrl, TokenUrl,
};
use reqwest::{Client, Response, StatusCode, header};
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{Value, json};
use tessera_bootstrap::Settings;
use tessera_bootstrap::settings::ConfigDuration;
use url::Url;
use url::form_urlencoded::{Serializer, byte_serialize};

use crate::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, csrf_token_in, new_client, spawn_app_with};

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

/// Settings: authorization codes live one second.
pub fn one_second_codes(settings: &mut Settings) {
    settings.tokens.code_ttl = ConfigDuration::seconds(1);
}

/// Asserts a 400 HTML error page that sends the browser nowhere.
pub async fn assert_error_page(response: Response) {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get(header::LOCATION).is_none());
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(content_type.starts_with("text/html"), "{content_type}");
}

/// A `reqwest` client for the `oauth2` crate: no redirects followed, no cookies.
pub fn http_client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// An `oauth2` client with authorization and token endpoints.
pub type Oauth2Client =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1).
pub fn basic_credentials(client_id: &str, secret: &str) -> String {
    let id: String = byte_serialize(client_id.as_bytes()).collect();
    let secret: String = byte_serialize(secret.as_bytes()).collect();
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

impl TestApp {
    /// As the admin, creates an app from `body` and returns it.
    pub async fn create_app(&self, admin_token: &str, body: &Value) -> Value {
        let response = new_client()
            .post(self.url("/api/v2/oauth2-provider/apps"))
            .bearer_auth(admin_token)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "create app {body}");
        response.json().await.unwrap()
    }

    /// A confidential client at `redirect_uri`, with a new secret.
    pub async fn create_confidential_app(&self, admin_token: &str, redirect_uri: &str) -> OAuthApp {
        let created = self
            .create_app(
                admin_token,
                &json!({"name": "Docs", "callback_url": redirect_uri}),
            )
            .await;
        let client_id = created["id"].as_str().unwrap().to_owned();
        let response = new_client()
            .post(self.url(&format!("/api/v2/oauth2-provider/apps/{client_id}/secrets")))
            .bearer_auth(admin_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let secret: Value = response.json().await.unwrap();
        OAuthApp {
            client_id,
            secret: Some(secret["client_secret_full"].as_str().unwrap().to_owned()),
            redirect_uri: redirect_uri.to_owned(),
        }
    }

    /// A public client (`client_type: "public"`) at `redirect_uri`.
    pub async fn create_public_app(&self, admin_token: &str, redirect_uri: &str) -> OAuthApp {
        let body = json!({"name": "CLI", "callback_url": redirect_uri, "client_type": "public"});
        let created = self.create_app(admin_token, &body).await;
        OAuthApp {
            client_id: created["id"].as_str().unwrap().to_owned(),
            secret: None,
            redirect_uri: redirect_uri.to_owned(),
        }
    }

    /// Signs in through `GET`/`POST /login` like a browser; returns that browser.
    pub async fn browser_login(&self, email: &str, password: &str) -> TestApp {
        let browser = self.with_new_client();
        let page = browser.get("/login?redirect=/").await.text().await.unwrap();
        let form = [
            ("email", email),
            ("password", password),
            ("redirect", "/"),
            ("csrf_token", &csrf_token_in(&page)),
        ];
        let response = browser.post_form("/login", &form).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "browser login");
        browser
    }

    /// Creates a non-admin `username` and returns a browser signed in as them.
    pub async fn browser_login_as_new_member(&self, admin_token: &str, username: &str) -> TestApp {
        self.login_as_new_member(admin_token, username).await;
        let email = format!("{username}@example.com");
        self.browser_login(&email, MEMBER_PASSWORD).await
    }

    /// `GET /oauth2/authorize` with this client's cookies.
    pub async fn authorize(&self, request: &AuthorizeRequest) -> Response {
        self.get(&request.path()).await
    }

    /// The consent page of `request` (asserts 200).
    pub async fn consent_page(&self, request: &AuthorizeRequest) -> String {
        self.consent_page_at(&self.url(&request.path())).await
    }

    /// The consent page at an absolute authorize URL (asserts 200).
    pub async fn consent_page_at(&self, authorize_url: &str) -> String {
        let response = self.client.get(authorize_url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "the consent page");
        response.text().await.unwrap()
    }

    /// Submits the consent form of `page` with `decision` (`allow` or `deny`).
    pub async fn consent(&self, page: &str, decision: &str) -> Response {
        assert!(
            has_decision_button(page, decision),
            "the page has a `{decision}` button"
        );
        let mut form = consent_form(page);
        form.push(("decision".to_owned(), decision.to_owned()));
        self.post_consent(&form).await
    }

    /// `POST /oauth2/authorize` with exactly `form`.
    pub async fn post_consent(&self, form: &[(String, String)]) -> Response {
        self.post_form("/oauth2/authorize", form).await
    }

    /// Approves the request at `authorize_url` on its consent page, or takes the code at once
    /// when the approval is remembered; returns the redirect's query parameters.
    pub async fn approve(&self, authorize_url: &str) -> HashMap<String, String> {
        let response = self.client.get(authorize_url).send().await.unwrap();
        if response.status() == StatusCode::FOUND {
            return redirect_params(&response);
        }
        assert_eq!(response.status(), StatusCode::OK, "the consent page");
        let page = response.text().await.unwrap();
        redirect_params(&self.consent(&page, "allow").await)
    }

    /// Approves `request` (see [`TestApp::approve`]) and returns the code.
    pub async fn authorization_code(&self, request: &AuthorizeRequest) -> String {
        let params = self.approve(&self.url(&request.path())).await;
        params.get("code").expect("a code").clone()
    }

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

/// The `Location` header of a redirect.
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(header::LOCATION)
        .expect("a Location header")
        .to_str()
        .unwrap()
        .to_owned()
}

/// The query parameters of a 302's `Location`.
pub fn redirect_params(response: &Response) -> HashMap<String, String> {
    assert_eq!(response.status(), StatusCode::FOUND, "a 302 to the client");
    let url = Url::parse(&location(response)).unwrap();
    url.query_pairs().into_owned().collect()
}

/// The `code` of a 302 to the client.
pub fn code_from_location(response: &Response) -> String {
    redirect_params(response)
        .remove("code")
        .expect("a code in the redirect")
}

/// A token endpoint error: its status and the `error` code.
pub async fn oauth_error(response: Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The hidden inputs of the page's `<form action="/oauth2/authorize">`, unescaped.
pub fn consent_form(page: &str) -> Vec<(String, String)> {
    let start = tags(page, "form")
        .find(|(_, attrs)| attr(attrs, "action").as_deref() == Some("/oauth2/authorize"))
        .map(|(at, _)| at)
        .expect("a form posting to /oauth2/authorize");
    let end = page[start..]
        .find("</form>")
        .map_or(page.len(), |e| start + e);
    hidden_inputs(&page[start..end])
}

/// The value of `name` in `form`.
pub fn form_value(form: &[(String, String)], name: &str) -> String {
    let field = form.iter().find(|(n, _)| n == name);
    field.expect("the form has that field").1.clone()
}

/// Sets every `name` field of `form` to `value`.
pub fn set_field(form: &mut [(String, String)], name: &str, value: &str) {
    for field in form.iter_mut().filter(|(n, _)| n == name) {
        field.1 = value.to_owned();
    }
}

/// Every `<input type="hidden">`'s name and unescaped value in `html`.
pub fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    tags(html, "input")
        .filter(|(_, attrs)| attr(attrs, "type").as_deref() == Some("hidden"))
        .filter_map(|(_, attrs)| Some((attr(&attrs, "name")?, attr(&attrs, "value")?)))
        .collect()
}

/// Whether `page` has `<button type="submit" name="decision" value="{decision}">`.
pub fn has_decision_button(page: &str, decision: &str) -> bool {
    tags(page, "button").any(|(_, attrs)| {
        attr(&attrs, "type").as_deref() == Some("submit")
            && attr(&attrs, "name").as_deref() == Some("decision")
            && attr(&attrs, "value").as_deref() == Some(decision)
    })
}

/// Tera's HTML escaping, undone.
pub fn html_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
}

/// Each `<name …>` tag in `html`: where it starts and its attributes.
fn tags(html: &str, name: &str) -> std::vec::IntoIter<(usize, Vec<(String, String)>)> {
    let open = format!("<{name}");
    let mut found = Vec::new();
    for (at, _) in html.match_indices(open.as_str()) {
        let rest = &html[at + open.len()..];
        if !rest.starts_with(|c: char| c.is_whitespace() || c == '>') {
            continue;
        }
        let end = rest.find('>').unwrap_or(rest.len());
        found.push((at, attributes(&rest[..end])));
    }
    found.into_iter()
}

/// `a="x" b='y' c=z d` → names and unescaped values.
fn attributes(mut s: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    loop {
        s = s.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if s.is_empty() {
            return found;
        }
        let name_end = s
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(s.len());
        let name = s[..name_end].to_ascii_lowercase();
        s = s[name_end..].trim_start();
        let mut value = String::new();
        if let Some(rest) = s.strip_prefix('=') {
            let rest = rest.trim_start();
            let (raw, after) = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let close = rest[1..].find(q).map_or(rest.len(), |e| e + 1);
                    (&rest[1..close], rest.get(close + 1..).unwrap_or(""))
                }
                _ => {
                    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                    (&rest[..end], &rest[end..])
                }
            };
            value = html_unescape(raw);
            s = after;
        }
        found.push((name, value));
    }
}

fn attr(attrs: &[(String, String)], name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}
