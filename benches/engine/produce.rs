//! Producers: the artifacts and their submission through `Functions::submit`,
//! in batches (`--batch`) or from concurrent single-submission loops.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use faultline::engine::{Functions, JobId, Submission, Submitted};

use crate::opts::Opts;

/// An artifact of `bytes` bytes (at least its heading), unique per run and
/// job (so no cache hit and no single-flight attach, even on a shared Redis).
fn artifact(run: &str, i: usize, bytes: usize) -> String {
    let head = format!("# Bench artifact {run} {i:08}\n\n");
    let pad = bytes.saturating_sub(head.len());
    format!("{head}{}", "d".repeat(pad))
}

/// The `n` artifacts of a fresh run id, `bytes` long each.
pub fn artifacts(n: usize, bytes: usize) -> Arc<Vec<String>> {
    let run_id = ulid::Ulid::generate().to_string();
    Arc::new((0..n).map(|i| artifact(&run_id, i, bytes)).collect())
}

pub struct Sent {
    pub job: JobId,
    pub latency_us: u32,
}

pub struct SubmitRun {
    pub jobs: Vec<Sent>,
    pub errors: usize,
    pub not_queued: usize,
}

impl SubmitRun {
    fn record(&mut self, r: Result<Submitted, String>, us: u32) {
        match r {
            Ok(s) => {
                if !matches!(s, Submitted::Queued(_)) {
                    self.not_queued += 1;
                }
                self.jobs.push(Sent {
                    job: s.job_id(),
                    latency_us: us,
                });
            }
            Err(e) => {
                if self.errors < 5 {
                    eprintln!("submit failed: {e}");
                }
                self.errors += 1;
            }
        }
    }
}

type Reply = (Result<Submitted, String>, u32);

async fn submit_one(fns: &Functions, content: &str) -> Reply {
    let began = Instant::now();
    let r = fns
        .submit(Submission {
            content,
            content_type: "markdown",
            metadata: "{}",
            inputs: "",
        })
        .await
        .map(|(submitted, _)| submitted)
        .map_err(|e| e.to_string());
    (r, began.elapsed().as_micros().min(u32::MAX as u128) as u32)
}

pub async fn produce(opts: &Opts, fns: &Functions, contents: Arc<Vec<String>>) -> SubmitRun {
    let mut run = SubmitRun {
        jobs: Vec::with_capacity(opts.n),
        errors: 0,
        not_queued: 0,
    };
    match opts.batch {
        Some(batch) => produce_batched(&mut run, fns, &contents, batch).await,
        None => produce_single(&mut run, fns, contents, opts.producers).await,
    }
    run
}

/// `batch` submissions in flight at a time, batches awaited in turn.
async fn produce_batched(run: &mut SubmitRun, fns: &Functions, contents: &[String], batch: usize) {
    for chunk in contents.chunks(batch) {
        let replies =
            futures_util::future::join_all(chunk.iter().map(|c| submit_one(fns, c))).await;
        for (r, us) in replies {
            run.record(r, us);
        }
    }
}

/// `producers` concurrent loops of one submission each.
async fn produce_single(
    run: &mut SubmitRun,
    fns: &Functions,
    contents: Arc<Vec<String>>,
    producers: usize,
) {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..producers {
        let (fns, contents, next) = (fns.clone(), contents.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= contents.len() {
                    break;
                }
                mine.push(submit_one(&fns, &contents[i]).await);
            }
            mine
        }));
    }
    for t in tasks {
        for (r, us) in t.await.expect("producer task") {
            run.record(r, us);
        }
    }
}
