//! [`CimdRepository`]: clients named by metadata documents, and their cached documents.

use tessera_domain::{ClientIdUrl, ClientMetadata, ClientMetadataInput, RegistrationSource};
use time::Duration;

use super::World;
use super::fixtures::entry;
use crate::Clock;
use crate::ports::*;

const URL: &str = "https://app.example/client.json";
const JSON: &str = r#"{"client_id":"https://app.example/client.json"}"#;

/// The document of `metadata`, fetched at `now` and fresh for an hour.
fn fresh_document(metadata: &ClientMetadata, now: time::OffsetDateTime) -> StoredDocument<'_> {
    StoredDocument {
        metadata,
        json: JSON,
        fetched_at: now,
        expires_at: now + Duration::hours(1),
    }
}

fn metadata(name: &str) -> ClientMetadata {
    ClientMetadata::parse_for_cimd(ClientMetadataInput {
        redirect_uris: Some(vec!["https://app.example/cb".into()]),
        token_endpoint_auth_method: Some("none".into()),
        client_name: Some(name.into()),
        ..Default::default()
    })
    .unwrap()
}

/// A stored document's client reads back by URL with its expiry; storing it again keeps
/// its id and its block.
pub async fn a_stored_client_reads_back_and_keeps_its_id<P: Ports>(w: &World<P>) {
    let url = ClientIdUrl::parse(URL, false).unwrap();
    let now = w.clock.now();
    let first = metadata("First");
    let document = fresh_document(&first, now);
    let client = w.cimd.store(&url, &document, 10).await.unwrap().unwrap();
    assert_eq!(
        (client.source, client.cimd_url.as_deref()),
        (RegistrationSource::Cimd, Some(URL))
    );
    assert_eq!(client.name.as_str(), "First");
    let cached = w.cimd.find(URL).await.unwrap().unwrap();
    assert_eq!(
        (cached.client.id, cached.expires_at),
        (client.id, now + Duration::hours(1))
    );
    assert!(
        w.cimd
            .find("https://other.example/client.json")
            .await
            .unwrap()
            .is_none()
    );
    let audit = entry("block", "app", &client.id.to_string(), now);
    w.apps.set_blocked(client.id, true, &audit).await.unwrap();
    let second = metadata("Second");
    let document = StoredDocument {
        metadata: &second,
        ..document
    };
    let again = w.cimd.store(&url, &document, 0).await.unwrap().unwrap();
    assert_eq!(
        (again.id, again.blocked, again.name.as_str()),
        (client.id, true, "Second")
    );
}

/// A new client is not stored once the cap is reached.
pub async fn the_cap_refuses_a_new_client<P: Ports>(w: &World<P>) {
    let url = ClientIdUrl::parse(URL, false).unwrap();
    let now = w.clock.now();
    let metadata = metadata("First");
    let document = fresh_document(&metadata, now);
    assert!(w.cimd.store(&url, &document, 0).await.unwrap().is_none());
    assert!(w.cimd.find(URL).await.unwrap().is_none());
}

/// A forgotten document's client stays, but its cache has expired.
pub async fn a_forgotten_document_is_expired_but_its_client_stays<P: Ports>(w: &World<P>) {
    let url = ClientIdUrl::parse(URL, false).unwrap();
    let now = w.clock.now();
    let metadata = metadata("First");
    let document = fresh_document(&metadata, now);
    let client = w.cimd.store(&url, &document, 10).await.unwrap().unwrap();
    w.cimd.forget(URL).await.unwrap();
    let cached = w.cimd.find(URL).await.unwrap().unwrap();
    assert_eq!(cached.client.id, client.id);
    assert!(cached.expires_at <= now);
}

/// Every test of [`CimdRepository`], as `#[tokio::test]`s on the world `$world` builds.
#[macro_export]
macro_rules! cimd_repository_contract {
    ($world:expr) => {
        $crate::contract_tests!($world, cimd_repository:
            a_stored_client_reads_back_and_keeps_its_id,
            the_cap_refuses_a_new_client,
            a_forgotten_document_is_expired_but_its_client_stays,
        );
    };
}
