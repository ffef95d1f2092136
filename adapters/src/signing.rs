//! Identity assertions for protected MCP servers (SPEC §9): the compact JWTs tessera signs
//! with Ed25519, and the sealing of private keys at rest under `signing.key_file` (the keys
//! themselves live in PostgreSQL, see `postgres::PgSigningKeys`).
//!
//! Why `ring` and a small encoder rather than a JOSE crate: tessera signs exactly one token
//! shape (`alg: EdDSA`, fixed claims) and never verifies foreign JWTs, so the whole JOSE
//! surface a crate brings (algorithm negotiation, `none`, key-type confusion) would be code
//! we carry without using. `ring` is already tessera's crypto (hashes, AES-GCM for sealing),
//! its Ed25519 is the RFC 8032 one, and the encoder is fifty lines checked against RFC 8037's
//! own example and by verifying every token it writes.

pub(crate) mod jwt;
mod sealing;

pub use sealing::{Sealer, SealingError};
