//! DTMF and tones for JS: the in-band `DtmfDetector`, `generateDtmf` and `generateTone`, the
//! `collectDigits` options of a session, and the names DTMF events use.

use js_sys::Array;
use mediacore::Error;
use mediacore::dtmf::{CollectConfig, Terminators};
use mediacore::tones::DtmfOptions;
use wasm_bindgen::prelude::*;

use crate::args::{self, object};
use crate::options;

/// The TypeScript types of detected digits and of the options objects.
// Used by the custom section below, a use that rustc's dead-code lint does not see.
#[allow(dead_code)]
const TS_TYPES: &str = r##"
/** A digit found in audio by `DtmfDetector`. */
export interface DetectedDigit {
  /** The key: "0"-"9", "*", "#", "A"-"D". */
  digit: string;
  /** When its tone began, in milliseconds of audio since the detector started. */
  startMs: number;
  /** How long the tone lasted, in milliseconds. */
  durationMs: number;
}

/** How `generateDtmf` sounds; what is left out keeps the default. */
export interface DtmfOptions {
  /** Level of the low (row) tone in dBm0, -60 to 0 (default -10). */
  levelDbm0?: number;
  /** How much louder the high (column) tone is, in dB, -10 to 10 (default 2). */
  twistDb?: number;
  /** Tone per digit in ms, 1 to 60000 (default 100). */
  durationMs?: number;
  /** Silence after each digit in ms, 0 to 60000 (default 100). */
  gapMs?: number;
}

/** What `MediaSession.collectDigits` waits for; what is left out keeps the default. A
 * timeout of `null` is off. */
export interface CollectOptions {
  /** Fewest digits for `minDigitsMet` (default 1). */
  minDigits?: number;
  /** The collection ends with this many digits, 1 to 64 (default 20). */
  maxDigits?: number;
  /** Keys that end the collection, e.g. "#*" (default "#"; "" for none). */
  terminators?: string;
  /** From the start to the first digit (default 5000). */
  firstDigitTimeoutMs?: number | null;
  /** From each digit to the next (default 3000). */
  interDigitTimeoutMs?: number | null;
  /** From the start to the end, whatever the digits (default `null`). */
  overallTimeoutMs?: number | null;
}
"##;

#[wasm_bindgen(typescript_custom_section)]
const TS_SECTION: &'static str = TS_TYPES;

/// The `DtmfOptions` keys, in the order the TypeScript type lists them.
const DTMF_KEYS: [&str; 4] = ["levelDbm0", "twistDb", "durationMs", "gapMs"];
/// The `CollectOptions` keys, in the order the TypeScript type lists them.
const COLLECT_KEYS: [&str; 6] = [
    "minDigits",
    "maxDigits",
    "terminators",
    "firstDigitTimeoutMs",
    "interDigitTimeoutMs",
    "overallTimeoutMs",
];

/// A `CollectOptions` object onto the core's defaults.
pub(crate) fn collect_config(value: &JsValue) -> Result<CollectConfig, Error> {
    let mut config = CollectConfig::default();
    for opt in options::read(value, "collect", &COLLECT_KEYS)? {
        match opt.key.as_str() {
            "minDigits" => config.min_digits = opt.integer(u32::MAX)? as usize,
            "maxDigits" => config.max_digits = opt.integer(u32::MAX)? as usize,
            "terminators" => config.terminators = Terminators::parse(&opt.string()?)?,
            "firstDigitTimeoutMs" => config.first_digit_timeout = opt.millis_or_null()?,
            "interDigitTimeoutMs" => config.inter_digit_timeout = opt.millis_or_null()?,
            _ => config.overall_timeout = opt.millis_or_null()?,
        }
    }
    Ok(config)
}

/// A digit the detector found, as `{digit, startMs, durationMs}`.
fn digit_object(found: mediacore::dtmf::DetectedDigit) -> JsValue {
    object([
        ("digit", JsValue::from_str(&found.digit.to_string())),
        ("startMs", args::count(found.start_ms).into()),
        ("durationMs", args::count(found.duration_ms).into()),
    ])
}

fn digits_array(found: Vec<mediacore::dtmf::DetectedDigit>) -> JsValue {
    found
        .into_iter()
        .map(digit_object)
        .collect::<Array>()
        .into()
}

/// In-band DTMF detector (ITU-T Q.24) for mono audio at 8000 or 16000 Hz; feed a stream in
/// chunks of any size.
#[wasm_bindgen]
pub struct DtmfDetector {
    inner: mediacore::dtmf::DtmfDetector,
}

