//! `relay`: a JSON-RPC `tools/call` through tessera's relay of a protected MCP server
//! (`/mcp/bench-relay`, SPEC §9) to an upstream, one grant per worker (scope `mcp`, audience
//! the server's URL); `relay-direct`: the same call sent to the upstream itself, with no
//! token, so the two figures' ratio is the relay's cost (token check, signed assertion,
//! proxying) on the same upstream.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Result, bail};
use reqwest::Client;
use reqwest::header::{ACCEPT, AUTHORIZATION};
use serde_json::{Map, json};
use url::Url;

use super::{Plan, Report, clients, granted_clients_with};
use crate::oauth::{Target, checked};
use crate::runner::{self, Flow, Recorder, Step, Which, Window};
use crate::stats::ErrorLog;

/// The slug the scenario registers its upstream under.
const SLUG: &str = "bench-relay";

/// The JSON-RPC request every call sends.
fn call_body() -> serde_json::Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
           "params": {"name": "whoami", "arguments": {}}})
}

/// One worker POSTing `tools/call` to `url`, with `token` when it has one.
#[derive(Debug)]
struct RelayWorker {
    client: Client,
    url: Url,
    token: Option<String>,
}

impl RelayWorker {
    async fn call(&self) -> Result<()> {
        let mut request = self
            .client
            .post(self.url.clone())
            .header(ACCEPT, "application/json, text/event-stream")
            .json(&call_body());
        if let Some(token) = &self.token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        checked(request.send().await?, "POST tools/call")
            .await?
            .bytes()
            .await?;
        Ok(())
    }
}

impl Step for RelayWorker {
    async fn step(&mut self, recorder: &mut Recorder) -> Flow {
        let started = Instant::now();
        match self.call().await {
            Ok(()) => recorder.ok(Which::Primary, started.elapsed()),
            Err(e) => recorder.error(Which::Primary, &e),
        }
        Flow::Continue
    }
}

/// Registers (or re-points) the protected server `bench-relay` at `upstream`.
async fn protect(target: &Target, upstream: &Url) -> Result<()> {
    let client = crate::oauth::http_client(1)?;
    let body = json!({"slug": SLUG, "name": "Bench relay", "upstream_url": upstream.as_str()});
    let bearer = format!("Bearer {}", target.session_token);
    let created = client
        .post(target.base.join("/api/v2/mcp-servers")?)
        .header(AUTHORIZATION, &bearer)
        .json(&body)
        .send()
        .await?;
    if created.status().is_success() {
        return Ok(());
    }
    // Already there from an earlier run: point it at this upstream.
    let path = format!("/api/v2/mcp-servers/{SLUG}");
    let updated = client
        .put(target.base.join(&path)?)
        .header(AUTHORIZATION, &bearer)
        .json(&body)
        .send()
        .await?;
    checked(updated, "PUT /api/v2/mcp-servers").await.map(drop)
}

async fn measure(workers: Vec<RelayWorker>, name: &'static str, plan: &Plan) -> Result<Report> {
    let log = Arc::new(ErrorLog::default());
    let window = Window::after_warmup(plan.warmup, plan.duration);
    let outcome = runner::run(workers, window, &log).await?;
    Ok(Report {
        scenario: name,
        unit: "tools/call",
        main: outcome.primary.summary(outcome.elapsed),
        token_call: None,
        first_error: log.first(),
        extra: Map::new(),
    })
}

/// Runs the relay scenario against `upstream` (required).
pub async fn relay(target: &Target, upstream: Option<&Url>, plan: &Plan) -> Result<Report> {
    let Some(upstream) = upstream else {
        bail!("--scenario relay needs --upstream, the URL of an MCP server to protect");
    };
    protect(target, upstream).await?;
    let url = target.base.join(&format!("/mcp/{SLUG}"))?;
    let extra = [("scope", "mcp"), ("resource", url.as_str())];
    let target = Arc::new(target.clone());
    let workers = granted_clients_with(&target, plan.concurrency, &extra)
        .await?
        .into_iter()
        .map(|(client, pair)| RelayWorker {
            client,
            url: url.clone(),
            token: Some(pair.access_token),
        })
        .collect();
    measure(workers, "relay", plan).await
}

/// Runs the same call directly against `upstream` (required), for the ratio.
pub async fn relay_direct(upstream: Option<&Url>, plan: &Plan) -> Result<Report> {
    let Some(upstream) = upstream else {
        bail!("--scenario relay-direct needs --upstream");
    };
    let workers = clients(plan.concurrency)?
        .into_iter()
        .map(|client| RelayWorker {
            client,
            url: upstream.clone(),
            token: None,
        })
        .collect();
    measure(workers, "relay-direct", plan).await
}
