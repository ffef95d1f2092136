//! `tessera-load`: a load generator that drives a running tessera over its public HTTP API
//! (SPEC §2–§4) and prints throughput and latency per scenario.
//!
//! It sets itself up through the API (first user, login, a public OAuth app, one consent),
//! so it needs nothing but a fresh server. It must never depend on tessera's crates: it is a
//! black-box client, like any other. `bench/run.sh` drives it (see `docs/benchmarks.md`).

mod consent;
mod mcp;
mod median;
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
    /// Runs of each scenario; their median is printed after them.
    #[arg(long, default_value_t = 1)]
    runs: usize,
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
    /// The upstream MCP URL of the `relay` scenarios (e.g. the `floor` binary's `/mcp`).
    #[arg(long)]
    upstream: Option<Url>,
}

/// The scenarios a user can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ScenarioArg {
    /// authorize GET → code → token exchange, per iteration.
    Journey,
    /// Only `POST /oauth2/tokens` exchanges of pre-minted codes.
    Token,
    /// authorize answered at once (remembered approval) → token exchange, per iteration.
    Flow,
    /// Refresh-token rotation in a loop, one grant per worker.
    Refresh,
    /// `GET /api/v2/users/me` with an access token.
    Bearer,
    /// MCP `tools/call whoami` with an access token (scope `mcp`).
    Mcp,
    /// `POST /oauth2/register` of a native public client (raise the rate limit first).
    Register,
    /// MCP `tools/call` through the relay of a protected server to `--upstream` (SPEC §9).
    Relay,
    /// The same `tools/call` sent to `--upstream` directly, for the relay's ratio.
    RelayDirect,
    /// All of the above, in that order.
    All,
    /// `GET /json` on the `floor` binary (`--url` names it); no set-up.
    Floor,
    /// The code flow at the MCP TypeScript SDK's demo server (`--url` names it).
    PeerFlow,
    /// The SDK demo's bearer middleware on `GET /whoami` (`--url` names it).
    PeerBearer,
    /// Polls `/readyz` every millisecond and prints the Unix time (ms) of the first 200.
    Ready,
}

impl ScenarioArg {
    /// Whether the scenario needs the admin, its session and the load app.
    fn needs_setup(self) -> bool {
        !matches!(
            self,
            Self::Register
                | Self::Floor
                | Self::Ready
                | Self::RelayDirect
                | Self::PeerFlow
                | Self::PeerBearer
        )
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    if cli.concurrency == 0 || cli.runs == 0 {
        bail!("--concurrency and --runs must be at least 1");
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

/// Sets up once (when needed), then runs the chosen scenarios one after another.
async fn run(cli: Cli) -> Result<()> {
    if cli.scenario == ScenarioArg::Ready {
        return ready(&cli.url).await;
    }
    let chosen = match cli.scenario {
        ScenarioArg::All => vec![
            ScenarioArg::Journey,
            ScenarioArg::Token,
            ScenarioArg::Refresh,
            ScenarioArg::Bearer,
            ScenarioArg::Mcp,
            ScenarioArg::Register,
        ],
        one => vec![one],
    };
    let target = match chosen.iter().any(|s| s.needs_setup()) {
        true => {
            let credentials = Credentials {
                email: cli.email.clone(),
                username: cli.username.clone(),
                password: cli.password.clone(),
            };
            let target = setup::prepare(&cli.url, &credentials).await?;
            eprintln!("setup done: client_id {}", target.client_id);
            Some(target)
        }
        false => None,
    };
    let plan = Plan {
        concurrency: cli.concurrency,
        duration: cli.duration,
        warmup: cli.warmup,
    };
    for scenario in chosen {
        let mut reports = Vec::with_capacity(cli.runs);
        for _ in 0..cli.runs {
            let report = match (scenario, &target) {
                (ScenarioArg::Register, _) => scenarios::register(&cli.url, &plan).await?,
                (ScenarioArg::Floor, _) => scenarios::floor(&cli.url, &plan).await?,
                (ScenarioArg::PeerFlow, _) => scenarios::peer(&cli.url, false, &plan).await?,
                (ScenarioArg::PeerBearer, _) => scenarios::peer(&cli.url, true, &plan).await?,
                (ScenarioArg::Flow, Some(t)) => scenarios::flow(t, &plan).await?,
                (ScenarioArg::Journey, Some(t)) => scenarios::journey(t, &plan).await?,
                (ScenarioArg::Token, Some(t)) => scenarios::token(t, &plan).await?,
                (ScenarioArg::Refresh, Some(t)) => scenarios::refresh(t, &plan).await?,
                (ScenarioArg::Bearer, Some(t)) => scenarios::bearer(t, &plan).await?,
                (ScenarioArg::Mcp, Some(t)) => scenarios::mcp(t, &plan).await?,
                (ScenarioArg::Relay, Some(t)) => {
                    scenarios::relay(t, cli.upstream.as_ref(), &plan).await?
                }
                (ScenarioArg::RelayDirect, _) => {
                    scenarios::relay_direct(cli.upstream.as_ref(), &plan).await?
                }
                _ => bail!("{scenario:?} cannot run here"),
            };
            report.print(&plan);
            reports.push(report);
        }
        median::print(&reports);
    }
    Ok(())
}

/// Waits (up to 60 s) for `GET /readyz` to answer 200, polling every millisecond, and
/// prints `READY\t<unix ms>` for start-up timing.
async fn ready(base: &Url) -> Result<()> {
    let client = oauth::http_client(1)?;
    let url = base.join("/readyz")?;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        if oauth::get(&client, &url).await.is_ok() {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
            println!("READY\t{}", now.as_millis());
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    bail!("{url} did not answer 200 within 60 s")
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
