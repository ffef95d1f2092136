//! The use cases wired to their adapters and to the server's clock (the CLI builds some too).

use actix_web::web;
use anyhow::Context;
use tessera_adapters::cimd_fetcher::HttpMetadataFetcher;
use tessera_adapters::http::TrustedProxies;
use tessera_adapters::mcp::{McpEndpoint, McpSettings, SessionLimits};
use tessera_adapters::postgres::{
    PgAppRepository, PgCimdRepository, PgGrantRepository, PgMcpSessionStore,
    PgPasswordResetRepository, PgRateLimitRepository, PgRegistrationRepository,
    PgSessionRepository, PgUserRepository,
};
use tessera_adapters::system::{OsRng, ServerClock};
use tessera_application::Ports;
use tessera_application::apps::AppService;
use tessera_application::oauth::{CimdPolicy, CimdResolver, OAuthService};
use tessera_application::people::{AccountService, PasswordPorts, PasswordService, UserService};
use tessera_application::registration::{RegistrationPolicy, RegistrationService};
use tessera_domain::{DomainPolicy, RateLimit, Resources};

use crate::database::Store;
use crate::settings::Settings;
use crate::startup::Production;

/// First-user requests per client IP and minute, across replicas: each can cost a password
/// hash without signing in.
const FIRST_USER_REQUESTS_PER_IP_PER_MINUTE: u32 = 10;

/// Builds the user use cases on a store (the CLI uses this too).
pub fn user_service(
    store: &Store,
    hasher: <Production as Ports>::Hasher,
    clock: &ServerClock,
) -> UserService<Production> {
    UserService::new(
        PgUserRepository::new(store.db.clone()),
        PgRateLimitRepository::new(store.db.clone()),
        hasher,
        clock.clone(),
        OsRng::default(),
        RateLimit::new(
            FIRST_USER_REQUESTS_PER_IP_PER_MINUTE,
            time::Duration::minutes(1),
        ),
    )
}

/// Builds the use cases of managing people on a store (the CLI uses this too).
pub fn account_service(
    store: &Store,
    hasher: <Production as Ports>::Hasher,
    clock: &ServerClock,
) -> AccountService<Production> {
    AccountService::new(
        PgUserRepository::new(store.db.clone()),
        PgPasswordResetRepository::new(store.db.clone()),
        hasher,
        clock.clone(),
        OsRng::default(),
    )
}

/// People's own passwords and sessions.
pub(crate) fn password_service(
    store: &Store,
    hasher: <Production as Ports>::Hasher,
    clock: &ServerClock,
) -> PasswordService<Production> {
    PasswordService::new(PasswordPorts {
        users: PgUserRepository::new(store.db.clone()),
        sessions: PgSessionRepository::new(store.db.clone()),
        resets: PgPasswordResetRepository::new(store.db.clone()),
        rate_limits: PgRateLimitRepository::new(store.db.clone()),
        hasher,
        clock: clock.clone(),
    })
}

/// Metadata documents never seen before fetched per host and minute, across replicas.
const CIMD_FETCHES_PER_HOST_PER_MINUTE: u32 = 30;
/// Fetches of one metadata document URL per minute, across replicas: a URL that failed is
/// not fetched again before the minute is over.
const CIMD_FETCHES_PER_URL_PER_MINUTE: u32 = 2;

/// The authorization code flow, with `tokens.*`, `cimd.*` and this server's resources.
pub(crate) fn oauth_service(
    settings: &Settings,
    store: &Store,
    clock: &ServerClock,
) -> anyhow::Result<OAuthService<Production>> {
    let c = &settings.cimd;
    let fetcher = HttpMetadataFetcher::new(c.insecure_allow_http_loopback)
        .context("building the metadata document client")?;
    let resolver = CimdResolver::new(
        PgCimdRepository::new(store.db.clone()),
        fetcher,
        PgRateLimitRepository::new(store.db.clone()),
        clock.clone(),
        CimdPolicy {
            enabled: c.enabled,
            allow_http_loopback: c.insecure_allow_http_loopback,
            domains: DomainPolicy::new(&c.allowed_domains, &c.denied_domains),
            fetch_rate: RateLimit::new(
                CIMD_FETCHES_PER_HOST_PER_MINUTE,
                time::Duration::minutes(1),
            ),
            url_fetch_rate: RateLimit::new(
                CIMD_FETCHES_PER_URL_PER_MINUTE,
                time::Duration::minutes(1),
            ),
            max_clients: i64::from(settings.registration.max_clients),
        },
    );
    Ok(OAuthService::new(
        PgAppRepository::new(store.db.clone()),
        PgGrantRepository::new(store.db.clone()),
        clock.clone(),
        OsRng::default(),
        settings.tokens.durations(),
        Resources::new(&settings.access_url),
    )
    .with_cimd(resolver)
    .with_protected_servers(tessera_adapters::postgres::PgMcpServerRepository::new(
        store.db.clone(),
    )))
}

/// The MCP endpoint, with `mcp.*`, its sessions stored in the database.
pub(crate) fn mcp_endpoint(
    settings: &Settings,
    store: &Store,
    oauth: web::Data<OAuthService<Production>>,
    apps: web::Data<AppService<Production>>,
    clock: &ServerClock,
) -> anyhow::Result<McpEndpoint<Production>> {
    let m = &settings.mcp;
    let idle_timeout = std::time::Duration::try_from(m.session_idle_timeout.get())
        .context("mcp.session_idle_timeout")?;
    let rows = PgMcpSessionStore::new(store.db.clone(), idle_timeout, clock.clone());
    let settings = McpSettings {
        access_url: settings.access_url.clone(),
        trusted_proxies: TrustedProxies::parse(&settings.http.trusted_proxies)
            .map_err(anyhow::Error::msg)?,
        limits: SessionLimits {
            idle_timeout,
            max_per_user: usize::try_from(m.max_sessions_per_user)?,
            max_total: usize::try_from(m.max_sessions)?,
        },
    };
    Ok(McpEndpoint::new(oauth, apps, rows, settings))
}

/// Dynamic registration, with `registration.*`.
pub(crate) fn registration_service(
    settings: &Settings,
    store: &Store,
    clock: &ServerClock,
) -> RegistrationService<Production> {
    let r = &settings.registration;
    RegistrationService::new(
        PgRegistrationRepository::new(store.db.clone()),
        PgRateLimitRepository::new(store.db.clone()),
        clock.clone(),
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
