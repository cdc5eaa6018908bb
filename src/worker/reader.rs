//! One shard's reader. It takes its slots first, then starts at most that
//! many new entries with one `fl_take` (the function reads the work stream
//! itself: one round trip per batch, the entries owned by construction),
//! and each started entry leaves with a slot. So nothing this process
//! started waits here for a slot, without heartbeat, while another worker
//! could run it (or would take it over as if this one had died); the slots
//! a read leaves unused are freed at once.
//!
//! When a read comes back short the backlog is gone, and the reader waits
//! for new entries with `XREAD … BLOCK` from the newest entry it has seen,
//! holding no slot: that read only wakes it, the group read is the next
//! `fl_take` (an idle shard blocking with slots in hand would keep them
//! from busy shards). It blocks on a connection of its own (a blocking
//! read would stall every other command on a shared one) and for at most
//! the block time, so a missed wake-up costs no more than that.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::OncePerMinute;
use crate::store::Conn;
use redis::streams::{StreamId, StreamReadReply};
use tokio_util::sync::CancellationToken;

use super::{Slots, Worker};
use crate::analysis::Stage;
use crate::engine::migrate;
use crate::engine::{EngineError, WorkEntry};

/// Redis out of reach makes every shard's reader fail at each retry: one
/// line a minute says so for all of them (`faultline_worker_errors_total`
/// counts every failure).
static OUTAGE_LOG: OncePerMinute = OncePerMinute::new();

pub(super) async fn run(worker: Arc<Worker>, shard: u16, shutdown: CancellationToken) {
    let mut conn: Option<Conn> = None;
    let mut backoff = Duration::from_millis(100);
    // The newest entry of the work stream this reader has seen; `$` (the
    // stream's end when the wait starts) until it has seen one.
    let mut cursor = String::from("$");
    // A take failed without an answer: it may have started entries anyway.
    let mut lost_reply = false;
    while !shutdown.is_cancelled() {
        let slots = tokio::select! {
            _ = shutdown.cancelled() => break,
            slots = worker.reserve(worker.config.batch) => slots,
        };
        let Some(slots) = slots else { break };
        match take(&worker, shard, slots, &mut cursor).await {
            Ok(full) => {
                backoff = Duration::from_millis(100);
                if std::mem::take(&mut lost_reply) {
                    super::maintenance::resume_own(&worker, shard).await;
                }
                if full {
                    // The shard may hold more: read again, no wait.
                    continue;
                }
            }
            Err(e) => {
                // Entries the call may have started before it failed stay
                // in this consumer's pending list: started again once a
                // take gets through (`resume_own`).
                lost_reply |= e.is_unavailable();
                crate::metrics::worker_error("read");
                if !e.is_unavailable() || OUTAGE_LOG.ready() {
                    tracing::warn!(shard, error = %e, "take failed; retrying");
                }
                if !e.is_unavailable() {
                    // e.g. NOGROUP: Redis lost the group (restarted
                    // without persistence); recreating is a no-op otherwise.
                    if let Err(e) = migrate::ensure_group(&worker.fns.store, shard).await {
                        tracing::warn!(shard, error = %e, "could not recreate the consumer group");
                    }
                }
                pause(&shutdown, &mut backoff).await;
                continue;
            }
        }
        let Some(c) = conn.as_mut() else {
            match worker.fns.store.dedicated(worker.config.block).await {
                Ok(c) => conn = Some(c),
                Err(e) => {
                    if OUTAGE_LOG.ready() {
                        tracing::warn!(shard, error = %e, "reader cannot connect; retrying");
                    }
                    pause(&shutdown, &mut backoff).await;
                }
            }
            continue;
        };
        if let Err(e) = wait_for_work(&worker, c, shard, &mut cursor).await {
            if OUTAGE_LOG.ready() {
                tracing::warn!(shard, error = %e, "wait for new entries failed; reconnecting");
            }
            crate::metrics::worker_error("read");
            conn = None;
            pause(&shutdown, &mut backoff).await;
        }
    }
}

/// Starts up to one new entry per slot and runs them; true when every slot
/// got one (the shard may hold more).
async fn take(
    worker: &Arc<Worker>,
    shard: u16,
    slots: Slots,
    cursor: &mut String,
) -> Result<bool, EngineError> {
    let count = slots.len();
    let first = Stage::Normalizing.hint();
    let rows = worker
        .fns
        .take(shard, &worker.consumer, count, first, &[])
        .await?;
    if let Some(last) = rows.last() {
        advance(cursor, &last.entry_id);
    }
    let full = rows.len() >= count;
    worker.dispatch_all(shard, rows, slots);
    Ok(full)
}

/// Blocks until the work stream holds an entry newer than `cursor` or the
/// block time passes; moves `cursor` to the newest entry it saw. The
/// entries are not delivered: `fl_take` reads them for the group.
async fn wait_for_work(
    worker: &Worker,
    conn: &mut Conn,
    shard: u16,
    cursor: &mut String,
) -> redis::RedisResult<()> {
    let reply: Option<StreamReadReply> = redis::cmd("XREAD")
        .arg("COUNT")
        .arg(worker.config.batch)
        .arg("BLOCK")
        .arg(worker.config.block.as_millis() as u64)
        .arg("STREAMS")
        .arg(worker.fns.store.keys.work(shard))
        .arg(&*cursor)
        .query_async(conn)
        .await?;
    let newest = reply
        .iter()
        .flat_map(|r| &r.keys)
        .flat_map(|k| &k.ids)
        .next_back();
    if let Some(entry) = newest {
        advance(cursor, &entry.id);
    }
    Ok(())
}

/// Moves the cursor forward to `id`; `$` is behind every id.
fn advance(cursor: &mut String, id: &str) {
    fn parse(id: &str) -> Option<(u64, u64)> {
        let (ms, seq) = id.split_once('-')?;
        Some((ms.parse().ok()?, seq.parse().ok()?))
    }
    if parse(id) > parse(cursor) {
        *cursor = id.to_string();
    }
}

/// Decodes a work entry; `None` when it was not written by `fl_submit`.
pub(super) fn delivery(entry: &StreamId) -> Option<WorkEntry> {
    let job = entry.get::<String>("job")?.parse().ok()?;
    let hash = entry.get::<String>("hash")?;
    Some(WorkEntry {
        entry_id: entry.id.clone(),
        job,
        hash,
    })
}

async fn pause(shutdown: &CancellationToken, backoff: &mut Duration) {
    tokio::select! {
        _ = shutdown.cancelled() => {}
        _ = tokio::time::sleep(*backoff) => {}
    }
    *backoff = (*backoff * 2).min(Duration::from_secs(5));
}

/// A work entry Faultline did not write (no job id or hash): it can never
/// run, so it goes to the dead-letter stream and leaves the pending list
/// instead of being reclaimed forever.
pub(super) async fn discard_malformed(worker: &Worker, shard: u16, entry_id: &str) {
    tracing::error!(
        shard,
        entry = entry_id,
        "malformed work entry moved to the dead-letter stream"
    );
    let ids = [entry_id.to_string()];
    if let Err(e) = worker
        .fns
        .discard_malformed(shard, &worker.consumer, &ids)
        .await
    {
        tracing::warn!(shard, error = %e, "could not discard a malformed entry; it stays pending");
    }
}
