//! Verification after the run: job outcomes and latencies from the stored
//! snapshots, the first job's event log, and per-job key memory.

use std::collections::BTreeMap;

use faultline::engine::{Functions, JobId, JobStatus, Snapshot};
use redis::aio::MultiplexedConnection;

use crate::produce::SubmitRun;

pub struct Verified {
    /// queued -> completed per completed job (ms, unsorted).
    pub lat_ms: Vec<i64>,
    /// Latest `updated_at` of a completed job (ms), at least the run's start.
    pub last_done: i64,
    pub by_status: BTreeMap<String, usize>,
    pub completed: usize,
    /// Event kinds of the first job, comma-separated.
    pub log_check: String,
    /// Memory (bytes) of one job's own keys and, per job, of shard-wide ones.
    pub key_bytes: Vec<(String, i64)>,
}

/// Checks the `n` submitted jobs; `first_content` is the first job's artifact.
pub async fn verify(
    admin: &mut MultiplexedConnection,
    fns: &Functions,
    submitted: &SubmitRun,
    first_content: &str,
    t0_ms: i64,
    n: usize,
) -> anyhow::Result<Verified> {
    let mut v = Verified {
        lat_ms: Vec::with_capacity(submitted.jobs.len()),
        last_done: t0_ms,
        by_status: BTreeMap::new(),
        completed: 0,
        log_check: String::from("n/a"),
        key_bytes: Vec::new(),
    };
    read_snapshots(admin, fns, submitted, &mut v).await?;
    v.completed = v.by_status.get("completed").copied().unwrap_or(0);
    if let Some(j) = submitted.jobs.first() {
        v.log_check = event_kinds(fns, j.job).await;
    }
    // Memory of one job's own keys and of the shard-wide structures.
    if let Some(j) = submitted.jobs.first() {
        v.key_bytes = key_memory(admin, fns, j.job, first_content, n).await?;
    }
    Ok(v)
}

/// Status counts, latencies and last completion from the job snapshots.
async fn read_snapshots(
    admin: &mut MultiplexedConnection,
    fns: &Functions,
    submitted: &SubmitRun,
    v: &mut Verified,
) -> anyhow::Result<()> {
    let keys = &fns.store.keys;
    for chunk in submitted.jobs.chunks(1000) {
        let mut pipe = redis::pipe();
        for j in chunk {
            pipe.cmd("GET")
                .arg(keys.job(j.job.shard(), &j.job.to_string()));
        }
        let snaps: Vec<Option<String>> = pipe.query_async(admin).await?;
        for raw in snaps {
            let Some(raw) = raw else {
                *v.by_status.entry("missing".into()).or_default() += 1;
                continue;
            };
            let s: Snapshot = serde_json::from_str(&raw)?;
            *v.by_status.entry(s.status.as_str().into()).or_default() += 1;
            if s.status == JobStatus::Completed {
                v.lat_ms.push(s.updated_at - s.created_at);
                v.last_done = v.last_done.max(s.updated_at);
            }
        }
    }
    Ok(())
}

/// The job's event kinds, comma-separated, or why they could not be read.
async fn event_kinds(fns: &Functions, job: JobId) -> String {
    match fns.events(job, "-", 100).await {
        Ok(events) => events
            .iter()
            .map(|e| e.kind.as_str())
            .collect::<Vec<_>>()
            .join(","),
        Err(e) => format!("unreadable: {e}"),
    }
}

async fn key_memory(
    admin: &mut MultiplexedConnection,
    fns: &Functions,
    job: JobId,
    content: &str,
    n: usize,
) -> anyhow::Result<Vec<(String, i64)>> {
    let keys = &fns.store.keys;
    let mut key_bytes: Vec<(String, i64)> = Vec::new();
    let (s, id) = (job.shard(), job.to_string());
    let hash = faultline::engine::functions::content_hash(content);
    for (name, key) in [
        ("job snapshot", keys.job(s, &id)),
        ("job event stream", keys.events(s, &id)),
        ("cache entry", keys.cache(s, &hash)),
        ("artifact", keys.artifact(s, &hash)),
    ] {
        key_bytes.push((name.to_string(), memory_usage(admin, &key).await?));
    }
    for (name, f) in [
        ("shard feeds", 0),
        ("job indexes", 1),
        ("expiry indexes", 2),
        ("work streams", 3),
    ] {
        let mut total = 0i64;
        for shard in 0..keys.shards() {
            let key = match f {
                0 => keys.feed(shard),
                1 => keys.index(shard),
                2 => keys.expiry(shard),
                _ => keys.work(shard),
            };
            total += memory_usage(admin, &key).await?;
        }
        key_bytes.push((format!("{name} (all shards, per job)"), total / n as i64));
    }
    Ok(key_bytes)
}

/// `MEMORY USAGE key SAMPLES 0`; 0 for a missing key.
async fn memory_usage(admin: &mut MultiplexedConnection, key: &str) -> anyhow::Result<i64> {
    let b: Option<i64> = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg(key)
        .arg("SAMPLES")
        .arg(0)
        .query_async(admin)
        .await?;
    Ok(b.unwrap_or(0))
}
