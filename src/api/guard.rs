//! The request guard every call passes through, in order: a request id (in
//! the response and the request's tracing span), the API key check, the rate
//! limit (not on the public paths: probes, metrics, the spec), the body size
//! limit (declared or chunked, refused before the body is read whole) and the
//! budget for bodies held at once, then the operation; errors become
//! problem+json and every request is counted in the metrics.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::{BoxStream, StreamExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Body, Endpoint, IntoResponse, Request, Response};
use tracing::Instrument;

use super::access::Gate;
use super::problem::{self, ApiError};
use super::route_table::{RouteTable, method_label};
use super::stream_limits::ClientId;
use crate::clock::OncePerSecond;

pub const REQUEST_ID: &str = "x-request-id";

pub struct Guard {
    pub gate: Arc<Gate>,
    /// Largest request body in bytes.
    pub body_limit: usize,
    /// How long the body may take to arrive once the head has.
    pub body_timeout: std::time::Duration,
    /// The known path templates: `Allow` headers and metric labels.
    pub routes: RouteTable,
    /// KiB of request bodies held in memory at once, by all requests.
    pub body_budget: Arc<Semaphore>,
}

/// Bodies of the largest size the server holds at once: without a bound,
/// a hundred clients sending large bodies slowly held 600 MB.
pub const LARGEST_BODIES_AT_ONCE: usize = 16;

/// How much of a refused body is read and dropped after the answer (see
/// `Guard::drain`); past it, or past the body's time
/// (`HTTP_BODY_TIMEOUT_MS`), the connection closes.
const DRAIN_BYTES: usize = 64 << 20;

/// What the client still sends of a body.
type BodyStream = BoxStream<'static, std::io::Result<bytes::Bytes>>;

impl Guard {
    pub async fn call<E: Endpoint>(&self, ep: Arc<E>, req: Request) -> poem::Result<Response> {
        let request_id = request_id(&req);
        let (method, path) = (req.method().clone(), req.uri().path().to_string());
        let span = tracing::info_span!("request", %request_id, %method, %path);
        let began = Instant::now();
        let mut resp = self.handle(ep, req).instrument(span.clone()).await;
        let status = resp.status().as_u16();
        span.in_scope(|| {
            // While Redis is out of reach every request (and probe) is a
            // 503: one line a second says so; other 5xx are each logged.
            static UNAVAILABLE_LOG: OncePerSecond = OncePerSecond::new();
            if status == 503 {
                if UNAVAILABLE_LOG.ready() {
                    tracing::warn!(status, "request failed (503s logged at most once a second)");
                }
            } else if status >= 500 {
                tracing::warn!(status, "request failed");
            } else {
                tracing::debug!(status, "request done");
            }
        });
        let route = self.routes.label(&path);
        crate::metrics::http_request(
            method_label(&method),
            route,
            status,
            began.elapsed().as_secs_f64(),
        );
        if method == Method::POST && route == ANALYZE && refuses_submission(status) {
            crate::metrics::submission_rejected();
        }
        if let Ok(value) = request_id.parse() {
            resp.headers_mut().insert(REQUEST_ID, value);
        }
        if resp.status() == StatusCode::METHOD_NOT_ALLOWED
            && let Some(allow) = self.routes.allow(&path).and_then(|m| m.parse().ok())
        {
            resp.headers_mut().insert("allow", allow);
        }
        Ok(resp)
    }

