//! The contract of `RegistrationRepository` on PostgreSQL.

#[path = "support/world.rs"]
mod world;

tessera_application::registration_repository_contract!(world::pg_world().await);
