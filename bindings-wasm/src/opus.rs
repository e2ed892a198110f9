//! Opus settings as a JS options object, and the coders that keep Opus's own type.
//!
//! `Encoder`, `MediaSession` and `Transcoder` take an optional `OpusOptions` object whose
//! keys are the fields of the core's [`OpusConfig`] in camelCase; a key left out (or
//! `undefined`) keeps [`OpusConfig::default`]'s value, and the core checks the result.
//! `Decoder` keeps an [`OpusDecoder`] as such so that its loss concealment and FEC recovery
//! stay reachable.

use js_sys::{Object, Reflect};
use mediacore::codec::opus::{OpusApplication, OpusConfig, OpusDecoder, OpusEncoder};
use mediacore::{Codec, CodecInfo, Decoder, Encoder, Error};
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

/// The keys of an options object, in the order error messages list them.
const KEYS: [&str; 7] = [
    "application",
    "bitrate",
    "complexity",
    "cbr",
    "inbandFec",
    "expectedLossPercent",
    "frameMs",
];

/// The JS spelling of each [`OpusApplication`].
const APPLICATIONS: [(&str, OpusApplication); 2] = [
    ("voip", OpusApplication::Voip),
    ("audio", OpusApplication::Audio),
];

/// The fields of an [`OpusConfig`] read from an options object; `None` where not given.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct OpusOptions {
    application: Option<OpusApplication>,
    bitrate: Option<u32>,
    complexity: Option<u8>,
    cbr: Option<bool>,
    inband_fec: Option<bool>,
    expected_loss_percent: Option<u8>,
    frame_ms: Option<u8>,
}

impl OpusOptions {
    /// Reads `value`: `undefined` or `null` for no options, else an object whose own keys are
    /// among [`KEYS`]. `frame_ms_set_by` names the argument that sets the frame duration
    /// where `frameMs` does not apply (a session's or transcoder's packet time).
    pub fn from_js(value: &JsValue, frame_ms_set_by: Option<&str>) -> Result<Self, Error> {
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
                "frameMs" => match frame_ms_set_by {
                    None => options.frame_ms = Some(number(&name, &v, u8::MAX)?),
                    Some(setter) => {
                        return Err(Error::InvalidArgument(format!(
                            "opus option frameMs does not apply here: {setter} sets the opus \
                             frame duration"
                        )));
                    }
                },
                _ => {
                    return Err(Error::InvalidArgument(format!(
                        "opus option {name:?} is not known; expected {}",
                        KEYS.join(", ")
                    )));
                }
            }
        }
        Ok(options)
    }

    /// The keys given, in [`KEYS`] order.
    fn given(&self) -> Vec<&'static str> {
        let set = [
            self.application.is_some(),
            self.bitrate.is_some(),
            self.complexity.is_some(),
            self.cbr.is_some(),
            self.inband_fec.is_some(),
            self.expected_loss_percent.is_some(),
            self.frame_ms.is_some(),
        ];
        KEYS.iter()
            .zip(set)
            .filter_map(|(&key, given)| given.then_some(key))
            .collect()
    }

    /// [`OpusConfig::default`] with the given options in place, for a coder of `codec`; an
    /// error when options are given for another codec. The core validates the values.
    pub fn config(&self, codec: Codec) -> Result<OpusConfig, Error> {
        let given = self.given();
        if codec != Codec::Opus && !given.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "{} only appl{} to the opus codec; got {codec}",
                given.join(", "),
                if given.len() == 1 { "ies" } else { "y" }
            )));
        }
        let default = OpusConfig::default();
        Ok(OpusConfig {
            application: self.application.unwrap_or(default.application),
            bitrate: self.bitrate.unwrap_or(default.bitrate),
            complexity: self.complexity.unwrap_or(default.complexity),
            cbr: self.cbr.unwrap_or(default.cbr),
            inband_fec: self.inband_fec.unwrap_or(default.inband_fec),
            expected_loss_percent: self
                .expected_loss_percent
                .unwrap_or(default.expected_loss_percent),
            frame_ms: self.frame_ms.unwrap_or(default.frame_ms),
        })
    }
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

