//! `/metrics` on `METRICS_PORT` for a process without the HTTP API (a
//! standalone `faultline worker`), so every process can be scraped.

use metrics_exporter_prometheus::PrometheusHandle;
use poem::listener::TcpListener;
use poem::{EndpointExt, Route, get, handler, web::Data};
use tokio_util::sync::CancellationToken;

/// Binds `host:port` and serves until `shutdown`; returns the bound port.
pub async fn start(
    host: &str,
    port: u16,
    handle: PrometheusHandle,
    shutdown: CancellationToken,
) -> anyhow::Result<(u16, tokio::task::JoinHandle<()>)> {
    use anyhow::Context;
    use poem::listener::{Acceptor, Listener};
    let acceptor = TcpListener::bind(format!("{host}:{port}"))
        .into_acceptor()
        .await
        .with_context(|| format!("cannot listen on {host}:{port} (HOST/METRICS_PORT)"))?;
    let bound = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().map(|s| s.port()))
        .unwrap_or(port);
    tracing::info!(port = bound, "metrics listening");
    let task = tokio::spawn(async move {
        let app = Route::new().at("/metrics", get(render)).data(handle);
        let result = poem::Server::new_with_acceptor(acceptor)
            .run_with_graceful_shutdown(app, async move { shutdown.cancelled().await }, None)
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "metrics server stopped");
        }
    });
    Ok((bound, task))
}

#[handler]
fn render(handle: Data<&PrometheusHandle>) -> String {
    handle.render()
}