    async fn handle<E: Endpoint>(&self, ep: Arc<E>, mut req: Request) -> Response {
        let began = Instant::now();
        let authorization = req.header("authorization").map(str::to_string);
        let ip = req
            .remote_addr()
            .as_socket_addr()
            .map_or_else(|| "ip:unknown".to_string(), |a| format!("ip:{}", a.ip()));
        let rate_limited =
            |wait: Duration| ApiError::rate_limited(wait.as_secs_f64().ceil().max(1.0) as u64);
        let client =
            match self
                .gate
                .authenticate(req.method(), req.uri().path(), authorization.as_deref())
            {
                Ok(Some(key)) => key,
                Ok(None) => ip,
                // A refused key counts against its address, so guessing
                // keys is throttled like any other traffic from there.
                Err(e) => {
                    let resp = match self.gate.admit(req.uri().path(), &ip) {
                        Ok(()) => e.into_response(),
                        Err(wait) => rate_limited(wait).into_response(),
                    };
                    return self.refuse_unread(req, resp, began);
                }
            };
        if let Err(wait) = self.gate.admit(req.uri().path(), &client) {
            return self.refuse_unread(req, rate_limited(wait).into_response(), began);
        }
        req.extensions_mut().insert(ClientId(client));
        // Refused by its declared length before any budget is taken for it.
        if let Some(declared) = declared_length(&req).filter(|n| *n > self.body_limit as u64) {
            let resp = self.too_large(Some(declared)).into_response();
            return self.refuse_unread(req, resp, began);
        }
        // Held until the answer is ready: the body lives as long.
        let held = match self.reserve_body(&req) {
            Ok(held) => held,
            Err(e) => return self.refuse_unread(req, e.into_response(), began),
        };
        match tokio::time::timeout(self.body_timeout, self.read_body(&mut req)).await {
            Ok(Ok(None)) => {}
            Ok(Ok(Some(rest))) => {
                drop(held); // nothing of it is kept
                let resp = self.too_large(None).into_response();
                return self.drain(rest, resp, began);
            }
            Ok(Err(e)) => return e.into_response(),
            Err(_) => return body_timed_out(self.body_timeout),
        }
        let resp = match ep.call(req).await {
            Ok(resp) => resp.into_response(),
            Err(err) => error_response(err),
        };
        drop(held);
        resp
    }

    /// The 413 for a body of `declared` bytes, or (chunked) one found to
    /// run past the limit while it was read.
    fn too_large(&self, declared: Option<u64>) -> ApiError {
        let limit = self.body_limit;
        ApiError::too_large(match declared {
            Some(size) => format!(
                "request body is {size} bytes; the limit is {limit} bytes (MAX_CONTENT_SIZE plus \
                 the JSON envelope)"
            ),
            None => format!(
                "request body runs past the limit of {limit} bytes (MAX_CONTENT_SIZE plus the \
                 JSON envelope)"
            ),
        })
    }

    /// Answers `resp` to a request refused before its body was read. A
    /// client that sends its whole body before it reads the answer (no
    /// `Expect: 100-continue`: Python's urllib and requests, most scripts)
    /// would find its connection reset mid-upload and never see the answer,
    /// so the rest of the body is read and dropped meanwhile (`drain`); a
    /// client that waits for `100 Continue` has sent nothing, and is told
    /// the answer without being asked for the body.
    fn refuse_unread(&self, mut req: Request, resp: Response, began: Instant) -> Response {
        let has_body = declared_length(&req).is_some_and(|n| n > 0)
            || req.headers().contains_key(header::TRANSFER_ENCODING);
        if !has_body {
            return resp;
        }
        if expects_continue(&req) {
            return closing(resp);
        }
        let rest = req.take_body().into_bytes_stream().boxed();
        self.drain(rest, resp, began)
    }

    /// Answers `resp` at once, and closes the connection once what the
    /// client still sends of the refused body has been read and dropped in
    /// the background (up to `DRAIN_BYTES`, within `HTTP_BODY_TIMEOUT_MS` of
    /// the request, as any body), none of it held: closing with unread data
    /// would reset the connection under a client still sending.
    fn drain(&self, mut rest: BodyStream, resp: Response, began: Instant) -> Response {
        let within = self.body_timeout.saturating_sub(began.elapsed());
        let read = async move {
            let mut seen = 0;
            while let Some(Ok(chunk)) = rest.next().await {
                seen += chunk.len();
                if seen > DRAIN_BYTES {
                    return false;
                }
            }
            true
        };
        tokio::spawn(async move {
            if !matches!(tokio::time::timeout(within, read).await, Ok(true)) {
                tracing::debug!("a refused body was not read to its end");
            }
        });
        closing(resp)
    }

