use std::time::{Duration, Instant};

use rmcp::model::{InitializeRequestParams, NumberOrString, RequestId};
use uuid::Uuid;

use super::*;
use crate::mcp::sessions::handshake::Handshake;

const IDLE: Duration = Duration::from_secs(300);

fn limits(max_per_user: usize, max_total: usize) -> SessionLimits {
    SessionLimits {
        idle_timeout: IDLE,
        max_per_user,
        max_total,
    }
}

fn owner(user: u128) -> McpSessionOwner {
    McpSessionOwner {
        user_id: Uuid::from_u128(user),
        client_id: Uuid::from_u128(99),
    }
}

/// Opens and binds session `id` for `user` at `at`; returns the sessions that ended.
fn open(registry: &mut Registry, id: &str, user: u128, at: Instant) -> Vec<SessionId> {
    let (_transport, ends) = Handshake::new(|| {});
    let mut ended = registry.open(SessionId::from(id), ends, at);
    ended.extend(registry.bind(
        &SessionId::from(id),
        owner(user),
        InitializeRequestParams::default(),
    ));
    ended
}

fn ids(ended: &[SessionId]) -> Vec<&str> {
    ended.iter().map(|s| s.as_ref()).collect()
}

fn request(n: i64) -> RequestId {
    NumberOrString::Number(n)
}

#[test]
fn beyond_the_total_cap_the_least_recently_used_session_ends_first() {
    let t0 = Instant::now();
    let mut registry = Registry::new(limits(100, 3));
    open(&mut registry, "a", 1, t0);
    open(&mut registry, "b", 2, t0);
    open(&mut registry, "c", 3, t0);
    registry.touch(&SessionId::from("a"), t0 + Duration::from_secs(1));

    let ended = open(&mut registry, "d", 4, t0 + Duration::from_secs(2));

    assert_eq!(
        ids(&ended),
        ["b"],
        "a was used since, so b is the oldest idle"
    );
    assert_eq!(registry.len(), 3);
    assert!(!registry.contains(&SessionId::from("b"), t0));
}

#[test]
fn beyond_the_cap_per_person_their_own_least_recently_used_session_ends() {
    let t0 = Instant::now();
    let mut registry = Registry::new(limits(2, 100));
    open(&mut registry, "someone else's", 2, t0);
    open(&mut registry, "first", 1, t0 + Duration::from_secs(1));
    open(&mut registry, "second", 1, t0 + Duration::from_secs(2));

    let ended = open(&mut registry, "third", 1, t0 + Duration::from_secs(3));

    assert_eq!(ids(&ended), ["first"]);
    let now = t0 + Duration::from_secs(4);
    assert!(registry.contains(&SessionId::from("someone else's"), now));
    assert!(registry.contains(&SessionId::from("second"), now));
    assert!(registry.contains(&SessionId::from("third"), now));
}

#[test]
fn a_session_unused_for_the_idle_timeout_is_gone_and_a_used_one_stays() {
    let t0 = Instant::now();
    let mut registry = Registry::new(limits(100, 100));
    open(&mut registry, "idle", 1, t0);
    open(&mut registry, "busy", 1, t0);
    registry.touch(&SessionId::from("busy"), t0 + IDLE / 2);

    let expired = registry.expire(t0 + IDLE);

    assert_eq!(expired, 1);
    assert!(!registry.contains(&SessionId::from("idle"), t0 + IDLE));
    assert!(registry.contains(&SessionId::from("busy"), t0 + IDLE));
    assert!(!registry.contains(&SessionId::from("busy"), t0 + IDLE / 2 + IDLE));
}

#[test]
fn a_request_id_in_flight_is_refused_until_its_request_is_answered() {
    let t0 = Instant::now();
    let mut registry = Registry::new(limits(100, 100));
    let id = SessionId::from("s");
    open(&mut registry, "s", 1, t0);

    assert!(matches!(
        registry.admit(&id, &request(7), t0),
        Admission::Admitted(_)
    ));
    assert!(matches!(
        registry.admit(&id, &request(7), t0),
        Admission::DuplicateId
    ));
    assert!(matches!(
        registry.admit(&id, &request(8), t0),
        Admission::Admitted(_)
    ));
    registry.finish(&id, &request(7));
    assert!(matches!(
        registry.admit(&id, &request(7), t0),
        Admission::Admitted(_)
    ));
}

