//! Reading the audit log, with fakes.

use tessera_domain::AuditQueryText;
use time::Duration;
use time::macros::datetime;

use super::*;
use crate::admin::{Admin, AdminAuthError, NotAdmin, console_operator};
use crate::fakes::{FakeAudit, FakePorts};
use crate::ports::AuditEntry;

fn admin() -> Admin {
    crate::fakes::an_admin()
}

/// An entry `minutes` after noon, by the command line.
fn entry(action: &'static str, minutes: i64) -> AuditEntry {
    AuditEntry {
        actor: console_operator().actor().clone(),
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
    let refused = crate::fakes::member_session_as_admin().await;
    assert!(matches!(refused, Err(AdminAuthError::NotAdmin(NotAdmin))));
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
    let page = service.list_entries(&admin(), asked.clone()).await.unwrap();
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
        .list_entries(&console_operator(), asked)
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.entries[0].action, "suspend");
}
