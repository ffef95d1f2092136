//! CIMD clients and their cached documents against real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use tessera_adapters::postgres::{Database, PgCimdRepository};
use tessera_application::ports::CimdRepository;
use tessera_domain::{
    ClientIdUrl, ClientMetadata, ClientMetadataInput, ClientType, RegistrationSource,
};
use time::{Duration, OffsetDateTime};

const URL: &str = "https://client.example/oauth/metadata.json";

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

#[tokio::test]
async fn a_document_client_is_stored_found_and_refreshed_in_place_keeping_its_id_and_block() {
    let db = Database::connect(&tessera_test_support::migrated_database().await, 4).unwrap();
    let repo = PgCimdRepository::new(db.clone());
    let url = ClientIdUrl::parse(URL, false).unwrap();
    assert!(repo.find(URL).await.unwrap().is_none());
    let fetched = now();
    let stored = repo
        .store(
            &url,
            &metadata(None, "http://127.0.0.1:9/cb"),
            "{}",
            fetched,
            fetched + Duration::hours(1),
        )
        .await
        .unwrap();
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
    let again = repo
        .store(
            &url,
            &metadata(Some("Renamed"), "http://127.0.0.1:9/cb2"),
            "{}",
            now(),
            now() + Duration::hours(2),
        )
        .await
        .unwrap();
    assert_eq!(again.id, stored.id, "the same client");
    assert!(again.blocked, "a refetch never unblocks");
    assert_eq!(again.name.as_str(), "Renamed");
    assert_eq!(again.redirect_uris[0].as_str(), "http://127.0.0.1:9/cb2");
}
