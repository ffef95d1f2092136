//! The contract of `PasswordResetRepository` on PostgreSQL.

#[path = "support/world.rs"]
mod world;

tessera_application::password_reset_repository_contract!(world::pg_world().await);
