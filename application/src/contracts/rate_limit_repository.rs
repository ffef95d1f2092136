//! [`RateLimitRepository`]: fixed-window counters.

use time::Duration;

use super::World;
use crate::Clock;
use crate::ports::*;

/// Every hit counts, per bucket and per window.
pub async fn hits_count_per_bucket_and_window<P: Ports>(w: &World<P>) {
    let window = w.clock.now();
    assert_eq!(
        w.rate_limits
            .hit("register:192.0.2.1", window)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        w.rate_limits
            .hit("register:192.0.2.1", window)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        w.rate_limits
            .hit("register:192.0.2.2", window)
            .await
            .unwrap(),
        1
    );
    let next = window + Duration::minutes(1);
    assert_eq!(
        w.rate_limits.hit("register:192.0.2.1", next).await.unwrap(),
        1
    );
}

/// Every test of [`RateLimitRepository`], as `#[tokio::test]`s on the world `$world` builds.
#[macro_export]
macro_rules! rate_limit_repository_contract {
    ($world:expr) => {
        $crate::contract_tests!($world, rate_limit_repository:
            hits_count_per_bucket_and_window,
        );
    };
}
