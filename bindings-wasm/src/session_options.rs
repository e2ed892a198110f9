//! The receive-path options of `new MediaSession(...)`, as a JS object, onto a `SessionConfig`.
//!
//! The last constructor argument is an optional `SessionOptions` object: the jitter buffer's
//! mode and delays, the quality report interval, RTCP, telephone-events, how sent DTMF digits
//! are timed, in-band DTMF detection and voice processing. A key left out (or `undefined`)
//! keeps the core's default; an unknown key is an error, so that a typo does not pass
//! silently. The core checks the values when it builds the session.

use mediacore::rtcp::NtpTime;
use mediacore::{Error, JitterMode, SessionConfig};
use wasm_bindgen::prelude::*;

use crate::options;

/// The TypeScript type of the options object.
// Used by the custom section below, a use that rustc's dead-code lint does not see.
#[allow(dead_code)]
const TS_TYPES: &str = r#"
/** Receive-path options of a `MediaSession`; what is left out keeps the engine's default. */
export interface SessionOptions {
  /** "adaptive" (default: follows the network's jitter) or "fixed" (holds `initialDelayMs`). */
  jitterMode?: "adaptive" | "fixed";
  /** The jitter buffer's least delay (default: the core's `DelayConfig::default()`, as below). */
  minDelayMs?: number;
  /** The jitter buffer's greatest delay. */
  maxDelayMs?: number;
  /** The delay before any packet arrived, and a fixed buffer's delay. */
  initialDelayMs?: number;
  /** A "quality" event this often while RTP arrives (default 5000); `null` or 0: never. */
  qualityIntervalMs?: number | null;
  /** Send RTCP (default true); received RTCP is read either way. */
  rtcp?: boolean;
  /** The RTCP CNAME, at most 255 bytes (default: derived from the seed). */
  cname?: string;
  /** Wall-clock time at `nowUs` 0, in ms since the Unix epoch, for SR timestamps (default 0). */
  ntpOriginUnixMs?: number;
  /** RFC 4733 telephone-event payload type both ways (default 101); `null`: none. */
  telephoneEventPayloadType?: number | null;
  /** Also look for DTMF tones in the received audio, 8 and 16 kHz sessions (default false). */
  detectInbandDtmf?: boolean;
  /** How long each digit given to `sendDtmf` lasts, 1 to 600000 ms (default 100). */
  dtmfDurationMs?: number;
  /** Silence between sent digits, at most 60000 ms (default 100). */
  dtmfGapMs?: number;
  /** Volume of sent digits in dBm0 below 0, 0 to 63 (default 10; larger is quieter). */
  dtmfVolume?: number;
  /** Voice processing on capture and playout (default: every stage off). */
  voice?: VoiceOptions;
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const TS_SECTION: &'static str = TS_TYPES;

/// The option names, in the order the TypeScript type lists them.
const KNOWN: [&str; 14] = [
    "jitterMode",
    "minDelayMs",
    "maxDelayMs",
    "initialDelayMs",
    "qualityIntervalMs",
    "rtcp",
    "cname",
    "ntpOriginUnixMs",
    "telephoneEventPayloadType",
    "detectInbandDtmf",
    "dtmfDurationMs",
    "dtmfGapMs",
    "dtmfVolume",
    "voice",
];

/// Applies the `options` argument to `config`: `undefined` or `null` changes nothing.
pub(crate) fn apply(value: &JsValue, config: &mut SessionConfig) -> Result<(), Error> {
    let given = options::read(value, "session", &KNOWN)?;
    if given.is_empty() {
        return Ok(());
    }
    let mut rtcp = true;
    let mut rtcp_config = config.rtcp.clone().unwrap_or_default();
    for opt in given {
        let delay = &mut config.jitter.delay;
        match opt.key.as_str() {
            "jitterMode" => config.jitter.mode = JitterMode::from_name(&opt.string()?)?,
            "minDelayMs" => delay.min_delay = opt.millis()?,
            "maxDelayMs" => delay.max_delay = opt.millis()?,
            "initialDelayMs" => delay.initial_delay = opt.millis()?,
            // 0 turns quality events off like null (the core refuses a zero interval).
            "qualityIntervalMs" => {
                config.quality_interval = opt.millis_or_null()?.filter(|d| !d.is_zero())
            }
            "rtcp" => rtcp = opt.boolean()?,
            "cname" => rtcp_config.cname = Some(opt.string()?),
            "ntpOriginUnixMs" => rtcp_config.ntp_origin = NtpTime::from_unix(opt.millis()?),
            "telephoneEventPayloadType" if opt.is_null() => {
                config.telephone_event_payload_type = None
            }
            "telephoneEventPayloadType" => {
                config.telephone_event_payload_type = Some(opt.integer(u8::MAX)?)
            }
            "detectInbandDtmf" => config.detect_inband_dtmf = opt.boolean()?,
            "dtmfDurationMs" => config.dtmf.duration = opt.millis()?,
            "dtmfGapMs" => config.dtmf.gap = opt.millis()?,
            "voice" => config.voice = crate::voice::settings(&opt.value)?,
            _ => config.dtmf.volume = opt.integer(u8::MAX)?,
        }
    }
    config.rtcp = rtcp.then_some(rtcp_config);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typescript_type_lists_every_option_in_order() {
        assert_eq!(
            crate::typescript_optional_keys(TS_TYPES, "SessionOptions"),
            KNOWN
        );
    }
}
