//! Reading the audit log on a real PostgreSQL (issue 18): each filter, the bounds of a time
//! range, the order of pages, and the actions the schema allows.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

#[path = "support/people.rs"]
mod people;

use people::{migrated_db, person};
use tessera_adapters::postgres::{Database, PgAuditRepository, PgUserRepository};
use tessera_application::ports::AuditRepository;
use tessera_domain::{AUDIT_ACTIONS, AuditQuery, AuditQueryText, User};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// The first instant of 2026-01-31, the day the tests' entries happen around.
const DAY: OffsetDateTime = datetime!(2026-01-31 00:00 UTC);

/// One row of the log, written straight to the table.
struct Row<'a> {
    at: OffsetDateTime,
    user: Option<&'a User>,
    actor: &'a str,
    action: &'a str,
    target: (&'a str, &'a str),
    details: serde_json::Value,
}

impl<'a> Row<'a> {
    fn new(at: OffsetDateTime, action: &'a str) -> Self {
        Self {
            at,
            user: None,
            actor: "tessera CLI",
            action,
            target: ("user", "someone"),
            details: serde_json::json!({}),
        }
    }
    fn by(self, user: &'a User) -> Self {
        Self {
            user: Some(user),
            actor: user.username.as_str(),
            ..self
        }
    }
}

/// A fresh database with no entries yet (creating people writes some: they are removed).
async fn empty_log() -> (Database, PgUserRepository) {
    let db = migrated_db().await;
    (db.clone(), PgUserRepository::new(db))
}

async fn clear(db: &Database) {
    db.client()
        .await
        .unwrap()
        .execute("DELETE FROM audit_log", &[])
        .await
        .unwrap();
}

async fn write(db: &Database, row: Row<'_>) -> i64 {
    const SQL: &str = "INSERT INTO audit_log
        (occurred_at, actor_user_id, actor, action, target_type, target_id, details)
        VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
    let user = row.user.map(|u| u.id.as_uuid());
    let client = db.client().await.unwrap();
    let (kind, id) = row.target;
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 7] = [
        &row.at,
        &user,
        &row.actor,
        &row.action,
        &kind,
        &id,
        &row.details,
    ];
    client.query_one(SQL, &params).await.unwrap().get(0)
}

/// The ids of the entries `text` selects (one page), and how many match in all.
async fn ids(db: &Database, text: AuditQueryText<'_>) -> (Vec<i64>, i64) {
    let query = AuditQuery::parse(text).unwrap();
    let (records, total) = PgAuditRepository::new(db.clone())
        .list(&query)
        .await
        .unwrap();
    (records.iter().map(|r| r.id).collect(), total)
}

#[tokio::test]
async fn an_actor_is_found_by_id_by_email_in_any_case_and_by_the_name_the_log_shows() {
    let (db, users) = empty_log().await;
    let ada = person(&users, "ada", true).await;
    let bob = person(&users, "bob", false).await;
    clear(&db).await;
    let first = write(&db, Row::new(DAY, "create").by(&ada)).await;
    let renamed = Row {
        actor: "ada-before",
        ..Row::new(DAY, "update").by(&ada)
    };
    let second = write(&db, renamed).await;
    write(&db, Row::new(DAY, "update").by(&bob)).await;
    let console = write(&db, Row::new(DAY, "suspend")).await;

    let id = ada.id.to_string();
    assert_eq!(ids(&db, by_actor(&id)).await, (vec![second, first], 2));
    assert_eq!(
        ids(&db, by_actor("ADA@Example.com")).await,
        (vec![second, first], 2)
    );
    assert_eq!(ids(&db, by_actor("ada")).await, (vec![first], 1));
    assert_eq!(ids(&db, by_actor("tessera CLI")).await, (vec![console], 1));
    assert_eq!(ids(&db, by_actor("nobody@example.com")).await, (vec![], 0));
    let stranger = Uuid::new_v4().to_string();
    assert_eq!(ids(&db, by_actor(&stranger)).await, (vec![], 0));
}

/// An entry about `kind` `id`.
fn on<'a>(action: &'a str, kind: &'a str, id: &'a str, details: serde_json::Value) -> Row<'a> {
    Row {
        target: (kind, id),
        details,
        ..Row::new(DAY, action)
    }
}

fn by_actor(actor: &str) -> AuditQueryText<'_> {
    AuditQueryText {
        actor: Some(actor),
        ..Default::default()
    }
}

