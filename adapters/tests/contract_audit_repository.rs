//! The contract of `AuditRepository` on PostgreSQL.

#[path = "support/world.rs"]
mod world;

tessera_application::audit_repository_contract!(world::pg_world().await);
