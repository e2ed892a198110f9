//! DTMF and tones: the in-band `DtmfDetector`, `generate_dtmf` and `generate_tone`, and the
//! names the session's DTMF events use.

use ::mediacore::dtmf::DtmfDetector;
use ::mediacore::tones::DtmfOptions;
use pyo3::prelude::*;

use crate::media_err;
use crate::pcm::{pcm_from_py, pcm_to_py};

/// A digit found in audio: the key, when its tone began and how long it lasted.
#[pyclass(module = "mediacore", name = "DetectedDigit", frozen, eq, get_all)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyDetectedDigit {
    /// The key as a one-character string.
    digit: String,
    /// When its tone began, in milliseconds of audio since the detector started.
    start_ms: u64,
    /// How long the tone lasted, in milliseconds.
    duration_ms: u64,
}

#[pymethods]
impl PyDetectedDigit {
    fn __repr__(&self) -> String {
        format!(
            "DetectedDigit(digit={:?}, start_ms={}, duration_ms={})",
            self.digit, self.start_ms, self.duration_ms
        )
    }
}

impl From<::mediacore::dtmf::DetectedDigit> for PyDetectedDigit {
    fn from(found: ::mediacore::dtmf::DetectedDigit) -> Self {
        PyDetectedDigit {
            digit: found.digit.to_string(),
            start_ms: found.start_ms,
            duration_ms: found.duration_ms,
        }
    }
}

/// In-band DTMF detector (ITU-T Q.24) for mono int16 audio at 8000 or 16000 Hz.
#[pyclass(module = "mediacore", name = "DtmfDetector")]
pub struct PyDtmfDetector {
    inner: DtmfDetector,
}

#[pymethods]
impl PyDtmfDetector {
    #[new]
    fn new(sample_rate: u32) -> PyResult<Self> {
        Ok(PyDtmfDetector {
            inner: DtmfDetector::new(sample_rate).map_err(media_err)?,
        })
    }

    /// The sample rate in Hz.
    #[getter]
    fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }

    /// Analyses the next samples of the stream (any length) and returns the digits whose
    /// tones have ended, oldest first.
    fn process(&mut self, pcm: &Bound<'_, PyAny>) -> PyResult<Vec<PyDetectedDigit>> {
        let samples = pcm_from_py(pcm)?;
        Ok(self
            .inner
            .detect(&samples)
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Analyses the samples like `process` and returns them delayed by 50 ms with detected
    /// DTMF tones zeroed; the digits found are returned by the next `process` or `flush`.
    #[pyo3(signature = (pcm, *, numpy = false))]
    fn process_muted<'py>(
        &mut self,
        py: Python<'py>,
        pcm: &Bound<'py, PyAny>,
        numpy: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let samples = pcm_from_py(pcm)?;
        let mut out = vec![0; samples.len()];
        self.inner
            .process_muted(&samples, &mut out)
            .map_err(media_err)?;
        pcm_to_py(py, &out, numpy)
    }

    /// Ends a digit still sounding (at the end of a recording) and returns every digit not
    /// yet returned.
    fn flush(&mut self) -> Vec<PyDetectedDigit> {
        self.inner.flush();
        self.inner.digits().into_iter().map(Into::into).collect()
    }

    /// Forgets all audio and digits, as if newly built.
    fn reset(&mut self) {
        self.inner.reset();
    }

    fn __repr__(&self) -> String {
        format!("DtmfDetector({})", self.inner.sample_rate())
    }
}

/// DTMF digits (0-9, *, #, A-D) as mono int16 PCM: each digit's tone pair for
/// `duration_ms`, then `gap_ms` of silence.
#[pyfunction]
#[pyo3(signature = (
    digits, sample_rate, level_dbm0 = -10.0, twist_db = 2.0, duration_ms = 100, gap_ms = 100,
    *, numpy = false
))]
#[allow(clippy::too_many_arguments)] // one argument per DtmfOptions field
pub fn generate_dtmf<'py>(
    py: Python<'py>,
    digits: &str,
    sample_rate: u32,
    level_dbm0: f64,
    twist_db: f64,
    duration_ms: u32,
    gap_ms: u32,
    numpy: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let options = DtmfOptions {
        level_dbm0,
        twist_db,
        duration_ms,
        gap_ms,
    };
    let pcm =
        ::mediacore::tones::generate_dtmf(digits, sample_rate, &options).map_err(media_err)?;
    pcm_to_py(py, &pcm, numpy)
}

/// `duration_ms` of a call-progress tone as mono int16 PCM: a built-in plan by name
/// ("us/busy", "europe/ringback", ...) or a tone plan in the engine's text form.
#[pyfunction]
#[pyo3(signature = (plan, sample_rate, duration_ms, *, numpy = false))]
pub fn generate_tone<'py>(
    py: Python<'py>,
    plan: &str,
    sample_rate: u32,
    duration_ms: u64,
    numpy: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let pcm =
        ::mediacore::tones::generate_tone(plan, sample_rate, duration_ms).map_err(media_err)?;
    pcm_to_py(py, &pcm, numpy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_core() {
        let d = DtmfOptions::default();
        assert_eq!(
            (d.level_dbm0, d.twist_db, d.duration_ms, d.gap_ms),
            (-10.0, 2.0, 100, 100)
        );
    }
}
