//! `tessera users …`: managing people from the server's command line (SPEC §1, §2). The
//! command line holds the database credentials, so it needs no account; the domain's rules
//! still apply (never fewer than one active admin), and the audit log names it.

use std::io::BufRead;

use anyhow::Context;
use clap::Subcommand;
use tessera_adapters::system::ServerClock;
use tessera_application::Ports;
use tessera_application::admin::console_operator;
use tessera_application::people::{AccountService, NewUserInput};
use tessera_domain::{
    Account, AccountChange, AccountQuery, Email, Password, SecretString, Username,
};

use crate::database::Store;
use crate::services::account_service;
use crate::settings::Settings;
use crate::startup::Production;

/// `tessera users …`.
#[derive(Debug, Subcommand)]
pub(crate) enum UsersCommand {
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
    /// List people, oldest first, optionally those whose email or username contains TEXT.
    List {
        /// Text to look for in emails and usernames (any case).
        #[arg(long)]
        search: Option<String>,
        /// How many to show (1–100).
        #[arg(long, default_value_t = 100)]
        limit: i64,
        /// How many to skip.
        #[arg(long, default_value_t = 0)]
        offset: i64,
    },
    /// Suspend someone: their sessions and tokens stop at once, and they cannot sign in.
    Suspend {
        /// Their email.
        #[arg(long)]
        email: String,
    },
    /// Let a suspended person sign in again (their old sessions and tokens stay ended).
    Unsuspend {
        /// Their email.
        #[arg(long)]
        email: String,
    },
    /// Make someone an administrator, or with --remove an ordinary person again.
    SetAdmin {
        /// Their email.
        #[arg(long)]
        email: String,
        /// Remove the role instead (never from the last active admin).
        #[arg(long)]
        remove: bool,
    },
    /// Print a one-time link (valid for an hour) with which they choose a new password.
    ResetPassword {
        /// Their email.
        #[arg(long)]
        email: String,
    },
}

impl UsersCommand {
    /// Runs the command against the configured database (migrating it first).
    pub(crate) async fn run(self, settings: &Settings) -> anyhow::Result<()> {
        let store = Store::open(settings).await?;
        let result = async {
            store.migrate().await?;
            let hasher = <Production as Ports>::Hasher::new()?;
            let accounts = account_service(&store, hasher, &ServerClock::system());
            self.run_with(&accounts, &settings.access_url).await
        }
        .await;
        store.shutdown().await;
        result
    }

    async fn run_with(
        self,
        accounts: &AccountService<Production>,
        access_url: &str,
    ) -> anyhow::Result<()> {
        let console = console_operator();
        let change = |email: String, change| apply(accounts, email, change);
        match self {
            Self::Create {
                email,
                username,
                admin,
                password_stdin,
            } => {
                let email = parse_email(&email)?;
                let username =
                    Username::parse(&username).map_err(|e| anyhow::anyhow!("--username: {e}"))?;
                let password = read_password(password_stdin)?;
                let password =
                    Password::parse(password).map_err(|e| anyhow::anyhow!("password: {e}"))?;
                let input = NewUserInput {
                    email,
                    username,
                    password,
                    admin,
                };
                let user = accounts.create_account(&console, input).await?;
                println!(
                    "created user {} ({}){}",
                    user.username.as_str(),
                    user.id.as_uuid(),
                    if admin { ", admin" } else { "" }
                );
                Ok(())
            }
            Self::List {
                search,
                limit,
                offset,
            } => {
                let query = AccountQuery::parse(search.as_deref(), Some(limit), Some(offset))?;
                let page = accounts.list_accounts(&console, query).await?;
                for account in &page.accounts {
                    println!("{}", describe(account));
                }
                println!("{} of {} shown", page.accounts.len(), page.total);
                Ok(())
            }
            Self::Suspend { email } => change(email, AccountChange::Suspend).await,
            Self::Unsuspend { email } => change(email, AccountChange::Unsuspend).await,
            Self::SetAdmin { email, remove } => {
                let to = match remove {
                    true => AccountChange::RemoveAdmin,
                    false => AccountChange::GrantAdmin,
                };
                change(email, to).await
            }
            Self::ResetPassword { email } => {
                let account = accounts
                    .find_account_by_email(&console, &parse_email(&email)?)
                    .await?;
                let link = accounts.issue_reset_link(&console, account.user.id).await?;
                println!(
                    "{access_url}/reset-password?token={}",
                    link.credential.expose()
                );
                eprintln!(
                    "Give this link to {} now: it works once, until {}.",
                    link.user.username.as_str(),
                    link.expires_at
                );
                Ok(())
            }
        }
    }
}

/// Applies `change` to the person with `email` and prints them as they are now.
async fn apply(
    accounts: &AccountService<Production>,
    email: String,
    change: AccountChange,
) -> anyhow::Result<()> {
    let console = console_operator();
    let account = accounts
        .find_account_by_email(&console, &parse_email(&email)?)
        .await?;
    let changed = accounts
        .change_account(&console, account.user.id, change)
        .await?;
    println!("{}", describe(&changed));
    Ok(())
}

fn parse_email(email: &str) -> anyhow::Result<Email> {
    Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))
}

/// One line per person: username, email, role, status, id.
fn describe(account: &Account) -> String {
    let user = &account.user;
    format!(
        "{}\t{}\t{}\t{}\t{}",
        user.username.as_str(),
        user.email.as_str(),
        if user.admin { "admin" } else { "member" },
        account.status.as_str(),
        user.id
    )
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
