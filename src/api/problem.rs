//! One error shape everywhere: RFC 9457 problem+json with a stable `code`.
//! Operations return `Result<_, ApiError>`, so every error status is in the
//! spec; errors raised outside operations (malformed bodies, unknown routes)
//! are converted by `problem_from_poem` into the same shape.

use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use crate::engine::EngineError;

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Object)]
pub struct Problem {
    /// A URI naming the problem type (`about:blank` style codes under /problems/).
    #[oai(rename = "type")]
    pub kind: String,
    /// Short human summary of the problem type.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// Stable machine-readable code, e.g. `JOB_NOT_FOUND`.
    pub code: String,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Problem {
            kind: format!(
                "https://faultline.dev/problems/{}",
                code.to_ascii_lowercase().replace('_', "-")
            ),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_string(),
        }
    }
}

/// Every error an operation can answer.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request is malformed (bad JSON, bad job id, job not finished).
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// An API key is required for this operation, or the one sent is not valid.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>, #[oai(header = "WWW-Authenticate")] String),
    /// Refused across origins: the browser's `Origin` is not in
    /// `CORS_ALLOWED_ORIGINS` (`ORIGIN_NOT_ALLOWED`), or its preflight asks
    /// for a method or header this API does not allow
    /// (`CORS_METHOD_NOT_ALLOWED`, `CORS_HEADERS_NOT_ALLOWED`).
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// No such job (unknown or expired).
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// The request body did not arrive within `HTTP_BODY_TIMEOUT_MS`
    /// (`REQUEST_TIMEOUT`); the connection is closed.
    #[oai(status = 408, content_type = "application/problem+json")]
    RequestTimeout(Json<Problem>),
    /// The transition is not allowed in the job's state.
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// The artifact is larger than `MAX_CONTENT_SIZE`.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The artifact is binary, not text.
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// The request is well-formed but its values are not acceptable.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// The `Host` is not a name this server answers for (`HOST_NOT_ALLOWED`:
    /// list it in `ALLOWED_HOSTS`), as a page that rebound its DNS name to
    /// this server would send.
    #[oai(status = 421, content_type = "application/problem+json")]
    Misdirected(Json<Problem>),
    /// Too many requests from this key (or address); retry after the given seconds.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>, #[oai(header = "Retry-After")] String),
    /// `UNDECRYPTABLE`: stored data this server cannot decrypt (encrypted
    /// under a key the server lacks, `FAULTLINE_ENCRYPTION_OLD_KEYS`, or
    /// altered); `INTERNAL`: a reply from Redis this server cannot read
    /// (see the server log). Retrying does not help.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// Redis is unreachable, full or failing over (`REDIS_UNAVAILABLE`), every event stream slot is
    /// taken, or the server holds its budget of request bodies (`SERVER_BUSY`); retry after the given
    /// seconds.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>, #[oai(header = "Retry-After")] String),
}

pub const RETRY_AFTER_SECONDS: &str = "2";

