//! The PostgreSQL repositories against a real, fresh database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns
use tessera_adapters::postgres::{
    Database, PgSessionRepository, PgThrottleRepository, PgUserRepository, migrate,
    schema_is_current,
};
use tessera_application::RepoError;
use tessera_application::ports::{
    Actor, AttemptOutcome, AttemptWindow, AuditEntry, NewSession, SessionRepository,
    ThrottleRepository, UserRepository,
};
use tessera_domain::{
    AccountQuery, AccountStatus, Credential, CredentialKind, Email, PasswordHash, User, UserId,
    UserWithPassword, Username,
};
use time::{Duration, OffsetDateTime};

async fn migrated_db() -> Database {
    Database::connect(&tessera_test_support::migrated_database().await, 4).unwrap()
}

fn user(email: &str, username: &str) -> UserWithPassword {
    UserWithPassword {
        user: User {
            id: UserId::new(uuid::Uuid::new_v4()),
            email: Email::parse(email).unwrap(),
            username: Username::parse(username).unwrap(),
            admin: false,
            created_at: OffsetDateTime::now_utc(),
        },
        password_hash: PasswordHash::new("$argon2id$not-checked-here".into()),
        status: AccountStatus::Active,
    }
}

fn created() -> AuditEntry {
    AuditEntry {
        actor: Actor {
            user_id: None,
            name: "test".into(),
            ip: None,
            user_agent: None,
        },
        action: "create",
        target_type: "user",
        target_id: "someone".into(),
        at: OffsetDateTime::now_utc(),
        details: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_migrating_at_once_apply_each_migration_exactly_once() {
    let url = tessera_test_support::fresh_database().await;
    let replicas: Vec<_> = (0..4)
        .map(|_| {
            let db = Database::connect(&url, 2).unwrap();
            tokio::spawn(async move { migrate(&db).await })
        })
        .collect();
    let mut applied = 0;
    for replica in replicas {
        applied += replica.await.unwrap().unwrap();
    }
    // Counted, not read off the latest version: versions may have gaps while branches land.
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations"))
        .unwrap()
        .filter(|f| f.as_ref().unwrap().path().extension() == Some("sql".as_ref()))
        .count();
    assert_eq!(applied, migrations);
    assert!(
        schema_is_current(&Database::connect(&url, 1).unwrap())
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn an_older_release_starts_on_a_schema_a_newer_one_migrated() {
    let url = tessera_test_support::fresh_database().await;
    let db = Database::connect(&url, 1).unwrap();
    migrate(&db).await.unwrap();
    db.client()
        .await
        .unwrap()
        .execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
             VALUES (9999, 'from_a_newer_release', '2030-01-01T00:00:00Z', '0')",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        migrate(&db).await.unwrap(),
        0,
        "nothing to apply, and no refusal"
    );
    assert!(schema_is_current(&db).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_many_concurrent_first_users_exactly_one_is_created() {
    let db = migrated_db().await;
    let attempts: Vec<_> = (0..10)
        .map(|i| {
            let repo = PgUserRepository::new(db.clone());
            tokio::spawn(async move {
                repo.insert_first(&user(&format!("u{i}@example.com"), &format!("u{i}")))
                    .await
            })
        })
        .collect();
    let mut created = 0;
    for attempt in attempts {
        created += usize::from(attempt.await.unwrap().unwrap());
    }
    assert_eq!(created, 1);
    let (_, total) = PgUserRepository::new(db)
        .search(&AccountQuery::all())
        .await
        .unwrap();
    assert_eq!(total, 1);
}

#[tokio::test]
async fn a_taken_email_or_username_is_a_conflict_naming_the_field() {
    let repo = PgUserRepository::new(migrated_db().await);
    repo.insert(&user("ada@example.com", "ada"), &created())
        .await
        .unwrap();
    let same_email = repo
        .insert(&user("ADA@Example.com", "other"), &created())
        .await;
    assert!(
        matches!(same_email, Err(RepoError::Conflict { field: "email" })),
        "{same_email:?}"
    );
    let same_name = repo
        .insert(&user("other@example.com", "ada"), &created())
        .await;
    assert!(
        matches!(same_name, Err(RepoError::Conflict { field: "username" })),
        "{same_name:?}"
    );
}

#[tokio::test]
async fn a_user_is_found_by_normalized_email_with_their_hash() {
    let repo = PgUserRepository::new(migrated_db().await);
    let ada = user("Ada@Example.com", "ada");
    repo.insert(&ada, &created()).await.unwrap();
    let found = repo
        .find_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.user.id, &found.user.email, &found.user.username),
        (ada.user.id, &ada.user.email, &ada.user.username)
    );
    assert_eq!(found.password_hash.as_str(), ada.password_hash.as_str());
    assert_eq!(
        repo.find_account(ada.user.id)
            .await
            .unwrap()
            .unwrap()
            .user
            .username
            .as_str(),
        "ada"
    );
}

fn new_session(u: &User, expires_at: OffsetDateTime) -> (Credential, NewSession) {
    let credential = Credential::from_entropy(CredentialKind::Session, rand_bytes(), rand_bytes());
    let session = NewSession {
        lookup_id: credential.lookup_id().clone(),
        hash: credential.hash(),
        user: u.clone(),
        created_at: OffsetDateTime::now_utc(),
        expires_at,
    };
    (credential, session)
}

fn rand_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    bytes
        .iter_mut()
        .zip(uuid::Uuid::new_v4().as_bytes().iter().cycle())
        .for_each(|(b, r)| *b = *r);
    bytes
}

#[tokio::test]
async fn a_live_session_returns_its_hash_and_user_and_an_expired_one_nothing() {
    let db = migrated_db().await;
    let ada = user("ada@example.com", "ada");
    PgUserRepository::new(db.clone())
        .insert(&ada, &created())
        .await
        .unwrap();
    let sessions = PgSessionRepository::new(db);
    let now = OffsetDateTime::now_utc();
    let (credential, session) = new_session(&ada.user, now + Duration::hours(1));
    sessions.insert(&session).await.unwrap();

    let (hash, found) = sessions
        .find_live(credential.lookup_id(), now)
        .await
        .unwrap()
        .unwrap();
    assert!(hash.matches(&credential.hash()));
    assert_eq!(found.id, ada.user.id);
    let later = now + Duration::hours(2);
    assert!(
        sessions
            .find_live(credential.lookup_id(), later)
            .await
            .unwrap()
            .is_none()
    );
    sessions.delete(credential.lookup_id()).await.unwrap();
    assert!(
        sessions
            .find_live(credential.lookup_id(), now)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_database_holds_only_the_hash_of_a_session() {
    let db = migrated_db().await;
    let ada = user("ada@example.com", "ada");
    PgUserRepository::new(db.clone())
        .insert(&ada, &created())
        .await
        .unwrap();
    let (credential, session) =
        new_session(&ada.user, OffsetDateTime::now_utc() + Duration::hours(1));
    PgSessionRepository::new(db.clone())
        .insert(&session)
        .await
        .unwrap();
    let client = db.client().await.unwrap();
    let row = client
        .query_one("SELECT lookup_id, secret_hash FROM sessions", &[])
        .await
        .unwrap();
    let stored: Vec<u8> = row.get(1);
    assert_eq!(stored, credential.hash().as_bytes());
    // Every value of the row written out (row_to_json), not the column names `Row`'s Debug shows.
    let dump: String = client
        .query_one("SELECT row_to_json(s)::text FROM sessions s", &[])
        .await
        .unwrap()
        .get(0);
    assert!(dump.contains(credential.lookup_id().as_str()), "{dump}");
    // `<kind>_<lookup>_<secret>`; the secret (base64url) may itself hold `_`.
    let secret_part = credential.expose().splitn(3, '_').nth(2).unwrap();
    assert!(!dump.contains(secret_part), "{dump}");
    assert!(!dump.contains(credential.expose()), "{dump}");
}

/// A settled failed login for `email` at `at`.
async fn fail(throttle: &PgThrottleRepository, email: &str, at: OffsetDateTime) {
    let window = AttemptWindow {
        since: at,
        pending_expired_before: at,
    };
    let (attempt, _) = throttle
        .begin_attempt(email, None, at, window, |_| true)
        .await
        .unwrap();
    throttle
        .finish_attempt(attempt.unwrap(), email, AttemptOutcome::Failed)
        .await
        .unwrap();
}

#[tokio::test]
async fn deleting_a_user_deletes_their_sessions() {
    let db = migrated_db().await;
    let ada = user("ada@example.com", "ada");
    PgUserRepository::new(db.clone())
        .insert(&ada, &created())
        .await
        .unwrap();
    let sessions = PgSessionRepository::new(db.clone());
    let (credential, session) =
        new_session(&ada.user, OffsetDateTime::now_utc() + Duration::hours(1));
    sessions.insert(&session).await.unwrap();
    let client = db.client().await.unwrap();
    client
        .execute("DELETE FROM users WHERE id = $1", &[&ada.user.id.as_uuid()])
        .await
        .unwrap();
    assert!(
        sessions
            .find_live(credential.lookup_id(), OffsetDateTime::now_utc())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_sweep_removes_expired_sessions_and_stale_failures_only() {
    let db = migrated_db().await;
    let ada = user("ada@example.com", "ada");
    PgUserRepository::new(db.clone())
        .insert(&ada, &created())
        .await
        .unwrap();
    let sessions = PgSessionRepository::new(db.clone());
    let now = OffsetDateTime::now_utc();
    let (live, live_session) = new_session(&ada.user, now + Duration::hours(1));
    let (_, expired_session) = new_session(&ada.user, now - Duration::seconds(1));
    sessions.insert(&live_session).await.unwrap();
    sessions.insert(&expired_session).await.unwrap();
    let throttle = PgThrottleRepository::new(db.clone());
    fail(&throttle, "ada@example.com", now - Duration::days(2)).await;
    fail(&throttle, "ada@example.com", now).await;

    let removed = tessera_adapters::postgres::sweep_expired(&db, now)
        .await
        .unwrap();

    assert_eq!(removed, 2);
    assert!(
        sessions
            .find_live(live.lookup_id(), now)
            .await
            .unwrap()
            .is_some()
    );
    let window = AttemptWindow {
        since: now - Duration::days(3),
        pending_expired_before: now,
    };
    let (_, seen) = throttle
        .begin_attempt("ada@example.com", None, now, window, |_| true)
        .await
        .unwrap();
    assert_eq!(seen.for_email, 1);
}

#[tokio::test]
async fn sslmode_require_refuses_a_server_without_tls() {
    // A cluster of its own, on a loopback port: the shared test server may be on a Unix
    // socket, where PostgreSQL clients never use TLS whatever `sslmode` says.
    let dir =
        std::env::temp_dir().join(format!("tessera-no-tls-{}", uuid::Uuid::new_v4().simple()));
    let cluster = tessera_adapters::postgres::EmbeddedPostgres::start(&dir, true).unwrap();
    let url = cluster.url().to_owned();
    let separator = if url.contains('?') { '&' } else { '?' };
    let plain = Database::connect(&format!("{url}{separator}sslmode=disable"), 1).unwrap();
    assert!(plain.client().await.is_ok(), "a plain connection works");
    // Test clusters serve no TLS (or a self-signed certificate): requiring it must fail,
    // and say that TLS is why. A working TLS connection: bootstrap/tests/database_tls.rs.
    let required = Database::connect(&format!("{url}{separator}sslmode=require"), 1).unwrap();
    let err = required.client().await.expect_err("TLS was required");
    let message = format!("{:#}", anyhow::Error::new(err));
    assert!(message.contains("TLS"), "{message}");
    drop((plain, required));
    cluster.stop().unwrap();
}
