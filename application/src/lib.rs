//! tessera's use cases and the ports they need.
//!
//! This crate sequences domain rules and repository calls. It must never depend on a web
//! framework, SQL or a template engine: those live behind the port traits in [`ports`].
//!
//! With the `fakes` feature (and in its own tests) it also offers in-memory fakes of every
//! port (`fakes`) and the contract tests (`contracts`) that hold the fakes and the real
//! adapters to the same behaviour.
#![deny(missing_docs)]

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
