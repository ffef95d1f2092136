//! Every use case wired to its adapters, gathered into what the routes need.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use actix_web::web;
use anyhow::Context;
use tessera_adapters::http::{HttpState, Metrics, Readiness, TrustedProxies, WebSettings};
use tessera_adapters::mcp::McpEndpoint;
use tessera_adapters::postgres::{
    PgAppRepository, PgAuditRepository, PgSessionRepository, PgThrottleRepository, PgUserRepository,
};
use tessera_adapters::relay::Relay;
use tessera_adapters::render::Pages;
use tessera_adapters::system::{OsRng, ServerClock};
use tessera_application::Ports;
use tessera_application::apps::AppService;
use tessera_application::audit::AuditService;
use tessera_application::people::{LoginThrottle, SessionService};
use tessera_application::registration::RegistrationService;

use crate::database::Store;
use crate::first_user::create_configured_first_user;
use crate::protected::mcp_server_service;
use crate::services::{
    account_service, mcp_endpoint, oauth_service, password_service, registration_service,
    user_service,
};
use crate::settings::{ConfigDuration, Settings};
use crate::startup::Production;

/// The wired server: the routes' state, and what the servers, the shutdown and the
/// background work hold on to beside it.
pub(crate) struct Wiring {
    /// Everything the routes need.
    pub(crate) state: HttpState<Production>,
    /// The MCP endpoint, whose event streams the drain ends.
    pub(crate) mcp: McpEndpoint<Production>,
    /// The relay to protected MCP servers at `/mcp/{slug}`.
    pub(crate) relay: Relay,
    /// Prometheus metrics, also served on their own listener.
    pub(crate) metrics: web::Data<Metrics>,
    /// Dynamic registration, whose unused clients the sweeper removes.
    pub(crate) registrations: web::Data<RegistrationService<Production>>,
    /// Set when the shutdown begins; `/readyz` answers 503 from then on.
    pub(crate) shutting_down: Arc<AtomicBool>,
}

impl Wiring {
    /// Builds every use case on `store` (creating the configured first admin on the way).
    pub(crate) async fn build(
        settings: &Settings,
        store: &Store,
        hasher: <Production as Ports>::Hasher,
        clock: &ServerClock,
    ) -> anyhow::Result<Self> {
        let users = user_service(store, hasher.clone(), clock);
        create_configured_first_user(settings, &users).await?;
        let hashing = hasher.health();
        let sessions = SessionService::<Production>::new(
            PgUserRepository::new(store.db.clone()),
            PgSessionRepository::new(store.db.clone()),
            PgThrottleRepository::new(store.db.clone()),
            hasher.clone(),
            clock.clone(),
            OsRng::default(),
            LoginThrottle::default(),
            settings.sessions.ttl.get(),
        );
        let registrations = web::Data::new(registration_service(settings, store, clock));
        let oauth = web::Data::new(oauth_service(settings, store, clock)?);
        let metrics = web::Data::new(
            Metrics::new(store.db.clone(), store.records.clone())
                .context("registering metrics")?
                .with_slow_request_log(positive(settings.log.slow_request)),
        );
        let apps = web::Data::new(AppService::new(
            PgAppRepository::new(store.db.clone()),
            clock.clone(),
            OsRng::default(),
        ));
        let mcp = mcp_endpoint(settings, store, oauth.clone(), apps.clone(), clock)?;
        let suspended = mcp.clone();
        store
            .records
            .on_suspended(move |user| suspended.end_sessions_of(user));
        let shutting_down = Arc::new(AtomicBool::new(false));
        let state = HttpState::<Production> {
            users: web::Data::new(users),
            sessions: web::Data::new(sessions),
            accounts: web::Data::new(account_service(store, hasher.clone(), clock)),
            passwords: web::Data::new(password_service(store, hasher, clock)),
            apps,
            audit: web::Data::new(AuditService::new(PgAuditRepository::new(store.db.clone()))),
            oauth,
            registrations: registrations.clone(),
            mcp_servers: web::Data::new(mcp_server_service(settings, store, clock).await?),
            metrics: metrics.clone(),
            pages: web::Data::new(Pages::new().context("compiling templates")?),
            settings: web::Data::new(web_settings(settings)?),
            readiness: web::Data::new(Readiness::new(
                store.db.clone(),
                hashing,
                shutting_down.clone(),
            )),
            rng: web::Data::new(OsRng::default()),
        };
        Ok(Self {
            state,
            mcp,
            relay: Relay::new(&settings.access_url).context("building the relay's HTTP client")?,
            metrics,
            registrations,
            shutting_down,
        })
    }
}

/// The settings the HTTP adapter reads itself.
fn web_settings(settings: &Settings) -> anyhow::Result<WebSettings> {
    Ok(WebSettings {
        access_url: settings.access_url.clone(),
        secure_cookies: settings.https(),
        trusted_proxies: TrustedProxies::parse(&settings.http.trusted_proxies)
            .map_err(anyhow::Error::msg)?,
        registration_enabled: settings.registration.enabled,
    })
}

/// `d` as a std duration, or `None` when it is zero (the setting turns something off).
fn positive(d: ConfigDuration) -> Option<std::time::Duration> {
    std::time::Duration::try_from(d.get())
        .ok()
        .filter(|d| !d.is_zero())
}
