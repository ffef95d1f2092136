//! The contract of `Rng` on the system adapter.

#[path = "support/world.rs"]
mod world;

tessera_application::rng_contract!(world::pg_world().await);
