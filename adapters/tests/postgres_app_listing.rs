//! Apps at scale on a real PostgreSQL (issue 18): the search selects and orders exactly as
//! the domain's `AppQuery::select` (which the in-memory fake uses), and bulk deletes take
//! what `AppDeletion::covers` says, audited once per app.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

#[path = "support/people.rs"]
mod people;

use people::{audit, insert_grant, migrated_db, person};
use tessera_adapters::postgres::{Database, PgAppRepository, PgUserRepository};
use tessera_application::ports::{AppRepository, AuditEntry};
use tessera_domain::{
    App, AppDeletion, AppDraft, AppFilter, AppOrder, AppQuery, AppSearch, ClientType,
    RegistrationSource, TokenUse,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc().replace_nanosecond(0).unwrap()
}

/// Twelve apps that differ in every way a filter or an order can tell (and share some
/// creation times and last tokens, so ties are decided by the id).
fn varied_apps(at: OffsetDateTime) -> Vec<App> {
    let sources = [
        RegistrationSource::Admin,
        RegistrationSource::Dynamic,
        RegistrationSource::Cimd,
    ];
    (0..12u128)
        .map(|n| {
            let public = n % 2 == 0 || n % 3 == 2; // CIMD clients are public
            let draft = AppDraft::parse(
                &format!("{} tool {n}", if n < 6 { "Claude" } else { "Cursor" }),
                "https://a.example/cb",
                None,
                None,
                Some(if public { "public" } else { "confidential" }),
            )
            .unwrap();
            let source = sources[(n % 3) as usize];
            let mut app = App {
                id: Uuid::from_u128(0xA000 + (11 - n)),
                draft,
                source,
                created_at: at - Duration::minutes((n / 2) as i64),
                updated_at: at,
                origin: Default::default(),
                last_token_at: match n % 4 {
                    0 => None,
                    1 => Some(at - Duration::days(2)),
                    2 => Some(at - Duration::days(40)),
                    _ => Some(at - Duration::days(2)),
                },
                blocked: n % 5 == 0,
            };
            if source == RegistrationSource::Dynamic {
                app.origin.ip = Some(format!("203.0.113.{n}").parse().unwrap());
            }
            if source == RegistrationSource::Cimd {
                app.origin.document_url = Some(format!("https://docs{n}.example/client.json"));
            }
            app
        })
        .collect()
}

/// Stores `app` with every listed column as it is, the way registration would have.
async fn store(db: &Database, repo: &PgAppRepository, app: &App) {
    let mut entry = audit("create");
    entry.target_type = "app";
    let as_admin = App {
        source: RegistrationSource::Admin, // a document client needs its URL at once
        ..app.clone()
    };
    repo.insert(&as_admin, &entry).await.unwrap();
    db.client()
        .await
        .unwrap()
        .execute(
            "UPDATE oauth2_apps SET source = $2, cimd_url = $3, created_from_ip = $4,
                    last_token_at = $5, blocked = $6 WHERE id = $1",
            &[
                &app.id,
                &app.source.as_str(),
                &app.origin.document_url,
                &app.origin.ip,
                &app.last_token_at,
                &app.blocked,
            ],
        )
        .await
        .unwrap();
}

fn ids(apps: &[App]) -> Vec<Uuid> {
    apps.iter().map(|a| a.id).collect()
}

fn search(text: &str) -> Option<AppSearch> {
    AppSearch::parse(text).unwrap()
}

#[tokio::test]
async fn every_filter_and_order_selects_what_the_domain_selects() {
    let db = migrated_db().await;
    let repo = PgAppRepository::new(db.clone());
    let at = now();
    let apps = varied_apps(at);
    for app in &apps {
        store(&db, &repo, app).await;
    }
    let filters = [
        AppFilter::default(),
        AppFilter {
            text: search("claude"),
            ..Default::default()
        },
        AppFilter {
            text: search("113.7"),
            ..Default::default()
        },
        AppFilter {
            text: search("203.0.113.7"),
            ..Default::default()
        },
        AppFilter {
            text: search("00000000-0000-0000-0000-00000000a005"),
            ..Default::default()
        },
        AppFilter {
            text: search("CLAUDE TOOL"),
            ..Default::default()
        },
        AppFilter {
            text: search("DOCS5.example"),
            ..Default::default()
        },
        AppFilter {
            text: search("0000a00b"),
            ..Default::default()
        },
        AppFilter {
            text: search("100%_"),
            ..Default::default()
        },
        AppFilter {
            source: Some(RegistrationSource::Dynamic),
            ..Default::default()
        },
        AppFilter {
            source: Some(RegistrationSource::Cimd),
            ..Default::default()
        },
        AppFilter {
            client_type: Some(ClientType::Confidential),
            ..Default::default()
        },
        AppFilter {
            blocked: Some(true),
            ..Default::default()
        },
        AppFilter {
            used: Some(TokenUse::Never),
            ..Default::default()
        },
        AppFilter {
            used: Some(TokenUse::WithinDays(30)),
            ..Default::default()
        },
        AppFilter {
            text: search("tool"),
            source: Some(RegistrationSource::Admin),
            blocked: Some(false),
            used: Some(TokenUse::WithinDays(90)),
            ..Default::default()
        },
    ];
    let orders = [
        AppOrder::Oldest,
        AppOrder::Newest,
        AppOrder::LeastRecentlyUsed,
        AppOrder::MostRecentlyUsed,
    ];
    for filter in &filters {
        for order in orders {
            for (limit, offset) in [(100, 0), (5, 0), (5, 5), (5, 10), (3, 20)] {
                let query =
                    AppQuery::new(filter.clone(), order, Some(limit), Some(offset)).unwrap();
                let (page, total) = repo.search(&query, at).await.unwrap();
                let (expected, expected_total) = query.select(&apps, at);
                assert_eq!(ids(&page), ids(&expected), "{query:?}");
                assert_eq!(total, expected_total, "{query:?}");
            }
        }
    }
}

