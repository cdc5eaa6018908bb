//! Prometheus metrics through the `metrics` facade. Counters, not gauges,
//! for everything that happens (events, submissions, cache lookups), so
//! rates and ratios (cache hit rate above all) come out right in Grafana.

use std::sync::OnceLock;

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::engine::EventType;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the recorder once per process and returns the handle `/metrics` renders.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let seconds = &[
                0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
            ];
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), seconds)
                .expect("static buckets are valid")
                .install_recorder()
                .expect("no other metrics recorder is installed");
            describe();
            zero_init();
            handle
        })
        .clone()
}

fn describe() {
    describe_counter!(
        "faultline_submissions_total",
        "Artifact submissions by outcome (queued, cached, attached)."
    );
    describe_counter!(
        "faultline_cache_lookups_total",
        "Cache lookups at submission by result (hit, miss)."
    );
    describe_counter!(
        "faultline_events_total",
        "Job events appended by this process, by type."
    );
    describe_counter!(
        "faultline_refusals_total",
        "Transitions refused by the Lua functions, by code."
    );
    describe_counter!(
        "faultline_worker_errors_total",
        "Worker errors talking to Redis, by operation."
    );
    describe_counter!(
        "faultline_http_requests_total",
        "HTTP requests by method, route and status."
    );
    describe_histogram!(
        "faultline_http_request_duration_seconds",
        "HTTP request latency by route."
    );
    describe_histogram!(
        "faultline_analysis_duration_seconds",
        "Time spent in the analyser per attempt."
    );
    describe_histogram!(
        "faultline_job_duration_seconds",
        "Time from queued to a terminal state, by outcome."
    );
    describe_gauge!(
        "faultline_work_lag",
        "Work entries not yet delivered to any worker, per shard (XINFO GROUPS lag)."
    );
    describe_gauge!(
        "faultline_work_pending",
        "Work entries delivered but not yet acknowledged, per shard."
    );
}

/// Known label sets start at 0, so the first increment shows up in `rate()`.
fn zero_init() {
    for outcome in ["queued", "cached", "attached"] {
        counter!("faultline_submissions_total", "outcome" => outcome).absolute(0);
    }
    for result in ["hit", "miss"] {
        counter!("faultline_cache_lookups_total", "result" => result).absolute(0);
    }
    for kind in EventType::ALL {
        counter!("faultline_events_total", "type" => kind.as_str()).absolute(0);
    }
    for code in [
        "STALE_ATTEMPT",
        "JOB_TERMINAL",
        "NOT_OWNER",
        "INVALID_TRANSITION",
        "NO_SUCH_JOB",
    ] {
        counter!("faultline_refusals_total", "code" => code).absolute(0);
    }
    for operation in ["read", "start", "progress", "complete", "fail"] {
        counter!("faultline_worker_errors_total", "operation" => operation).absolute(0);
    }
}

pub fn submission(outcome: &'static str) {
    counter!("faultline_submissions_total", "outcome" => outcome).increment(1);
    let result = if outcome == "cached" { "hit" } else { "miss" };
    counter!("faultline_cache_lookups_total", "result" => result).increment(1);
}

pub fn events(kind: EventType, n: u64) {
    counter!("faultline_events_total", "type" => kind.as_str()).increment(n);
}

pub fn refusal(code: &str) {
    counter!("faultline_refusals_total", "code" => code.to_string()).increment(1);
}

pub fn worker_error(operation: &'static str) {
    counter!("faultline_worker_errors_total", "operation" => operation).increment(1);
}

pub fn analysis_duration(seconds: f64) {
    histogram!("faultline_analysis_duration_seconds").record(seconds);
}

pub fn job_duration(outcome: &'static str, seconds: f64) {
    histogram!("faultline_job_duration_seconds", "outcome" => outcome).record(seconds);
}

pub fn http_request(method: &str, route: &str, status: u16, seconds: f64) {
    counter!("faultline_http_requests_total", "method" => method.to_string(), "route" => route.to_string(), "status" => status.to_string())
        .increment(1);
    histogram!("faultline_http_request_duration_seconds", "route" => route.to_string())
        .record(seconds);
}

/// Queue depth of one shard, sampled by the workers' upkeep loop.
pub fn work_queue(shard: u16, lag: u64, pending: u64) {
    gauge!("faultline_work_lag", "shard" => shard.to_string()).set(lag as f64);
    gauge!("faultline_work_pending", "shard" => shard.to_string()).set(pending as f64);
}
