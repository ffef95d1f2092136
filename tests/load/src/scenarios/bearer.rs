//! `bearer`: `GET /api/v2/users/me` with an OAuth access token, one grant per worker.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use reqwest::Client;
use serde_json::Map;

use super::{Plan, Report, granted_clients};
use crate::oauth::{self, Target};
use crate::runner::{self, Flow, Recorder, Step, Which, Window};
use crate::stats::ErrorLog;

/// One worker calling `/me` with its access token.
#[derive(Debug)]
struct BearerWorker {
    client: Client,
    target: Arc<Target>,
    access_token: String,
}

impl Step for BearerWorker {
    async fn step(&mut self, recorder: &mut Recorder) -> Flow {
        let started = Instant::now();
        match oauth::me(&self.client, &self.target, &self.access_token).await {
            Ok(()) => recorder.ok(Which::Primary, started.elapsed()),
            Err(e) => recorder.error(Which::Primary, &e),
        }
        Flow::Continue
    }
}

/// Runs the bearer scenario.
pub async fn bearer(target: &Target, plan: &Plan) -> Result<Report> {
    let target = Arc::new(target.clone());
    let log = Arc::new(ErrorLog::default());
    let workers = granted_clients(&target, plan.concurrency)
        .await?
        .into_iter()
        .map(|(client, pair)| BearerWorker {
            client,
            target: Arc::clone(&target),
            access_token: pair.access_token,
        })
        .collect();
    let window = Window::after_warmup(plan.warmup, plan.duration);
    let outcome = runner::run(workers, window, &log).await?;
    Ok(Report {
        scenario: "bearer",
        unit: "requests",
        main: outcome.primary.summary(outcome.elapsed),
        token_call: None,
        first_error: log.first(),
        extra: Map::new(),
    })
}
