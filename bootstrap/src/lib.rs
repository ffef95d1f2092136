//! tessera's composition root: configuration, logging, wiring of adapters to use cases,
//! and the command line. The only crate that names every concrete type.

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
