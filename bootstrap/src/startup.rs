//! The composition root: the adapters of a deployment ([`Production`]) and the
//! [`Application`] built from them, served until it is told to stop. The use cases are wired
//! in `wiring.rs` (with `services.rs`), the servers built in `servers.rs`, background work
//! lives in `background.rs` and the shutdown on signals in `shutdown.rs`.

use std::net::TcpListener;

use anyhow::Context;
use tessera_adapters::cimd_fetcher::HttpMetadataFetcher;
use tessera_adapters::http;
use tessera_adapters::postgres::{
    PgAppRepository, PgAuditRepository, PgCimdRepository, PgGrantRepository,
    PgPasswordResetRepository, PgRateLimitRepository, PgRegistrationRepository,
    PgSessionRepository, PgThrottleRepository, PgUserRepository,
};
use tessera_adapters::system::{Argon2PasswordHasher, OsRng, ServerClock};
use tessera_application::Ports;

use crate::background::sweep_periodically;
use crate::database::Store;
use crate::servers::{self, whole_seconds};
use crate::settings::Settings;
use crate::shutdown::{Shutdown, ShutdownHandle, forward_signals};
use crate::wiring::Wiring;

/// The adapters of a real deployment.
#[derive(Debug)]
pub struct Production;

impl Ports for Production {
    type Apps = PgAppRepository;
    type Clients = PgAppRepository;
    type Grants = PgGrantRepository;
    type Registrations = PgRegistrationRepository;
    type RateLimits = PgRateLimitRepository;
    type Cimd = PgCimdRepository;
    type Fetcher = HttpMetadataFetcher;
    type Audit = PgAuditRepository;
    type McpServers = tessera_adapters::postgres::PgMcpServerRepository;
    type Signer = tessera_adapters::postgres::PgSigningKeys;
    type Users = PgUserRepository;
    type Sessions = PgSessionRepository;
    type Resets = PgPasswordResetRepository;
    type Throttle = PgThrottleRepository;
    type Hasher = Argon2PasswordHasher;
    type Clock = ServerClock;
    type Rng = OsRng;
}

/// A built, bound, not yet running server: the public listener and the metrics listener.
pub struct Application {
    port: u16,
    metrics_port: u16,
    server: actix_web::dev::Server,
    metrics_server: actix_web::dev::Server,
    store: Store,
    shutdown: Shutdown,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .field("metrics_port", &self.metrics_port)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Binds `http.address` and `http.metrics_address`, opens the database and migrates.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.http.address).with_context(|| {
            format!("cannot listen on {} (http.address)", settings.http.address)
        })?;
        let hasher = <Production as Ports>::Hasher::new()?;
        Self::build_with_clock(settings, listener, hasher, ServerClock::system()).await
    }

    /// As [`Application::build`], on an already bound public listener, with a chosen hasher
    /// and clock: end-to-end tests bind port 0 first to learn `access_url`, use cheap hashing,
    /// and move a [`tessera_adapters::system::TestClock`] instead of sleeping. Only code can
    /// hand the server another clock; no setting can.
    pub async fn build_with_clock(
        settings: Settings,
        listener: TcpListener,
        hasher: <Production as Ports>::Hasher,
        clock: ServerClock,
    ) -> anyhow::Result<Self> {
        let metrics_address = settings.http.metrics_listen_address();
        let metrics_listener = TcpListener::bind(metrics_address).with_context(|| {
            format!("cannot listen on {metrics_address} (http.metrics_address)")
        })?;
        let mut store = Store::open(&settings).await?;
        store.migrate().await?;
        let warming = std::time::Instant::now();
        let connections = store.db.warm_up().await;
        let took_ms = warming.elapsed().as_millis();
        tracing::info!(
            connections,
            took_ms,
            "database connections opened and prepared"
        );
        store.listen_for_revocations();
        let wiring = Wiring::build(&settings, &store, hasher, &clock).await?;
        let port = listener.local_addr()?.port();
        let metrics_port = metrics_listener.local_addr()?.port();
        let (drain, draining) = http::drain_signal();
        let server = servers::public(
            listener,
            wiring.state,
            (wiring.relay, wiring.mcp.clone()),
            draining,
            &settings,
        )?;
        let metrics_server = servers::metrics(metrics_listener, wiring.metrics, &settings)?;
        let mcp = wiring.mcp;
        let shutdown = Shutdown::new(
            wiring.shutting_down,
            drain,
            vec![server.handle(), metrics_server.handle()],
            std::time::Duration::from_secs(whole_seconds(settings.http.shutdown_delay)),
        )
        // MCP GET streams never finish by themselves; its sessions forget them too.
        .on_drain(move || mcp.close_streams());
        tokio::spawn(sweep_periodically(
            store.db.clone(),
            wiring.registrations,
            clock,
        ));
        tracing::info!(port, metrics_port, access_url = %settings.access_url, "tessera is listening");
        Ok(Self {
            port,
            metrics_port,
            server,
            metrics_server,
            store,
            shutdown,
        })
    }

    /// The bound public port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The bound port of `GET /metrics`.
    pub fn metrics_port(&self) -> u16 {
        self.metrics_port
    }

    /// A handle that begins the shutdown as SIGTERM does (tests).
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.handle()
    }

    /// Serves until SIGTERM or SIGINT, then shuts down (see `shutdown.rs`) and lets go of the
    /// embedded database (if any).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        tokio::spawn(forward_signals(self.shutdown_handle()));
        self.run().await
    }

    /// Serves until the [`ShutdownHandle`] is used, then as [`Application::run_until_stopped`].
    pub async fn run(self) -> anyhow::Result<()> {
        let Self {
            server,
            metrics_server,
            store,
            shutdown,
            ..
        } = self;
        let sequence = tokio::spawn(shutdown.run());
        let (served, metrics_served) = tokio::join!(server, metrics_server);
        sequence.abort();
        store.shutdown().await;
        served.context("HTTP server")?;
        metrics_served.context("metrics server")
    }
}
