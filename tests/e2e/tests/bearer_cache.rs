//! Bearer checks answered from memory stay exact across replicas (issue 15): a token one
//! replica has cached is refused by it the moment any replica revokes it, whichever way.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::{Method, StatusCode};
use tessera_e2e::registration::{Registration, native_public_metadata};
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, new_client, spawn_app, spawn_on_database};

/// Two replicas on one database, the admin signed in on both.
async fn replicas() -> (TestApp, TestApp, String) {
    let first = spawn_app().await;
    let access_url = first.address.clone();
    let second = spawn_on_database(first.database_url.clone(), |s| s.access_url = access_url).await;
    let admin = first.login_as_admin().await;
    (first, second, admin)
}

/// The value of `tessera_bearer_cache{stat}` on `replica`.
async fn cache_stat(replica: &TestApp, stat: &str) -> f64 {
    let text = replica.get("/metrics").await.text().await.unwrap();
    let series = format!("tessera_bearer_cache{{stat=\"{stat}\"}} ");
    let line = text.lines().find(|l| l.starts_with(&series)).unwrap();
    line[series.len()..].parse().unwrap()
}

/// A registered client with tokens, whose access token the second replica has cached.
async fn cached_on_second(first: &TestApp, second: &TestApp) -> (Registration, String, String) {
    let registered = first.register_client(&native_public_metadata()).await;
    let browser = first.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let tokens = browser.tokens(&registered.client, "user:read").await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let hits = cache_stat(second, "hits").await;
    assert_eq!(second.me_status(&access).await, StatusCode::OK);
    assert_eq!(second.me_status(&access).await, StatusCode::OK);
    assert!(
        cache_stat(second, "hits").await > hits,
        "the second call came from memory"
    );
    (registered, access, refresh)
}

#[tokio::test]
async fn a_cached_token_is_refused_at_once_after_any_kind_of_revocation_on_another_replica() {
    let (first, second, admin) = replicas().await;
    assert_eq!(cache_stat(&second, "enabled").await, 1.0);
    let revocations = [
        "RFC 7009 revocation of the access token",
        "RFC 7009 revocation of the refresh token",
        "the person revokes the app",
        "an admin blocks the app",
        "an admin deletes the app",
        "the client deletes its registration (RFC 7592)",
    ];
    for (i, how) in revocations.into_iter().enumerate() {
        let (registered, access, refresh) = cached_on_second(&first, &second).await;
        let client = &registered.client;
        let status = match i {
            0 => first.revoke(client, &access).await.status(),
            1 => first.revoke(client, &refresh).await.status(),
            2 => new_client()
                .delete(first.url(&format!("/oauth2/tokens?client_id={}", client.client_id)))
                .bearer_auth(&admin)
                .send()
                .await
                .unwrap()
                .status(),
            3 => {
                let browser = first.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
                browser.press_block(&client.client_id, "block").await;
                StatusCode::OK
            }
            4 => new_client()
                .delete(first.url(&format!(
                    "/api/v2/oauth2-provider/apps/{}",
                    client.client_id
                )))
                .bearer_auth(&admin)
                .send()
                .await
                .unwrap()
                .status(),
            _ => first
                .client_management(Method::DELETE, &client.client_id, &registered.token)
                .send()
                .await
                .unwrap()
                .status(),
        };
        assert!(status.is_success(), "{how}: {status}");
        assert_eq!(
            second.me_status(&access).await,
            StatusCode::UNAUTHORIZED,
            "{how}"
        );
    }
}
