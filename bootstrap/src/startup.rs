//! The composition root: the only place that names every concrete adapter.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use tessera_adapters::cimd_fetcher::HttpMetadataFetcher;
use tessera_adapters::http::{self, HttpState, Metrics, Readiness, TrustedProxies, WebSettings};
use tessera_adapters::mcp::McpEndpoint;
use tessera_adapters::postgres::{
    PgAppRepository, PgAuditRepository, PgCimdRepository, PgGrantRepository, PgMcpSessionStore,
    PgRateLimitRepository, PgRegistrationRepository, PgSessionRepository, PgThrottleRepository,
    PgUserRepository,
};
use tessera_adapters::render::Pages;
use tessera_adapters::system::{Argon2PasswordHasher, OsRng, SystemClock};
use tessera_application::Ports;
use tessera_application::apps::AppService;
use tessera_application::oauth::{CimdPolicy, CimdResolver, OAuthService, TokenPolicy};
use tessera_application::people::{
    CreateUserError, LoginThrottle, NewUserInput, SessionService, UserService,
};
use tessera_application::registration::{RegistrationPolicy, RegistrationService};
use tessera_domain::{DomainPolicy, Email, Password, RateLimit, Resources, Username};

use crate::database::Store;
use crate::settings::Settings;

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
    type Throttle = PgThrottleRepository;
    type Hasher = Argon2PasswordHasher;
    type Clock = SystemClock;
    type Rng = OsRng;
}

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    store: Store,
    shutting_down: Arc<AtomicBool>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// Builds the user use cases on a store (the CLI uses this too).
pub fn user_service(store: &Store, hasher: Argon2PasswordHasher) -> UserService<Production> {
    UserService::new(PgUserRepository::new(store.db.clone()), hasher, SystemClock)
}

/// Metadata documents fetched per host and minute, across replicas.
const CIMD_FETCHES_PER_HOST_PER_MINUTE: u32 = 30;

/// The authorization code flow, with `tokens.*`, `cimd.*` and this server's resources.
fn oauth_service(settings: &Settings, store: &Store) -> anyhow::Result<OAuthService<Production>> {
    let t = &settings.tokens;
    let c = &settings.cimd;
    let fetcher = HttpMetadataFetcher::new(c.insecure_allow_http_loopback)
        .context("building the metadata document client")?;
    let resolver = CimdResolver::new(
        PgCimdRepository::new(store.db.clone()),
        fetcher,
        PgRateLimitRepository::new(store.db.clone()),
        SystemClock,
        CimdPolicy {
            enabled: c.enabled,
            allow_http_loopback: c.insecure_allow_http_loopback,
            domains: DomainPolicy::new(&c.allowed_domains, &c.denied_domains),
            fetch_rate: RateLimit::new(
                CIMD_FETCHES_PER_HOST_PER_MINUTE,
                time::Duration::minutes(1),
            ),
        },
    );
    Ok(OAuthService::new(
        PgAppRepository::new(store.db.clone()),
        PgGrantRepository::new(store.db.clone()).with_token_cache(store.tokens.clone()),
        SystemClock,
        OsRng::default(),
        TokenPolicy {
            access_ttl: t.access_ttl.get(),
            refresh_ttl: t.refresh_ttl.get(),
            code_ttl: t.code_ttl.get(),
            refresh_reuse_grace: t.refresh_reuse_grace.get(),
        },
        Resources::new(&settings.access_url),
    )
    .with_cimd(resolver)
    .with_protected_servers(tessera_adapters::postgres::PgMcpServerRepository::new(
        store.db.clone(),
    )))
}

/// Dynamic registration, with `registration.*`.
fn registration_service(settings: &Settings, store: &Store) -> RegistrationService<Production> {
    let r = &settings.registration;
    RegistrationService::new(
        PgRegistrationRepository::new(store.db.clone()),
        PgRateLimitRepository::new(store.db.clone()),
        SystemClock,
        OsRng::default(),
        RegistrationPolicy {
            rate_limit: RateLimit::new(
                r.rate_limit.count,
                time::Duration::seconds(i64::from(r.rate_limit.window_seconds)),
            ),
            max_clients: i64::from(r.max_clients),
            unused_client_ttl: r.unused_client_ttl.get(),
        },
    )
}

