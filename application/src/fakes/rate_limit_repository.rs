//! Rate-limit counters in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

use super::lock;
use crate::ports::{RateLimitRepository, RepoError};

/// Fixed-window counters; clones share them.
#[derive(Debug, Clone, Default)]
pub struct FakeRateLimits(Arc<Mutex<HashMap<(String, OffsetDateTime), u32>>>);

impl RateLimitRepository for FakeRateLimits {
    async fn hit(&self, bucket: &str, window_start: OffsetDateTime) -> Result<u32, RepoError> {
        let mut counters = lock(&self.0);
        let hits = counters
            .entry((bucket.to_owned(), window_start))
            .or_default();
        *hits += 1;
        Ok(*hits)
    }
}
