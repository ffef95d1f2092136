//! `tessera-load`: a load generator that drives a running tessera over its public HTTP API
//! (SPEC §2–§4) and prints throughput and latency per scenario.
//!
//! It sets itself up through the API (first user, login, a public OAuth app, one consent),
//! so it needs nothing but a fresh server. It must never depend on tessera's crates: it is a
//! black-box client, like any other.

mod consent;
mod oauth;
mod runner;
mod scenarios;
mod setup;
mod stats;

use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};
use url::Url;

use crate::scenarios::Plan;
use crate::setup::Credentials;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(
    name = "tessera-load",
    about = "Drive a running tessera and measure it"
)]
struct Cli {
    /// Base URL of the running server.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: Url,
    /// Number of concurrent workers (one HTTP client each).
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Measured time per scenario, e.g. `20s`, `500ms`, `2m`.
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    duration: Duration,
    /// Unmeasured time before each measurement.
    #[arg(long, default_value = "3s", value_parser = parse_duration)]
    warmup: Duration,
    /// What to measure.
    #[arg(long, value_enum, default_value_t = ScenarioArg::All)]
    scenario: ScenarioArg,
    /// Threads of the generator's own runtime (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// E-mail of the admin the generator creates or signs in as.
    #[arg(long, default_value = "load@tessera.test")]
    email: String,
    /// Username of that admin (used only when creating it).
    #[arg(long, default_value = "load")]
    username: String,
    /// Password of that admin.
    #[arg(long, default_value = "load-generator-password")]
    password: String,
}

/// The scenarios a user can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ScenarioArg {
    /// authorize GET → code → token exchange, per iteration.
    Journey,
    /// Only `POST /oauth2/tokens` exchanges of pre-minted codes.
    Token,
    /// Refresh-token rotation in a loop, one grant per worker.
    Refresh,
    /// `GET /api/v2/users/me` with an access token.
    Bearer,
    /// All of the above, in that order.
    All,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    if cli.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = cli.threads {
        builder.worker_threads(threads);
    }
    let runtime = builder
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    runtime.block_on(run(cli))
}

/// Sets up once, then runs the chosen scenarios one after another.
async fn run(cli: Cli) -> Result<()> {
    let credentials = Credentials {
        email: cli.email.clone(),
        username: cli.username.clone(),
        password: cli.password.clone(),
    };
    let target = setup::prepare(&cli.url, &credentials).await?;
    eprintln!("setup done: client_id {}", target.client_id);
    let plan = Plan {
        concurrency: cli.concurrency,
        duration: cli.duration,
        warmup: cli.warmup,
    };
    let chosen = match cli.scenario {
        ScenarioArg::All => vec![
            ScenarioArg::Journey,
            ScenarioArg::Token,
            ScenarioArg::Refresh,
            ScenarioArg::Bearer,
        ],
        one => vec![one],
    };
    for scenario in chosen {
        let report = match scenario {
            ScenarioArg::Journey => scenarios::journey(&target, &plan).await?,
            ScenarioArg::Token => scenarios::token(&target, &plan).await?,
            ScenarioArg::Refresh => scenarios::refresh(&target, &plan).await?,
            ScenarioArg::Bearer | ScenarioArg::All => scenarios::bearer(&target, &plan).await?,
        };
        report.print(&plan);
    }
    Ok(())
}

/// Parses `20s`, `500ms`, `2m` or a bare number of seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 20s"))?;
    match unit {
        "" | "s" => Ok(Duration::from_secs(n)),
        "ms" => Ok(Duration::from_millis(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        _ => Err(format!("`{text}`: the unit must be ms, s or m")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_seconds_milliseconds_and_minutes() {
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("3h").is_err());
        assert!(parse_duration("s").is_err());
    }
}
