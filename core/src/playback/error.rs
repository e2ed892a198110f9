//! What can go wrong while decoding or playing a prompt.

use thiserror::Error;

/// Errors from prompt decoding and the player.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PlaybackError {
    /// Samples handed to [`Prompt::from_samples`](super::Prompt::from_samples) do not fit the
    /// stated layout.
    #[error("prompt of {len} samples is not a whole number of {channels}-channel frames")]
    NotInterleaved {
        /// Samples given.
        len: usize,
        /// Channels stated.
        channels: u16,
    },
    /// A prompt's rate or channel count is not one the engine plays.
    #[error("prompt layout {sample_rate} Hz x {channels} channels is not supported: {reason}")]
    UnsupportedLayout {
        /// Rate stated.
        sample_rate: u32,
        /// Channels stated.
        channels: u16,
        /// What is allowed.
        reason: &'static str,
    },
}
