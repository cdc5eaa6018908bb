//! The timed phases: the idle window (upkeep with no jobs) and the measured
//! run (submit everything, then poll until the work streams are drained).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use faultline::engine::Functions;
use redis::aio::MultiplexedConnection;

use crate::opts::Opts;
use crate::produce::{SubmitRun, produce};
use crate::profile::{self, Profile};
use crate::stats::{CmdStat, Stats, diff, now_ms, self_cpu_s, stats};

/// Per-command calls during the idle window, and its length.
pub struct Idle {
    pub calls: BTreeMap<String, CmdStat>,
    pub secs: f64,
}

/// Idle window: what the worker's upkeep costs with no jobs at all.
pub async fn idle_window(admin: &mut MultiplexedConnection, idle_ms: u64) -> anyhow::Result<Idle> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle0 = stats(admin).await?;
    let idle_t = Instant::now();
    tokio::time::sleep(Duration::from_millis(idle_ms)).await;
    let idle1 = stats(admin).await?;
    let secs = idle_t.elapsed().as_secs_f64();
    Ok(Idle {
        calls: diff(&idle0, &idle1),
        secs,
    })
}

/// What the measured run saw, before verification.
pub struct Measured {
    pub before: Stats,
    pub after: Stats,
    /// Bench process CPU seconds at the start and at the end.
    pub cpu0: f64,
    pub cpu1: f64,
    /// Wall clock (ms since the epoch) of the first submission.
    pub t0_ms: i64,
    pub submit_s: f64,
    pub seen_done_s: f64,
    pub polls: u64,
    pub submitted: SubmitRun,
    pub profile: Option<Profile>,
}

pub async fn measured_run(
    opts: &Opts,
    fns: &Functions,
    contents: Arc<Vec<String>>,
    admin: &mut MultiplexedConnection,
    profiling: bool,
) -> anyhow::Result<Measured> {
    let before = stats(admin).await?;
    let cpu0 = self_cpu_s();
    let t0_ms = now_ms();
    let t0 = Instant::now();
    let submitted = produce(opts, fns, contents).await;
    let submit_s = t0.elapsed().as_secs_f64();
    let polls = wait_drained(admin, fns, opts.timeout_s).await?;
    let seen_done_s = t0.elapsed().as_secs_f64();
    let after = stats(admin).await?;
    let cpu1 = self_cpu_s();
    let profile = if profiling {
        Some(profile::collect(admin).await?)
    } else {
        None
    };
    Ok(Measured {
        before,
        after,
        cpu0,
        cpu1,
        t0_ms,
        submit_s,
        seen_done_s,
        polls,
        submitted,
        profile,
    })
}

/// Polls every 20 ms until no work entry is left; returns the number of polls.
async fn wait_drained(
    admin: &mut MultiplexedConnection,
    fns: &Functions,
    timeout_s: u64,
) -> anyhow::Result<u64> {
    let deadline = Instant::now() + Duration::from_secs(timeout_s);
    let mut polls = 0u64;
    loop {
        polls += 1;
        let left = work_left(admin, fns).await?;
        if left == 0 {
            return Ok(polls);
        }
        if Instant::now() > deadline {
            bail!("{left} work entries still pending after {timeout_s} s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Entries still in the work streams (an entry is deleted when its job ends).
async fn work_left(admin: &mut MultiplexedConnection, fns: &Functions) -> anyhow::Result<i64> {
    let mut pipe = redis::pipe();
    for shard in 0..fns.store.keys.shards() {
        pipe.cmd("XINFO")
            .arg("STREAM")
            .arg(fns.store.keys.work(shard));
    }
    let replies: Vec<redis::Value> = pipe.query_async(admin).await?;
    Ok(replies.iter().map(|v| xinfo_length(v).unwrap_or(0)).sum())
}

/// `length` of an `XINFO STREAM` reply (RESP2 flat array or RESP3 map).
fn xinfo_length(v: &redis::Value) -> Option<i64> {
    let pairs: Vec<(&redis::Value, &redis::Value)> = match v {
        redis::Value::Array(items) => items
            .chunks(2)
            .filter_map(|c| Some((c.first()?, c.get(1)?)))
            .collect(),
        redis::Value::Map(items) => items.iter().map(|(k, v)| (k, v)).collect(),
        _ => return None,
    };
    pairs.into_iter().find_map(|(k, v)| {
        let name: String = redis::from_redis_value_ref(k).ok()?;
        if name == "length" {
            redis::from_redis_value_ref(v).ok()
        } else {
            None
        }
    })
}
