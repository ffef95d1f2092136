//! How a running tessera stops (SPEC §8). On SIGTERM:
//!
//! 1. `/readyz` answers 503 at once, while everything else is still served for
//!    `http.shutdown_delay`, so load balancers (a Kubernetes readiness probe) see it and stop
//!    sending traffic before the listener closes;
//! 2. then the listeners close, open event streams end, and requests in flight get
//!    `http.shutdown_timeout` to finish;
//! 3. then the caller lets go of the database.
//!
//! SIGINT (Ctrl-C at a terminal, where no load balancer waits) and a second signal skip the
//! delay.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use tessera_adapters::http::DrainSignal;
use tokio::sync::mpsc;

/// How a stop was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// SIGTERM, or a test: with the shutdown delay.
    Graceful,
    /// SIGINT, or a second request: without it.
    Now,
}

/// Asks a running server to stop, as SIGTERM does (tests use it; the signal handler too).
#[derive(Debug, Clone)]
pub struct ShutdownHandle(mpsc::UnboundedSender<Stop>);

impl ShutdownHandle {
    /// Begins the shutdown: `/readyz` 503 at once, the drain after `http.shutdown_delay`.
    pub fn begin(&self) {
        let _ = self.0.send(Stop::Graceful);
    }
}

/// Everything the shutdown acts on, gathered by the composition root.
#[derive(Debug)]
pub(crate) struct Shutdown {
    requests: mpsc::UnboundedReceiver<Stop>,
    handle: ShutdownHandle,
    shutting_down: Arc<AtomicBool>,
    drain: DrainSignal,
    servers: Vec<ServerHandle>,
    delay: Duration,
    on_drain: Vec<DrainHook>,
}

/// Something to do when the drain begins (end streams an adapter keeps itself).
struct DrainHook(Box<dyn FnOnce() + Send>);

impl std::fmt::Debug for DrainHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DrainHook")
    }
}

impl Shutdown {
    /// A shutdown that sets `shutting_down` (which `/readyz` reads) at once, waits `delay`,
    /// then ends the streams `drain` reaches and stops `servers` (each bounded by its own
    /// shutdown timeout).
    pub(crate) fn new(
        shutting_down: Arc<AtomicBool>,
        drain: DrainSignal,
        servers: Vec<ServerHandle>,
        delay: Duration,
    ) -> Self {
        let (sender, requests) = mpsc::unbounded_channel();
        Self {
            requests,
            handle: ShutdownHandle(sender),
            shutting_down,
            drain,
            servers,
            delay,
            on_drain: Vec::new(),
        }
    }

    /// Also runs `hook` when the drain begins.
    pub(crate) fn on_drain(mut self, hook: impl FnOnce() + Send + 'static) -> Self {
        self.on_drain.push(DrainHook(Box::new(hook)));
        self
    }

    /// A handle that begins this shutdown.
    pub(crate) fn handle(&self) -> ShutdownHandle {
        self.handle.clone()
    }

    /// Waits for a stop request, then runs the sequence of the module's doc; returns once
    /// every server has stopped.
    pub(crate) async fn run(mut self) {
        let Some(first) = self.requests.recv().await else {
            return;
        };
        self.shutting_down.store(true, Ordering::SeqCst);
        if first == Stop::Graceful && !self.delay.is_zero() {
            tracing::info!(
                delay_seconds = self.delay.as_secs(),
                "shutting down: /readyz answers 503, still serving until http.shutdown_delay ends"
            );
            tokio::select! {
                () = tokio::time::sleep(self.delay) => {}
                Some(_) = self.requests.recv() => tracing::info!("asked again: not waiting any longer"),
            }
        }
        tracing::info!("shutting down: no new connections; finishing the requests in flight");
        self.drain.drain();
        for hook in self.on_drain.drain(..) {
            (hook.0)();
        }
        let stops: Vec<_> = self.servers.iter().map(|s| s.stop(true)).collect();
        for stop in stops {
            stop.await;
        }
    }
}

/// Turns SIGTERM into a graceful stop and SIGINT into an immediate one, for as long as the
/// process lives.
pub(crate) async fn forward_signals(handle: ShutdownHandle) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("cannot listen for SIGTERM; Ctrl-C still stops tessera");
        while tokio::signal::ctrl_c().await.is_ok() {
            let _ = handle.0.send(Stop::Now);
        }
        return;
    };
    loop {
        let stop = tokio::select! {
            Some(()) = term.recv() => Stop::Graceful,
            Some(()) = int.recv() => Stop::Now,
            else => return,
        };
        if handle.0.send(stop).is_err() {
            return;
        }
    }
}
