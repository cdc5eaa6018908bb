//! The timeline: each event of a job's log with the state right after it.

use serde::Serialize;

use crate::engine::fold::fold;
use crate::engine::{Event, EventType, Snapshot};

/// One step of the timeline: the event and the state right after it.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub event: Event,
    /// ms since the previous event (0 for the first).
    pub delta_ms: i64,
    /// The state after the event, without its result and Markdown bodies
    /// and with `metadata` null (`replay::fold` puts it back without its
    /// `spec`; `Replay::state_at` has them all).
    pub state: Option<Snapshot>,
    /// Set when the fold refused this event (the log is corrupt), or did not
    /// reach it (an earlier event was refused); the state stays what it was.
    pub refusal: Option<String>,
}

/// The fold of a whole log, step by step.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub steps: Vec<Step>,
    /// The state the fold ends in, with its bodies: up to the first refused
    /// event, where the fold stops (as `fold_all` and the Lua fold do).
    pub state: Option<Snapshot>,
    /// Index of the first step whose state is `state`.
    pub settled_from: usize,
    /// The first refused event: 1-based position and why.
    pub refused: Option<(usize, String)>,
}

/// Folds `events` one by one, keeping every intermediate state.
///
/// The bodies are held apart from the state that is folded on and copied
/// into each step: copying a large result into every step made a replay
/// cost events × result size. Only `completed` and `cache_hit` write them,
/// so every other event keeps them as they were. The metadata is held apart
/// too: it is written at birth and never changed, and it can hold a spec of
/// MAX_CONTENT_SIZE (sealed as one value when encryption is on).
pub fn timeline(job_id: &str, events: Vec<Event>) -> Timeline {
    let mut steps = Vec::with_capacity(events.len());
    let mut bare: Option<Snapshot> = None;
    let mut bodies = (None, None);
    let mut metadata = serde_json::Value::Null;
    let (mut settled_from, mut refused) = (0, None);
    let mut previous_ts = events.first().map_or(0, |e| e.ts);
    for (i, event) in events.into_iter().enumerate() {
        let refusal = match &refused {
            Some((at, _)) => Some(format!("not folded: event {at} before it was refused")),
            None => match fold(bare.clone(), &event, job_id) {
                Ok(mut next) => {
                    if matches!(event.kind, EventType::Completed | EventType::CacheHit) {
                        bodies = (next.result.take(), next.markdown.take());
                    }
                    let born_with = std::mem::take(&mut next.metadata);
                    if !born_with.is_null() {
                        metadata = born_with;
                    }
                    // Feedback changes nothing: the state stays settled.
                    if event.kind != EventType::Feedback {
                        settled_from = i;
                    }
                    bare = Some(next);
                    None
                }
                Err(r) => {
                    refused = Some((i + 1, r.to_string()));
                    Some(r.to_string())
                }
            },
        };
        let delta_ms = event.ts - previous_ts;
        previous_ts = event.ts;
        steps.push(Step {
            event,
            delta_ms,
            state: bare.clone(),
            refusal,
        });
    }
    let state = bare.map(|mut s| {
        (s.result, s.markdown) = bodies;
        s.metadata = metadata;
        s
    });
    Timeline {
        steps,
        state,
        settled_from,
        refused,
    }
}
