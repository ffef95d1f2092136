//! The `tessera` command line (SPEC §1).

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tessera_adapters::system::Argon2PasswordHasher;
use tessera_application::people::NewUserInput;
use tessera_domain::{Email, Password, SecretString, Username};

use crate::database::Store;
use crate::settings::{Settings, load};
use crate::startup::{Application, user_service};
use crate::telemetry;

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

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Create a user; the password comes from --password-stdin or a prompt.
    Create {
        /// Their email.
        #[arg(long)]
        email: String,
        /// Their username.
        #[arg(long)]
        username: String,
        /// Make them an administrator.
        #[arg(long)]
        admin: bool,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
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
            Command::Users {
                command:
                    UsersCommand::Create {
                        email,
                        username,
                        admin,
                        password_stdin,
                    },
            } => create_user(&settings, &email, &username, admin, password_stdin).await,
            Command::Keys {
                command: KeysCommand::Rotate,
            } => crate::protected::rotate_keys(&settings).await,
        }
    }
}

async fn create_user(
    settings: &Settings,
    email: &str,
    username: &str,
    admin: bool,
    stdin: bool,
) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let username = Username::parse(username).map_err(|e| anyhow::anyhow!("--username: {e}"))?;
    let password = read_password(stdin)?;
    let password = Password::parse(password).map_err(|e| anyhow::anyhow!("password: {e}"))?;
    let store = Store::open(settings).await?;
    let result = async {
        store.migrate().await?;
        let users = user_service(&store, Argon2PasswordHasher::new()?);
        let user = users
            .create_user(NewUserInput {
                email,
                username,
                password,
                admin,
            })
            .await?;
        println!(
            "created user {} ({}){}",
            user.username.as_str(),
            user.id.as_uuid(),
            if admin { ", admin" } else { "" }
        );
        anyhow::Ok(())
    }
    .await;
    store.shutdown().await;
    result
}

fn read_password(from_stdin: bool) -> anyhow::Result<SecretString> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        return Ok(SecretString::new(
            line.trim_end_matches(['\r', '\n']).to_owned(),
        ));
    }
    let first = rpassword::prompt_password("Password: ")
        .context("reading the password (use --password-stdin when not at a terminal)")?;
    let again = rpassword::prompt_password("Password again: ").context("reading the password")?;
    if first != again {
        anyhow::bail!("the passwords do not match");
    }
    Ok(SecretString::new(first))
}
