//! mediacore for Kotlin and Swift (and Python) through uniffi proc-macros.
//!
//! Thin translation of the core: PCM is `Vec<i16>`, payloads and datagrams `Vec<u8>`, times
//! `u64` microseconds on the host's monotonic clock, errors [`MediaError`] carrying the
//! core's message. Objects are `Send + Sync` (a `Mutex` around each core object) so that
//! foreign code may call them from any thread; media logic lives in the core crate.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod codec;
mod conference;
mod dtmf;
mod opus;
mod playback;
mod record;
mod session;
mod transcode;
mod voice;

use std::sync::{Mutex, MutexGuard, PoisonError};

pub use codec::{Decoder, Encoder};
pub use conference::{
    Conference, ConferenceEvent, ConferenceOptions, ConferenceStats, ParticipantOptions, Transmit,
};
pub use dtmf::{
    CollectEndReason, DetectedDigit, DtmfDetector, DtmfSource, generate_dtmf, generate_tone,
};
pub use opus::{OpusApplication, OpusSettings};
pub use playback::{
    InterruptReason, PlayAndCollect, PlayCollectConfig, PlayCollectReason, PlayCollectResult,
    PlayOptions, PlaybackEvent, Player, Prompt,
};
pub use record::{
    CacheStats, DecodedPrompt, FinishedRecording, KeyValue, PromptCache, PromptInfo, RecordLimit,
    RecordOptions, Recorder, RecorderEvent, RecordingSummary, decode_prompt_info,
};
pub use session::{
    JitterStats, MediaEvent, MediaSession, QualityReport, RtcpStats, SessionSettings, SessionStats,
};
pub use transcode::Transcoder;
pub use voice::{VoiceDirection, VoiceLevel, VoiceSettings, VoiceStage};

uniffi::setup_scaffolding!();

/// An error from the engine, by domain, carrying the core's message unchanged.
///
/// A flat error: foreign code sees one case per domain whose message (Kotlin
/// `Throwable.message`, Swift associated `message`, Python `str(e)`) is the core's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
#[non_exhaustive]
pub enum MediaError {
    /// A codec could not be built or could not code its input.
    #[error("{message}")]
    Codec {
        /// What was wrong and what was expected.
        message: String,
    },
    /// An RTP packet was malformed or could not be written.
    #[error("{message}")]
    Rtp {
        /// What was wrong and what was expected.
        message: String,
    },
    /// An RTCP compound packet was malformed or could not be written (e.g. a CNAME or BYE
    /// reason longer than 255 bytes).
    #[error("{message}")]
    Rtcp {
        /// What was wrong and what was expected.
        message: String,
    },
    /// Audio handed to the engine did not have the expected shape.
    #[error("{message}")]
    Frame {
        /// What was wrong and what was expected.
        message: String,
    },
    /// The API was called with arguments that can never be valid.
    #[error("{message}")]
    InvalidArgument {
        /// What was wrong and what was expected.
        message: String,
    },
    /// A prompt could not be decoded or played (e.g. samples that do not fill whole frames).
    #[error("{message}")]
    Playback {
        /// What was wrong and what was expected.
        message: String,
    },
    /// A recording could not be started, written or finished (a setting out of range, a leg
    /// the layout does not have, a stopped recording, a file that failed).
    #[error("{message}")]
    Record {
        /// What was wrong and what was expected.
        message: String,
    },
    /// Voice processing settings or a voice stage were refused (a stage on the wrong path,
    /// comfort noise or barge-in without their VAD, a value out of range, a rate an engine
    /// does not take).
    #[error("{message}")]
    Voice {
        /// What was wrong and what was expected.
        message: String,
    },
    /// An error of a kind this binding does not name yet.
    #[error("{message}")]
    Other {
        /// What was wrong and what was expected.
        message: String,
    },
}

impl From<::mediacore::Error> for MediaError {
    fn from(error: ::mediacore::Error) -> Self {
        let message = error.to_string();
        match error {
            ::mediacore::Error::Codec(_) => MediaError::Codec { message },
            ::mediacore::Error::Rtp(_) => MediaError::Rtp { message },
            ::mediacore::Error::Rtcp(_) => MediaError::Rtcp { message },
            ::mediacore::Error::Frame(_) => MediaError::Frame { message },
            ::mediacore::Error::InvalidArgument(_) => MediaError::InvalidArgument { message },
            ::mediacore::Error::Playback(_) => MediaError::Playback { message },
            ::mediacore::Error::Record(_) => MediaError::Record { message },
            ::mediacore::Error::Voice(_)
            | ::mediacore::Error::Vad(_)
            | ::mediacore::Error::VoiceSettings(_) => MediaError::Voice { message },
            _ => MediaError::Other { message },
        }
    }
}

impl MediaError {
    /// The core's message.
    pub fn message(&self) -> &str {
        match self {
            MediaError::Codec { message }
            | MediaError::Rtp { message }
            | MediaError::Rtcp { message }
            | MediaError::Frame { message }
            | MediaError::InvalidArgument { message }
            | MediaError::Playback { message }
            | MediaError::Record { message }
            | MediaError::Voice { message }
            | MediaError::Other { message } => message,
        }
    }
}

/// Locks `mutex`, also after a panic in another caller: the core keeps its state usable
/// between calls, so a poisoned lock still holds a consistent object.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_the_core_message_and_domain() {
        let core = ::mediacore::Codec::from_name("G729").unwrap_err();
        let error = MediaError::from(core.clone());
        assert_eq!(error.message(), core.to_string());
        assert_eq!(error.to_string(), core.to_string());
        assert!(matches!(error, MediaError::Codec { .. }));
    }

    #[test]
    fn objects_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Encoder>();
        check::<Decoder>();
        check::<MediaSession>();
        check::<Transcoder>();
        check::<DtmfDetector>();
        check::<Prompt>();
        check::<Player>();
        check::<PlayAndCollect>();
        check::<Recorder>();
        check::<PromptCache>();
        check::<Conference>();
    }
}
