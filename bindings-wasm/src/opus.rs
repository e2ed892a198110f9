//! Opus settings as a JS options object, and back as an object.
//!
//! `Encoder`, `MediaSession` and `Transcoder` take an optional `OpusOptions` object whose
//! keys are the fields of the core's [`OpusOptions`] in camelCase; a key left out (or
//! `undefined`) keeps the engine's default. [`OpusOptions::resolve`] fills in the defaults
//! and refuses options for another codec, and the core checks the values when it builds the
//! encoder.

use js_sys::{Object, Reflect};
use mediacore::Error;
use mediacore::codec::opus::{OpusApplication, OpusConfig, OpusOptions};
use wasm_bindgen::prelude::*;

use crate::args;

/// The TypeScript types of the options object and of `Encoder.opusSettings`.
// Used by the custom section below, a use that rustc's dead-code lint does not see.
#[allow(dead_code)]
const TS_TYPES: &str = r#"
/** The Opus encoder's settings, as `Encoder.opusSettings` returns them. */
export interface OpusSettings {
  application: "voip" | "audio";
  bitrate: number;
  complexity: number;
  cbr: boolean;
  inbandFec: boolean;
  expectedLossPercent: number;
  frameMs: number;
}

/** Opus encoder settings to change; what is left out keeps the engine's default. */
export type OpusOptions = Partial<OpusSettings>;
"#;

#[wasm_bindgen(typescript_custom_section)]
const TS_SECTION: &'static str = TS_TYPES;

/// Reads the `opus` argument: `undefined` or `null` for no options, else an object whose own
/// keys are the camelCase names of [`OpusOptions`]' fields; a key set to `undefined` is left
/// out.
pub(crate) fn options_from_js(value: &JsValue) -> Result<OpusOptions, Error> {
    let mut options = OpusOptions::default();
    if value.is_undefined() || value.is_null() {
        return Ok(options);
    }
    if !value.is_object() {
        return Err(Error::InvalidArgument(format!(
            "opus options {value:?} are not an object"
        )));
    }
    let object: &Object = value.unchecked_ref();
    for key in Object::keys(object) {
        let name = key.as_string().unwrap_or_default();
        // Reading an own data property of an object cannot throw; a getter that throws
        // reads as undefined.
        let v = Reflect::get(value, &key).unwrap_or(JsValue::UNDEFINED);
        if v.is_undefined() {
            continue;
        }
        match name.as_str() {
            "application" => options.application = Some(application(&v)?),
            "bitrate" => options.bitrate = Some(number(&name, &v, u32::MAX)?),
            "complexity" => options.complexity = Some(number(&name, &v, u8::MAX)?),
            "cbr" => options.cbr = Some(boolean(&name, &v)?),
            "inbandFec" => options.inband_fec = Some(boolean(&name, &v)?),
            "expectedLossPercent" => {
                options.expected_loss_percent = Some(number(&name, &v, u8::MAX)?)
            }
            "frameMs" => options.frame_ms = Some(number(&name, &v, u8::MAX)?),
            _ => {
                let known = OpusOptions::from(OpusConfig::default()).given();
                let known: Vec<String> = known.into_iter().map(args::camel_case).collect();
                return Err(Error::InvalidArgument(format!(
                    "opus option {name:?} is not known; expected {}",
                    known.join(", ")
                )));
            }
        }
    }
    Ok(options)
}

fn number<T>(name: &str, value: &JsValue, max: T) -> Result<T, Error>
where
    T: Into<u64> + TryFrom<u64>,
{
    match value.as_f64() {
        Some(n) => args::integer(name, n, max),
        None => Err(Error::InvalidArgument(format!(
            "opus option {name} {value:?} is not a number"
        ))),
    }
}

fn boolean(name: &str, value: &JsValue) -> Result<bool, Error> {
    value.as_bool().ok_or_else(|| {
        Error::InvalidArgument(format!("opus option {name} {value:?} is not a boolean"))
    })
}

/// The application a string names ("voip" or "audio", case-insensitive).
fn application(value: &JsValue) -> Result<OpusApplication, Error> {
    match value.as_string() {
        Some(name) => OpusApplication::from_name(&name),
        None => Err(Error::InvalidArgument(format!(
            "opus option application {value:?} is not a string"
        ))),
    }
}

/// `config` as an `OpusSettings` object.
pub(crate) fn settings_object(config: &OpusConfig) -> JsValue {
    args::object([
        ("application", config.application.name().into()),
        ("bitrate", config.bitrate.into()),
        ("complexity", config.complexity.into()),
        ("cbr", config.cbr.into()),
        ("inbandFec", config.inband_fec.into()),
        ("expectedLossPercent", config.expected_loss_percent.into()),
        ("frameMs", config.frame_ms.into()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typescript_settings_type_lists_every_option_in_order() {
        let declared: Vec<&str> = crate::typescript_interface(TS_TYPES, "OpusSettings")
            .into_iter()
            .map(|line| line.split(':').next().unwrap_or_default())
            .collect();
        let expected: Vec<String> = OpusOptions::from(OpusConfig::default())
            .given()
            .into_iter()
            .map(args::camel_case)
            .collect();
        assert_eq!(declared, expected);
    }
}
