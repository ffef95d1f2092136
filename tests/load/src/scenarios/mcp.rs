//! `mcp`: `tools/call whoami` on the MCP endpoint, one grant (scope `mcp user:read`) and
//! one session per worker; a worker whose call fails opens a new session, unmeasured.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use reqwest::Client;
use serde_json::Map;
use tokio::task::JoinSet;

use super::{Plan, Report, granted_clients_with};
use crate::mcp::Session;
use crate::oauth::Target;
use crate::runner::{self, Flow, Recorder, Step, Which, Window};
use crate::stats::ErrorLog;

/// The scopes the MCP endpoint needs (and `/me`'s, as a client would ask).
const MCP_SCOPE: &[(&str, &str)] = &[("scope", "mcp user:read")];

/// One worker calling `whoami` in its own session.
#[derive(Debug)]
struct McpWorker {
    client: Client,
    target: Arc<Target>,
    access_token: String,
    session: Session,
}

impl Step for McpWorker {
    async fn step(&mut self, recorder: &mut Recorder) -> Flow {
        let started = Instant::now();
        match self.session.call_tool(&self.client, "whoami").await {
            Ok(_) => recorder.ok(Which::Primary, started.elapsed()),
            Err(e) => {
                recorder.error(Which::Primary, &e);
                match Session::open(&self.client, &self.target.base, &self.access_token).await {
                    Ok(session) => self.session = session,
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        }
        Flow::Continue
    }
}

/// Runs the MCP scenario.
pub async fn mcp(target: &Target, plan: &Plan) -> Result<Report> {
    let target = Arc::new(target.clone());
    let log = Arc::new(ErrorLog::default());
    let mut tasks = JoinSet::new();
    for (client, pair) in granted_clients_with(&target, plan.concurrency, MCP_SCOPE).await? {
        let target = Arc::clone(&target);
        tasks.spawn(async move {
            let session = Session::open(&client, &target.base, &pair.access_token).await?;
            anyhow::Ok(McpWorker {
                client,
                target,
                access_token: pair.access_token,
                session,
            })
        });
    }
    let mut workers = Vec::with_capacity(plan.concurrency);
    while let Some(joined) = tasks.join_next().await {
        workers.push(joined??);
    }
    let window = Window::after_warmup(plan.warmup, plan.duration);
    let outcome = runner::run(workers, window, &log).await?;
    Ok(Report {
        scenario: "mcp",
        unit: "tools/call",
        main: outcome.primary.summary(outcome.elapsed),
        token_call: None,
        first_error: log.first(),
        extra: Map::new(),
    })
}
