//! Login attempts in PostgreSQL (SPEC §2 throttle): counting, pending attempts, settling,
//! against a real, fresh database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::net::IpAddr;

use tessera_adapters::postgres::{Database, PgThrottleRepository};
use tessera_application::ports::{
    AttemptId, AttemptOutcome, AttemptWindow, FailureWindow, ThrottleRepository,
};
use time::{Duration, OffsetDateTime};

async fn migrated_db() -> Database {
    migrated_db_of(4).await
}

/// A migrated fresh database behind a pool of `connections`.
async fn migrated_db_of(connections: usize) -> Database {
    let url = tessera_test_support::migrated_database().await;
    Database::connect(&url, connections).unwrap()
}

/// Counts attempts from `since`; pending ones count as failures after a minute.
fn since(since: OffsetDateTime) -> AttemptWindow {
    AttemptWindow {
        since,
        pending_expired_before: OffsetDateTime::now_utc() - Duration::minutes(1),
    }
}

/// Begins an attempt at `at` that is always admitted.
async fn begin(
    throttle: &PgThrottleRepository,
    email: &str,
    ip: Option<IpAddr>,
    at: OffsetDateTime,
    window: AttemptWindow,
) -> (AttemptId, FailureWindow) {
    let (attempt, seen) = throttle
        .begin_attempt(email, ip, at, window, |_| true)
        .await
        .unwrap();
    (attempt.unwrap(), seen)
}

async fn fail(
    throttle: &PgThrottleRepository,
    email: &str,
    ip: Option<IpAddr>,
    at: OffsetDateTime,
) {
    let (attempt, _) = begin(throttle, email, ip, at, since(at - Duration::days(1))).await;
    throttle
        .finish_attempt(attempt, email, AttemptOutcome::Failed)
        .await
        .unwrap();
}

#[tokio::test]
async fn failures_are_counted_per_email_and_per_ip_within_the_window() {
    let throttle = PgThrottleRepository::new(migrated_db().await);
    let ip: IpAddr = "198.51.100.4".parse().unwrap();
    let other_ip: IpAddr = "198.51.100.5".parse().unwrap();
    let now = OffsetDateTime::now_utc();
    fail(
        &throttle,
        "ada@example.com",
        Some(ip),
        now - Duration::minutes(20),
    )
    .await;
    fail(
        &throttle,
        "ada@example.com",
        Some(ip),
        now - Duration::minutes(5),
    )
    .await;
    fail(
        &throttle,
        "bob@example.com",
        Some(ip),
        now - Duration::minutes(1),
    )
    .await;
    fail(&throttle, "ada@example.com", Some(other_ip), now).await;

    let window = since(now - Duration::minutes(15));
    let (attempt, seen) = begin(&throttle, "ada@example.com", Some(ip), now, window).await;
    assert_eq!((seen.for_email, seen.for_ip), (2, 2));
    assert!(seen.oldest_for_email.unwrap() < now - Duration::minutes(4));

    throttle
        .finish_attempt(attempt, "ada@example.com", AttemptOutcome::Succeeded)
        .await
        .unwrap();
    let (_, seen) = begin(&throttle, "ada@example.com", Some(ip), now, window).await;
    assert_eq!(
        (seen.for_email, seen.for_ip),
        (0, 2),
        "a success forgives the email, not the IP"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_attempts_for_one_email_each_see_every_earlier_one_as_pending() {
    let db = migrated_db().await;
    let now = OffsetDateTime::now_utc();
    let attempts: Vec<_> = (0..20)
        .map(|_| {
            let throttle = PgThrottleRepository::new(db.clone());
            tokio::spawn(async move {
                let window = since(now - Duration::minutes(15));
                let (_, seen) = begin(&throttle, "ada@example.com", None, now, window).await;
                assert_eq!(seen.for_email, 0);
                seen.pending_for_email
            })
        })
        .collect();
    let mut counts = Vec::new();
    for attempt in attempts {
        counts.push(attempt.await.unwrap());
    }
    counts.sort_unstable();
    assert_eq!(counts, (0..20).collect::<Vec<u32>>());
}

#[tokio::test]
async fn an_attempt_not_admitted_is_not_recorded() {
    let throttle = PgThrottleRepository::new(migrated_db().await);
    let now = OffsetDateTime::now_utc();
    let window = since(now - Duration::minutes(15));
    let (refused, _) = throttle
        .begin_attempt("ada@example.com", None, now, window, |_| false)
        .await
        .unwrap();
    let (_, seen) = begin(&throttle, "ada@example.com", None, now, window).await;
    assert_eq!(refused, None);
    assert_eq!((seen.for_email, seen.pending_for_email), (0, 0));
}

#[tokio::test]
async fn a_pending_attempt_left_past_its_expiry_counts_as_a_failure() {
    let throttle = PgThrottleRepository::new(migrated_db().await);
    // Whole seconds: PostgreSQL keeps microseconds, and the oldest is compared below.
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let long_ago = now - Duration::minutes(5);
    let window = since(now - Duration::minutes(15));
    begin(&throttle, "ada@example.com", None, long_ago, window).await;
    begin(&throttle, "ada@example.com", None, now, window).await;
    let (_, seen) = begin(&throttle, "ada@example.com", None, now, window).await;
    assert_eq!((seen.for_email, seen.pending_for_email), (1, 1));
    assert_eq!(seen.oldest_for_email, Some(long_ago));
}

#[tokio::test]
async fn a_success_forgives_settled_failures_but_not_attempts_still_pending() {
    let throttle = PgThrottleRepository::new(migrated_db().await);
    let now = OffsetDateTime::now_utc();
    let window = since(now - Duration::minutes(15));
    fail(&throttle, "ada@example.com", None, now).await;
    let (pending, _) = begin(&throttle, "ada@example.com", None, now, window).await;
    let (success, _) = begin(&throttle, "ada@example.com", None, now, window).await;
    throttle
        .finish_attempt(success, "ada@example.com", AttemptOutcome::Succeeded)
        .await
        .unwrap();
    throttle
        .finish_attempt(pending, "ada@example.com", AttemptOutcome::Failed)
        .await
        .unwrap();
    let (_, seen) = begin(&throttle, "ada@example.com", None, now, window).await;
    assert_eq!((seen.for_email, seen.pending_for_email), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_successes_for_one_email_settle_without_a_deadlock() {
    let db = migrated_db_of(8).await;
    let now = OffsetDateTime::now_utc();
    let throttle = PgThrottleRepository::new(db.clone());
    let window = since(now - Duration::minutes(15));
    // Rounds of 20: a deadlock needs two settlements to interleave, which one round may miss.
    for _ in 0..10 {
        let mut attempts = Vec::new();
        for _ in 0..20 {
            attempts.push(
                begin(&throttle, "ada@example.com", None, now, window)
                    .await
                    .0,
            );
        }
        let settled: Vec<_> = attempts
            .into_iter()
            .map(|attempt| {
                let throttle = throttle.clone();
                tokio::spawn(async move {
                    throttle
                        .finish_attempt(attempt, "ada@example.com", AttemptOutcome::Succeeded)
                        .await
                })
            })
            .collect();
        for result in settled {
            let result = result.await.unwrap();
            assert!(result.is_ok(), "{result:?}");
        }
    }
}
