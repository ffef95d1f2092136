//! Reading the audit log, with fakes.

use tessera_domain::{AuditQueryText, Email, User, UserId, Username};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::*;
use crate::fakes::{FakeAudit, FakePorts};
use crate::ports::{Actor, AuditEntry};

fn person(admin: bool) -> Caller {
    let user = User {
        id: UserId::new(Uuid::from_u128(1)),
        email: Email::parse("ada@example.com").unwrap(),
        username: Username::parse("ada").unwrap(),
        admin,
        created_at: OffsetDateTime::UNIX_EPOCH,
    };
    let actor = Actor {
        user_id: Some(user.id.as_uuid()),
        name: "ada".into(),
        ip: None,
        user_agent: None,
    };
    Caller::Person(user, actor)
}

/// An entry `minutes` after noon, by `Caller::console()`.
fn entry(action: &'static str, minutes: i64) -> AuditEntry {
    AuditEntry {
        actor: Caller::console().actor().clone(),
        action,
        target_type: "user",
        target_id: "someone".into(),
        at: datetime!(2026-01-01 12:00 UTC) + Duration::minutes(minutes),
        details: Vec::new(),
    }
}

fn service_with(entries: &[AuditEntry]) -> AuditService<FakePorts> {
    let audit = FakeAudit::default();
    for e in entries {
        audit.record(e);
    }
    AuditService::new(audit)
}

fn query(text: AuditQueryText<'_>) -> AuditQuery {
    AuditQuery::parse(text).unwrap()
}

#[tokio::test]
async fn a_person_who_is_not_an_admin_may_not_read_the_audit_log() {
    let service = service_with(&[entry("create", 0)]);
    let refused = service
        .list_entries(&person(false), AuditQuery::all())
        .await;
    assert!(matches!(refused, Err(AuditError::Forbidden)));
    assert!(matches!(
        AuditService::<FakePorts>::check_reader(&person(false)),
        Err(AuditError::Forbidden)
    ));
    assert!(AuditService::<FakePorts>::check_reader(&person(true)).is_ok());
}

#[tokio::test]
async fn an_admin_reads_the_filtered_page_newest_first_with_how_many_match() {
    let service = service_with(&[
        entry("create", 0),
        entry("suspend", 1),
        entry("create", 2),
        entry("create", 3),
    ]);
    let asked = query(AuditQueryText {
        action: Some("create"),
        limit: Some(2),
        ..Default::default()
    });
    let page = service
        .list_entries(&person(true), asked.clone())
        .await
        .unwrap();
    assert_eq!(page.total, 3);
    let minutes: Vec<i64> = page
        .entries
        .iter()
        .map(|e| (e.at - datetime!(2026-01-01 12:00 UTC)).whole_minutes())
        .collect();
    assert_eq!(minutes, [3, 2]);
    assert_eq!(page.query, asked);
    assert_eq!(page.query.next_offset(page.total), Some(2));
}

#[tokio::test]
async fn the_command_line_reads_the_log_too() {
    let service = service_with(&[entry("create", 0), entry("suspend", 1)]);
    let asked = query(AuditQueryText {
        from: Some("2026-01-01T12:01"),
        ..Default::default()
    });
    let page = service
        .list_entries(&Caller::console(), asked)
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.entries[0].action, "suspend");
}
