//! Scenarios without a grant: `register` (RFC 7591 dynamic registration of a native public
//! client per call) and `floor` (`GET <url>/json` on the bare actix-web binary `floor`).

use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use reqwest::Client;
use serde_json::Map;
use url::Url;

use super::{Plan, Report, clients};
use crate::oauth;
use crate::runner::{self, Flow, Recorder, Step, Which, Window};
use crate::stats::ErrorLog;

/// What a simple worker sends.
#[derive(Debug, Clone, Copy)]
enum Call {
    Register,
    Get,
}

/// One worker repeating one call.
#[derive(Debug)]
struct SimpleWorker {
    client: Client,
    url: Url,
    call: Call,
}

impl Step for SimpleWorker {
    async fn step(&mut self, recorder: &mut Recorder) -> Flow {
        let started = Instant::now();
        let result = match self.call {
            Call::Register => oauth::register(&self.client, &self.url).await,
            Call::Get => oauth::get(&self.client, &self.url).await,
        };
        match result {
            Ok(()) => recorder.ok(Which::Primary, started.elapsed()),
            Err(e) => recorder.error(Which::Primary, &e),
        }
        Flow::Continue
    }
}

/// Runs `call` against `url` with `plan`'s workers.
async fn simple(url: Url, call: Call, name: &'static str, plan: &Plan) -> Result<Report> {
    let log = Arc::new(ErrorLog::default());
    let workers = clients(plan.concurrency)?
        .into_iter()
        .map(|client| SimpleWorker {
            client,
            url: url.clone(),
            call,
        })
        .collect();
    let window = Window::after_warmup(plan.warmup, plan.duration);
    let outcome = runner::run(workers, window, &log).await?;
    Ok(Report {
        scenario: name,
        unit: "requests",
        main: outcome.primary.summary(outcome.elapsed),
        token_call: None,
        first_error: log.first(),
        extra: Map::new(),
    })
}

/// Runs the registration scenario (the server's rate limit must be raised for it).
pub async fn register(base: &Url, plan: &Plan) -> Result<Report> {
    simple(base.clone(), Call::Register, "register", plan).await
}

/// Runs the HTTP floor scenario against the `floor` binary.
pub async fn floor(base: &Url, plan: &Plan) -> Result<Report> {
    simple(base.join("/json")?, Call::Get, "floor", plan).await
}
