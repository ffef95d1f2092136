//! The contract of `ThrottleRepository` on PostgreSQL.

#[path = "support/world.rs"]
mod world;

tessera_application::throttle_repository_contract!(world::pg_world().await);
