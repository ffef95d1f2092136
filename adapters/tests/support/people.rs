//! Helpers of the people tests on PostgreSQL: people, sessions, reset links and grants
//! written straight to a fresh database.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // each test file uses a part

use tessera_adapters::postgres::{Database, PgSessionRepository, PgUserRepository};
use tessera_application::ports::{
    Actor, AuditEntry, NewPasswordReset, NewSession, SessionRepository, UserRepository,
};
use tessera_domain::{
    Account, AccountChange, AccountRefusal, AccountStatus, Credential, CredentialKind, Email,
    LookupId, PasswordHash, User, UserId, UserWithPassword, Username,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

pub fn rand_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    bytes
        .iter_mut()
        .zip(Uuid::new_v4().as_bytes().iter().cycle())
        .for_each(|(b, r)| *b = *r);
    bytes
}

pub async fn migrated_db() -> Database {
    Database::connect(&tessera_test_support::migrated_database().await, 8).unwrap()
}

pub fn audit(action: &'static str) -> AuditEntry {
    AuditEntry {
        actor: Actor {
            user_id: None,
            name: "test".into(),
            ip: None,
            user_agent: None,
        },
        action,
        target_type: "user",
        target_id: "someone".into(),
        at: OffsetDateTime::now_utc(),
        details: Vec::new(),
    }
}

pub async fn person(repo: &PgUserRepository, name: &str, admin: bool) -> User {
    let user = User {
        id: UserId::new(Uuid::new_v4()),
        email: Email::parse(&format!("{name}@example.com")).unwrap(),
        username: Username::parse(name).unwrap(),
        admin,
        created_at: OffsetDateTime::now_utc(),
    };
    let record = UserWithPassword {
        user: user.clone(),
        password_hash: PasswordHash::new("$argon2id$old".into()),
        status: AccountStatus::Active,
    };
    repo.insert(&record, &audit("create")).await.unwrap();
    user
}

/// Applies `change` as the command line would (the domain's rule decides).
pub async fn change(
    repo: &PgUserRepository,
    id: UserId,
    change: AccountChange,
) -> Result<Account, AccountRefusal> {
    let decide = move |account: &Account, admins: u64| change.decide(None, account, admins);
    let action = match change {
        AccountChange::Suspend => "suspend",
        AccountChange::Unsuspend => "unsuspend",
        _ => "update",
    };
    repo.change_account(id, change, &audit(action), decide)
        .await
        .unwrap()
        .expect("the account exists")
}

pub async fn active_admins(db: &Database) -> i64 {
    let row = db
        .client()
        .await
        .unwrap()
        .query_one(
            "SELECT count(*) FROM users WHERE admin AND suspended_at IS NULL",
            &[],
        )
        .await
        .unwrap();
    row.get(0)
}

pub async fn session_of(sessions: &PgSessionRepository, user: &User) -> Credential {
    let credential = Credential::from_entropy(CredentialKind::Session, rand_bytes(), rand_bytes());
    let now = OffsetDateTime::now_utc();
    let session = NewSession {
        lookup_id: credential.lookup_id().clone(),
        hash: credential.hash(),
        user: user.clone(),
        created_at: now,
        expires_at: now + Duration::hours(1),
    };
    sessions.insert(&session).await.unwrap();
    credential
}

pub async fn live(sessions: &PgSessionRepository, credential: &Credential) -> bool {
    let now = OffsetDateTime::now_utc();
    sessions
        .find_live(credential.lookup_id(), now)
        .await
        .unwrap()
        .is_some()
}

pub fn reset_for(user: &User) -> NewPasswordReset {
    let credential =
        Credential::from_entropy(CredentialKind::PasswordReset, rand_bytes(), rand_bytes());
    let now = OffsetDateTime::now_utc();
    NewPasswordReset {
        lookup_id: credential.lookup_id().clone(),
        hash: credential.hash(),
        user_id: user.id,
        created_at: now,
        expires_at: now + Duration::hours(1),
    }
}

/// A grant of `user` for a fresh app, with one live access token.
pub struct TestGrant {
    /// The app the grant is for.
    pub app_id: Uuid,
    /// The lookup id of its access token.
    pub token: LookupId,
}

pub async fn insert_grant(db: &Database, user: &User) -> TestGrant {
    let client = db.client().await.unwrap();
    let (app, grant) = (Uuid::new_v4(), Uuid::new_v4());
    client
        .execute(
            "INSERT INTO oauth2_apps (id, name, callback_url, redirect_uris, client_type,
                 token_endpoint_auth_method, source, created_at, updated_at)
             VALUES ($1, 'App', 'https://app.example/cb', ARRAY['https://app.example/cb'],
                 'public', 'none', 'admin', now(), now())",
            &[&app],
        )
        .await
        .unwrap();
    client
        .execute(
            "INSERT INTO oauth2_grants (id, app_id, user_id, scopes, created_at, expires_at)
             VALUES ($1, $2, $3, ARRAY['mcp'], now(), now() + interval '1 day')",
            &[&grant, &app, &user.id.as_uuid()],
        )
        .await
        .unwrap();
    let token = Credential::from_entropy(CredentialKind::AccessToken, rand_bytes(), rand_bytes());
    client
        .execute(
            "INSERT INTO oauth2_access_tokens (lookup_id, secret_hash, grant_id, audience, scopes,
                 created_at, expires_at)
             VALUES ($1, $2, $3, 'http://127.0.0.1', ARRAY['mcp'], now(), now() + interval '1 hour')",
            &[&token.lookup_id().as_str(), &token.hash().as_bytes(), &grant],
        )
        .await
        .unwrap();
    TestGrant {
        app_id: app,
        token: token.lookup_id().clone(),
    }
}
