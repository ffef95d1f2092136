//! A fixed set of threads for argon2, each owning one memory block it reuses for every
//! hash, fed by a bounded queue: memory and concurrency are bounded by the code, not by the
//! allocator, and work beyond the queue is refused at once.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use argon2::Block;
use tessera_application::HashError;

/// A worker's argon2 memory: its preallocated blocks, which a job may grow for one hash made
/// with more memory (a stored hash from older parameters); the worker shrinks it back after.
pub(crate) type Memory = Vec<Block>;

/// Work for a worker, given the worker's memory.
type Job = Box<dyn FnOnce(&mut Memory) + Send>;

struct Queued {
    job: Job,
    since: Instant,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Queued>,
    /// When each worker started its current job, if it is running one.
    running: Vec<Option<Instant>>,
    closed: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    work: Condvar,
}

impl Shared {
    /// The state; a worker that panicked mid-update cannot leave it inconsistent (every
    /// update is a single push, pop or assignment), so a poisoned lock is still usable.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The workers and their queue. Dropping the pool lets the workers finish what is queued
/// and exit.
pub(crate) struct HashingPool {
    shared: Arc<Shared>,
    capacity: usize,
}

impl std::fmt::Debug for HashingPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashingPool")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl HashingPool {
    /// Starts `workers` threads, each with `blocks` argon2 blocks allocated once; at most
    /// `capacity` jobs wait for a worker.
    pub(crate) fn start(workers: usize, blocks: usize, capacity: usize) -> std::io::Result<Self> {
        let shared = Arc::new(Shared::default());
        shared.lock().running = vec![None; workers];
        for index in 0..workers {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || work(&shared, index, blocks))?;
        }
        Ok(Self { shared, capacity })
    }

    /// Runs `f` on a worker with its memory. One step: queued if there is room, else
    /// [`HashError::Busy`] at once; never a wait for part of the pool while holding another.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let asked = Instant::now();
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |memory| {
            // Nobody waits any more (the request went away): skip the work.
            if !reply.is_closed() {
                let _ = reply.send(f(memory));
            }
        });
        {
            let mut state = self.shared.lock();
            if state.queue.len() >= self.capacity {
                return Err(HashError::Busy);
            }
            state.queue.push_back(Queued {
                job,
                since: Instant::now(),
            });
        }
        self.shared.work.notify_one();
        let answered = answer.await;
        crate::timing::hashed(asked);
        answered
            .map_err(|_| HashError::Unexpected(anyhow::anyhow!("a password hashing job failed")))
    }

    /// A handle that reports whether this pool still makes progress.
    pub(crate) fn health(&self) -> HashingHealth {
        HashingHealth {
            shared: self.shared.clone(),
        }
    }
}

impl Drop for HashingPool {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.work.notify_all();
    }
}

/// One worker: takes jobs in order until the pool is dropped and the queue is empty.
fn work(shared: &Shared, index: usize, blocks: usize) {
    let mut memory = vec![Block::default(); blocks];
    loop {
        let job = {
            let mut state = shared.lock();
            loop {
                if let Some(queued) = state.queue.pop_front() {
                    if let Some(slot) = state.running.get_mut(index) {
                        *slot = Some(Instant::now());
                    }
                    break queued.job;
                }
                if state.closed {
                    return;
                }
                state = shared
                    .work
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        };
        // A panic inside argon2 fails that one job (its caller sees an error), not the worker.
        let _ = catch_unwind(AssertUnwindSafe(|| job(&mut memory)));
        if memory.len() != blocks {
            // Given back in place (a shrinking `realloc` of a mapped block unmaps its tail),
            // never freed, so the allocator's thresholds stay where they were.
            memory.truncate(blocks);
            memory.shrink_to_fit();
        }
        if let Some(slot) = shared.lock().running.get_mut(index) {
            *slot = None;
        }
    }
}

/// Whether the hashing pool makes progress, for `/readyz`.
#[derive(Clone)]
pub struct HashingHealth {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for HashingHealth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashingHealth").finish_non_exhaustive()
    }
}

impl HashingHealth {
    /// `true` when a job has waited in the queue, or run on a worker, for longer than
    /// `bound`: the pool is stuck (a hash takes well under a second, and the queue is short).
    pub fn stalled_longer_than(&self, bound: Duration) -> bool {
        let state = self.shared.lock();
        let queued = state.queue.front().map(|q| q.since);
        let running = state.running.iter().flatten().min().copied();
        [queued, running]
            .into_iter()
            .flatten()
            .any(|since| since.elapsed() > bound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Polls `f` once, long enough to queue its job, and leaves it pending.
    async fn queue<F: std::future::Future + Unpin>(f: &mut F) {
        let polled = tokio::time::timeout(Duration::from_millis(10), f).await;
        assert!(polled.is_err(), "the job was expected to wait");
    }

    #[tokio::test]
    async fn a_job_runs_on_a_worker_with_its_memory() {
        let pool = HashingPool::start(1, 8, 4).unwrap();
        let blocks = pool.run(|memory| memory.len()).await.unwrap();
        assert_eq!(blocks, 8);
    }

    #[tokio::test]
    async fn memory_a_job_grew_is_back_to_its_size_for_the_next_job() {
        let pool = HashingPool::start(1, 8, 4).unwrap();
        let grown = pool
            .run(|memory| {
                memory.resize(64, Block::default());
                memory.len()
            })
            .await
            .unwrap();
        let next = pool.run(|memory| (memory.len(), memory.capacity())).await;
        assert_eq!((grown, next.unwrap()), (64, (8, 8)));
    }

    #[tokio::test]
    async fn work_beyond_the_queue_is_refused_at_once_as_busy() {
        let pool = HashingPool::start(0, 8, 2).unwrap();
        let (mut first, mut second) = (Box::pin(pool.run(|_| ())), Box::pin(pool.run(|_| ())));
        queue(&mut first).await;
        queue(&mut second).await;
        let third = pool.run(|_| ()).await;
        assert!(matches!(third, Err(HashError::Busy)));
    }

    #[tokio::test]
    async fn a_pool_whose_queue_does_not_move_reports_a_stall() {
        let pool = HashingPool::start(0, 8, 2).unwrap();
        let health = pool.health();
        assert!(!health.stalled_longer_than(Duration::from_millis(20)));
        let mut waiting = Box::pin(pool.run(|_| ()));
        queue(&mut waiting).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(health.stalled_longer_than(Duration::from_millis(20)));
    }

    #[tokio::test]
    async fn a_busy_pool_that_keeps_moving_reports_no_stall() {
        let pool = HashingPool::start(1, 8, 2).unwrap();
        let health = pool.health();
        for _ in 0..5 {
            pool.run(|_| std::thread::sleep(Duration::from_millis(10)))
                .await
                .unwrap();
        }
        assert!(!health.stalled_longer_than(Duration::from_millis(200)));
    }
}
