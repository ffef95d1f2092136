//! [`Clock`]: the time, to PostgreSQL's precision, moved on by a sleep.

use time::Duration;

use super::World;
use crate::Clock;
use crate::ports::Ports;

/// The time is whole microseconds (so it reads back from PostgreSQL unchanged) and a sleep
/// lets at least its duration pass.
pub async fn time_is_whole_microseconds_and_moves_on_by_a_sleep<P: Ports>(w: &World<P>) {
    let before = w.clock.now();
    assert_eq!(before.nanosecond() % 1_000, 0);
    w.clock.sleep(Duration::milliseconds(20)).await;
    let after = w.clock.now();
    assert!(after - before >= Duration::milliseconds(20));
}

/// Every test of [`Clock`], as `#[tokio::test]`s on the world `$world` builds.
#[macro_export]
macro_rules! clock_contract {
    ($world:expr) => {
        $crate::contract_tests!($world, clock:
            time_is_whole_microseconds_and_moves_on_by_a_sleep,
        );
    };
}
