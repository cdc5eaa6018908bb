//! Replay: fold a job's log in Rust and compare the result with the stored
//! `job:<id>` snapshot. Works from the log alone after the snapshot expired.

mod diff;
mod render;
mod timeline;

use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;

use crate::engine::crypto::CryptoError;
use crate::engine::{EngineError, Event, Functions, JobId, Keyring, Snapshot, Ttls};

pub use diff::{Difference, diff};
pub use render::{cut, cut_bodies, render, state_text, time_ms};
pub use timeline::{Step, Timeline, timeline};

/// The verdict of comparing the fold with the stored snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The stored snapshot equals the fold of the log.
    Consistent,
    /// The snapshot expired (JOB_EXPIRATION after the transition that
    /// ended the job, EVENT_RETENTION after any other, has passed); the log
    /// alone tells the story.
    SnapshotExpired,
    /// No snapshot although by the log it is still alive until
    /// `expires_at` (ms): it was deleted or evicted. `rebuild` restores it.
    SnapshotMissing { expires_at: i64 },
    /// A snapshot but no retained log (expired or deleted): there is
    /// nothing to check the snapshot against.
    LogMissing,
    /// Fields that differ between the stored snapshot and the fold.
    Drifted { differences: Vec<Difference> },
    /// The fold refused event `at` (1-based), or it does not decode: the log
    /// is corrupt. The fold stops there; `differences` compares the stored snapshot, if any,
    /// with the state before it.
    Corrupt {
        at: usize,
        refusal: String,
        differences: Vec<Difference>,
    },
    /// Neither a snapshot nor events.
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
pub struct Replay {
    pub job_id: String,
    /// The steps' states leave out the result and Markdown bodies and
    /// `metadata.spec`.
    pub timeline: Vec<Step>,
    /// The state the fold ends in, with its bodies.
    pub state: Option<Snapshot>,
    /// Index of the first step whose state is `state`.
    #[serde(skip)]
    settled_from: usize,
    pub verdict: Verdict,
    /// Stored values this process could not decrypt (a key it lacks, or an
    /// altered value), left as stored: which ones (`state.result`, `event 3
    /// data.error`, ...), and why (the first error). The verdict does not depend on them: the fold and the
    /// comparison work on the values as stored.
    pub sealed: Vec<String>,
    #[serde(skip)]
    pub sealed_error: Option<CryptoError>,
}

impl Verdict {
    /// Whether the verdict finds something wrong with the job's data
    /// (anything but `consistent` and `snapshot_expired`).
    pub fn is_problem(&self) -> bool {
        !matches!(
            self,
            Verdict::Consistent | Verdict::SnapshotExpired | Verdict::Unknown
        )
    }

    /// The verdict's name, as the API answers it.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Consistent => "consistent",
            Verdict::SnapshotExpired => "snapshot_expired",
            Verdict::SnapshotMissing { .. } => "snapshot_missing",
            Verdict::LogMissing => "log_missing",
            Verdict::Drifted { .. } => "drifted",
            Verdict::Corrupt { .. } => "corrupt",
            Verdict::Unknown => "unknown",
        }
    }
}

/// `--at N` / `?at=N` outside the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {at} is out of range: the log of job {job} {}", extent(*.len))]
pub struct OutOfRange {
    pub job: String,
    pub at: usize,
    pub len: usize,
}

/// What a log of `len` events holds (a snapshot may outlive its log).
fn extent(len: usize) -> String {
    match len {
        0 => "is empty".into(),
        n => format!("has events 1 to {n}"),
    }
}

impl Replay {
    /// The state right after event `at` (1-based position in the log), with
    /// its bodies once the fold has settled on its final state, and with
    /// `metadata.spec`, which the steps leave out.
    pub fn state_at(&self, at: usize) -> Result<Option<Cow<'_, Snapshot>>, OutOfRange> {
        let step = at
            .checked_sub(1)
            .and_then(|i| Some((i, self.timeline.get(i)?)));
        match step {
            Some((i, _)) if i >= self.settled_from => Ok(self.state.as_ref().map(Cow::Borrowed)),
            Some((_, step)) => Ok(step.state.as_ref().map(|s| self.with_spec(s))),
            None => Err(OutOfRange {
                job: self.job_id.clone(),
                at,
                len: self.timeline.len(),
            }),
        }
    }

    /// A step's state with the `metadata.spec` the final state holds.
    fn with_spec<'a>(&self, step: &'a Snapshot) -> Cow<'a, Snapshot> {
        let spec = self.state.as_ref().and_then(|s| s.metadata.get("spec"));
        match (spec, step.metadata.as_object()) {
            (Some(spec), Some(metadata)) if !metadata.contains_key("spec") => {
                let mut full = step.clone();
                full.metadata["spec"] = spec.clone();
                Cow::Owned(full)
            }
            _ => Cow::Borrowed(step),
        }
    }
}

/// Most events one replay reads: far above any real job's log.
const MAX_EVENTS: usize = 100_000;

