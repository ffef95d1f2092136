//! PostgreSQL: the connection pool, migrations, and one repository per port.
//!
//! **Durability rule.** Every write commits synchronously (the WAL is flushed before the
//! caller hears "done"), except authorization codes, remembered approvals and rate-limit
//! counters: they are short-lived, and losing the last ones to a crash only means the person
//! authorizes again or a client gets a few more requests in that minute, so they commit with
//! `synchronous_commit = off` for that transaction alone. Tokens, refresh rotation,
//! revocation, registration and everything a person or an admin changes stay synchronous.

mod account_changes;
mod app_listing;
mod app_repository;
mod audit_filter;
mod audit_repository;
mod cimd_repository;
mod client_lookup;
mod code_insert;
mod connector;
mod embedded;
mod errors;
mod grant_redemption;
mod grant_repository;
mod housekeeping;
mod mcp_server_repository;
mod mcp_sessions;
mod migrate;
mod password_resets;
mod pipelined;
mod pool;
mod record_cache;
mod registration_repository;
mod retry;
mod revocation_listener;
mod session_repository;
mod signing_keys;
mod throttle_repository;
mod user_repository;
mod warm_up;

pub use app_repository::PgAppRepository;
pub use audit_repository::PgAuditRepository;
pub use cimd_repository::PgCimdRepository;
pub use embedded::{EmbeddedError, EmbeddedPostgres, StopOutcome};
pub use grant_repository::PgGrantRepository;
pub use housekeeping::sweep_expired;
pub use mcp_server_repository::PgMcpServerRepository;
pub use mcp_sessions::{McpSessionOwner, PgMcpSessionStore, StoredMcpSession};
pub use migrate::{latest_migration, migrate, schema_is_current};
pub use password_resets::PgPasswordResetRepository;
pub use pool::{Database, DatabaseError};
pub use record_cache::{CacheStats, RecordCache, SessionRecord};
pub use registration_repository::{PgRateLimitRepository, PgRegistrationRepository};
pub use revocation_listener::listen_for_revocations;
pub use session_repository::PgSessionRepository;
pub use signing_keys::{PgSigningKeys, SigningError};
pub use throttle_repository::PgThrottleRepository;
pub use user_repository::PgUserRepository;
