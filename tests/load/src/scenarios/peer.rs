//! The MCP TypeScript SDK's demo authorization server (bench/peers/sdk_demo.mjs), driven the
//! way tessera's own scenarios drive tessera, for the side-by-side ratios of issue 20:
//! `peer-flow` (authorize, answered at once with a code, then the PKCE code exchange) and
//! `peer-bearer` (the SDK's bearer middleware checking a token on `GET /whoami`).

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use reqwest::Client;
use reqwest::header::{AUTHORIZATION, LOCATION};
use serde::Deserialize;
use serde_json::{Map, json};
use url::Url;

use super::{Plan, Report, clients};
use crate::oauth::{self, Pkce, REDIRECT_URI};
use crate::runner::{self, Flow, Recorder, Step, Which, Window};
use crate::stats::ErrorLog;

/// A client registered at the peer.
#[derive(Debug, Clone, Deserialize)]
struct PeerClient {
    client_id: String,
    client_secret: String,
}

/// A token answer (only the access token is kept).
#[derive(Debug, Deserialize)]
struct Token {
    access_token: String,
}

/// Registers the bench client at the peer (RFC 7591; the SDK answers `client_secret_post`).
async fn register(client: &Client, base: &Url) -> Result<PeerClient> {
    let body = json!({"client_name": "bench", "redirect_uris": [REDIRECT_URI]});
    let response = client
        .post(base.join("/register")?)
        .json(&body)
        .send()
        .await?;
    let response = oauth::checked(response, "POST /register").await?;
    response
        .json()
        .await
        .context("reading the peer's registration")
}

/// One code flow at the peer: its authorize answers at once with a code; then the exchange.
async fn flow(client: &Client, base: &Url, registered: &PeerClient) -> Result<Token> {
    let pkce = Pkce::generate()?;
    let mut authorize = base.join("/authorize")?;
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &registered.client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("code_challenge", &pkce.challenge)
        .append_pair("code_challenge_method", "S256");
    let response = client.get(authorize).send().await?;
    let response = oauth::checked(response, "GET /authorize").await?;
    let location = response
        .headers()
        .get(LOCATION)
        .context("no Location")?
        .to_str()?;
    let code = Url::parse(location)?
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .context("no code in the redirect")?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("code_verifier", &pkce.verifier),
        ("redirect_uri", REDIRECT_URI),
        ("client_id", &registered.client_id),
        ("client_secret", &registered.client_secret),
    ];
    let response = client.post(base.join("/token")?).form(&form).send().await?;
    let response = oauth::checked(response, "POST /token").await?;
    response.json().await.context("reading the peer's token")
}

/// What a peer worker repeats.
#[derive(Debug)]
enum Call {
    Flow(Arc<PeerClient>),
    Bearer(String),
}

/// One worker against the peer.
#[derive(Debug)]
struct PeerWorker {
    client: Client,
    base: Url,
    call: Call,
}

impl Step for PeerWorker {
    async fn step(&mut self, recorder: &mut Recorder) -> Flow {
        let started = Instant::now();
        let result = match &self.call {
            Call::Flow(registered) => flow(&self.client, &self.base, registered).await.map(drop),
            Call::Bearer(token) => whoami(&self.client, &self.base, token).await,
        };
        match result {
            Ok(()) => recorder.ok(Which::Primary, started.elapsed()),
            Err(e) => recorder.error(Which::Primary, &e),
        }
        Flow::Continue
    }
}

async fn whoami(client: &Client, base: &Url, token: &str) -> Result<()> {
    let response = client
        .get(base.join("/whoami")?)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await?;
    oauth::checked(response, "GET /whoami")
        .await?
        .bytes()
        .await?;
    Ok(())
}

/// Runs `peer-flow` (`bearer: false`) or `peer-bearer` against the peer at `base`.
pub async fn peer(base: &Url, bearer: bool, plan: &Plan) -> Result<Report> {
    let setup = oauth::http_client(4)?;
    let registered = Arc::new(register(&setup, base).await?);
    let token = flow(&setup, base, &registered).await?.access_token;
    let workers = clients(plan.concurrency)?
        .into_iter()
        .map(|client| PeerWorker {
            client,
            base: base.clone(),
            call: match bearer {
                true => Call::Bearer(token.clone()),
                false => Call::Flow(Arc::clone(&registered)),
            },
        })
        .collect();
    let log = Arc::new(ErrorLog::default());
    let window = Window::after_warmup(plan.warmup, plan.duration);
    let outcome = runner::run(workers, window, &log).await?;
    Ok(Report {
        scenario: if bearer { "peer-bearer" } else { "peer-flow" },
        unit: if bearer { "requests" } else { "flows" },
        main: outcome.primary.summary(outcome.elapsed),
        token_call: None,
        first_error: log.first(),
        extra: Map::new(),
    })
}
