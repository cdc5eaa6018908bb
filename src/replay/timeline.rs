//! The timeline: each event of a job's log with the state right after it.

use serde::Serialize;

use crate::engine::fold::fold;
use crate::engine::{Event, Snapshot};

/// One step of the timeline: the event and the state right after it.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub event: Event,
    /// ms since the previous event (0 for the first).
    pub delta_ms: i64,
    pub state: Option<Snapshot>,
    /// Set when the fold refused this event (the log is corrupt); the state
    /// stays what it was before it.
    pub refusal: Option<String>,
}

/// Folds `events` one by one, keeping every intermediate state; returns the
/// steps and the final state.
pub fn timeline(job_id: &str, events: Vec<Event>) -> (Vec<Step>, Option<Snapshot>) {
    let mut steps = Vec::with_capacity(events.len());
    let mut state: Option<Snapshot> = None;
    let mut previous_ts = events.first().map_or(0, |e| e.ts);
    for event in events {
        let refusal = match fold(state.clone(), &event, job_id) {
            Ok(next) => {
                state = Some(next);
                None
            }
            Err(r) => Some(r.to_string()),
        };
        let delta_ms = event.ts - previous_ts;
        previous_ts = event.ts;
        steps.push(Step {
            event,
            delta_ms,
            state: state.clone(),
            refusal,
        });
    }
    (steps, state)
}