#[tokio::test]
async fn a_page_reads_apps_back_whole() {
    let db = migrated_db().await;
    let repo = PgAppRepository::new(db.clone());
    let apps = varied_apps(now());
    for app in &apps {
        store(&db, &repo, app).await;
    }
    let (page, _) = repo.search(&AppQuery::all(), now()).await.unwrap();
    let (expected, _) = AppQuery::all().select(&apps, now());
    assert_eq!(page, expected);
}

#[tokio::test]
async fn only_the_apps_a_person_holds_a_live_grant_for_are_theirs() {
    let db = migrated_db().await;
    let repo = PgAppRepository::new(db.clone());
    let ada = person(&PgUserRepository::new(db.clone()), "ada", false).await;
    let granted = insert_grant(&db, &ada).await;
    store(&db, &repo, &varied_apps(now())[0]).await;
    let filter = AppFilter {
        authorized_by: Some(ada.id),
        ..Default::default()
    };
    let query = AppQuery::new(filter, AppOrder::Oldest, None, None).unwrap();
    let (page, total) = repo.search(&query, now()).await.unwrap();
    assert_eq!((ids(&page), total), (vec![granted.app_id], 1));
}

async fn audited_deletes(db: &Database) -> Vec<(String, serde_json::Value)> {
    let rows = db
        .client()
        .await
        .unwrap()
        .query(
            "SELECT target_id, details FROM audit_log
             WHERE action = 'delete' AND target_type = 'app' ORDER BY target_id",
            &[],
        )
        .await
        .unwrap();
    rows.iter().map(|r| (r.get(0), r.get(1))).collect()
}

fn bulk_audit() -> AuditEntry {
    let mut entry = audit("delete");
    entry.target_type = "app";
    entry.target_id = String::new();
    entry.details = vec![("bulk", "selected".into())];
    entry
}

#[tokio::test]
async fn deleting_the_selected_apps_takes_their_grants_and_audits_each() {
    let db = migrated_db().await;
    let repo = PgAppRepository::new(db.clone());
    let ada = person(&PgUserRepository::new(db.clone()), "ada", false).await;
    let granted = insert_grant(&db, &ada).await;
    let apps = varied_apps(now());
    for app in &apps[..3] {
        store(&db, &repo, app).await;
    }
    let unknown = Uuid::from_u128(1);
    let deletion = AppDeletion::selected(vec![granted.app_id, apps[0].id, unknown]).unwrap();
    assert_eq!(repo.delete_many(&deletion, &bulk_audit()).await.unwrap(), 2);

    let (left, _) = repo.search(&AppQuery::all(), now()).await.unwrap();
    let mut left = ids(&left);
    left.sort();
    let mut kept = vec![apps[1].id, apps[2].id];
    kept.sort();
    assert_eq!(left, kept);
    let tokens = db.client().await.unwrap();
    let row = tokens
        .query_one("SELECT count(*) FROM oauth2_access_tokens", &[])
        .await
        .unwrap();
    assert_eq!(
        row.get::<_, i64>(0),
        0,
        "the grant's token went with its app"
    );
    let mut expected: Vec<String> = [granted.app_id, apps[0].id]
        .iter()
        .map(Uuid::to_string)
        .collect();
    expected.sort();
    let audited = audited_deletes(&db).await;
    assert_eq!(
        audited.iter().map(|a| a.0.clone()).collect::<Vec<_>>(),
        expected
    );
    assert!(
        audited
            .iter()
            .all(|a| a.1 == serde_json::json!({"bulk": "selected"}))
    );
}

#[tokio::test]
async fn deleting_unused_dynamic_clients_takes_exactly_what_the_domain_covers() {
    let db = migrated_db().await;
    let repo = PgAppRepository::new(db.clone());
    let at = now();
    let apps = varied_apps(at);
    for app in &apps {
        store(&db, &repo, app).await;
    }
    let deletion = AppDeletion::UnusedDynamic {
        registered_before: at - Duration::seconds(30),
    };
    let covered: Vec<Uuid> = apps
        .iter()
        .filter(|a| deletion.covers(a))
        .map(|a| a.id)
        .collect();
    assert!(
        !covered.is_empty(),
        "the fixture has some unused dynamic clients"
    );
    let deleted = repo.delete_many(&deletion, &bulk_audit()).await.unwrap();
    assert_eq!(deleted, covered.len() as u64);
    let (left, _) = repo.search(&AppQuery::all(), at).await.unwrap();
    assert!(ids(&left).iter().all(|id| !covered.contains(id)));
    assert_eq!(left.len() + covered.len(), apps.len());
    assert_eq!(audited_deletes(&db).await.len(), covered.len());
}
