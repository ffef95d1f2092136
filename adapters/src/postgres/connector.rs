//! How pooled connections are opened: on the runtime that built the pool. actix-web runs one
//! runtime per worker and drops an idle worker's runtime at a graceful stop; a connection
//! opened and driven there would close with it, under a request still in flight on another
//! worker (seen as "database unavailable: connection closed" → 503 during a SIGTERM drain).

use std::future::Future;
use std::pin::Pin;

use deadpool_postgres::Connect;
use tokio::runtime::Handle;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{Client, Config, Error, Socket};

/// Opens connections on the pool's runtime when there is one, else where it is asked.
pub(super) struct OnPoolRuntime<T> {
    pub(super) tls: T,
    pub(super) runtime: Option<Handle>,
}

type Connected<'a> =
    Pin<Box<dyn Future<Output = Result<(Client, JoinHandle<()>), Error>> + Send + 'a>>;

impl<T> Connect for OnPoolRuntime<T>
where
    T: MakeTlsConnect<Socket> + Clone + Sync + Send + 'static,
    T::Stream: Sync + Send,
    T::TlsConnect: Sync + Send,
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    fn connect(&self, config: &Config) -> Connected<'_> {
        let (tls, config, runtime) = (self.tls.clone(), config.clone(), self.runtime.clone());
        Box::pin(async move {
            if let Some(runtime) = runtime {
                let (sender, receiver) = oneshot::channel();
                let (tls, config) = (tls.clone(), config.clone());
                let task = runtime.spawn(async move {
                    match config.connect(tls).await {
                        Ok((client, connection)) => {
                            if sender.send(Ok(client)).is_ok() {
                                drive(connection).await;
                            }
                        }
                        Err(e) => {
                            let _ = sender.send(Err(e));
                        }
                    }
                });
                // The pool's runtime is going away: connect here, as deadpool would.
                if let Ok(connected) = receiver.await {
                    return connected.map(|client| (client, task));
                }
            }
            let (client, connection) = config.connect(tls).await?;
            Ok((client, tokio::spawn(drive(connection))))
        })
    }
}

async fn drive<C: Future<Output = Result<(), Error>>>(connection: C) {
    if let Err(e) = connection.await {
        tracing::warn!(error = %e, "database connection ended");
    }
}
