//! The abuse controls of dynamic client registration: rate limits, caps, expiry, audit (SPEC §5).

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tessera_bootstrap::settings::{ConfigDuration, RateLimit};
use tessera_e2e::oauth::oauth_error;
use tessera_e2e::registration::native_public_metadata;
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, spawn_app, spawn_app_with};

#[tokio::test]
async fn the_rate_limit_is_counted_across_two_replicas_sharing_one_database() {
    let three = |s: &mut tessera_bootstrap::Settings| {
        s.registration.rate_limit = RateLimit::parse("3/min").unwrap();
    };
    let first = spawn_app_with(three).await;
    let second = first.replica(three).await;
    first.freeze_at_a_minute_start();
    for app in [&first, &second, &first] {
        assert_eq!(
            app.register(&native_public_metadata()).await.status(),
            StatusCode::CREATED
        );
    }
    let refused = second.register(&native_public_metadata()).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_ip_is_the_one_limited() {
    let app = spawn_app_with(|s| {
        s.registration.rate_limit = RateLimit::parse("1/min").unwrap();
        s.http.trusted_proxies = vec!["127.0.0.1/32".into()];
    })
    .await;
    app.freeze_at_a_minute_start();
    let from = |ip: &'static str| {
        let app = &app;
        async move {
            tessera_e2e::new_client()
                .post(app.url("/oauth2/register"))
                .header("X-Forwarded-For", ip)
                .json(&native_public_metadata())
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(from("203.0.113.1").await, StatusCode::CREATED);
    assert_eq!(from("203.0.113.1").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(from("203.0.113.2").await, StatusCode::CREATED);
}

#[tokio::test]
async fn without_trust_a_forwarded_ip_is_ignored() {
    let app =
        spawn_app_with(|s| s.registration.rate_limit = RateLimit::parse("1/min").unwrap()).await;
    app.freeze_at_a_minute_start();
    for (ip, expected) in [
        ("203.0.113.1", StatusCode::CREATED),
        ("203.0.113.2", StatusCode::TOO_MANY_REQUESTS),
    ] {
        let status = tessera_e2e::new_client()
            .post(app.url("/oauth2/register"))
            .header("X-Forwarded-For", ip)
            .json(&native_public_metadata())
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, expected);
    }
}

#[tokio::test]
async fn the_client_cap_refuses_registrations_beyond_it() {
    let app = spawn_app_with(|s| s.registration.max_clients = 1).await;
    app.register_client(&native_public_metadata()).await;
    let (status, code) = oauth_error(app.register(&native_public_metadata()).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "access_denied")
    );
}

#[tokio::test]
async fn with_registration_disabled_the_endpoint_is_404_and_not_advertised() {
    let app = spawn_app_with(|s| s.registration.enabled = false).await;
    assert_eq!(
        app.register(&native_public_metadata()).await.status(),
        StatusCode::NOT_FOUND
    );
    let metadata: Value = app
        .get("/.well-known/oauth-authorization-server")
        .await
        .json()
        .await
        .unwrap();
    assert!(metadata.get("registration_endpoint").is_none());
}

#[tokio::test]
async fn a_client_never_used_expires_while_a_used_one_stays() {
    let hour = |s: &mut tessera_bootstrap::Settings| {
        s.registration.unused_client_ttl = ConfigDuration::hours(1);
    };
    let app = spawn_app_with(hour).await;
    app.create_admin().await;
    let unused = app.register_client(&native_public_metadata()).await;
    let used = app.register_client(&native_public_metadata()).await;
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    browser.tokens(&used.client, "user:read").await;
    app.clock.advance(time::Duration::minutes(61));
    // Every replica sweeps when it starts (and every 10 minutes after), here an hour later.
    let replica = app.replica(hour).await;
    let mut status = StatusCode::OK;
    for _ in 0..250 {
        let response = replica
            .client_management(Method::GET, &unused.client.client_id, &unused.token)
            .send()
            .await
            .unwrap();
        status = response.status();
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        // Waiting for the sweep the replica started, not for time to pass.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the unused client is gone"
    );
    let kept = replica
        .client_management(Method::GET, &used.client.client_id, &used.token)
        .send()
        .await
        .unwrap();
    assert_eq!(kept.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_admin_page_lists_registered_clients_with_their_origin_and_deletes_them() {
    let app = spawn_app().await;
    let token = app.login_as_admin().await;
    let r = tessera_e2e::new_client()
        .post(app.url("/oauth2/register"))
        .header("User-Agent", "claude-code/2.0")
        .json(&native_public_metadata())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let page = browser
        .get("/settings/oauth2-apps")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("client-id\">{id}</code>")),
        "the client id"
    );
    assert!(
        page.contains("<span class=\"origin-ip\">127.0.0.1</span>"),
        "the registering IP: {page}"
    );
    assert!(
        page.contains("<span class=\"detail origin-ua\">claude-code&#x2F;2.0</span>"),
        "the user agent"
    );
    assert!(
        page.contains("software <code>tessera-e2e</code>"),
        "the software_id"
    );
    assert!(page.contains("<td class=\"last-token\">never</td>"));
    let csrf = tessera_e2e::csrf_token_in(&page);
    let deleted = browser
        .post_form(
            &format!("/settings/oauth2-apps/{id}/delete"),
            &[("csrf_token", csrf.as_str())],
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    let apps: Value = tessera_e2e::new_client()
        .get(app.url("/api/v2/oauth2-provider/apps"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        apps.as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != id.as_str())
    );
}

#[tokio::test]
async fn registrations_are_in_the_audit_log() {
    let app = spawn_app().await;
    let token = app.login_as_admin().await;
    let r = app.register_client(&native_public_metadata()).await;
    app.client_management(Method::DELETE, &r.client.client_id, &r.token)
        .send()
        .await
        .unwrap();
    let log: Value = tessera_e2e::new_client()
        .get(app.url("/api/v2/audit"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = log["audit_logs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource_id"] == r.client.client_id.as_str())
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["resource_type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(actions, [("delete", "client"), ("create", "client")]);
    assert!(!log.to_string().contains(&r.token));
}
