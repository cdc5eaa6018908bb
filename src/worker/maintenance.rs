//! The upkeep loop every worker runs: each tick it lets `fl_maintain` move
//! due retries back to the work streams and prune the job index; less often
//! it reclaims entries whose worker stopped responding (XAUTOCLAIM past the
//! visibility timeout). Running it in every worker is safe: each step is
//! one atomic call, and a reclaimed entry is fenced by `fl_take`.

use std::sync::Arc;
use std::time::Duration;

use redis::streams::StreamAutoClaimReply;
use tokio_util::sync::CancellationToken;

use super::{Worker, reader};
use crate::engine::migrate::GROUP;

const TICK: Duration = Duration::from_millis(500);
const STEP_LIMIT: usize = 200;

pub(super) async fn run(worker: Arc<Worker>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(TICK);
    let reclaim_every =
        (worker.config.visibility_timeout.as_millis() / 2 / TICK.as_millis()).max(1) as u64;
    let mut n: u64 = 0;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        n += 1;
        for shard in 0..worker.fns.store.keys.shards() {
            if let Err(e) = worker.fns.maintain(shard, STEP_LIMIT).await {
                tracing::debug!(shard, error = %e, "maintenance step failed");
            }
            if n.is_multiple_of(reclaim_every) {
                reclaim(&worker, shard).await;
            }
        }
    }
}

/// Takes over entries idle past the visibility timeout and runs them.
async fn reclaim(worker: &Arc<Worker>, shard: u16) {
    let mut conn = worker.fns.store.conn.clone();
    let reply: redis::RedisResult<StreamAutoClaimReply> = redis::cmd("XAUTOCLAIM")
        .arg(worker.fns.store.keys.work(shard))
        .arg(GROUP)
        .arg(&worker.consumer)
        .arg(worker.config.visibility_timeout.as_millis() as u64)
        .arg("0-0")
        .arg("COUNT")
        .arg(worker.config.batch)
        .query_async(&mut conn)
        .await;
    match reply {
        Ok(reply) => {
            let mut delivered = Vec::with_capacity(reply.claimed.len());
            for entry in &reply.claimed {
                match reader::delivery(entry) {
                    Some(d) => {
                        tracing::info!(job = %d.job, shard, "reclaimed an entry from a silent worker");
                        crate::metrics::job("reclaimed");
                        delivered.push(d);
                    }
                    None => reader::discard_malformed(worker, shard, &entry.id).await,
                }
            }
            worker.start_delivered(shard, &delivered).await;
        }
        Err(e) => tracing::debug!(shard, error = %e, "reclaim failed"),
    }
}
