//! One shard's reader: `XREADGROUP … BLOCK` on a connection of its own (a
//! blocking read would stall every other command on a shared one), asking
//! for no more entries than there are free slots, so entries do not age in
//! this process while another worker could run them.

use std::sync::Arc;
use std::time::Duration;

use crate::store::Conn;
use redis::streams::{StreamId, StreamReadReply};
use tokio_util::sync::CancellationToken;

use super::{Delivery, Worker};
use crate::engine::migrate::{self, GROUP};

pub(super) async fn run(worker: Arc<Worker>, shard: u16, shutdown: CancellationToken) {
    let mut conn: Option<Conn> = None;
    let mut backoff = Duration::from_millis(100);
    while !shutdown.is_cancelled() {
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
        match read(&worker, c, shard).await {
            Ok(entries) => {
                backoff = Duration::from_millis(100);
                for entry in entries {
                    match delivery(&entry) {
                        Some(d) => worker.dispatch(d).await,
                        None => discard_malformed(&worker, shard, &entry.id).await,
                    }
                }
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

async fn read(worker: &Worker, conn: &mut Conn, shard: u16) -> redis::RedisResult<Vec<StreamId>> {
    let count = worker.free_slots().clamp(1, worker.config.batch);
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
pub(super) fn delivery(entry: &StreamId) -> Option<Delivery> {
    let job = entry.get::<String>("job")?.parse().ok()?;
    let hash = entry.get::<String>("hash")?;
    Some(Delivery {
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
