//! In-memory CIMD cache.

use std::sync::{Arc, Mutex};

use super::client_repository::client_from_metadata;
use super::{FakeClients, lock, next_id};
use crate::ports::*;
use tessera_domain::{ClientIdUrl, OAuthClient, RegistrationSource};
use time::OffsetDateTime;

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
        let cache = lock(&self.0);
        Ok(cache.iter().find(|(u, _)| u == url).map(|(_, c)| c.clone()))
    }
    async fn store(
        &self,
        url: &ClientIdUrl,
        document: &StoredDocument<'_>,
        max_clients: i64,
    ) -> Result<Option<OAuthClient>, RepoError> {
        let mut cache = lock(&self.0);
        let existing = cache.iter().position(|(u, _)| u == url.as_str());
        if existing.is_none() && self.1.registered() >= max_clients {
            return Ok(None);
        }
        let id = existing.map_or_else(next_id, |i| cache[i].1.client.id);
        let blocked = self.1.get(id).is_some_and(|c| c.blocked);
        let host: String = url.host().chars().take(64).collect();
        let (source, cimd_url) = (RegistrationSource::Cimd, Some(url.as_str().to_owned()));
        let client = client_from_metadata(id, document.metadata, source, &host, cimd_url)?;
        let client = OAuthClient { blocked, ..client };
        let expires_at = document.expires_at;
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
        let mut cache = lock(&self.0);
        for (u, cached) in cache.iter_mut() {
            if u == url {
                cached.expires_at = OffsetDateTime::UNIX_EPOCH;
            }
        }
        Ok(())
    }
}
