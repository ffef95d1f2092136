//! [`AuditRepository`]: the log, newest first, filtered and paged.

use tessera_domain::{AuditQuery, AuditQueryText};
use time::Duration;

use super::World;
use super::fixtures::{draft_app, entry_by, person};
use crate::Clock;
use crate::ports::*;

async fn list<P: Ports>(w: &World<P>, text: AuditQueryText<'_>) -> (Vec<AuditRecord>, i64) {
    w.audit
        .list(&AuditQuery::parse(text).unwrap())
        .await
        .unwrap()
}

/// Entries read back newest first, as written, a page at a time, filtered by actor name
/// and by app.
pub async fn entries_read_back_newest_first_and_filtered<P: Ports>(w: &World<P>) {
    let now = w.clock.now();
    let (one, two) = (
        draft_app(w, "One", Duration::ZERO),
        draft_app(w, "Two", Duration::ZERO),
    );
    let first = entry_by("auditor", "create", "app", one.id, now - Duration::hours(2));
    let second = entry_by("auditor", "create", "app", two.id, now - Duration::hours(1));
    w.apps.insert(&one, &first).await.unwrap();
    w.apps.insert(&two, &second).await.unwrap();
    let by_name = AuditQueryText {
        actor: Some("auditor"),
        ..Default::default()
    };
    let (records, total) = list(w, by_name).await;
    assert_eq!(total, 2);
    let targets: Vec<_> = records.iter().map(|r| r.target_id.clone()).collect();
    assert_eq!(targets, vec![two.id.to_string(), one.id.to_string()]);
    let newest = &records[0];
    assert_eq!(
        (newest.actor.name.as_str(), newest.action.as_str()),
        ("auditor", "create")
    );
    assert_eq!((newest.target_type.as_str(), newest.at), ("app", second.at));
    let paged = AuditQueryText {
        actor: Some("auditor"),
        limit: Some(1),
        offset: Some(1),
        ..Default::default()
    };
    let (page, total) = list(w, paged).await;
    assert_eq!((page.len(), total), (1, 2));
    assert_eq!(page[0].target_id, one.id.to_string());
    let id = one.id.to_string();
    let by_app = AuditQueryText {
        app: Some(&id),
        ..Default::default()
    };
    let (records, total) = list(w, by_app).await;
    assert_eq!((records.len(), total), (1, 1));
    assert_eq!(records[0].target_id, id);
}

/// An email matches the entries of the person who has it (in any case), by their id.
pub async fn an_email_matches_its_person_s_entries<P: Ports>(w: &World<P>) {
    let ada = person(w, "ada").await;
    let mut by_ada = entry_by("ada", "create", "app", "a", w.clock.now());
    by_ada.actor.user_id = Some(ada.id.as_uuid());
    let app = draft_app(w, "One", Duration::ZERO);
    w.apps.insert(&app, &by_ada).await.unwrap();
    let text = AuditQueryText {
        actor: Some("ADA@example.com"),
        ..Default::default()
    };
    let (records, total) = list(w, text).await;
    assert_eq!((records.len(), total), (1, 1));
    assert_eq!(records[0].actor.user_id, Some(ada.id.as_uuid()));
    let nobody = AuditQueryText {
        actor: Some("nobody@example.com"),
        ..Default::default()
    };
    assert_eq!(list(w, nobody).await.1, 0);
}

/// Every test of [`AuditRepository`], as `#[tokio::test]`s on the world `$world` builds.
#[macro_export]
macro_rules! audit_repository_contract {
    ($world:expr) => {
        $crate::contract_tests!($world, audit_repository:
            entries_read_back_newest_first_and_filtered,
            an_email_matches_its_person_s_entries,
        );
    };
}
