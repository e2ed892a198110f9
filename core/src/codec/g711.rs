//! ITU-T G.711 µ-law (PCMU) and A-law (PCMA).
//!
//! The quantisers use the decision values of G.711 tables 1a and 2a on the 16-bit input:
//! µ-law works on the 14 most significant bits of the magnitude (so `x` and `-x` mirror each
//! other), A-law on the 13 most significant bits with negative values in one's complement as
//! in the ITU-T G.191 reference. This is bit-exact with SpanDSP; sox rounds to 14/13 bits
//! before quantising and ffmpeg puts its thresholds midway between output levels, so both
//! differ from G.711 at some decision values (see `tests/tests/g711_conformance.rs`).
//! Encoding and decoding are table lookups built at compile time. Lost packets are
//! concealed by [`WaveformPlc`] (G.711 Appendix I style) on the decoded history.

use super::{Codec, CodecInfo, Decoder, Encoder, check_layout};
use crate::dsp::WaveformPlc;
use crate::dsp::plc::conceal_for;
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

/// A G.711 coder: one byte per sample per channel, channels interleaved (RFC 3551 §4.1).
/// It encodes and decodes; the coding keeps no state, but decoding remembers the last
/// 48.75 ms of audio for [`Decoder::conceal`].
#[derive(Debug, Clone)]
pub struct G711 {
    law: Law,
    channels: u16,
    /// Concealment, for 1 or 2 channels (more cannot be negotiated).
    plc: Option<WaveformPlc>,
}

impl G711 {
    /// A coder for `law` with `channels` interleaved channels.
    pub fn new(law: Law, channels: u16) -> Self {
        G711 {
            law,
            channels,
            plc: WaveformPlc::new(8000, channels).ok(),
        }
    }

    /// A coder that only encodes: without the concealment history a decoder keeps (about
    /// 2.5 KiB at one channel), which matters when a server holds thousands. Used as a
    /// decoder it conceals with silence.
    pub fn encoder(law: Law, channels: u16) -> Self {
        G711 {
            law,
            channels,
            plc: None,
        }
    }
}

impl CodecInfo for G711 {
    fn codec(&self) -> Codec {
        self.law.codec()
    }

    fn sample_rate(&self) -> u32 {
        8000
    }

    fn channels(&self) -> u16 {
        self.channels
    }
}

/// Checks the layout and returns the part of `out` that one item per input item fills.
fn output_for<T>(input_len: usize, channels: u16, out: &mut [T]) -> Result<&mut [T]> {
    check_layout(input_len, channels)?;
    if out.len() < input_len {
        return Err(CodecError::OutputTooSmall {
            needed: input_len,
            capacity: out.len(),
        }
        .into());
    }
    Ok(&mut out[..input_len])
}

/// Applies `f` to each input item; generic so that each table lookup is inlined.
#[inline]
fn map_into<I: Copy, O>(input: &[I], out: &mut [O], f: impl Fn(I) -> O) {
    out.iter_mut().zip(input).for_each(|(o, &i)| *o = f(i));
}

impl Encoder for G711 {
    fn max_payload_len(&self, samples: usize) -> usize {
        samples
    }

    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize> {
        let out = output_for(pcm.len(), self.channels, out)?;
        match self.law {
            Law::Mu => map_into(pcm, out, linear_to_ulaw),
            Law::A => map_into(pcm, out, linear_to_alaw),
        }
        Ok(pcm.len())
    }
}

impl Decoder for G711 {
    fn max_decoded_len(&self, payload_len: usize) -> usize {
        payload_len
    }

    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize> {
        let out = output_for(payload.len(), self.channels, out)?;
        match self.law {
            Law::Mu => map_into(payload, out, ulaw_to_linear),
            Law::A => map_into(payload, out, alaw_to_linear),
        }
        if let Some(plc) = &mut self.plc {
            plc.receive(out)?;
        }
        Ok(payload.len())
    }

    /// Conceals `samples_per_channel` lost samples (up to 120 ms) by repeating the pitch
    /// of what was decoded (G.711 Appendix I style, see [`WaveformPlc`]); the next decode
    /// cross-fades into the new packet.
    fn conceal(&mut self, samples_per_channel: usize, out: &mut [i16]) -> Result<usize> {
        let codec = self.codec().name();
        conceal_for(self.plc.as_mut(), codec, samples_per_channel, out)
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
        let mut enc = G711::new(Law::Mu, 2);
        let mut out = [0u8; 4];
        assert!(enc.encode(&[1, 2, 3], &mut out).is_err());
        assert_eq!(enc.encode(&[1, 2, 3, 4], &mut out).unwrap(), 4);
        let mut dec = G711::new(Law::Mu, 2);
        let mut pcm = [0i16; 4];
        assert!(dec.decode(&out[..3], &mut pcm).is_err());
        assert!(enc.encode(&[0; 8], &mut out).is_err(), "output too small");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn decoding_any_payload_gives_one_sample_per_byte(payload in proptest::collection::vec(any::<u8>(), 0..400)) {
            for law in [Law::Mu, Law::A] {
                let mut out = vec![0i16; payload.len()];
                let n = G711::new(law, 1).decode(&payload, &mut out).unwrap();
                prop_assert_eq!(n, payload.len());
                let mut again = vec![0u8; n];
                G711::new(law, 1).encode(&out, &mut again).unwrap();
                let mut twice = vec![0i16; n];
                G711::new(law, 1).decode(&again, &mut twice).unwrap();
                prop_assert_eq!(&twice, &out, "decode(encode(decode(p))) == decode(p)");
            }
        }

        #[test]
        fn quantisation_error_is_within_half_the_top_step_or_the_clip(x in any::<i16>()) {
            for (code, back) in [(linear_to_ulaw(x), ulaw_to_linear(linear_to_ulaw(x))), (linear_to_alaw(x), alaw_to_linear(linear_to_alaw(x)))] {
                let err = (i32::from(x) - i32::from(back)).abs();
                // The top segment's step is 1024 for both laws, so half a step is 512 plus
                // the truncated low bits (3 for µ-law, 7 for A-law); past the top level the
                // error is at most 32768 - 32124 = 644 (µ-law, at -32768) or 32768 - 32256 =
                // 512 (A-law).
                prop_assert!(err <= 644, "x={x} code={code:#04x} back={back}");
            }
        }
    }
}
