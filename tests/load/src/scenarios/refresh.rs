//! `refresh`: each worker rotates its own grant's refresh token in a loop, always using the
//! newest one (SPEC §4 rotation); after a failure it takes a fresh grant, unmeasured.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use reqwest::Client;
use serde_json::Map;

use super::{Plan, Report, grant, granted_clients};
use crate::oauth::{self, Target};
use crate::runner::{self, Flow, Recorder, Step, Which, Window};
use crate::stats::ErrorLog;

/// One worker rotating its refresh token.
#[derive(Debug)]
struct RefreshWorker {
    client: Client,
    target: Arc<Target>,
    refresh_token: String,
}

impl Step for RefreshWorker {
    async fn step(&mut self, recorder: &mut Recorder) -> Flow {
        let started = Instant::now();
        match oauth::refresh(&self.client, &self.target, &self.refresh_token).await {
            Ok(pair) => {
                recorder.ok(Which::Primary, started.elapsed());
                self.refresh_token = pair.refresh_token;
            }
            Err(e) => {
                recorder.error(Which::Primary, &e);
                match grant(&self.client, &self.target).await {
                    Ok(pair) => self.refresh_token = pair.refresh_token,
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        }
        Flow::Continue
    }
}

/// Runs the refresh scenario.
pub async fn refresh(target: &Target, plan: &Plan) -> Result<Report> {
    let target = Arc::new(target.clone());
    let log = Arc::new(ErrorLog::default());
    let workers = granted_clients(&target, plan.concurrency)
        .await?
        .into_iter()
        .map(|(client, pair)| RefreshWorker {
            client,
            target: Arc::clone(&target),
            refresh_token: pair.refresh_token,
        })
        .collect();
    let window = Window::after_warmup(plan.warmup, plan.duration);
    let outcome = runner::run(workers, window, &log).await?;
    Ok(Report {
        scenario: "refresh",
        unit: "refreshes",
        main: outcome.primary.summary(outcome.elapsed),
        token_call: None,
        first_error: log.first(),
        extra: Map::new(),
    })
}
