//! `first_user.*`: an admin created at start-up when no user exists yet.

use tessera_application::people::{CreateUserError, NewUserInput, UserService};
use tessera_domain::{Email, Password, Username};

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
    let username = Username::parse(
        &email
            .as_str()
            .split('@')
            .next()
            .unwrap_or("admin")
            .replace(['.', '_', '+'], "-"),
    )
    .or_else(|_| Username::parse("admin"))
    .map_err(|e| anyhow::anyhow!("deriving a username for `first_user.email`: {e}"))?;
    let password = Password::parse(password.clone())
        .map_err(|e| anyhow::anyhow!("invalid value for `first_user.password`: {e}"))?;
    let input = NewUserInput {
        email,
        username,
        password,
        admin: true,
    };
    match users.create_first_user(input, None).await {
        Ok(user) => {
            tracing::info!(
                username = user.username.as_str(),
                "created the first user from configuration"
            );
            Ok(())
        }
        Err(CreateUserError::AlreadySetUp) => Ok(()),
        Err(e) => Err(anyhow::anyhow!("creating first_user: {e}")),
    }
}
