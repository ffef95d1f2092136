//! The composition root: the only place that names every concrete adapter.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use tessera_adapters::cimd_fetcher::HttpMetadataFetcher;
use tessera_adapters::http::{self, HttpState, Metrics, Readiness, TrustedProxies, WebSettings};
use tessera_adapters::postgres::{
    PgAppRepository, PgAuditRepository, PgCimdRepository, PgGrantRepository,
    PgPasswordResetRepository, PgRateLimitRepository, PgRegistrationRepository,
    PgSessionRepository, PgThrottleRepository, PgUserRepository,
};
use tessera_adapters::render::Pages;
use tessera_adapters::system::{Argon2PasswordHasher, OsRng, ServerClock};
use tessera_application::Ports;
use tessera_application::apps::AppService;
use tessera_application::audit::AuditService;
use tessera_application::people::{LoginThrottle, SessionService};

use crate::background::sweep_periodically;
use crate::database::Store;
use crate::first_user::create_configured_first_user;
use crate::services::{
    account_service, mcp_endpoint, oauth_service, password_service, registration_service,
    user_service,
};
use crate::settings::{ConfigDuration, Settings};
use crate::shutdown::{Shutdown, ShutdownHandle, forward_signals};

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
        let hasher = Argon2PasswordHasher::new()?;
        Self::build_with_clock(settings, listener, hasher, ServerClock::system()).await
    }

    /// As [`Application::build`], on an already bound public listener, with a chosen hasher
    /// and clock: end-to-end tests bind port 0 first to learn `access_url`, use cheap hashing,
    /// and move a [`tessera_adapters::system::TestClock`] instead of sleeping. Only code can
    /// hand the server another clock; no setting can.
    pub async fn build_with_clock(
        settings: Settings,
        listener: TcpListener,
        hasher: Argon2PasswordHasher,
        clock: ServerClock,
    ) -> anyhow::Result<Self> {
        let metrics_address = settings.http.metrics_listen_address();
        let metrics_listener = TcpListener::bind(metrics_address).with_context(|| {
            format!("cannot listen on {metrics_address} (http.metrics_address)")
        })?;
        let mut store = Store::open(&settings).await?;
        store.migrate().await?;
        store.listen_for_revocations();
        let users = user_service(&store, hasher.clone(), &clock);
        create_configured_first_user(&settings, &users).await?;
        let hashing = hasher.health();
        let accounts = web::Data::new(account_service(&store, hasher.clone(), &clock));
        let passwords = web::Data::new(password_service(&store, hasher.clone(), &clock));
        let sessions = SessionService::<Production>::new(
            PgUserRepository::new(store.db.clone()),
            PgSessionRepository::new(store.db.clone()),
            PgThrottleRepository::new(store.db.clone()),
            hasher,
            clock.clone(),
            OsRng::default(),
            LoginThrottle::default(),
            settings.sessions.ttl.get(),
        );
        let shutting_down = Arc::new(AtomicBool::new(false));
        let registrations = web::Data::new(registration_service(&settings, &store, &clock));
        let oauth = web::Data::new(oauth_service(&settings, &store, &clock)?);
        let mcp_servers =
            web::Data::new(crate::protected::mcp_server_service(&settings, &store, &clock).await?);
        let metrics = web::Data::new(
            Metrics::new(store.db.clone(), store.tokens.clone())
                .context("registering metrics")?
                .with_slow_request_log(positive(settings.log.slow_request)),
        );
        let apps = web::Data::new(AppService::new(
            PgAppRepository::new(store.db.clone()),
            clock.clone(),
            OsRng::default(),
        ));
        let mcp = mcp_endpoint(&settings, &store, oauth.clone(), apps.clone(), &clock)?;
        let suspended = mcp.clone();
        store
            .tokens
            .on_suspended(move |user| suspended.end_sessions_of(user));
        let state = HttpState::<Production> {
            users: web::Data::new(users),
            sessions: web::Data::new(sessions),
            accounts,
            passwords,
            apps: apps.clone(),
            audit: web::Data::new(AuditService::new(PgAuditRepository::new(store.db.clone()))),
            oauth,
            registrations: registrations.clone(),
            mcp_servers,
            relay: tessera_adapters::relay::Relay::new(&settings.access_url)
                .context("building the relay's HTTP client")?,
            metrics: metrics.clone(),
            pages: web::Data::new(Pages::new().context("compiling templates")?),
            settings: web::Data::new(WebSettings {
                access_url: settings.access_url.clone(),
                secure_cookies: settings.https(),
                trusted_proxies: TrustedProxies::parse(&settings.http.trusted_proxies)
                    .map_err(anyhow::Error::msg)?,
                registration_enabled: settings.registration.enabled,
                cimd_enabled: settings.cimd.enabled,
            }),
            readiness: web::Data::new(Readiness::new(
                store.db.clone(),
                hashing,
                shutting_down.clone(),
            )),
            rng: web::Data::new(OsRng::default()),
        };
        let port = listener.local_addr()?.port();
        let metrics_port = metrics_listener.local_addr()?.port();
        let (drain, draining) = http::drain_signal();
        let public_metrics = metrics.clone();
        let endpoint = mcp.clone();
        let server = HttpServer::new(move || {
            let metrics = public_metrics.clone();
            let endpoint = endpoint.clone();
            let draining = draining.clone();
            App::new()
                .wrap(from_fn(move |req, next| {
                    http::end_event_streams_on_drain(draining.clone(), req, next)
                }))
                .wrap(from_fn(http::time_out_bodies))
                .wrap(http::default_headers())
                .wrap(from_fn(move |req, next| {
                    http::observe_metrics(metrics.clone(), req, next)
                }))
                .wrap(from_fn(http::with_request_id))
                .configure(http::routes(state.clone()))
                .configure(|cfg| endpoint.mount(cfg))
        })
        // Streamed replies (MCP over SSE) must not wait for Nagle and delayed ACKs (~40 ms each).
        .tcp_nodelay(true)
        .listen(listener)?
        .disable_signals()
        .shutdown_timeout(whole_seconds(settings.http.shutdown_timeout))
        .run();
        let metrics_server = HttpServer::new(move || {
            App::new()
                .wrap(http::default_headers())
                .configure(http::metrics_routes(metrics.clone()))
        })
        .workers(1)
        .listen(metrics_listener)?
        .disable_signals()
        .shutdown_timeout(whole_seconds(settings.http.shutdown_timeout))
        .run();
        let shutdown = Shutdown::new(
            shutting_down,
            drain,
            vec![server.handle(), metrics_server.handle()],
            std::time::Duration::from_secs(whole_seconds(settings.http.shutdown_delay)),
        )
        // MCP GET streams never finish by themselves; its sessions forget them too.
        .on_drain(move || mcp.close_streams());
        tokio::spawn(sweep_periodically(
            store.db.clone(),
            registrations,
            clock.clone(),
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

/// A configured duration in whole seconds, as actix-web takes them.
fn whole_seconds(duration: ConfigDuration) -> u64 {
    duration.get().whole_seconds().unsigned_abs()
}

/// `d` as a std duration, or `None` when it is zero (the setting turns something off).
fn positive(d: crate::settings::ConfigDuration) -> Option<std::time::Duration> {
    std::time::Duration::try_from(d.get())
        .ok()
        .filter(|d| !d.is_zero())
}
