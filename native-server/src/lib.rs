//! `mediacore-server`: the native media server. It adds to the sans-IO core exactly what the
//! core must not have: UDP sockets for RTP, a clock, and (later) files, all driven over an
//! HTTP/JSON control API.
//!
//! - [`config`]: flags and environment variables with embedded defaults.
//! - [`api`]: the axum routes; [`error`]: their JSON errors.
//! - [`endpoint`]: RTP ports, receive tasks and the endpoint registry.
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
pub mod server;
pub mod shard;

pub use config::Config;
pub use server::{ServerError, run, shutdown_signal};
