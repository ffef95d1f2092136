//! tessera's use cases and the ports they need.
//!
//! This crate sequences domain rules and repository calls, one service per area ([`oauth`],
//! [`registration`], [`apps`], [`people`], [`mcp_servers`], [`audit`]); services that only
//! admins may use take an `Admin` capability, which only the authentication use cases mint.
//! It must never depend on a web framework, SQL or a template engine: those live behind the
//! port traits in [`ports`], bundled by [`Ports`]. Ids come from the [`Rng`] port and time
//! from the [`Clock`] port, never from the system directly. With the `fakes` feature it
//! exports an in-memory fake of each port, and contract tests, written once per port, hold
//! the fakes and the PostgreSQL adapters to the same behaviour.
#![deny(missing_docs)]

pub mod admin;
pub mod apps;
pub mod audit;
#[cfg(any(test, feature = "fakes"))]
pub mod contracts;
pub mod credentials;
#[cfg(any(test, feature = "fakes"))]
pub mod fakes;
pub mod mcp_servers;
pub mod oauth;
pub mod people;
pub mod ports;
pub mod registration;

pub use credentials::issue_credential;
pub use ports::{Clock, HashError, PasswordHasher, Ports, RepoError, Rng};
