//! The receive-path options of `new MediaSession(...)`, as a JS object, onto a `SessionConfig`.
//!
//! The last constructor argument is an optional `SessionOptions` object: the jitter buffer's
//! mode and delays, the quality report interval, RTCP, telephone-events, how sent DTMF digits
//! are timed and in-band DTMF detection. A key left out (or `undefined`)
//! keeps the core's default; an unknown key is an error, so that a typo does not pass
//! silently. The core checks the values when it builds the session.

use core::time::Duration;

use js_sys::{Object, Reflect};
use mediacore::rtcp::NtpTime;
use mediacore::{Error, JitterMode, SessionConfig};
use wasm_bindgen::prelude::*;

use crate::args;

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
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const TS_SECTION: &'static str = TS_TYPES;

/// The option names, in the order the TypeScript type lists them.
const KNOWN: [&str; 13] = [
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
];

/// Applies the `options` argument to `config`: `undefined` or `null` changes nothing.
pub(crate) fn apply(value: &JsValue, config: &mut SessionConfig) -> Result<(), Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(());
    }
    if !value.is_object() {
        return Err(Error::InvalidArgument(format!(
            "session options {value:?} are not an object"
        )));
    }
    let object: &Object = value.unchecked_ref();
    let mut rtcp = true;
    let mut rtcp_config = config.rtcp.clone().unwrap_or_default();
    for key in Object::keys(object) {
        let name = key.as_string().unwrap_or_default();
        // Reading an own data property of an object cannot throw; a getter that throws
        // reads as undefined.
        let v = Reflect::get(value, &key).unwrap_or(JsValue::UNDEFINED);
        if v.is_undefined() {
            continue;
        }
        let delay = &mut config.jitter.delay;
        match name.as_str() {
            "jitterMode" => config.jitter.mode = JitterMode::from_name(&string(&name, &v)?)?,
            "minDelayMs" => delay.min_delay = millis(&name, &v)?,
            "maxDelayMs" => delay.max_delay = millis(&name, &v)?,
            "initialDelayMs" => delay.initial_delay = millis(&name, &v)?,
            // 0 turns quality events off like null (the core refuses a zero interval).
            "qualityIntervalMs" if v.is_null() => config.quality_interval = None,
            "qualityIntervalMs" => {
                config.quality_interval = Some(millis(&name, &v)?).filter(|d| !d.is_zero())
            }
            "rtcp" => rtcp = boolean(&name, &v)?,
            "cname" => rtcp_config.cname = Some(string(&name, &v)?),
            "ntpOriginUnixMs" => {
                rtcp_config.ntp_origin = NtpTime::from_unix(millis(&name, &v)?);
            }
            "telephoneEventPayloadType" if v.is_null() => {
                config.telephone_event_payload_type = None
            }
            "telephoneEventPayloadType" => {
                let pt = v.as_f64().ok_or_else(|| {
                    Error::InvalidArgument(format!("session option {name} {v:?} is not a number"))
                })?;
                config.telephone_event_payload_type = Some(args::integer(&name, pt, u8::MAX)?);
            }
            "detectInbandDtmf" => config.detect_inband_dtmf = boolean(&name, &v)?,
            "dtmfDurationMs" => config.dtmf.duration = millis(&name, &v)?,
            "dtmfGapMs" => config.dtmf.gap = millis(&name, &v)?,
            "dtmfVolume" => {
                let volume = v.as_f64().ok_or_else(|| {
                    Error::InvalidArgument(format!("session option {name} {v:?} is not a number"))
                })?;
                config.dtmf.volume = args::integer(&name, volume, u8::MAX)?;
            }
            _ => {
                return Err(Error::InvalidArgument(format!(
                    "session option {name:?} is not known; expected {}",
                    KNOWN.join(", ")
                )));
            }
        }
    }
    config.rtcp = rtcp.then_some(rtcp_config);
    Ok(())
}

fn millis(name: &str, value: &JsValue) -> Result<Duration, Error> {
    match value.as_f64() {
        Some(ms) => args::duration_ms(name, ms),
        None => Err(Error::InvalidArgument(format!(
            "session option {name} {value:?} is not a number"
        ))),
    }
}

fn boolean(name: &str, value: &JsValue) -> Result<bool, Error> {
    value.as_bool().ok_or_else(|| {
        Error::InvalidArgument(format!("session option {name} {value:?} is not a boolean"))
    })
}

fn string(name: &str, value: &JsValue) -> Result<String, Error> {
    value.as_string().ok_or_else(|| {
        Error::InvalidArgument(format!("session option {name} {value:?} is not a string"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typescript_type_lists_every_option_in_order() {
        let declared: Vec<&str> = crate::typescript_interface(TS_TYPES, "SessionOptions")
            .into_iter()
            .filter(|line| !line.starts_with("/**"))
            .map(|line| line.split('?').next().unwrap_or_default())
            .collect();
        assert_eq!(declared, KNOWN);
    }
}
