//! Runs workers as tokio tasks over a time window: steps before the window are warm-up and
//! are not recorded; each worker keeps its own samples, merged at the end.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Result;
use tokio::task::JoinSet;

use crate::stats::{ErrorLog, Series};

/// Whether a worker has more to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Run another step if time is left.
    Continue,
    /// Nothing left to do (e.g. no pre-minted codes left).
    Stop,
}

/// Which series a sample belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// What the scenario measures (a journey, a token call, a refresh, a `/me`).
    Primary,
    /// A part of it measured on its own (the token call within a journey).
    Secondary,
}

/// A measured sample slower than this is also printed on stderr with its wall-clock time, to
/// be matched with the server's slow-request log and PostgreSQL's (issue 20's latency target).
const SLOW: Duration = Duration::from_millis(50);

/// One worker's samples, recorded only inside the measured window.
#[derive(Debug)]
pub struct Recorder {
    primary: Series,
    secondary: Series,
    measuring: bool,
    log: Arc<ErrorLog>,
}

impl Recorder {
    /// Records a successful call.
    pub fn ok(&mut self, which: Which, took: Duration) {
        if self.measuring {
            self.series(which).ok(took);
            if took > SLOW {
                let at = SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap_or_default();
                let ms = took.as_secs_f64() * 1000.0;
                eprintln!("slow\t{}\t{which:?}\t{ms:.1}", at.as_millis());
            }
        }
    }

    /// Records a failed call; the first error of the run is printed whenever it happens.
    pub fn error(&mut self, which: Which, error: &anyhow::Error) {
        self.log.note(error);
        if self.measuring {
            self.series(which).error();
        }
    }

    /// The series `which` names.
    fn series(&mut self, which: Which) -> &mut Series {
        match which {
            Which::Primary => &mut self.primary,
            Which::Secondary => &mut self.secondary,
        }
    }
}

/// A worker: one client and its state, stepping through one iteration at a time.
pub trait Step: Send + 'static {
    /// One iteration, recording what it measured.
    fn step(&mut self, recorder: &mut Recorder) -> impl Future<Output = Flow> + Send;
}

/// The measured window: `[measure_from, until)`; steps starting earlier are warm-up.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Start of measurement (end of warm-up).
    pub measure_from: Instant,
    /// No step starts after this.
    pub until: Instant,
}

impl Window {
    /// `warmup` from now, then `duration` measured.
    pub fn after_warmup(warmup: Duration, duration: Duration) -> Self {
        let measure_from = Instant::now() + warmup;
        Self {
            measure_from,
            until: measure_from + duration,
        }
    }
}

/// All workers' samples merged, with the time they cover.
#[derive(Debug)]
pub struct Outcome {
    /// The scenario's main series.
    pub primary: Series,
    /// The secondary series (empty unless the scenario records one).
    pub secondary: Series,
    /// The measured time: the window, or less if every worker stopped early.
    pub elapsed: Duration,
}

/// Runs every worker on its own task until the window closes or it stops.
pub async fn run<W: Step>(workers: Vec<W>, window: Window, log: &Arc<ErrorLog>) -> Result<Outcome> {
    let mut tasks = JoinSet::new();
    for mut worker in workers {
        let mut recorder = Recorder {
            primary: Series::default(),
            secondary: Series::default(),
            measuring: false,
            log: Arc::clone(log),
        };
        tasks.spawn(async move {
            loop {
                let now = Instant::now();
                if now >= window.until {
                    break;
                }
                recorder.measuring = now >= window.measure_from;
                if worker.step(&mut recorder).await == Flow::Stop {
                    break;
                }
            }
            (recorder, Instant::now())
        });
    }
    let mut outcome = Outcome {
        primary: Series::default(),
        secondary: Series::default(),
        elapsed: Duration::ZERO,
    };
    let mut last_end = window.measure_from;
    while let Some(joined) = tasks.join_next().await {
        let (recorder, ended) = joined?;
        outcome.primary.merge(recorder.primary);
        outcome.secondary.merge(recorder.secondary);
        last_end = last_end.max(ended);
    }
    outcome.elapsed = last_end
        .min(window.until)
        .saturating_duration_since(window.measure_from);
    Ok(outcome)
}