/// A job's log and snapshot exactly as stored, read as one unit.
#[derive(Debug, Clone)]
pub struct Stored {
    job: JobId,
    /// The events before the first entry that does not decode.
    events: Vec<Event>,
    /// That entry: 1-based position and why (the log is corrupt there).
    malformed: Option<(usize, String)>,
    snapshot: Option<String>,
    /// The server's clock when they were read (ms).
    now_ms: i64,
    /// The lifetimes: how long a snapshot lives after its last transition
    /// (`Ttls::snapshot_s`).
    ttls: Ttls,
}

/// Reads what `fold` replays.
pub async fn read(fns: &Functions, job: JobId) -> Result<Stored, EngineError> {
    let read = fns.log_and_snapshot(job, MAX_EVENTS).await?;
    let entries = read.entries;
    let (mut events, mut malformed) = (Vec::with_capacity(entries.len()), None);
    for (i, entry) in entries.into_iter().enumerate() {
        match entry {
            Ok(event) => events.push(event),
            Err(e) => {
                malformed = Some((
                    i + 1,
                    format!("MALFORMED_EVENT entry={} {}", e.id, e.reason),
                ));
                break;
            }
        }
    }
    Ok(Stored {
        job,
        events,
        malformed,
        snapshot: read.snapshot,
        now_ms: read.now_ms,
        ttls: fns.ttls,
    })
}

/// Replays `job` from its log.
pub async fn replay(fns: &Functions, job: JobId) -> Result<Replay, EngineError> {
    fold(read(fns, job).await?, &fns.keyring)
}

/// Folds a read log and compares it with the snapshot: CPU work in
/// proportion to the log, which a server runs off its async threads. The
/// fold and the comparison work on the values as stored (sealed ones too);
/// the timeline is opened afterwards, and a value this keyring cannot open
/// stays sealed (listed in `Replay::sealed`).
pub fn fold(stored: Stored, keyring: &Keyring) -> Result<Replay, EngineError> {
    let id = stored.job.to_string();
    let log_is_empty = stored.events.is_empty() && stored.malformed.is_none();
    let Timeline {
        steps: mut timeline,
        mut state,
        settled_from,
        refused,
    } = timeline(&id, stored.events);
    let differences = |raw: String| {
        let stored: Value = serde_json::from_str(&raw).unwrap_or(Value::String(raw));
        diff(
            &stored,
            &state.as_ref().map_or(Value::Null, Snapshot::to_value),
        )
    };
    // Only events before a malformed entry were folded, so a refusal among
    // them comes first.
    let verdict = match (refused.or(stored.malformed), stored.snapshot) {
        (Some((at, refusal)), stored) => Verdict::Corrupt {
            at,
            refusal,
            differences: stored.map(differences).unwrap_or_default(),
        },
        (None, None) => match &state {
            None => Verdict::Unknown,
            // The test `fl_rebuild` applies: the snapshot lives JOB_EXPIRATION
            // after the transition that ended the job, EVENT_RETENTION after
            // any other, by the server's clock.
            Some(s) => {
                let ttl_ms = i64::try_from(stored.ttls.snapshot_s(s.status))
                    .unwrap_or(i64::MAX)
                    .saturating_mul(1000);
                let expires_at = s.updated_at.saturating_add(ttl_ms);
                if expires_at <= stored.now_ms {
                    Verdict::SnapshotExpired
                } else {
                    Verdict::SnapshotMissing { expires_at }
                }
            }
        },
        (None, Some(_)) if log_is_empty => Verdict::LogMissing,
        (None, Some(raw)) => {
            let differences = differences(raw);
            if differences.is_empty() {
                Verdict::Consistent
            } else {
                Verdict::Drifted { differences }
            }
        }
    };
    let mut sealed = Vec::new();
    let mut sealed_error = None;
    let mut note = |what: String, kept: Vec<(&'static str, CryptoError)>| {
        for (name, e) in kept {
            sealed.push(format!("{what}{name}"));
            sealed_error.get_or_insert(e);
        }
    };
    if let Some(state) = &mut state {
        note("state.".into(), keyring.open_snapshot_leniently(state));
    }
    // The steps' metadata, opened once: without the spec, which the state at
    // an event adds back (`Replay::state_at`).
    let mut shown = state.as_ref().map_or(Value::Null, |s| s.metadata.clone());
    if let Some(m) = shown.as_object_mut() {
        m.remove("spec");
    }
    for (i, step) in timeline.iter_mut().enumerate() {
        note(
            format!("event {} ", i + 1),
            keyring.open_event_leniently(&mut step.event),
        );
        if let Some(s) = &mut step.state {
            s.metadata = shown.clone();
            // A step's error is one of the events' (noted there).
            keyring.open_snapshot_leniently(s);
        }
    }
    Ok(Replay {
        job_id: id,
        timeline,
        state,
        settled_from,
        verdict,
        sealed,
        sealed_error,
    })
}

/// A snapshot without its bulky result and Markdown bodies (never
/// converted, only left out).
pub fn head(snapshot: &Snapshot) -> Value {
    snapshot.without_bodies().to_value()
}
