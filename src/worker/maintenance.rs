//! The upkeep loops every worker runs: each tick `fl_maintain` moves due
//! retries back to the work streams and prunes the job index; and, in a
//! loop of its own, entries whose worker stopped responding are reclaimed
//! (XAUTOCLAIM past the visibility timeout). Running them in every worker
//! is safe: each step is one atomic call, and a reclaimed entry is fenced
//! by `fl_take`.

use std::sync::Arc;
use std::time::Duration;

use redis::streams::StreamAutoClaimReply;
use tokio_util::sync::CancellationToken;

use super::{Slots, Worker, reader};
use crate::engine::migrate::GROUP;

const TICK: Duration = Duration::from_millis(500);
const STEP_LIMIT: usize = 200;

pub(super) async fn run(worker: Arc<Worker>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(TICK);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        for shard in 0..worker.fns.store.keys.shards() {
            if let Err(e) = worker.fns.maintain(shard, STEP_LIMIT).await {
                tracing::debug!(shard, error = %e, "maintenance step failed");
            }
        }
    }
}

/// Every half visibility timeout, reclaims each shard's entries idle past
/// it. A loop of its own because it waits for slots (it claims no more
/// entries than it can run at once): the upkeep above must not stall while
/// every slot is busy.
pub(super) async fn reclaim_loop(worker: Arc<Worker>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval((worker.config.visibility_timeout / 2).max(TICK));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        for shard in 0..worker.fns.store.keys.shards() {
            let slots = tokio::select! {
                _ = shutdown.cancelled() => return,
                slots = worker.reserve(worker.config.batch) => slots,
            };
            let Some(slots) = slots else { return };
            reclaim(&worker, shard, slots).await;
        }
    }
}

/// Takes over up to one entry per slot idle past the visibility timeout and
/// runs them.
async fn reclaim(worker: &Arc<Worker>, shard: u16, slots: Slots) {
    let mut conn = worker.fns.store.conn.clone();
    let reply: redis::RedisResult<StreamAutoClaimReply> = redis::cmd("XAUTOCLAIM")
        .arg(worker.fns.store.keys.work(shard))
        .arg(GROUP)
        .arg(&worker.consumer)
        .arg(worker.config.visibility_timeout.as_millis() as u64)
        .arg("0-0")
        .arg("COUNT")
        .arg(slots.len())
        .query_async(&mut conn)
        .await;
    match reply {
        Ok(reply) => {
            let mut delivered = Vec::with_capacity(reply.claimed.len());
            for entry in &reply.claimed {
                if worker.is_running(shard, &entry.id) {
                    // Ours and running, its heartbeat late: starting it
                    // again would run the same attempt twice. The claim
                    // served as the heartbeat.
                    continue;
                }
                match reader::delivery(entry) {
                    Some(d) => {
                        tracing::info!(job = %d.job, shard, "reclaimed an entry from a silent worker");
                        crate::metrics::job("reclaimed");
                        delivered.push(d);
                    }
                    None => reader::discard_malformed(worker, shard, &entry.id).await,
                }
            }
            worker.start_delivered(shard, &delivered, slots).await;
        }
        Err(e) => tracing::debug!(shard, error = %e, "reclaim failed"),
    }
}
