//! What can go wrong while decoding or playing a prompt.
//!
//! Decoding errors name the format that was found (`format`, as
//! [`PromptFormat::name`](super::PromptFormat::name) spells it, or `"Ogg"` before the codec
//! inside an Ogg file is known) and what was wrong with the file, so that an administrator
//! who uploaded it can fix it.

use core::time::Duration;

use thiserror::Error;

/// The formats prompts decode from, for messages.
const SUPPORTED_FORMATS: &str =
    "WAV (PCM, float, mu-law, A-law), MP3, FLAC, Ogg Vorbis or Ogg Opus";

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
    /// The file holds no bytes, or its audio decodes to no samples.
    #[error("{}", empty_message(.format))]
    Empty {
        /// The format found, or `None` for a file of no bytes.
        format: Option<&'static str>,
    },
    /// The file is larger than [`DecodeLimits::max_input_bytes`](super::DecodeLimits).
    #[error("prompt file of {bytes} bytes is larger than the {limit}-byte limit")]
    TooLarge {
        /// The file's size.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// The audio lasts longer than [`DecodeLimits::max_duration`](super::DecodeLimits);
    /// decoding stopped when it reached the limit.
    #[error("prompt audio is longer than the {} s limit", .limit.as_secs_f64())]
    TooLong {
        /// The limit.
        limit: Duration,
    },
    /// The content is not one of the formats prompts decode from.
    #[error("{}", unsupported_format_message(.detected, .hint))]
    UnsupportedFormat {
        /// What the content was recognised as (`"PNG image"`, `"MP4/M4A"`), if anything.
        detected: Option<&'static str>,
        /// The file extension the caller gave, if any.
        hint: Option<String>,
    },
    /// The container is supported but the codec inside it is not (ADPCM in WAV, AAC, MP2).
    #[error(
        "prompt codec {codec} is not supported; supported: PCM, float, mu-law and A-law in WAV, \
         MP3, FLAC, Vorbis and Opus"
    )]
    UnsupportedCodec {
        /// The codec found.
        codec: String,
    },
    /// The codec is supported but this stream's parameters are not (a sample rate out of
    /// range, more channels than the format allows, an Opus mapping not implemented).
    #[error("{format} prompt is not supported: {reason}")]
    UnsupportedAudio {
        /// The format found.
        format: &'static str,
        /// What is not supported.
        reason: String,
    },
    /// The file breaks its format's rules (bad header, checksum, packet).
    #[error("corrupt {format} prompt: {reason}")]
    Corrupt {
        /// The format found.
        format: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The file ends before what its headers announce (a cut download or copy).
    #[error("truncated {format} prompt: {reason}")]
    Truncated {
        /// The format found.
        format: &'static str,
        /// What is missing.
        reason: String,
    },
    /// The prompt's bytes could not be had (for [`PromptCache::get_or_decode`]'s source,
    /// e.g. a file that cannot be read).
    ///
    /// [`PromptCache::get_or_decode`]: super::PromptCache::get_or_decode
    #[error("prompt {key:?} could not be read: {reason}")]
    Unreadable {
        /// The prompt's name or path.
        key: String,
        /// Why.
        reason: String,
    },
}

fn empty_message(format: &Option<&'static str>) -> String {
    match format {
        None => "prompt file is empty (0 bytes)".to_owned(),
        Some(format) => format!("{format} prompt holds no audio"),
    }
}

fn unsupported_format_message(detected: &Option<&'static str>, hint: &Option<String>) -> String {
    match (detected, hint) {
        (Some(detected), _) => {
            format!("prompt format {detected} is not supported; expected {SUPPORTED_FORMATS}")
        }
        (None, Some(hint)) => format!(
            "prompt format not recognised (file extension {hint:?}); expected {SUPPORTED_FORMATS}"
        ),
        (None, None) => format!("prompt format not recognised; expected {SUPPORTED_FORMATS}"),
    }
}
