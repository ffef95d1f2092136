//! A document fetcher that answers as a test scripts it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tessera_domain::ClientIdUrl;

use super::lock;
use crate::ports::{FetchError, FetchedDocument, MetadataFetcher};

/// Answers every fetch with the scripted result and counts the fetches.
#[derive(Debug, Clone)]
pub struct FakeFetcher {
    /// What every fetch answers.
    pub answer: Arc<Mutex<Result<FetchedDocument, FetchError>>>,
    /// How many fetches there were.
    pub fetches: Arc<AtomicUsize>,
}

impl FakeFetcher {
    /// A fetcher answering `answer` to every fetch.
    pub fn answering(answer: Result<FetchedDocument, FetchError>) -> Self {
        Self {
            answer: Arc::new(Mutex::new(answer)),
            fetches: Arc::default(),
        }
    }
    /// How many fetches there were.
    pub fn count(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

impl Default for FakeFetcher {
    fn default() -> Self {
        Self::answering(Err(FetchError::Unreachable))
    }
}

impl MetadataFetcher for FakeFetcher {
    async fn fetch(&self, _url: &ClientIdUrl) -> Result<FetchedDocument, FetchError> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        lock(&self.answer).clone()
    }
}
