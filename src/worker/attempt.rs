//! One attempt at one job: start (fenced), analyse on a blocking thread while
//! forwarding progress and keeping the entry claimed, then complete or fail
//! in one atomic call that also acknowledges the entry.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, mpsc};

use super::{PATIENCE, Worker, with_retry};
use crate::analysis::{
    AnalysisError, AnalysisRequest, ArtifactKind, Metadata, Report, Stage, budget,
};
use crate::clock::now_ms;
use crate::engine::{Completion, EngineError, EventType, Hint, Lease, Started, Taken, WorkEntry};
use crate::metrics;

/// Runs one started entry. `slot` bounds the analyses running at once: it
/// is freed when the analysis ends, not when its outcome is recorded, so
/// the wait for the completion's batched write does not hold a slot that
/// the next analysis could use (the entry stays in `running` until then).
pub(super) async fn run(worker: &Arc<Worker>, taken: Taken, slot: OwnedSemaphorePermit) {
    let Some(job) = taken.job else {
        return tracing::error!(entry = %taken.entry_id, "malformed work entry moved to the dead-letter stream");
    };
    let d = WorkEntry {
        entry_id: taken.entry_id,
        job,
        hash: taken.hash,
    };
    let (attempt, content, content_type, metadata, created_at) = match taken.started {
        Ok(Started::Run {
            attempt,
            content,
            content_type,
            metadata,
            created_at,
        }) => {
            metrics::events(EventType::Started, 1);
            metrics::events(EventType::Progress, 1);
            // From creation only the first attempt's wait is known: a
            // retry's or takeover's would include the earlier attempts.
            if attempt == 1 {
                metrics::queue_wait((now_ms() - created_at).max(0) as f64 / 1000.0);
            }
            (attempt, content, content_type, metadata, created_at)
        }
        Ok(Started::Skip(reason)) => return tracing::debug!(job = %d.job, reason, "entry dropped"),
        Ok(Started::Dead { attempts, error }) => {
            // fl_start appended both events (002_start.lua, dead_letter).
            metrics::events(EventType::DeadLettered, 1);
            metrics::events(EventType::Failed, 1);
            metrics::job("dead_lettered");
            metrics::job("failed");
            // fl_start does not answer the job's creation time here; the
            // id's timestamp is when it was queued (the API's clock).
            end_to_end("failed", d.job.timestamp_ms() as i64);
            return tracing::warn!(job = %d.job, attempts, %error, "dead-lettered before it could run");
        }
        // Sealed under a key this worker lacks, or gone between the start
        // and the read of a large one: a failed attempt, retried (another
        // worker, or this one restarted with the key, may read it).
        Ok(Started::Unreadable {
            attempt,
            error,
            created_at,
        }) => {
            metrics::events(EventType::Started, 1);
            metrics::events(EventType::Progress, 1);
            tracing::error!(job = %d.job, %error, "cannot read the artifact");
            let lease = Lease {
                job: d.job,
                attempt,
                consumer: worker.consumer.clone(),
                entry_id: d.entry_id.clone(),
            };
            let outcome = Err(AnalysisError::Transient(error));
            drop(slot);
            // Retried as a rule; the last attempt's failure ends the job.
            if let Some(terminal) = finish(worker, &lease, &d.hash, outcome, Vec::new()).await {
                end_to_end(terminal, created_at);
            }
            return;
        }
        Err(e) => return report_error("start", &d, e),
    };
    let lease = Lease {
        job: d.job,
        attempt,
        consumer: worker.consumer.clone(),
        entry_id: d.entry_id.clone(),
    };
    let kind = ArtifactKind::parse(&content_type).unwrap_or(ArtifactKind::Auto);
    let metadata: Metadata = serde_json::from_str(&metadata).unwrap_or_default();
    let began = Instant::now();
    let (outcome, hints) = analyse(worker, &lease, content, kind, metadata).await;
    drop(slot);
    let terminal = finish(worker, &lease, &d.hash, outcome, hints).await;
    if terminal == Some("completed") {
        metrics::run_time(began.elapsed().as_secs_f64());
    }
    if let Some(outcome) = terminal {
        end_to_end(outcome, created_at);
    }
}

