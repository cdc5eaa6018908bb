//! The HTTP API (poem-openapi): one `#[OpenApi]` struct per resource, the
//! spec served at `/openapi.json` and Swagger UI at `/docs`, Prometheus
//! metrics at `/metrics`, and problem+json for every error.

// Operations return poem-openapi response enums by value, as the framework
// expects; boxing them would only hide the statuses from the spec.
#![allow(clippy::result_large_err)]

mod analyze;
mod events;
mod feedback;
mod health;
mod jobs;
pub(crate) mod listing;
pub mod models;
pub mod problem;
pub mod replay;
pub mod state;

use std::time::Instant;

use poem::http::StatusCode;
use poem::middleware::Cors;
use poem::{Endpoint, EndpointExt, IntoResponse, Response, Route, get, handler};
use poem_openapi::{OpenApiService, Tags};

pub use state::AppState;

#[derive(Tags)]
enum ApiTags {
    /// Submit artifacts and read cached results.
    Artifacts,
    /// Job status, results, listings, event logs, cancellation and feedback.
    Jobs,
    /// Liveness and readiness.
    Health,
    /// Time travel through a job's event log.
    Replay,
}

type Apis = (
    analyze::AnalyzeApi,
    jobs::JobsApi,
    events::EventsApi,
    feedback::FeedbackApi,
    health::HealthApi,
    replay::ReplayApi,
);

/// The OpenAPI service (also used by `faultline openapi`).
pub fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            analyze::AnalyzeApi,
            jobs::JobsApi,
            events::EventsApi,
            feedback::FeedbackApi,
            health::HealthApi,
            replay::ReplayApi,
        ),
        "Faultline",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Production-readiness analysis of engineering artifacts, on an event-sourced job engine.",
    )
}

/// The committed spec text (`openapi/openapi.json`) as this binary serves it.
pub fn spec_json() -> String {
    service().spec()
}

/// The whole HTTP surface.
pub fn routes(state: AppState) -> impl Endpoint {
    let api = service();
    let docs = api.swagger_ui();
    let spec = api.spec_endpoint();
    // Room for the JSON envelope around the largest accepted artifact.
    let body_limit = state.max_content_size * 2 + 64 * 1024;
    Route::new()
        .nest("/ui", crate::ui::routes())
        .nest("/", api)
        .nest("/docs", docs)
        .at("/openapi.json", spec)
        .at("/metrics", get(metrics))
        .around(crate::ui::index)
        .with(Cors::new())
        .data(state)
        .around(move |ep, req| async move {
            let (method, route) = (req.method().to_string(), route_label(req.uri().path()));
            let began = Instant::now();
            let resp = match refuse_oversized(&req, body_limit) {
                Some(err) => problem_response(&err),
                None => match ep.call(req).await {
                    Ok(resp) => resp.into_response(),
                    Err(err) => error_response(err),
                },
            };
            crate::metrics::http_request(
                &method,
                &route,
                resp.status().as_u16(),
                began.elapsed().as_secs_f64(),
            );
            Ok(resp)
        })
}

/// Refuses a body whose declared length is over the limit before reading it.
fn refuse_oversized(req: &poem::Request, limit: usize) -> Option<poem::Error> {
    let declared = req.header("content-length")?.parse::<usize>().ok()?;
    (declared > limit).then(|| {
        poem::Error::from_string(
            format!("request body is {declared} bytes; the limit is {limit} (MAX_CONTENT_SIZE plus the JSON envelope)"),
            StatusCode::PAYLOAD_TOO_LARGE,
        )
    })
}

/// Operations' own errors already are problem+json (with headers such as
/// Retry-After): keep them. Anything else raised by poem (body parsing,
/// routing) is rewritten into the same shape.
fn error_response(err: poem::Error) -> Response {
    let fallback = problem_response(&err);
    let resp = err.into_response();
    let is_problem = resp
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_problem { resp } else { fallback }
}

fn problem_response(err: &poem::Error) -> Response {
    let problem = problem::problem_from_poem(err);
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::json!({
        "type": problem.kind, "title": problem.title, "status": problem.status,
        "detail": problem.detail, "code": problem.code,
    });
    Response::builder()
        .status(status)
        .content_type("application/problem+json")
        .body(body.to_string())
}

/// A low-cardinality route label for metrics (ids replaced by `{id}`).
fn route_label(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if seg.len() >= 26 && seg.bytes().all(|b| b.is_ascii_alphanumeric()) {
                "{id}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[handler]
fn metrics(state: poem::web::Data<&AppState>) -> String {
    state.metrics.render()
}
