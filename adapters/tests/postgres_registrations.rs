//! Dynamic registrations and shared rate-limit counters against real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::sync::Arc;

use tessera_adapters::postgres::{Database, PgRateLimitRepository, PgRegistrationRepository};
use tessera_application::ports::{
    Actor, AuditEntry, NewRegistration, RateLimitRepository, RegisteredClient,
    RegistrationRepository,
};
use tessera_domain::{
    ClientMetadata, ClientMetadataInput, ClientOrigin, Credential, CredentialKind,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

async fn migrated_db() -> Database {
    Database::connect(&tessera_test_support::migrated_database().await, 16).unwrap()
}

fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap()
}

fn audit(action: &'static str) -> AuditEntry {
    AuditEntry {
        actor: Actor {
            user_id: None,
            name: "anonymous".into(),
            ip: Some("198.51.100.4".parse().unwrap()),
            user_agent: Some("agent/1".into()),
        },
        action,
        target_type: "client",
        target_id: "x".into(),
        at: now(),
        details: Vec::new(),
    }
}

fn registration(input: ClientMetadataInput, at: OffsetDateTime) -> (NewRegistration, Credential) {
    let token = Credential::from_entropy(
        CredentialKind::RegistrationAccessToken,
        rand_bytes(),
        [7; 32],
    );
    let new = NewRegistration {
        client: RegisteredClient {
            id: Uuid::new_v4(),
            metadata: ClientMetadata::parse(input).unwrap(),
            issued_at: at,
            updated_at: at,
        },
        origin: ClientOrigin {
            ip: Some("198.51.100.4".parse().unwrap()),
            user_agent: Some("agent/1".into()),
            software_id: Some("sw".into()),
            ..Default::default()
        },
        token_lookup_id: token.lookup_id().clone(),
        token_hash: token.hash(),
        secret: None,
    };
    (new, token)
}

fn rand_bytes() -> [u8; 8] {
    *Uuid::new_v4().as_bytes().first_chunk::<8>().unwrap()
}

