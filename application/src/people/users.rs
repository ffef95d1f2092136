use tessera_domain::{Email, Password, User, UserId, UserWithPassword, Username};
use uuid::Uuid;

use crate::ports::{Clock, PasswordHasher, Ports, RepoError, UserRepository};

/// A new user as parsed at the edge.
#[derive(Debug)]
pub struct NewUserInput {
    /// Their email, unique case-insensitively.
    pub email: Email,
    /// Their username, unique.
    pub username: Username,
    /// Their password, hashed before it is stored.
    pub password: Password,
    /// Whether they administer tessera.
    pub admin: bool,
}

/// Why a user could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    /// The first user exists already (SPEC §2: 409).
    #[error("the first user has already been created")]
    AlreadySetUp,
    /// The email or username is taken; names the field.
    #[error("{0} is already taken")]
    Taken(&'static str),
    /// A repository or hasher failure.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// Use cases that create and read users.
#[derive(Debug)]
pub struct UserService<P: Ports> {
    users: P::Users,
    hasher: P::Hasher,
    clock: P::Clock,
}

impl<P: Ports> UserService<P> {
    /// Wires the service to its ports.
    pub fn new(users: P::Users, hasher: P::Hasher, clock: P::Clock) -> Self {
        Self {
            users,
            hasher,
            clock,
        }
    }

    /// Creates the first user, an admin, only while no user exists.
    #[tracing::instrument(skip_all)]
    pub async fn create_first_user(
        &self,
        mut input: NewUserInput,
    ) -> Result<User, CreateUserError> {
        input.admin = true;
        let user = self.prepare(input).await?;
        match self.users.insert_first(&user).await? {
            true => Ok(user.user),
            false => Err(CreateUserError::AlreadySetUp),
        }
    }

    /// Creates a user (admins do this, and the CLI).
    #[tracing::instrument(skip_all)]
    pub async fn create_user(&self, input: NewUserInput) -> Result<User, CreateUserError> {
        let user = self.prepare(input).await?;
        match self.users.insert(&user).await {
            Ok(()) => Ok(user.user),
            Err(RepoError::Conflict { field }) => Err(CreateUserError::Taken(field)),
            Err(e) => Err(e.into()),
        }
    }

    /// Lists every user.
    #[tracing::instrument(skip_all)]
    pub async fn list_users(&self) -> Result<Vec<User>, RepoError> {
        self.users.list().await
    }

    /// Whether the first user still has to be created.
    pub async fn needs_setup(&self) -> Result<bool, RepoError> {
        Ok(!self.users.any_exists().await?)
    }

    async fn prepare(&self, input: NewUserInput) -> Result<UserWithPassword, CreateUserError> {
        let password_hash = self
            .hasher
            .hash(&input.password)
            .await
            .map_err(RepoError::Unexpected)?;
        let user = User {
            id: UserId::new(Uuid::new_v4()),
            email: input.email,
            username: input.username,
            admin: input.admin,
            created_at: self.clock.now(),
        };
        Ok(UserWithPassword {
            user,
            password_hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{FakePorts, new_user, user_service};

    #[tokio::test]
    async fn the_first_user_is_an_admin_even_when_not_asked() {
        let service = user_service();
        let user = service
            .create_first_user(new_user("ada@example.com", "ada", false))
            .await
            .unwrap();
        assert!(user.admin);
    }

    #[tokio::test]
    async fn a_second_first_user_is_refused() {
        let service = user_service();
        service
            .create_first_user(new_user("ada@example.com", "ada", false))
            .await
            .unwrap();
        let again = service
            .create_first_user(new_user("bob@example.com", "bob", false))
            .await;
        assert!(matches!(again, Err(CreateUserError::AlreadySetUp)));
        assert_eq!(service.list_users().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn an_email_taken_in_another_case_is_named_as_taken() {
        let service: UserService<FakePorts> = user_service();
        service
            .create_user(new_user("ada@example.com", "ada", false))
            .await
            .unwrap();
        let again = service
            .create_user(new_user("ADA@example.com", "ada2", false))
            .await;
        assert!(matches!(again, Err(CreateUserError::Taken("email"))));
    }

    #[tokio::test]
    async fn setup_is_needed_only_until_a_user_exists() {
        let service = user_service();
        assert!(service.needs_setup().await.unwrap());
        service
            .create_user(new_user("ada@example.com", "ada", false))
            .await
            .unwrap();
        assert!(!service.needs_setup().await.unwrap());
    }
}
