//! The G.722 encoder at 64 kbit/s: transmit QMF, then ADPCM of each sub-band (SUBTRA,
//! QUANTL/QUANTH) with the adaptation shared with the decoder.

use super::band::Band;
use super::qmf::TransmitQmf;
use super::tables::{IHN, IHP, ILN, ILP, Q2, Q6, QM2, QM4};
use super::{SAMPLE_RATE, check_pairs};
use crate::codec::{Codec, CodecInfo, Encoder};
use crate::error::{CodecError, Result};

/// A G.722 encoder: 16 kHz mono PCM in, one octet per two samples out (64 kbit/s, mode 1).
///
/// The octet carries the 2-bit higher sub-band code in its two most significant bits and
/// the 6-bit lower sub-band code below them.
#[derive(Debug, Clone)]
pub struct G722Encoder {
    qmf: TransmitQmf,
    low: Band,
    high: Band,
}

impl G722Encoder {
    /// An encoder in the reset state of the Recommendation.
    pub const fn new() -> Self {
        G722Encoder {
            qmf: TransmitQmf::new(),
            low: Band::lower(),
            high: Band::higher(),
        }
    }

    /// Returns to the reset state, as at the start of a new stream.
    pub fn reset(&mut self) {
        *self = G722Encoder::new();
    }

    /// Encodes two consecutive samples into one octet.
    fn encode_pair(&mut self, first: i16, second: i16) -> u8 {
        let (xl, xh) = self.qmf.analyse(first, second);

        // Block 1L: SUBTRA, QUANTL.
        let el = xl.saturating_sub(self.low.prediction());
        let il = quantise_lower(el, self.low.scale());
        // Blocks 2L-4L, on the 4 most significant bits of IL as the decoder sees them.
        let ril = usize::from(il >> 2);
        let dl = self.low.dequantise(QM4[ril]);
        self.low.adapt_lower(ril, dl);

        // Block 1H: SUBTRA, QUANTH; then blocks 2H-4H.
        let eh = xh.saturating_sub(self.high.prediction());
        let ih = quantise_higher(eh, self.high.scale());
        let dh = self.high.dequantise(QM2[usize::from(ih)]);
        self.high.adapt_higher(usize::from(ih), dh);

        (ih << 6) | il
    }
}

impl Default for G722Encoder {
    fn default() -> Self {
        G722Encoder::new()
    }
}

/// QUANTL: the 6-bit code of the lower sub-band difference `el` for scale factor `det`.
///
/// The magnitude (one's complement for negative values) is placed among the 30 intervals
/// bounded by Q6(m) * DETL; the interval and the sign select the code.
pub(super) fn quantise_lower(el: i16, det: i16) -> u8 {
    let magnitude = i32::from(if el < 0 { !el } else { el });
    let det = i32::from(det);
    let interval = 1 + Q6[1..]
        .iter()
        .take_while(|&&q| magnitude >= (q * det) >> 12)
        .count();
    if el < 0 { ILN[interval] } else { ILP[interval] }
}

/// QUANTH: the 2-bit code of the higher sub-band difference `eh` for scale factor `det`.
pub(super) fn quantise_higher(eh: i16, det: i16) -> u8 {
    let magnitude = i32::from(if eh < 0 { !eh } else { eh });
    let outer = usize::from(magnitude >= (Q2 * i32::from(det)) >> 12);
    let mih = 1 + outer;
    if eh < 0 { IHN[mih] } else { IHP[mih] }
}

impl CodecInfo for G722Encoder {
    fn codec(&self) -> Codec {
        Codec::G722
    }

    fn sample_rate(&self) -> u32 {
        SAMPLE_RATE
    }

    fn channels(&self) -> u16 {
        1
    }
}

impl Encoder for G722Encoder {
    fn max_payload_len(&self, samples: usize) -> usize {
        samples / 2
    }

    /// Encodes `pcm` (an even number of 16 kHz samples) into `pcm.len() / 2` octets.
    ///
    /// An odd sample count or a short `out` is an error and leaves the state unchanged.
    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize> {
        check_pairs(pcm.len())?;
        let needed = pcm.len() / 2;
        let Some(out) = out.get_mut(..needed) else {
            return Err(CodecError::OutputTooSmall {
                needed,
                capacity: out.len(),
            }
            .into());
        };
        for (octet, pair) in out.iter_mut().zip(pcm.chunks_exact(2)) {
            *octet = self.encode_pair(pair[0], pair[1]);
        }
        Ok(needed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Decoder;
    use crate::codec::g722::{G722Decoder, Mode};
    use crate::error::{Error, FrameError};

    #[test]
    fn quantiser_codes_follow_the_decision_levels() {
        // With DETL = 32 the decision levels Q6(m) * 32 >> 12 are 0, 0, 0, 1, ..: a zero
        // difference lies above the first three, in interval 4; so does -1 (one's complement 0).
        assert_eq!(quantise_lower(0, 32), ILP[4]);
        assert_eq!(quantise_lower(-1, 32), ILN[4]);
        assert_eq!(quantise_lower(i16::MAX, 32), ILP[30]);
        assert_eq!(quantise_lower(i16::MIN, 32), ILN[30]);
        // With DETH = 8 the decision level is 564 * 8 >> 12 = 1.
        assert_eq!(quantise_higher(0, 8), IHP[1]);
        assert_eq!(quantise_higher(1, 8), IHP[2]);
        assert_eq!(quantise_higher(-1, 8), IHN[1]);
        assert_eq!(quantise_higher(-2, 8), IHN[2]);
        assert_eq!(quantise_higher(100, 16384), IHP[1]);
        assert_eq!(quantise_higher(-100, 16384), IHN[1]);
    }

    #[test]
    fn silence_stays_near_silence() {
        let mut enc = G722Encoder::new();
        let mut payload = [0u8; 800];
        assert_eq!(enc.encode(&[0; 1600], &mut payload).unwrap(), 800);
        // The first octet of silence from reset: IH = 3, IL = ILP(4) = 58.
        assert_eq!(payload[0], 0xFA);
        let mut out = [0i16; 1600];
        let mut dec = G722Decoder::new(Mode::Kbit64);
        dec.decode(&payload, &mut out).unwrap();
        let peak = out.iter().map(|s| s.unsigned_abs()).max().unwrap();
        assert!(peak <= 16, "idle noise peaks at {peak}");
    }

    #[test]
    fn odd_lengths_and_short_buffers_are_errors_that_change_nothing() {
        let mut enc = G722Encoder::new();
        let mut out = [0u8; 4];
        let err = enc.encode(&[1, 2, 3], &mut out).unwrap_err();
        assert_eq!(
            err,
            Error::Frame(FrameError::PartialCodecUnit {
                codec: "G722",
                len: 3,
                unit: 2
            })
        );
        assert_eq!(
            err.to_string(),
            "G722 codes samples in groups of 2; 3 samples is not a whole number of groups"
        );
        let err = enc.encode(&[0; 10], &mut out).unwrap_err();
        assert_eq!(
            err,
            Error::Codec(CodecError::OutputTooSmall {
                needed: 5,
                capacity: 4
            })
        );
        let mut fresh = [0u8; 4];
        G722Encoder::new().encode(&[500; 8], &mut fresh).unwrap();
        enc.encode(&[500; 8], &mut out).unwrap();
        assert_eq!(out, fresh, "failed calls left the state alone");
        assert_eq!(enc.encode(&[], &mut []).unwrap(), 0);
    }
}
