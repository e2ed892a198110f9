//! Opus settings as keyword arguments, and the coders that keep Opus's own type.
//!
//! `Encoder`, `MediaSession` and `Transcoder` take the fields of the core's [`OpusConfig`] as
//! keyword arguments; an argument left at `None` keeps [`OpusConfig::default`]'s value, and
//! the core checks the result. `Decoder` keeps an [`OpusDecoder`] as such so that its loss
//! concealment and FEC recovery stay reachable.

use ::mediacore::codec::opus::{OpusApplication, OpusConfig, OpusDecoder, OpusEncoder};
use ::mediacore::{Codec, CodecInfo, Decoder, Encoder, Error};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The Python spelling of each [`OpusApplication`].
const APPLICATIONS: [(&str, OpusApplication); 2] = [
    ("voip", OpusApplication::Voip),
    ("audio", OpusApplication::Audio),
];

/// The fields of an [`OpusConfig`] given as keyword arguments; `None` where not given.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct OpusArgs<'a> {
    pub application: Option<&'a str>,
    pub bitrate: Option<u32>,
    pub complexity: Option<u8>,
    pub cbr: Option<bool>,
    pub inband_fec: Option<bool>,
    pub expected_loss_percent: Option<u8>,
    pub frame_ms: Option<u8>,
}

impl OpusArgs<'_> {
    /// The names of the arguments given, in signature order.
    fn given(&self) -> Vec<&'static str> {
        [
            ("bitrate", self.bitrate.is_some()),
            ("complexity", self.complexity.is_some()),
            ("cbr", self.cbr.is_some()),
            ("inband_fec", self.inband_fec.is_some()),
            (
                "expected_loss_percent",
                self.expected_loss_percent.is_some(),
            ),
            ("frame_ms", self.frame_ms.is_some()),
            ("application", self.application.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }

    /// [`OpusConfig::default`] with the given arguments in place, for a coder of `codec`;
    /// an error when arguments are given for another codec. The core validates the values.
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
            application: match self.application {
                Some(name) => application(name)?,
                None => default.application,
            },
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

/// The application named `name` ("voip" or "audio", case-insensitive).
fn application(name: &str) -> Result<OpusApplication, Error> {
    APPLICATIONS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|&(_, app)| app)
        .ok_or_else(|| {
            Error::InvalidArgument(format!(
                "opus application {name:?} is not supported; expected \"voip\" or \"audio\""
            ))
        })
}

/// The Python name of `app`.
fn application_name(app: OpusApplication) -> String {
    APPLICATIONS
        .iter()
        .find(|&&(_, a)| a == app)
        .map_or_else(|| format!("{app:?}").to_lowercase(), |&(n, _)| n.to_owned())
}

/// `config` as keyword arguments: `bitrate=24000, ..., application='voip'`.
pub(crate) fn config_kwargs(config: &OpusConfig) -> String {
    format!(
        "bitrate={}, complexity={}, cbr={}, inband_fec={}, expected_loss_percent={}, \
         frame_ms={}, application='{}'",
        config.bitrate,
        config.complexity,
        if config.cbr { "True" } else { "False" },
        if config.inband_fec { "True" } else { "False" },
        config.expected_loss_percent,
        config.frame_ms,
        application_name(config.application)
    )
}

/// `config` as a dict keyed like the keyword arguments.
pub(crate) fn config_dict<'py>(
    py: Python<'py>,
    config: &OpusConfig,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("bitrate", config.bitrate)?;
    dict.set_item("complexity", config.complexity)?;
    dict.set_item("cbr", config.cbr)?;
    dict.set_item("inband_fec", config.inband_fec)?;
    dict.set_item("expected_loss_percent", config.expected_loss_percent)?;
    dict.set_item("frame_ms", config.frame_ms)?;
    dict.set_item("application", application_name(config.application))?;
    Ok(dict)
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
            AnyEncoder::Other(::mediacore::new_encoder(codec, sample_rate, channels)?)
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
            AnyDecoder::Other(::mediacore::new_decoder(codec, sample_rate, channels)?)
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
