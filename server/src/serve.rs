//! The accept loop. `axum::serve` gives connections no timer, so a client
//! that sends its request headers one byte a minute holds a connection (and
//! its memory) forever; here every connection must finish its headers within
//! [`HEADER_READ_TIMEOUT`]. Stopping drains in-flight requests for at most
//! [`DRAIN_DEADLINE`], so a stuck request cannot keep a rollout waiting.

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// How long a client may take to send a request's headers. hyper counts an
/// idle kept-alive connection's wait for its next request too, so this is
/// also how long an idle connection stays open.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long in-flight requests may run on after a stop was asked for.
pub const DRAIN_DEADLINE: Duration = Duration::from_secs(20);

/// Serves `router` on `listener` until `shutdown` resolves, then drains.
pub async fn serve(listener: TcpListener, router: Router, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, typically: wait rather than spin.
                    tracing::warn!(error = %error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Responses are small and often streamed (live updates): send at once.
        let _ = stream.set_nodelay(true);
        // Who is on the other end, for what anonymous callers may cause (failed
        // sign-ins are coalesced per source): axum's `ConnectInfo` reads it.
        let with_peer = router.clone().map_request(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(with_peer));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client going away mid-request is its business, not an error of ours.
            if let Err(error) = connection.await {
                tracing::debug!(error = %error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_DEADLINE, graceful.shutdown()).await.is_err() {
        tracing::warn!(deadline_seconds = DRAIN_DEADLINE.as_secs(), "requests still running at the drain deadline were cut off");
    }
    Ok(())
}
