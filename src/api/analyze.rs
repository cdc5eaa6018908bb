//! `POST /artifacts/analyze`: validate, then one atomic `submit` call that
//! answers from the cache, attaches to a running analysis, or queues a job.

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi, param::Path};

use super::ApiTags;
use super::access::Auth;
use super::models::{AnalyzeRequest, JobView};
use super::problem::ApiError;
use super::result_schema::{CachedResult, ResultJson};
use super::state::AppState;
use crate::analysis::ArtifactKind;
use crate::analysis::cache_key::analysis_inputs;
use crate::engine::{EventType, Submission, Submitted};
use crate::metrics;

pub struct AnalyzeApi;

#[derive(ApiResponse)]
enum AnalyzeResponse {
    /// The job: `queued` for new content, `completed` at once for a cache hit,
    /// or the job already analysing identical content.
    #[oai(status = 200)]
    Ok(Json<JobView>),
}

#[derive(ApiResponse)]
enum CachedResponse {
    /// The cached `{result, markdown}` for this content hash.
    #[oai(status = 200)]
    Ok(Json<CachedResult>),
}

#[OpenApi]
impl AnalyzeApi {
    /// Submit an artifact for analysis.
    #[oai(
        path = "/artifacts/analyze",
        operation_id = "analyze",
        method = "post",
        tag = "ApiTags::Artifacts"
    )]
    async fn analyze(
        &self,
        state: poem::web::Data<&AppState>,
        _auth: Auth,
        body: Json<AnalyzeRequest>,
    ) -> Result<AnalyzeResponse, ApiError> {
        let req = body.0;
        // A refusal is counted by the guard, with poem's own (api/guard.rs).
        let kind = validate(&req, state.max_content_size)?;
        let metadata = req.metadata.unwrap_or_default();
        let inputs = analysis_inputs(&req.content, kind, metadata.spec.as_deref());
        let metadata = metadata.stored_json();
        let sub = Submission {
            content: &req.content,
            content_type: kind.as_str(),
            metadata: &metadata,
            inputs: &inputs,
        };
        let (submitted, snapshot) = state.fns.submit(sub).await?;
        match submitted {
            Submitted::Queued(_) => {
                metrics::submission("cache_miss");
                metrics::events(EventType::Queued, 1);
            }
            Submitted::Cached(_) => {
                metrics::submission("cache_hit");
                metrics::events(EventType::CacheHit, 1);
            }
            Submitted::Attached(_) => metrics::submission("single_flight"),
        }
        let ttl_s = i64::try_from(state.fns.ttls.snapshot_s(snapshot.status)).unwrap_or(i64::MAX);
        let expires_in = match submitted {
            // A job already waiting or running: its TTL was last set when
            // it last changed (each transition refreshes it).
            Submitted::Attached(_) => {
                let age_s = (crate::clock::now_ms() - snapshot.updated_at).max(0) / 1000;
                (ttl_s - age_s).max(0)
            }
            Submitted::Queued(_) | Submitted::Cached(_) => ttl_s,
        };
        Ok(AnalyzeResponse::Ok(Json(JobView::from_snapshot(
            &snapshot, expires_in,
        ))))
    }

    /// The cached result for a content hash, if any (lets clients skip a submission).
    #[oai(
        path = "/artifacts/:content_hash",
        operation_id = "get_cached_result",
        method = "get",
        tag = "ApiTags::Artifacts"
    )]
    async fn cached(
        &self,
        state: poem::web::Data<&AppState>,
        _auth: Auth,
        /// SHA-256 of the content, hex.
        #[oai(validator(pattern = r"^[0-9a-fA-F]{64}$"))]
        content_hash: Path<String>,
    ) -> Result<CachedResponse, ApiError> {
        let hash = content_hash.0.to_ascii_lowercase();
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ApiError::bad_request(
                "INVALID_CONTENT_HASH",
                "expected a hex SHA-256 (64 characters)",
            ));
        }
        match state.fns.cached(&hash).await? {
            Some(mut entry) => Ok(CachedResponse::Ok(Json(CachedResult {
                result: ResultJson(entry["result"].take()),
                markdown: entry["markdown"].as_str().unwrap_or_default().to_string(),
            }))),
            None => Err(ApiError::not_found(
                "NOT_CACHED",
                format!("no cached result for {hash}"),
            )),
        }
    }
}

/// Checks the request; returns the artifact kind to record.
fn validate(req: &AnalyzeRequest, max: usize) -> Result<ArtifactKind, ApiError> {
    if req.content.len() > max {
        return Err(ApiError::too_large(format!(
            "content is {} bytes; the limit (MAX_CONTENT_SIZE) is {max}",
            req.content.len()
        )));
    }
    // The companion spec is analysed too: the same limit holds for it.
    let spec = req.metadata.as_ref().and_then(|m| m.spec.as_deref());
    if let Some(spec) = spec.filter(|s| s.len() > max) {
        return Err(ApiError::too_large(format!(
            "metadata.spec is {} bytes; the limit (MAX_CONTENT_SIZE) is {max}",
            spec.len()
        )));
    }
    // A byte order mark alone is no content either (`trim` keeps U+FEFF).
    if req
        .content
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .is_empty()
    {
        return Err(ApiError::unprocessable("EMPTY_CONTENT", "content is empty"));
    }
    if looks_binary(&req.content) {
        return Err(ApiError::unsupported(
            "BINARY_CONTENT",
            "content looks binary; send the artifact as UTF-8 text",
        ));
    }
    if spec.is_some_and(looks_binary) {
        return Err(ApiError::unsupported(
            "BINARY_CONTENT",
            "metadata.spec looks binary; send the spec as UTF-8 text",
        ));
    }
    // The seed's clients send one spelling or the other; two that disagree
    // would have one silently ignored.
    if let (Some(snake), Some(camel)) = (&req.content_type, &req.content_type_camel)
        && snake != camel
    {
        return Err(ApiError::unprocessable(
            "CONFLICTING_CONTENT_TYPE",
            format!("content_type {snake:?} and contentType {camel:?} disagree; send one of them"),
        ));
    }
    let name = req
        .content_type
        .as_deref()
        .or(req.content_type_camel.as_deref())
        .unwrap_or("auto");
    ArtifactKind::parse(name).ok_or_else(|| {
        ApiError::unprocessable(
            "UNKNOWN_CONTENT_TYPE",
            format!("content_type {name:?} is not one of markdown, openapi-yaml, openapi-json, architecture, auto"),
        )
    })
}

/// A NUL byte anywhere (the analyser refuses those; a scan of the whole
/// text costs microseconds), or a high share of control characters in the
/// first 8 KiB, means a binary file.
fn looks_binary(content: &str) -> bool {
    let sample = &content.as_bytes()[..content.len().min(8192)];
    let control = sample
        .iter()
        .filter(|&&b| b < 0x09 || (0x0e..0x20).contains(&b))
        .count();
    memchr::memchr(0, content.as_bytes()).is_some() || control * 10 > sample.len()
}
