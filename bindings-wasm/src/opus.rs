//! Opus settings as a JS options object, and back as an object.
//!
//! `Encoder`, `MediaSession` and `Transcoder` take an optional `OpusOptions` object whose
//! keys are the fields of the core's [`OpusOptions`] in camelCase; a key left out (or
//! `undefined`) keeps the engine's default. [`OpusOptions::resolve`] fills in the defaults
//! and refuses options for another codec, and the core checks the values when it builds the
//! encoder.

use mediacore::Error;
use mediacore::codec::opus::{OpusApplication, OpusConfig, OpusOptions};
use wasm_bindgen::prelude::*;

use crate::{args, options};

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
    let known: Vec<String> = OpusOptions::from(OpusConfig::default())
        .given()
        .into_iter()
        .map(args::camel_case)
        .collect();
    for opt in options::read(value, "opus", &known)? {
        match opt.key.as_str() {
            "application" => {
                options.application = Some(OpusApplication::from_name(&opt.string()?)?)
            }
            "bitrate" => options.bitrate = Some(opt.integer(u32::MAX)?),
            "complexity" => options.complexity = Some(opt.integer(u8::MAX)?),
            "cbr" => options.cbr = Some(opt.boolean()?),
            "inbandFec" => options.inband_fec = Some(opt.boolean()?),
            "expectedLossPercent" => options.expected_loss_percent = Some(opt.integer(u8::MAX)?),
            "frameMs" => options.frame_ms = Some(opt.integer(u8::MAX)?),
            // A field the core added that this parser does not read yet.
            _ => return Err(opt.not("read by this binding yet")),
        }
    }
    Ok(options)
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
