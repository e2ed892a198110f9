//! Startup and shutdown: bind the control listener, open the folders, start the shards, serve
//! until a signal, then complete recordings and release endpoints before the HTTP server stops.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
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
    /// The media or recordings folder cannot be created or opened.
    #[error("cannot use the {what} folder {}: {source}", .path.display())]
    Folder {
        /// `media` or `recordings`.
        what: &'static str,
        /// The configured path.
        path: std::path::PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// Serving HTTP failed.
    #[error("HTTP server failed: {0}")]
    Serve(io::Error),
    /// The control API would listen beyond this machine with no bearer token to check.
    #[error(
        "refusing to listen on {addr} without a bearer token: anyone who reaches it could \
         control calls; set MEDIACORE_TOKEN (or --token), or listen on a loopback address"
    )]
    TokenRequired {
        /// The address the API would listen on.
        addr: SocketAddr,
    },
}

/// Runs the server until `shutdown` completes, then releases every endpoint.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    if !config.listen.ip().is_loopback() && config.token.as_deref().is_none_or(str::is_empty) {
        return Err(ServerError::TokenRequired {
            addr: config.listen,
        });
    }
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
    serve(listener, config, shutdown).await
}

/// Serves the control API on `listener` (already bound) until `shutdown` completes.
///
/// On shutdown every recording is completed and every endpoint released first (the event
/// streams see the `recording_done` and `endpoint_closed` events, then end), and only then
/// does the HTTP server stop. Tests start the server in-process this way on port 0.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let local = listener
        .local_addr()
        .map_err(|source| ServerError::Listen {
            addr: config.listen,
            source,
        })?;
    let token = api::auth::Token::from_config(config.token.as_deref());
    if !local.ip().is_loopback() && token.is_none() {
        return Err(ServerError::TokenRequired { addr: local });
    }
    let endpoints = Arc::new(Endpoints::start(&config, MediaClock::new())?);
    info!(
        address = %local,
        rtp_bind = %config.rtp_bind,
        rtp_ports = %config.rtp_ports,
        shards = config.shards,
        tick_ms = config.tick_ms,
        media = %endpoints.prompts().folder().root().display(),
        recordings = %endpoints.recordings().folder().root().display(),
        "mediacore-server listening on http://{local}"
    );
    let (released, http_stop) = oneshot::channel::<()>();
    let closing = endpoints.clone();
    tokio::spawn(async move {
        shutdown.await;
        info!("completing recordings, releasing endpoints and stopping shards");
        closing.shutdown().await;
        let _ = released.send(());
    });
    let app = api::auth::protect(api::router(endpoints.clone()), token);
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = http_stop.await;
        })
        .await
        .map_err(ServerError::Serve);
    // Already done after a signal; needed when serving failed.
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
