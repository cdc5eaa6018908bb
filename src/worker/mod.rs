//! Workers: consumer-group readers, one per shard, feeding a bounded pool of
//! attempts; plus the upkeep loops (delayed retries, index pruning; reclaim).
//! A reader or a reclaim holds its slots before it reads or claims, asks for
//! no more entries than that, and hands each entry its slot: a started
//! entry never waits for one (see `Slots`).
//!
//! Delivery is at-least-once with fencing: an entry stays in the group's
//! pending list until the Lua call that records its outcome acknowledges it,
//! so a crash loses nothing; a reclaimed entry gets a new attempt number,
//! so the old attempt's late writes are refused.

mod attempt;
mod completer;
mod maintenance;
mod reader;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::analysis::{Analyzer, Stage};
use crate::engine::{EngineError, Functions, Taken, WorkEntry};

/// How long a worker keeps retrying a call while Redis is unreachable. Past
/// it the entry stays pending and is reclaimed: nothing is lost.
pub(crate) const PATIENCE: Duration = Duration::from_secs(120);

/// How a worker process behaves (from the settings).
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub concurrency: usize,
    pub batch: usize,
    pub visibility_timeout: Duration,
    pub progress_flush: Duration,
    pub retry_backoff: Duration,
    pub retry_backoff_max: Duration,
    /// How long one XREADGROUP blocks; also the shutdown latency of a reader.
    pub block: Duration,
    /// How long one analysis may run before its job fails.
    pub analysis_timeout: Duration,
}

/// A worker process's shared state.
pub struct Worker {
    pub(crate) fns: Functions,
    pub(crate) analyzer: Arc<dyn Analyzer>,
    pub(crate) config: WorkerConfig,
    /// Unique per process, so reclaim works across processes and a restarted
    /// worker never inherits a dead one's pending entries by name.
    pub consumer: String,
    completer: completer::Completer,
    permits: Arc<Semaphore>,
    /// Entries an attempt of this process runs, as (shard, entry id): a
    /// reclaim must not start them again (`fl_take` would
    /// hand the same consumer the same attempt, and it would run twice).
    running: Mutex<HashSet<(u16, String)>>,
    tracker: TaskTracker,
}

impl Worker {
    pub fn new(fns: Functions, analyzer: Arc<dyn Analyzer>, config: WorkerConfig) -> Arc<Self> {
        let host = hostname();
        let consumer = format!(
            "{host}-{}-{}",
            std::process::id(),
            &ulid::Ulid::generate().to_string()[20..]
        );
        // Only worker processes report slots (an API-only one has none).
        crate::metrics::worker_slots(config.concurrency, 0);
        Arc::new(Worker {
            completer: completer::Completer::start(&fns),
            permits: Arc::new(Semaphore::new(config.concurrency)),
            running: Mutex::new(HashSet::new()),
            tracker: TaskTracker::new(),
            fns,
            analyzer,
            config,
            consumer,
        })
    }

