//! tessera's composition root: configuration ([`settings`]), logging ([`telemetry`]), the
//! wiring of adapters to use cases (`wiring.rs`, [`services`]), the servers and the routes
//! they mount (`servers.rs`), background work (`background.rs`), the shutdown on signals
//! ([`shutdown`]), the [`Application`] that ties them together ([`startup`]), and the
//! command line ([`cli`]). The only crate that names every concrete type; nothing depends on
//! it.

mod background;
pub mod cli;
pub mod database;
mod first_user;
pub mod protected;
mod servers;
pub mod services;
pub mod settings;
pub mod shutdown;
pub mod startup;
pub mod telemetry;
mod wiring;

pub use settings::Settings;
pub use shutdown::ShutdownHandle;
pub use startup::Application;
