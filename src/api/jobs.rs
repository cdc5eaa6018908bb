//! Job reads: status, result and the newest-first list.

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use redis::AsyncCommands;

use super::ApiTags;
use super::models::{JobList, JobResult, JobSummary, JobView, rfc3339};
use super::problem::ApiError;
use super::state::AppState;
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
enum ListResponse {
    /// Jobs, newest first.
    #[oai(status = 200)]
    Ok(Json<JobList>),
}

#[OpenApi]
impl JobsApi {
    /// A job's status.
    #[oai(path = "/jobs/:job_id", method = "get", tag = "ApiTags::Jobs")]
    async fn get_job(
        &self,
        state: poem::web::Data<&AppState>,
        job_id: Path<String>,
    ) -> Result<JobResponse, ApiError> {
        let id = parse_id(&job_id)?;
        let snapshot = load(&state, id).await?;
        let ttl = ttl(&state, id).await;
        Ok(JobResponse::Ok(Json(JobView::from_snapshot(
            &snapshot, ttl,
        ))))
    }

    /// A completed job's result and Markdown report (400 until completed).
    #[oai(path = "/jobs/:job_id/result", method = "get", tag = "ApiTags::Jobs")]
    async fn get_result(
        &self,
        state: poem::web::Data<&AppState>,
        job_id: Path<String>,
    ) -> Result<ResultResponse, ApiError> {
        let id = parse_id(&job_id)?;
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
        Ok(ResultResponse::Ok(Json(JobResult {
            job_id: s.job_id,
            status: s.status.as_str().to_string(),
            result: s.result.unwrap_or_default(),
            markdown: s.markdown.unwrap_or_default(),
        })))
    }

    /// Recent jobs, newest first, from the job index.
    #[oai(path = "/jobs", method = "get", tag = "ApiTags::Jobs")]
    async fn list_jobs(
        &self,
        state: poem::web::Data<&AppState>,
        limit: Query<Option<u32>>,
    ) -> Result<ListResponse, ApiError> {
        let limit = limit.0.unwrap_or(50).clamp(1, 500) as usize;
        let (ids, total) = newest(&state, limit).await?;
        let mut jobs = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(s) = state.fns.snapshot(id).await? {
                jobs.push(JobSummary {
                    job_id: s.job_id,
                    status: s.status.as_str().to_string(),
                    progress_hint: s.progress_hint,
                    created_at: rfc3339(s.created_at),
                });
            }
        }
        let note = format!(
            "newest first from the job index; jobs expire {}s after their last event",
            state.fns.ttls.job_s
        );
        Ok(ListResponse::Ok(Json(JobList { jobs, total, note })))
    }
}

fn parse_id(raw: &str) -> Result<JobId, ApiError> {
    raw.parse().map_err(|e: crate::engine::ids::InvalidJobId| {
        ApiError::bad_request("INVALID_JOB_ID", e.to_string())
    })
}

async fn load(state: &AppState, id: JobId) -> Result<Snapshot, ApiError> {
    state.fns.snapshot(id).await?.ok_or_else(|| {
        ApiError::not_found(
            "JOB_NOT_FOUND",
            format!("job {id} is unknown or has expired"),
        )
    })
}

async fn ttl(state: &AppState, id: JobId) -> i64 {
    let mut conn = state.fns.store.conn.clone();
    conn.ttl(state.fns.store.keys.job(id.shard(), &id.to_string()))
        .await
        .unwrap_or(-1)
}

/// The `limit` newest job ids over every shard's index, and the total count.
async fn newest(state: &AppState, limit: usize) -> Result<(Vec<JobId>, u64), ApiError> {
    let keys = &state.fns.store.keys;
    let mut conn = state.fns.store.conn.clone();
    let mut all: Vec<(i64, JobId)> = Vec::new();
    let mut total = 0u64;
    for shard in 0..keys.shards() {
        let rows: Vec<(String, i64)> = conn
            .zrevrange_withscores(keys.index(shard), 0, limit as isize - 1)
            .await
            .map_err(crate::engine::EngineError::from)?;
        total += conn
            .zcard::<_, u64>(keys.index(shard))
            .await
            .map_err(crate::engine::EngineError::from)?;
        all.extend(
            rows.into_iter()
                .filter_map(|(id, score)| Some((score, id.parse().ok()?))),
        );
    }
    all.sort_by(|a, b| b.cmp(a));
    Ok((
        all.into_iter().take(limit).map(|(_, id)| id).collect(),
        total,
    ))
}
