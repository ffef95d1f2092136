//! tessera's adapters: the actix-web HTTP edge ([`http`]: pages, the JSON API and the OAuth
//! endpoints, with one bearer parser, one challenge builder and one error type), the MCP
//! endpoint ([`mcp`], which uses `http`'s parser and error type; `http` knows nothing of
//! `mcp`, and `bootstrap` mounts both), the PostgreSQL repositories and embedded database
//! ([`postgres`]), the relay to protected MCP servers, Tera pages, and the OS ([`system`]:
//! the clock, randomness and password hashing; nothing else reads the wall clock or makes
//! an id).
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
