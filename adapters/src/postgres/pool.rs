use std::str::FromStr;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::sync::Arc;
use tessera_application::{RepoError, Rng};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio_postgres::config::SslMode;
use tokio_postgres::{AsyncMessage, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::RecordCache;
use super::connector::OnPoolRuntime;
use super::record_cache::BARRIER;
use super::revocation_listener::{CHANNEL, LISTENER_NAME};
use crate::system::OsRng;

/// Why the pool could not be built.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The URL does not parse; the message never repeats the URL (it may hold a password).
    #[error("database.url is not a valid PostgreSQL URL: {0}")]
    BadUrl(String),
    /// The pool could not be built.
    #[error("cannot build the database pool: {0}")]
    Pool(String),
}

/// A pool of PostgreSQL connections shared by every repository of one process.
#[derive(Debug, Clone)]
pub struct Database {
    pool: Pool,
    /// How to open a connection of its own, outside the pool (the revocation listener).
    config: tokio_postgres::Config,
    /// Verified tokens, sessions and clients in memory, when this process listens for
    /// revocations.
    cache: Option<Arc<RecordCache>>,
}

/// rustls with the ring provider and the platform's roots, or instead of them only those
/// in `SSL_CERT_FILE` and `SSL_CERT_DIR` when either is set (e.g. a cloud provider's
/// database CA; bootstrap/tests/database_tls.rs).
fn tls() -> Result<MakeRustlsConnect, DatabaseError> {
    let loaded = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(loaded.certs);
    if roots.is_empty() {
        return Err(DatabaseError::Pool(
            "sslmode=require, but no CA certificates were found (install ca-certificates or set SSL_CERT_FILE)".into(),
        ));
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DatabaseError::Pool(format!("TLS configuration: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

impl Database {
    /// Builds a pool of at most `size` connections; connections are opened lazily.
    pub fn connect(url: &str, size: usize) -> Result<Self, DatabaseError> {
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|e| DatabaseError::BadUrl(e.to_string()))?;
        config.application_name("tessera");
        config.connect_timeout(std::time::Duration::from_secs(5));
        // Keepalives let a connection cut by the network (not closed by the server) be noticed.
        config.keepalives(true);
        config.keepalives_idle(std::time::Duration::from_secs(30));
        let manager_config = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        // `sslmode=require`: TLS, with the server's certificate verified against the
        // system's roots (stricter than libpq's `require`). Otherwise plain, as before: a
        // local cluster's self-signed certificate must not break the embedded default.
        let runtime = tokio::runtime::Handle::try_current().ok();
        let manager = match config.get_ssl_mode() {
            SslMode::Require => {
                let connect = OnPoolRuntime {
                    tls: tls()?,
                    runtime,
                };
                Manager::from_connect(config.clone(), connect, manager_config)
            }
            _ => {
                let connect = OnPoolRuntime {
                    tls: NoTls,
                    runtime,
                };
                Manager::from_connect(config.clone(), connect, manager_config)
            }
        };
        let pool = Pool::builder(manager)
            .max_size(size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(std::time::Duration::from_secs(10)))
            .create_timeout(Some(std::time::Duration::from_secs(5)))
            .build()
            .map_err(|e| DatabaseError::Pool(e.to_string()))?;
        Ok(Self {
            pool,
            config,
            cache: None,
        })
    }

    /// Lets access-token, session and client lookups be answered from `cache` while it is
    /// on (see [`RecordCache`]); revoking writes made through this pool empty it at once.
    pub fn with_record_cache(self, cache: Arc<RecordCache>) -> Self {
        Self {
            cache: Some(cache),
            ..self
        }
    }

    /// The record cache, if this pool has one.
    pub(crate) fn record_cache(&self) -> Option<&RecordCache> {
        self.cache.as_deref()
    }

    /// Called after a revoking write (or one that ends a session or changes a client)
    /// commits, before its answer leaves: this process's cached records are dropped at once,
    /// then a barrier notice goes out and the call returns when every replica listening at
    /// that moment has acknowledged it, that is, has applied the write's own notices
    /// (notifications arrive in commit order). So a token revoked or a session ended here is
    /// refused by every replica by the time the writer hears back. Waits at most a
    /// second, then warns (a replica whose listener is gone has turned its cache off).
    pub(crate) async fn settle_revocation(&self) {
        let Some(cache) = self.cache.as_deref() else {
            return;
        };
        cache.invalidate("local revocation");
        if !cache.enabled() {
            return;
        }
        const SQL: &str = "SELECT count(*) FROM pg_stat_activity
                           WHERE application_name = $1 AND datname = current_database()
                           AND pg_notify($2, $3) IS NOT NULL";
        let id = OsRng::default().uuid().simple().to_string();
        let acknowledged = cache.barrier(&id);
        let notice = format!("{BARRIER}{id}");
        let listeners = match self.client().await {
            Ok(client) => client
                .query_one(SQL, &[&LISTENER_NAME, &CHANNEL, &notice])
                .await
                .ok()
                .and_then(|row| row.try_get::<_, i64>(0).ok()),
            Err(_) => None,
        };
        if let Some(listeners) = listeners {
            cache.expect_acks(&id, usize::try_from(listeners).unwrap_or(usize::MAX));
            let waited = std::time::Duration::from_secs(1);
            if tokio::time::timeout(waited, acknowledged).await.is_err() {
                tracing::warn!(
                    listeners,
                    "not every replica acknowledged a revocation within a second"
                );
            }
        }
        cache.drop_barrier(&id);
    }

    /// A connection of its own that has run `LISTEN channel`, and the payloads of the
    /// notifications it receives; the receiver ends when the connection does.
    pub async fn listen(
        &self,
        channel: &'static str,
        application_name: &str,
    ) -> Result<(tokio_postgres::Client, UnboundedReceiver<String>), RepoError> {
        let unavailable = |e: tokio_postgres::Error| RepoError::Unavailable(anyhow::Error::new(e));
        let (sender, receiver) = unbounded_channel();
        let mut config = self.config.clone();
        config.application_name(application_name);
        let client = match config.get_ssl_mode() {
            SslMode::Require => {
                let tls = tls().map_err(|e| RepoError::Unavailable(anyhow::Error::new(e)))?;
                let (client, connection) = config.connect(tls).await.map_err(unavailable)?;
                tokio::spawn(forward_notifications(connection, sender));
                client
            }
            _ => {
                let (client, connection) = config.connect(NoTls).await.map_err(unavailable)?;
                tokio::spawn(forward_notifications(connection, sender));
                client
            }
        };
        client
            .batch_execute(&format!("LISTEN {channel}"))
            .await
            .map_err(unavailable)?;
        Ok((client, receiver))
    }

    /// A connection from the pool; a database that cannot be reached is `Unavailable`.
    pub async fn client(&self) -> Result<deadpool_postgres::Client, RepoError> {
        let since = std::time::Instant::now();
        let client = self.pool.get().await;
        crate::timing::pool_checkout(since);
        client.map_err(|e| RepoError::Unavailable(anyhow::Error::new(e)))
    }

    /// Closes every connection; later `client()` calls fail. Used before the embedded
    /// cluster stops, so connections end cleanly instead of being cut.
    pub fn close(&self) {
        self.pool.close();
    }

    /// Connections in use and callers waiting, for metrics.
    pub fn status(&self) -> deadpool_postgres::Status {
        self.pool.status()
    }
}

/// Drives a dedicated connection, passing on the payload of each notification, until the
/// connection ends (or nobody listens any more).
async fn forward_notifications<S, T>(
    mut connection: tokio_postgres::Connection<S, T>,
    sender: UnboundedSender<String>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    while let Some(Ok(message)) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
        if let AsyncMessage::Notification(notice) = message
            && sender.send(notice.payload().to_owned()).is_err()
        {
            return;
        }
    }
}
