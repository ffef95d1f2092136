//! The `tessera` binary.

use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    match tessera_bootstrap::cli::Cli::parse().run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tessera: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
