//! The HTTP server loop: the poem endpoint served by hyper's HTTP/1
//! connection, which poem's own `Server` does not let us configure. What we
//! need from it is the request-head deadline (`HTTP_HEADER_TIMEOUT_MS`): a
//! client that opens a connection and sends its request line and headers
//! slowly, or nothing at all (slowloris), is disconnected when it passes,
//! and so is a keep-alive connection idle that long. Bodies have their own
//! deadline in the request guard (`HTTP_BODY_TIMEOUT_MS`, 408).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use poem::http::uri::Scheme;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Endpoint, EndpointExt, IntoEndpoint, Request, Response};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Serves `ep` on `listener` until `shutdown`, then lets open requests finish
/// for up to `grace` (open event streams end on the same token).
pub async fn serve<E>(
    listener: TcpListener,
    ep: E,
    header_timeout: Duration,
    shutdown: CancellationToken,
    grace: Duration,
) where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    let ep = Arc::new(ep.into_endpoint().map_to_response());
    let local = match listener.local_addr() {
        Ok(addr) => LocalAddr(addr.into()),
        Err(e) => {
            tracing::error!(error = %e, "http listener has no address");
            return;
        }
    };
    let connections = TaskTracker::new();
    loop {
        let (stream, remote) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: do not spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let (ep, local, remote) = (ep.clone(), local.clone(), RemoteAddr(remote.into()));
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let ep = ep.clone();
            let req = Request::from((req, local.clone(), remote.clone(), Scheme::HTTP));
            async move {
                let resp: Response = ep.get_response(req).await;
                Ok::<hyper::Response<BoxBody<Bytes, std::io::Error>>, Infallible>(resp.into())
            }
        });
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let stop = shutdown.clone();
        connections.spawn(async move {
            tokio::pin!(conn);
            let result = tokio::select! {
                r = conn.as_mut() => r,
                _ = stop.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = result {
                tracing::debug!(error = %e, "http connection closed");
            }
        });
    }
    connections.close();
    if tokio::time::timeout(grace, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!("http connections still open after the grace period; dropping them");
    }
}
