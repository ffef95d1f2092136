//! Keeps one connection listening for the revocation notices every replica's writes send
//! (migrations/V10__revocation_notifications.sql) and applies them to this process's
//! [`TokenCache`]. The cache is on only while the connection listens: when it is lost, the
//! cache is off (every bearer check reads the database) until it listens again.

use std::sync::Arc;
use std::time::Duration;

use super::{Database, TokenCache};

/// The channel the triggers notify.
const CHANNEL: &str = "tessera_revocations";
/// The first wait before listening again; doubled up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// The longest wait between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Listens for as long as the process runs (spawn it on the runtime).
pub async fn listen_for_revocations(db: Database, cache: Arc<TokenCache>) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        match db.listen(CHANNEL).await {
            Ok((client, mut notices)) => {
                cache.set_enabled(true);
                backoff = FIRST_BACKOFF;
                tracing::debug!("listening for revocations; bearer checks may use the cache");
                while let Some(notice) = notices.recv().await {
                    cache.invalidate(&notice);
                }
                drop(client);
                cache.set_enabled(false);
                tracing::warn!(
                    "lost the revocation listener; bearer checks read the database until it listens again"
                );
            }
            Err(e) => {
                cache.set_enabled(false);
                tracing::warn!(error = %e, "cannot listen for revocations; bearer checks read the database");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}
