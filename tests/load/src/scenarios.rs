//! The four scenarios, their shared set-up (one client and one grant per worker), and the
//! report each prints.

mod bearer;
mod journey;
mod mcp;
mod peer;
mod refresh;
mod relay;
mod simple;
mod token;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use reqwest::Client;
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::task::JoinSet;

use crate::consent::hidden_fields;
use crate::oauth::{self, Authorized, Pkce, Target, TokenPair};
use crate::stats::Summary;

pub use bearer::bearer;
pub use journey::{flow, journey};
pub use mcp::mcp;
pub use peer::peer;
pub use refresh::refresh;
pub use relay::{relay, relay_direct};
pub use simple::{floor, register};
pub use token::token;

/// Idle keep-alive connections each worker's client may hold.
const IDLE_PER_HOST: usize = 4;

/// How hard and how long to drive the server.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Workers, each with its own client.
    pub concurrency: usize,
    /// Measured time.
    pub duration: Duration,
    /// Unmeasured time before it.
    pub warmup: Duration,
}

/// What one scenario measured.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Scenario name.
    pub scenario: &'static str,
    /// What one counted request is (`journeys`, `tokens`, `refreshes`, `requests`).
    pub unit: &'static str,
    /// The main series.
    #[serde(flatten)]
    pub main: Summary,
    /// The token call alone, for `journey`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_call: Option<Summary>,
    /// The first error seen, if any.
    pub first_error: Option<String>,
    /// Scenario-specific figures (e.g. how many codes were minted).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Report {
    /// Prints the JSON line, then the human line(s), on stdout.
    pub fn print(&self, plan: &Plan) {
        let mut json = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(fields) = &mut json {
            fields.insert("concurrency".into(), plan.concurrency.into());
            fields.insert("duration_s".into(), plan.duration.as_secs_f64().into());
        }
        println!("{json}");
        println!(
            "{}",
            self.main.human(&format!("{} {}", self.scenario, self.unit))
        );
        if let Some(token_call) = &self.token_call {
            println!("{}", token_call.human("  token call"));
        }
    }
}

/// One keep-alive HTTP/1.1 client per worker.
pub fn clients(n: usize) -> Result<Vec<Client>> {
    (0..n).map(|_| oauth::http_client(IDLE_PER_HOST)).collect()
}

/// A fresh grant: authorize (remembered consent) and exchange the code.
pub async fn grant(client: &Client, target: &Target) -> Result<TokenPair> {
    grant_with(client, target, &[]).await
}

/// A fresh grant with extra authorize parameters (e.g. `scope`), through the consent page
/// when the server shows it.
pub async fn grant_with(
    client: &Client,
    target: &Target,
    extra: &[(&str, &str)],
) -> Result<TokenPair> {
    let pkce = Pkce::generate()?;
    let code = code_through_consent(client, target, &pkce, extra).await?;
    oauth::exchange_code(client, target, &code, &pkce.verifier).await
}

/// A code from `GET /oauth2/authorize`, posting the consent form when it is shown.
pub async fn code_through_consent(
    client: &Client,
    target: &Target,
    pkce: &Pkce,
    extra: &[(&str, &str)],
) -> Result<String> {
    match oauth::authorize_with(client, target, pkce, extra).await? {
        Authorized::Code(code) => Ok(code),
        Authorized::ConsentPage(page) => oauth::approve(client, target, hidden_fields(&page)).await,
    }
}

/// `n` clients, each with its own grant, obtained concurrently.
pub async fn granted_clients(target: &Arc<Target>, n: usize) -> Result<Vec<(Client, TokenPair)>> {
    granted_clients_with(target, n, &[]).await
}

/// `n` clients, each with its own grant (extra authorize parameters), obtained concurrently.
pub async fn granted_clients_with(
    target: &Arc<Target>,
    n: usize,
    extra: &[(&str, &str)],
) -> Result<Vec<(Client, TokenPair)>> {
    let extra: Arc<Vec<(String, String)>> = Arc::new(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    );
    let mut tasks = JoinSet::new();
    for client in clients(n)? {
        let target = Arc::clone(target);
        let extra = Arc::clone(&extra);
        tasks.spawn(async move {
            let pairs: Vec<(&str, &str)> = extra
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let pair = grant_with(&client, &target, &pairs).await?;
            anyhow::Ok((client, pair))
        });
    }
    let mut granted = Vec::with_capacity(n);
    while let Some(joined) = tasks.join_next().await {
        granted.push(joined??);
    }
    Ok(granted)
}
