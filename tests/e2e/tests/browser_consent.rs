//! The authorization endpoint in a real headless Chromium (SPEC §4): sent to sign in, back
//! to the consent page, Allow, and the browser lands on the client's redirect URI with a
//! code. The consent page has `Referrer-Policy: no-referrer`, so Chromium posts its form
//! with `Origin: null`: the case the SPEC's `Origin` rule is written for.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use reqwest::StatusCode;
use tessera_e2e::oauth::{AuthorizeRequest, STATE, pkce_pair};
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, Browser, spawn_app};

/// A loopback redirect URI where something answers 200, as a native client listens.
fn serve_callback() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            answer(stream);
        }
    });
    format!("http://127.0.0.1:{port}/callback")
}

/// Reads a request's head and answers `200 signed in`.
fn answer(mut stream: TcpStream) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    let body = "signed in";
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

#[tokio::test]
async fn a_person_allows_an_app_in_a_real_browser_and_lands_on_its_redirect_uri_with_a_code() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let callback = serve_callback();
    let client = app.create_public_app(&admin, &callback).await;
    let pkce = pkce_pair();
    let request = AuthorizeRequest::new(&client, &pkce);
    let browser = Browser::launch().await;

    browser.goto(&app.url(&request.path())).await;
    browser.wait_for_path("/login").await;
    browser.fill("#email", ADMIN_EMAIL).await;
    browser.fill("#password", ADMIN_PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_for_path("/oauth2/authorize").await;
    assert_eq!(browser.text_of("#redirect-host").await, "127.0.0.1");
    browser.click("button[name=decision][value=allow]").await;
    browser.wait_for_path("/callback").await;

    let landed = url::Url::parse(&browser.current_url().await).unwrap();
    assert_eq!(landed[..url::Position::AfterPath], callback);
    let params: HashMap<String, String> = landed.query_pairs().into_owned().collect();
    assert_eq!(params["state"], STATE);
    assert_eq!(params["iss"], app.address);
    let exchanged = app
        .exchange_code(&client, &params["code"], &pkce.verifier)
        .await;
    assert_eq!(exchanged.status(), StatusCode::OK, "the code is a real one");
    browser.close().await;
}
