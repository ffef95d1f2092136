//! No credential, password or hash reaches the logs (SPEC §7): the real `tessera serve` at
//! `RUST_LOG=debug` through a whole flow (first user, a failed and a good login,
//! registration and its RFC 7592 read, consent, code exchange, refresh, introspection, a
//! bearer call, revocation), then everything it wrote is searched for every secret.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

#[path = "support/serve.rs"]
mod serve;

use std::time::Duration;

use reqwest::{Client, Response, StatusCode, header};
use serde_json::{Value, json};
use serve::Serve;

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "a password to look for";
const WRONG_PASSWORD: &str = "a wrong password to look for";
/// RFC 7636 Appendix B: a verifier and its S256 challenge.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const REDIRECT_URI: &str = "https://client.example/cb";

/// What the flow handed out or was given, by name, to be looked for in the logs.
type Secrets = Vec<(String, String)>;

fn url(serve: &Serve, path: &str) -> String {
    format!("{}{path}", serve.base)
}

async fn json_of(response: Response, expected: StatusCode) -> Value {
    assert_eq!(response.status(), expected, "{}", response.url());
    response.json().await.unwrap()
}

fn text(body: &Value, name: &str) -> String {
    body[name].as_str().unwrap().to_owned()
}

/// A credential, and its secret part alone (`<kind>_<lookup>_<secret>`).
fn push_credential(secrets: &mut Secrets, what: &str, credential: String) {
    let secret = credential.splitn(3, '_').nth(2).unwrap().to_owned();
    secrets.push((format!("{what}'s secret part"), secret));
    secrets.push((what.to_owned(), credential));
}

/// Creates the first user, fails one login and signs in as `browser` (which keeps the cookie).
async fn sign_in(serve: &Serve, browser: &Client, secrets: &mut Secrets) {
    let first = json!({"email": EMAIL, "username": "ada", "password": PASSWORD});
    let created = browser.post(url(serve, "/api/v2/users/first")).json(&first);
    assert_eq!(created.send().await.unwrap().status(), StatusCode::CREATED);
    let login = url(serve, "/api/v2/users/login");
    let wrong = json!({"email": EMAIL, "password": WRONG_PASSWORD});
    let refused = browser.post(&login).json(&wrong).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let right = json!({"email": EMAIL, "password": PASSWORD});
    let signed_in = browser.post(&login).json(&right).send().await.unwrap();
    let session = json_of(signed_in, StatusCode::CREATED).await;
    push_credential(secrets, "session", text(&session, "session_token"));
}

