//! [`Rng`]: bytes that differ from call to call, and version-4 ids.

use std::collections::HashSet;

use super::World;
use crate::Rng;
use crate::ports::Ports;

/// Every fill differs from the others, and ids are distinct random (version 4) UUIDs.
pub async fn draws_differ_and_ids_are_version_4<P: Ports>(w: &World<P>) {
    let mut seen = HashSet::new();
    for _ in 0..100 {
        let mut bytes = [0u8; 32];
        w.rng.fill(&mut bytes);
        assert!(seen.insert(bytes));
    }
    let ids: HashSet<_> = (0..100).map(|_| w.rng.uuid()).collect();
    assert_eq!(ids.len(), 100);
    assert!(ids.iter().all(|id| id.get_version_num() == 4));
}

/// Every test of [`Rng`], as `#[tokio::test]`s on the world `$world` builds.
#[macro_export]
macro_rules! rng_contract {
    ($world:expr) => {
        $crate::contract_tests!($world, rng: draws_differ_and_ids_are_version_4);
    };
}
