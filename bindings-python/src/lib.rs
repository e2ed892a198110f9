//! Python binding of `mediacore`: a pyo3 extension module imported as `mediacore`.
//!
//! Thin translation only: Python buffers become `i16`/`u8` slices, engine errors become
//! `mediacore.MediaError` carrying the engine's message, and times are integer microseconds
//! on the caller's monotonic clock. Media logic lives in the core crate.
#![deny(unsafe_code)]
#![deny(missing_docs)]

mod codec;
mod conference;
mod dtmf;
mod opus;
mod pcm;
mod playback;
mod record;
mod session;
mod transcode;
mod voice;

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

pub use codec::{PyDecoder, PyEncoder};
pub use conference::PyConference;
pub use dtmf::{PyDetectedDigit, PyDtmfDetector, generate_dtmf, generate_tone};
pub use playback::{PyPlayAndCollect, PyPlayCollectConfig, PyPlayOptions, PyPlayer, PyPrompt};
pub use record::{PyPromptCache, PyRecordOptions, PyRecorder};
pub use session::PyMediaSession;
pub use transcode::PyTranscoder;
pub use voice::PyVoiceSettings;

create_exception!(
    mediacore,
    MediaError,
    PyValueError,
    "An error reported by the mediacore engine; the message is the engine's own."
);

/// Turns an engine error into `mediacore.MediaError` with the engine's message unchanged.
pub(crate) fn media_err(error: ::mediacore::Error) -> PyErr {
    MediaError::new_err(error.to_string())
}

/// The `mediacore` extension module.
#[pymodule(name = "mediacore")]
pub mod module {
    use pyo3::prelude::*;

    #[pymodule_export]
    use super::{
        PyConference, PyDecoder, PyDetectedDigit, PyDtmfDetector, PyEncoder, PyMediaSession,
        PyPlayAndCollect, PyPlayCollectConfig, PyPlayOptions, PyPlayer, PyPrompt, PyPromptCache,
        PyRecordOptions, PyRecorder, PyTranscoder, PyVoiceSettings, generate_dtmf, generate_tone,
    };

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("MediaError", m.py().get_type::<super::MediaError>())
    }
}
