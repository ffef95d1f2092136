//! `token`: only `POST /oauth2/tokens` code exchanges. A journey probe during the warm-up
//! estimates the rate; enough codes for the whole window (with margin, at most 200 000) are
//! then minted concurrently through authorize with one PKCE verifier, and only the
//! exchanges are measured.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use reqwest::Client;
use serde_json::Map;
use tokio::task::JoinSet;

use super::journey::JourneyWorker;
use super::{Plan, Report, clients};
use crate::oauth::{self, Pkce, Target};
use crate::runner::{self, Flow, Recorder, Step, Which, Window};
use crate::stats::ErrorLog;

/// Most codes ever minted for one run.
const MAX_CODES: usize = 200_000;
/// How many more codes than the estimate needs are minted.
const MARGIN: f64 = 1.5;

/// One worker exchanging pre-minted codes from a shared list.
#[derive(Debug)]
struct TokenWorker {
    client: Client,
    target: Arc<Target>,
    codes: Arc<Vec<String>>,
    next: Arc<AtomicUsize>,
    verifier: Arc<str>,
}

impl Step for TokenWorker {
    async fn step(&mut self, recorder: &mut Recorder) -> Flow {
        let Some(code) = self.codes.get(self.next.fetch_add(1, Ordering::Relaxed)) else {
            return Flow::Stop;
        };
        let started = Instant::now();
        match oauth::exchange_code(&self.client, &self.target, code, &self.verifier).await {
            Ok(_) => recorder.ok(Which::Primary, started.elapsed()),
            Err(e) => recorder.error(Which::Primary, &e),
        }
        Flow::Continue
    }
}

/// Runs the token scenario.
pub async fn token(target: &Target, plan: &Plan) -> Result<Report> {
    let target = Arc::new(target.clone());
    let log = Arc::new(ErrorLog::default());
    let wanted = codes_needed(&target, plan, &log).await?;
    let pkce = Pkce::generate()?;
    let minting = Instant::now();
    let (clients, codes) = mint(&target, &pkce, plan.concurrency, wanted, &log).await?;
    let mint_time = minting.elapsed();
    eprintln!(
        "token: minted {} codes in {:.1} s ({:.0} authorizations/s)",
        codes.len(),
        mint_time.as_secs_f64(),
        codes.len() as f64 / mint_time.as_secs_f64().max(1e-9)
    );
    let minted = codes.len();
    let codes = Arc::new(codes);
    let next = Arc::new(AtomicUsize::new(0));
    let verifier: Arc<str> = Arc::from(pkce.verifier.as_str());
    let workers = clients
        .into_iter()
        .map(|client| TokenWorker {
            client,
            target: Arc::clone(&target),
            codes: Arc::clone(&codes),
            next: Arc::clone(&next),
            verifier: Arc::clone(&verifier),
        })
        .collect();
    let outcome = runner::run(
        workers,
        Window::after_warmup(Duration::ZERO, plan.duration),
        &log,
    )
    .await?;
    let exhausted = next.load(Ordering::Relaxed) >= minted;
    if exhausted {
        eprintln!("token: every minted code was used before the window closed");
    }
    let mut extra = Map::new();
    extra.insert("codes_minted".into(), minted.into());
    extra.insert("codes_exhausted".into(), exhausted.into());
    extra.insert("mint_s".into(), mint_time.as_secs_f64().into());
    Ok(Report {
        scenario: "token",
        unit: "tokens",
        main: outcome.primary.summary(outcome.elapsed),
        token_call: None,
        first_error: log.first(),
        extra,
    })
}

/// Probes with journeys for the warm-up and sizes the code stock from the token call's
/// mean latency: `concurrency / mean × duration × margin`.
async fn codes_needed(target: &Arc<Target>, plan: &Plan, log: &Arc<ErrorLog>) -> Result<usize> {
    let probe = plan.warmup.max(Duration::from_secs(1));
    let workers = JourneyWorker::many(target, plan.concurrency, false)?;
    let outcome = runner::run(workers, Window::after_warmup(Duration::ZERO, probe), log).await?;
    let Some(mean) = outcome.secondary.mean() else {
        bail!("the probe completed no token exchange");
    };
    let rate = plan.concurrency as f64 / mean.as_secs_f64().max(1e-6);
    let wanted = (rate * plan.duration.as_secs_f64() * MARGIN).ceil() as usize;
    let wanted = wanted.clamp(plan.concurrency * 10, MAX_CODES);
    eprintln!(
        "token: probe token call mean {:.2} ms → expect ~{rate:.0}/s, minting {wanted} codes",
        mean.as_secs_f64() * 1000.0
    );
    Ok(wanted)
}

/// Mints `wanted` codes concurrently (failed attempts are logged and skipped) and hands back
/// the workers' clients, already connected.
async fn mint(
    target: &Arc<Target>,
    pkce: &Pkce,
    concurrency: usize,
    wanted: usize,
    log: &Arc<ErrorLog>,
) -> Result<(Vec<Client>, Vec<String>)> {
    let issued = Arc::new(AtomicUsize::new(0));
    let mut tasks = JoinSet::new();
    for client in clients(concurrency)? {
        let (target, pkce, issued, log) = (
            Arc::clone(target),
            pkce.clone(),
            Arc::clone(&issued),
            Arc::clone(log),
        );
        tasks.spawn(async move {
            let mut codes = Vec::with_capacity(wanted / concurrency + 1);
            while issued.fetch_add(1, Ordering::Relaxed) < wanted {
                match oauth::authorize_code(&client, &target, &pkce).await {
                    Ok(code) => codes.push(code),
                    Err(e) => log.note(&e),
                }
            }
            (client, codes)
        });
    }
    let mut all_clients = Vec::with_capacity(concurrency);
    let mut all_codes = Vec::with_capacity(wanted);
    while let Some(joined) = tasks.join_next().await {
        let (client, codes) = joined?;
        all_clients.push(client);
        all_codes.extend(codes);
    }
    Ok((all_clients, all_codes))
}
