//! CIMD clients and their cached documents against real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use tessera_adapters::postgres::{Database, PgCimdRepository, PgRegistrationRepository};
use tessera_application::ports::{
    Actor, AuditEntry, CimdRepository, RegistrationRepository, StoredDocument,
};
use tessera_domain::{
    ClientIdUrl, ClientMetadata, ClientMetadataInput, ClientType, OAuthClient, RegistrationSource,
};
use time::{Duration, OffsetDateTime};

const URL: &str = "https://client.example/oauth/metadata.json";
const OTHER: &str = "https://other.example/client.json";

fn metadata(name: Option<&str>, redirect: &str) -> ClientMetadata {
    ClientMetadata::parse_for_cimd(ClientMetadataInput {
        redirect_uris: Some(vec![redirect.into()]),
        client_name: name.map(str::to_owned),
        application_type: Some("native".into()),
        ..Default::default()
    })
    .unwrap()
}

fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap()
}

async fn migrated() -> Database {
    Database::connect(&tessera_test_support::migrated_database().await, 4).unwrap()
}

/// Stores `url`'s document, fetched at `fetched`, under a cap of `max_clients`.
async fn store(
    repo: &PgCimdRepository,
    url: &str,
    metadata: &ClientMetadata,
    fetched: OffsetDateTime,
    max_clients: i64,
) -> Option<OAuthClient> {
    let document = StoredDocument {
        metadata,
        json: "{}",
        fetched_at: fetched,
        expires_at: fetched + Duration::hours(1),
    };
    let url = ClientIdUrl::parse(url, false).unwrap();
    repo.store(&url, &document, max_clients).await.unwrap()
}

fn audit() -> AuditEntry {
    AuditEntry {
        actor: Actor {
            user_id: None,
            name: "tessera".into(),
            ip: None,
            user_agent: None,
        },
        action: "delete",
        target_type: "client",
        target_id: "x".into(),
        at: now(),
        details: Vec::new(),
    }
}

#[tokio::test]
async fn a_document_client_is_stored_found_and_refreshed_in_place_keeping_its_id_and_block() {
    let db = migrated().await;
    let repo = PgCimdRepository::new(db.clone());
    assert!(repo.find(URL).await.unwrap().is_none());
    let fetched = now();
    let unnamed = metadata(None, "http://127.0.0.1:9/cb");
    let stored = store(&repo, URL, &unnamed, fetched, 10).await.unwrap();
    assert_eq!(
        stored.name.as_str(),
        "client.example",
        "an unnamed document client shows its host"
    );
    assert_eq!(stored.client_type, ClientType::Public);
    assert_eq!(stored.source, RegistrationSource::Cimd);
    assert_eq!(stored.cimd_url.as_deref(), Some(URL));
    let found = repo.find(URL).await.unwrap().unwrap();
    assert_eq!(found.client.id, stored.id);
    assert_eq!(found.expires_at, fetched + Duration::hours(1));

    let client = db.client().await.unwrap();
    client
        .execute(
            "UPDATE oauth2_apps SET blocked = true WHERE id = $1",
            &[&stored.id],
        )
        .await
        .unwrap();
    let renamed = metadata(Some("Renamed"), "http://127.0.0.1:9/cb2");
    let again = store(&repo, URL, &renamed, now(), 10).await.unwrap();
    assert_eq!(again.id, stored.id, "the same client");
    assert!(again.blocked, "a refetch never unblocks");
    assert_eq!(again.name.as_str(), "Renamed");
    assert_eq!(again.redirect_uris[0].as_str(), "http://127.0.0.1:9/cb2");
}

#[tokio::test]
async fn document_and_registered_clients_share_one_cap_and_a_refetch_is_never_refused() {
    let db = migrated().await;
    let repo = PgCimdRepository::new(db.clone());
    let doc = metadata(None, "http://127.0.0.1:9/cb");
    assert!(store(&repo, URL, &doc, now(), 1).await.is_some());
    assert!(
        store(&repo, OTHER, &doc, now(), 1).await.is_none(),
        "a new client beyond the cap"
    );
    assert!(
        store(&repo, URL, &doc, now(), 1).await.is_some(),
        "a known one refreshed"
    );
    let client = db.client().await.unwrap();
    client
        .execute(
            "INSERT INTO oauth2_apps (id, name, callback_url, redirect_uris, client_type,
                token_endpoint_auth_method, source, created_at, updated_at)
             VALUES (gen_random_uuid(), 'Reg', 'https://a.example/cb', '{https://a.example/cb}',
                'public', 'none', 'dynamic', now(), now())",
            &[],
        )
        .await
        .unwrap();
    assert!(
        store(&repo, OTHER, &doc, now(), 2).await.is_none(),
        "a registered client counts too"
    );
}

#[tokio::test]
async fn a_forgotten_document_keeps_its_client_but_counts_as_long_expired() {
    let repo = PgCimdRepository::new(migrated().await);
    let doc = metadata(None, "http://127.0.0.1:9/cb");
    let stored = store(&repo, URL, &doc, now(), 10).await.unwrap();
    repo.forget(URL).await.unwrap();
    let found = repo.find(URL).await.unwrap().unwrap();
    assert_eq!(found.client.id, stored.id);
    assert_eq!(found.expires_at, OffsetDateTime::UNIX_EPOCH);
}

#[tokio::test]
async fn unused_document_clients_expire_with_their_documents_unless_blocked() {
    let db = migrated().await;
    let repo = PgCimdRepository::new(db.clone());
    let doc = metadata(None, "http://127.0.0.1:9/cb");
    let old = now() - Duration::hours(25);
    store(&repo, URL, &doc, old, 10).await.unwrap();
    let blocked = store(&repo, OTHER, &doc, old, 10).await.unwrap();
    let client = db.client().await.unwrap();
    client
        .execute(
            "UPDATE oauth2_apps SET blocked = true WHERE id = $1",
            &[&blocked.id],
        )
        .await
        .unwrap();
    let removed = PgRegistrationRepository::new(db.clone())
        .delete_unused(now() - Duration::hours(24), &audit())
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert!(repo.find(URL).await.unwrap().is_none());
    let documents: i64 = client
        .query_one(
            "SELECT count(*) FROM cimd_documents WHERE url = $1",
            &[&URL],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(documents, 0, "its document went with it");
    assert!(repo.find(OTHER).await.unwrap().is_some(), "blocked stays");
}
