//! Jobs: status, result, the newest-first list, and cancellation.

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, OpenApi};

use super::ApiTags;
use super::access::Auth;
use super::listing::{self, Cursor};
use super::models::{JobList, JobResult, JobSummary, JobView, rfc3339};
use super::params::JobIdParam;
use super::problem::ApiError;
use super::state::AppState;
use crate::engine::{EngineError, JobId, JobStatus, Snapshot, SnapshotHead};

pub struct JobsApi;

#[derive(ApiResponse)]
enum JobResponse {
    /// The job's current state.
    #[oai(status = 200)]
    Ok(Json<JobView>),
}

#[derive(ApiResponse)]
enum ResultResponse {
    /// The analysis result and its Markdown report.
    #[oai(status = 200)]
    Ok(Json<JobResult>),
}

#[derive(ApiResponse)]
enum CancelResponse {
    /// Cancelled: the job's state, now `cancelled`.
    #[oai(status = 202)]
    Accepted(Json<JobView>),
}

#[derive(ApiResponse)]
enum ListResponse {
    /// Jobs, newest first.
    #[oai(status = 200)]
    Ok(Json<JobList>),
}

#[OpenApi]
impl JobsApi {
    /// A job's status.
    #[oai(
        path = "/jobs/:job_id",
        method = "get",
        operation_id = "get_job",
        tag = "ApiTags::Jobs"
    )]
    async fn get_job(
        &self,
        state: poem::web::Data<&AppState>,
        _auth: Auth,
        /// The job id (a ULID).
        job_id: Path<JobIdParam>,
    ) -> Result<JobResponse, ApiError> {
        let id = job_id.0.0;
        Ok(JobResponse::Ok(Json(view(&state, id).await?)))
    }

    /// A completed job's result and Markdown report (400 until completed; 409
    /// `MISSING_SOURCE` when a cache hit's source log is gone).
    #[oai(
        path = "/jobs/:job_id/result",
        method = "get",
        operation_id = "get_job_result",
        tag = "ApiTags::Jobs"
    )]
    async fn get_result(
        &self,
        state: poem::web::Data<&AppState>,
        _auth: Auth,
        /// The job id (a ULID).
        job_id: Path<JobIdParam>,
    ) -> Result<ResultResponse, ApiError> {
        let id = job_id.0.0;
        let s = load(&state, id).await?;
        if s.status != JobStatus::Completed {
            return Err(ApiError::bad_request(
                "JOB_NOT_COMPLETED",
                format!(
                    "job {id} is {}; the result is available once it is completed",
                    s.status.as_str()
                ),
            ));
        }
        if s.result.is_none()
            && let Some(source) = &s.result_source
        {
            return Err(ApiError::conflict(
                "MISSING_SOURCE",
                format!(
                    "job {id} was served from the cache: its result is event {} of job {}, which is gone",
                    source.event_id, source.job_id
                ),
            ));
        }
        Ok(ResultResponse::Ok(Json(JobResult {
            job_id: s.job_id,
            status: s.status.as_str().to_string(),
            result: s.result.unwrap_or_default(),
            markdown: s.markdown.unwrap_or_default(),
        })))
    }

    /// Jobs newest first, from the job index: `cursor` pages to older jobs,
    /// `status` keeps one status (a page may be short; follow `next_cursor`).
    #[oai(
        path = "/jobs",
        method = "get",
        operation_id = "list_jobs",
        tag = "ApiTags::Jobs"
    )]
    async fn list_jobs(
        &self,
        state: poem::web::Data<&AppState>,
        _auth: Auth,
        /// Page size, 1 to 500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<u32>>,
        /// Only jobs in this status.
        status: Query<Option<StatusFilter>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^-?[0-9]{1,18}\.[0-9A-Za-z]{1,64}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<ListResponse, ApiError> {
        let limit = limit.0.unwrap_or(50).clamp(1, 500) as usize;
        let after = cursor.0.as_deref().map(Cursor::parse).transpose()?;
        let page = listing::page(&state, status.0.map(StatusFilter::status), after, limit).await?;
        let jobs = page
            .jobs
            .into_iter()
            .map(|s| JobSummary {
                job_id: s.job_id,
                status: s.status.as_str().to_string(),
                progress_hint: s.progress_hint,
                created_at: rfc3339(s.created_at),
                updated_at: rfc3339(s.updated_at),
                content_type: s.content_type,
                cached: s.cached,
            })
            .collect();
        let note = format!(
            "newest first from the job index; total counts every status; jobs expire {}s after their last event",
            state.fns.ttls.job_s
        );
        Ok(ListResponse::Ok(Json(JobList {
            jobs,
            total: page.total,
            note,
            next_cursor: page.next.map(|c| c.encode()),
        })))
    }

    /// Cancel a queued or running job: a `cancelled` event; its worker stops
    /// at its next step and writes no result. 409 when already finished.
    #[oai(
        path = "/jobs/:job_id",
        method = "delete",
        operation_id = "cancel_job",
        tag = "ApiTags::Jobs"
    )]
    async fn cancel_job(
        &self,
        state: poem::web::Data<&AppState>,
        _auth: Auth,
        /// The job id (a ULID).
        job_id: Path<JobIdParam>,
    ) -> Result<CancelResponse, ApiError> {
        let id = job_id.0.0;
        state
            .fns
            .cancel(id, "cancelled through the API")
            .await
            .map_err(|e| match e.code() {
                Some("JOB_TERMINAL") => {
                    ApiError::conflict("JOB_TERMINAL", format!("job {id} has already finished"))
                }
                _ => e.into(),
            })?;
        Ok(CancelResponse::Accepted(Json(view(&state, id).await?)))
    }
}

