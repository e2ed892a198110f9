//! Prompt playback: prompts decoded from bytes into shared, immutable [`Prompt`]s at the
//! call's rate, a cache that lets every call playing one prompt share its samples, and the
//! per-call [`Player`] queue.

mod cache;
mod decode;
mod error;
mod player;
mod prompt;

pub use cache::{CacheStats, PromptCache};
pub use decode::{DecodeLimits, PromptFormat, PromptInfo};
pub use error::PlaybackError;
pub use player::{
    EVENT_CAPACITY, GAIN_RANGE_DB, InterruptReason, MAX_QUEUED_PROMPTS, PlayOptions, PlaybackEvent,
    PlaybackId, Player,
};
pub use prompt::Prompt;
