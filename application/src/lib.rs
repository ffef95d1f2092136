//! tessera's use cases and the ports they need.
//!
//! This crate sequences domain rules and repository calls. It must never depend on a web
//! framework, SQL or a template engine: those live behind the port traits in [`ports`].
#![deny(missing_docs)]

pub mod admin;
pub mod apps;
pub mod audit;
pub mod credentials;
#[cfg(test)]
pub(crate) mod fakes;
pub mod mcp_servers;
pub mod oauth;
pub mod people;
pub mod ports;
pub mod registration;

pub use credentials::issue_credential;
pub use ports::{Clock, HashError, PasswordHasher, Ports, RepoError, Rng};
