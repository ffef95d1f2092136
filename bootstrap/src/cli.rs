//! The `tessera` command line (SPEC §1).

mod users;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::database::Store;
use crate::settings::load;
use crate::startup::Application;
use crate::telemetry;
use users::UsersCommand;

/// tessera: an OAuth 2.1 authorization server for MCP clients.
#[derive(Debug, Parser)]
#[command(name = "tessera", version, about)]
pub struct Cli {
    /// A TOML configuration file (also TESSERA_CONFIG).
    #[arg(long, global = true, env = "TESSERA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Migrate the database, then serve HTTP.
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Manage users.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Manage the keys that sign identity assertions for protected MCP servers.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Make a new active signing key; the old one stays published until its assertions expire.
    Rotate,
}

impl Cli {
    /// Runs the chosen command.
    pub async fn run(self) -> anyhow::Result<()> {
        let settings = load(self.config.as_deref(), std::env::vars())?;
        telemetry::init(settings.log.format);
        match self.command {
            Command::Serve => {
                Application::build(settings)
                    .await?
                    .run_until_stopped()
                    .await
            }
            Command::Migrate => {
                let store = Store::open(&settings).await?;
                let result = store.migrate().await;
                store.shutdown().await;
                result
            }
            Command::Users { command } => command.run(&settings).await,
            Command::Keys {
                command: KeysCommand::Rotate,
            } => crate::protected::rotate_keys(&settings).await,
        }
    }
}
