//! The receive path's jitter handling: how long to hold packets before playing them.
//!
//! - [`delay`]: [`DelayEstimator`], the target playout delay from measured arrival jitter
//!   (a forgetting histogram of relative delays and a high quantile of it, over a sliding
//!   minimum that follows sender clock drift).

pub mod delay;

pub use delay::{DelayConfig, DelayEstimator};
