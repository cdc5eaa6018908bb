//! What every handler shares.

use std::sync::Arc;

use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::stream_limits::ClientStreams;
use crate::config::Settings;
use crate::engine::Functions;

/// Shared behind an `Arc`: poem clones the state into every request.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub fns: Functions,
    pub max_content_size: usize,
    pub metrics: PrometheusHandle,
    /// One permit per open event stream (each holds a Redis connection).
    pub event_streams: Arc<Semaphore>,
    /// Open event streams per client (`MAX_EVENT_STREAMS_PER_CLIENT`).
    pub client_streams: Arc<ClientStreams>,
    /// How long a request body may take to arrive (`HTTP_BODY_TIMEOUT_MS`).
    pub body_timeout: Duration,
    /// Cancelled at shutdown: open event streams end instead of holding it up.
    pub shutdown: CancellationToken,
    /// The last `/readyz` answer, reused for a second.
    pub readiness: super::health::ReadinessCache,
}

impl AppState {
    pub fn new(
        fns: Functions,
        settings: &Settings,
        metrics: PrometheusHandle,
        shutdown: CancellationToken,
    ) -> Self {
        AppState(Arc::new(Shared {
            fns,
            max_content_size: settings.max_content_size,
            metrics,
            event_streams: Arc::new(Semaphore::new(settings.max_event_streams)),
            client_streams: ClientStreams::new(settings.max_event_streams_per_client),
            body_timeout: settings.body_timeout,
            shutdown,
            readiness: Default::default(),
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}
