//! The metric catalogue: every name, its help text, and the label values it
//! starts with. Everything is registered at start, at zero, so a series
//! exists before its first event and the first `rate()` sees the jump.
//! Labels are bounded sets: never a job id or content hash.

use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};

use crate::engine::EventType;

pub const SUBMISSIONS: &str = "faultline_submissions_total";
pub const CACHE_LOOKUPS: &str = "faultline_cache_lookups_total";
pub const JOBS: &str = "faultline_jobs_total";
pub const FINDINGS: &str = "faultline_findings_total";
pub const EVENTS: &str = "faultline_events_total";
pub const REFUSALS: &str = "faultline_refusals_total";
pub const WORKER_ERRORS: &str = "faultline_worker_errors_total";
pub const REDIS_ERRORS: &str = "faultline_redis_errors_total";
pub const HTTP_REQUESTS: &str = "faultline_http_requests_total";
pub const API_KEY_RELOADS: &str = "faultline_api_key_reloads_total";
pub const API_KEYS_RELOADED: &str = "faultline_api_keys_last_reload_successful";

pub const HTTP_DURATION: &str = "faultline_http_request_duration_seconds";
pub const REDIS_DURATION: &str = "faultline_redis_command_duration_seconds";
pub const QUEUE_WAIT: &str = "faultline_job_queue_wait_seconds";
pub const RUN_TIME: &str = "faultline_job_run_seconds";
pub const END_TO_END: &str = "faultline_job_end_to_end_seconds";
pub const ANALYSIS: &str = "faultline_analysis_duration_seconds";
pub const STEP: &str = "faultline_analysis_step_duration_seconds";

pub const WORKER_SLOTS: &str = "faultline_worker_slots";
pub const WORKER_BUSY: &str = "faultline_worker_busy_slots";
pub const WORK_LAG: &str = "faultline_work_lag";
pub const WORK_PENDING: &str = "faultline_work_pending";
pub const OLDEST_PENDING: &str = "faultline_work_oldest_pending_age_seconds";
pub const PENDING_IDLE: &str = "faultline_work_pending_max_idle_seconds";
pub const STREAM_LENGTH: &str = "faultline_stream_length";
pub const DELAYED: &str = "faultline_delayed_retries";
pub const BUILD_INFO: &str = "faultline_build_info";
pub const VISIBILITY_TIMEOUT: &str = "faultline_visibility_timeout_seconds";

pub const SUBMISSION_OUTCOMES: [&str; 4] = ["cache_hit", "cache_miss", "single_flight", "rejected"];
/// `invalid`: failed because the analyser found the content invalid (the
/// client's error); `failed` and `dead_lettered` count the other failures.
pub const JOB_OUTCOMES: [&str; 7] = [
    "completed",
    "failed",
    "dead_lettered",
    "retried",
    "reclaimed",
    "cancelled",
    "invalid",
];
/// `applied`; `invalid`: the file could not be read or has a bad entry;
/// `refused`: it holds no key while keys are in force.
pub const API_KEY_RELOAD_OUTCOMES: [&str; 3] = ["applied", "invalid", "refused"];
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];
pub const STEPS: [&str; 3] = ["normalizing", "running_heuristics", "synthesizing"];
pub const STREAMS: [&str; 3] = ["work", "dead", "feed"];
/// The Lua functions called through `Functions::fcall` and the plain reads
/// timed with `metrics::timed`: the `command` label of the Redis metrics.
pub const REDIS_CALLS: [&str; 19] = [
    "fl_submit",
    "fl_submit_many",
    "fl_start",
    "fl_take",
    "fl_progress",
    "fl_heartbeat",
    "fl_complete",
    "fl_complete_many",
    "fl_fail",
    "fl_cancel",
    "fl_feedback",
    "fl_maintain",
    "fl_prune_consumers",
    "get_snapshot",
    "get_head",
    "get_heads",
    "get_cache",
    "get_artifacts",
    "read_events",
];
/// The statuses of `HTTP_REQUESTS` created at zero for every route.
pub const HTTP_STATUSES_AT_START: [&str; 2] = ["500", "503"];
/// `finish`: recording an attempt's outcome gave up; `maintain`:
/// `fl_maintain` and `fl_prune_consumers`; `reclaim`: taking over entries
/// (`XAUTOCLAIM`, and a worker's own after a lost reply).
const WORKER_OPERATIONS: [&str; 7] = [
    "read", "start", "complete", "fail", "finish", "maintain", "reclaim",
];