#[wasm_bindgen]
impl DtmfDetector {
    /// A detector for `sampleRate` Hz audio (8000 or 16000); throws for another rate.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = sampleRate)] sample_rate: f64,
    ) -> Result<DtmfDetector, JsError> {
        let rate = args::integer("sampleRate", sample_rate, u32::MAX)?;
        Ok(DtmfDetector {
            inner: mediacore::dtmf::DtmfDetector::new(rate)?,
        })
    }

    /// The sample rate in Hz.
    #[wasm_bindgen(getter, js_name = sampleRate)]
    pub fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }

    /// Analyses the next samples and returns the digits whose tones have ended, oldest first.
    #[wasm_bindgen(unchecked_return_type = "DetectedDigit[]")]
    pub fn process(&mut self, pcm: &[i16]) -> JsValue {
        digits_array(self.inner.detect(pcm))
    }

    /// Analyses the samples like `process` and returns them delayed by 50 ms with detected
    /// DTMF tones zeroed; the digits found are returned by the next `process` or `flush`.
    #[wasm_bindgen(js_name = processMuted)]
    pub fn process_muted(&mut self, pcm: &[i16]) -> Result<Vec<i16>, JsError> {
        let mut out = vec![0; pcm.len()];
        self.inner.process_muted(pcm, &mut out)?;
        Ok(out)
    }

    /// Ends a digit still sounding (at the end of a recording) and returns every digit not
    /// yet returned.
    #[wasm_bindgen(unchecked_return_type = "DetectedDigit[]")]
    pub fn flush(&mut self) -> JsValue {
        self.inner.flush();
        digits_array(self.inner.digits())
    }

    /// Forgets all audio and digits, as if newly built.
    pub fn reset(&mut self) {
        self.inner.reset();
    }
}

/// DTMF digits ("0"-"9", "*", "#", "A"-"D") as mono PCM at `sampleRate`: each digit's tone
/// pair, then silence, as `options` (`DtmfOptions`) say. Throws naming the first character
/// that is not a digit, or the option out of range.
#[wasm_bindgen(js_name = generateDtmf)]
pub fn generate_dtmf(
    digits: &str,
    #[wasm_bindgen(js_name = sampleRate)] sample_rate: f64,
    #[wasm_bindgen(unchecked_optional_param_type = "DtmfOptions")] options: JsValue,
) -> Result<Vec<i16>, JsError> {
    let rate = args::integer("sampleRate", sample_rate, u32::MAX)?;
    let mut dtmf = DtmfOptions::default();
    for opt in options::read(&options, "DTMF", &DTMF_KEYS)? {
        match opt.key.as_str() {
            "levelDbm0" => dtmf.level_dbm0 = opt.number()?,
            "twistDb" => dtmf.twist_db = opt.number()?,
            "durationMs" => dtmf.duration_ms = opt.integer(u32::MAX)?,
            _ => dtmf.gap_ms = opt.integer(u32::MAX)?,
        }
    }
    Ok(mediacore::tones::generate_dtmf(digits, rate, &dtmf)?)
}

/// `durationMs` (at most one hour) of a call-progress tone as mono PCM, zeros after a plan
/// that ends sooner: a built-in plan by name ("us/busy", "europe/ringback", ...) or a tone
/// plan in the engine's text form. Throws for an unknown name or plan text the engine cannot
/// read (the message gives the byte position).
#[wasm_bindgen(js_name = generateTone)]
pub fn generate_tone(
    plan: &str,
    #[wasm_bindgen(js_name = sampleRate)] sample_rate: f64,
    #[wasm_bindgen(js_name = durationMs)] duration_ms: f64,
) -> Result<Vec<i16>, JsError> {
    let rate = args::integer("sampleRate", sample_rate, u32::MAX)?;
    let ms = args::integer("durationMs", duration_ms, mediacore::tones::MAX_RENDER_MS)?;
    Ok(mediacore::tones::generate_tone(plan, rate, ms)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typescript_types_list_every_option_in_order() {
        let declared = |name| crate::typescript_optional_keys(TS_TYPES, name);
        assert_eq!(declared("DtmfOptions"), DTMF_KEYS);
        assert_eq!(declared("CollectOptions"), COLLECT_KEYS);
        let d = DtmfOptions::default();
        assert_eq!(
            (d.level_dbm0, d.twist_db, d.duration_ms, d.gap_ms),
            (-10.0, 2.0, 100, 100),
            "the defaults the TypeScript type documents"
        );
        let c = CollectConfig::default();
        assert_eq!((c.min_digits, c.max_digits), (1, 20));
    }
}
