//! In-memory fakes of the ports, for application tests only.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tessera_domain::{
    App, AppSecretInfo, Email, Password, SecretString, User, UserId, UserWithPassword, Username,
};
use time::{Duration, OffsetDateTime};

mod audit;
mod cimd;
mod login;
mod mcp_servers;
mod oauth;
mod people;
mod registration;
pub use audit::FakeAudit;
pub use cimd::{FakeCimd, FakeFetcher};
pub use login::{FakeHasher, FakeThrottle};
pub use mcp_servers::{FakeMcpServers, FakeSigner};
pub use oauth::{FakeClients, FakeGrants, credential};
pub use people::{FakeResets, FakeSessions, FakeUsers};
pub use registration::{FakeRateLimits, FakeRegistrations};

use crate::apps::AppService;
use crate::people::{LoginThrottle, NewUserInput, SessionService, UserService};
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

#[derive(Debug, Clone, Default)]
pub struct FakeApps {
    apps: Arc<Mutex<Vec<App>>>,
    secrets: Arc<Mutex<Vec<(uuid::Uuid, AppSecretInfo)>>>,
    audit: FakeAudit,
}

impl AppRepository for FakeApps {
    async fn insert(&self, app: &App, audit: &AuditEntry) -> Result<(), RepoError> {
        self.apps.lock().unwrap().push(app.clone());
        self.audit.record(audit);
        Ok(())
    }
    async fn update(&self, app: &App, audit: &AuditEntry) -> Result<bool, RepoError> {
        let mut apps = self.apps.lock().unwrap();
        let Some(slot) = apps.iter_mut().find(|a| a.id == app.id) else {
            return Ok(false);
        };
        *slot = app.clone();
        self.audit.record(audit);
        Ok(true)
    }
    async fn set_blocked(
        &self,
        id: uuid::Uuid,
        blocked: bool,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        let mut apps = self.apps.lock().unwrap();
        let Some(app) = apps.iter_mut().find(|a| a.id == id) else {
            return Ok(false);
        };
        app.blocked = blocked;
        self.audit.record(audit);
        Ok(true)
    }
    async fn delete(&self, id: uuid::Uuid, audit: &AuditEntry) -> Result<bool, RepoError> {
        let mut apps = self.apps.lock().unwrap();
        let before = apps.len();
        apps.retain(|a| a.id != id);
        self.secrets.lock().unwrap().retain(|(app, _)| *app != id);
        self.audit.record(audit);
        Ok(apps.len() < before)
    }
    async fn find(&self, id: uuid::Uuid) -> Result<Option<App>, RepoError> {
        Ok(self
            .apps
            .lock()
            .unwrap()
            .iter()
            .find(|a| a.id == id)
            .cloned())
    }
    async fn list(&self, user: Option<UserId>) -> Result<Vec<App>, RepoError> {
        Ok(match user {
            None => self.apps.lock().unwrap().clone(),
            Some(_) => Vec::new(),
        })
    }
    async fn insert_secret(
        &self,
        app_id: uuid::Uuid,
        secret: &NewAppSecret,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        if !self.apps.lock().unwrap().iter().any(|a| a.id == app_id) {
            return Ok(false);
        }
        self.secrets
            .lock()
            .unwrap()
            .push((app_id, secret.info.clone()));
        self.audit.record(audit);
        Ok(true)
    }
    async fn list_secrets(
        &self,
        app_id: uuid::Uuid,
    ) -> Result<Option<Vec<AppSecretInfo>>, RepoError> {
        if !self.apps.lock().unwrap().iter().any(|a| a.id == app_id) {
            return Ok(None);
        }
        let secrets = self.secrets.lock().unwrap();
        Ok(Some(
            secrets
                .iter()
                .filter(|(a, _)| *a == app_id)
                .map(|(_, s)| s.clone())
                .collect(),
        ))
    }
    async fn delete_secret(
        &self,
        app_id: uuid::Uuid,
        secret_id: uuid::Uuid,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        let mut secrets = self.secrets.lock().unwrap();
        let before = secrets.len();
        secrets.retain(|(a, s)| !(*a == app_id && s.id == secret_id));
        self.audit.record(audit);
        Ok(secrets.len() < before)
    }
}

/// An app service on fakes, and the audit log its changes land in.
pub fn app_service() -> (AppService<FakePorts>, FakeAudit) {
    let apps = FakeApps::default();
    let audit = apps.audit.clone();
    (
        AppService::new(apps, FakeClock::default(), CountingRng::default()),
        audit,
    )
}
