//! Every credential tessera issues is stored only as the SHA-256 of the whole string next to
//! its lookup id (SPEC §7): checked against every value of every row of every table, after
//! a real flow, so a new table or column cannot slip a secret past the test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use ring::digest::{SHA256, digest};
use serde_json::{Value, json};
use tessera_e2e::ADMIN_PASSWORD;
use tessera_e2e::database::every_row;
use tessera_e2e::oauth::spawn_oauth;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Asserts that `credential` (`<kind>_<lookup>_<secret>`) is in no row, neither its secret
/// as text nor its secret's bytes, and that a row holds its lookup id next to the SHA-256
/// of the whole string.
fn assert_stored_only_as_its_hash(rows: &[(String, String)], what: &str, credential: &str) {
    let mut parts = credential.splitn(3, '_');
    let (_, lookup, secret) = (parts.next(), parts.next().unwrap(), parts.next().unwrap());
    let secret_bytes = hex(&URL_SAFE_NO_PAD.decode(secret).unwrap());
    for (table, row) in rows {
        assert!(!row.contains(secret), "the {what} in {table}: {row}");
        assert!(
            !row.contains(&secret_bytes),
            "the {what}'s bytes in {table}: {row}"
        );
    }
    let hash = hex(digest(&SHA256, credential.as_bytes()).as_ref());
    let lookup = format!("\"{lookup}\"");
    assert!(
        rows.iter()
            .any(|(_, row)| row.contains(&lookup) && row.contains(&hash)),
        "no row holds the {what}'s lookup id next to its SHA-256"
    );
}

fn text(body: &Value, name: &str) -> String {
    body[name].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_credential_is_stored_only_as_its_sha256_next_to_its_lookup_id() {
    let setup = spawn_oauth().await;
    let app = &setup.app;
    let metadata = json!({"redirect_uris": ["https://registered.example/cb"],
                          "client_name": "Registered"});
    let registration = app.register_client(&metadata).await;
    let (code, pkce) = setup.code().await;
    let exchanged = app
        .exchange_code(&setup.client, &code, &pkce.verifier)
        .await;
    assert_eq!(exchanged.status(), StatusCode::OK);
    let first: Value = exchanged.json().await.unwrap();
    let refreshed = app
        .refresh(&setup.client, &text(&first, "refresh_token"))
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let second: Value = refreshed.json().await.unwrap();
    let (pending_code, _) = setup.code().await;

    let credentials = [
        ("session", setup.admin_token.clone()),
        ("client secret", setup.client.secret.clone().unwrap()),
        (
            "registered client's secret",
            registration.client.secret.clone().unwrap(),
        ),
        ("registration access token", registration.token.clone()),
        ("exchanged code", code),
        ("pending code", pending_code),
        ("access token", text(&first, "access_token")),
        ("rotated refresh token", text(&first, "refresh_token")),
        ("refreshed access token", text(&second, "access_token")),
        ("refresh token", text(&second, "refresh_token")),
    ];
    let rows = every_row(&app.database_url).await;
    for (what, credential) in &credentials {
        assert_stored_only_as_its_hash(&rows, what, credential);
    }
    for (table, row) in &rows {
        assert!(
            !row.contains(ADMIN_PASSWORD),
            "the password in {table}: {row}"
        );
    }
}