impl Application {
    /// Opens the database, migrates, and binds `http.address`.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.http.address).with_context(|| {
            format!("cannot listen on {} (http.address)", settings.http.address)
        })?;
        Self::build_with_listener(settings, listener, Argon2PasswordHasher::new()?).await
    }

    /// As [`Application::build`], on an already bound listener and with a chosen hasher
    /// (tests bind port 0 first to learn `access_url`, and use cheap hashing).
    pub async fn build_with_listener(
        settings: Settings,
        listener: TcpListener,
        hasher: Argon2PasswordHasher,
    ) -> anyhow::Result<Self> {
        let mut store = Store::open(&settings).await?;
        store.migrate().await?;
        store.listen_for_revocations();
        let users = user_service(&store, hasher.clone());
        create_configured_first_user(&settings, &users).await?;
        let sessions = SessionService::<Production>::new(
            PgUserRepository::new(store.db.clone()),
            PgSessionRepository::new(store.db.clone()),
            PgThrottleRepository::new(store.db.clone()),
            hasher,
            SystemClock,
            OsRng::default(),
            LoginThrottle::default(),
            settings.sessions.ttl.get(),
        );
        let shutting_down = Arc::new(AtomicBool::new(false));
        let registrations = web::Data::new(registration_service(&settings, &store));
        let oauth = web::Data::new(oauth_service(&settings, &store)?);
        let mcp_servers =
            web::Data::new(crate::protected::mcp_server_service(&settings, &store).await?);
        let metrics = web::Data::new(
            Metrics::new(store.db.clone(), store.tokens.clone()).context("registering metrics")?,
        );
        let apps = web::Data::new(AppService::new(
            PgAppRepository::new(store.db.clone()),
            PgAuditRepository::new(store.db.clone()),
            SystemClock,
            OsRng::default(),
        ));
        let state = HttpState::<Production> {
            users: web::Data::new(users),
            sessions: web::Data::new(sessions),
            apps: apps.clone(),
            mcp: McpEndpoint::new(
                oauth.clone(),
                apps.clone(),
                PgMcpSessionStore::new(store.db.clone()),
                &settings.access_url,
            ),
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
            readiness: web::Data::new(Readiness::new(store.db.clone(), shutting_down.clone())),
            rng: web::Data::new(OsRng::default()),
        };
        let port = listener.local_addr()?.port();
        let server = HttpServer::new(move || {
            let metrics = metrics.clone();
            App::new()
                .wrap(http::default_headers())
                .wrap(actix_web::middleware::from_fn(move |req, next| {
                    http::observe_metrics(metrics.clone(), req, next)
                }))
                .wrap(actix_web::middleware::from_fn(http::with_request_id))
                .configure(http::routes(state.clone()))
        })
        // Streamed replies (MCP over SSE) must not wait for Nagle and delayed ACKs (~40 ms each).
        .tcp_nodelay(true)
        .listen(listener)?
        .disable_signals()
        .shutdown_timeout(25)
        .run();
        tokio::spawn(sweep_periodically(store.db.clone(), registrations));
        tracing::info!(port, access_url = %settings.access_url, "tessera is listening");
        Ok(Self {
            port,
            server,
            store,
            shutting_down,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server gracefully (tests; the signal handler uses the same).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or SIGINT: `/readyz` turns 503 at once, requests in flight
    /// finish, then the embedded database (if any) stops.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let flag = self.shutting_down.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutting down: finishing requests in flight");
            flag.store(true, Ordering::SeqCst);
            handle.stop(true).await;
        });
        let result = self.server.await;
        self.store.shutdown().await;
        result.context("HTTP server")
    }
}

/// Every 10 minutes (and once at start-up): expired rows and unused registered clients go.
/// Plain `DELETE`s, so every replica runs it.
async fn sweep_periodically(
    db: tessera_adapters::postgres::Database,
    registrations: web::Data<RegistrationService<Production>>,
) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        match registrations.expire_unused().await {
            Ok(0) => {}
            Ok(removed) => {
                tracing::info!(removed, "deleted registered clients that were never used")
            }
            Err(e) => tracing::warn!(error = %e, "expiring unused registered clients"),
        }
        match tessera_adapters::postgres::sweep_expired(&db, time::OffsetDateTime::now_utc()).await
        {
            Ok(removed) => tracing::debug!(removed, "swept expired rows"),
            Err(e) => tracing::warn!(error = %e, "sweeping expired rows"),
        }
    }
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

async fn create_configured_first_user(
    settings: &Settings,
    users: &UserService<Production>,
) -> anyhow::Result<()> {
    let (Some(email), Some(password)) = (&settings.first_user.email, &settings.first_user.password)
    else {
        return Ok(());
    };
    let email = Email::parse(email)
        .map_err(|e| anyhow::anyhow!("invalid value for `first_user.email`: {e}"))?;
    let username = Username::parse(
        &email
            .as_str()
            .split('@')
            .next()
            .unwrap_or("admin")
            .replace(['.', '_', '+'], "-"),
    )
    .or_else(|_| Username::parse("admin"))
    .map_err(|e| anyhow::anyhow!("deriving a username for `first_user.email`: {e}"))?;
    let password = Password::parse(password.clone())
        .map_err(|e| anyhow::anyhow!("invalid value for `first_user.password`: {e}"))?;
    match users
        .create_first_user(NewUserInput {
            email,
            username,
            password,
            admin: true,
        })
        .await
    {
        Ok(user) => {
            tracing::info!(
                username = user.username.as_str(),
                "created the first user from configuration"
            );
            Ok(())
        }
        Err(CreateUserError::AlreadySetUp) => Ok(()),
        Err(e) => Err(anyhow::anyhow!("creating first_user: {e}")),
    }
}
