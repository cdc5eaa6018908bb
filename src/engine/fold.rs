//! The Rust twin of `migrations-lua/lib/fold.lua`: how one event changes a
//! snapshot, with the same checks in the same order and the same refusals.
//! Replay folds a job's log with it; a property test holds it to the Lua fold.

use super::events::{Event, EventType};
use super::snapshot::{JobStatus, ResultSource, Snapshot};

/// Why an event cannot apply. The names match the Lua error codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("NO_SUCH_JOB job={job}")]
    NoSuchJob { job: String },
    #[error("INVALID_TRANSITION job={job} from={from} event={event}")]
    InvalidTransition {
        job: String,
        from: &'static str,
        event: &'static str,
    },
    #[error("JOB_TERMINAL job={job} status={status} event={event}")]
    JobTerminal {
        job: String,
        status: &'static str,
        event: &'static str,
    },
    #[error("STALE_ATTEMPT job={job} attempt={attempt} current={current}")]
    StaleAttempt {
        job: String,
        attempt: u32,
        current: u32,
    },
}

impl Refusal {
    /// The machine-readable code (the first word of the Lua error).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NoSuchJob { .. } => "NO_SUCH_JOB",
            Refusal::InvalidTransition { .. } => "INVALID_TRANSITION",
            Refusal::JobTerminal { .. } => "JOB_TERMINAL",
            Refusal::StaleAttempt { .. } => "STALE_ATTEMPT",
        }
    }
}

fn hint(kind: EventType) -> &'static str {
    match kind {
        EventType::Queued => "Queued for analysis",
        EventType::CacheHit => "Served from cache",
        EventType::Started => "Starting analysis...",
        EventType::Completed => "Analysis complete",
        EventType::RetryScheduled => "Retry scheduled",
        EventType::DeadLettered => "Attempts exhausted",
        EventType::Failed => "Analysis failed",
        EventType::Cancelled => "Cancelled",
        EventType::Progress | EventType::Feedback => "",
    }
}

fn text(ev: &Event, field: &str) -> Option<String> {
    ev.data
        .get(field)
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

fn parse_result(raw: &Option<String>) -> Option<serde_json::Value> {
    raw.as_ref()
        .map(|r| serde_json::from_str(r).unwrap_or_else(|_| serde_json::Value::String(r.clone())))
}

fn born(ev: &Event, job_id: &str, status: JobStatus) -> Snapshot {
    Snapshot {
        job_id: job_id.to_string(),
        status,
        content_hash: text(ev, "content_hash").unwrap_or_default(),
        content_type: text(ev, "content_type").unwrap_or_default(),
        metadata: ev
            .data
            .get("metadata")
            .cloned()
            .unwrap_or_else(|| serde_json::json!({})),
        progress_hint: hint(ev.kind).to_string(),
        created_at: ev.ts,
        updated_at: ev.ts,
        attempt: 0,
        version: ev.seq,
        cached: ev.kind == EventType::CacheHit,
        worker: None,
        error: None,
        result: None,
        markdown: None,
        result_source: None,
    }
}

/// A job born completed from the cache: with the result the event holds,
/// or naming the `completed` event that holds it (the Lua fold alike).
fn cache_hit(ev: &Event, job_id: &str) -> Snapshot {
    let mut s = born(ev, job_id, JobStatus::Completed);
    match &ev.source {
        Some(source) => {
            s.result_source = Some(ResultSource {
                job_id: source.job_id.clone(),
                event_id: source.stream_id.clone(),
            })
        }
        None => {
            s.result = parse_result(&ev.result);
            s.markdown = ev.markdown.clone();
        }
    }
    s
}

/// Folds `ev` into `state` (`None` before the first event).
pub fn fold(state: Option<Snapshot>, ev: &Event, job_id: &str) -> Result<Snapshot, Refusal> {
    let Some(mut s) = state else {
        return match ev.kind {
            EventType::Queued => Ok(born(ev, job_id, JobStatus::Queued)),
            EventType::CacheHit => Ok(cache_hit(ev, job_id)),
            _ => Err(Refusal::NoSuchJob {
                job: job_id.to_string(),
            }),
        };
    };
    let (job, event) = (job_id.to_string(), ev.kind.as_str());
    let stale = |s: &Snapshot| Refusal::StaleAttempt {
        job: job.clone(),
        attempt: ev.attempt,
        current: s.attempt,
    };
    match ev.kind {
        EventType::Feedback => return Ok(s),
        EventType::Queued | EventType::CacheHit => {
            return Err(Refusal::InvalidTransition {
                job,
                from: s.status.as_str(),
                event,
            });
        }
        _ if s.status.is_terminal() => {
            return Err(Refusal::JobTerminal {
                job,
                status: s.status.as_str(),
                event,
            });
        }
        EventType::Started => {
            if ev.attempt != s.attempt + 1 {
                return Err(stale(&s));
            }
            s.status = JobStatus::Running;
            s.attempt += 1;
            s.worker = Some(ev.worker.clone());
            s.progress_hint = hint(ev.kind).to_string();
        }
        EventType::Progress | EventType::Completed | EventType::RetryScheduled => {
            if s.status != JobStatus::Running {
                return Err(Refusal::InvalidTransition {
                    job,
                    from: s.status.as_str(),
                    event,
                });
            }
            if ev.attempt != s.attempt {
                return Err(stale(&s));
            }
            match ev.kind {
                EventType::Progress => s.progress_hint = text(ev, "hint").unwrap_or_default(),
                EventType::Completed => {
                    s.status = JobStatus::Completed;
                    s.progress_hint = hint(ev.kind).to_string();
                    s.result = parse_result(&ev.result);
                    s.markdown = ev.markdown.clone();
                }
                _ => {
                    s.status = JobStatus::Queued;
                    s.progress_hint = hint(ev.kind).to_string();
                    s.error = text(ev, "error");
                }
            }
        }
        EventType::DeadLettered | EventType::Failed => {
            if ev.attempt != s.attempt {
                return Err(stale(&s));
            }
            s.progress_hint = hint(ev.kind).to_string();
            s.error = text(ev, "error");
            if ev.kind == EventType::Failed {
                s.status = JobStatus::Failed;
            }
        }
        EventType::Cancelled => {
            s.status = JobStatus::Cancelled;
            s.progress_hint = hint(ev.kind).to_string();
        }
    }
    s.updated_at = ev.ts;
    s.version = ev.seq;
    Ok(s)
}

/// Folds a whole log. Stops at the first refusal and returns the state
/// before it together with the refusal and its position.
pub fn fold_all(job_id: &str, events: &[Event]) -> (Option<Snapshot>, Option<(usize, Refusal)>) {
    let mut state = None;
    for (i, ev) in events.iter().enumerate() {
        match fold(state.clone(), ev, job_id) {
            Ok(next) => state = Some(next),
            Err(refusal) => return (state, Some((i, refusal))),
        }
    }
    (state, None)
}