#[test]
fn ending_a_session_cancels_its_requests_and_closes_its_streams() {
    let t0 = Instant::now();
    let mut registry = Registry::new(limits(100, 100));
    let id = SessionId::from("s");
    open(&mut registry, "s", 1, t0);
    let Admission::Admitted(admitted) = registry.admit(&id, &request(1), t0) else {
        panic!("admitted");
    };
    let (mut stream, _) = registry.stream(&id, t0).unwrap();

    assert!(registry.end(&id));

    assert!(admitted.ended.is_cancelled());
    assert!(admitted.cancel.is_cancelled());
    assert!(stream.try_recv().is_err() && stream.is_closed());
}

#[test]
fn a_session_being_opened_has_no_owner_yet_and_takes_no_requests() {
    let t0 = Instant::now();
    let mut registry = Registry::new(limits(100, 100));
    let (_transport, ends) = Handshake::new(|| {});
    let id = SessionId::from("s");
    registry.open(id.clone(), ends, t0);

    assert_eq!(registry.holder(&id, t0), Holder::Opening);
    assert!(matches!(
        registry.admit(&id, &request(1), t0),
        Admission::Unknown
    ));
    registry.bind(&id, owner(1), InitializeRequestParams::default());
    assert_eq!(registry.holder(&id, t0), Holder::Owned(owner(1)));
}

#[test]
fn the_handshake_worker_closing_keeps_the_session_and_a_delete_ends_it() {
    let t0 = Instant::now();
    let mut registry = Registry::new(limits(100, 100));
    let id = SessionId::from("s");
    open(&mut registry, "s", 1, t0);
    registry.handshake_finished(&id);

    assert!(!registry.close(&id), "the worker's close");
    assert!(registry.contains(&id, t0));
    assert!(registry.close(&id), "the client's DELETE");
    assert!(!registry.contains(&id, t0));
}

#[test]
fn the_stored_row_is_extended_at_most_four_times_per_idle_timeout() {
    let t0 = Instant::now();
    let mut registry = Registry::new(limits(100, 100));
    let id = SessionId::from("s");
    open(&mut registry, "s", 1, t0);

    assert_eq!(
        registry.touch(&id, t0 + Duration::from_secs(1)),
        Some(false)
    );
    assert_eq!(registry.touch(&id, t0 + IDLE / 4), Some(true));
    assert_eq!(
        registry.touch(&id, t0 + IDLE / 4 + Duration::from_secs(1)),
        Some(false)
    );
    assert_eq!(registry.touch(&SessionId::from("unknown"), t0), None);
}

#[test]
fn when_the_server_drains_every_get_stream_ends_and_new_ones_end_at_once() {
    let t0 = Instant::now();
    let mut registry = Registry::new(limits(100, 100));
    let id = SessionId::from("s");
    open(&mut registry, "s", 1, t0);
    let (open_before, _) = registry.stream(&id, t0).unwrap();

    registry.close_streams();

    let (opened_after, _) = registry.stream(&id, t0).unwrap();
    assert!(open_before.is_closed());
    assert!(opened_after.is_closed());
    assert!(registry.contains(&id, t0), "the session itself lives on");
}

#[test]
fn ending_a_persons_sessions_ends_all_of_theirs_and_no_other() {
    let t0 = Instant::now();
    let mut registry = Registry::new(limits(100, 100));
    open(&mut registry, "a", 1, t0);
    open(&mut registry, "b", 1, t0);
    open(&mut registry, "c", 2, t0);
    let mut ended = registry.end_user(Uuid::from_u128(1));
    ended.sort();
    assert_eq!(ids(&ended), ["a", "b"]);
    assert!(!registry.contains(&SessionId::from("a"), t0));
    assert!(registry.contains(&SessionId::from("c"), t0));
    assert!(registry.end_user(Uuid::from_u128(1)).is_empty());
}
