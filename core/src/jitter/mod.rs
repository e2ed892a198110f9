//! The receive path's jitter handling: how long to hold packets before playing them.
//!
//! - [`buffer`]: [`JitterBuffer`], the playout engine: decodes each packet when its turn
//!   comes, conceals what is missing, and holds the delay on target by time stretching.
//! - [`delay`]: [`DelayEstimator`], the target playout delay from measured arrival jitter
//!   (a forgetting histogram of relative delays and a high quantile of it, over a sliding
//!   minimum that follows sender clock drift).
//! - [`store`]: [`PacketStore`], received packets waiting for playout in extended RTP
//!   timestamp order, bounded in count and size and allocated once.

pub mod buffer;
mod config;
pub mod delay;
pub mod store;

pub use buffer::JitterBuffer;
pub use config::{JitterConfig, JitterMode, JitterStats, PacketKind};
pub use delay::{DelayConfig, DelayEstimator};
pub use store::{Insert, PacketStore, StoredPacket};

#[cfg(test)]
mod prop_buffer;
#[cfg(test)]
mod tests_buffer;
