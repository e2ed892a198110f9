//! What can go wrong while recording.

use thiserror::Error;

/// Errors from starting, writing or finishing a recording.
///
/// After any of them the recorder stays usable: a bad argument changes nothing, and a
/// failed target stops the recording with everything up to the last checkpoint readable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The target refused a write or a seek; the recording holds everything up to the last
    /// checkpoint.
    #[error("recording target failed ({kind:?}): {message}")]
    Io {
        /// The kind of I/O failure.
        kind: std::io::ErrorKind,
        /// The target's own message.
        message: String,
    },
    /// A setting of [`super::RecordConfig`] is out of range.
    #[error("recording setting {field} is invalid: {reason}")]
    InvalidConfig {
        /// The setting, e.g. `sample_rate` or `metadata.extra`.
        field: &'static str,
        /// What is wrong with it and what is allowed.
        reason: String,
    },
    /// Audio was given for a leg the layout does not have.
    #[error("leg {leg} does not exist: a {layout} recording takes legs 0 to {last}")]
    NoSuchLeg {
        /// The leg given.
        leg: usize,
        /// The layout's name.
        layout: &'static str,
        /// The highest leg index the layout takes.
        last: usize,
    },
    /// Audio was given for a leg after [`super::Recorder::end_leg`].
    #[error("leg {leg} has ended; it records silence from then on and takes no more audio")]
    LegEnded {
        /// The leg given.
        leg: usize,
    },
    /// A frame's sample rate cannot be converted to the recording's rate.
    #[error(
        "audio at {got} Hz on leg {leg} cannot be converted to the recording's {output} Hz; \
         give it at {output} Hz or at one of {supported} Hz"
    )]
    UnsupportedRate {
        /// The leg given.
        leg: usize,
        /// The frame's rate.
        got: u32,
        /// The recording's rate.
        output: u32,
        /// The input rates that can be converted, as text.
        supported: &'static str,
    },
    /// The recording has stopped (a limit was reached or the target failed); nothing more
    /// is recorded, and [`super::Recorder::finish`] hands the target back.
    #[error("the recording has stopped ({cause}); no more audio is recorded")]
    Stopped {
        /// Why it stopped.
        cause: String,
    },
    /// The resampler refused audio that the checks here let through.
    #[error("resampling a leg to the recording's rate failed: {message}")]
    Resample {
        /// The resampler's message.
        message: String,
    },
    /// The Opus encoder refused audio that the checks here let through.
    #[error("the Opus encoder failed: {message}")]
    Encoder {
        /// The encoder's message.
        message: String,
    },
}

impl From<std::io::Error> for RecordError {
    fn from(e: std::io::Error) -> Self {
        RecordError::Io {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

impl From<hound::Error> for RecordError {
    fn from(e: hound::Error) -> Self {
        match e {
            hound::Error::IoError(e) => e.into(),
            other => RecordError::Io {
                kind: std::io::ErrorKind::InvalidData,
                message: format!("the WAV writer refused the file: {other}"),
            },
        }
    }
}