/// The `status` filter of `GET /jobs`.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "lowercase")]
enum StatusFilter {
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
}

impl StatusFilter {
    fn status(self) -> JobStatus {
        match self {
            StatusFilter::Queued => JobStatus::Queued,
            StatusFilter::Running => JobStatus::Running,
            StatusFilter::Completed => JobStatus::Completed,
            StatusFilter::Failed => JobStatus::Failed,
            StatusFilter::Cancelled => JobStatus::Cancelled,
        }
    }
}

pub(super) fn parse_id(raw: &str) -> Result<JobId, ApiError> {
    raw.parse().map_err(|e: crate::engine::ids::InvalidJobId| {
        ApiError::bad_request("INVALID_JOB_ID", e.to_string())
    })
}

pub(super) async fn load(state: &AppState, id: JobId) -> Result<Snapshot, ApiError> {
    state.fns.snapshot(id).await?.ok_or_else(|| {
        ApiError::not_found(
            "JOB_NOT_FOUND",
            format!("job {id} is unknown or has expired"),
        )
    })
}

/// The job's view: its snapshot's head and TTL in one round trip. Only the
/// first KB is read (a head is about 400 bytes): the result and report (most of a completed job's
/// snapshot) follow the head and are not needed here.
async fn view(state: &AppState, id: JobId) -> Result<JobView, ApiError> {
    const HEAD_BYTES: isize = 1023;
    let key = state.fns.store.keys.job(id.shard(), &id.to_string());
    let mut conn = state.fns.store.conn.clone();
    let (bytes, ttl): (Vec<u8>, i64) = redis::pipe()
        .getrange(&key, 0, HEAD_BYTES)
        .ttl(&key)
        .query_async(&mut conn)
        .await
        .map_err(EngineError::from)?;
    // The range may end inside a multi-byte character: keep what is whole.
    let prefix = match std::str::from_utf8(&bytes) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
    };
    if prefix.is_empty() {
        return Err(ApiError::not_found(
            "JOB_NOT_FOUND",
            format!("job {id} is unknown or has expired"),
        ));
    }
    let mut head = match snapshot_head(prefix) {
        Some(head) => head,
        // A head longer than the prefix (large metadata): read it whole.
        None => {
            let raw = state.fns.snapshot_json(id).await?.ok_or_else(|| {
                ApiError::not_found(
                    "JOB_NOT_FOUND",
                    format!("job {id} is unknown or has expired"),
                )
            })?;
            serde_json::from_str(&raw)
                .map_err(|e| EngineError::Protocol(format!("snapshot of {id}: {e}")))?
        }
    };
    state
        .fns
        .keyring
        .open_head(&mut head)
        .map_err(EngineError::from)?;
    Ok(JobView::from_head(head, ttl))
}

/// The head of a snapshot from its first bytes: the whole text when it is
/// complete JSON, else the part before the first `,"result":` that closes
/// as JSON (the same text inside a string or the metadata does not).
fn snapshot_head(prefix: &str) -> Option<SnapshotHead> {
    let mut from = 0;
    while let Some(at) = prefix[from..].find(",\"result\":").map(|i| from + i) {
        if let Ok(head) = serde_json::from_str(&format!("{}}}", &prefix[..at])) {
            return Some(head);
        }
        from = at + 1;
    }
    // No result: the whole snapshot, unless the prefix cut it short.
    serde_json::from_str(prefix).ok()
}

#[cfg(test)]
mod tests {
    use super::snapshot_head;

    const HEAD: &str = r#"{"job_id":"J","status":"completed","content_hash":"h","content_type":"openapi","metadata":{"team":"a,\"result\":","x":{"k":1,"result":2}},"progress_hint":"Analysis complete","created_at":1,"updated_at":2,"attempt":1,"version":6,"cached":false,"worker":"w""#;

    #[test]
    fn the_head_is_read_from_a_prefix_cut_anywhere_in_the_result() {
        let whole =
            format!(r##"{HEAD},"result":{{"findings":[{{"result":"é"}}]}},"markdown":"# R"}}"##);
        for cut in [HEAD.len() + 12, HEAD.len() + 30, whole.len()] {
            let head = snapshot_head(&whole[..cut]).expect("a head");
            assert_eq!((head.job_id.as_str(), head.version), ("J", 6));
        }
        let queued = format!("{HEAD}}}");
        assert_eq!(snapshot_head(&queued).unwrap().attempt, 1);
        assert!(
            snapshot_head(&HEAD[..40]).is_none(),
            "a cut head is not a head"
        );
    }
}