fn public_input() -> ClientMetadataInput {
    ClientMetadataInput {
        redirect_uris: Some(vec!["http://127.0.0.1:9/cb".into()]),
        application_type: Some("native".into()),
        token_endpoint_auth_method: Some("none".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_registration_reads_back_exactly_as_registered() {
    let repo = PgRegistrationRepository::new(migrated_db().await);
    let input = ClientMetadataInput {
        redirect_uris: Some(vec!["https://app.example/cb".into()]),
        client_uri: Some("https://app.example".into()),
        jwks: Some(r#"{"keys":[]}"#.into()),
        scope: Some("mcp".into()),
        contacts: Some(vec!["ops@app.example".into()]),
        software_id: Some("sw".into()),
        software_version: Some("1.2".into()),
        ..Default::default()
    };
    let (new, token) = registration(input, now());
    assert!(repo.insert(&new, &audit("create"), 10).await.unwrap());
    let (found, lookup, hash) = repo.find(new.client.id).await.unwrap().unwrap();
    assert_eq!(found.metadata, new.client.metadata);
    assert_eq!(found.metadata.client_name(), None, "no name was given");
    assert_eq!(&lookup, token.lookup_id());
    assert!(hash.matches(&token.hash()));
}

#[tokio::test]
async fn the_client_cap_is_exact_one_after_another_and_passed_by_less_than_the_pool_at_once() {
    let repo = Arc::new(PgRegistrationRepository::new(migrated_db().await));
    let mut stored = 0;
    for _ in 0..5 {
        let (new, _) = registration(public_input(), now());
        stored += usize::from(repo.insert(&new, &audit("create"), 3).await.unwrap());
    }
    assert_eq!(stored, 3, "one after another, the cap is exact");

    // At once, each transaction counts what it sees: the cap (5) may be passed, by fewer
    // than the pool's 16 connections, and never refuses while there is room.
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let repo = repo.clone();
            tokio::spawn(async move {
                let (new, _) = registration(public_input(), now());
                repo.insert(&new, &audit("create"), 5).await.unwrap()
            })
        })
        .collect();
    let mut stored_at_once = 0;
    for task in tasks {
        stored_at_once += usize::from(task.await.unwrap());
    }
    assert!(
        (2..2 + 16).contains(&stored_at_once),
        "{stored_at_once} stored at once with room for 2"
    );
}

/// The client count the cap reads (V18's rows) and a count of the clients themselves.
async fn counts(db: &Database) -> (i64, i64) {
    const SQL: &str = "SELECT (SELECT sum(clients) FROM oauth2_client_counts)::bigint,
                              (SELECT count(*) FROM oauth2_apps WHERE source IN ('dynamic', 'cimd'))";
    let row = db
        .client()
        .await
        .unwrap()
        .query_one(SQL, &[])
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

#[tokio::test]
async fn the_count_the_cap_reads_follows_registrations_deletions_and_expiry_not_admin_apps() {
    let db = migrated_db().await;
    let repo = Arc::new(PgRegistrationRepository::new(db.clone()));
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let repo = repo.clone();
            tokio::spawn(async move {
                let (new, _) = registration(public_input(), now() - Duration::hours(25));
                repo.insert(&new, &audit("create"), 100).await.unwrap();
                new.client.id
            })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap());
    }
    assert_eq!(counts(&db).await, (12, 12));
    db.client()
        .await
        .unwrap()
        .execute(
            "INSERT INTO oauth2_apps (id, name, callback_url, redirect_uris, client_type,
                 token_endpoint_auth_method, source, created_at, updated_at)
             VALUES ($1, 'admin app', 'https://a.example/cb', ARRAY['https://a.example/cb'],
                 'public', 'none', 'admin', now(), now())",
            &[&Uuid::new_v4()],
        )
        .await
        .unwrap();
    assert_eq!(counts(&db).await, (12, 12), "admin apps are not capped");
    assert!(repo.delete(ids[0], &audit("delete")).await.unwrap());
    assert_eq!(counts(&db).await, (11, 11));
    let removed = repo
        .delete_unused(now() - Duration::hours(24), &audit("delete"))
        .await
        .unwrap();
    assert_eq!((removed, counts(&db).await), (11, (0, 0)));
}

#[tokio::test]
async fn only_old_clients_that_never_authorized_anyone_expire_and_each_is_audited() {
    let db = migrated_db().await;
    let repo = PgRegistrationRepository::new(db.clone());
    let old = now() - Duration::hours(25);
    let (stale, _) = registration(public_input(), old);
    let (used, _) = registration(public_input(), old);
    let (fresh, _) = registration(public_input(), now());
    for r in [&stale, &used, &fresh] {
        repo.insert(r, &audit("create"), 10).await.unwrap();
    }
    let client = db.client().await.unwrap();
    client
        .execute(
            "UPDATE oauth2_apps SET last_token_at = now() WHERE id = $1",
            &[&used.client.id],
        )
        .await
        .unwrap();
    let removed = repo
        .delete_unused(now() - Duration::hours(24), &audit("delete"))
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert!(repo.find(stale.client.id).await.unwrap().is_none());
    assert!(repo.find(used.client.id).await.unwrap().is_some());
    assert!(repo.find(fresh.client.id).await.unwrap().is_some());
    let audited: i64 = client
        .query_one(
            "SELECT count(*) FROM audit_log WHERE action = 'delete' AND target_id = $1",
            &[&stale.client.id.to_string()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn concurrent_hits_on_one_counter_are_each_counted() {
    let limits = Arc::new(PgRateLimitRepository::new(migrated_db().await));
    let window = now();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let limits = limits.clone();
            tokio::spawn(async move { limits.hit("register:192.0.2.1", window).await.unwrap() })
        })
        .collect();
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(task.await.unwrap());
    }
    seen.sort_unstable();
    assert_eq!(seen, (1..=20).collect::<Vec<u32>>());
    assert_eq!(limits.hit("register:192.0.2.2", window).await.unwrap(), 1);
}