/// The application named by `value` ("voip" or "audio", case-insensitive).
fn application(value: &JsValue) -> Result<OpusApplication, Error> {
    value
        .as_string()
        .and_then(|name| {
            APPLICATIONS
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(&name))
                .map(|&(_, app)| app)
        })
        .ok_or_else(|| {
            Error::InvalidArgument(format!(
                "opus application {value:?} is not supported; expected \"voip\" or \"audio\""
            ))
        })
}

/// The JS name of `app`.
fn application_name(app: OpusApplication) -> String {
    APPLICATIONS
        .iter()
        .find(|&&(_, a)| a == app)
        .map_or_else(|| format!("{app:?}").to_lowercase(), |&(n, _)| n.to_owned())
}

/// `config` as an `OpusSettings` object.
pub(crate) fn settings_object(config: &OpusConfig) -> JsValue {
    args::object([
        (
            "application",
            JsValue::from_str(&application_name(config.application)),
        ),
        ("bitrate", config.bitrate.into()),
        ("complexity", config.complexity.into()),
        ("cbr", config.cbr.into()),
        ("inbandFec", config.inband_fec.into()),
        ("expectedLossPercent", config.expected_loss_percent.into()),
        ("frameMs", config.frame_ms.into()),
    ])
}

/// A core encoder; an Opus one keeps its type so that its settings can be read back.
pub(crate) enum AnyEncoder {
    Opus(Box<OpusEncoder>),
    Other(Box<dyn Encoder>),
}

impl AnyEncoder {
    /// An encoder for `codec`; Opus codes as `opus` says, the other codecs ignore it.
    pub fn new(
        codec: Codec,
        sample_rate: u32,
        channels: u16,
        opus: OpusConfig,
    ) -> Result<Self, Error> {
        Ok(if codec == Codec::Opus {
            AnyEncoder::Opus(Box::new(OpusEncoder::new(sample_rate, channels, opus)?))
        } else {
            AnyEncoder::Other(mediacore::new_encoder(codec, sample_rate, channels)?)
        })
    }

    pub fn info(&self) -> &dyn CodecInfo {
        match self {
            AnyEncoder::Opus(opus) => opus.as_ref(),
            AnyEncoder::Other(other) => other.as_ref(),
        }
    }

    pub fn coder(&mut self) -> &mut dyn Encoder {
        match self {
            AnyEncoder::Opus(opus) => opus.as_mut(),
            AnyEncoder::Other(other) => other.as_mut(),
        }
    }

    /// The Opus settings in force, for an Opus encoder.
    pub fn opus_config(&self) -> Option<&OpusConfig> {
        match self {
            AnyEncoder::Opus(opus) => Some(opus.config()),
            AnyEncoder::Other(_) => None,
        }
    }
}

/// A core decoder; an Opus one keeps its type for concealment and FEC recovery.
pub(crate) enum AnyDecoder {
    Opus(Box<OpusDecoder>),
    Other(Box<dyn Decoder>),
}

impl AnyDecoder {
    /// A decoder for `codec`, as [`mediacore::new_decoder`] builds it.
    pub fn new(codec: Codec, sample_rate: u32, channels: u16) -> Result<Self, Error> {
        Ok(if codec == Codec::Opus {
            AnyDecoder::Opus(Box::new(OpusDecoder::new(sample_rate, channels)?))
        } else {
            AnyDecoder::Other(mediacore::new_decoder(codec, sample_rate, channels)?)
        })
    }

    pub fn info(&self) -> &dyn CodecInfo {
        match self {
            AnyDecoder::Opus(opus) => opus.as_ref(),
            AnyDecoder::Other(other) => other.as_ref(),
        }
    }

    pub fn coder(&mut self) -> &mut dyn Decoder {
        match self {
            AnyDecoder::Opus(opus) => opus.as_mut(),
            AnyDecoder::Other(other) => other.as_mut(),
        }
    }

    /// The Opus decoder, or an error naming `method` that needs one.
    pub fn opus(&mut self, method: &str) -> Result<&mut OpusDecoder, Error> {
        match self {
            AnyDecoder::Opus(opus) => Ok(opus),
            AnyDecoder::Other(other) => Err(Error::InvalidArgument(format!(
                "{method} needs an opus decoder; this one decodes {}",
                other.codec()
            ))),
        }
    }
}
