//! Replay: fold a job's log in Rust and compare the result with the stored
//! `job:<id>` snapshot. Works from the log alone after the snapshot expired.

use serde::Serialize;
use serde_json::Value;

use crate::engine::fold::fold;
use crate::engine::{EngineError, Event, Functions, JobId, Snapshot};

/// One step of the timeline: the event and the state right after it.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub event: Event,
    /// ms since the previous event.
    pub delta_ms: i64,
    pub state: Option<Snapshot>,
    /// Set when the fold refused this event (the log is corrupt).
    pub refusal: Option<String>,
}

/// The verdict of comparing the fold with the stored snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The stored snapshot equals the fold of the log.
    Consistent,
    /// The snapshot expired; the log alone tells the story.
    SnapshotExpired,
    /// Fields that differ: (JSON pointer, stored, folded).
    Drifted {
        differences: Vec<(String, Value, Value)>,
    },
    /// Neither a snapshot nor events.
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
pub struct Replay {
    pub job_id: String,
    pub timeline: Vec<Step>,
    pub verdict: Verdict,
}

/// Replays `job` from its log.
pub async fn replay(fns: &Functions, job: JobId) -> Result<Replay, EngineError> {
    let events = fns.events(job, "-", 100_000).await?;
    let stored = fns.snapshot_json(job).await?;
    let id = job.to_string();
    let mut timeline = Vec::with_capacity(events.len());
    let mut state: Option<Snapshot> = None;
    let mut previous_ts = events.first().map_or(0, |e| e.ts);
    for event in events {
        let (next, refusal) = match fold(state.clone(), &event, &id) {
            Ok(s) => (Some(s), None),
            Err(r) => (state.clone(), Some(r.to_string())),
        };
        state = next;
        let delta_ms = event.ts - previous_ts;
        previous_ts = event.ts;
        timeline.push(Step {
            event,
            delta_ms,
            state: state.clone(),
            refusal,
        });
    }
    let verdict = match (stored, &state) {
        (None, None) => Verdict::Unknown,
        (None, Some(_)) => Verdict::SnapshotExpired,
        (Some(raw), folded) => {
            let stored: Value = serde_json::from_str(&raw).unwrap_or(Value::String(raw));
            let folded = folded.as_ref().map_or(Value::Null, Snapshot::to_value);
            let mut differences = Vec::new();
            diff("", &stored, &folded, &mut differences);
            if differences.is_empty() {
                Verdict::Consistent
            } else {
                Verdict::Drifted { differences }
            }
        }
    };
    Ok(Replay {
        job_id: id,
        timeline,
        verdict,
    })
}

/// Collects the JSON pointers where `a` and `b` differ (objects recursively).
pub fn diff(at: &str, a: &Value, b: &Value, out: &mut Vec<(String, Value, Value)>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let (va, vb) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                diff(&format!("{at}/{k}"), va, vb, out);
            }
        }
        _ if a != b => out.push((at.to_string(), a.clone(), b.clone())),
        _ => {}
    }
}

/// The timeline as text, one line per event, and the verdict.
pub fn render(r: &Replay) -> String {
    let mut out = format!("job {}\n", r.job_id);
    for step in &r.timeline {
        let e = &step.event;
        let when = crate::api::models::rfc3339(e.ts);
        let status = step.state.as_ref().map_or("-", |s| s.status.as_str());
        let detail = e.hint().or(e.error()).unwrap_or_default();
        let worker = if e.worker.is_empty() {
            "api"
        } else {
            &e.worker
        };
        out.push_str(&format!(
            "#{:<3} {when} +{:>6}ms  {:<15} attempt {}  {:<24} → {status:<9} {detail}\n",
            e.seq,
            step.delta_ms,
            e.kind.as_str(),
            e.attempt,
            worker
        ));
        if let Some(refusal) = &step.refusal {
            out.push_str(&format!("      refused by the fold: {refusal}\n"));
        }
    }
    out.push_str(&match &r.verdict {
        Verdict::Consistent => {
            "verdict: the stored snapshot equals the fold of the log\n".to_string()
        }
        Verdict::SnapshotExpired => {
            "verdict: the snapshot has expired; the state above is rebuilt from the log\n"
                .to_string()
        }
        Verdict::Unknown => "verdict: no such job (no snapshot, no events)\n".to_string(),
        Verdict::Drifted { differences } => {
            let mut s = String::from("verdict: DRIFT between the stored snapshot and the log\n");
            for (at, stored, folded) in differences {
                s.push_str(&format!("  {at}: stored {stored} ≠ folded {folded}\n"));
            }
            s
        }
    });
    out
}
