//! Codecs: the [`Encoder`]/[`Decoder`] traits, the [`Codec`] names used in SDP, and the
//! factories that build a coder for a name, rate and channel count.
//!
//! Encoders and decoders write into caller-owned buffers so that the per-frame path does
//! not allocate. A codec that cannot be built is reported as an error, never simulated.

pub mod cn;
pub mod g711;
pub mod g722;
pub mod l16;
pub mod opus;

use core::time::Duration;

use crate::error::{CodecError, Error, Result};
pub(crate) use crate::frame::check_interleaved as check_layout;

/// A codec known to the engine, named as in SDP `rtpmap` (RFC 4566, RFC 3551).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Codec {
    /// ITU-T G.711 µ-law.
    Pcmu,
    /// ITU-T G.711 A-law.
    Pcma,
    /// ITU-T G.722, 16 kHz audio at 64 kbit/s.
    G722,
    /// Opus (RFC 6716), 8 to 48 kHz audio at 8 kbit/s and up; RTP per RFC 7587.
    Opus,
    /// Uncompressed 16-bit big-endian PCM (RFC 3551 §4.5.11).
    L16,
    /// Comfort noise (RFC 3389): SID payloads describing background noise.
    Cn,
}

impl Codec {
    /// Every codec this build can construct, in the order they are listed to users.
    pub const ALL: &'static [Codec] = &[
        Codec::Pcmu,
        Codec::Pcma,
        Codec::G722,
        Codec::Opus,
        Codec::L16,
        Codec::Cn,
    ];

    /// Looks up an SDP encoding name; names are case-insensitive (RFC 4566 §6).
    pub fn from_name(name: &str) -> Result<Codec> {
        Codec::ALL
            .iter()
            .copied()
            .find(|c| c.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let supported: Vec<&str> = Codec::ALL.iter().map(|c| c.name()).collect();
                CodecError::UnknownCodec {
                    name: name.to_owned(),
                    supported: supported.join(", "),
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
            Codec::Opus => "opus",
            Codec::L16 => "L16",
            Codec::Cn => "CN",
        }
    }

    /// The static RTP payload type from RFC 3551 table 4 for the codec at its default
    /// rate, if it has one (L16 has static types only at 44.1 kHz, which is not a
    /// telephony rate, so none here).
    pub const fn static_payload_type(self) -> Option<u8> {
        match self {
            Codec::Pcmu => Some(0),
            Codec::Pcma => Some(8),
            Codec::G722 => Some(9),
            Codec::Opus | Codec::L16 => None,
            // RFC 3551 table 4: CN/8000 is payload type 13; other rates are dynamic.
            Codec::Cn => Some(13),
        }
    }

    /// The RTP clock rate in Hz for audio sampled at `sample_rate` (RFC 3551 table 4,
    /// RFC 7587 §4.1).
    pub const fn rtp_clock_rate(self, sample_rate: u32) -> u32 {
        match self {
            Codec::Pcmu | Codec::Pcma => 8000,
            // RFC 3551 §4.5.2: 8000 for G.722 although it samples at 16 kHz.
            Codec::G722 => 8000,
            // RFC 7587 §4.1: 48000 for Opus at every audio rate.
            Codec::Opus => opus::RTP_CLOCK_RATE,
            // RFC 3389 §4: CN runs on the clock of the audio it accompanies.
            Codec::L16 | Codec::Cn => sample_rate,
        }
    }

    /// The audio sample rates the codec runs at; the first is its default.
    pub const fn sample_rates(self) -> &'static [u32] {
        match self {
            Codec::Pcmu | Codec::Pcma => &[8000],
            Codec::G722 => &[g722::SAMPLE_RATE],
            Codec::Opus => &opus::ENCODER_RATES,
            Codec::L16 | Codec::Cn => &[8000, 16_000, 48_000],
        }
    }

    /// The most interleaved channels the codec carries.
    pub const fn max_channels(self) -> u16 {
        match self {
            Codec::Pcmu | Codec::Pcma | Codec::Opus | Codec::L16 => 2,
            Codec::G722 | Codec::Cn => 1,
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

    /// Makes up `samples_per_channel` samples of audio for a lost packet from what was
    /// decoded before (packet loss concealment), returning the interleaved samples written.
    /// A codec without concealment returns [`CodecError::Unsupported`].
    fn conceal(&mut self, samples_per_channel: usize, out: &mut [i16]) -> Result<usize> {
        let _ = (samples_per_channel, out);
        Err(CodecError::Unsupported {
            codec: self.codec().name(),
            operation: "loss concealment",
        }
        .into())
    }

    /// Rebuilds a lost packet of `samples_per_channel` samples from the redundancy that
    /// `next_payload`, the packet after the loss, carries (in-band FEC); decode
    /// `next_payload` itself afterwards. A codec without in-band FEC returns
    /// [`CodecError::Unsupported`].
    fn decode_fec(
        &mut self,
        next_payload: &[u8],
        samples_per_channel: usize,
        out: &mut [i16],
    ) -> Result<usize> {
        let _ = (next_payload, samples_per_channel, out);
        Err(CodecError::Unsupported {
            codec: self.codec().name(),
            operation: "in-band FEC",
        }
        .into())
    }
}

/// Builds an encoder for `codec` taking PCM at `sample_rate` with `channels`.
pub fn new_encoder(codec: Codec, sample_rate: u32, channels: u16) -> Result<Box<dyn Encoder>> {
    check_config(codec, sample_rate, channels)?;
    Ok(match codec {
        Codec::Pcmu => Box::new(g711::G711::encoder(g711::Law::Mu, channels)),
        Codec::Pcma => Box::new(g711::G711::encoder(g711::Law::A, channels)),
        Codec::G722 => Box::new(g722::G722Encoder::new()),
        Codec::Opus => Box::new(opus::OpusEncoder::new(
            sample_rate,
            channels,
            opus::OpusConfig::default(),
        )?),
        Codec::L16 => Box::new(l16::L16::new(sample_rate, channels)),
        Codec::Cn => Box::new(cn::ComfortNoise::new(sample_rate, 0)),
    })
}

/// [`new_encoder`] with the Opus settings: for Opus, an encoder coding as `opus` says; the
/// other codecs ignore it (check [`opus::OpusOptions::resolve`] first to refuse Opus
/// settings given for another codec).
pub fn new_encoder_with(
    codec: Codec,
    sample_rate: u32,
    channels: u16,
    opus: opus::OpusConfig,
) -> Result<Box<dyn Encoder>> {
    if codec == Codec::Opus {
        check_config(codec, sample_rate, channels)?;
        Ok(Box::new(opus::OpusEncoder::new(
            sample_rate,
            channels,
            opus,
        )?))
    } else {
        new_encoder(codec, sample_rate, channels)
    }
}

/// Builds an encoder for `codec` that codes one packet of `ptime` audio per call, as a
/// session or a transcoder sends: for Opus, `opus` with its frame duration set to `ptime`
/// (10, 20, 40 or 60 ms; other packet times are refused); the other codecs code any
/// length and ignore `opus`.
pub fn new_packet_encoder(
    codec: Codec,
    sample_rate: u32,
    channels: u16,
    ptime: Duration,
    opus: opus::OpusConfig,
) -> Result<Box<dyn Encoder>> {
    if codec != Codec::Opus {
        return new_encoder(codec, sample_rate, channels);
    }
    let frame_ms = u8::try_from(ptime.as_millis())
        .ok()
        .filter(|ms| opus::FRAME_MS.contains(ms) && ptime.subsec_nanos().is_multiple_of(1_000_000));
    let Some(frame_ms) = frame_ms else {
        return Err(Error::InvalidArgument(format!(
            "opus cannot send {} ms packets; its ptime must be 10, 20, 40 or 60 ms",
            ptime.as_secs_f64() * 1000.0
        )));
    };
    new_encoder_with(
        codec,
        sample_rate,
        channels,
        opus::OpusConfig { frame_ms, ..opus },
    )
}

/// Builds a decoder for `codec` producing PCM at `sample_rate` with `channels`.
pub fn new_decoder(codec: Codec, sample_rate: u32, channels: u16) -> Result<Box<dyn Decoder>> {
    check_config(codec, sample_rate, channels)?;
    Ok(match codec {
        Codec::Pcmu => Box::new(g711::G711::new(g711::Law::Mu, channels)),
        Codec::Pcma => Box::new(g711::G711::new(g711::Law::A, channels)),
        Codec::G722 => Box::new(g722::G722Decoder::new(g722::Mode::Kbit64)),
        Codec::Opus => Box::new(opus::OpusDecoder::new(sample_rate, channels)?),
        Codec::L16 => Box::new(l16::L16::new(sample_rate, channels)),
        Codec::Cn => Box::new(cn::ComfortNoise::new(sample_rate, 0)),
    })
}

fn check_config(codec: Codec, sample_rate: u32, channels: u16) -> Result<()> {
    let rates = codec.sample_rates();
    if !rates.contains(&sample_rate) {
        let supported: Vec<String> = rates.iter().map(u32::to_string).collect();
        return Err(CodecError::UnsupportedSampleRate {
            codec: codec.name(),
            requested: sample_rate,
            supported: supported.join(", "),
        }
        .into());
    }
    let max = codec.max_channels();
    if channels == 0 || channels > max {
        return Err(CodecError::UnsupportedChannels {
            codec: codec.name(),
            requested: channels,
            supported: match max {
                1 => "1".into(),
                2 => "1 or 2".into(),
                _ => format!("1 to {max}"),
            },
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
            "codec \"G729\" is not supported; supported codecs are PCMU, PCMA, G722, opus, L16, CN"
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
