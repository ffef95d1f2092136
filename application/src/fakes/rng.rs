//! Randomness that repeats from run to run.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::ports::Rng;

/// Deterministic, distinct bytes on every call, so ids and credentials are reproducible.
#[derive(Debug, Default)]
pub struct CountingRng(AtomicU64);

impl Rng for CountingRng {
    fn fill(&self, buf: &mut [u8]) {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (n.wrapping_mul(31).wrapping_add(i as u64) % 251) as u8;
        }
    }
}

/// A fresh id for a row a fake makes itself, from a counter shared by every fake, so that
/// no fake reaches for the operating system's randomness.
pub(crate) fn next_id() -> uuid::Uuid {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&n.to_be_bytes());
    bytes[8..].copy_from_slice(b"fake-row");
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}
