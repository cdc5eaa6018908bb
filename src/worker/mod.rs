//! Workers: consumer-group readers, one per shard, feeding a bounded pool of
//! attempts; plus the upkeep loop (delayed retries, index pruning, reclaim).
//!
//! Delivery is at-least-once with fencing: an entry stays in the group's
//! pending list until the Lua call that records its outcome acknowledges it,
//! so a crash loses nothing; a reclaimed entry gets a new attempt number,
//! so the old attempt's late writes are refused.

mod attempt;
mod completer;
mod maintenance;
mod reader;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
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
        Arc::new(Worker {
            completer: completer::Completer::start(&fns),
            permits: Arc::new(Semaphore::new(config.concurrency)),
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
        for handle in loops {
            let _ = handle.await;
        }
        self.tracker.close();
        self.tracker.wait().await;
        tracing::info!(consumer = %self.consumer, "worker stopped: all in-flight attempts finished");
    }

    /// Starts entries a read or a reclaim delivered (one call for them all,
    /// each checked to be still this consumer's) and runs them.
    pub(crate) async fn start_delivered(self: &Arc<Self>, shard: u16, delivered: &[WorkEntry]) {
        if delivered.is_empty() {
            return;
        }
        let first = Stage::Normalizing.hint();
        let taken = with_retry("start", PATIENCE, || {
            self.fns
                .take(shard, &self.consumer, delivered.len(), first, delivered)
        })
        .await;
        match taken {
            Ok(rows) => {
                for row in rows {
                    self.dispatch(row).await;
                }
            }
            Err(e) => {
                crate::metrics::worker_error("start");
                tracing::error!(shard, entries = delivered.len(), error = %e, "could not start delivered entries; they stay pending and will be reclaimed");
            }
        }
    }

    /// Waits for a free slot, then runs the started entry as its own task.
    pub(crate) async fn dispatch(self: &Arc<Self>, taken: Taken) {
        let Ok(permit) = self.permits.clone().acquire_owned().await else {
            return;
        };
        let worker = self.clone();
        worker.publish_slots();
        self.tracker.spawn(async move {
            attempt::run(&worker, taken).await;
            drop(permit);
            worker.publish_slots();
        });
    }

    fn publish_slots(&self) {
        let capacity = self.config.concurrency;
        crate::metrics::worker_slots(capacity, capacity - self.free_slots().min(capacity));
    }

    /// Returns once at least one slot is free.
    pub(crate) async fn slot_free(&self) {
        let _ = self.permits.acquire().await;
    }

    pub(crate) fn free_slots(&self) -> usize {
        self.permits.available_permits()
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
