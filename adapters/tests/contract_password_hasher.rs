//! The contract of `PasswordHasher` on the system adapter.

#[path = "support/world.rs"]
mod world;

tessera_application::password_hasher_contract!(world::pg_world().await);
