//! DTMF and tones: the in-band [`DtmfDetector`], [`generate_dtmf`] and [`generate_tone`], and
//! the enums the session's DTMF events carry.

use std::sync::Mutex;

use ::mediacore::dtmf::CollectReason;
use ::mediacore::tones::DtmfOptions;

use crate::{MediaError, lock};

/// Where a DTMF digit came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DtmfSource {
    /// An RFC 4733 telephone-event.
    Rfc4733,
    /// The in-band DTMF detector.
    InBand,
    /// Call signalling (e.g. SIP INFO), given with `push_signalled_digit`.
    Signalling,
}

impl From<::mediacore::dtmf::DigitSource> for DtmfSource {
    fn from(source: ::mediacore::dtmf::DigitSource) -> Self {
        use ::mediacore::dtmf::DigitSource;
        match source {
            DigitSource::Rfc4733 => DtmfSource::Rfc4733,
            DigitSource::InBand => DtmfSource::InBand,
            DigitSource::Signalling => DtmfSource::Signalling,
        }
    }
}

/// Why a digit collection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CollectEndReason {
    /// A terminator key was pressed.
    Terminator,
    /// `max_digits` digits were collected.
    MaxDigits,
    /// No digit came within the first-digit timeout.
    FirstDigitTimeout,
    /// No further digit came within the inter-digit timeout.
    InterDigitTimeout,
    /// The overall timeout passed.
    OverallTimeout,
    /// `cancel_digit_collection` was called.
    Cancelled,
}

impl From<CollectReason> for CollectEndReason {
    fn from(reason: CollectReason) -> Self {
        match reason {
            CollectReason::Terminator => CollectEndReason::Terminator,
            CollectReason::MaxDigits => CollectEndReason::MaxDigits,
            CollectReason::FirstDigitTimeout => CollectEndReason::FirstDigitTimeout,
            CollectReason::InterDigitTimeout => CollectEndReason::InterDigitTimeout,
            CollectReason::OverallTimeout => CollectEndReason::OverallTimeout,
            CollectReason::Cancelled => CollectEndReason::Cancelled,
        }
    }
}

/// A digit found in audio: the key, when its tone began and how long it lasted.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DetectedDigit {
    /// The key as a one-character string.
    pub digit: String,
    /// When its tone began, in milliseconds of audio since the detector started.
    pub start_ms: u64,
    /// How long the tone lasted, in milliseconds.
    pub duration_ms: u64,
}

impl From<::mediacore::dtmf::DetectedDigit> for DetectedDigit {
    fn from(found: ::mediacore::dtmf::DetectedDigit) -> Self {
        DetectedDigit {
            digit: found.digit.to_string(),
            start_ms: found.start_ms,
            duration_ms: found.duration_ms,
        }
    }
}

/// In-band DTMF detector (ITU-T Q.24) for mono audio at 8000 or 16000 Hz.
#[derive(uniffi::Object)]
pub struct DtmfDetector {
    inner: Mutex<::mediacore::dtmf::DtmfDetector>,
}

#[uniffi::export]
impl DtmfDetector {
    /// A detector for `sample_rate` Hz audio (8000 or 16000).
    #[uniffi::constructor]
    pub fn new(sample_rate: u32) -> Result<Self, MediaError> {
        Ok(DtmfDetector {
            inner: Mutex::new(::mediacore::dtmf::DtmfDetector::new(sample_rate)?),
        })
    }

    /// The sample rate in Hz.
    pub fn sample_rate(&self) -> u32 {
        lock(&self.inner).sample_rate()
    }

    /// Analyses the next samples of the stream (any length) and returns the digits whose
    /// tones have ended, oldest first.
    pub fn process(&self, pcm: Vec<i16>) -> Vec<DetectedDigit> {
        let found = lock(&self.inner).detect(&pcm);
        found.into_iter().map(Into::into).collect()
    }

    /// Analyses the samples like `process` and returns them delayed by 50 ms with detected
    /// DTMF tones zeroed; the digits found are returned by the next `process` or `flush`.
    pub fn process_muted(&self, pcm: Vec<i16>) -> Result<Vec<i16>, MediaError> {
        let mut out = vec![0; pcm.len()];
        lock(&self.inner).process_muted(&pcm, &mut out)?;
        Ok(out)
    }

    /// Ends a digit still sounding (at the end of a recording) and returns every digit not
    /// yet returned.
    pub fn flush(&self) -> Vec<DetectedDigit> {
        let mut detector = lock(&self.inner);
        detector.flush();
        detector.digits().into_iter().map(Into::into).collect()
    }

    /// Forgets all audio and digits, as if newly built.
    pub fn reset(&self) {
        lock(&self.inner).reset();
    }
}

/// DTMF digits (0-9, *, #, A-D) as mono PCM: each digit's tone pair for `duration_ms`, then
/// `gap_ms` of silence. `level_dbm0` is the low (row) tone's level, `twist_db` how much
/// louder the high (column) tone is.
#[uniffi::export(default(level_dbm0 = -10.0, twist_db = 2.0, duration_ms = 100, gap_ms = 100))]
pub fn generate_dtmf(
    digits: String,
    sample_rate: u32,
    level_dbm0: f64,
    twist_db: f64,
    duration_ms: u32,
    gap_ms: u32,
) -> Result<Vec<i16>, MediaError> {
    let options = DtmfOptions {
        level_dbm0,
        twist_db,
        duration_ms,
        gap_ms,
    };
    Ok(::mediacore::tones::generate_dtmf(
        &digits,
        sample_rate,
        &options,
    )?)
}

/// `duration_ms` of a call-progress tone as mono PCM (zeros after a plan that ends sooner):
/// a built-in plan by name ("us/busy", "europe/ringback", ...) or a tone plan in the
/// engine's text form.
#[uniffi::export]
pub fn generate_tone(
    plan: String,
    sample_rate: u32,
    duration_ms: u64,
) -> Result<Vec<i16>, MediaError> {
    Ok(::mediacore::tones::generate_tone(
        &plan,
        sample_rate,
        duration_ms,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tone_errors_keep_their_position() {
        let err = generate_tone("480+620/500,0/x".into(), 8000, 10).unwrap_err();
        assert!(err.message().contains("at byte 14"), "{err}");
    }

    #[test]
    fn generated_digits_are_detected() {
        let pcm = generate_dtmf("7#".into(), 8000, -10.0, 2.0, 100, 100).unwrap();
        let detector = DtmfDetector::new(8000).unwrap();
        let digits: Vec<String> = detector.process(pcm).into_iter().map(|d| d.digit).collect();
        assert_eq!(digits, ["7", "#"]);
        let d = DtmfOptions::default();
        assert_eq!(
            (d.level_dbm0, d.twist_db, d.duration_ms, d.gap_ms),
            (-10.0, 2.0, 100, 100)
        );
    }
}
