//! A confidential client must prove itself with its secret (SPEC §4, RFC 6749 §2.3): naming
//! its `client_id` alone, as a public client does, is an `invalid_client` everywhere.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use tessera_e2e::oauth::{OAuthApp, oauth_error, spawn_oauth};

#[tokio::test]
async fn a_confidential_client_sending_no_secret_is_an_invalid_client_at_every_endpoint() {
    let setup = spawn_oauth().await;
    let (code, pkce) = setup.code().await;
    let tokens = setup.tokens().await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    let without_secret = OAuthApp {
        secret: None,
        ..setup.client.clone()
    };
    let app = &setup.app;
    let attempts = [
        (
            "code exchange",
            app.exchange_code(&without_secret, &code, &pkce.verifier)
                .await,
        ),
        ("refresh", app.refresh(&without_secret, refresh).await),
        (
            "introspection",
            app.introspect(&without_secret, access).await,
        ),
        ("revocation", app.revoke(&without_secret, refresh).await),
    ];
    for (what, response) in attempts {
        assert_eq!(
            oauth_error(response).await,
            (StatusCode::UNAUTHORIZED, "invalid_client".into()),
            "{what}"
        );
    }
    assert_eq!(
        app.me_status(access).await,
        StatusCode::OK,
        "nothing revoked"
    );
    let exchanged = app
        .exchange_code(&setup.client, &code, &pkce.verifier)
        .await;
    assert_eq!(
        exchanged.status(),
        StatusCode::OK,
        "the code was not spent by the failed attempt"
    );
}
