//! Choosing and preparing the database: `database.url`, or the embedded cluster.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tessera_adapters::postgres::{
    Database, EmbeddedPostgres, RecordCache, StopOutcome, listen_for_revocations, migrate,
};
use tokio::task::JoinHandle;

use crate::settings::Settings;

/// The pool, and the embedded cluster when this process runs one.
#[derive(Debug)]
pub struct Store {
    /// The connection pool.
    pub db: Database,
    /// The embedded cluster, let go of with [`Store::shutdown`].
    pub embedded: Option<EmbeddedPostgres>,
    /// Verified tokens, sessions and clients in memory; on only while [`Store::listen_for_revocations`]
    /// keeps its listener connected.
    pub records: Arc<RecordCache>,
    /// The revocation listener, stopped with [`Store::shutdown`].
    listener: Option<JoinHandle<()>>,
}

impl Store {
    /// Connects (starting the embedded cluster when no URL is set) and waits until the
    /// database answers, up to a minute, saying so while it waits.
    pub async fn open(settings: &Settings) -> anyhow::Result<Self> {
        let (url, embedded) = match &settings.database.url {
            Some(url) => (url.expose().to_owned(), None),
            None => {
                let dir = settings.data_dir.clone();
                let pg = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&dir, false))
                    .await??;
                let how = if pg.owned() {
                    "started"
                } else {
                    "attached to the running"
                };
                tracing::info!(data_dir = %settings.data_dir.display(), "{how} embedded PostgreSQL");
                (pg.url().to_owned(), Some(pg))
            }
        };
        let records = Arc::new(RecordCache::default());
        let db = Database::connect(&url, settings.database.pool_size)?
            .with_record_cache(records.clone());
        let store = Self {
            db,
            embedded,
            records,
            listener: None,
        };
        store.wait_until_reachable().await?;
        Ok(store)
    }

    async fn wait_until_reachable(&self) -> anyhow::Result<()> {
        let mut delay = Duration::from_millis(100);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            match self.db.client().await {
                Ok(_) => return Ok(()),
                Err(e) if tokio::time::Instant::now() < deadline => {
                    // With its causes: "unavailable" alone hides a refused TLS certificate.
                    let error = format!("{:#}", anyhow::Error::new(e));
                    tracing::warn!(%error, retry_in_ms = delay.as_millis() as u64, "database not reachable yet");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
                Err(e) => {
                    return Err(e).context("the database did not become reachable within 60 s");
                }
            }
        }
    }

    /// Applies pending migrations (under the advisory lock), logging how many ran.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let applied = migrate(&self.db).await.context("applying migrations")?;
        tracing::info!(applied, "database schema is current");
        Ok(())
    }

    /// Keeps a connection listening for revocations from every replica, so bearer checks
    /// can be answered from [`Store::records`] (a server does this; CLI commands do not).
    pub fn listen_for_revocations(&mut self) {
        let task = listen_for_revocations(self.db.clone(), self.records.clone());
        self.listener = Some(tokio::spawn(task));
    }

    /// Stops the revocation listener, closes the pool and lets go of the embedded cluster,
    /// which stops unless another tessera process (a `serve` next to a `users create`) still
    /// uses it.
    pub async fn shutdown(self) {
        if let Some(listener) = self.listener {
            listener.abort();
        }
        self.db.close();
        if let Some(pg) = self.embedded {
            match tokio::task::spawn_blocking(move || pg.stop()).await {
                Ok(Ok(StopOutcome::Stopped)) => tracing::info!("embedded PostgreSQL stopped"),
                Ok(Ok(StopOutcome::StillInUse)) => {
                    tracing::info!(
                        "embedded PostgreSQL left running for the other tessera using it"
                    )
                }
                Ok(Err(e)) => tracing::error!(error = %e, "stopping the embedded PostgreSQL"),
                Err(e) => tracing::error!(error = %e, "stopping the embedded PostgreSQL"),
            }
        }
    }
}
