//! [`AppRepository`]: apps and their secrets as stored, listed and deleted.

use tessera_domain::{AppDeletion, AppSecretInfo, CredentialKind};
use time::Duration;

use super::World;
use super::fixtures::{app, audited_by, draft_app, entry_by, grant, person};
use crate::ports::*;
use crate::{Clock, Rng, issue_credential};

/// A stored app reads back as stored; an unknown one is not found.
pub async fn a_stored_app_reads_back<P: Ports>(w: &World<P>) {
    let app = app(w, "Editor").await;
    let found = w.apps.find(app.id).await.unwrap().unwrap();
    assert_eq!(
        (found.id, &found.draft, found.source),
        (app.id, &app.draft, app.source)
    );
    assert_eq!((found.created_at, found.blocked), (app.created_at, false));
    assert!(w.apps.find(w.rng.uuid()).await.unwrap().is_none());
}

/// An update replaces the editable fields and is audited; an unknown app is `false`.
pub async fn an_update_is_stored_and_an_unknown_app_is_false<P: Ports>(w: &World<P>) {
    let app = app(w, "Editor").await;
    let mut edited = app.clone();
    edited.draft.name = tessera_domain::AppName::parse("Writer").unwrap();
    let audit = entry_by("editor", "update", "app", app.id, w.clock.now());
    assert!(w.apps.update(&edited, &audit).await.unwrap());
    let found = w.apps.find(app.id).await.unwrap().unwrap();
    assert_eq!(found.draft.name.as_str(), "Writer");
    let unknown = draft_app(w, "Ghost", Duration::ZERO);
    assert!(!w.apps.update(&unknown, &audit).await.unwrap());
    assert_eq!(audited_by(w, "editor").await.len(), 1);
}

/// Blocking is stored; an unknown app is `false` and audits nothing.
pub async fn blocking_is_stored_and_an_unknown_app_is_false<P: Ports>(w: &World<P>) {
    let app = app(w, "Editor").await;
    let audit = entry_by("blocker", "block", "app", app.id, w.clock.now());
    assert!(w.apps.set_blocked(app.id, true, &audit).await.unwrap());
    assert!(w.apps.find(app.id).await.unwrap().unwrap().blocked);
    assert!(
        !w.apps
            .set_blocked(w.rng.uuid(), true, &audit)
            .await
            .unwrap()
    );
    assert_eq!(audited_by(w, "blocker").await.len(), 1);
}

/// A deleted app is gone, as a client too; deleting an unknown one is `false` and audits
/// nothing.
pub async fn a_deleted_app_is_gone_and_an_unknown_one_is_unaudited<P: Ports>(w: &World<P>) {
    let app = app(w, "Editor").await;
    let audit = entry_by("deleter", "delete", "app", app.id, w.clock.now());
    assert!(w.apps.delete(app.id, &audit).await.unwrap());
    assert!(w.apps.find(app.id).await.unwrap().is_none());
    assert!(w.clients.find_client(app.id).await.unwrap().is_none());
    assert!(!w.apps.delete(app.id, &audit).await.unwrap());
    assert_eq!(audited_by(w, "deleter").await.len(), 1);
}

/// Every app is listed, oldest first.
pub async fn apps_are_listed_oldest_first<P: Ports>(w: &World<P>) {
    let mut ids = Vec::new();
    for (name, age) in [("Newer", 1), ("Older", 3), ("Middle", 2)] {
        let app = draft_app(w, name, Duration::hours(age));
        let audit = entry_by("creator", "create", "app", app.id, w.clock.now());
        w.apps.insert(&app, &audit).await.unwrap();
        ids.push(app.id);
    }
    let listed: Vec<_> = w
        .apps
        .list(None)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(listed, vec![ids[1], ids[2], ids[0]]);
}

/// Listed for a person, only the apps they hold a grant (not revoked) for appear.
pub async fn listing_for_a_person_keeps_the_apps_they_hold_a_grant_for<P: Ports>(w: &World<P>) {
    let (ada, bob) = (person(w, "ada").await, person(w, "bob").await);
    let (held, revoked) = (app(w, "Held").await, app(w, "Revoked").await);
    let (others, _unused) = (app(w, "Others").await, app(w, "Unused").await);
    grant(w, &ada, &held, "mcp", w.clock.now()).await;
    let gone = grant(w, &ada, &revoked, "mcp", w.clock.now()).await;
    grant(w, &bob, &others, "mcp", w.clock.now()).await;
    let audit = entry_by("revoker", "revoke", "grant", "g", w.clock.now());
    w.grants.revoke_grant(gone.grant_id, &audit).await.unwrap();
    let listed: Vec<_> = w.apps.list(Some(ada.id)).await.unwrap();
    assert_eq!(
        listed.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![held.id]
    );
}

