//! Opus settings as a uniffi record, and the coders that keep Opus's own type.
//!
//! `Encoder::new_opus`, `MediaSession` and `Transcoder` take an [`OpusSettings`] whose
//! fields are those of the core's [`OpusConfig`]; a field left at `None` keeps
//! [`OpusConfig::default`]'s value, and the core checks the result. `Decoder` keeps an
//! [`OpusDecoder`] as such so that its loss concealment and FEC recovery stay reachable.

use ::mediacore::codec::opus::{self, OpusConfig, OpusDecoder, OpusEncoder};
use ::mediacore::{Codec, CodecInfo, Decoder, Encoder, Error};

/// What the Opus encoder optimises for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OpusApplication {
    /// Speech: the right choice for calls.
    Voip,
    /// Music and mixed content (music on hold).
    Audio,
}

impl From<OpusApplication> for opus::OpusApplication {
    fn from(app: OpusApplication) -> Self {
        match app {
            OpusApplication::Voip => opus::OpusApplication::Voip,
            OpusApplication::Audio => opus::OpusApplication::Audio,
        }
    }
}

/// The binding's name for a core application; `None` for one added to the core later.
fn from_core(app: opus::OpusApplication) -> Option<OpusApplication> {
    match app {
        opus::OpusApplication::Voip => Some(OpusApplication::Voip),
        opus::OpusApplication::Audio => Some(OpusApplication::Audio),
        _ => None,
    }
}

/// Settings of the Opus encoder; `None` keeps the engine's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, uniffi::Record)]
pub struct OpusSettings {
    /// Speech (`Voip`) or music (`Audio`).
    #[uniffi(default = None)]
    pub application: Option<OpusApplication>,
    /// Target bit rate in bit/s, for all channels together.
    #[uniffi(default = None)]
    pub bitrate: Option<u32>,
    /// Encoder effort, 0 to 10.
    #[uniffi(default = None)]
    pub complexity: Option<u8>,
    /// Constant bit rate: every packet of a given duration has the same size.
    #[uniffi(default = None)]
    pub cbr: Option<bool>,
    /// Code a low-bit-rate copy of each frame into the next packet (in-band FEC).
    #[uniffi(default = None)]
    pub inband_fec: Option<bool>,
    /// Packet loss the encoder should expect, 0 to 100 percent.
    #[uniffi(default = None)]
    pub expected_loss_percent: Option<u8>,
    /// Audio per packet in milliseconds: 10, 20, 40 or 60. Only for `Encoder::new_opus`:
    /// sessions and transcoders take it from their packet time.
    #[uniffi(default = None)]
    pub frame_ms: Option<u8>,
}

impl OpusSettings {
    /// The fields given, by name.
    fn given(&self) -> Vec<&'static str> {
        [
            ("application", self.application.is_some()),
            ("bitrate", self.bitrate.is_some()),
            ("complexity", self.complexity.is_some()),
            ("cbr", self.cbr.is_some()),
            ("inband_fec", self.inband_fec.is_some()),
            (
                "expected_loss_percent",
                self.expected_loss_percent.is_some(),
            ),
            ("frame_ms", self.frame_ms.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }

    /// [`OpusConfig::default`] with the given fields in place, for a coder of `codec`; an
    /// error when fields are given for another codec, or `frame_ms` where `frame_ms_set_by`
    /// (a packet time argument) sets it. The core validates the values.
    pub fn config(&self, codec: Codec, frame_ms_set_by: Option<&str>) -> Result<OpusConfig, Error> {
        let given = self.given();
        if codec != Codec::Opus && !given.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "{} only appl{} to the opus codec; got {codec}",
                given.join(", "),
                if given.len() == 1 { "ies" } else { "y" }
            )));
        }
        if let (Some(setter), Some(_)) = (frame_ms_set_by, self.frame_ms) {
            return Err(Error::InvalidArgument(format!(
                "opus frame_ms does not apply here: {setter} sets the opus frame duration"
            )));
        }
        let default = OpusConfig::default();
        Ok(OpusConfig {
            application: self.application.map_or(default.application, Into::into),
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

impl From<&OpusConfig> for OpusSettings {
    fn from(config: &OpusConfig) -> Self {
        OpusSettings {
            application: from_core(config.application),
            bitrate: Some(config.bitrate),
            complexity: Some(config.complexity),
            cbr: Some(config.cbr),
            inband_fec: Some(config.inband_fec),
            expected_loss_percent: Some(config.expected_loss_percent),
            frame_ms: Some(config.frame_ms),
        }
    }
}

/// A core encoder; an Opus one keeps its type so that its settings can be read back.
pub(crate) enum AnyEncoder {
    Opus(Box<OpusEncoder>),
    Other(Box<dyn Encoder>),
}

impl AnyEncoder {
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
