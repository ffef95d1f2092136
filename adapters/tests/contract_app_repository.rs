//! The contract of `AppRepository` on PostgreSQL.

#[path = "support/world.rs"]
mod world;

tessera_application::app_repository_contract!(world::pg_world().await);
