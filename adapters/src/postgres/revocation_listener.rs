//! Keeps one connection listening for the revocation notices every replica's writes send
//! (migrations/V10__revocation_notifications.sql) and applies them to this process's
//! [`RecordCache`]. The cache is on only while the connection listens: when it is lost, the
//! cache is off (every bearer check reads the database) until it listens again. A barrier
//! notice is acknowledged once every notice before it has been applied, so a revoking write
//! on any replica can wait until every replica has dropped what it revoked.

use std::sync::Arc;
use std::time::Duration;

use super::record_cache::{ACK, BARRIER};
use super::{Database, RecordCache};

/// The channel the triggers notify.
pub(crate) const CHANNEL: &str = "tessera_revocations";
/// The `application_name` of listening connections, so a revoking write can count them.
pub(crate) const LISTENER_NAME: &str = "tessera-revocations";
/// The first wait before listening again; doubled up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// The longest wait between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Listens for as long as the process runs (spawn it on the runtime).
pub async fn listen_for_revocations(db: Database, cache: Arc<RecordCache>) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        match db.listen(CHANNEL, LISTENER_NAME).await {
            Ok((client, mut notices)) => {
                cache.set_enabled(true);
                backoff = FIRST_BACKOFF;
                tracing::debug!("listening for revocations; bearer checks may use the cache");
                while let Some(notice) = notices.recv().await {
                    match notice.strip_prefix(BARRIER) {
                        // Every notice before it was applied: say so to the write waiting.
                        Some(id) => {
                            let ack = format!("{ACK}{id}");
                            let sql = "SELECT pg_notify($1, $2)";
                            if let Err(e) = client.execute(sql, &[&CHANNEL, &ack]).await {
                                tracing::warn!(error = %e, "acknowledging a revocation barrier");
                            }
                        }
                        None => cache.invalidate(&notice),
                    }
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
