//! DTMF and tones: the in-band `DtmfDetector`, `generate_dtmf` and `generate_tone`, and the
//! names the session's DTMF events use.

use ::mediacore::dtmf::{CollectReason, Digit, DigitSource, DtmfDetector};
use ::mediacore::tones::{CallProgressTone, DtmfOptions, ToneGenerator, TonePlan, ToneRegion};
use ::mediacore::{Error, Result};
use pyo3::prelude::*;

use crate::media_err;
use crate::pcm::{pcm_from_py, pcm_to_py};

/// Longest audio `generate_tone` renders, in milliseconds (one hour).
const MAX_TONE_MS: u64 = 3_600_000;

/// The built-in call-progress plans by name: `region/tone`.
const REGIONS: [(&str, ToneRegion); 2] = [("us", ToneRegion::Us), ("europe", ToneRegion::Europe)];
const TONES: [(&str, CallProgressTone); 5] = [
    ("dial", CallProgressTone::Dial),
    ("ringback", CallProgressTone::Ringback),
    ("busy", CallProgressTone::Busy),
    ("congestion", CallProgressTone::Congestion),
    ("call_waiting", CallProgressTone::CallWaiting),
];

/// A built-in plan by name (`us/busy`, `europe/ringback`, case-insensitive), or `plan` read
/// as tone-plan text. Text that starts with a region name is a name.
pub(crate) fn tone_plan(plan: &str) -> Result<TonePlan> {
    let lower = plan.trim().to_ascii_lowercase();
    let (region, tone) = lower.split_once('/').unwrap_or((lower.as_str(), ""));
    let Some(&(_, region)) = REGIONS.iter().find(|(name, _)| *name == region.trim()) else {
        return Ok(TonePlan::parse(plan)?);
    };
    match TONES.iter().find(|(name, _)| *name == tone.trim()) {
        Some(&(_, tone)) => Ok(TonePlan::call_progress(region, tone)),
        None => {
            let names: Vec<String> = REGIONS
                .iter()
                .flat_map(|(r, _)| TONES.iter().map(move |(t, _)| format!("{r}/{t}")))
                .collect();
            Err(Error::InvalidArgument(format!(
                "{plan:?} is not a built-in call-progress tone; expected one of {}, or a tone plan",
                names.join(", ")
            )))
        }
    }
}

/// `duration_ms` of `plan` at `sample_rate` (zeros after a plan that ends sooner).
pub(crate) fn render_tone(plan: &str, sample_rate: u32, duration_ms: u64) -> Result<Vec<i16>> {
    if duration_ms > MAX_TONE_MS {
        return Err(Error::InvalidArgument(format!(
            "tone duration {duration_ms} ms is out of range; expected at most {MAX_TONE_MS}"
        )));
    }
    let mut generator = ToneGenerator::new(tone_plan(plan)?, sample_rate)?;
    let mut pcm = vec![0; (duration_ms * u64::from(sample_rate) / 1000) as usize];
    generator.fill(&mut pcm);
    Ok(pcm)
}

/// One key given as a one-character string.
pub(crate) fn digit_from_str(digit: &str) -> Result<Digit> {
    let mut chars = digit.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Digit::from_char(c),
        _ => Err(Error::InvalidArgument(format!(
            "{digit:?} is not one DTMF digit; expected one of 0-9, *, #, A-D"
        ))),
    }
}

/// The snake_case name of a digit's source, as events give it.
pub(crate) fn source_name(source: DigitSource) -> &'static str {
    match source {
        DigitSource::Rfc4733 => "rfc4733",
        DigitSource::InBand => "in_band",
        DigitSource::Signalling => "signalling",
    }
}

/// The snake_case name of why a digit collection ended, as events give it.
pub(crate) fn reason_name(reason: CollectReason) -> &'static str {
    match reason {
        CollectReason::Terminator => "terminator",
        CollectReason::MaxDigits => "max_digits",
        CollectReason::FirstDigitTimeout => "first_digit_timeout",
        CollectReason::InterDigitTimeout => "inter_digit_timeout",
        CollectReason::OverallTimeout => "overall_timeout",
        CollectReason::Cancelled => "cancelled",
    }
}

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
    let pcm = render_tone(plan, sample_rate, duration_ms).map_err(media_err)?;
    pcm_to_py(py, &pcm, numpy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tone_names_and_plans() {
        let busy = tone_plan("US/Busy").unwrap();
        assert_eq!(
            busy,
            TonePlan::call_progress(ToneRegion::Us, CallProgressTone::Busy)
        );
        assert_eq!(
            tone_plan("europe/call_waiting").unwrap(),
            TonePlan::call_progress(ToneRegion::Europe, CallProgressTone::CallWaiting)
        );
        assert_eq!(tone_plan("425/200,0/200").unwrap().parts().len(), 2);
        let err = tone_plan("us/howler").unwrap_err().to_string();
        assert!(
            err.contains("us/dial") && err.contains("europe/call_waiting"),
            "{err}"
        );
        let err = tone_plan("480+620/500,0/x").unwrap_err().to_string();
        assert!(err.contains("at byte 14"), "{err}");
    }

    #[test]
    fn defaults_match_the_core() {
        let d = DtmfOptions::default();
        assert_eq!(
            (d.level_dbm0, d.twist_db, d.duration_ms, d.gap_ms),
            (-10.0, 2.0, 100, 100)
        );
    }

    #[test]
    fn one_digit_strings() {
        assert_eq!(digit_from_str("#").unwrap(), Digit::Hash);
        assert!(digit_from_str("12").is_err());
        assert!(digit_from_str("").is_err());
        assert!(digit_from_str("x").is_err());
    }
}