    /// Takes room in the budget for this request's body: its declared
    /// length, or the whole limit for a chunked body. A full
    /// budget is a 503 at once rather than a wait, so that slow senders
    /// cannot make everyone else wait behind them.
    fn reserve_body(&self, req: &Request) -> Result<Option<OwnedSemaphorePermit>, ApiError> {
        if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
            return Ok(None);
        }
        // Without Content-Length or Transfer-Encoding the body is empty
        // (RFC 9112 §6.3), as for most DELETEs.
        let chunked = req.headers().contains_key(header::TRANSFER_ENCODING);
        let bytes = match declared_length(req) {
            Some(n) => usize::try_from(n)
                .unwrap_or(usize::MAX)
                .min(self.body_limit),
            None if chunked => self.body_limit,
            None => 0,
        };
        if bytes == 0 {
            return Ok(None);
        }
        let kib = u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX);
        match self.body_budget.clone().try_acquire_many_owned(kib) {
            Ok(permit) => Ok(Some(permit)),
            Err(_) => Err(ApiError::busy(
                "SERVER_BUSY",
                "the server is receiving too many request bodies at once; retry shortly",
            )),
        }
    }

    /// Reads the body, up to the limit: a body that passes it is cut off
    /// there, and what the client still sends is returned to be drained.
    async fn read_body(&self, req: &mut Request) -> Result<Option<BodyStream>, ApiError> {
        if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
            return Ok(None);
        }
        let limit = self.body_limit;
        let expected = declared_length(req).map_or(0, |n| n.min(limit as u64) as usize);
        let mut stream = req.take_body().into_bytes_stream().boxed();
        let mut body = bytes::BytesMut::with_capacity(expected);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::bad_request("BAD_BODY", format!("cannot read the request body: {e}"))
            })?;
            if body.len() + chunk.len() > limit {
                return Ok(Some(stream));
            }
            body.extend_from_slice(&chunk);
        }
        // The seed (FastAPI) read a body sent without Content-Type as JSON,
        // and its clients may rely on that; every body this API takes is JSON.
        if !body.is_empty() && !req.headers().contains_key(header::CONTENT_TYPE) {
            req.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        req.set_body(Body::from_bytes(body.freeze()));
        Ok(None)
    }
}

/// The body's declared length (`Content-Length`), if any.
fn declared_length(req: &Request) -> Option<u64> {
    req.header("content-length").and_then(|v| v.parse().ok())
}

/// `resp` with the connection closed after it.
fn closing(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// The client sent `Expect: 100-continue`: it waits for the go-ahead before
/// it sends the body.
fn expects_continue(req: &Request) -> bool {
    req.header(header::EXPECT)
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
}

/// Submissions are counted as rejected here, where every answer passes:
/// poem refuses a malformed or mistyped body (400, 415) before the handler
/// runs, and this guard a too large one (413). Who may call (401, 403) and
/// how often (429) say nothing about the submission itself.
const ANALYZE: &str = "/artifacts/analyze";

fn refuses_submission(status: u16) -> bool {
    (400..500).contains(&status) && !matches!(status, 401 | 403 | 429)
}

/// 408 for a body slower than `HTTP_BODY_TIMEOUT_MS` (a slow-body attack
/// or a stalled client); the connection is closed, its rest unread.
fn body_timed_out(limit: std::time::Duration) -> Response {
    let mut resp = ApiError::RequestTimeout(poem_openapi::payload::Json(problem::Problem::new(
        StatusCode::REQUEST_TIMEOUT,
        "REQUEST_TIMEOUT",
        format!(
            "the request body did not arrive within {} ms (HTTP_BODY_TIMEOUT_MS)",
            limit.as_millis()
        ),
    )))
    .into_response();
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// The caller's `x-request-id` when it is a sane token, else a new ULID.
pub(super) fn request_id(req: &Request) -> String {
    req.header(REQUEST_ID)
        .filter(|id| {
            (1..=128).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map_or_else(|| ulid::Ulid::generate().to_string(), str::to_string)
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