pub(super) fn describe() {
    describe_counter!(
        SUBMISSIONS,
        "Artifact submissions by outcome (cache_hit, cache_miss, single_flight, rejected)."
    );
    describe_counter!(
        CACHE_LOOKUPS,
        "Cache lookups at submission by result (hit, miss); hit ratio = hit / all."
    );
    describe_counter!(
        JOBS,
        "Job outcomes seen by this process (completed, failed, dead_lettered, retried, reclaimed, cancelled; invalid: failed on content the analyser found invalid, not counted as failed or dead_lettered)."
    );
    describe_counter!(FINDINGS, "Findings of completed analyses by severity.");
    describe_counter!(EVENTS, "Job events appended by this process, by type.");
    describe_counter!(
        REFUSALS,
        "Transitions refused by the Lua functions, by code."
    );
    describe_counter!(
        WORKER_ERRORS,
        "Worker calls to Redis that failed, by operation (read, start, complete, fail; finish: recording an outcome gave up; maintain: promoting retries, pruning the index and stopped workers' consumers; reclaim: taking over entries)."
    );
    describe_counter!(
        REDIS_ERRORS,
        "Failed Redis calls (timeouts, connection loss, errors), by function or read."
    );
    describe_counter!(HTTP_REQUESTS, "HTTP requests by method, route and status.");
    describe_counter!(
        API_KEY_RELOADS,
        "Reloads of FAULTLINE_API_KEYS_FILE (on SIGHUP or a change), by outcome (applied; invalid, refused: the keys in force stay)."
    );
    describe_gauge!(
        API_KEYS_RELOADED,
        "0 while the last reload of FAULTLINE_API_KEYS_FILE was not applied (the keys in force are older than the file), else 1."
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "HTTP request latency by route."
    );
    describe_histogram!(
        REDIS_DURATION,
        Unit::Seconds,
        "Latency of Redis calls from this client, by function or read."
    );
    describe_histogram!(
        QUEUE_WAIT,
        Unit::Seconds,
        "Time from queued to the first attempt starting (retried and reclaimed attempts are not recorded: their wait would include earlier attempts)."
    );
    describe_histogram!(
        RUN_TIME,
        Unit::Seconds,
        "Time from an attempt starting to the job completing."
    );
    describe_histogram!(
        END_TO_END,
        Unit::Seconds,
        "Time from queued to a terminal state, by outcome."
    );
    describe_histogram!(
        ANALYSIS,
        Unit::Seconds,
        "Time spent in the analyser per attempt."
    );
    describe_histogram!(STEP, Unit::Seconds, "Time spent in each analysis step.");
    describe_gauge!(
        WORKER_SLOTS,
        "Analyses this worker process may run at once (WORKER_CONCURRENCY)."
    );
    describe_gauge!(
        WORKER_BUSY,
        "Attempts this worker process holds now: analysing, or recording the outcome of their analysis (at most WORKER_CONCURRENCY)."
    );
    describe_gauge!(
        WORK_LAG,
        "Work entries not yet delivered to any worker, per shard (XINFO GROUPS lag, or XLEN minus pending when Redis reports none)."
    );
    describe_gauge!(
        WORK_PENDING,
        "Work entries delivered but not yet acknowledged, per shard (XPENDING)."
    );
    describe_gauge!(
        OLDEST_PENDING,
        Unit::Seconds,
        "Time since the oldest unacknowledged work entry was queued (its stream id), per shard: its queue wait plus its run so far. Not what reclaim goes by (see faultline_work_pending_max_idle_seconds)."
    );
    describe_gauge!(
        PENDING_IDLE,
        Unit::Seconds,
        "Longest time an unacknowledged work entry has gone unclaimed by its worker (XPENDING idle: no heartbeat), per shard; reclaimed past the visibility timeout."
    );
    describe_gauge!(
        STREAM_LENGTH,
        "Entries in the work, dead-letter and feed streams, per shard."
    );
    describe_gauge!(DELAYED, "Retries waiting for their backoff, per shard.");
    describe_gauge!(
        VISIBILITY_TIMEOUT,
        Unit::Seconds,
        "VISIBILITY_TIMEOUT_MS: idle time after which a pending entry is reclaimed."
    );
    describe_gauge!(
        BUILD_INFO,
        "Always 1; the version label says which build runs."
    );
}

