//! What can go wrong while recording.

use thiserror::Error;

/// Errors from starting, writing or finishing a recording.
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
}

impl From<std::io::Error> for RecordError {
    fn from(e: std::io::Error) -> Self {
        RecordError::Io {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}
