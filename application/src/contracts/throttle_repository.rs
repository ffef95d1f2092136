//! [`ThrottleRepository`]: failed and pending login attempts, per email and per IP.

use std::net::IpAddr;

use time::Duration;

use super::World;
use crate::Clock;
use crate::ports::*;

const EMAIL: &str = "ada@example.com";

fn ip() -> Option<IpAddr> {
    "192.0.2.7".parse().ok()
}

/// Begins an attempt for `email` from [`ip`], admitted; its id and what it saw.
async fn begin<P: Ports>(w: &World<P>, email: &str) -> (Option<AttemptId>, FailureWindow) {
    let now = w.clock.now();
    let window = AttemptWindow {
        since: now - Duration::minutes(15),
        pending_expired_before: now - Duration::minutes(1),
    };
    w.throttle
        .begin_attempt(email, ip(), now, window, |_| true)
        .await
        .unwrap()
}

/// A failure counts for the email and the IP; an attempt still checking counts as pending.
pub async fn failures_and_pending_attempts_are_counted<P: Ports>(w: &World<P>) {
    let (first, seen) = begin(w, EMAIL).await;
    assert_eq!(seen, FailureWindow::default());
    let first = first.unwrap();
    w.throttle
        .finish_attempt(first, EMAIL, AttemptOutcome::Failed)
        .await
        .unwrap();
    let (second, seen) = begin(w, EMAIL).await;
    assert!(second.is_some());
    assert_eq!((seen.for_email, seen.for_ip), (1, 1));
    assert!(seen.oldest_for_email.is_some() && seen.oldest_for_ip.is_some());
    assert_eq!((seen.pending_for_email, seen.pending_for_ip), (0, 0));
    let (_, seen) = begin(w, "bob@example.com").await;
    assert_eq!((seen.for_email, seen.for_ip), (0, 1));
    assert_eq!((seen.pending_for_email, seen.pending_for_ip), (0, 1));
}

/// An attempt not admitted is not recorded; an abandoned one does not count.
pub async fn refused_and_abandoned_attempts_do_not_count<P: Ports>(w: &World<P>) {
    let now = w.clock.now();
    let window = AttemptWindow {
        since: now - Duration::minutes(15),
        pending_expired_before: now - Duration::minutes(1),
    };
    let refused = w
        .throttle
        .begin_attempt(EMAIL, ip(), now, window, |_| false)
        .await;
    assert!(refused.unwrap().0.is_none());
    let (abandoned, _) = begin(w, EMAIL).await;
    let abandoned = abandoned.unwrap();
    w.throttle
        .finish_attempt(abandoned, EMAIL, AttemptOutcome::Abandoned)
        .await
        .unwrap();
    let (_, seen) = begin(w, EMAIL).await;
    assert_eq!(seen, FailureWindow::default());
}

/// Signing in stops the email's failures counting, not the IP's.
pub async fn success_clears_the_email_s_failures<P: Ports>(w: &World<P>) {
    let (failed, _) = begin(w, EMAIL).await;
    w.throttle
        .finish_attempt(failed.unwrap(), EMAIL, AttemptOutcome::Failed)
        .await
        .unwrap();
    let (signed_in, _) = begin(w, EMAIL).await;
    let outcome = AttemptOutcome::Succeeded;
    w.throttle
        .finish_attempt(signed_in.unwrap(), EMAIL, outcome)
        .await
        .unwrap();
    let (_, seen) = begin(w, EMAIL).await;
    assert_eq!((seen.for_email, seen.for_ip), (0, 1));
}

/// Every test of [`ThrottleRepository`], as `#[tokio::test]`s on the world `$world` builds.
#[macro_export]
macro_rules! throttle_repository_contract {
    ($world:expr) => {
        $crate::contract_tests!($world, throttle_repository:
            failures_and_pending_attempts_are_counted,
            refused_and_abandoned_attempts_do_not_count,
            success_clears_the_email_s_failures,
        );
    };
}
