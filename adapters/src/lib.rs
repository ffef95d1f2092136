//! tessera's adapters: the actix-web HTTP edge, the PostgreSQL repositories and embedded
//! database, Tera pages, and the OS (clock, randomness, password hashing).
//!
//! Adapters depend on `application` and `domain`, never the other way round, and never on
//! `bootstrap`: which adapters are used together is decided in the composition root.

pub mod cimd_fetcher;
pub mod http;
pub mod mcp;
mod metadata_json;
pub mod postgres;
pub mod relay;
pub mod render;
pub mod signing;
pub mod system;
pub mod timing;