/// Records a finished job's time from queued (`created_at`, ms) to now.
fn end_to_end(outcome: &'static str, created_at: i64) {
    metrics::end_to_end(outcome, (now_ms() - created_at).max(0) as f64 / 1000.0);
}

type Outcome = Result<Report, AnalysisError>;

/// Runs the analyser off the async runtime, forwarding progress hints.
async fn analyse(
    worker: &Worker,
    lease: &Lease,
    content: String,
    kind: ArtifactKind,
    metadata: Metadata,
) -> (Outcome, Vec<Hint>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Hint>();
    let analyzer = worker.analyzer.clone();
    let began = Instant::now();
    let limit = worker.config.analysis_timeout;
    let called_off = Arc::new(AtomicBool::new(false));
    let stop = called_off.clone();
    let mut task = tokio::task::spawn_blocking(move || {
        let request = AnalysisRequest {
            content: &content,
            kind,
            metadata: &metadata,
        };
        let mut steps = metrics::StepTimer::default();
        let outcome = budget::with_limit_until(limit, stop, || {
            analyzer.analyze(&request, &mut |stage| {
                steps.enter(stage);
                // `start` already recorded the first stage.
                if stage != Stage::Normalizing {
                    let _ = tx.send(Hint::new(stage.hint(), now_ms()));
                }
            })
        });
        steps.finish();
        outcome
    });
    // The analyser stops itself between rules once the limit has passed; an
    // analyser stuck elsewhere (a parser, a foreign `Analyzer`) is left to
    // finish on its thread while the job fails and the slot is freed.
    let hard_stop = tokio::time::sleep(limit + limit / 10 + Duration::from_secs(1));
    tokio::pin!(hard_stop);
    let mut pending = Vec::new();
    let mut heartbeat = tokio::time::interval_at(
        tokio::time::Instant::now() + worker.config.visibility_timeout / 3,
        worker.config.visibility_timeout / 3,
    );
    let outcome = loop {
        tokio::select! {
            joined = &mut task => break joined.unwrap_or_else(|e| Err(AnalysisError::Transient(format!("the analyser panicked: {e}")))),
            Some(hint) = rx.recv() => {
                pending.push(hint);
                // Fast analyses send their hints with the completion (same
                // log, fewer round trips); slow ones report them live.
                if began.elapsed() >= worker.config.progress_flush {
                    match worker.fns.progress(lease, &pending).await {
                        Ok(()) => {
                            metrics::events(EventType::Progress, pending.len() as u64);
                            pending.clear();
                        }
                        // Refused: nothing was written. Anything else (a
                        // lost reply) may have been: sent again, flagged.
                        Err(e) if e.code().is_some() => {}
                        Err(_) => pending.iter_mut().for_each(|h| h.resent = true),
                    }
                }
            }
            _ = heartbeat.tick() => if let Err(refusal) = keep_claimed(worker, lease).await {
                // Taken over or cancelled: stop the analyser at its next
                // rule and free the slot now. Recording the outcome below
                // is refused in turn (and a cancelled job's entry acked).
                called_off.store(true, Ordering::Relaxed);
                tracing::info!(job = %lease.job, attempt = lease.attempt, %refusal, "attempt abandoned");
                break Err(AnalysisError::Transient(format!("attempt abandoned: {refusal}")));
            },
            _ = &mut hard_stop => {
                tracing::warn!(job = %lease.job, limit_ms = limit.as_millis() as u64, "analysis past its time limit: failing the job, its thread is left to finish");
                break Err(budget::error(limit));
            }
        }
    };
    while let Ok(hint) = rx.try_recv() {
        pending.push(hint);
    }
    metrics::analysis_duration(began.elapsed().as_secs_f64());
    (outcome, pending)
}

/// Resets the entry's idle time so a long analysis is not reclaimed; an
/// error when the attempt is no longer the job's current one. A heartbeat
/// that fails for another reason (Redis away) is only logged: the next one
/// may get through before the visibility timeout.
async fn keep_claimed(worker: &Worker, lease: &Lease) -> Result<(), EngineError> {
    match worker.fns.heartbeat(lease).await {
        Err(e) if e.code().is_some() => Err(e),
        Err(e) => {
            tracing::warn!(job = %lease.job, error = %e, "could not extend the claim");
            Ok(())
        }
        Ok(()) => Ok(()),
    }
}

