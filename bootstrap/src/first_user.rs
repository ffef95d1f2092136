//! `first_user.*`: an admin created at start-up when no user exists yet.

use tessera_application::people::UserService;
use tessera_domain::{Email, Password};

use crate::settings::Settings;
use crate::startup::Production;

/// Creates the configured first admin unless someone already set tessera up.
pub(crate) async fn create_configured_first_user(
    settings: &Settings,
    users: &UserService<Production>,
) -> anyhow::Result<()> {
    let (Some(email), Some(password)) = (&settings.first_user.email, &settings.first_user.password)
    else {
        return Ok(());
    };
    let email = Email::parse(email)
        .map_err(|e| anyhow::anyhow!("invalid value for `first_user.email`: {e}"))?;
    let password = Password::parse(password.clone())
        .map_err(|e| anyhow::anyhow!("invalid value for `first_user.password`: {e}"))?;
    let created = users
        .create_configured_admin(email, password)
        .await
        .map_err(|e| anyhow::anyhow!("creating first_user: {e}"))?;
    if let Some(user) = created {
        tracing::info!(
            username = user.username.as_str(),
            "created the first user from configuration"
        );
    }
    Ok(())
}
