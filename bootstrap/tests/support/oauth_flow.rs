//! The authorization code flow by hand over HTTP, against a `tessera serve` child process:
//! the first user, a browser session, a public client registered as MCP clients register,
//! consent, and the code exchanged for tokens (SPEC §4, §5).
#![allow(dead_code)] // each test file uses a part of it

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Client, StatusCode, header};
use serde_json::{Value, json};

/// Where the client's redirect would land (nothing listens there; only its query is read).
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";
const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery";

/// A signed-in browser and a public client on one server.
#[derive(Debug)]
pub struct Flow {
    base: String,
    browser: Client,
    /// The registered public client's id.
    pub client_id: String,
}

impl Flow {
    /// Creates the first user on the server at `base`, signs a browser in and registers a
    /// public client.
    pub async fn start(base: &str) -> Self {
        let api = plain_client();
        let first = json!({"email": EMAIL, "username": "ada", "password": PASSWORD});
        let created = api
            .post(format!("{base}/api/v2/users/first"))
            .json(&first)
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED, "the first user");
        let metadata =
            json!({"redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "none"});
        let registered = api
            .post(format!("{base}/oauth2/register"))
            .json(&metadata)
            .send()
            .await
            .unwrap();
        assert_eq!(registered.status(), StatusCode::CREATED, "the client");
        let client: Value = registered.json().await.unwrap();
        let browser = Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let page = browser.get(format!("{base}/login?redirect=/")).send().await;
        let page = page.unwrap().text().await.unwrap();
        let mut form = hidden_inputs(&page);
        form.push(("email".into(), EMAIL.into()));
        form.push(("password".into(), PASSWORD.into()));
        let login = browser.post(format!("{base}/login")).form(&form).send();
        assert_eq!(
            login.await.unwrap().status(),
            StatusCode::SEE_OTHER,
            "login"
        );
        Self {
            base: base.to_owned(),
            browser,
            client_id: client["client_id"].as_str().unwrap().to_owned(),
        }
    }

    /// Consents and exchanges the code: the token response.
    pub async fn tokens(&self) -> Value {
        let verifier = URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes().repeat(2));
        let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
        let challenge = URL_SAFE_NO_PAD.encode(digest.as_ref());
        let query = [
            ("response_type", "code"),
            ("client_id", &self.client_id),
            ("redirect_uri", REDIRECT_URI),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("state", "s"),
            ("scope", "user:read"),
        ];
        let authorize = format!("{}/oauth2/authorize", self.base);
        let page = self.browser.get(&authorize).query(&query).send().await;
        let page = page.unwrap();
        assert_eq!(page.status(), StatusCode::OK, "the consent page");
        let mut form = hidden_inputs(&page.text().await.unwrap());
        form.push(("decision".into(), "allow".into()));
        let approved = self.browser.post(&authorize).form(&form).send().await;
        let approved = approved.unwrap();
        assert_eq!(approved.status(), StatusCode::FOUND, "consent");
        let location = approved.headers()[header::LOCATION].to_str().unwrap();
        let location = url::Url::parse(location).unwrap();
        let code = location.query_pairs().find(|(name, _)| name == "code");
        let code = code.expect("a code").1.into_owned();
        let exchange = [
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", &verifier),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", &self.client_id),
        ];
        let response = plain_client()
            .post(format!("{}/oauth2/tokens", self.base))
            .form(&exchange)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "the code exchange");
        response.json().await.unwrap()
    }

    /// `grant_type=refresh_token` at the server at `base` (any replica).
    pub async fn refresh(&self, base: &str, refresh_token: &str) -> reqwest::Response {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", &self.client_id),
        ];
        plain_client()
            .post(format!("{base}/oauth2/tokens"))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// The status of `GET /api/v2/users/me` with `access_token` at `base`.
    pub async fn me_status(&self, base: &str, access_token: &str) -> StatusCode {
        let me = plain_client().get(format!("{base}/api/v2/users/me"));
        me.bearer_auth(access_token).send().await.unwrap().status()
    }
}

fn plain_client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Each `<input type="hidden" name="…" value="…">` of a page (as tessera's templates write
/// them), its value unescaped.
fn hidden_inputs(page: &str) -> Vec<(String, String)> {
    let marker = "<input type=\"hidden\" name=\"";
    let mut fields = Vec::new();
    for (at, _) in page.match_indices(marker) {
        let rest = &page[at + marker.len()..];
        let Some((name, rest)) = rest.split_once('"') else {
            continue;
        };
        let Some(rest) = rest.strip_prefix(" value=\"") else {
            continue;
        };
        let value = rest.split_once('"').map_or("", |(value, _)| value);
        let value = value
            .replace("&#x2F;", "/")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        fields.push((name.to_owned(), value));
    }
    fields
}
