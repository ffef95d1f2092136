//! Prepares a fresh server through its public API: the first (admin) user, a session, a
//! confidential OAuth app with a secret, and one approved consent so later authorizations
//! answer at once (remembered consent is for confidential clients, SPEC §4).

use anyhow::{Context, Result, bail};
use reqwest::header::AUTHORIZATION;
use reqwest::{Client, StatusCode};
use serde::Deserialize;
use serde_json::json;
use url::Url;

use crate::consent::hidden_fields;
use crate::oauth::{self, Authorized, Pkce, REDIRECT_URI, Target};

/// The fixed identity the generator creates or signs in as.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// Login e-mail.
    pub email: String,
    /// Username, used only when creating the user.
    pub username: String,
    /// Password (at least 8 characters).
    pub password: String,
}

/// `POST /api/v2/users/login` answer.
#[derive(Debug, Deserialize)]
struct Session {
    session_token: String,
}

/// `POST …/apps/{id}/secrets` answer: the secret, shown this once.
#[derive(Debug, Deserialize)]
struct Secret {
    client_secret_full: String,
}

/// `POST /api/v2/oauth2-provider/apps` answer (only the id is needed).
#[derive(Debug, Deserialize)]
struct App {
    id: String,
}

/// Creates or reuses the admin, signs in, registers an app and approves it once.
pub async fn prepare(base: &Url, credentials: &Credentials) -> Result<Target> {
    let client = oauth::http_client(4)?;
    wait_ready(&client, base).await?;
    create_first_user(&client, base, credentials).await?;
    let session_token = login(&client, base, credentials).await?;
    let (client_id, client_secret) = create_app(&client, base, &session_token).await?;
    let target = Target {
        base: base.clone(),
        client_id,
        client_secret,
        session_token,
    };
    approve_once(&client, &target).await?;
    Ok(target)
}

/// Waits up to 30 s for `GET /readyz` to answer 200.
async fn wait_ready(client: &Client, base: &Url) -> Result<()> {
    let url = base.join("/readyz")?;
    for _ in 0..60 {
        if let Ok(response) = client.get(url.clone()).send().await
            && response.status() == StatusCode::OK
        {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    bail!("{url} did not answer 200 within 30 s")
}

/// `POST /api/v2/users/first`; a 409 means some user exists, and we sign in instead.
async fn create_first_user(client: &Client, base: &Url, who: &Credentials) -> Result<()> {
    let response = client
        .post(base.join("/api/v2/users/first")?)
        .json(&json!({"email": who.email, "username": who.username, "password": who.password}))
        .send()
        .await
        .context("POST /api/v2/users/first")?;
    if response.status() == StatusCode::CONFLICT {
        eprintln!("a user exists already: signing in as {}", who.email);
        return Ok(());
    }
    oauth::checked(response, "POST /api/v2/users/first").await?;
    Ok(())
}

/// `POST /api/v2/users/login` → the session token.
async fn login(client: &Client, base: &Url, who: &Credentials) -> Result<String> {
    let response = client
        .post(base.join("/api/v2/users/login")?)
        .json(&json!({"email": who.email, "password": who.password}))
        .send()
        .await
        .context("POST /api/v2/users/login")?;
    let session: Session = oauth::checked(response, "POST /api/v2/users/login")
        .await?
        .json()
        .await
        .context("reading the login answer")?;
    Ok(session.session_token)
}

/// `POST /api/v2/oauth2-provider/apps` for a confidential client, then one secret for it
/// → its `client_id` and secret.
async fn create_app(client: &Client, base: &Url, session_token: &str) -> Result<(String, String)> {
    let body = json!({"name": "load", "callback_url": REDIRECT_URI});
    let apps = base.join("/api/v2/oauth2-provider/apps")?;
    let bearer = format!("Bearer {session_token}");
    let response = client
        .post(apps.clone())
        .header(AUTHORIZATION, &bearer)
        .json(&body)
        .send()
        .await
        .context("POST /api/v2/oauth2-provider/apps")?;
    let app: App = oauth::checked(response, "POST /api/v2/oauth2-provider/apps")
        .await?
        .json()
        .await
        .context("reading the app")?;
    let response = client
        .post(base.join(&format!("/api/v2/oauth2-provider/apps/{}/secrets", app.id))?)
        .header(AUTHORIZATION, &bearer)
        .send()
        .await
        .context("POST …/secrets")?;
    let secret: Secret = oauth::checked(response, "POST …/secrets")
        .await?
        .json()
        .await
        .context("reading the secret")?;
    Ok((app.id, secret.client_secret_full))
}

/// Authorizes once through the consent page, so the approval is remembered.
async fn approve_once(client: &Client, target: &Target) -> Result<()> {
    let pkce = Pkce::generate()?;
    let page = match oauth::authorize(client, target, &pkce).await? {
        Authorized::ConsentPage(page) => page,
        Authorized::Code(_) => return Ok(()),
    };
    let fields = hidden_fields(&page);
    if !fields.iter().any(|(name, _)| name == "csrf_token") {
        bail!("the consent page has no csrf_token field");
    }
    oauth::approve(client, target, fields).await?;
    match oauth::authorize(client, target, &pkce).await? {
        Authorized::Code(_) => Ok(()),
        Authorized::ConsentPage(_) => bail!("the approval was not remembered"),
    }
}
