//! The HTTP calls the scenarios make (SPEC §2, §4), each returning an error for any answer
//! other than the expected 2xx or 302, with the status and body in the message.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::header::{AUTHORIZATION, COOKIE, LOCATION};
use reqwest::{Client, Response, StatusCode};
use ring::rand::{SecureRandom, SystemRandom};
use serde::Deserialize;
use url::Url;

/// The redirect URI registered for the load app; nothing listens there, it is only parsed.
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/cb";

/// Everything a worker needs to talk to the server as the load user and the load app.
#[derive(Debug, Clone)]
pub struct Target {
    /// Base URL of the server.
    pub base: Url,
    /// The confidential app's `client_id`.
    pub client_id: String,
    /// Its client secret, sent with HTTP Basic at the token endpoint.
    pub client_secret: String,
    /// The admin's session token, sent as the `tessera_session` cookie to authorize.
    pub session_token: String,
}

/// A PKCE pair (RFC 7636): S256 challenge of a 43-character verifier.
#[derive(Debug, Clone)]
pub struct Pkce {
    /// Sent to the token endpoint.
    pub verifier: String,
    /// Sent to the authorization endpoint.
    pub challenge: String,
}

impl Pkce {
    /// A fresh pair from 32 random bytes.
    pub fn generate() -> Result<Self> {
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| anyhow::anyhow!("the OS random source failed"))?;
        let verifier = URL_SAFE_NO_PAD.encode(bytes);
        let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
        let challenge = URL_SAFE_NO_PAD.encode(digest.as_ref());
        Ok(Self {
            verifier,
            challenge,
        })
    }
}

/// The two tokens of a token response (the rest is ignored).
#[derive(Debug, Deserialize)]
pub struct TokenPair {
    /// Bearer for the API.
    pub access_token: String,
    /// For the next refresh (rotated on each use).
    pub refresh_token: String,
}

/// What `GET /oauth2/authorize` answered.
#[derive(Debug)]
pub enum Authorized {
    /// 302 with a code: the approval was remembered.
    Code(String),
    /// 200: the consent page, whose form must be posted.
    ConsentPage(String),
}

/// One HTTP/1.1 keep-alive client that follows no redirects.
pub fn http_client(idle_per_host: usize) -> Result<Client> {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .http1_only()
        .pool_max_idle_per_host(idle_per_host)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()
        .context("building the HTTP client")
}

/// `GET /oauth2/authorize` for the load app with the session cookie.
pub async fn authorize(client: &Client, target: &Target, pkce: &Pkce) -> Result<Authorized> {
    authorize_with(client, target, pkce, &[]).await
}

/// `GET /oauth2/authorize` with extra query parameters (`scope`, `prompt=consent`).
pub async fn authorize_with(
    client: &Client,
    target: &Target,
    pkce: &Pkce,
    extra: &[(&str, &str)],
) -> Result<Authorized> {
    let mut url = target.base.join("/oauth2/authorize")?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &target.client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("code_challenge", &pkce.challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", "s")
        .extend_pairs(extra);
    let response = client
        .get(url)
        .header(COOKIE, session_cookie(target))
        .send()
        .await
        .context("GET /oauth2/authorize")?;
    if response.status() == StatusCode::OK {
        return Ok(Authorized::ConsentPage(response.text().await?));
    }
    code_from_redirect(checked(response, "GET /oauth2/authorize").await?).map(Authorized::Code)
}

/// `GET /oauth2/authorize`, which must answer with a code at once.
pub async fn authorize_code(client: &Client, target: &Target, pkce: &Pkce) -> Result<String> {
    match authorize(client, target, pkce).await? {
        Authorized::Code(code) => Ok(code),
        Authorized::ConsentPage(_) => bail!("GET /oauth2/authorize showed consent again"),
    }
}

/// `POST /oauth2/authorize` with the consent form's fields and `decision=allow`.
pub async fn approve(
    client: &Client,
    target: &Target,
    mut fields: Vec<(String, String)>,
) -> Result<String> {
    fields.push(("decision".into(), "allow".into()));
    let response = client
        .post(target.base.join("/oauth2/authorize")?)
        .header(COOKIE, session_cookie(target))
        .form(&fields)
        .send()
        .await
        .context("POST /oauth2/authorize")?;
    code_from_redirect(checked(response, "POST /oauth2/authorize").await?)
}

/// `POST /oauth2/tokens` with `grant_type=authorization_code` (confidential client, PKCE).
pub async fn exchange_code(
    client: &Client,
    target: &Target,
    code: &str,
    verifier: &str,
) -> Result<TokenPair> {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("code_verifier", verifier),
        ("redirect_uri", REDIRECT_URI),
    ];
    token_request(client, target, &form).await
}

