//! What runs in front of the request guard: the `Host` check (DNS
//! rebinding). A request refused here never reaches the guard, so its
//! answer gets the guard's parts here: problem+json, the request id, and a
//! count in the request metrics.

use std::sync::Arc;
use std::time::Instant;

use poem::http::{Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

use super::guard::REQUEST_ID;
use super::problem::Problem;
use super::route_table::{RouteTable, method_label};
use crate::config::AllowedHosts;

pub struct Edge {
    pub hosts: AllowedHosts,
    pub routes: RouteTable,
}

/// What a refusal needs of the request it refuses.
struct Seen {
    method: Method,
    path: String,
    request_id: String,
    began: Instant,
}

impl Seen {
    fn of(req: &Request) -> Self {
        Seen {
            method: req.method().clone(),
            path: req.uri().path().to_string(),
            request_id: request_id(req),
            began: Instant::now(),
        }
    }
}

impl Edge {
    /// Answers only requests for an allowed `Host` (`ALLOWED_HOSTS`): a page
    /// that rebinds its DNS name to this server's address would otherwise
    /// be same-origin with it. 421 Misdirected Request otherwise. A request
    /// without `Host` (HTTP/1.0) is no browser's, and is served.
    pub async fn host<E: Endpoint>(&self, ep: Arc<E>, req: Request) -> poem::Result<Response> {
        let host = match req.headers().get(header::HOST) {
            // Not text: no name of ours.
            Some(value) => Some(value.to_str().unwrap_or("")),
            None => req.uri().authority().map(|a| a.as_str()),
        };
        if let Some(host) = host
            && !self.hosts.allows(host)
        {
            static LOG: crate::clock::OncePerSecond = crate::clock::OncePerSecond::new();
            if LOG.ready() {
                tracing::info!(
                    host = %host.chars().take(100).collect::<String>(),
                    "refused a request for a host name not in ALLOWED_HOSTS"
                );
            }
            let shown: String = host.chars().take(100).collect();
            return Ok(self.refuse(
                &Seen::of(&req),
                StatusCode::MISDIRECTED_REQUEST,
                "HOST_NOT_ALLOWED",
                format!(
                    "this server does not answer for the host {shown:?}: list the name in \
                     ALLOWED_HOSTS to serve it"
                ),
            ));
        }
        ep.call(req).await.map(IntoResponse::into_response)
    }

    fn refuse(&self, seen: &Seen, status: StatusCode, code: &str, detail: String) -> Response {
        let problem = Problem::new(status, code, detail);
        let body = serde_json::json!({
            "type": problem.kind, "title": problem.title, "status": problem.status,
            "detail": problem.detail, "code": problem.code,
        });
        crate::metrics::http_request(
            method_label(&seen.method),
            self.routes.label(&seen.path),
            status.as_u16(),
            seen.began.elapsed().as_secs_f64(),
        );
        Response::builder()
            .status(status)
            .content_type("application/problem+json")
            .header(REQUEST_ID, seen.request_id.as_str())
            .body(body.to_string())
    }
}

/// The caller's `x-request-id` when it is a sane token, else a new ULID
/// (as the guard does for the requests it sees).
fn request_id(req: &Request) -> String {
    req.header(REQUEST_ID)
        .filter(|id| {
            (1..=128).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map_or_else(|| ulid::Ulid::generate().to_string(), str::to_string)
}
