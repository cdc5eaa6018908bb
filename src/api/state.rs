//! What every handler shares.

use metrics_exporter_prometheus::PrometheusHandle;

use crate::engine::Functions;

#[derive(Clone)]
pub struct AppState {
    pub fns: Functions,
    pub max_content_size: usize,
    pub metrics: PrometheusHandle,
}