    /// Runs until `shutdown` fires, then stops reading, finishes every
    /// attempt already taken, and returns.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        tracing::info!(consumer = %self.consumer, shards = self.fns.store.keys.shards(), concurrency = self.config.concurrency, "worker started");
        self.publish_slots();
        let mut loops = Vec::new();
        for shard in 0..self.fns.store.keys.shards() {
            loops.push(tokio::spawn(reader::run(
                self.clone(),
                shard,
                shutdown.clone(),
            )));
        }
        loops.push(tokio::spawn(maintenance::run(
            self.clone(),
            shutdown.clone(),
        )));
        loops.push(tokio::spawn(maintenance::reclaim_loop(
            self.clone(),
            shutdown.clone(),
        )));
        for handle in loops {
            let _ = handle.await;
        }
        self.tracker.close();
        self.tracker.wait().await;
        tracing::info!(consumer = %self.consumer, "worker stopped: all in-flight attempts finished");
    }

    /// Waits for a free slot, then adds every other free one up to `max`
    /// (never waiting for those): the slots for one read or claim. `None`
    /// once the pool is closed.
    pub(crate) async fn reserve(&self, max: usize) -> Option<Slots> {
        let first = self.permits.clone().acquire_owned().await.ok()?;
        let slots = self.add_free(first, max);
        if slots.len() >= max.min(GATHER) {
            return Some(slots);
        }
        // Under load slots come free one by one, and a read per slot would
        // cost Redis a call per job: wait a moment for a few more (never
        // for an entry already started, so nothing goes unwatched).
        tokio::time::sleep(GATHER_WAIT).await;
        Some(self.add_free(slots.0, max))
    }

    fn add_free(&self, mut held: OwnedSemaphorePermit, max: usize) -> Slots {
        while held.num_permits() < max {
            match self.permits.clone().try_acquire_owned() {
                Ok(more) => held.merge(more),
                Err(_) => break,
            }
        }
        Slots(held)
    }

    /// Starts entries a reclaim delivered
    /// (one call for them all, each checked to be still this consumer's)
    /// and runs them, each with one of `slots` (it holds at least as many
    /// as there are entries).
    pub(crate) async fn start_delivered(
        self: &Arc<Self>,
        shard: u16,
        delivered: &[WorkEntry],
        slots: Slots,
    ) {
        if delivered.is_empty() {
            return;
        }
        debug_assert!(delivered.len() <= slots.len(), "an entry without a slot");
        let first = Stage::Normalizing.hint();
        let taken = with_retry("start", PATIENCE, || {
            self.fns
                .take(shard, &self.consumer, delivered.len(), first, delivered)
        })
        .await;
        match taken {
            Ok(rows) => self.dispatch_all(shard, rows, slots),
            Err(e) => {
                crate::metrics::worker_error("start");
                // Started or not, they stay in this consumer's pending list
                // and are reclaimed after the visibility timeout (by this
                // process with the attempt they have, or by another).
                tracing::error!(shard, entries = delivered.len(), error = %e, "could not start delivered entries; they stay pending and will be reclaimed");
            }
        }
    }

    /// Runs each started entry as its own task with one of `slots`; the
    /// slots left over are freed here.
    pub(crate) fn dispatch_all(self: &Arc<Self>, shard: u16, rows: Vec<Taken>, mut slots: Slots) {
        for row in rows {
            match slots.one() {
                Some(slot) => self.dispatch(shard, row, slot),
                // Cannot happen (no call asks for more entries than slots);
                // if it did, the entry stays pending and is reclaimed.
                None => {
                    tracing::error!(shard, entry = %row.entry_id, "an entry came without a slot")
                }
            }
        }
    }

    fn dispatch(self: &Arc<Self>, shard: u16, taken: Taken, slot: OwnedSemaphorePermit) {
        let running = Running::new(self.clone(), shard, taken.entry_id.clone());
        let worker = self.clone();
        self.tracker.spawn(async move {
            attempt::run(&worker, taken, slot).await;
            drop(running);
        });
    }

    /// Whether an attempt of this process runs the entry now.
    pub(crate) fn is_running(&self, shard: u16, entry_id: &str) -> bool {
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.contains(&(shard, entry_id.to_string()))
    }

    fn publish_slots(&self) {
        let capacity = self.config.concurrency;
        let busy = self.running.lock().map_or(0, |r| r.len());
        crate::metrics::worker_slots(capacity, busy.min(capacity));
    }
}

/// A read for fewer slots than this waits `GATHER_WAIT` for more first.
const GATHER: usize = 16;
const GATHER_WAIT: Duration = Duration::from_millis(2);

/// Slots held for entries not read or claimed yet. A read or a claim asks
/// for at most `len()` entries and each entry it starts leaves with one
/// slot, so this process starts nothing it cannot run at once (an entry
/// waiting here for a slot would get no heartbeat and be taken over while
/// its worker is healthy). Dropping this frees the slots left over, on
/// every path, errors included.
pub(crate) struct Slots(OwnedSemaphorePermit);

impl Slots {
    pub(crate) fn len(&self) -> usize {
        self.0.num_permits()
    }

    fn one(&mut self) -> Option<OwnedSemaphorePermit> {
        self.0.split(1)
    }
}

/// One attempt of this process, from its start until its outcome is
/// recorded (even if it panics): while it is here no reclaim of this
/// process starts its entry again. Its slot is freed earlier, when the
/// analysis ends (see `attempt::run`).
struct Running {
    worker: Arc<Worker>,
    key: (u16, String),
}

impl Running {
    fn new(worker: Arc<Worker>, shard: u16, entry_id: String) -> Self {
        let key = (shard, entry_id);
        if let Ok(mut running) = worker.running.lock() {
            running.insert(key.clone());
        }
        worker.publish_slots();
        Running { worker, key }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(mut running) = self.worker.running.lock() {
            running.remove(&self.key);
        }
        self.worker.publish_slots();
    }
}

/// Retries an operation while Redis is unavailable (restart, failover), up
/// to `patience`; refusals and other errors return at once.
pub(crate) async fn with_retry<T, F, Fut>(
    operation: &'static str,
    patience: Duration,
    mut call: F,
) -> Result<T, EngineError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, EngineError>>,
{
    let deadline = tokio::time::Instant::now() + patience;
    let mut delay = Duration::from_millis(50);
    loop {
        match call().await {
            Err(e) if e.is_unavailable() && tokio::time::Instant::now() < deadline => {
                crate::metrics::worker_error(operation);
                tracing::warn!(operation, error = %e, "redis unavailable; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
            }
            other => return other,
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".to_string())
}
