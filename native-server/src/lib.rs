//! `mediacore-server`: the native media server. It adds to the sans-IO core exactly what the
//! core must not have: UDP sockets for RTP, a clock, and files (prompts and recordings), all
//! driven over an HTTP/JSON control API with a WebSocket event stream.
//!
//! - [`config`]: flags and environment variables with embedded defaults.
//! - [`api`]: the axum routes; [`error`]: their JSON errors.
//! - [`endpoint`]: RTP ports, receive tasks and the endpoint registry.
//! - [`media`]: the media and recordings folders, confined names, the shared prompt cache.
//! - [`sdp`]: SDP offer/answer for endpoints (codecs, payload types, rtcp-mux, hold).
//! - [`events`]: session events as JSON for the event stream.
//! - [`shard`]: media workers, each driving its sessions from one drift-free tick.
//! - [`clock`]: the server clock as core [`mediacore::Instant`]s.
//! - [`server`]: startup, serving and graceful shutdown.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod api;
pub mod clock;
pub mod config;
pub mod endpoint;
pub mod error;
pub mod events;
pub mod media;
pub mod sdp;
pub mod server;
pub mod shard;

pub use config::Config;
pub use server::{ServerError, run, serve, shutdown_signal};