#[tokio::test]
async fn an_app_is_found_with_its_secrets_and_what_its_client_did_but_no_other_app() {
    let (db, _) = empty_log().await;
    let (app, other) = (Uuid::new_v4().to_string(), Uuid::new_v4().to_string());
    let client_name = format!("client {app}");
    let created = write(&db, on("create", "app", &app, serde_json::json!({}))).await;
    let secret_details = serde_json::json!({ "app_id": app });
    let secret = write(&db, on("create", "app_secret", "s1", secret_details)).await;
    let blocked = write(&db, on("block", "client", &app, serde_json::json!({}))).await;
    let by_client = Row {
        actor: &client_name,
        ..on("revoke", "grant", "g1", serde_json::json!({}))
    };
    let revoked = write(&db, by_client).await;
    write(&db, on("create", "app", &other, serde_json::json!({}))).await;
    write(
        &db,
        on(
            "create",
            "app_secret",
            "s2",
            serde_json::json!({ "app_id": other }),
        ),
    )
    .await;
    write(&db, on("update", "user", &app, serde_json::json!({}))).await;

    let text = AuditQueryText {
        app: Some(&app),
        ..Default::default()
    };
    let (mut found, total) = ids(&db, text).await;
    found.sort();
    assert_eq!((found, total), (vec![created, secret, blocked, revoked], 4));
}

#[tokio::test]
async fn a_time_range_keeps_exactly_the_entries_inside_its_bounds_and_combines_with_an_action() {
    let (db, _) = empty_log().await;
    let tick = Duration::microseconds(1);
    let day_before = write(&db, Row::new(DAY - tick, "create")).await;
    let midnight = write(&db, Row::new(DAY, "create")).await;
    let noon = write(&db, Row::new(DAY + Duration::hours(12), "delete")).await;
    let last = write(&db, Row::new(DAY + Duration::DAY - tick, "create")).await;
    let next_day = write(&db, Row::new(DAY + Duration::DAY, "create")).await;
    let range = |from, to| AuditQueryText {
        from,
        to,
        ..Default::default()
    };

    let whole_day = range(Some("2026-01-31"), Some("2026-01-31"));
    assert_eq!(ids(&db, whole_day).await, (vec![last, noon, midnight], 3));
    let since = range(Some("2026-01-31T23:59:59.999999Z"), None);
    assert_eq!(ids(&db, since).await, (vec![next_day, last], 2));
    let until = range(None, Some("2026-01-30T23:59"));
    assert_eq!(ids(&db, until).await, (vec![day_before], 1));
    let noon_minute = range(Some("2026-01-31T12:00"), Some("2026-01-31T12:00"));
    assert_eq!(ids(&db, noon_minute).await, (vec![noon], 1));
    let instant = range(
        Some("2026-01-31T12:00:00Z"),
        Some("2026-01-31T13:00:00+01:00"),
    );
    assert_eq!(ids(&db, instant).await, (vec![noon], 1));
    let created_that_day = AuditQueryText {
        action: Some("create"),
        ..whole_day
    };
    assert_eq!(ids(&db, created_that_day).await, (vec![last, midnight], 2));
}

#[tokio::test]
async fn pages_are_newest_first_with_ties_in_log_order_and_count_every_match() {
    let (db, _) = empty_log().await;
    let mut written = Vec::new();
    for minutes in [5, 1, 5, 3, 1, 5, 2] {
        let at = DAY + Duration::minutes(minutes);
        written.push((at, write(&db, Row::new(at, "update")).await));
    }
    write(&db, Row::new(DAY, "delete")).await;
    written.sort_by(|a, b| b.cmp(a));
    let newest_first: Vec<i64> = written.iter().map(|(_, id)| *id).collect();

    let mut paged = Vec::new();
    for offset in [0, 3, 6] {
        let page = AuditQueryText {
            action: Some("update"),
            limit: Some(3),
            offset: Some(offset),
            ..Default::default()
        };
        let (found, total) = ids(&db, page).await;
        assert_eq!(total, 7);
        paged.extend(found);
    }
    assert_eq!(paged, newest_first);
    let beyond = AuditQueryText {
        action: Some("update"),
        offset: Some(50),
        ..Default::default()
    };
    assert_eq!(ids(&db, beyond).await, (vec![], 7));
    assert_eq!(ids(&db, AuditQueryText::default()).await.1, 8);
}

#[tokio::test]
async fn the_domain_knows_every_action_the_schema_allows() {
    let db = migrated_db().await;
    let row = db
        .client()
        .await
        .unwrap()
        .query_one(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint
             WHERE conname = 'audit_log_action_check'",
            &[],
        )
        .await
        .unwrap();
    let definition: String = row.get(0);
    let mut allowed: Vec<&str> = definition.split('\'').skip(1).step_by(2).collect();
    allowed.sort_unstable();
    let mut known = AUDIT_ACTIONS.to_vec();
    known.sort_unstable();
    assert_eq!(allowed, known, "{definition}");
}
