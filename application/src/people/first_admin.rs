//! The admin a deployment configures (`first_user.*`): known only by email and password,
//! created once, when nobody has set tessera up yet.

use tessera_domain::{Email, Password, User, Username, UsernameError};

use super::users::{CreateUserError, NewUserInput, UserService};
use crate::ports::{Ports, RepoError};

impl<P: Ports> UserService<P> {
    /// Creates the configured first admin, named after their email (see [`admin_username`]);
    /// `None` when someone already set tessera up. Not counted against any IP.
    #[tracing::instrument(skip_all)]
    pub async fn create_configured_admin(
        &self,
        email: Email,
        password: Password,
    ) -> Result<Option<User>, CreateUserError> {
        let username = admin_username(&email).map_err(|e| RepoError::Unexpected(e.into()))?;
        let input = NewUserInput {
            email,
            username,
            password,
            admin: true,
        };
        match self.create_first_user(input, None).await {
            Ok(user) => Ok(Some(user)),
            Err(CreateUserError::AlreadySetUp) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The username of an admin known only by email: the email's local part with `.`, `_` and
/// `+` turned into hyphens, or `admin` when that is no valid username.
fn admin_username(email: &Email) -> Result<Username, UsernameError> {
    let local = email.as_str().split('@').next().unwrap_or_default();
    Username::parse(&local.replace(['.', '_', '+'], "-")).or_else(|_| Username::parse("admin"))
}

#[cfg(test)]
mod tests {
    use tessera_domain::SecretString;

    use super::*;
    use crate::fakes::{new_user, user_service};

    fn email(s: &str) -> Email {
        Email::parse(s).unwrap()
    }

    fn password() -> Password {
        Password::parse(SecretString::new("correct horse".to_owned())).unwrap()
    }

    #[tokio::test]
    async fn the_configured_admin_is_an_admin_named_after_the_local_part_of_their_email() {
        let service = user_service();
        let user = service
            .create_configured_admin(email("ada.love_lace+ops@example.com"), password())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.username.as_str(), "ada-love-lace-ops");
        assert!(user.admin);
    }

    #[tokio::test]
    async fn an_email_whose_local_part_makes_no_username_gives_the_admin_the_name_admin() {
        let service = user_service();
        let user = service
            .create_configured_admin(email("ada..lovelace@example.com"), password())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.username.as_str(), "admin");
    }

    #[tokio::test]
    async fn the_configured_admin_is_not_created_once_someone_set_tessera_up() {
        let service = user_service();
        service
            .create_first_user(new_user("bob@example.com", "bob", true), None)
            .await
            .unwrap();
        let again = service
            .create_configured_admin(email("ada@example.com"), password())
            .await
            .unwrap();
        assert!(again.is_none());
    }
}