/// Creates every known series at zero (but the worker slot gauges, which
/// the worker creates: a process without one has no slots to show).
pub(super) fn register(shards: u16) {
    for outcome in SUBMISSION_OUTCOMES {
        counter!(SUBMISSIONS, "outcome" => outcome).absolute(0);
    }
    for result in ["hit", "miss"] {
        counter!(CACHE_LOOKUPS, "result" => result).absolute(0);
    }
    for outcome in JOB_OUTCOMES {
        counter!(JOBS, "outcome" => outcome).absolute(0);
    }
    for outcome in API_KEY_RELOAD_OUTCOMES {
        counter!(API_KEY_RELOADS, "outcome" => outcome).absolute(0);
    }
    gauge!(API_KEYS_RELOADED).set(1.0);
    for severity in SEVERITIES {
        counter!(FINDINGS, "severity" => severity).absolute(0);
    }
    for kind in EventType::ALL {
        counter!(EVENTS, "type" => kind.as_str()).absolute(0);
    }
    for code in crate::engine::error::REFUSAL_CODES {
        counter!(REFUSALS, "code" => code).absolute(0);
    }
    for operation in WORKER_OPERATIONS {
        counter!(WORKER_ERRORS, "operation" => operation).absolute(0);
    }
    for function in REDIS_CALLS {
        counter!(REDIS_ERRORS, "command" => function).absolute(0);
        let _ = histogram!(REDIS_DURATION, "command" => function);
    }
    let _ = histogram!(QUEUE_WAIT);
    let _ = histogram!(RUN_TIME);
    let _ = histogram!(ANALYSIS);
    for outcome in ["completed", "failed"] {
        let _ = histogram!(END_TO_END, "outcome" => outcome);
    }
    for step in STEPS {
        let _ = histogram!(STEP, "step" => step);
    }
    for shard in 0..shards {
        set_shard_gauges(shard, 0.0);
    }
    gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
}

/// Sets every queue gauge of `shard` (those the sampler reads) to `value`.
pub(super) fn set_shard_gauges(shard: u16, value: f64) {
    let shard = shard.to_string();
    for name in [
        WORK_LAG,
        WORK_PENDING,
        OLDEST_PENDING,
        PENDING_IDLE,
        DELAYED,
    ] {
        gauge!(name, "shard" => shard.clone()).set(value);
    }
    for stream in STREAMS {
        gauge!(STREAM_LENGTH, "stream" => stream, "shard" => shard.clone()).set(value);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The names the source hands `Functions::fcall*` and `metrics::timed`,
    /// read from the files under `dir`.
    fn called(dir: &std::path::Path, re: &regex::Regex, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                called(&path, re, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                found.extend(re.captures_iter(&text).map(|c| c[1].to_string()));
            }
        }
    }

    /// Each Redis call's series are created at start: a call missing from
    /// `REDIS_CALLS` would have none until its first use (`fl_heartbeat`
    /// and `fl_prune_consumers` did), and one listed but never made
    /// would be a series that never moves.
    #[test]
    fn every_timed_redis_call_is_registered_and_every_registered_one_is_made() {
        // `fcall(`, `fcall::<T>(`, `fcall_on(`, `fcall_after(` or `timed(`,
        // then arguments (one level of parentheses) up to a string literal.
        let re = regex::Regex::new(
            r#"\b(?:fcall\w*(?:::<[^>]*>)?|timed)\((?:[^()"]|\([^()]*\))*?"([a-z_]+)""#,
        )
        .unwrap();
        let mut found = BTreeSet::new();
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        called(&src, &re, &mut found);
        let registered: BTreeSet<String> =
            super::REDIS_CALLS.iter().map(|c| c.to_string()).collect();
        assert!(
            found.contains("fl_heartbeat"),
            "the scan finds calls: {found:?}"
        );
        assert_eq!(found, registered);
    }

    /// The same for the worker errors' `operation` label: every name the
    /// worker counts under is created at start, and only those.
    #[test]
    fn every_worker_operation_counted_is_registered_and_every_registered_one_is_counted() {
        let re = regex::Regex::new(
            r#"\b(?:worker_error|with_retry|report_error|upkeep_failed)\(\s*"([a-z_]+)""#,
        )
        .unwrap();
        let mut found = BTreeSet::new();
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        called(&src, &re, &mut found);
        let registered: BTreeSet<String> = super::WORKER_OPERATIONS
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(found, registered);
    }
}
