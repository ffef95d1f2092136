//! In-memory CIMD cache and a scripted document fetcher.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tessera_domain::{AppName, ClientIdUrl, OAuthClient, RegistrationSource};
use time::OffsetDateTime;

use super::FakeClients;
use crate::ports::*;

/// Cached documents; their clients are also put in `clients`, as PostgreSQL keeps every
/// client in one table.
#[derive(Debug, Clone, Default)]
pub struct FakeCimd(Arc<Mutex<Vec<(String, CachedClient)>>>, FakeClients);

impl FakeCimd {
    /// A cache whose clients also appear in `clients`.
    pub fn sharing(clients: &FakeClients) -> Self {
        Self(Arc::default(), clients.clone())
    }
}

impl CimdRepository for FakeCimd {
    async fn find(&self, url: &str) -> Result<Option<CachedClient>, RepoError> {
        let cache = self.0.lock().unwrap();
        Ok(cache.iter().find(|(u, _)| u == url).map(|(_, c)| c.clone()))
    }
    async fn store(
        &self,
        url: &ClientIdUrl,
        document: &StoredDocument<'_>,
        max_clients: i64,
    ) -> Result<Option<OAuthClient>, RepoError> {
        let metadata = document.metadata;
        let expires_at = document.expires_at;
        let mut cache = self.0.lock().unwrap();
        let existing = cache.iter().position(|(u, _)| u == url.as_str());
        if existing.is_none() && cache.len() as i64 >= max_clients {
            return Ok(None);
        }
        let (id, blocked) = existing.map_or((super::id_from(url.as_str()), false), |i| {
            (cache[i].1.client.id, cache[i].1.client.blocked)
        });
        let client = OAuthClient {
            id,
            name: metadata
                .client_name()
                .cloned()
                .unwrap_or_else(|| AppName::parse(url.host()).unwrap()),
            icon: None,
            redirect_uris: metadata.redirect_uris().to_vec(),
            client_type: metadata.client_type(),
            grant_types: metadata.grant_types().to_vec(),
            scope: metadata.scope().cloned(),
            source: RegistrationSource::Cimd,
            blocked,
            cimd_url: Some(url.as_str().to_owned()),
        };
        let entry = CachedClient {
            client: client.clone(),
            expires_at,
        };
        match existing {
            Some(i) => cache[i] = (url.as_str().to_owned(), entry),
            None => cache.push((url.as_str().to_owned(), entry)),
        }
        self.1.put(client.clone());
        Ok(Some(client))
    }
    async fn forget(&self, url: &str) -> Result<(), RepoError> {
        let mut cache = self.0.lock().unwrap();
        for (u, cached) in cache.iter_mut() {
            if u == url {
                cached.expires_at = OffsetDateTime::UNIX_EPOCH;
            }
        }
        Ok(())
    }
}

/// Answers every fetch with the scripted result and counts the fetches.
#[derive(Debug, Clone)]
pub struct FakeFetcher {
    pub answer: Arc<Mutex<Result<FetchedDocument, FetchError>>>,
    pub fetches: Arc<AtomicUsize>,
}

impl FakeFetcher {
    pub fn answering(answer: Result<FetchedDocument, FetchError>) -> Self {
        Self {
            answer: Arc::new(Mutex::new(answer)),
            fetches: Arc::default(),
        }
    }
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
        self.answer.lock().unwrap().clone()
    }
}
