//! Startup and shutdown: bind the control listener, start the shards, serve until a signal.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use tokio::net::TcpListener;
use tracing::{info, warn};

use crate::api;
use crate::clock::MediaClock;
use crate::config::Config;
use crate::endpoint::Endpoints;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The control API address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The configured address.
        addr: SocketAddr,
        /// The operating system's reason.
        source: io::Error,
    },
    /// RTP sockets cannot be bound on the configured address.
    #[error("cannot bind RTP sockets on {addr}: {source}")]
    RtpBind {
        /// The configured RTP bind address.
        addr: IpAddr,
        /// The operating system's reason.
        source: io::Error,
    },
    /// Serving HTTP failed.
    #[error("HTTP server failed: {0}")]
    Serve(io::Error),
}

/// Runs the server until `shutdown` completes, then releases every endpoint.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    // Fail at startup, not at the first request, when the RTP address is not usable.
    std::net::UdpSocket::bind((config.rtp_bind, 0)).map_err(|source| ServerError::RtpBind {
        addr: config.rtp_bind,
        source,
    })?;
    let listener =
        TcpListener::bind(config.listen)
            .await
            .map_err(|source| ServerError::Listen {
                addr: config.listen,
                source,
            })?;
    let local = listener
        .local_addr()
        .map_err(|source| ServerError::Listen {
            addr: config.listen,
            source,
        })?;
    let endpoints = Arc::new(Endpoints::start(&config, MediaClock::new()));
    info!(
        address = %local,
        rtp_bind = %config.rtp_bind,
        rtp_ports = %config.rtp_ports,
        shards = config.shards,
        tick_ms = config.tick_ms,
        "mediacore-server listening on http://{local}"
    );
    let served = axum::serve(listener, api::router(endpoints.clone()))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(ServerError::Serve);
    info!("releasing endpoints and stopping shards");
    endpoints.shutdown().await;
    served
}

/// Completes on Ctrl-C (SIGINT) or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(e) => {
                warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => info!("Ctrl-C received, shutting down"),
        () = terminate => info!("SIGTERM received, shutting down"),
    }
}
