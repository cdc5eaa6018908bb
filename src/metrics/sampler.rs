//! Samples the queues' state from Redis into gauges, once a second, in every
//! process (so an API-only deployment still shows a backlog nobody consumes).
//! Several processes report the same values: dashboards take `max by (shard)`.
//! A process that cannot read a shard reports its gauges as NaN until it
//! can again: its last sample would otherwise stand for the queue forever
//! (a backlog long drained, an alert that never clears), and `max` skips
//! NaN wherever another process reports a number.

use std::time::Duration;

use metrics::gauge;
use std::collections::HashMap;

use redis::Value;
use tokio_util::sync::CancellationToken;

use super::names::*;
use crate::clock::OncePerMinute;
use crate::engine::migrate::GROUP;
use crate::store::Store;

/// XINFO GROUPS, XPENDING summary, the idle scan and probe, three XLENs,
/// ZCARD, TIME.
type Sample = (
    Vec<HashMap<String, Value>>,
    Vec<Value>,
    Vec<PendingEntry>,
    Vec<PendingEntry>,
    u64,
    u64,
    u64,
    u64,
    (u64, u64),
);

/// An extended XPENDING row: id, consumer, idle ms, deliveries.
type PendingEntry = (String, String, u64, u64);

/// Pending entries whose idle time is read each tick. Pending work is
/// bounded by the workers' slots, so this covers it whole in practice;
/// beyond it the probe (see `sample`) still catches the alert case.
const IDLE_SCAN: usize = 100;

pub const EVERY: Duration = Duration::from_secs(1);

/// `visibility` is the reclaim threshold (VISIBILITY_TIMEOUT_MS).
pub async fn run(store: Store, visibility: Duration, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Every shard at once: while Redis stalls, each read waits out
    // REDIS_TIMEOUT_MS, and one after another they left most gauges at
    // their old values for half a minute (and held a stop as long).
    let shards = store.keys.shards();
    while shutdown
        .run_until_cancelled(async {
            tick.tick().await;
            futures_util::future::join_all(
                (0..shards).map(|shard| sample_or_unknown(&store, shard, visibility)),
            )
            .await;
        })
        .await
        .is_some()
    {}
}

/// Samples `shard`, or marks its gauges unknown when it cannot.
async fn sample_or_unknown(store: &Store, shard: u16, visibility: Duration) {
    if let Err(e) = sample(store, shard, visibility).await {
        unknown(shard);
        static LOG: OncePerMinute = OncePerMinute::new();
        if LOG.ready() {
            tracing::warn!(shard, error = %e, "cannot sample the queues: their gauges read NaN until Redis answers (logged once a minute)");
        }
    }
}

/// Marks every queue gauge of `shard` unknown (NaN): what this process
/// last read is no longer the queue's state.
pub fn unknown(shard: u16) {
    set_shard_gauges(shard, f64::NAN);
}

/// One shard: group lag and pending (XINFO GROUPS), the oldest pending
/// entry's age (its id is its enqueue time), the longest idle time of a
/// pending entry (what reclaim goes by), stream lengths, delayed retries.
///
/// Idle times are not indexed: the PEL is ordered by id, and a heartbeat
/// resets an entry's idle time, so the oldest entries are not the most
/// idle. The first `IDLE_SCAN` pending entries are read with their idle
/// times, and `XPENDING … IDLE <visibility>` probes for one entry idle past
/// the threshold anywhere in the PEL (a server-side walk that returns at
/// most one row): the gauge is exact up to `IDLE_SCAN` pending entries, and
/// beyond that is past the visibility timeout whenever some entry is.
pub async fn sample(store: &Store, shard: u16, visibility: Duration) -> redis::RedisResult<()> {
    let keys = &store.keys;
    let work = keys.work(shard);
    let mut conn = store.conn.clone();
    let (groups, pending, scan, probe, work_len, dead_len, feed_len, delayed, now): Sample =
        redis::pipe()
            .cmd("XINFO")
            .arg("GROUPS")
            .arg(&work)
            .cmd("XPENDING")
            .arg(&work)
            .arg(GROUP)
            .cmd("XPENDING")
            .arg(&work)
            .arg(GROUP)
            .arg("-")
            .arg("+")
            .arg(IDLE_SCAN)
            .cmd("XPENDING")
            .arg(&work)
            .arg(GROUP)
            .arg("IDLE")
            .arg(visibility.as_millis() as u64)
            .arg("-")
            .arg("+")
            .arg(1)
            .cmd("XLEN")
            .arg(&work)
            .cmd("XLEN")
            .arg(keys.dead(shard))
            .cmd("XLEN")
            .arg(keys.feed(shard))
            .cmd("ZCARD")
            .arg(keys.delayed(shard))
            .cmd("TIME")
            .query_async(&mut conn)
            .await?;
    let shard_label = shard.to_string();
    let group = groups
        .iter()
        .find(|g| g.get("name").is_some_and(|v| text(v) == GROUP));
    let field = |name: &str| group.and_then(|g| g.get(name));
    let pending_count = field("pending").map_or(0, as_u64);
    let lag = undelivered(group.is_some(), field("lag"), work_len, pending_count);
    gauge!(WORK_LAG, "shard" => shard_label.clone()).set(lag as f64);
    gauge!(WORK_PENDING, "shard" => shard_label.clone()).set(pending_count as f64);
    // XPENDING summary: [count, smallest id, greatest id, consumers].
    let now_ms = now.0 * 1000 + now.1 / 1000;
    let oldest_ms = pending
        .get(1)
        .map(text)
        .and_then(|id| id.split('-').next()?.parse::<u64>().ok());
    let age = oldest_ms.map_or(0.0, |ms| now_ms.saturating_sub(ms) as f64 / 1000.0);
    gauge!(OLDEST_PENDING, "shard" => shard_label.clone()).set(age);
    let idle_ms = scan.iter().chain(&probe).map(|e| e.2).max().unwrap_or(0);
    gauge!(PENDING_IDLE, "shard" => shard_label.clone()).set(idle_ms as f64 / 1000.0);
    for (stream, len) in [("work", work_len), ("dead", dead_len), ("feed", feed_len)] {
        gauge!(STREAM_LENGTH, "stream" => stream, "shard" => shard_label.clone()).set(len as f64);
    }
    gauge!(DELAYED, "shard" => shard_label).set(delayed as f64);
    Ok(())
}

/// Entries no worker has been given yet. Redis 7 answers a nil `lag` once
/// entries were deleted out of order, which the engine does all the time
/// (each finished entry is XDELed while older ones may still be pending).
/// Every path that acknowledges a work entry deletes it in the same call
/// (migrations-lua: drop_entry, fl_complete, fl_complete_many, fl_fail;
/// the worker's malformed-entry discard), so the stream holds exactly the
/// undelivered entries plus the pending ones.
fn undelivered(has_group: bool, lag: Option<&Value>, len: u64, pending: u64) -> u64 {
    match lag {
        Some(Value::Nil) | None if has_group => len.saturating_sub(pending),
        Some(v) => as_u64(v),
        None => 0,
    }
}

fn text(v: &Value) -> String {
    redis::from_redis_value_ref::<String>(v).unwrap_or_default()
}

fn as_u64(v: &Value) -> u64 {
    redis::from_redis_value_ref::<u64>(v).unwrap_or(0)
}
