//! ITU-T G.711 µ-law (PCMU) and A-law (PCMA).
//!
//! The quantisers use the decision values of G.711 tables 1a and 2a on the 16-bit input:
//! µ-law works on the 14 most significant bits of the magnitude (so `x` and `-x` mirror each
//! other), A-law on the 13 most significant bits with negative values in one's complement as
//! in the ITU-T G.191 reference. This is bit-exact with SpanDSP; sox rounds to 14/13 bits
//! before quantising and ffmpeg puts its thresholds midway between output levels, so both
//! differ from G.711 at some decision values (see `tests/tests/g711_conformance.rs`).
//! Encoding and decoding are table lookups built at compile time.

use super::{Codec, Decoder, Encoder, check_layout};
use crate::error::{CodecError, Result};

/// µ-law code for a non-negative 16-bit magnitude (G.711 table 2a; G.191 `ulaw_compress`).
///
/// The sign is applied by the caller: negative inputs use the code of their magnitude with
/// the sign bit cleared, so `x` and `-x` land in mirrored intervals.
const fn ulaw_compress_magnitude(magnitude: u32) -> u8 {
    let biased = (magnitude >> 2) + 33;
    let biased = if biased > 0x1FFF { 0x1FFF } else { biased };
    let mut rest = biased >> 6;
    let mut segment = 1;
    while rest != 0 {
        segment += 1;
        rest >>= 1;
    }
    let high = 8 - segment;
    let low = 0x0F - ((biased >> segment) & 0x0F);
    (((high << 4) | low) as u8) | 0x80
}

/// A-law code for a 16-bit sample (G.711 table 1a, G.191 `alaw_compress`).
const fn alaw_compress(x: i16) -> u8 {
    let mut magnitude = if x < 0 { (!x) >> 4 } else { x >> 4 } as i32;
    if magnitude > 15 {
        let mut exponent = 1;
        while magnitude > 16 + 15 {
            magnitude >>= 1;
            exponent += 1;
        }
        magnitude -= 16;
        magnitude += exponent << 4;
    }
    let code = if x >= 0 { magnitude | 0x80 } else { magnitude };
    (code ^ 0x55) as u8
}

/// 16-bit value of a µ-law code (the decision-interval midpoint, scaled by 4).
const fn ulaw_expand(code: u8) -> i16 {
    let u = !code;
    let exponent = (u >> 4) & 0x07;
    let magnitude = ((((u & 0x0F) as i32) << 3) + 0x84) << exponent;
    if u & 0x80 != 0 {
        (0x84 - magnitude) as i16
    } else {
        (magnitude - 0x84) as i16
    }
}

/// 16-bit value of an A-law code (the decision-interval midpoint, scaled by 8).
const fn alaw_expand(code: u8) -> i16 {
    let a = code ^ 0x55;
    let segment = (a >> 4) & 0x07;
    let mut magnitude = ((a & 0x0F) as i32) << 4;
    magnitude = match segment {
        0 => magnitude + 8,
        1 => magnitude + 0x108,
        _ => (magnitude + 0x108) << (segment - 1),
    };
    if a & 0x80 != 0 {
        magnitude as i16
    } else {
        -magnitude as i16
    }
}

/// µ-law codes by magnitude in steps of 4 (the input's top 14 bits), up to 32768.
static ULAW_ENCODE: [u8; (1 << 13) + 1] = {
    let mut table = [0u8; (1 << 13) + 1];
    let mut i = 0;
    while i < table.len() {
        table[i] = ulaw_compress_magnitude((i as u32) << 2);
        i += 1;
    }
    table
};

/// A-law encoding depends only on the top 12 bits of the input.
static ALAW_ENCODE: [u8; 1 << 12] = {
    let mut table = [0u8; 1 << 12];
    let mut i = 0;
    while i < table.len() {
        table[i] = alaw_compress((i << 4) as u16 as i16);
        i += 1;
    }
    table
};

static ULAW_DECODE: [i16; 256] = {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = ulaw_expand(i as u8);
        i += 1;
    }
    table
};

static ALAW_DECODE: [i16; 256] = {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = alaw_expand(i as u8);
        i += 1;
    }
    table
};

/// The G.711 µ-law code of one sample.
#[inline]
pub fn linear_to_ulaw(sample: i16) -> u8 {
    let code = ULAW_ENCODE[usize::from(sample.unsigned_abs() >> 2)];
    if sample < 0 { code & 0x7F } else { code }
}

/// The G.711 A-law code of one sample.
#[inline]
pub fn linear_to_alaw(sample: i16) -> u8 {
    ALAW_ENCODE[usize::from(sample as u16 >> 4)]
}

/// The 16-bit sample a G.711 µ-law code stands for.
#[inline]
pub fn ulaw_to_linear(code: u8) -> i16 {
    ULAW_DECODE[usize::from(code)]
}

/// The 16-bit sample a G.711 A-law code stands for.
#[inline]
pub fn alaw_to_linear(code: u8) -> i16 {
    ALAW_DECODE[usize::from(code)]
}

/// Which companding law a G.711 coder uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Law {
    /// µ-law, as used in North America and Japan (PCMU).
    Mu,
    /// A-law, as used elsewhere (PCMA).
    A,
}

