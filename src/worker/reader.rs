//! One shard's reader. While the shard has a backlog it starts whole reads
//! with `fl_take` (the function reads the work stream itself: one round
//! trip per batch, the entries owned by construction). When a read comes
//! back short the backlog is gone, so it waits with `XREADGROUP … BLOCK` on
//! a connection of its own (a blocking read would stall every other command
//! on a shared one) and starts what that delivers. It never asks for more
//! entries than there are free slots, so entries do not age in this process
//! while another worker could run them.

use std::sync::Arc;
use std::time::Duration;

use crate::store::Conn;
use redis::streams::{StreamId, StreamReadReply};
use tokio_util::sync::CancellationToken;

use super::Worker;
use crate::analysis::Stage;
use crate::engine::WorkEntry;
use crate::engine::migrate::{self, GROUP};

pub(super) async fn run(worker: Arc<Worker>, shard: u16, shutdown: CancellationToken) {
    let mut conn: Option<Conn> = None;
    let mut backoff = Duration::from_millis(100);
    // Whether the last read filled its count: then the shard has a backlog.
    let mut backlog = false;
    while !shutdown.is_cancelled() {
        // Start nothing that would wait here for a slot.
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = worker.slot_free() => {}
        }
        let count = worker.free_slots().clamp(1, worker.config.batch);
        if backlog {
            let first = Stage::Normalizing.hint();
            match worker
                .fns
                .take(shard, &worker.consumer, count, first, &[])
                .await
            {
                Ok(rows) => {
                    backoff = Duration::from_millis(100);
                    backlog = rows.len() >= count;
                    for row in rows {
                        worker.dispatch(row).await;
                    }
                }
                Err(e) if e.is_unavailable() => {
                    tracing::warn!(shard, error = %e, "take failed; retrying");
                    crate::metrics::worker_error("read");
                    pause(&shutdown, &mut backoff).await;
                }
                Err(e) => {
                    // e.g. NOGROUP: the blocking read below recreates the group.
                    tracing::warn!(shard, error = %e, "take failed; falling back to a blocking read");
                    backlog = false;
                }
            }
            continue;
        }
        let Some(c) = conn.as_mut() else {
            match worker.fns.store.dedicated(worker.config.block).await {
                Ok(c) => conn = Some(c),
                Err(e) => {
                    tracing::warn!(shard, error = %e, "reader cannot connect; retrying");
                    pause(&shutdown, &mut backoff).await;
                }
            }
            continue;
        };
        match read(&worker, c, shard, count).await {
            Ok(entries) => {
                backoff = Duration::from_millis(100);
                backlog = entries.len() >= count;
                let mut delivered = Vec::with_capacity(entries.len());
                for entry in entries {
                    match delivery(&entry) {
                        Some(d) => delivered.push(d),
                        None => discard_malformed(&worker, shard, &entry.id).await,
                    }
                }
                worker.start_delivered(shard, &delivered).await;
            }
            Err(e) if e.code() == Some("NOGROUP") => {
                // Redis lost the group (restarted without persistence): recreate it.
                tracing::warn!(shard, "consumer group missing; recreating it");
                if let Err(e) = migrate::ensure_group(&worker.fns.store, shard).await {
                    tracing::warn!(shard, error = %e, "could not recreate the consumer group");
                    pause(&shutdown, &mut backoff).await;
                }
            }
            Err(e) => {
                tracing::warn!(shard, error = %e, "read failed; reconnecting");
                crate::metrics::worker_error("read");
                conn = None;
                pause(&shutdown, &mut backoff).await;
            }
        }
    }
}

async fn read(
    worker: &Worker,
    conn: &mut Conn,
    shard: u16,
    count: usize,
) -> redis::RedisResult<Vec<StreamId>> {
    let reply: Option<StreamReadReply> = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg(GROUP)
        .arg(&worker.consumer)
        .arg("COUNT")
        .arg(count)
        .arg("BLOCK")
        .arg(worker.config.block.as_millis() as u64)
        .arg("STREAMS")
        .arg(worker.fns.store.keys.work(shard))
        .arg(">")
        .query_async(conn)
        .await?;
    Ok(reply
        .map(|r| r.keys.into_iter().flat_map(|k| k.ids).collect())
        .unwrap_or_default())
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
/// instead of being reclaimed forever. (`fl_take` does the same for the
/// entries it reads itself.)
pub(super) async fn discard_malformed(worker: &Worker, shard: u16, entry_id: &str) {
    tracing::error!(
        shard,
        entry = entry_id,
        "malformed work entry moved to the dead-letter stream"
    );
    let keys = &worker.fns.store.keys;
    let mut pipe = redis::pipe();
    pipe.cmd("XADD")
        .arg(keys.dead(shard))
        .arg("*")
        .arg("entry")
        .arg(entry_id)
        .arg("error")
        .arg("malformed work entry")
        .ignore();
    pipe.cmd("XACK")
        .arg(keys.work(shard))
        .arg(GROUP)
        .arg(entry_id)
        .ignore();
    pipe.cmd("XDEL")
        .arg(keys.work(shard))
        .arg(entry_id)
        .ignore();
    let mut conn = worker.fns.store.conn.clone();
    if let Err(e) = pipe.query_async::<()>(&mut conn).await {
        tracing::warn!(shard, error = %e, "could not discard a malformed entry; it stays pending");
    }
}
