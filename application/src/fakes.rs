//! In-memory fakes of every port, one file per port, for tests of the use cases here and of
//! the handlers in the adapters (enabled there by this crate's `fakes` feature). The
//! contract tests in [`crate::contracts`] hold each fake to the behaviour of its PostgreSQL
//! twin.
//!
//! Fakes of ports that PostgreSQL keeps in related tables share state the same way: users,
//! sessions and reset links are one store ([`FakeUsers::sessions`], [`FakeUsers::resets`]);
//! grants see their people and clients ([`FakeGrants::linked`]); apps see their clients and
//! grants ([`FakeApps::linked`]). [`fake_world`] wires every fake together.

use std::sync::{Mutex, MutexGuard, PoisonError};

mod app_repository;
mod assertion_signer;
mod audit_repository;
mod cimd_repository;
mod client_repository;
mod clock;
mod grant_repository;
mod mcp_server_repository;
mod metadata_fetcher;
mod password_hasher;
mod password_reset_repository;
mod people;
mod rate_limit_repository;
mod registration_repository;
mod rng;
#[cfg(test)]
mod services;
mod session_repository;
mod throttle_repository;
mod user_repository;

pub use app_repository::FakeApps;
pub use assertion_signer::FakeSigner;
pub use audit_repository::FakeAudit;
pub use cimd_repository::FakeCimd;
pub use client_repository::FakeClients;
pub use clock::FakeClock;
pub use grant_repository::{FakeGrants, credential};
pub use mcp_server_repository::FakeMcpServers;
pub use metadata_fetcher::FakeFetcher;
pub use password_hasher::FakeHasher;
pub use password_reset_repository::FakeResets;
pub use rate_limit_repository::FakeRateLimits;
pub use registration_repository::FakeRegistrations;
pub use rng::CountingRng;
pub(crate) use rng::next_id;
#[cfg(test)]
pub use services::*;
pub use session_repository::FakeSessions;
pub use throttle_repository::FakeThrottle;
pub use user_repository::FakeUsers;

use crate::contracts::World;
use crate::ports::*;

/// Every fake, as the one deployment the use cases and handlers are tested on.
#[derive(Debug)]
pub struct FakePorts;

impl Ports for FakePorts {
    type Apps = FakeApps;
    type Clients = FakeClients;
    type Registrations = FakeRegistrations;
    type RateLimits = FakeRateLimits;
    type Cimd = FakeCimd;
    type Fetcher = FakeFetcher;
    type Grants = FakeGrants;
    type Audit = FakeAudit;
    type McpServers = FakeMcpServers;
    type Signer = FakeSigner;
    type Users = FakeUsers;
    type Sessions = FakeSessions;
    type Resets = FakeResets;
    type Throttle = FakeThrottle;
    type Hasher = FakeHasher;
    type Clock = FakeClock;
    type Rng = CountingRng;
}

/// Every fake, sharing state where PostgreSQL's tables do: one audit log, one set of
/// people, clients seen by apps, grants and cached documents alike.
pub fn fake_world() -> World<FakePorts> {
    let audit = FakeAudit::default();
    let users = FakeUsers::recording_to(&audit);
    let clients = FakeClients::default();
    let grants = FakeGrants::linked(&users, &clients, &audit);
    let registrations = FakeRegistrations::linked(&clients, &audit);
    World {
        apps: FakeApps::linked(&grants),
        cimd: FakeCimd::sharing(&clients),
        clients,
        registrations,
        fetcher: FakeFetcher::default(),
        rate_limits: FakeRateLimits::default(),
        sessions: users.sessions(),
        resets: users.resets(),
        throttle: FakeThrottle::default(),
        mcp_servers: FakeMcpServers::linked(&grants),
        signer: FakeSigner::default(),
        hasher: FakeHasher::default(),
        clock: FakeClock::default(),
        rng: CountingRng::default(),
        grants,
        users,
        audit,
    }
}

/// Locks a fake's state. A test that panicked while holding the lock has failed already, so
/// the state is used as it was left.
fn lock<T>(state: &Mutex<T>) -> MutexGuard<'_, T> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}
