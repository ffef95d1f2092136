//! The PostgreSQL and system adapters as one world for the contract tests of
//! `tessera_application::contracts`: every repository on one fresh database, the real
//! clock, CSPRNG, argon2 hasher, signing keys and document fetcher.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // each test file uses a part

use tessera_adapters::cimd_fetcher::HttpMetadataFetcher;
use tessera_adapters::postgres::{
    Database, PgAppRepository, PgAuditRepository, PgCimdRepository, PgGrantRepository,
    PgMcpServerRepository, PgPasswordResetRepository, PgRateLimitRepository,
    PgRegistrationRepository, PgSessionRepository, PgSigningKeys, PgThrottleRepository,
    PgUserRepository,
};
use tessera_adapters::system::{Argon2PasswordHasher, OsRng, SystemClock};
use tessera_application::contracts::World;
use tessera_application::{Clock, Ports};

/// Every adapter a deployment on PostgreSQL uses, reading the time from `C` (the system
/// clock unless a test sets it).
pub struct PgPorts<C = SystemClock>(std::marker::PhantomData<fn() -> C>);

impl<C> std::fmt::Debug for PgPorts<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgPorts")
    }
}

impl<C: Clock + std::fmt::Debug + 'static> Ports for PgPorts<C> {
    type Apps = PgAppRepository;
    type Clients = PgAppRepository;
    type Grants = PgGrantRepository;
    type Registrations = PgRegistrationRepository;
    type RateLimits = PgRateLimitRepository;
    type Cimd = PgCimdRepository;
    type Fetcher = HttpMetadataFetcher;
    type Audit = PgAuditRepository;
    type McpServers = PgMcpServerRepository;
    type Signer = PgSigningKeys;
    type Users = PgUserRepository;
    type Sessions = PgSessionRepository;
    type Resets = PgPasswordResetRepository;
    type Throttle = PgThrottleRepository;
    type Hasher = Argon2PasswordHasher;
    type Clock = C;
    type Rng = OsRng;
}

/// Every adapter on a fresh, migrated database (the fetcher may fetch from loopback, so a
/// test can serve documents itself).
pub async fn pg_world() -> World<PgPorts> {
    let url = tessera_test_support::migrated_database().await;
    pg_world_on(Database::connect(&url, 4).unwrap()).await
}

/// Every adapter on `db` (a test that must see what one connection did opens a pool of one).
pub async fn pg_world_on(db: Database) -> World<PgPorts> {
    let signer = PgSigningKeys::new(db.clone(), None);
    signer.ensure_active(SystemClock.now()).await.unwrap();
    World {
        apps: PgAppRepository::new(db.clone()),
        clients: PgAppRepository::new(db.clone()),
        grants: PgGrantRepository::new(db.clone()),
        registrations: PgRegistrationRepository::new(db.clone()),
        cimd: PgCimdRepository::new(db.clone()),
        fetcher: HttpMetadataFetcher::new(true).unwrap(),
        rate_limits: PgRateLimitRepository::new(db.clone()),
        audit: PgAuditRepository::new(db.clone()),
        users: PgUserRepository::new(db.clone()),
        sessions: PgSessionRepository::new(db.clone()),
        resets: PgPasswordResetRepository::new(db.clone()),
        throttle: PgThrottleRepository::new(db.clone()),
        mcp_servers: PgMcpServerRepository::new(db.clone()),
        signer,
        hasher: Argon2PasswordHasher::for_tests().unwrap(),
        clock: SystemClock,
        rng: OsRng::default(),
    }
}
