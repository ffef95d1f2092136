//! Contract tests: one behaviour of one port each, written once and run against every
//! implementation — the fakes here (`cargo test -p tessera-application`) and the
//! PostgreSQL and system adapters (`adapters/tests/contract_*.rs`). Each port's module
//! ends with a macro that stamps every test of that port as a `#[tokio::test]`, given an
//! expression that builds a [`World`]; both sides call it, so a test added here runs on
//! both. What the contracts pin is PostgreSQL's behaviour: a fake that differs is wrong.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests, not request paths

use crate::ports::Ports;

/// One implementation of every port, sharing state as one deployment does (one database).
#[derive(Debug)]
pub struct World<P: Ports> {
    /// See [`crate::ports::AppRepository`].
    pub apps: P::Apps,
    /// See [`crate::ports::ClientRepository`].
    pub clients: P::Clients,
    /// See [`crate::ports::GrantRepository`].
    pub grants: P::Grants,
    /// See [`crate::ports::RegistrationRepository`].
    pub registrations: P::Registrations,
    /// See [`crate::ports::CimdRepository`].
    pub cimd: P::Cimd,
    /// See [`crate::ports::MetadataFetcher`].
    pub fetcher: P::Fetcher,
    /// See [`crate::ports::RateLimitRepository`].
    pub rate_limits: P::RateLimits,
    /// See [`crate::ports::AuditRepository`].
    pub audit: P::Audit,
    /// See [`crate::ports::UserRepository`].
    pub users: P::Users,
    /// See [`crate::ports::SessionRepository`].
    pub sessions: P::Sessions,
    /// See [`crate::ports::PasswordResetRepository`].
    pub resets: P::Resets,
    /// See [`crate::ports::ThrottleRepository`].
    pub throttle: P::Throttle,
    /// See [`crate::ports::McpServerRepository`].
    pub mcp_servers: P::McpServers,
    /// See [`crate::ports::AssertionSigner`].
    pub signer: P::Signer,
    /// See [`crate::ports::PasswordHasher`].
    pub hasher: P::Hasher,
    /// See [`crate::Clock`].
    pub clock: P::Clock,
    /// See [`crate::Rng`].
    pub rng: P::Rng,
}

pub mod app_repository;
pub mod assertion_signer;
pub mod audit_repository;
pub mod cimd_repository;
pub mod client_repository;
pub mod clock;
pub mod fixtures;
pub mod grant_repository;
pub mod mcp_server_repository;
pub mod metadata_fetcher;
pub mod password_hasher;
pub mod password_reset_repository;
pub mod rate_limit_repository;
pub mod registration_repository;
pub mod rng;
pub mod session_repository;
pub mod throttle_repository;
pub mod user_repository;

/// Stamps `#[tokio::test]`s named after the contract tests of `$port` listed, each on a
/// fresh world from `$world` (an expression, awaited inside the test if it says so).
#[macro_export]
macro_rules! contract_tests {
    ($world:expr, $port:ident: $($test:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $test() {
                let world = $world;
                $crate::contracts::$port::$test(&world).await;
            }
        )+
    };
}

#[cfg(test)]
mod on_fakes;
