//! In-memory fakes of the ports, for application tests only.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tessera_domain::{Email, Password, SecretString, User, UserId, UserWithPassword, Username};
use time::{Duration, OffsetDateTime};

mod apps;
mod audit;
mod cimd;
mod login;
mod mcp_servers;
mod oauth;
mod people;
mod registration;
pub use apps::{FakeApps, app_service, app_service_with};
pub use audit::FakeAudit;
pub use cimd::{FakeCimd, FakeFetcher};
pub use login::{FakeHasher, FakeThrottle};
pub use mcp_servers::{FakeMcpServers, FakeSigner};
pub use oauth::{FakeClients, FakeGrants, credential};
pub use people::{FakeResets, FakeSessions, FakeUsers};
pub use registration::{FakeRateLimits, FakeRegistrations};

use crate::admin::{Admin, AdminAuthError, Origin};
use crate::people::{AuthenticateError, LoginThrottle, NewUserInput, SessionService, UserService};
use crate::ports::*;

/// Every fake wired together.
#[derive(Debug)]
pub struct FakePorts;

impl Ports for FakePorts {
    type Apps = FakeApps;
    type Clients = FakeClients;
    type Registrations = FakeRegistrations;
    type RateLimits = FakeRateLimits;
    type Cimd = FakeCimd;
    type Fetcher = FakeFetcher;
    type Grants = FakeGrants;
    type Audit = FakeAudit;
    type McpServers = FakeMcpServers;
    type Signer = FakeSigner;
    type Users = FakeUsers;
    type Sessions = FakeSessions;
    type Resets = FakeResets;
    type Throttle = FakeThrottle;
    type Hasher = FakeHasher;
    type Clock = FakeClock;
    type Rng = CountingRng;
}

#[derive(Debug, Clone)]
pub struct FakeClock(Arc<Mutex<OffsetDateTime>>);

impl FakeClock {
    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Default for FakeClock {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(
            time::macros::datetime!(2026-01-01 12:00 UTC),
        )))
    }
}

impl Clock for FakeClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
    async fn sleep(&self, duration: Duration) {
        self.advance(duration);
        tokio::task::yield_now().await;
    }
}

/// Deterministic, distinct bytes on every call.
#[derive(Debug, Default)]
pub struct CountingRng(AtomicU64);

impl Rng for CountingRng {
    fn fill(&self, buf: &mut [u8]) {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (n.wrapping_mul(31).wrapping_add(i as u64) % 251) as u8;
        }
    }
}

/// Stores `input` as an active user (the password hashed by `hasher`), as an admin would.
pub async fn store_user(users: &FakeUsers, hasher: &FakeHasher, input: NewUserInput) -> User {
    let record = UserWithPassword {
        user: User {
            id: UserId::new(uuid::Uuid::new_v4()),
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

pub fn user_service_with(hasher: FakeHasher) -> UserService<FakePorts> {
    UserService::new(
        FakeUsers::default(),
        FakeRateLimits::default(),
        hasher,
        FakeClock::default(),
        tessera_domain::RateLimit::new(FIRST_USERS_PER_MINUTE, Duration::minutes(1)),
    )
}

pub fn user_service() -> UserService<FakePorts> {
    user_service_with(FakeHasher::default())
}

pub async fn session_service_with_user(
    input: NewUserInput,
) -> (SessionService<FakePorts>, FakeClock) {
    let (service, clock, _) = session_service_with_user_and_hasher(input).await;
    (service, clock)
}

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
        created_at: OffsetDateTime::UNIX_EPOCH,
    };
    Admin::of(&user, Origin::default()).unwrap()
}
