//! `GET /jobs/{id}/replay`: a job's timeline with the state after each event,
//! the verdict of comparing the stored snapshot with the fold of its log, and
//! the state as of one event (`?at=N`). Same document as `faultline replay --json`.

use poem::http::StatusCode;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;

use super::ApiTags;
use super::access::Auth;
use super::models::EventView;
use super::params::JobIdParam;
use super::problem::{ApiError, Problem};
use super::state::AppState;
use crate::engine::{EngineError, JobId, Keyring};
use crate::replay::{self, Replay, Step, Verdict};

pub struct ReplayApi;

/// One step: the event and the state right after it.
#[derive(Debug, Clone, Object)]
pub struct ReplayStep {
    pub event: EventView,
    /// ms since the previous event.
    pub delta_ms: i64,
    /// The snapshot after the event, without result and Markdown bodies.
    #[oai(nullable)]
    pub state: Option<Value>,
    /// Why the fold refused this event (a corrupt log), if it did.
    #[oai(nullable)]
    pub refusal: Option<String>,
}

/// A field where the stored snapshot and the fold disagree.
#[derive(Debug, Clone, Object)]
pub struct ReplayDifference {
    /// JSON pointer.
    pub path: String,
    pub stored: Value,
    pub folded: Value,
}

#[derive(Debug, Clone, Object)]
pub struct ReplayVerdict {
    /// One of: `consistent` (the stored snapshot equals the fold of the
    /// log); `snapshot_expired` (its lifetime is over: JOB_EXPIRATION after
    /// the transition that ended the job, EVENT_RETENTION after any other;
    /// the log alone tells the story); `snapshot_missing` (no
    /// snapshot although by the log it lives until `expires_at`: it was
    /// deleted or evicted, and `faultline rebuild` restores it); `log_missing`
    /// (a snapshot but no retained log: nothing to check it against);
    /// `drifted` (see `differences`); `corrupt` (the fold refused event
    /// `refused_at`, or that entry is not an event; nothing after it is
    /// folded, and `differences` compares the stored snapshot with the fold
    /// before it).
    pub verdict: String,
    pub differences: Vec<ReplayDifference>,
    /// With `snapshot_missing`: when the snapshot expires by the log, ms
    /// since the epoch (the last transition's time + JOB_EXPIRATION, or
    /// EVENT_RETENTION while the job has not ended).
    #[oai(nullable)]
    pub expires_at: Option<i64>,
    /// With `corrupt`: the 1-based position of the first refused event.
    #[oai(nullable)]
    pub refused_at: Option<u64>,
    /// With `corrupt`: why the fold refused it.
    #[oai(nullable)]
    pub refusal: Option<String>,
}

#[derive(Debug, Clone, Object)]
pub struct ReplayView {
    pub job_id: String,
    pub timeline: Vec<ReplayStep>,
    pub verdict: ReplayVerdict,
    /// The event asked for with `at`.
    #[oai(nullable)]
    pub at: Option<u64>,
    /// The state as of event `at`.
    #[oai(nullable)]
    pub state_at: Option<Value>,
}

#[derive(ApiResponse)]
enum ReplayResponse {
    /// The timeline, the verdict and the state as of `at`.
    #[oai(status = 200)]
    Ok(Json<ReplayView>),
}

#[OpenApi]
impl ReplayApi {
    /// Replays a job from its event log: the state after each event and
    /// whether the stored snapshot equals the fold of the log. Works after
    /// the snapshot expired, as long as the events are retained.
    #[oai(
        path = "/jobs/:job_id/replay",
        operation_id = "replay_job",
        method = "get",
        tag = "ApiTags::Replay"
    )]
    async fn replay(
        &self,
        state: poem::web::Data<&AppState>,
        _auth: Auth,
        /// The job id (a ULID).
        job_id: Path<JobIdParam>,
        /// 1-based position of an event: also answer the state right after it.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        at: Query<Option<u64>>,
    ) -> Result<ReplayResponse, ApiError> {
        let id: JobId = job_id.0.0;
        let stored = replay::read(&state.fns, id).await?;
        // The fold and the view cost in proportion to the log: off the
        // async threads, so a long log does not stall other requests.
        let keyring = state.fns.keyring.clone();
        let view = tokio::task::spawn_blocking(move || fold_view(stored, &keyring, at.0))
            .await
            .map_err(|e| {
                tracing::error!(job = %id, error = %e, "replay fold failed");
                ApiError::Internal(Json(Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL",
                    "the replay failed",
                )))
            })??;
        Ok(ReplayResponse::Ok(Json(view)))
    }
}

/// Folds a read log into the wire view: 404 when there is nothing to
/// replay, 422 when `at` lies past the log.
fn fold_view(
    stored: replay::Stored,
    keyring: &Keyring,
    at: Option<u64>,
) -> Result<ReplayView, ApiError> {
    let r = replay::fold(stored, keyring)?;
    // The API never shows ciphertext: a value this server cannot open is
    // its documented 500 UNDECRYPTABLE (the CLI shows it sealed).
    if let Some(e) = r.sealed_error.clone() {
        return Err(EngineError::from(e).into());
    }
    if r.verdict == Verdict::Unknown {
        return Err(ApiError::not_found(
            "JOB_NOT_FOUND",
            format!(
                "job {} has neither a snapshot nor retained events",
                r.job_id
            ),
        ));
    }
    ReplayView::build(&r, at).map_err(|e| ApiError::unprocessable("AT_OUT_OF_RANGE", e.to_string()))
}

impl ReplayView {
    /// The wire view of a replay; fails when `at` is outside the log.
    pub fn build(r: &Replay, at: Option<u64>) -> Result<Self, replay::OutOfRange> {
        let state_at = match at {
            Some(n) => r
                .state_at(usize::try_from(n).unwrap_or(usize::MAX))?
                .map(|s| replay::head(&s)),
            None => None,
        };
        let (differences, refused, expires_at) = match &r.verdict {
            Verdict::Consistent
            | Verdict::SnapshotExpired
            | Verdict::LogMissing
            | Verdict::Unknown => (Vec::new(), None, None),
            Verdict::SnapshotMissing { expires_at } => (Vec::new(), None, Some(*expires_at)),
            Verdict::Drifted { differences } => (differences.clone(), None, None),
            Verdict::Corrupt {
                at,
                refusal,
                differences,
            } => (differences.clone(), Some((*at, refusal.clone())), None),
        };
        let (refused_at, refusal) =
            refused.map_or((None, None), |(at, why)| (Some(at as u64), Some(why)));
        Ok(ReplayView {
            job_id: r.job_id.clone(),
            timeline: r.timeline.iter().map(step_view).collect(),
            verdict: ReplayVerdict {
                verdict: r.verdict.name().to_string(),
                differences: differences
                    .into_iter()
                    .map(|d| ReplayDifference {
                        path: d.path,
                        stored: d.stored,
                        folded: d.folded,
                    })
                    .collect(),
                expires_at,
                refused_at,
                refusal,
            },
            at,
            state_at,
        })
    }
}

fn step_view(step: &Step) -> ReplayStep {
    ReplayStep {
        event: EventView::from_event(&step.event),
        delta_ms: step.delta_ms,
        state: step.state.as_ref().map(replay::head),
        refusal: step.refusal.clone(),
    }
}
