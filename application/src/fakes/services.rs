//! Services of this crate built on fakes, for its own tests.

use tessera_domain::{Email, Password, SecretString, User, UserId, UserWithPassword, Username};
use time::Duration;

use super::*;
use crate::admin::{Admin, AdminAuthError, Origin};
use crate::apps::AppService;
use crate::people::{AuthenticateError, LoginThrottle, NewUserInput, SessionService, UserService};

/// Stores `input` as an active user (the password hashed by `hasher`), as an admin would.
pub async fn store_user(users: &FakeUsers, hasher: &FakeHasher, input: NewUserInput) -> User {
    let record = UserWithPassword {
        user: User {
            id: UserId::new(next_id()),
            email: input.email,
            username: input.username,
            admin: input.admin,
            created_at: FakeClock::default().now(),
        },
        password_hash: hasher.hash(&input.password).await.unwrap(),
        status: tessera_domain::AccountStatus::Active,
    };
    let audit = AuditEntry {
        actor: Actor {
            user_id: None,
            name: "test".into(),
            ip: None,
            user_agent: None,
        },
        action: "create",
        target_type: "user",
        target_id: record.user.id.to_string(),
        at: record.user.created_at,
        details: Vec::new(),
    };
    users.insert(&record, &audit).await.unwrap();
    record.user
}
/// What an admin would type to add a person, with the password `correct horse`.
pub fn new_user(email: &str, username: &str, admin: bool) -> NewUserInput {
    NewUserInput {
        email: Email::parse(email).unwrap(),
        username: Username::parse(username).unwrap(),
        password: Password::parse(SecretString::new("correct horse".to_owned())).unwrap(),
        admin,
    }
}

/// First-user requests per IP and minute in the services built here.
pub const FIRST_USERS_PER_MINUTE: u32 = 3;

/// A user service on fakes, hashing with `hasher`.
pub fn user_service_with(hasher: FakeHasher) -> UserService<FakePorts> {
    UserService::new(
        FakeUsers::default(),
        FakeRateLimits::default(),
        hasher,
        FakeClock::default(),
        CountingRng::default(),
        tessera_domain::RateLimit::new(FIRST_USERS_PER_MINUTE, Duration::minutes(1)),
    )
}

/// A user service on fakes.
pub fn user_service() -> UserService<FakePorts> {
    user_service_with(FakeHasher::default())
}

/// A session service on fakes that knows one person, and its clock.
pub async fn session_service_with_user(
    input: NewUserInput,
) -> (SessionService<FakePorts>, FakeClock) {
    let (service, clock, _) = session_service_with_user_and_hasher(input).await;
    (service, clock)
}

/// A session service on fakes that knows one person, its clock and its hasher.
pub async fn session_service_with_user_and_hasher(
    input: NewUserInput,
) -> (SessionService<FakePorts>, FakeClock, FakeHasher) {
    let users = FakeUsers::default();
    let clock = FakeClock::default();
    let hasher = FakeHasher::default();
    store_user(&users, &hasher, input).await;
    let service = SessionService::new(
        users.clone(),
        users.sessions(),
        FakeThrottle::default(),
        hasher.clone(),
        clock.clone(),
        CountingRng::default(),
        LoginThrottle::default(),
        Duration::hours(24),
    );
    (service, clock, hasher)
}

/// An app service on fakes, and the audit log its changes land in.
pub fn app_service() -> (AppService<FakePorts>, FakeAudit) {
    let (service, apps, _) = app_service_with();
    (service, apps.audit().clone())
}

/// An app service on fakes, with its apps (to store any kind directly) and its clock.
pub fn app_service_with() -> (AppService<FakePorts>, FakeApps, FakeClock) {
    let apps = FakeApps::default();
    let clock = FakeClock::default();
    let service = AppService::new(apps.clone(), clock.clone(), CountingRng::default());
    (service, apps, clock)
}

/// What a member's live session gets when it asks to act as an admin: the refusal that
/// every admin-only use case sits behind, since each takes an [`Admin`].
pub(crate) async fn member_session_as_admin() -> Result<Admin, AdminAuthError<AuthenticateError>> {
    let (sessions, _) = session_service_with_user(new_user("bob@example.com", "bob", false)).await;
    let password = SecretString::new("correct horse".into());
    let logged_in = sessions
        .log_in("bob@example.com", &password, None)
        .await
        .unwrap();
    sessions
        .authenticate_admin(logged_in.session.expose(), Origin::default())
        .await
}

/// An admin for the use cases' tests, as an admin's session would mint them.
pub(crate) fn an_admin() -> Admin {
    let user = User {
        id: UserId::new(uuid::Uuid::from_u128(7)),
        email: Email::parse("ada@example.com").unwrap(),
        username: Username::parse("ada").unwrap(),
        admin: true,
        created_at: time::OffsetDateTime::UNIX_EPOCH,
    };
    Admin::of(&user, Origin::default()).unwrap()
}
