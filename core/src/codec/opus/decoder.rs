//! The Opus decoder: packets to interleaved `i16` at 16, 24 or 48 kHz, with the decoder's
//! own loss concealment and in-band FEC recovery.

use super::{DECODER_RATES, MAX_PACKET_MS, library_error};
use crate::codec::{Codec, CodecInfo, Decoder, check_config};
use crate::error::{CodecError, Error, Result};

/// An Opus decoder (RFC 6716) built on `opus-rs`.
///
/// Any packet decodes at any output rate and channel count: a mono decoder downmixes stereo
/// packets and a stereo decoder plays mono packets on both channels. Losses are handled by
/// [`OpusDecoder::conceal`] (packet loss concealment) or, when the packet after the loss
/// carries in-band FEC, by [`OpusDecoder::decode_fec`].
pub struct OpusDecoder {
    inner: opus_rs::OpusDecoder,
    sample_rate: u32,
    channels: u16,
    /// Float output of the library, room for the longest packet (120 ms).
    scratch: Vec<f32>,
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
    /// A decoder producing `channels` interleaved channels at `sample_rate` Hz: 16000, 24000
    /// or 48000.
    ///
    /// 8 and 12 kHz output is refused: `opus-rs` 0.1.40 does not decode a wideband stream to
    /// those rates as libopus does. Decode at 16 or 24 kHz and resample.
    pub fn new(sample_rate: u32, channels: u16) -> Result<Self> {
        check_config(Codec::Opus, sample_rate, channels)?;
        if !DECODER_RATES.contains(&sample_rate) {
            return Err(CodecError::UnsupportedSampleRate {
                codec: Codec::Opus.name(),
                requested: sample_rate,
                supported: "48000, 24000, 16000 for decoding (8000 and 12000 Hz output is \
                            not libopus-equivalent: decode at 16000 or 24000 Hz and resample)"
                    .into(),
            }
            .into());
        }
        let inner = opus_rs::OpusDecoder::new(sample_rate as i32, usize::from(channels))
            .map_err(|e| library_error("decoder", e))?;
        Ok(OpusDecoder {
            inner,
            sample_rate,
            channels,
            scratch: vec![0.0; max_samples(sample_rate) * usize::from(channels)],
        })
    }

    /// Conceals `samples_per_channel` lost samples (a multiple of 2.5 ms, at most 120 ms)
    /// by the decoder's packet loss concealment, which extrapolates from what it last
    /// decoded. Returns the interleaved samples written to `out`.
    pub fn conceal(&mut self, samples_per_channel: usize, out: &mut [i16]) -> Result<usize> {
        let len = self.check_duration(samples_per_channel, out.len())?;
        let n = self
            .inner
            .decode(&[], samples_per_channel, &mut self.scratch[..len])
            .map_err(|e| library_error("decoder", e))?;
        Ok(self.deliver(n, out))
    }

    /// Rebuilds a lost packet of `samples_per_channel` samples (a multiple of 2.5 ms, at
    /// most 120 ms) from the in-band FEC (SILK LBRR) carried by `next_payload`, the packet
    /// that followed the loss; what the FEC does not cover is concealed. Decode
    /// `next_payload` itself afterwards with [`Decoder::decode`].
    pub fn decode_fec(
        &mut self,
        next_payload: &[u8],
        samples_per_channel: usize,
        out: &mut [i16],
    ) -> Result<usize> {
        let len = self.check_duration(samples_per_channel, out.len())?;
        if !next_payload.is_empty() {
            packet_samples(next_payload, self.sample_rate)?;
        }
        let n = self
            .inner
            .decode_fec(next_payload, samples_per_channel, &mut self.scratch[..len])
            .map_err(|e| library_error("decoder", e))?;
        Ok(self.deliver(n, out))
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

    /// Converts `per_channel` decoded samples from the scratch buffer into `out`.
    fn deliver(&self, per_channel: usize, out: &mut [i16]) -> usize {
        let n = per_channel * usize::from(self.channels);
        for (o, &x) in out.iter_mut().zip(&self.scratch[..n]) {
            *o = to_i16(x);
        }
        n
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
    /// payload is an error: call [`OpusDecoder::conceal`] for a lost packet.
    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize> {
        if payload.is_empty() {
            return Err(Error::InvalidArgument(
                "an empty payload is not an opus packet; call OpusDecoder::conceal for a lost packet"
                    .into(),
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
        let n = self
            .inner
            .decode(payload, per_channel, &mut self.scratch[..len])
            .map_err(malformed)?;
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
    Error::InvalidArgument(format!("malformed opus packet: {reason}"))
}
