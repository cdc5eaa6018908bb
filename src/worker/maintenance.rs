//! The upkeep loops every worker runs: each tick `fl_maintain` moves due
//! retries back to the work streams and prunes the job index; every few
//! minutes the consumers stopped workers left in the groups are forgotten
//! (`fl_prune_consumers`: each process reads under a name of its own, so
//! every restart would otherwise add one per shard for good); and, in a
//! loop of its own, entries whose worker stopped responding are reclaimed
//! (XAUTOCLAIM past the visibility timeout). Running them in every worker
//! is safe: each step is one atomic call, and a reclaimed entry is fenced
//! by `fl_take`.

use std::sync::Arc;
use std::time::Duration;

use redis::AsyncCommands;
use redis::streams::{StreamAutoClaimReply, StreamClaimReply, StreamId, StreamPendingCountReply};
use tokio_util::sync::CancellationToken;

use super::{Slots, Worker, reader};
use crate::clock::OncePerMinute;
use crate::engine::EngineError;
use crate::engine::migrate::GROUP;

const TICK: Duration = Duration::from_millis(500);
const STEP_LIMIT: usize = 200;
/// How often stopped workers' consumers are looked for.
const PRUNE_CONSUMERS_EVERY: Duration = Duration::from_secs(300);
/// A consumer with no pending entry idle this long belongs to a stopped
/// worker: a live one reads every shard at least once per block time (and
/// one forgotten anyway is recreated by its next read).
const CONSUMER_IDLE_LIMIT: Duration = Duration::from_secs(3600);

pub(super) async fn run(worker: Arc<Worker>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(TICK);
    // A pass slowed by an outage is not made up for with a burst of passes.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n: u64 = 0;
    // A pass is a call per shard, each up to REDIS_TIMEOUT_MS while Redis
    // stalls: a stop does not wait for the tick or the pass (each call is
    // atomic, and the next process's pass does what this one did not).
    while shutdown
        .run_until_cancelled(async {
            tick.tick().await;
            n += 1;
            upkeep_pass(&worker, n).await;
        })
        .await
        .is_some()
    {}
}

/// One upkeep pass over every shard; `n` counts the passes.
async fn upkeep_pass(worker: &Worker, n: u64) {
    let prune_every = (PRUNE_CONSUMERS_EVERY.as_millis() / TICK.as_millis()) as u64;
    for shard in 0..worker.fns.store.keys.shards() {
        if let Err(e) = worker.fns.maintain(shard, STEP_LIMIT).await {
            static LOG: OncePerMinute = OncePerMinute::new();
            upkeep_failed("maintain", "fl_maintain", shard, &e, &LOG);
        }
        if n.is_multiple_of(prune_every) {
            match worker
                .fns
                .prune_consumers(shard, CONSUMER_IDLE_LIMIT, STEP_LIMIT)
                .await
            {
                Ok(0) => {}
                Ok(forgotten) => {
                    tracing::info!(shard, forgotten, "forgot the consumers of stopped workers")
                }
                Err(e) => {
                    static LOG: OncePerMinute = OncePerMinute::new();
                    upkeep_failed("maintain", "fl_prune_consumers", shard, &e, &LOG);
                }
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
            biased;
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        for shard in 0..worker.fns.store.keys.shards() {
            // Free slots are ready at once: `biased` sees a stop first.
            let slots = tokio::select! {
                biased;
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
        Ok(reply) => start_claimed(worker, shard, &reply.claimed, slots, true).await,
        Err(e) => {
            static LOG: OncePerMinute = OncePerMinute::new();
            upkeep_failed("reclaim", "XAUTOCLAIM", shard, &e.into(), &LOG);
        }
    }
}

/// A failed upkeep call, made again next tick: counted in the worker
/// errors under `operation`. Redis out of reach is logged at debug (the
/// Redis errors and every other call say so already); anything else (a
/// permission the Redis user lacks, a library bug, a damaged key) will not
/// pass by itself, and would leave retries unpromoted or dead workers'
/// entries unclaimed without a word: logged at error, once a minute per
/// call site.
fn upkeep_failed(
    operation: &'static str,
    call: &'static str,
    shard: u16,
    e: &EngineError,
    log: &OncePerMinute,
) {
    crate::metrics::worker_error(operation);
    if e.is_unavailable() {
        tracing::debug!(shard, call, error = %e, "upkeep call failed; Redis is out of reach");
    } else if log.ready() {
        tracing::error!(shard, call, error = %e, "upkeep call failed and will keep failing until this is fixed (logged once a minute)");
    }
}

/// Starts claimed entries (at most one per slot) and runs them. `reclaimed`:
/// taken over from a silent worker (logged and counted as such).
async fn start_claimed(
    worker: &Arc<Worker>,
    shard: u16,
    claimed: &[StreamId],
    slots: Slots,
    reclaimed: bool,
) {
    let mut delivered = Vec::with_capacity(claimed.len());
    for entry in claimed {
        if worker.is_running(shard, &entry.id) {
            // Ours and running, its heartbeat late: starting it again
            // would run the same attempt twice. The claim served as the
            // heartbeat.
            continue;
        }
        match reader::delivery(entry) {
            Some(d) => {
                if reclaimed {
                    tracing::info!(job = %d.job, shard, "reclaimed an entry from a silent worker");
                    crate::metrics::job("reclaimed");
                }
                delivered.push(d);
            }
            None => reader::discard_malformed(worker, shard, &entry.id).await,
        }
    }
    worker.start_delivered(shard, &delivered, slots).await;
}

/// Starts again, at once, the entries this consumer holds on `shard` but
/// runs none of: a take whose reply was lost (Redis stalled, or the
/// connection dropped) may have started them after all, and they would
/// otherwise wait out the visibility timeout. Called by the reader once
/// Redis answers again.
pub(super) async fn resume_own(worker: &Arc<Worker>, shard: u16) {
    let mut conn = worker.fns.store.conn.clone();
    let work = worker.fns.store.keys.work(shard);
    let pending: redis::RedisResult<StreamPendingCountReply> = conn
        .xpending_consumer_count(&work, GROUP, "-", "+", 1000, &worker.consumer)
        .await;
    let mut orphans: Vec<String> = match pending {
        Ok(reply) => reply.ids.into_iter().map(|p| p.id).collect(),
        Err(e) => {
            static LOG: OncePerMinute = OncePerMinute::new();
            upkeep_failed("reclaim", "XPENDING", shard, &e.into(), &LOG);
            return;
        }
    };
    orphans.retain(|id| !worker.is_running(shard, id));
    if !orphans.is_empty() {
        tracing::info!(
            shard,
            entries = orphans.len(),
            "starting again the entries a lost reply left started"
        );
    }
    while !orphans.is_empty() {
        let Some(slots) = worker.reserve(orphans.len().min(worker.config.batch)).await else {
            return;
        };
        let ids: Vec<String> = orphans.drain(..slots.len().min(orphans.len())).collect();
        let claimed: redis::RedisResult<StreamClaimReply> =
            conn.xclaim(&work, GROUP, &worker.consumer, 0, &ids).await;
        match claimed {
            Ok(reply) => start_claimed(worker, shard, &reply.ids, slots, false).await,
            Err(e) => {
                static LOG: OncePerMinute = OncePerMinute::new();
                upkeep_failed("reclaim", "XCLAIM", shard, &e.into(), &LOG);
                return;
            }
        }
    }
}
