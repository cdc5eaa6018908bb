//! The HTTP API (poem-openapi): one `#[OpenApi]` struct per resource, the
//! spec served at `/openapi.json` and Swagger UI at `/docs`, Prometheus
//! metrics at `/metrics`, and problem+json for every error.

// Operations return poem-openapi response enums by value, as the framework
// expects; boxing them would only hide the statuses from the spec.
#![allow(clippy::result_large_err)]

mod access;
pub use access::{Gate, new_api_key};
mod analyze;
mod edge;
mod events;
mod feedback;
mod guard;
pub mod key_reload;
pub use guard::LARGEST_BODIES_AT_ONCE;
pub(crate) mod health;
mod jobs;
pub(crate) mod listing;
pub mod models;
mod params;
pub mod problem;
pub mod replay;
mod result_schema;
mod route_table;
pub mod server;
mod sse;
pub mod state;
pub mod stream_limits;
pub mod wire_types;

use std::sync::Arc;

use poem::http::{Method, header};
use poem::middleware::Cors;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get, handler};
use poem_openapi::{OpenApiService, Tags};

use guard::Guard;
use route_table::RouteTable;

use crate::config::Access;

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
    sse::with_item_schema(&service().spec())
}

/// The same spec as YAML (`openapi/openapi.yaml`).
pub fn spec_yaml() -> String {
    sse::with_item_schema(&service().spec_yaml())
}

/// `GET /openapi.json`.
#[poem::handler]
fn served_spec() -> poem::Response {
    static SPEC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    poem::Response::builder()
        .content_type("application/json; charset=utf-8")
        .body(SPEC.get_or_init(spec_json).as_str())
}

/// The whole HTTP surface. `gate` checks API keys and rate limits; the
/// caller keeps it to replace the keys (`key_reload`).
pub fn routes(state: AppState, access: &Access, gate: Arc<Gate>) -> impl Endpoint + use<> {
    let api = service();
    let docs = api.swagger_ui();
    let spec_value: serde_json::Value =
        serde_json::from_str(&api.spec()).expect("the spec is JSON");
    // Room for the largest accepted request: content and metadata.spec
    // of MAX_CONTENT_SIZE bytes each, as a client's JSON encoder may
    // write them (Python's json.dumps escapes non-ASCII text as \uXXXX,
    // up to 3 times its UTF-8 size), and the envelope. The byte limit
    // itself is checked on the decoded strings.
    let body_limit = state.max_content_size * 6 + 64 * 1024;
    let guard = Arc::new(Guard {
        gate: gate.clone(),
        routes: RouteTable::from_spec(&spec_value),
        body_limit,
        body_timeout: state.body_timeout,
        body_budget: Arc::new(tokio::sync::Semaphore::new(
            guard::LARGEST_BODIES_AT_ONCE * body_limit.div_ceil(1024),
        )),
    });
    crate::metrics::http_routes(guard.routes.operations());
    let edge = Arc::new(edge::Edge {
        hosts: access.allowed_hosts.clone(),
        routes: RouteTable::from_spec(&spec_value),
        cors: !access.cors_origins.is_empty(),
        docs_csp: edge::docs_policy(&api.swagger_ui_html()),
    });
    Route::new()
        .nest("/ui", crate::ui::routes())
        .nest("/", api)
        .nest("/docs", docs)
        .at("/openapi.json", get(served_spec))
        .at("/metrics", get(metrics))
        .around(crate::ui::index)
        .data(state)
        .around(move |ep, req| {
            let guard = guard.clone();
            async move { guard.call(ep, req).await }
        })
        .with_if(!access.cors_origins.is_empty(), cors(&access.cors_origins))
        .around({
            let edge = edge.clone();
            move |ep, req| {
                let edge = edge.clone();
                async move { edge.cors(ep, req).await }
            }
        })
        .around(not_cross_origin)
        .around(move |ep, req| {
            let reads_locked = gate.reads_locked();
            crate::ui::front(ep, req, reads_locked)
        })
        .around({
            let edge = edge.clone();
            move |ep, req| {
                let edge = edge.clone();
                async move { edge.host(ep, req).await }
            }
        })
        .around(move |ep, req| {
            let edge = edge.clone();
            async move { edge.headers(ep, req).await }
        })
}

/// Browsers send `Origin` on same-origin POSTs and DELETEs too (the web
/// UI's own): such a request is not cross-origin, so the CORS layer, which
/// refuses every origin it does not list, must not see its `Origin`. Same
/// origin means the same host and port as the request's `Host` (the scheme
/// is left out: TLS often ends at a proxy in front). `Host` is one this
/// server answers for (`edge::Edge::host` runs first), so a page whose
/// name was rebound to this server's address is not taken for its own.
async fn not_cross_origin<E: Endpoint>(ep: Arc<E>, mut req: Request) -> poem::Result<Response> {
    let value = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let origin_host =
        value(header::ORIGIN.as_str()).and_then(|o| o.split_once("://").map(|(_, h)| h));
    let own = origin_host
        .zip(value(header::HOST.as_str()))
        .is_some_and(|(origin, host)| origin.eq_ignore_ascii_case(host));
    if own {
        req.headers_mut().remove(header::ORIGIN);
    }
    ep.call(req).await.map(IntoResponse::into_response)
}

/// CORS for the configured origins only (none by default: same-origin).
/// `*` must be listed explicitly to allow every origin.
fn cors(origins: &[String]) -> Cors {
    let cors = Cors::new()
        .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
        .allow_headers([
            "content-type",
            "authorization",
            "last-event-id",
            guard::REQUEST_ID,
        ])
        .expose_headers([guard::REQUEST_ID, "retry-after"]);
    if origins.iter().any(|o| o == "*") {
        return cors;
    }
    cors.allow_origins(origins.iter().map(String::as_str))
}

#[handler]
fn metrics(state: poem::web::Data<&AppState>) -> String {
    state.metrics.render()
}