/// Records the outcome; returns the job's terminal state (`completed` or
/// `failed`) when it reached one.
async fn finish(
    worker: &Worker,
    lease: &Lease,
    hash: &str,
    outcome: Outcome,
    hints: Vec<Hint>,
) -> Option<&'static str> {
    let result = match outcome {
        Ok(mut report) => match serde_json::to_string(&report.result) {
            Ok(json) => worker
                .completer
                .complete(Completion {
                    lease: lease.clone(),
                    hash: hash.to_string(),
                    hints: hints.clone(),
                    result: json,
                    // Only the findings are read afterwards (metrics).
                    markdown: std::mem::take(&mut report.markdown),
                })
                .await
                .map(|_| {
                    metrics::findings(&report);
                    "completed"
                }),
            Err(e) => {
                fail(
                    worker,
                    lease,
                    &hints,
                    &AnalysisError::Transient(format!("result not serialisable: {e}")),
                )
                .await
            }
        },
        Err(e) => fail(worker, lease, &hints, &e).await,
    };
    match result {
        Ok(outcome) => {
            tracing::info!(job = %lease.job, attempt = lease.attempt, outcome, "attempt finished");
            metrics::events(EventType::Progress, hints.len() as u64);
            match outcome {
                "completed" => {
                    metrics::events(EventType::Completed, 1);
                    metrics::job("completed");
                }
                "retry_scheduled" => {
                    metrics::events(EventType::RetryScheduled, 1);
                    metrics::job("retried");
                }
                // The client's content, not the service, failed: the job
                // ends the same (failed, its log and dead-letter entry
                // alike), but it is counted apart, so user error pages no
                // one as a dead letter or a failure would.
                "invalid" => {
                    metrics::events(EventType::DeadLettered, 1);
                    metrics::events(EventType::Failed, 1);
                    metrics::job("invalid");
                }
                _ => {
                    metrics::events(EventType::DeadLettered, 1);
                    metrics::events(EventType::Failed, 1);
                    metrics::job("dead_lettered");
                    metrics::job("failed");
                }
            }
            match outcome {
                "retry_scheduled" => None,
                "completed" => Some("completed"),
                _ => Some("failed"),
            }
        }
        Err(e) => {
            let d = WorkEntry {
                entry_id: lease.entry_id.clone(),
                job: lease.job,
                hash: hash.to_string(),
            };
            report_error("finish", &d, e);
            None
        }
    }
}

async fn fail(
    worker: &Worker,
    lease: &Lease,
    hints: &[Hint],
    error: &AnalysisError,
) -> Result<&'static str, EngineError> {
    let delay = backoff(worker, lease.attempt);
    let msg = error.to_string();
    let retried = with_retry("fail", PATIENCE, || {
        worker
            .fns
            .fail(lease, hints, &msg, error.is_retryable(), delay)
    })
    .await?;
    Ok(match error {
        _ if retried => "retry_scheduled",
        AnalysisError::InvalidInput(_) => "invalid",
        _ => "failed",
    })
}

/// Exponential backoff with full jitter on the upper half.
fn backoff(worker: &Worker, attempt: u32) -> u64 {
    let base = worker.config.retry_backoff.as_millis() as u64;
    let max = worker.config.retry_backoff_max.as_millis() as u64;
    let exp = base
        .saturating_mul(1u64 << attempt.saturating_sub(1).min(20))
        .min(max);
    exp / 2 + rand::random_range(0..=exp / 2)
}

fn report_error(operation: &'static str, d: &WorkEntry, e: EngineError) {
    match e.code() {
        // The job is gone while its work entry was still out: Redis lost
        // its data (restarted without persistence, flushed) or the job
        // outlived its lifetimes. Not a race another attempt won.
        Some(code @ "NO_SUCH_JOB") => {
            metrics::refusal(code);
            tracing::error!(job = %d.job, operation, refusal = %e, "the job is no longer in Redis (restarted without persistence, flushed, or expired): its outcome is dropped");
        }
        Some(code) => {
            metrics::refusal(code);
            tracing::info!(job = %d.job, operation, refusal = %e, "transition refused (a newer attempt or a cancel won)");
        }
        None => {
            metrics::worker_error(operation);
            tracing::error!(job = %d.job, operation, error = %e, "giving up for now; the entry stays pending and will be reclaimed");
        }
    }
}
