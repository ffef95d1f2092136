//! tessera's composition root: configuration, logging, wiring of adapters to use cases,
//! and the command line. The only crate that names every concrete type.

pub mod cli;
pub mod database;
pub mod protected;
pub mod settings;
pub mod startup;
pub mod telemetry;

pub use settings::Settings;
pub use startup::Application;
