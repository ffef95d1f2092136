use std::net::IpAddr;

use tessera_domain::{
    AccountStatus, Email, Password, RateLimit, User, UserId, UserWithPassword, Username,
};
use time::Duration;

use crate::ports::{
    Clock, HashError, PasswordHasher, Ports, RateLimitRepository, RepoError, Rng, UserRepository,
};

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
    /// Too many first-user requests from this IP; retry after the given time.
    #[error("too many first-user requests")]
    Throttled {
        /// Until the window ends.
        retry_after: Duration,
    },
    /// Password hashing is saturated; retry shortly.
    #[error("too busy to hash the password now")]
    Busy,
    /// A repository or hasher failure.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<HashError> for CreateUserError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => Self::Busy,
            HashError::Unexpected(e) => Self::Repo(RepoError::Unexpected(e)),
        }
    }
}

/// Use cases that create and read users.
#[derive(Debug)]
pub struct UserService<P: Ports> {
    users: P::Users,
    rate_limits: P::RateLimits,
    hasher: P::Hasher,
    clock: P::Clock,
    rng: P::Rng,
    first_user_rate: RateLimit,
}

impl<P: Ports> UserService<P> {
    /// Wires the service to its ports; `first_user_rate` limits first-user requests per
    /// client IP (each can cost a password hash, without signing in).
    pub fn new(
        users: P::Users,
        rate_limits: P::RateLimits,
        hasher: P::Hasher,
        clock: P::Clock,
        rng: P::Rng,
        first_user_rate: RateLimit,
    ) -> Self {
        Self {
            users,
            rate_limits,
            hasher,
            clock,
            rng,
            first_user_rate,
        }
    }

    /// Creates the first user, an admin, only while no user exists: counted against the
    /// caller's IP (`None`: not counted, e.g. the configuration), and refused without
    /// hashing once a user exists.
    #[tracing::instrument(skip_all)]
    pub async fn create_first_user(
        &self,
        mut input: NewUserInput,
        ip: Option<IpAddr>,
    ) -> Result<User, CreateUserError> {
        if let Some(ip) = ip {
            let now = self.clock.now();
            let window = self.first_user_rate.window_start(now);
            let hits = self
                .rate_limits
                .hit(
                    &format!("first-user:{}", tessera_domain::rate_limit_network(ip)),
                    window,
                )
                .await?;
            if let Some(retry_after) = self.first_user_rate.retry_after(hits, now) {
                return Err(CreateUserError::Throttled { retry_after });
            }
        }
        if self.users.any_exists().await? {
            return Err(CreateUserError::AlreadySetUp);
        }
        input.admin = true;
        let user = self.prepare(input).await?;
        match self.users.insert_first(&user).await? {
            true => Ok(user.user),
            false => Err(CreateUserError::AlreadySetUp),
        }
    }

    /// Whether the first user still has to be created.
    pub async fn needs_setup(&self) -> Result<bool, RepoError> {
        Ok(!self.users.any_exists().await?)
    }

    async fn prepare(&self, input: NewUserInput) -> Result<UserWithPassword, CreateUserError> {
        let id = UserId::new(self.rng.uuid());
        Ok(new_record(&self.hasher, &self.clock, id, input).await?)
    }
}

/// A new person's stored record under `id`: their password hashed, created now.
pub(super) async fn new_record(
    hasher: &impl PasswordHasher,
    clock: &impl Clock,
    id: UserId,
    input: NewUserInput,
) -> Result<UserWithPassword, HashError> {
    let password_hash = hasher.hash(&input.password).await?;
    let user = User {
        id,
        email: input.email,
        username: input.username,
        admin: input.admin,
        created_at: clock.now(),
    };
    Ok(UserWithPassword {
        user,
        password_hash,
        status: AccountStatus::Active,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{
        FIRST_USERS_PER_MINUTE, FakeHasher, new_user, user_service, user_service_with,
    };

    fn ip() -> Option<IpAddr> {
        "198.51.100.7".parse().ok()
    }

    #[tokio::test]
    async fn the_first_user_is_an_admin_even_when_not_asked() {
        let service = user_service();
        let user = service
            .create_first_user(new_user("ada@example.com", "ada", false), ip())
            .await
            .unwrap();
        assert!(user.admin);
    }

    #[tokio::test]
    async fn a_second_first_user_is_refused() {
        let service = user_service();
        service
            .create_first_user(new_user("ada@example.com", "ada", false), ip())
            .await
            .unwrap();
        let again = service
            .create_first_user(new_user("bob@example.com", "bob", false), ip())
            .await;
        assert!(matches!(again, Err(CreateUserError::AlreadySetUp)));
        assert!(!service.needs_setup().await.unwrap());
    }

    #[tokio::test]
    async fn a_first_user_request_after_setup_is_refused_without_hashing_a_password() {
        let hasher = FakeHasher::default();
        let service = user_service_with(hasher.clone());
        service
            .create_first_user(new_user("ada@example.com", "ada", true), None)
            .await
            .unwrap();
        let hashes_before = hasher.hashes();
        let again = service
            .create_first_user(new_user("bob@example.com", "bob", false), ip())
            .await;
        assert!(matches!(again, Err(CreateUserError::AlreadySetUp)));
        assert_eq!(hasher.hashes(), hashes_before);
    }

    #[tokio::test]
    async fn first_user_requests_over_the_rate_of_one_ip_are_throttled_and_others_are_not() {
        let service = user_service();
        for _ in 0..FIRST_USERS_PER_MINUTE {
            let _ = service
                .create_first_user(new_user("ada@example.com", "ada", false), ip())
                .await;
        }
        let over = service
            .create_first_user(new_user("ada@example.com", "ada", false), ip())
            .await;
        let other_ip = service
            .create_first_user(new_user("ada@example.com", "ada", false), None)
            .await;
        assert!(matches!(over, Err(CreateUserError::Throttled { .. })));
        assert!(matches!(other_ip, Err(CreateUserError::AlreadySetUp)));
    }

    #[tokio::test]
    async fn a_busy_hasher_makes_user_creation_busy_and_creates_nobody() {
        let hasher = FakeHasher::default();
        let service = user_service_with(hasher.clone());
        hasher.set_busy(true);
        let busy = service
            .create_first_user(new_user("ada@example.com", "ada", false), ip())
            .await;
        assert!(matches!(busy, Err(CreateUserError::Busy)));
        assert!(service.needs_setup().await.unwrap());
    }

    #[tokio::test]
    async fn setup_is_needed_only_until_a_user_exists() {
        let service = user_service();
        assert!(service.needs_setup().await.unwrap());
        service
            .create_first_user(new_user("ada@example.com", "ada", false), None)
            .await
            .unwrap();
        assert!(!service.needs_setup().await.unwrap());
    }
}
