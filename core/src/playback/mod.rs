//! Prompt playback: prompts decoded from bytes into shared, immutable [`Prompt`]s at the
//! call's rate, a cache that lets every call playing one prompt share its samples, and the
//! per-call [`Player`] queue.

mod error;
mod prompt;

pub use error::PlaybackError;
pub use prompt::Prompt;