impl ApiError {
    pub fn bad_request(code: &str, detail: impl Into<String>) -> Self {
        ApiError::BadRequest(Json(Problem::new(StatusCode::BAD_REQUEST, code, detail)))
    }
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        ApiError::Unauthorized(
            Json(Problem::new(
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                detail,
            )),
            "Bearer".to_string(),
        )
    }
    pub fn rate_limited(retry_after_s: u64) -> Self {
        ApiError::TooManyRequests(
            Json(Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                format!("request rate limit reached; retry in {retry_after_s}s"),
            )),
            retry_after_s.to_string(),
        )
    }
    /// 429 for a per-client allowance other than the request rate.
    pub fn too_many(code: &str, detail: impl Into<String>) -> Self {
        ApiError::TooManyRequests(
            Json(Problem::new(StatusCode::TOO_MANY_REQUESTS, code, detail)),
            RETRY_AFTER_SECONDS.to_string(),
        )
    }
    pub fn forbidden(code: &str, detail: impl Into<String>) -> Self {
        ApiError::Forbidden(Json(Problem::new(StatusCode::FORBIDDEN, code, detail)))
    }
    pub fn misdirected(detail: impl Into<String>) -> Self {
        ApiError::Misdirected(Json(Problem::new(
            StatusCode::MISDIRECTED_REQUEST,
            "HOST_NOT_ALLOWED",
            detail,
        )))
    }
    pub fn not_found(code: &str, detail: impl Into<String>) -> Self {
        ApiError::NotFound(Json(Problem::new(StatusCode::NOT_FOUND, code, detail)))
    }
    pub fn conflict(code: &str, detail: impl Into<String>) -> Self {
        ApiError::Conflict(Json(Problem::new(StatusCode::CONFLICT, code, detail)))
    }
    pub fn too_large(detail: impl Into<String>) -> Self {
        ApiError::PayloadTooLarge(Json(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "CONTENT_TOO_LARGE",
            detail,
        )))
    }
    pub fn unsupported(code: &str, detail: impl Into<String>) -> Self {
        ApiError::UnsupportedMediaType(Json(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code,
            detail,
        )))
    }
    pub fn unprocessable(code: &str, detail: impl Into<String>) -> Self {
        ApiError::Unprocessable(Json(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            detail,
        )))
    }
    /// 503 for a full server-side resource other than Redis.
    pub fn busy(code: &str, detail: impl Into<String>) -> Self {
        ApiError::Unavailable(
            Json(Problem::new(StatusCode::SERVICE_UNAVAILABLE, code, detail)),
            RETRY_AFTER_SECONDS.to_string(),
        )
    }
    pub fn unavailable(detail: impl Into<String>) -> Self {
        ApiError::Unavailable(
            Json(Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "REDIS_UNAVAILABLE",
                detail,
            )),
            RETRY_AFTER_SECONDS.to_string(),
        )
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match &e {
            EngineError::Unavailable(cause) => {
                log_unavailable(cause);
                if e.is_wrong_server() {
                    ApiError::unavailable("the job store is failing over; retry shortly")
                } else if cause.contains("(OOM") {
                    ApiError::unavailable("the job store is full; retry later")
                } else {
                    ApiError::unavailable("the job store is unreachable; retry shortly")
                }
            }
            EngineError::Refused { code, detail } if code == "NO_SUCH_JOB" => {
                // The detail is `job=<id>`: said as the other 404s say it,
                // without the engine's refusal code.
                let id = detail.strip_prefix("job=").unwrap_or(detail);
                ApiError::not_found(
                    "JOB_NOT_FOUND",
                    format!("job {id} is unknown or has expired"),
                )
            }
            EngineError::Refused { code, .. } => ApiError::conflict(code, e.to_string()),
            EngineError::Undecryptable(why) => {
                tracing::error!(error = %why, "stored data cannot be decrypted");
                ApiError::Internal(Json(Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "UNDECRYPTABLE",
                    why.to_string(),
                )))
            }
            // A reply this build cannot read, a denied command, a library
            // fault: retrying would not change it.
            _ => {
                tracing::error!(error = %e, "engine error");
                ApiError::Internal(Json(Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL",
                    "the job store answered unexpectedly; the server log has the details"
                        .to_string(),
                )))
            }
        }
    }
}

/// Converts an error raised outside an operation (body parsing, routing,
/// size limits) into problem+json.
pub fn problem_from_poem(err: &poem::Error) -> Problem {
    let status = err.status();
    if let Some(code) = parameter_code(err) {
        // A path error's own text names poem's internal `param0`.
        let detail = match err.downcast_ref::<poem_openapi::error::ParsePathError>() {
            Some(path) => format!("invalid path parameter: {}", path.reason),
            None => err.to_string(),
        };
        return Problem::new(StatusCode::BAD_REQUEST, code, detail);
    }
    let code = match status {
        StatusCode::NOT_FOUND => "ROUTE_NOT_FOUND",
        StatusCode::UNAUTHORIZED => "UNAUTHORIZED",
        StatusCode::METHOD_NOT_ALLOWED => "METHOD_NOT_ALLOWED",
        StatusCode::PAYLOAD_TOO_LARGE => "CONTENT_TOO_LARGE",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UNSUPPORTED_MEDIA_TYPE",
        s if s.is_client_error() => "BAD_REQUEST",
        _ => "INTERNAL",
    };
    let detail = if status.is_server_error() {
        "internal error".to_string()
    } else {
        err.to_string()
    };
    Problem::new(status, code, detail)
}

/// The stable code of a malformed parameter. Path parameters are reported
/// by poem-openapi without their name, so a job id is told by its type.
fn parameter_code(err: &poem::Error) -> Option<&'static str> {
    use poem_openapi::error::{ParseParamError, ParsePathError};
    if let Some(path) = err.downcast_ref::<ParsePathError>() {
        let job_id = path.reason.contains(super::params::JOB_ID_TYPE);
        return Some(if job_id {
            "INVALID_JOB_ID"
        } else {
            "INVALID_CONTENT_HASH"
        });
    }
    Some(match err.downcast_ref::<ParseParamError>()?.name {
        "cursor" => "INVALID_CURSOR",
        "after" | "Last-Event-ID" => "INVALID_EVENT_ID",
        "content_hash" => "INVALID_CONTENT_HASH",
        _ => "INVALID_PARAMETER",
    })
}

/// Logs why requests get 503s: at most once a second, so an outage does not
/// flood the log (every request fails the same way).
fn log_unavailable(cause: &str) {
    static GATE: crate::clock::OncePerSecond = crate::clock::OncePerSecond::new();
    if GATE.ready() {
        tracing::warn!(cause, "answering 503: the job store is unavailable");
    }
}
