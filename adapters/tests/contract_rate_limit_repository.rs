//! The contract of `RateLimitRepository` on PostgreSQL.

#[path = "support/world.rs"]
mod world;

tessera_application::rate_limit_repository_contract!(world::pg_world().await);
