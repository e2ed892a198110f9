//! Codecs: the [`Encoder`]/[`Decoder`] traits, the [`Codec`] names used in SDP, and the
//! factories that build a coder for a name, rate and channel count.
//!
//! Encoders and decoders write into caller-owned buffers so that the per-frame path does
//! not allocate. A codec that cannot be built is reported as an error, never simulated.

pub mod g711;
pub mod g722;

use crate::error::{CodecError, Result};
pub(crate) use crate::frame::check_interleaved as check_layout;

/// The encoding names this build can code, for error messages.
const SUPPORTED: &str = "PCMU, PCMA";

/// A codec known to the engine, named as in SDP `rtpmap` (RFC 4566, RFC 3551).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Codec {
    /// ITU-T G.711 µ-law.
    Pcmu,
    /// ITU-T G.711 A-law.
    Pcma,
    /// ITU-T G.722, 16 kHz audio at 64 kbit/s. Not yet in [`Codec::ALL`] nor found by
    /// [`Codec::from_name`]; build it with [`g722::G722Encoder`] and [`g722::G722Decoder`].
    G722,
}

impl Codec {
    /// Every codec this build can construct.
    pub const ALL: &'static [Codec] = &[Codec::Pcmu, Codec::Pcma];

    /// Looks up an SDP encoding name; names are case-insensitive (RFC 4566 §6).
    pub fn from_name(name: &str) -> Result<Codec> {
        Codec::ALL
            .iter()
            .copied()
            .find(|c| c.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                CodecError::UnknownCodec {
                    name: name.to_owned(),
                    supported: SUPPORTED,
                }
                .into()
            })
    }

    /// The SDP encoding name.
    pub const fn name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
            Codec::G722 => "G722",
        }
    }

    /// The static RTP payload type from RFC 3551 table 4, if the codec has one.
    pub const fn static_payload_type(self) -> Option<u8> {
        match self {
            Codec::Pcmu => Some(0),
            Codec::Pcma => Some(8),
            Codec::G722 => Some(9),
        }
    }

    /// The RTP clock rate in Hz (RFC 3551 table 4).
    pub const fn clock_rate(self) -> u32 {
        match self {
            Codec::Pcmu | Codec::Pcma => 8000,
            // RFC 3551 §4.5.2: 8000 for G.722 although it samples at 16 kHz.
            Codec::G722 => 8000,
        }
    }

    /// The audio sample rates the codec runs at.
    pub const fn sample_rates(self) -> &'static [u32] {
        match self {
            Codec::Pcmu | Codec::Pcma => &[8000],
            Codec::G722 => &[g722::SAMPLE_RATE],
        }
    }

    fn supported_rates_text(self) -> &'static str {
        match self {
            Codec::Pcmu | Codec::Pcma => "8000",
            Codec::G722 => "16000",
        }
    }
}

impl core::fmt::Display for Codec {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a coder codes, at which rate and with how many channels.
pub trait CodecInfo {
    /// The codec.
    fn codec(&self) -> Codec;
    /// Sample rate of the PCM side, in Hz.
    fn sample_rate(&self) -> u32;
    /// Channels of the PCM side (interleaved).
    fn channels(&self) -> u16;
}

/// Turns PCM into codec payload.
pub trait Encoder: CodecInfo + Send {
    /// The largest payload `samples` interleaved input samples can produce.
    fn max_payload_len(&self, samples: usize) -> usize;
    /// Encodes `pcm` into `out`, returning the number of bytes written.
    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize>;
}

/// Turns codec payload into PCM.
pub trait Decoder: CodecInfo + Send {
    /// The most interleaved samples a payload of `payload_len` bytes can decode to.
    fn max_decoded_len(&self, payload_len: usize) -> usize;
    /// Decodes `payload` into `out`, returning the number of interleaved samples written.
    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize>;
}

/// Builds an encoder for `codec` taking PCM at `sample_rate` with `channels`.
pub fn new_encoder(codec: Codec, sample_rate: u32, channels: u16) -> Result<Box<dyn Encoder>> {
    check_config(codec, sample_rate, channels)?;
    Ok(match codec {
        Codec::Pcmu => Box::new(g711::G711::new(g711::Law::Mu, channels)),
        Codec::Pcma => Box::new(g711::G711::new(g711::Law::A, channels)),
        Codec::G722 => {
            g722::check_mono(channels)?;
            Box::new(g722::G722Encoder::new())
        }
    })
}

/// Builds a decoder for `codec` producing PCM at `sample_rate` with `channels`.
pub fn new_decoder(codec: Codec, sample_rate: u32, channels: u16) -> Result<Box<dyn Decoder>> {
    check_config(codec, sample_rate, channels)?;
    Ok(match codec {
        Codec::Pcmu => Box::new(g711::G711::new(g711::Law::Mu, channels)),
        Codec::Pcma => Box::new(g711::G711::new(g711::Law::A, channels)),
        Codec::G722 => {
            g722::check_mono(channels)?;
            Box::new(g722::G722Decoder::new(g722::Mode::Kbit64))
        }
    })
}

fn check_config(codec: Codec, sample_rate: u32, channels: u16) -> Result<()> {
    if !codec.sample_rates().contains(&sample_rate) {
        return Err(CodecError::UnsupportedSampleRate {
            codec: codec.name(),
            requested: sample_rate,
            supported: codec.supported_rates_text(),
        }
        .into());
    }
    if !(1..=2).contains(&channels) {
        return Err(CodecError::UnsupportedChannels {
            codec: codec.name(),
            requested: channels,
            supported: "1 or 2",
        }
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn names_are_case_insensitive_and_unknown_names_are_errors() {
        assert_eq!(Codec::from_name("pcmu").unwrap(), Codec::Pcmu);
        assert_eq!(Codec::from_name("PCMA").unwrap(), Codec::Pcma);
        let err = Codec::from_name("G729").unwrap_err();
        assert_eq!(
            err.to_string(),
            "codec \"G729\" is not supported; supported codecs are PCMU, PCMA"
        );
    }

    #[test]
    fn factories_reject_wrong_rates_and_channels() {
        let err = new_encoder(Codec::Pcmu, 16_000, 1).err().unwrap();
        assert!(matches!(
            err,
            Error::Codec(CodecError::UnsupportedSampleRate {
                requested: 16_000,
                ..
            })
        ));
        assert_eq!(
            err.to_string(),
            "PCMU does not run at 16000 Hz; supported rates: 8000"
        );
        assert!(new_decoder(Codec::Pcma, 8000, 0).is_err());
        assert!(new_decoder(Codec::Pcma, 8000, 3).is_err());
        assert!(new_decoder(Codec::Pcma, 8000, 2).is_ok());
    }
}
