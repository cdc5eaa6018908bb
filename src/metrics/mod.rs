//! Prometheus metrics through the `metrics` facade. Counters, not gauges,
//! for everything that happens (submissions, cache lookups, job outcomes),
//! so rates and ratios (cache hit rate above all) come out right in Grafana.
//! The catalogue is `names.rs`; `sampler.rs` turns Redis state (lag,
//! pending, stream lengths) into gauges; `server.rs` serves `/metrics` for
//! processes without the API; `buckets.rs` sizes the histograms.

mod buckets;
mod names;
pub mod sampler;
pub mod server;
mod steps;

use std::sync::OnceLock;
use std::time::Instant;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::analysis::{Report, Severity};
use crate::engine::EventType;
pub use names::*;
pub use steps::StepTimer;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the recorder once per process, registers every series at zero
/// (per shard for the per-shard gauges) and returns the handle `/metrics`
/// renders.
pub fn install(shards: u16) -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let handle = buckets::configure(PrometheusBuilder::new())
                .expect("static buckets are valid")
                .install_recorder()
                .expect("no other metrics recorder is installed");
            names::describe();
            names::register(shards);
            handle
        })
        .clone()
}

/// The reclaim threshold, so alerts compare pending ages with it.
pub fn visibility_timeout(seconds: f64) {
    gauge!(VISIBILITY_TIMEOUT).set(seconds);
}

/// A submission refused for its request (invalid body, content or size).
pub fn submission_rejected() {
    counter!(SUBMISSIONS, "outcome" => "rejected").increment(1);
}

/// An accepted submission: `cache_hit`, `cache_miss` (queued) or
/// `single_flight` (attached to the analysis of identical content).
pub fn submission(outcome: &'static str) {
    counter!(SUBMISSIONS, "outcome" => outcome).increment(1);
    let result = if outcome == "cache_hit" {
        "hit"
    } else {
        "miss"
    };
    counter!(CACHE_LOOKUPS, "result" => result).increment(1);
}

/// One of [`JOB_OUTCOMES`].
pub fn job(outcome: &'static str) {
    counter!(JOBS, "outcome" => outcome).increment(1);
}

/// One of [`API_KEY_RELOAD_OUTCOMES`].
pub fn api_key_reload(outcome: &'static str) {
    counter!(API_KEY_RELOADS, "outcome" => outcome).increment(1);
    gauge!(API_KEYS_RELOADED).set(if outcome == "applied" { 1.0 } else { 0.0 });
}

pub fn events(kind: EventType, n: u64) {
    counter!(EVENTS, "type" => kind.as_str()).increment(n);
}

pub fn refusal(code: &str) {
    counter!(REFUSALS, "code" => code.to_string()).increment(1);
}

pub fn worker_error(operation: &'static str) {
    counter!(WORKER_ERRORS, "operation" => operation).increment(1);
}

pub fn analysis_duration(seconds: f64) {
    histogram!(ANALYSIS).record(seconds);
}

pub fn queue_wait(seconds: f64) {
    histogram!(QUEUE_WAIT).record(seconds);
}

pub fn run_time(seconds: f64) {
    histogram!(RUN_TIME).record(seconds);
}

/// Queued to terminal; `outcome` is `completed` or `failed`.
pub fn end_to_end(outcome: &'static str, seconds: f64) {
    histogram!(END_TO_END, "outcome" => outcome).record(seconds);
}

/// Counts a completed analysis's findings by severity.
pub fn findings(report: &Report) {
    for f in &report.result.findings {
        let severity = match f.severity {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        };
        counter!(FINDINGS, "severity" => severity).increment(1);
    }
}

/// A Redis function call's latency, and an error count when it failed.
pub fn redis_call(function: &str, began: Instant, ok: bool) {
    let function = function.to_string();
    histogram!(REDIS_DURATION, "command" => function.clone()).record(began.elapsed().as_secs_f64());
    if !ok {
        counter!(REDIS_ERRORS, "command" => function).increment(1);
    }
}

/// Times a plain Redis read (function calls are timed in `Functions::fcall`).
pub async fn timed<T>(
    command: &'static str,
    call: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> redis::RedisResult<T> {
    let began = Instant::now();
    let reply = call.await;
    redis_call(command, began, reply.is_ok());
    reply
}

/// The worker's capacity and the slots in use (worker processes only).
pub fn worker_slots(capacity: usize, busy: usize) {
    gauge!(WORKER_SLOTS).set(capacity as f64);
    gauge!(WORKER_BUSY).set(busy as f64);
}

/// Creates, at zero, the error series of each (method, route) the API
/// answers: `HTTP_STATUSES_AT_START`, so the first 5xx is a jump `rate()`
/// sees. Other statuses (and the latency histograms) appear with their
/// first request: every route × status would be hundreds of series.
pub fn http_routes<'a>(operations: impl IntoIterator<Item = (&'a str, &'a str)>) {
    for (method, route) in operations {
        for status in HTTP_STATUSES_AT_START {
            counter!(HTTP_REQUESTS, "method" => method.to_string(), "route" => route.to_string(), "status" => status)
                .increment(0);
        }
    }
}

/// `method` and `route` must come from bounded sets (the standard methods,
/// the route templates): they are labels.
pub fn http_request(method: &'static str, route: &str, status: u16, seconds: f64) {
    counter!(HTTP_REQUESTS, "method" => method, "route" => route.to_string(), "status" => status.to_string())
        .increment(1);
    histogram!(HTTP_DURATION, "route" => route.to_string()).record(seconds);
}