/// Registers a confidential client and reads it back; returns its id and secret.
async fn register(serve: &Serve, secrets: &mut Secrets) -> (String, String) {
    let metadata = json!({"redirect_uris": [REDIRECT_URI], "client_name": "Log test"});
    let client = Client::new();
    let registered = client.post(url(serve, "/oauth2/register")).json(&metadata);
    let body = json_of(registered.send().await.unwrap(), StatusCode::CREATED).await;
    let (id, secret) = (text(&body, "client_id"), text(&body, "client_secret"));
    let token = text(&body, "registration_access_token");
    let read = client
        .get(url(serve, &format!("/oauth2/clients/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    push_credential(secrets, "client secret", secret.clone());
    push_credential(secrets, "registration access token", token);
    (id, secret)
}

/// As `browser`, approves `client_id` on the consent page; returns the code.
async fn authorize(
    serve: &Serve,
    browser: &Client,
    client_id: &str,
    secrets: &mut Secrets,
) -> String {
    let params = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT_URI),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("state", "log-test-state"),
        ("scope", "user:read"),
    ];
    let page = browser.get(url(serve, "/oauth2/authorize")).query(&params);
    let page = page.send().await.unwrap();
    let status = page.status();
    let location = page.headers().get(header::LOCATION).cloned();
    let html = page.text().await.unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let Some(start) = html.find(marker).map(|at| at + marker.len()) else {
        panic!("no consent form ({status} {location:?}): {html}");
    };
    let csrf = &html[start..start + html[start..].find('"').unwrap()];
    let mut form = params.to_vec();
    form.extend([("csrf_token", csrf), ("decision", "allow")]);
    let approved = browser.post(url(serve, "/oauth2/authorize")).form(&form);
    let approved = approved.send().await.unwrap();
    assert_eq!(approved.status(), StatusCode::FOUND);
    let location = approved.headers()[header::LOCATION].to_str().unwrap();
    let location = url::Url::parse(location).unwrap();
    let code = location.query_pairs().find(|(k, _)| k == "code").unwrap();
    let code = code.1.into_owned();
    push_credential(secrets, "code", code.clone());
    code
}

/// POSTs `form` to `path` as the client, with HTTP Basic.
async fn post_as(
    serve: &Serve,
    path: &str,
    client: &(String, String),
    form: &[(&str, &str)],
) -> Response {
    Client::new()
        .post(url(serve, path))
        .basic_auth(&client.0, Some(&client.1))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Exchanges the code, refreshes, introspects, calls the API and revokes, as the client.
async fn use_tokens(serve: &Serve, client: &(String, String), code: &str, secrets: &mut Secrets) {
    let exchange = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("code_verifier", VERIFIER),
        ("redirect_uri", REDIRECT_URI),
    ];
    let first = json_of(
        post_as(serve, "/oauth2/tokens", client, &exchange).await,
        StatusCode::OK,
    )
    .await;
    let refresh = [
        ("grant_type", "refresh_token"),
        ("refresh_token", &*text(&first, "refresh_token")),
    ];
    let second = json_of(
        post_as(serve, "/oauth2/tokens", client, &refresh).await,
        StatusCode::OK,
    )
    .await;
    let access = text(&second, "access_token");
    let introspect = [("token", access.as_str())];
    let info = json_of(
        post_as(serve, "/oauth2/introspect", client, &introspect).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(info["active"], true);
    let me = Client::new()
        .get(url(serve, "/api/v2/users/me"))
        .bearer_auth(&access);
    assert_eq!(me.send().await.unwrap().status(), StatusCode::OK);
    let revoke = [("token", &*text(&second, "refresh_token"))];
    assert_eq!(
        post_as(serve, "/oauth2/revoke", client, &revoke)
            .await
            .status(),
        StatusCode::OK
    );
    for (tokens, generation) in [(&first, "first"), (&second, "second")] {
        for name in ["access_token", "refresh_token"] {
            push_credential(secrets, &format!("{generation} {name}"), text(tokens, name));
        }
    }
}

/// Every credential hash stored (as hex and as a byte list, the forms a log would show them
/// in) and every password hash, from the database at `database_url`.
async fn stored_hashes(database_url: &str) -> Secrets {
    let (db, connection) = tokio_postgres::connect(database_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let columns = db
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = 'public' AND data_type = 'bytea' AND column_name LIKE '%hash%'",
            &[],
        )
        .await
        .unwrap();
    let mut hashes = Secrets::new();
    for column in columns {
        let (table, name): (String, String) = (column.get(0), column.get(1));
        let sql = format!("SELECT {name} FROM {table} WHERE {name} IS NOT NULL");
        for row in db.query(&sql, &[]).await.unwrap() {
            let bytes: Vec<u8> = row.get(0);
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            hashes.push((format!("{table}.{name} as hex"), hex));
            hashes.push((format!("{table}.{name} as bytes"), format!("{bytes:?}")));
        }
    }
    for row in db
        .query("SELECT password_hash FROM users", &[])
        .await
        .unwrap()
    {
        let hash: String = row.get(0);
        let digest = hash.rsplit('$').next().unwrap().to_owned();
        hashes.push(("password hash".into(), hash));
        hashes.push(("password hash's digest".into(), digest));
    }
    assert!(hashes.len() > 10, "the flow stored credentials: {hashes:?}");
    hashes
}

#[tokio::test]
async fn a_whole_flow_at_debug_level_logs_no_credential_password_or_hash() {
    let database_url = tessera_test_support::fresh_database().await;
    let env = [
        ("TESSERA_DATABASE__URL", database_url.as_str()),
        ("RUST_LOG", "debug"),
    ];
    let mut serve = Serve::start(&env);
    serve.wait_ready().await;
    let browser = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut secrets: Secrets = vec![
        ("password".into(), PASSWORD.into()),
        ("wrong password".into(), WRONG_PASSWORD.into()),
    ];
    sign_in(&serve, &browser, &mut secrets).await;
    let client = register(&serve, &mut secrets).await;
    let code = authorize(&serve, &browser, &client.0, &mut secrets).await;
    use_tokens(&serve, &client, &code, &mut secrets).await;
    secrets.extend(stored_hashes(&database_url).await);

    serve.signal("TERM");
    serve.wait_exit(Duration::from_secs(30)).await;
    let output = serve.output_after_exit();
    let debug_lines = output
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["level"] == "DEBUG")
        .count();
    assert!(debug_lines > 0, "RUST_LOG=debug took effect");
    for (what, secret) in &secrets {
        assert!(
            !output.contains(secret.as_str()),
            "the {what} is in the logs"
        );
    }
}
