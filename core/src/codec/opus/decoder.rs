//! The Opus decoder: packets to interleaved `i16` at 8 to 48 kHz, with the decoder's own
//! loss concealment and in-band FEC recovery.

use super::{MAX_PACKET_MS, library_error};
use crate::codec::{Codec, CodecInfo, Decoder, check_config};
use crate::dsp::HalfbandDecimator;
use crate::error::{CodecError, Error, Result};

/// An Opus decoder (RFC 6716) built on `opus-rs`.
///
/// Any packet decodes at any output rate and channel count: a mono decoder downmixes stereo
/// packets and a stereo decoder plays mono packets on both channels. Losses are handled by
/// [`Decoder::conceal`] (packet loss concealment) or, when the packet after the loss
/// carries in-band FEC, by [`Decoder::decode_fec`].
pub struct OpusDecoder {
    inner: opus_rs::OpusDecoder,
    sample_rate: u32,
    channels: u16,
    /// At 8 and 12 kHz: the library decodes at twice the rate and this halves it.
    decimator: Option<HalfbandDecimator>,
    /// Float output of the library at its rate, room for the longest packet (120 ms).
    scratch: Vec<f32>,
    /// Decimated float output, when there is a decimator.
    halved: Vec<f32>,
}

impl core::fmt::Debug for OpusDecoder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OpusDecoder")
            .field("sample_rate", &self.sample_rate)
            .field("channels", &self.channels)
            .finish_non_exhaustive()
    }
}

impl OpusDecoder {
    /// A decoder producing `channels` interleaved channels at `sample_rate` Hz: 48000,
    /// 24000, 16000, 12000 or 8000.
    ///
    /// At 8 and 12 kHz the library decodes at 16 or 24 kHz and a half-band filter
    /// ([`HalfbandDecimator`]) halves the rate: `opus-rs` 0.1.40 decoding a wideband stream
    /// straight to those rates is not libopus-equivalent (PESQ 3.28 against 4.22). The
    /// filter adds [`crate::dsp::halfband::HALFBAND_DELAY`] samples of the library's rate
    /// (2.8 ms at 8 kHz, 1.9 ms at 12 kHz).
    pub fn new(sample_rate: u32, channels: u16) -> Result<Self> {
        check_config(Codec::Opus, sample_rate, channels)?;
        let library_rate = library_rate(sample_rate);
        let inner = opus_rs::OpusDecoder::new(library_rate as i32, usize::from(channels))
            .map_err(|e| library_error("decoder", e))?;
        let decimator = (library_rate != sample_rate).then(|| HalfbandDecimator::new(channels));
        let most = max_samples(library_rate) * usize::from(channels);
        Ok(OpusDecoder {
            inner,
            sample_rate,
            channels,
            halved: if decimator.is_some() {
                vec![0.0; most / 2]
            } else {
                Vec::new()
            },
            decimator,
            scratch: vec![0.0; most],
        })
    }

    /// The rate the library decodes at: the output rate, or twice it at 8 and 12 kHz.
    fn library_rate(&self) -> u32 {
        library_rate(self.sample_rate)
    }

    /// Checks a concealment duration and the room in `out`; returns the interleaved length.
    fn check_duration(&self, samples_per_channel: usize, capacity: usize) -> Result<usize> {
        let unit = (self.sample_rate / 400) as usize;
        let max = max_samples(self.sample_rate);
        if samples_per_channel == 0
            || !samples_per_channel.is_multiple_of(unit)
            || samples_per_channel > max
        {
            return Err(Error::InvalidArgument(format!(
                "opus can conceal {unit} to {max} samples per channel in steps of {unit} \
                 (2.5 ms at {} Hz); got {samples_per_channel}",
                self.sample_rate
            )));
        }
        let needed = samples_per_channel * usize::from(self.channels);
        if capacity < needed {
            return Err(CodecError::OutputTooSmall { needed, capacity }.into());
        }
        Ok(needed)
    }

    /// 2 when the library decodes at twice the output rate, else 1.
    fn rate_factor(&self) -> usize {
        (self.library_rate() / self.sample_rate) as usize
    }

    /// Converts `per_channel` samples the library decoded into the scratch buffer (at its
    /// rate) into `out` at the output rate; returns the interleaved samples written.
    fn deliver(&mut self, per_channel: usize, out: &mut [i16]) -> usize {
        let n = per_channel * usize::from(self.channels);
        let decoded = match &mut self.decimator {
            None => &self.scratch[..n],
            Some(decimator) => {
                let m = decimator.process(&self.scratch[..n], &mut self.halved);
                &self.halved[..m]
            }
        };
        for (o, &x) in out.iter_mut().zip(decoded) {
            *o = to_i16(x);
        }
        decoded.len().min(out.len())
    }
}

impl CodecInfo for OpusDecoder {
    fn codec(&self) -> Codec {
        Codec::Opus
    }

    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn channels(&self) -> u16 {
        self.channels
    }
}