/// `POST /oauth2/tokens` with `grant_type=refresh_token`.
pub async fn refresh(client: &Client, target: &Target, refresh_token: &str) -> Result<TokenPair> {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    token_request(client, target, &form).await
}

/// `GET /api/v2/users/me` with an access token.
pub async fn me(client: &Client, target: &Target, access_token: &str) -> Result<()> {
    let response = client
        .get(target.base.join("/api/v2/users/me")?)
        .header(AUTHORIZATION, format!("Bearer {access_token}"))
        .send()
        .await
        .context("GET /api/v2/users/me")?;
    checked(response, "GET /api/v2/users/me")
        .await?
        .bytes()
        .await?;
    Ok(())
}

/// `POST /oauth2/register` (RFC 7591) of a native public client; the body is read in full.
pub async fn register(client: &Client, base: &Url) -> Result<()> {
    let body = serde_json::json!({
        "client_name": "bench",
        "redirect_uris": ["http://127.0.0.1/callback"],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "application_type": "native",
    });
    let response = client
        .post(base.join("/oauth2/register")?)
        .json(&body)
        .send()
        .await
        .context("POST /oauth2/register")?;
    checked(response, "POST /oauth2/register")
        .await?
        .bytes()
        .await?;
    Ok(())
}

/// `GET url`, any 2xx, body read in full (the floor endpoint, `/readyz`).
pub async fn get(client: &Client, url: &Url) -> Result<()> {
    let response = client.get(url.clone()).send().await?;
    checked(response, url.path()).await?.bytes().await?;
    Ok(())
}

/// One token endpoint call, its JSON body read in full.
async fn token_request(
    client: &Client,
    target: &Target,
    form: &[(&str, &str)],
) -> Result<TokenPair> {
    let response = client
        .post(target.base.join("/oauth2/tokens")?)
        .basic_auth(&target.client_id, Some(&target.client_secret))
        .form(form)
        .send()
        .await
        .context("POST /oauth2/tokens")?;
    let body = checked(response, "POST /oauth2/tokens")
        .await?
        .bytes()
        .await?;
    serde_json::from_slice(&body).context("reading the token response")
}

/// The response if its status is 2xx or 302, else an error carrying status and body.
pub async fn checked(response: Response, what: &str) -> Result<Response> {
    let status = response.status();
    if status.is_success() || status == StatusCode::FOUND {
        return Ok(response);
    }
    let body = response.text().await.unwrap_or_default();
    bail!("{what} answered {status}: {body}")
}

/// The `code` of a 302 `Location`, or an error naming what came back instead.
fn code_from_redirect(response: Response) -> Result<String> {
    let location = response
        .headers()
        .get(LOCATION)
        .context("a redirect without Location")?
        .to_str()
        .context("a Location that is not text")?;
    let url = Url::parse(location).with_context(|| format!("Location `{location}`"))?;
    let mut error = None;
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "code" => return Ok(value.into_owned()),
            "error" => error = Some(value.into_owned()),
            _ => {}
        }
    }
    bail!("redirected without a code (error: {error:?}): {location}")
}

/// The session cookie header value.
fn session_cookie(target: &Target) -> String {
    format!("tessera_session={}", target.session_token)
}
