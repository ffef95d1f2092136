//! [`RegistrationRepository`]: dynamically registered clients, capped, replaced, deleted.

use tessera_domain::{
    ClientIdUrl, ClientMetadata, ClientMetadataInput, CredentialKind, RegistrationSource,
};
use time::{Duration, OffsetDateTime};

use super::World;
use super::fixtures::{audited_by, entry_by};
use crate::ports::*;
use crate::{Clock, Rng, issue_credential};

/// A public native client registered at `at`, not yet stored.
pub fn registration<P: Ports>(w: &World<P>, at: OffsetDateTime) -> NewRegistration {
    let token = issue_credential(&w.rng, CredentialKind::RegistrationAccessToken);
    let input = ClientMetadataInput {
        redirect_uris: Some(vec!["http://127.0.0.1:9/cb".into()]),
        application_type: Some("native".into()),
        token_endpoint_auth_method: Some("none".into()),
        client_name: Some("Native".into()),
        ..Default::default()
    };
    NewRegistration {
        client: RegisteredClient {
            id: w.rng.uuid(),
            metadata: ClientMetadata::parse(input).unwrap(),
            issued_at: at,
            updated_at: at,
        },
        origin: Default::default(),
        token_lookup_id: token.lookup_id().clone(),
        token_hash: token.hash(),
        secret: None,
    }
}

/// A registration reads back with its token's lookup id and hash; the cap refuses more.
pub async fn a_registration_reads_back_and_the_cap_holds<P: Ports>(w: &World<P>) {
    let now = w.clock.now();
    let (first, second) = (registration(w, now), registration(w, now));
    let audit = entry_by("registrar", "create", "client", "c", now);
    assert!(w.registrations.insert(&first, &audit, 1).await.unwrap());
    assert!(!w.registrations.insert(&second, &audit, 1).await.unwrap());
    assert!(
        w.registrations
            .find(second.client.id)
            .await
            .unwrap()
            .is_none()
    );
    let (client, lookup, hash) = w
        .registrations
        .find(first.client.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((client.id, client.issued_at), (first.client.id, now));
    assert_eq!(client.metadata, first.client.metadata);
    assert_eq!(lookup, first.token_lookup_id);
    assert_eq!(hash.as_bytes(), first.token_hash.as_bytes());
    assert_eq!(audited_by(w, "registrar").await.len(), 1);
}

/// Replacing and deleting an unknown client are `false` and audit nothing; a deleted
/// client is gone.
pub async fn unknown_clients_are_neither_replaced_nor_deleted<P: Ports>(w: &World<P>) {
    let now = w.clock.now();
    let stored = registration(w, now);
    let audit = entry_by("registrar", "create", "client", "c", now);
    assert!(w.registrations.insert(&stored, &audit, 10).await.unwrap());
    let unknown = registration(w, now);
    let audit = entry_by("editor", "update", "client", "c", now);
    assert!(
        !w.registrations
            .replace(&unknown.client, &audit)
            .await
            .unwrap()
    );
    assert!(
        !w.registrations
            .delete(unknown.client.id, &audit)
            .await
            .unwrap()
    );
    assert!(audited_by(w, "editor").await.is_empty());
    let mut edited = stored.client.clone();
    edited.updated_at = now + Duration::minutes(1);
    assert!(w.registrations.replace(&edited, &audit).await.unwrap());
    let (found, _, _) = w
        .registrations
        .find(stored.client.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.updated_at, edited.updated_at);
    assert!(
        w.registrations
            .delete(stored.client.id, &audit)
            .await
            .unwrap()
    );
    assert!(
        w.registrations
            .find(stored.client.id)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(audited_by(w, "editor").await.len(), 2);
}

/// Clients registered before the cutoff that never obtained a grant are deleted, each
/// audited; newer ones stay.
pub async fn unused_old_registrations_are_deleted<P: Ports>(w: &World<P>) {
    let now = w.clock.now();
    let (old, new) = (
        registration(w, now - Duration::days(2)),
        registration(w, now),
    );
    let audit = entry_by("registrar", "create", "client", "c", now);
    for r in [&old, &new] {
        assert!(w.registrations.insert(r, &audit, 10).await.unwrap());
    }
    let audit = entry_by("sweeper", "delete", "client", "unused", now);
    let cutoff = now - Duration::days(1);
    assert_eq!(
        w.registrations.delete_unused(cutoff, &audit).await.unwrap(),
        1
    );
    assert!(w.registrations.find(old.client.id).await.unwrap().is_none());
    assert!(w.registrations.find(new.client.id).await.unwrap().is_some());
    assert_eq!(audited_by(w, "sweeper").await.len(), 1);
}

/// A registered client is a client to the OAuth endpoints, and counts toward the cap
/// together with the clients of metadata documents.
pub async fn a_registered_client_is_a_client_capped_with_document_clients<P: Ports>(w: &World<P>) {
    let now = w.clock.now();
    let registered = registration(w, now);
    let audit = entry_by("registrar", "create", "client", "c", now);
    assert!(
        w.registrations
            .insert(&registered, &audit, 2)
            .await
            .unwrap()
    );
    let client = w
        .clients
        .find_client(registered.client.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (client.source, client.name.as_str()),
        (RegistrationSource::Dynamic, "Native")
    );
    assert_eq!(
        client.redirect_uris,
        registered.client.metadata.redirect_uris()
    );
    let url = ClientIdUrl::parse("https://app.example/client.json", false).unwrap();
    let input = ClientMetadataInput {
        redirect_uris: Some(vec!["https://app.example/cb".into()]),
        token_endpoint_auth_method: Some("none".into()),
        ..Default::default()
    };
    let metadata = ClientMetadata::parse_for_cimd(input).unwrap();
    let document = StoredDocument {
        metadata: &metadata,
        json: "{}",
        fetched_at: now,
        expires_at: now + Duration::hours(1),
    };
    let stored = w.cimd.store(&url, &document, 10).await.unwrap().unwrap();
    assert_eq!(stored.name.as_str(), "app.example");
    let third = registration(w, now);
    assert!(!w.registrations.insert(&third, &audit, 2).await.unwrap());
    assert!(
        w.registrations
            .delete(registered.client.id, &audit)
            .await
            .unwrap()
    );
    assert!(
        w.clients
            .find_client(registered.client.id)
            .await
            .unwrap()
            .is_none()
    );
}

/// Every test of [`RegistrationRepository`], as `#[tokio::test]`s on the world `$world`
/// builds.
#[macro_export]
macro_rules! registration_repository_contract {
    ($world:expr) => {
        $crate::contract_tests!($world, registration_repository:
            a_registration_reads_back_and_the_cap_holds,
            unknown_clients_are_neither_replaced_nor_deleted,
            unused_old_registrations_are_deleted,
            a_registered_client_is_a_client_capped_with_document_clients,
        );
    };
}
