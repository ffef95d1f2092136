//! Rate-limit windows start on the minute (SPEC §5 `registration.rate_limit`): tests of the
//! limits freeze the server's clock at a window's start so that none of their requests can
//! fall into the next window, and this file shows what happens at a boundary.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use tessera_bootstrap::settings::RateLimit;
use tessera_e2e::registration::native_public_metadata;
use tessera_e2e::{next_minute, spawn_app_with};
use time::Duration;

#[tokio::test]
async fn a_new_minute_opens_a_new_window_and_a_frozen_clock_keeps_requests_in_one() {
    let app =
        spawn_app_with(|s| s.registration.rate_limit = RateLimit::parse("1/min").unwrap()).await;
    let boundary = next_minute(app.clock.now());
    app.clock.freeze_at(boundary - Duration::milliseconds(100));
    let server = &app;
    let status = move || async move { server.register(&native_public_metadata()).await.status() };

    assert_eq!(status().await, StatusCode::CREATED, "at hh:mm:59.9");
    let refused = app.register(&native_public_metadata()).await;
    assert_eq!(
        refused.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "still 59.9"
    );
    assert_eq!(
        refused.headers()["retry-after"],
        "1",
        "a tenth of a second, rounded up"
    );

    app.clock.advance(Duration::milliseconds(200));
    assert_eq!(status().await, StatusCode::CREATED, "the next window");
    assert_eq!(status().await, StatusCode::TOO_MANY_REQUESTS);
}
