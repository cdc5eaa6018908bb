//! Workers: consumer-group readers, one per shard, feeding a bounded pool of
//! attempts; plus the upkeep loop (delayed retries, index pruning, reclaim).
//!
//! Delivery is at-least-once with fencing: an entry stays in the group's
//! pending list until the Lua call that records its outcome acknowledges it,
//! so a crash loses nothing; a reclaimed entry gets a new attempt number,
//! so the old attempt's late writes are refused.

mod attempt;
mod maintenance;
mod reader;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::analysis::Analyzer;
use crate::engine::{EngineError, Functions, JobId};

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
}

/// One delivered work entry.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub entry_id: String,
    pub job: JobId,
    pub hash: String,
}

/// A worker process's shared state.
pub struct Worker {
    pub(crate) fns: Functions,
    pub(crate) analyzer: Arc<dyn Analyzer>,
    pub(crate) config: WorkerConfig,
    /// Unique per process, so reclaim works across processes and a restarted
    /// worker never inherits a dead one's pending entries by name.
    pub consumer: String,
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

    /// Waits for a free slot, then runs the delivery as its own task.
    pub(crate) async fn dispatch(self: &Arc<Self>, delivery: Delivery) {
        let Ok(permit) = self.permits.clone().acquire_owned().await else {
            return;
        };
        let worker = self.clone();
        worker.publish_slots();
        self.tracker.spawn(async move {
            attempt::run(&worker, delivery).await;
            drop(permit);
            worker.publish_slots();
        });
    }

    fn publish_slots(&self) {
        let capacity = self.config.concurrency;
        crate::metrics::worker_slots(capacity, capacity - self.free_slots().min(capacity));
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
