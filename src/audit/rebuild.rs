//! `faultline rebuild`: refold jobs' logs and repair their snapshots, index
//! entries and cache entries. The repair itself is `fl_rebuild`, one atomic
//! Lua call per job, so it is safe while the service runs; this side only
//! finds the jobs and batches the calls.

use std::time::Instant;

use futures_util::StreamExt;
use serde::Serialize;

use crate::engine::functions::Rebuilt;
use crate::engine::{EngineError, Functions, JobId};

/// Calls per pipelined round trip: small enough to answer within the
/// connection's response timeout.
const BATCH: usize = 100;
/// Batches in flight at once.
const IN_FLIGHT: usize = 4;

#[derive(Debug, Clone, Default, Serialize)]
pub struct RebuildReport {
    pub dry_run: bool,
    pub jobs: usize,
    pub consistent: usize,
    pub repaired: usize,
    pub drifted: usize,
    pub expired: usize,
    pub corrupt: usize,
    pub empty: usize,
    pub failed: usize,
    /// Every job that was not consistent, with what was found.
    pub findings: Vec<(String, Rebuilt)>,
    /// Jobs among `empty` whose snapshot is still stored: a snapshot
    /// without its log, which nothing can check or rebuild (`replay` says
    /// `log_missing`).
    pub snapshot_without_log: Vec<String>,
    pub elapsed_ms: u128,
    pub jobs_per_s: f64,
}

impl RebuildReport {
    fn count(&mut self, job: JobId, outcome: Rebuilt) {
        self.jobs += 1;
        match &outcome {
            Rebuilt::Consistent => self.consistent += 1,
            Rebuilt::Repaired(_) => self.repaired += 1,
            Rebuilt::Drifted(_) => self.drifted += 1,
            Rebuilt::Expired => self.expired += 1,
            Rebuilt::Corrupt(_) => self.corrupt += 1,
            Rebuilt::Empty => self.empty += 1,
            Rebuilt::Failed(_) => self.failed += 1,
        }
        if outcome != Rebuilt::Consistent {
            self.findings.push((job.to_string(), outcome));
        }
    }

    fn finish(&mut self, began: Instant) {
        let elapsed = began.elapsed();
        self.elapsed_ms = elapsed.as_millis();
        self.jobs_per_s = self.jobs as f64 / elapsed.as_secs_f64().max(1e-9);
    }
}

/// Rebuilds the given jobs, or every job with a retained log when `None`.
pub async fn rebuild(
    fns: &Functions,
    job: Option<JobId>,
    dry_run: bool,
) -> Result<RebuildReport, EngineError> {
    let began = Instant::now();
    let mut report = RebuildReport {
        dry_run,
        ..RebuildReport::default()
    };
    let shards: Vec<(u16, Vec<JobId>)> = match job {
        Some(id) => vec![(id.shard(), vec![id])],
        None => {
            let mut all = Vec::new();
            for shard in 0..fns.store.keys.shards() {
                all.push((shard, super::shard_jobs(fns, shard).await?));
            }
            all
        }
    };
    // A few batches in flight: the client decodes one while Redis runs the next.
    let batches: Vec<&[JobId]> = shards
        .iter()
        .flat_map(|(_, jobs)| jobs.chunks(BATCH))
        .collect();
    let mut done = futures_util::stream::iter(batches)
        .map(|batch| rebuild_batch(fns, batch, dry_run))
        .buffered(IN_FLIGHT);
    let mut empty = Vec::new();
    while let Some(outcomes) = done.next().await {
        for (job, outcome) in outcomes? {
            if outcome == Rebuilt::Empty {
                empty.push(job);
            }
            report.count(job, outcome);
        }
    }
    drop(done);
    let mut conn = fns.store.conn.clone();
    for job in empty {
        let key = fns.store.keys.job(job.shard(), &job.to_string());
        if redis::AsyncCommands::exists::<_, bool>(&mut conn, key).await? {
            report.snapshot_without_log.push(job.to_string());
        }
    }
    report.finish(began);
    Ok(report)
}

async fn rebuild_batch(
    fns: &Functions,
    batch: &[JobId],
    dry_run: bool,
) -> Result<Vec<(JobId, Rebuilt)>, EngineError> {
    let hashes = content_hashes(fns, batch).await?;
    let calls: Vec<(JobId, Option<String>)> = batch.iter().copied().zip(hashes).collect();
    let outcomes = fns.rebuild_batch(&calls, dry_run).await?;
    Ok(batch.iter().copied().zip(outcomes).collect())
}

/// A stream entry: its id and fields.
type Entry = (String, Vec<String>);

/// Each job's content hash, from the first event of its log (the snapshot
/// may be the very thing that drifted). One pipelined round trip.
async fn content_hashes(
    fns: &Functions,
    jobs: &[JobId],
) -> Result<Vec<Option<String>>, EngineError> {
    let keys = &fns.store.keys;
    let mut pipe = redis::pipe();
    // A log that cannot be read leaves its job without a hash, not the batch
    // without an answer: `fl_rebuild` then reports that job.
    pipe.ignore_errors();
    for job in jobs {
        pipe.cmd("XRANGE")
            .arg(keys.events(job.shard(), &job.to_string()))
            .arg("-")
            .arg("+")
            .arg("COUNT")
            .arg(1);
    }
    let mut conn = fns.store.conn.clone();
    let firsts: Vec<redis::RedisResult<Vec<Entry>>> = pipe.query_async(&mut conn).await?;
    Ok(firsts
        .iter()
        .map(|entries| {
            let (_, fields) = entries.as_ref().ok()?.first()?;
            let data: serde_json::Value =
                serde_json::from_str(super::field(fields, "data")?).ok()?;
            Some(data.get("content_hash")?.as_str()?.to_string())
        })
        .collect())
}

/// The report as text: what drifted, what was repaired, the totals and the rate.
pub fn render(r: &RebuildReport) -> String {
    let mut out = String::new();
    for (job, outcome) in &r.findings {
        let detail = match outcome {
            Rebuilt::Repaired(parts) | Rebuilt::Drifted(parts) => parts.join(", "),
            Rebuilt::Corrupt(why) | Rebuilt::Failed(why) => why.clone(),
            Rebuilt::Expired => "snapshot lifetime over; the log still replays".into(),
            Rebuilt::Empty if r.snapshot_without_log.contains(job) => {
                "no retained log, but the snapshot is still stored: nothing to check or rebuild it from (replay: log_missing)".into()
            }
            Rebuilt::Empty => "no retained log (unknown job, or its log expired)".into(),
            Rebuilt::Consistent => String::new(),
        };
        out.push_str(&format!("{job}  {:<10} {detail}\n", outcome.name()));
    }
    out.push_str(&format!(
        "{} job(s){}: {} consistent, {} {}, {} expired, {} corrupt, {} without a log{}; {:.0} jobs/s ({} ms)\n",
        r.jobs,
        if r.dry_run { " (dry run: nothing written)" } else { "" },
        r.consistent,
        if r.dry_run { r.drifted } else { r.repaired },
        if r.dry_run { "drifted" } else { "repaired" },
        r.expired,
        r.corrupt,
        r.empty,
        if r.failed > 0 {
            format!(", {} failed", r.failed)
        } else {
            String::new()
        },
        r.jobs_per_s,
        r.elapsed_ms
    ));
    out
}
