//! The contract of `AssertionSigner` on the signing keys in PostgreSQL.

#[path = "support/world.rs"]
mod world;

tessera_application::assertion_signer_contract!(world::pg_world().await);