impl Law {
    fn codec(self) -> Codec {
        match self {
            Law::Mu => Codec::Pcmu,
            Law::A => Codec::Pcma,
        }
    }
}

/// A G.711 encoder: one byte per sample per channel, channels interleaved (RFC 3551 §4.1).
#[derive(Debug, Clone)]
pub struct G711Encoder {
    law: Law,
    channels: u16,
}

impl G711Encoder {
    /// An encoder for `law` with `channels` interleaved channels.
    pub fn new(law: Law, channels: u16) -> Self {
        G711Encoder { law, channels }
    }
}

impl Encoder for G711Encoder {
    fn codec(&self) -> Codec {
        self.law.codec()
    }

    fn sample_rate(&self) -> u32 {
        8000
    }

    fn channels(&self) -> u16 {
        self.channels
    }

    fn max_payload_len(&self, samples: usize) -> usize {
        samples
    }

    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize> {
        check_layout(pcm.len(), self.channels)?;
        if out.len() < pcm.len() {
            return Err(CodecError::OutputTooSmall {
                needed: pcm.len(),
                capacity: out.len(),
            }
            .into());
        }
        let out = &mut out[..pcm.len()];
        match self.law {
            Law::Mu => out
                .iter_mut()
                .zip(pcm)
                .for_each(|(o, &s)| *o = linear_to_ulaw(s)),
            Law::A => out
                .iter_mut()
                .zip(pcm)
                .for_each(|(o, &s)| *o = linear_to_alaw(s)),
        }
        Ok(pcm.len())
    }
}

/// A G.711 decoder.
#[derive(Debug, Clone)]
pub struct G711Decoder {
    law: Law,
    channels: u16,
}

impl G711Decoder {
    /// A decoder for `law` with `channels` interleaved channels.
    pub fn new(law: Law, channels: u16) -> Self {
        G711Decoder { law, channels }
    }
}

impl Decoder for G711Decoder {
    fn codec(&self) -> Codec {
        self.law.codec()
    }

    fn sample_rate(&self) -> u32 {
        8000
    }

    fn channels(&self) -> u16 {
        self.channels
    }

    fn max_decoded_len(&self, payload_len: usize) -> usize {
        payload_len
    }

    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize> {
        if payload.len() % usize::from(self.channels) != 0 {
            return Err(crate::error::RtpError::PayloadNotAligned {
                len: payload.len(),
                unit: usize::from(self.channels),
            }
            .into());
        }
        if out.len() < payload.len() {
            return Err(CodecError::OutputTooSmall {
                needed: payload.len(),
                capacity: out.len(),
            }
            .into());
        }
        let out = &mut out[..payload.len()];
        match self.law {
            Law::Mu => out
                .iter_mut()
                .zip(payload)
                .for_each(|(o, &c)| *o = ulaw_to_linear(c)),
            Law::A => out
                .iter_mut()
                .zip(payload)
                .for_each(|(o, &c)| *o = alaw_to_linear(c)),
        }
        Ok(payload.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_from_the_standard() {
        // G.711: the µ-law code for zero is 0xFF, A-law 0xD5; the extremes are 0x80/0x00 and 0xAA/0x2A.
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert_eq!(linear_to_ulaw(i16::MAX), 0x80);
        assert_eq!(linear_to_ulaw(i16::MIN), 0x00);
        assert_eq!(linear_to_alaw(i16::MAX), 0xAA);
        assert_eq!(linear_to_alaw(i16::MIN), 0x2A);
        assert_eq!(ulaw_to_linear(0x80), 32124);
        assert_eq!(ulaw_to_linear(0x00), -32124);
        assert_eq!(alaw_to_linear(0xAA), 32256);
        assert_eq!(alaw_to_linear(0x2A), -32256);
    }

    #[test]
    fn decoded_values_reencode_to_the_same_code() {
        for code in 0..=255u8 {
            let u = ulaw_to_linear(code);
            let expected = if code == 0x7F { 0xFF } else { code };
            assert_eq!(linear_to_ulaw(u), expected, "µ-law code {code:#04x}");
            assert_eq!(
                linear_to_alaw(alaw_to_linear(code)),
                code,
                "A-law code {code:#04x}"
            );
        }
    }

    #[test]
    fn encoding_is_monotonic() {
        let mut last_u = ulaw_to_linear(linear_to_ulaw(i16::MIN));
        let mut last_a = alaw_to_linear(linear_to_alaw(i16::MIN));
        for x in i16::MIN..=i16::MAX {
            let u = ulaw_to_linear(linear_to_ulaw(x));
            let a = alaw_to_linear(linear_to_alaw(x));
            assert!(u >= last_u && a >= last_a, "not monotonic at {x}");
            last_u = u;
            last_a = a;
        }
    }

    #[test]
    fn stereo_needs_whole_sample_frames() {
        let mut enc = G711Encoder::new(Law::Mu, 2);
        let mut out = [0u8; 4];
        assert!(enc.encode(&[1, 2, 3], &mut out).is_err());
        assert_eq!(enc.encode(&[1, 2, 3, 4], &mut out).unwrap(), 4);
        let mut dec = G711Decoder::new(Law::Mu, 2);
        let mut pcm = [0i16; 4];
        assert!(dec.decode(&out[..3], &mut pcm).is_err());
        assert!(enc.encode(&[0; 8], &mut out).is_err(), "output too small");
    }
}
