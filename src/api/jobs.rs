//! Jobs: status, result, the newest-first list, and cancellation.

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use super::access::Auth;
use super::listing::{self, Cursor};
use super::models::{JobList, JobResult, JobSummary, JobView};
use super::params::JobIdParam;
use super::problem::ApiError;
use super::result_schema::ResultJson;
use super::state::AppState;
use super::wire_types::{Status, Timestamp};
use crate::engine::{JobId, JobStatus, Snapshot};

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
            // Same status and code for every state (the seed's clients
            // poll on 400); the message says whether waiting helps.
            let why = if s.status.is_terminal() {
                "it ended without a result and will not have one"
            } else {
                "the result is available once it is completed"
            };
            return Err(ApiError::bad_request(
                "JOB_NOT_COMPLETED",
                format!("job {id} is {}; {why}", s.status.as_str()),
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
            status: s.status.into(),
            result: ResultJson(s.result.unwrap_or_default()),
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
        status: Query<Option<Status>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^-?[0-9]{1,18}\.[0-9A-Za-z]{1,64}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<ListResponse, ApiError> {
        let limit = limit.0.unwrap_or(50).clamp(1, 500) as usize;
        let after = cursor.0.as_deref().map(Cursor::parse).transpose()?;
        let page = listing::page(&state, status.0.map(JobStatus::from), after, limit).await?;
        let jobs = page
            .jobs
            .into_iter()
            .map(|s| JobSummary {
                job_id: s.job_id,
                status: s.status.into(),
                progress_hint: s.progress_hint,
                created_at: Timestamp::from_ms(s.created_at),
                updated_at: Timestamp::from_ms(s.updated_at),
                content_type: s.content_type,
                cached: s.cached,
            })
            .collect();
        let note = format!(
            "newest first from the job index; total counts every status; jobs expire {}s after they end ({}s after their last transition until then)",
            state.fns.ttls.job_s, state.fns.ttls.events_s
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
    /// Identical content in flight is one job, so this ends it for every
    /// submitter attached to it.
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

/// The job's view: its snapshot's head and TTL.
async fn view(state: &AppState, id: JobId) -> Result<JobView, ApiError> {
    let (head, ttl) = state.fns.head(id).await?.ok_or_else(|| {
        ApiError::not_found(
            "JOB_NOT_FOUND",
            format!("job {id} is unknown or has expired"),
        )
    })?;
    Ok(JobView::from_head(head, ttl))
}
