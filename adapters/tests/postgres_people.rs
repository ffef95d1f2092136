//! People management on a real PostgreSQL (issue 18): the last-admin rule under concurrent
//! changes, what a suspension ends, password changes, sign-out everywhere and reset links.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use tessera_adapters::postgres::{
    Database, PgGrantRepository, PgPasswordResetRepository, PgSessionRepository, PgUserRepository,
};
use tessera_application::ports::{
    Actor, AuditEntry, GrantRepository, NewPasswordReset, NewSession, PasswordResetRepository,
    SessionRepository, UserRepository,
};
use tessera_domain::{
    Account, AccountChange, AccountQuery, AccountRefusal, AccountStatus, Credential,
    CredentialKind, Email, LookupId, PasswordHash, User, UserId, UserWithPassword, Username,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

fn rand_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    bytes
        .iter_mut()
        .zip(Uuid::new_v4().as_bytes().iter().cycle())
        .for_each(|(b, r)| *b = *r);
    bytes
}

async fn migrated_db() -> Database {
    Database::connect(&tessera_test_support::migrated_database().await, 8).unwrap()
}

fn audit(action: &'static str) -> AuditEntry {
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

async fn person(repo: &PgUserRepository, name: &str, admin: bool) -> User {
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
async fn change(
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

async fn active_admins(db: &Database) -> i64 {
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

async fn session_of(sessions: &PgSessionRepository, user: &User) -> Credential {
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

async fn live(sessions: &PgSessionRepository, credential: &Credential) -> bool {
    let now = OffsetDateTime::now_utc();
    sessions
        .find_live(credential.lookup_id(), now)
        .await
        .unwrap()
        .is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_admins_demoting_or_suspending_each_other_at_once_always_leave_one_active_admin() {
    let db = migrated_db().await;
    let repo = PgUserRepository::new(db.clone());
    let ada = person(&repo, "ada", true).await;
    let bob = person(&repo, "bob", true).await;
    for round in 0..40 {
        let (first, second) = match round % 2 {
            0 => (AccountChange::RemoveAdmin, AccountChange::RemoveAdmin),
            _ => (AccountChange::Suspend, AccountChange::RemoveAdmin),
        };
        let (r1, r2) = (repo.clone(), repo.clone());
        let a = tokio::spawn(async move { change(&r1, bob.id, first).await });
        let b = tokio::spawn(async move { change(&r2, ada.id, second).await });
        let outcomes = [a.await.unwrap(), b.await.unwrap()];
        let refused = outcomes
            .iter()
            .filter(|o| **o == Err(AccountRefusal::LastAdmin))
            .count();
        assert_eq!(refused, 1, "round {round}: {outcomes:?}");
        assert_eq!(active_admins(&db).await, 1, "round {round}");
        for id in [ada.id, bob.id] {
            change(&repo, id, AccountChange::Unsuspend).await.unwrap();
            change(&repo, id, AccountChange::GrantAdmin).await.unwrap();
        }
    }
}

#[tokio::test]
async fn a_suspension_ends_sessions_reset_links_codes_and_mcp_sessions_and_revokes_grants() {
    let db = migrated_db().await;
    let repo = PgUserRepository::new(db.clone());
    let sessions = PgSessionRepository::new(db.clone());
    person(&repo, "ada", true).await;
    let bob = person(&repo, "bob", false).await;
    let session = session_of(&sessions, &bob).await;
    let grant = insert_grant(&db, &bob).await;
    let client = db.client().await.unwrap();
    client
        .execute(
            "INSERT INTO mcp_sessions (id, state, user_id, client_id, expires_at)
             VALUES ('s1', '{}', $1, $2, now() + interval '1 hour')",
            &[&bob.id.as_uuid(), &grant.app_id],
        )
        .await
        .unwrap();
    let resets = PgPasswordResetRepository::new(db.clone());
    resets
        .insert(&reset_for(&bob), &audit("create"))
        .await
        .unwrap();

    let suspended = change(&repo, bob.id, AccountChange::Suspend).await.unwrap();

    assert_eq!(suspended.status, AccountStatus::Suspended);
    assert!(!live(&sessions, &session).await);
    let count = |sql: &'static str| {
        let client = &client;
        let bob = bob.id.as_uuid();
        async move {
            client
                .query_one(sql, &[&bob])
                .await
                .unwrap()
                .get::<_, i64>(0)
        }
    };
    assert_eq!(
        count("SELECT count(*) FROM sessions WHERE user_id = $1").await,
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM password_resets WHERE user_id = $1").await,
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM mcp_sessions WHERE user_id = $1").await,
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM oauth2_grants WHERE user_id = $1 AND revoked_at IS NULL").await,
        0
    );
    let token = PgGrantRepository::new(db.clone())
        .find_access_token(&grant.token)
        .await
        .unwrap()
        .unwrap();
    assert!(token.revoked);
    let actions: Vec<String> = client
        .query("SELECT action FROM audit_log ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(actions.last().map(String::as_str), Some("suspend"));
}

#[tokio::test]
async fn a_token_issued_after_the_suspension_is_refused_and_unsuspending_does_not_revive_sessions()
{
    let db = migrated_db().await;
    let repo = PgUserRepository::new(db.clone());
    let sessions = PgSessionRepository::new(db.clone());
    person(&repo, "ada", true).await;
    let bob = person(&repo, "bob", false).await;
    let session = session_of(&sessions, &bob).await;
    change(&repo, bob.id, AccountChange::Suspend).await.unwrap();
    // A code redeemed in the moment of the suspension: its grant was not there to revoke.
    let late = insert_grant(&db, &bob).await;
    let grants = PgGrantRepository::new(db.clone());
    let token = grants
        .find_access_token(&late.token)
        .await
        .unwrap()
        .unwrap();
    assert!(token.revoked, "a suspended person's tokens are refused");
    let after_session = session_of(&sessions, &bob).await;
    assert!(!live(&sessions, &after_session).await, "nor their sessions");

    change(&repo, bob.id, AccountChange::Unsuspend)
        .await
        .unwrap();
    assert!(
        !live(&sessions, &session).await,
        "the old session stays ended"
    );
    assert!(live(&sessions, &after_session).await);
}

#[tokio::test]
async fn a_new_password_ends_every_session_but_the_one_kept() {
    let db = migrated_db().await;
    let repo = PgUserRepository::new(db.clone());
    let sessions = PgSessionRepository::new(db.clone());
    let ada = person(&repo, "ada", true).await;
    let here = session_of(&sessions, &ada).await;
    let elsewhere = session_of(&sessions, &ada).await;
    let hash = PasswordHash::new("$argon2id$new".into());
    let ended = repo
        .set_password(ada.id, &hash, Some(here.lookup_id()), &audit("update"))
        .await
        .unwrap();
    assert_eq!(ended, Some(1));
    assert!(live(&sessions, &here).await);
    assert!(!live(&sessions, &elsewhere).await);
    let stored = repo
        .find_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.password_hash.as_str(), "$argon2id$new");
    let nobody = UserId::new(Uuid::new_v4());
    let unknown = repo
        .set_password(nobody, &hash, None, &audit("update"))
        .await;
    assert_eq!(unknown.unwrap(), None);
}

#[tokio::test]
async fn signing_out_everywhere_ends_only_that_persons_sessions() {
    let db = migrated_db().await;
    let repo = PgUserRepository::new(db.clone());
    let sessions = PgSessionRepository::new(db.clone());
    let ada = person(&repo, "ada", true).await;
    let bob = person(&repo, "bob", false).await;
    let (a1, a2) = (
        session_of(&sessions, &ada).await,
        session_of(&sessions, &ada).await,
    );
    let b1 = session_of(&sessions, &bob).await;
    let ended = sessions.end_all(ada.id, &audit("revoke")).await.unwrap();
    assert_eq!(ended, 2);
    assert!(!live(&sessions, &a1).await && !live(&sessions, &a2).await);
    assert!(live(&sessions, &b1).await);
}

fn reset_for(user: &User) -> NewPasswordReset {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_uses_of_one_reset_link_exactly_one_sets_the_password() {
    let db = migrated_db().await;
    let repo = PgUserRepository::new(db.clone());
    let sessions = PgSessionRepository::new(db.clone());
    let ada = person(&repo, "ada", true).await;
    let session = session_of(&sessions, &ada).await;
    let resets = PgPasswordResetRepository::new(db.clone());
    let reset = reset_for(&ada);
    assert!(resets.insert(&reset, &audit("create")).await.unwrap());
    let now = OffsetDateTime::now_utc();
    let (hash, user) = resets
        .find_live(&reset.lookup_id, now)
        .await
        .unwrap()
        .unwrap();
    assert!(hash.matches(&reset.hash) && user == ada.id);
    let uses: Vec<_> = (0..10)
        .map(|i| {
            let (resets, lookup) = (resets.clone(), reset.lookup_id.clone());
            tokio::spawn(async move {
                let hash = PasswordHash::new(format!("$argon2id$use{i}"));
                resets
                    .redeem(&lookup, now, &hash, &audit("update"))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut redeemed = 0;
    for u in uses {
        redeemed += usize::from(u.await.unwrap() == Some(ada.id));
    }
    assert_eq!(redeemed, 1);
    assert!(!live(&sessions, &session).await);
    assert!(
        resets
            .find_live(&reset.lookup_id, now)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_new_reset_link_replaces_the_old_and_an_expired_one_is_dead() {
    let db = migrated_db().await;
    let repo = PgUserRepository::new(db.clone());
    let resets = PgPasswordResetRepository::new(db.clone());
    let ada = person(&repo, "ada", true).await;
    let (first, second) = (reset_for(&ada), reset_for(&ada));
    resets.insert(&first, &audit("create")).await.unwrap();
    resets.insert(&second, &audit("create")).await.unwrap();
    let now = OffsetDateTime::now_utc();
    assert!(
        resets
            .find_live(&first.lookup_id, now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        resets
            .find_live(&second.lookup_id, now)
            .await
            .unwrap()
            .is_some()
    );
    let later = now + Duration::hours(2);
    assert!(
        resets
            .find_live(&second.lookup_id, later)
            .await
            .unwrap()
            .is_none()
    );
    let hash = PasswordHash::new("$argon2id$late".into());
    let entry = audit("update");
    let late = resets.redeem(&second.lookup_id, later, &hash, &entry).await;
    assert_eq!(late.unwrap(), None);
    let nobody = User {
        id: UserId::new(Uuid::new_v4()),
        ..ada
    };
    assert!(
        !resets
            .insert(&reset_for(&nobody), &audit("create"))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_search_pages_oldest_first_and_takes_wildcards_literally() {
    let db = migrated_db().await;
    let repo = PgUserRepository::new(db);
    for n in 0..5 {
        person(&repo, &format!("team{n}"), false).await;
    }
    person(&repo, "other", false).await;
    let query = AccountQuery::parse(Some("TEAM"), Some(2), Some(2)).unwrap();
    let (page, total) = repo.search(&query).await.unwrap();
    assert_eq!(total, 5);
    let names: Vec<_> = page.iter().map(|a| a.user.username.as_str()).collect();
    assert_eq!(names, ["team2", "team3"]);
    let beyond = AccountQuery::parse(Some("team"), Some(2), Some(10)).unwrap();
    assert_eq!(repo.search(&beyond).await.unwrap(), (Vec::new(), 5));
    let wildcard = AccountQuery::parse(Some("%"), None, None).unwrap();
    assert_eq!(repo.search(&wildcard).await.unwrap().1, 0);
}

/// A grant of `user` for a fresh app, with one live access token.
struct TestGrant {
    app_id: Uuid,
    token: LookupId,
}

async fn insert_grant(db: &Database, user: &User) -> TestGrant {
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
