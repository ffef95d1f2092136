//! Searching and bulk-deleting apps with in-memory fakes.

use tessera_domain::{
    App, AppDeletion, AppDraft, AppFilter, AppOrder, AppQuery, ClientOrigin, RegistrationSource,
    TokenUse,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::admin::Admin;
use crate::fakes::{FakeApps, FakeClock, app_service_with};
use crate::ports::Clock;

fn actor() -> Admin {
    crate::fakes::an_admin()
}

/// Stores an app `minutes_ago` old, from `source`, used `used_days_ago` days ago if ever.
fn put(
    apps: &FakeApps,
    clock: &FakeClock,
    n: u128,
    source: RegistrationSource,
    minutes_ago: i64,
    used_days_ago: Option<i64>,
) -> Uuid {
    let now: OffsetDateTime = clock.now();
    let name = format!("App {n}");
    let draft = AppDraft::parse(&name, "https://a.example/cb", None, None, None).unwrap();
    let id = Uuid::from_u128(n);
    apps.put(App {
        id,
        draft,
        source,
        created_at: now - Duration::minutes(minutes_ago),
        updated_at: now,
        origin: ClientOrigin::default(),
        last_token_at: used_days_ago.map(|d| now - Duration::days(d)),
        blocked: false,
    });
    id
}

#[tokio::test]
async fn a_search_returns_one_page_of_the_matches_and_their_count() {
    let (service, apps, clock) = app_service_with();
    for n in 1..=60 {
        put(
            &apps,
            &clock,
            n,
            RegistrationSource::Dynamic,
            100 - n as i64,
            None,
        );
    }
    put(&apps, &clock, 61, RegistrationSource::Admin, 1, Some(1));
    let filter = AppFilter {
        source: Some(RegistrationSource::Dynamic),
        used: Some(TokenUse::Never),
        ..AppFilter::default()
    };
    let query = AppQuery::new(filter, AppOrder::Newest, None, Some(50)).unwrap();
    let page = service.search_apps(&actor(), query.clone()).await.unwrap();
    assert_eq!(page.total, 60);
    let ids: Vec<u128> = page.apps.iter().map(|a| a.id.as_u128()).collect();
    assert_eq!(
        ids,
        (1..=10).rev().collect::<Vec<_>>(),
        "the oldest ten, newest first"
    );
    assert_eq!(page.query, query);
    assert_eq!(page.at, clock.now());
}

#[tokio::test]
async fn deleting_the_selected_apps_audits_each_as_a_delete() {
    let (service, apps, clock) = app_service_with();
    let a = put(&apps, &clock, 1, RegistrationSource::Admin, 5, Some(1));
    let b = put(&apps, &clock, 2, RegistrationSource::Cimd, 5, None);
    let kept = put(&apps, &clock, 3, RegistrationSource::Dynamic, 5, None);
    let deletion = AppDeletion::selected(vec![a, b, Uuid::from_u128(99)]).unwrap();
    assert_eq!(service.delete_apps(&actor(), deletion).await.unwrap(), 2);
    assert_eq!(apps.ids(), vec![kept]);
    let audit = apps.audit().entries();
    let mut targets: Vec<(String, String, String)> = audit
        .iter()
        .map(|r| {
            let (action, target) = (r.action.to_owned(), r.target_type.to_owned());
            (action, target, r.target_id.clone())
        })
        .collect();
    targets.sort();
    let expected = |id: Uuid| ("delete".to_owned(), "app".to_owned(), id.to_string());
    assert_eq!(targets, vec![expected(a), expected(b)]);
    assert!(audit.iter().all(|r| {
        let details: Vec<(String, String)> = r
            .details
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        details == vec![("bulk".to_owned(), "selected".to_owned())]
    }));
}

#[tokio::test]
async fn deleting_unused_dynamic_clients_spares_used_ones_others_and_newcomers() {
    let (service, apps, clock) = app_service_with();
    let unused = put(&apps, &clock, 1, RegistrationSource::Dynamic, 60, None);
    let used = put(&apps, &clock, 2, RegistrationSource::Dynamic, 60, Some(3));
    let admin = put(&apps, &clock, 3, RegistrationSource::Admin, 60, None);
    let looked_at = clock.now() - Duration::minutes(10);
    let newcomer = put(&apps, &clock, 4, RegistrationSource::Dynamic, 5, None);
    let deletion = AppDeletion::UnusedDynamic {
        registered_before: looked_at,
    };
    assert_eq!(service.delete_apps(&actor(), deletion).await.unwrap(), 1);
    let mut left = apps.ids();
    left.sort();
    assert_eq!(left, vec![used, admin, newcomer]);
    let audit = apps.audit().entries();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].target_id, unused.to_string());
}

#[tokio::test]
async fn a_cutoff_in_the_future_deletes_nothing_registered_after_now() {
    let (service, apps, clock) = app_service_with();
    put(&apps, &clock, 1, RegistrationSource::Dynamic, 0, None);
    let deletion = AppDeletion::UnusedDynamic {
        registered_before: clock.now() + Duration::days(1),
    };
    assert_eq!(service.delete_apps(&actor(), deletion).await.unwrap(), 0);
    assert_eq!(apps.ids().len(), 1);
}
