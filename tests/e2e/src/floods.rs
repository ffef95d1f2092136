//! Helpers for tests that flood the server and then check that it still answers.

use std::time::Duration;

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{TestApp, new_client};

/// How long a request of a flood may take before it counts as unanswered.
const FLOOD_REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// How long a normal request after a flood may take: generous, so a slow machine passes,
/// yet far below "hangs for good".
pub const PROMPTLY: Duration = Duration::from_secs(5);

impl TestApp {
    /// POSTs `body` to `path` `n` times at once, each from a new client without cookies;
    /// returns each status, or `None` for a request unanswered within 20 s.
    pub async fn post_json_concurrently(
        &self,
        n: usize,
        path: &str,
        body: &Value,
    ) -> Vec<Option<StatusCode>> {
        let requests = (0..n).map(|_| {
            let request = new_client()
                .post(self.url(path))
                .timeout(FLOOD_REQUEST_TIMEOUT)
                .json(body);
            async move { request.send().await.ok().map(|r| r.status()) }
        });
        join_all(requests).await
    }

    /// Logs in over the API and asserts that the session arrives within [`PROMPTLY`].
    pub async fn login_promptly(&self, email: &str, password: &str) {
        let body = json!({"email": email, "password": password});
        let response = new_client()
            .post(self.url("/api/v2/users/login"))
            .timeout(PROMPTLY)
            .json(&body)
            .send()
            .await;
        let status = response.map(|r| r.status());
        assert!(
            matches!(status, Ok(StatusCode::CREATED)),
            "a correct login was not answered with 201 within {PROMPTLY:?}: {status:?}"
        );
    }
}
