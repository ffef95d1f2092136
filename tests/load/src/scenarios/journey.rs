//! `journey`: the full authorization-code journey per iteration for a signed-in user:
//! `GET /oauth2/authorize?prompt=consent` (the consent page), `POST /oauth2/authorize`
//! (Allow → code), then the PKCE code exchange; the token call is also measured on its own.
//! The token scenario's probe uses the short form (remembered consent, code at once).

use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use reqwest::Client;
use serde_json::Map;

use super::{Plan, Report, clients, code_through_consent};
use crate::oauth::{self, Pkce, Target};
use crate::runner::{self, Flow, Recorder, Step, Which, Window};
use crate::stats::ErrorLog;

/// One worker of the journey loop.
#[derive(Debug)]
pub struct JourneyWorker {
    client: Client,
    target: Arc<Target>,
    consent: bool,
}

impl JourneyWorker {
    /// `n` workers with their own clients; `consent`: through the consent page each time.
    pub fn many(target: &Arc<Target>, n: usize, consent: bool) -> Result<Vec<Self>> {
        Ok(clients(n)?
            .into_iter()
            .map(|client| Self {
                client,
                target: Arc::clone(target),
                consent,
            })
            .collect())
    }
}

/// Asks for the consent page every time.
const PROMPT_CONSENT: &[(&str, &str)] = &[("prompt", "consent")];

impl Step for JourneyWorker {
    async fn step(&mut self, recorder: &mut Recorder) -> Flow {
        let started = Instant::now();
        let pkce = match Pkce::generate() {
            Ok(pkce) => pkce,
            Err(e) => {
                recorder.error(Which::Primary, &e);
                return Flow::Stop;
            }
        };
        let code = match self.consent {
            true => code_through_consent(&self.client, &self.target, &pkce, PROMPT_CONSENT).await,
            false => oauth::authorize_code(&self.client, &self.target, &pkce).await,
        };
        let code = match code {
            Ok(code) => code,
            Err(e) => {
                recorder.error(Which::Primary, &e);
                return Flow::Continue;
            }
        };
        let token_started = Instant::now();
        let exchanged =
            oauth::exchange_code(&self.client, &self.target, &code, &pkce.verifier).await;
        match exchanged {
            Ok(_) => {
                recorder.ok(Which::Secondary, token_started.elapsed());
                recorder.ok(Which::Primary, started.elapsed());
            }
            Err(e) => {
                recorder.error(Which::Secondary, &e);
                recorder.error(Which::Primary, &e);
            }
        }
        Flow::Continue
    }
}

/// Runs the journey scenario.
pub async fn journey(target: &Target, plan: &Plan) -> Result<Report> {
    let target = Arc::new(target.clone());
    let log = Arc::new(ErrorLog::default());
    let workers = JourneyWorker::many(&target, plan.concurrency, true)?;
    let window = Window::after_warmup(plan.warmup, plan.duration);
    let outcome = runner::run(workers, window, &log).await?;
    Ok(Report {
        scenario: "journey",
        unit: "journeys",
        main: outcome.primary.summary(outcome.elapsed),
        token_call: Some(outcome.secondary.summary(outcome.elapsed)),
        first_error: log.first(),
        extra: Map::new(),
    })
}

/// Runs the flow scenario: authorize answered at once (a remembered approval of the
/// confidential load app) and the code exchange, counted as one flow (issue 20's code flow).
pub async fn flow(target: &Target, plan: &Plan) -> Result<Report> {
    let target = Arc::new(target.clone());
    let log = Arc::new(ErrorLog::default());
    let workers = JourneyWorker::many(&target, plan.concurrency, false)?;
    let window = Window::after_warmup(plan.warmup, plan.duration);
    let outcome = runner::run(workers, window, &log).await?;
    Ok(Report {
        scenario: "flow",
        unit: "flows",
        main: outcome.primary.summary(outcome.elapsed),
        token_call: Some(outcome.secondary.summary(outcome.elapsed)),
        first_error: log.first(),
        extra: Map::new(),
    })
}