/// A bulk delete of selected apps deletes those, audited once each with its id.
pub async fn a_bulk_delete_takes_the_selected_apps<P: Ports>(w: &World<P>) {
    let (one, two, kept) = (
        app(w, "One").await,
        app(w, "Two").await,
        app(w, "Kept").await,
    );
    let unknown = w.rng.uuid();
    let deletion = AppDeletion::selected(vec![one.id, two.id, unknown]).unwrap();
    let audit = entry_by("bulk", "delete", "app", "many", w.clock.now());
    assert_eq!(w.apps.delete_many(&deletion, &audit).await.unwrap(), 2);
    let left: Vec<_> = w
        .apps
        .list(None)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(left, vec![kept.id]);
    let mut targets: Vec<_> = audited_by(w, "bulk")
        .await
        .into_iter()
        .map(|r| r.target_id)
        .collect();
    targets.sort();
    let mut expected = vec![one.id.to_string(), two.id.to_string()];
    expected.sort();
    assert_eq!(targets, expected);
}

/// A secret is stored with its app, listed, found by the client endpoints, and deleted
/// once; an unknown app has no secrets to list or add, and a miss audits nothing.
pub async fn secrets_are_stored_listed_and_deleted<P: Ports>(w: &World<P>) {
    let app = app(w, "Editor").await;
    assert_eq!(w.apps.list_secrets(app.id).await.unwrap(), Some(Vec::new()));
    assert_eq!(w.apps.list_secrets(w.rng.uuid()).await.unwrap(), None);
    let secret = issue_credential(&w.rng, CredentialKind::ClientSecret);
    let new = NewAppSecret {
        info: AppSecretInfo {
            id: w.rng.uuid(),
            display_suffix: secret.last_chars(6),
            created_at: w.clock.now(),
            last_used_at: None,
        },
        lookup_id: secret.lookup_id().clone(),
        hash: secret.hash(),
    };
    let audit = entry_by("keeper", "create", "app_secret", "s", w.clock.now());
    assert!(
        !w.apps
            .insert_secret(w.rng.uuid(), &new, &audit)
            .await
            .unwrap()
    );
    assert!(w.apps.insert_secret(app.id, &new, &audit).await.unwrap());
    assert_eq!(
        w.apps.list_secrets(app.id).await.unwrap(),
        Some(vec![new.info.clone()])
    );
    let stored = w
        .clients
        .find_secret(secret.lookup_id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((stored.id, stored.client_id), (new.info.id, app.id));
    assert_eq!(stored.hash.as_bytes(), secret.hash().as_bytes());
    assert!(
        !w.apps
            .delete_secret(app.id, w.rng.uuid(), &audit)
            .await
            .unwrap()
    );
    assert!(
        w.apps
            .delete_secret(app.id, new.info.id, &audit)
            .await
            .unwrap()
    );
    assert!(
        !w.apps
            .delete_secret(app.id, new.info.id, &audit)
            .await
            .unwrap()
    );
    assert!(
        w.clients
            .find_secret(secret.lookup_id())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(audited_by(w, "keeper").await.len(), 2);
}

/// Every test of [`AppRepository`], as `#[tokio::test]`s on the world `$world` builds.
#[macro_export]
macro_rules! app_repository_contract {
    ($world:expr) => {
        $crate::contract_tests!($world, app_repository:
            a_stored_app_reads_back,
            an_update_is_stored_and_an_unknown_app_is_false,
            blocking_is_stored_and_an_unknown_app_is_false,
            a_deleted_app_is_gone_and_an_unknown_one_is_unaudited,
            apps_are_listed_oldest_first,
            listing_for_a_person_keeps_the_apps_they_hold_a_grant_for,
            a_bulk_delete_takes_the_selected_apps,
            secrets_are_stored_listed_and_deleted,
        );
    };
}
