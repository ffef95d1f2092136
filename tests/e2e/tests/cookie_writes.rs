//! Another site cannot ride a signed-in person's session cookie into the JSON API (issue 14
//! #10): a state-changing request authenticated by the cookie must come from this site.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::{Method, StatusCode};
use serde_json::json;
use tessera_e2e::oauth::REDIRECT_URI;
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, spawn_app};

/// `method path` with the browser's session cookie and `headers`.
async fn send(
    browser: &TestApp,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
) -> StatusCode {
    let mut request = browser.client.request(method, browser.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap().status()
}

#[tokio::test]
async fn cookie_authenticated_writes_from_another_site_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let created = app
        .create_app(
            &admin,
            &json!({"name": "Docs", "callback_url": REDIRECT_URI}),
        )
        .await;
    let secrets = format!(
        "/api/v2/oauth2-provider/apps/{}/secrets",
        created["id"].as_str().unwrap()
    );
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let elsewhere = [
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
        vec![
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
        ],
        vec![
            ("sec-fetch-site", "same-site"),
            ("origin", app.address.as_str()),
        ],
    ];
    for headers in &elsewhere {
        assert_eq!(
            send(&browser, Method::POST, &secrets, headers).await,
            StatusCode::FORBIDDEN,
            "{headers:?}"
        );
        let logout = send(&browser, Method::POST, "/api/v2/users/logout", headers).await;
        assert_eq!(logout, StatusCode::FORBIDDEN, "{headers:?}");
    }
    let listed = send(
        &browser,
        Method::GET,
        &secrets,
        &[("origin", "https://evil.example")],
    )
    .await;
    assert_eq!(listed, StatusCode::OK, "reads are not state-changing");
    let list: serde_json::Value = browser
        .client
        .get(browser.url(&secrets))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!([]), "no secret was created");

    let own = [
        ("sec-fetch-site", "same-origin"),
        ("origin", app.address.as_str()),
    ];
    assert_eq!(
        send(&browser, Method::POST, &secrets, &own).await,
        StatusCode::CREATED
    );
    let bearer = reqwest::Client::new()
        .post(app.url(&secrets))
        .bearer_auth(&admin)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        bearer.status(),
        StatusCode::CREATED,
        "a bearer token is not ambient"
    );
}
