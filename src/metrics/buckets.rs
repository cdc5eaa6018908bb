//! Histogram buckets, per kind of duration: the top bucket must sit above
//! the longest value the metric can take, or its quantiles read as the top
//! bucket's bound however long things really took.

use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder};

use super::names::*;

/// HTTP and Redis calls: milliseconds, a minute at most.
const CALLS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Analyses and their steps: up to ANALYSIS_TIMEOUT_MS (120 s by default)
/// and a margin for a raised one.
const ANALYSES: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
];

/// Waits in the queue and whole jobs: a backlog or retries' backoffs add
/// minutes or hours, up to a day (EVENT_RETENTION's default, how long a
/// waiting job is kept).
const JOBS: &[f64] = &[
    0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0,
    3600.0, 7200.0, 21600.0, 86400.0,
];

pub(super) fn configure(builder: PrometheusBuilder) -> Result<PrometheusBuilder, BuildError> {
    let mut builder = builder.set_buckets(CALLS)?;
    for (name, buckets) in [
        (ANALYSIS, ANALYSES),
        (STEP, ANALYSES),
        (RUN_TIME, ANALYSES),
        (QUEUE_WAIT, JOBS),
        (END_TO_END, JOBS),
    ] {
        builder = builder.set_buckets_for_metric(Matcher::Full(name.into()), buckets)?;
    }
    Ok(builder)
}
