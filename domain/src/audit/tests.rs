use time::macros::datetime;
use uuid::Uuid;

use super::*;

fn parse(text: AuditQueryText<'_>) -> Result<AuditQuery, AuditQueryError> {
    AuditQuery::parse(text)
}

#[test]
fn no_filters_is_the_newest_page_of_everything() {
    let query = parse(AuditQueryText::default()).unwrap();
    assert_eq!(query, AuditQuery::all());
    assert_eq!(query.limit(), 50);
    assert_eq!(query.offset(), 0);
}

#[test]
fn blank_filters_are_no_filters() {
    let blank = AuditQueryText {
        actor: Some("  "),
        action: Some(""),
        app: Some(" "),
        from: Some(""),
        to: Some(""),
        ..Default::default()
    };
    assert_eq!(parse(blank).unwrap(), AuditQuery::all());
}

#[test]
fn an_actor_is_an_id_an_email_or_a_name() {
    let id = Uuid::from_u128(7);
    let actor = |s: &str| {
        parse(AuditQueryText {
            actor: Some(s),
            ..Default::default()
        })
    };
    let by_id = actor(&id.to_string()).unwrap();
    assert_eq!(by_id.actor(), Some(&AuditActor::Person(UserId::new(id))));
    let by_email = actor(" Bob@Example.com ").unwrap();
    assert_eq!(
        by_email.actor(),
        Some(&AuditActor::Email(Email::parse("Bob@Example.com").unwrap()))
    );
    let by_name = actor("client 1234").unwrap();
    assert_eq!(
        by_name.actor(),
        Some(&AuditActor::Name("client 1234".into()))
    );
    assert_eq!(by_name.actor().unwrap().text(), "client 1234");
}

#[test]
fn an_actor_with_an_at_sign_must_be_an_email_and_not_endless() {
    let bad = parse(AuditQueryText {
        actor: Some("bob@"),
        ..Default::default()
    });
    assert!(matches!(bad, Err(AuditQueryError::ActorEmail(_))));
    assert_eq!(bad.unwrap_err().field(), "actor");
    let long = "a".repeat(2049);
    let too_long = parse(AuditQueryText {
        actor: Some(&long),
        ..Default::default()
    });
    assert_eq!(too_long, Err(AuditQueryError::ActorTooLong));
    let longest = "a".repeat(2048);
    assert!(
        parse(AuditQueryText {
            actor: Some(&longest),
            ..Default::default()
        })
        .is_ok()
    );
}

#[test]
fn only_actions_the_log_records_are_accepted() {
    for known in AUDIT_ACTIONS {
        let query = parse(AuditQueryText {
            action: Some(*known),
            ..Default::default()
        });
        assert_eq!(query.unwrap().action(), Some(*known));
    }
    let unknown = parse(AuditQueryText {
        action: Some("Create"),
        ..Default::default()
    });
    assert_eq!(unknown, Err(AuditQueryError::UnknownAction));
    assert_eq!(AuditQueryError::UnknownAction.field(), "action");
}

#[test]
fn a_day_a_minute_a_second_and_an_instant_each_name_their_span() {
    let bound = |s: &str| AuditBound::parse(s).unwrap();
    let day = bound("2026-01-31");
    assert_eq!(day.start(), datetime!(2026-01-31 00:00 UTC));
    assert_eq!(day.end(), datetime!(2026-02-01 00:00 UTC));
    let minute = bound("2026-01-31T09:30");
    assert_eq!(minute.start(), datetime!(2026-01-31 09:30 UTC));
    assert_eq!(minute.end(), datetime!(2026-01-31 09:31 UTC));
    let second = bound("2026-01-31T09:30:15");
    assert_eq!(second.end(), datetime!(2026-01-31 09:30:16 UTC));
    let instant = bound("2026-01-31T09:30:15.5+01:00");
    assert_eq!(instant.start(), datetime!(2026-01-31 08:30:15.5 UTC));
    assert_eq!(instant.end(), datetime!(2026-01-31 08:30:15.500001 UTC));
    assert_eq!(instant.text(), "2026-01-31T09:30:15.5+01:00");
}

#[test]
fn anything_else_is_not_a_time() {
    for bad in [
        "yesterday",
        "2026-02-30",
        "2026-1-31",
        "31/01/2026",
        "2026-01-31 09:30",
        "2026-01-31T25:00",
        "2026-01-31T09:30:15 01:00",
        "2026-01-31x",
    ] {
        assert_eq!(AuditBound::parse(bad), None, "{bad}");
        let from = parse(AuditQueryText {
            from: Some(bad),
            ..Default::default()
        });
        assert_eq!(from, Err(AuditQueryError::BadFrom), "{bad}");
        let to = parse(AuditQueryText {
            to: Some(bad),
            ..Default::default()
        });
        assert_eq!(to, Err(AuditQueryError::BadTo), "{bad}");
    }
    assert_eq!(AuditQueryError::BadTo.field(), "to");
}

#[test]
fn from_and_to_the_same_day_is_that_day_and_from_after_to_is_refused() {
    let same_day = AuditQueryText {
        from: Some("2026-01-31"),
        to: Some("2026-01-31"),
        ..Default::default()
    };
    assert!(parse(same_day).is_ok());
    let backwards = AuditQueryText {
        from: Some("2026-02-01"),
        to: Some("2026-01-31"),
        ..Default::default()
    };
    assert_eq!(parse(backwards), Err(AuditQueryError::EmptyRange));
    let from_end_of_day = AuditQueryText {
        from: Some("2026-01-31T23:59:59"),
        to: Some("2026-01-31"),
        ..Default::default()
    };
    assert!(parse(from_end_of_day).is_ok());
}

#[test]
fn limit_and_offset_are_brought_into_range_as_the_api_always_did() {
    let query = |limit, offset| {
        parse(AuditQueryText {
            limit,
            offset,
            ..Default::default()
        })
        .unwrap()
    };
    assert_eq!(query(Some(0), None).limit(), 1);
    assert_eq!(query(Some(501), None).limit(), 500);
    assert_eq!(query(Some(500), None).limit(), 500);
    assert_eq!(query(None, Some(-3)).offset(), 0);
}

#[test]
fn pages_link_to_their_neighbours() {
    let first = AuditQuery::all();
    assert_eq!(first.previous_offset(), None);
    assert_eq!(first.next_offset(50), None);
    assert_eq!(first.next_offset(51), Some(50));
    let second = first.at_offset(50);
    assert_eq!(second.previous_offset(), Some(0));
    assert_eq!(second.next_offset(101), Some(100));
    assert_eq!(AuditQuery::all().at_offset(20).previous_offset(), Some(0));
}

#[test]
fn an_app_is_kept_as_given_and_not_endless() {
    let query = parse(AuditQueryText {
        app: Some(" abc "),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(query.app(), Some("abc"));
    let long = "a".repeat(2049);
    let too_long = parse(AuditQueryText {
        app: Some(&long),
        ..Default::default()
    });
    assert_eq!(too_long, Err(AuditQueryError::AppTooLong));
}
