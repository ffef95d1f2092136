//! The contract of `Clock` on the system adapter.

#[path = "support/world.rs"]
mod world;

tessera_application::clock_contract!(world::pg_world().await);