impl Decoder for OpusDecoder {
    /// Any non-empty packet may hold up to 120 ms (RFC 6716 §3.2.5).
    fn max_decoded_len(&self, payload_len: usize) -> usize {
        if payload_len == 0 {
            0
        } else {
            max_samples(self.sample_rate) * usize::from(self.channels)
        }
    }

    /// Decodes one packet. A one-byte packet (a TOC without frame data) is a frame the
    /// sender did not code, and is concealed for the duration its TOC gives. An empty
    /// payload is an error: call [`Decoder::conceal`] for a lost packet.
    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize> {
        if payload.is_empty() {
            return Err(malformed(
                "empty payload (call Decoder::conceal for a lost packet)",
            ));
        }
        let per_channel = packet_samples(payload, self.sample_rate)?;
        let len = per_channel * usize::from(self.channels);
        if out.len() < len {
            return Err(CodecError::OutputTooSmall {
                needed: len,
                capacity: out.len(),
            }
            .into());
        }
        let factor = self.rate_factor();
        let n = self
            .inner
            .decode(
                payload,
                per_channel * factor,
                &mut self.scratch[..len * factor],
            )
            .map_err(malformed)?;
        Ok(self.deliver(n, out))
    }

    /// Conceals `samples_per_channel` lost samples (a multiple of 2.5 ms, at most 120 ms)
    /// by the decoder's packet loss concealment, which extrapolates from what it last
    /// decoded. Returns the interleaved samples written to `out`.
    fn conceal(&mut self, samples_per_channel: usize, out: &mut [i16]) -> Result<usize> {
        let len = self.check_duration(samples_per_channel, out.len())?;
        let factor = self.rate_factor();
        let n = self
            .inner
            .decode(
                &[],
                samples_per_channel * factor,
                &mut self.scratch[..len * factor],
            )
            .map_err(|e| library_error("decoder", e))?;
        Ok(self.deliver(n, out))
    }

    /// Rebuilds a lost packet of `samples_per_channel` samples (a multiple of 2.5 ms, at
    /// most 120 ms) from the in-band FEC (SILK LBRR) carried by `next_payload`, the packet
    /// that followed the loss; what the FEC does not cover is concealed. Decode
    /// `next_payload` itself afterwards with [`Decoder::decode`].
    fn decode_fec(
        &mut self,
        next_payload: &[u8],
        samples_per_channel: usize,
        out: &mut [i16],
    ) -> Result<usize> {
        let len = self.check_duration(samples_per_channel, out.len())?;
        if !next_payload.is_empty() {
            packet_samples(next_payload, self.sample_rate)?;
        }
        let factor = self.rate_factor();
        let n = self
            .inner
            .decode_fec(
                next_payload,
                samples_per_channel * factor,
                &mut self.scratch[..len * factor],
            )
            .map_err(|e| library_error("decoder", e))?;
        Ok(self.deliver(n, out))
    }
}

/// Samples per channel an Opus packet holds at `sample_rate`, from its TOC byte and frame
/// count (RFC 6716 §3.1, §3.2); fails for an empty packet, a code 3 packet without a frame
/// count, or one longer than 120 ms.
pub fn packet_samples(payload: &[u8], sample_rate: u32) -> Result<usize> {
    let Some(&toc) = payload.first() else {
        return Err(malformed("empty packet"));
    };
    // Frame duration in units of 2.5 ms, from the configuration number (RFC 6716 table 2).
    let config = toc >> 3;
    let units = match config {
        0..=11 => [4, 8, 16, 24][usize::from(config & 3)],
        12..=15 => [4, 8][usize::from(config & 1)],
        _ => [1, 2, 4, 8][usize::from(config & 3)],
    };
    let frames = match toc & 3 {
        0 => 1,
        1 | 2 => 2,
        _ => match payload.get(1) {
            Some(count) if count & 0x3F != 0 => usize::from(count & 0x3F),
            Some(_) => return Err(malformed("code 3 packet with zero frames")),
            None => return Err(malformed("code 3 packet without a frame count")),
        },
    };
    let total_units = units * frames;
    // The packet lasts `total_units * 2.5` ms.
    if total_units * 5 > MAX_PACKET_MS * 2 {
        return Err(malformed("packet longer than 120 ms"));
    }
    Ok(total_units * (sample_rate / 400) as usize)
}

/// The rate the library decodes at for output at `sample_rate`: twice 8 and 12 kHz.
fn library_rate(sample_rate: u32) -> u32 {
    if sample_rate < 16_000 {
        2 * sample_rate
    } else {
        sample_rate
    }
}

/// Samples per channel in the longest packet at `sample_rate`.
fn max_samples(sample_rate: u32) -> usize {
    sample_rate as usize / 1000 * MAX_PACKET_MS
}

/// Float PCM (full scale ±1.0) to 16 bits, rounded and saturated as libopus's
/// `opus_decode` does.
fn to_i16(x: f32) -> i16 {
    // `as` saturates and maps NaN to 0.
    (x * 32768.0).round() as i16
}

fn malformed(reason: &str) -> Error {
    CodecError::MalformedPayload {
        codec: Codec::Opus.name(),
        reason: reason.into(),
    }
    .into()
}
