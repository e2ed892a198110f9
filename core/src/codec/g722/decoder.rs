//! The G.722 decoder in its three modes: inverse quantisation of each sub-band (INVQBL,
//! INVQAL, INVQAH, LIMIT) with the adaptation shared with the encoder, then the receive QMF;
//! and concealment of lost packets.
//!
//! Concealment works on the 16 kHz output, not in the sub-bands as G.722 Appendices III and
//! IV do: [`WaveformPlc`] repeats the pitch of what was decoded, and the first packet after
//! a loss is cross-faded into it. To keep the ADPCM state near the encoder's, the decoder
//! then codes the concealed audio as an encoder would (a transmit QMF primed with the audio
//! before the loss, quantised against the decoder's own predictors) and decodes those codes
//! without playing them: predictors, scale factors and the receive QMF follow the concealed
//! signal through the loss instead of staying where the last good packet left them.

use super::band::Band;
use super::encoder::{quantise_higher, quantise_lower};
use super::qmf::{ReceiveQmf, TransmitQmf};
use super::tables::{QM2, QM4, QM5, QM6};
use super::{Mode, SAMPLE_RATE, check_pairs};
use crate::codec::{Codec, CodecInfo, Decoder};
use crate::dsp::WaveformPlc;
use crate::dsp::plc::conceal_for;
use crate::error::{CodecError, Result};

/// A G.722 decoder: one octet in, two 16 kHz mono samples out.
///
/// Every octet is valid input. In the 56 and 48 kbit/s modes the one or two least
/// significant bits of each octet carry auxiliary data and are ignored (G.722 §1.1); the
/// predictor always adapts on the 4 most significant bits of the lower sub-band code, so an
/// encoder at 64 kbit/s and a decoder in any mode stay in step.
#[derive(Debug, Clone)]
pub struct G722Decoder {
    mode: Mode,
    low: Band,
    high: Band,
    qmf: ReceiveQmf,
    /// Concealment on the decoded audio; always built (16 kHz mono is within its range).
    plc: Option<WaveformPlc>,
    /// The transmit QMF that re-encodes concealed audio during a loss.
    shadow: TransmitQmf,
}

impl G722Decoder {
    /// A decoder in the reset state of the Recommendation, using the audio bits of `mode`.
    pub fn new(mode: Mode) -> Self {
        G722Decoder {
            mode,
            low: Band::lower(),
            high: Band::higher(),
            qmf: ReceiveQmf::new(),
            plc: WaveformPlc::new(SAMPLE_RATE, 1).ok(),
            shadow: TransmitQmf::new(),
        }
    }

    /// The mode chosen at construction.
    pub const fn mode(&self) -> Mode {
        self.mode
    }

    /// Returns to the reset state, as at the start of a new stream.
    pub fn reset(&mut self) {
        self.low = Band::lower();
        self.high = Band::higher();
        self.qmf = ReceiveQmf::new();
        self.shadow = TransmitQmf::new();
        if let Some(plc) = &mut self.plc {
            plc.reset();
        }
    }

    /// Decodes one octet into two consecutive samples.
    fn decode_octet(&mut self, octet: u8) -> [i16; 2] {
        let low_det = i32::from(self.low.scale());
        // Block 5L, INVQBL: the quantised difference at the mode's resolution.
        let level = match self.mode {
            Mode::Kbit64 => QM6[usize::from(octet & 0x3F)],
            Mode::Kbit56 => QM5[usize::from((octet >> 1) & 0x1F)],
            Mode::Kbit48 => QM4[usize::from((octet >> 2) & 0x0F)],
        };
        // RECONS and LIMIT: |DETL * QM6| >> 15 <= 12404, so the sum fits 32 bits easily.
        let rl = limit(i32::from(self.low.prediction()) + ((low_det * level) >> 15));
        // Blocks 2L-4L, INVQAL and adaptation, on the 4 most significant bits of IL.
        let ril = usize::from((octet >> 2) & 0x0F);
        let dl = self.low.dequantise(QM4[ril]);
        self.low.adapt_lower(ril, dl);

        // Blocks 2H-6H: INVQAH, RECONS, LIMIT and adaptation.
        let ih = usize::from(octet >> 6);
        let dh = self.high.dequantise(QM2[ih]);
        let rh = limit(i32::from(dh) + i32::from(self.high.prediction()));
        self.high.adapt_higher(ih, dh);

        self.qmf.synthesise(rl, rh)
    }

    /// Codes `concealed` (whole pairs) as the encoder would, against this decoder's
    /// predictors, and decodes the codes without output, so that the ADPCM state and the
    /// receive QMF follow the concealment. `primer` is the audio before it when a loss has
    /// just begun: it fills the transmit QMF.
    fn follow(&mut self, primer: Option<&[i16]>, concealed: &[i16]) {
        if let Some(primer) = primer {
            self.shadow = TransmitQmf::new();
            for pair in primer.chunks_exact(2) {
                self.shadow.analyse(pair[0], pair[1]);
            }
        }
        for pair in concealed.chunks_exact(2) {
            let (xl, xh) = self.shadow.analyse(pair[0], pair[1]);
            let il = quantise_lower(xl.saturating_sub(self.low.prediction()), self.low.scale());
            let ih = quantise_higher(xh.saturating_sub(self.high.prediction()), self.high.scale());
            // A 64 kbit/s octet, which a decoder in any mode takes.
            self.decode_octet((ih << 6) | il);
        }
    }
}

/// Samples of audio before a loss that fill the transmit QMF (its 24 taps, in pairs).
const PRIMER: usize = 24;

/// LIMIT: the reconstructed sub-band signal is kept to 15 bits.
#[inline]
fn limit(x: i32) -> i16 {
    x.clamp(-16384, 16383) as i16
}

impl CodecInfo for G722Decoder {
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

impl Decoder for G722Decoder {
    fn max_decoded_len(&self, payload_len: usize) -> usize {
        payload_len.saturating_mul(2)
    }

    /// Decodes every octet of `payload` into two samples, `2 * payload.len()` in all.
    ///
    /// A short `out` is an error and leaves the state unchanged.
    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize> {
        let needed = payload.len().saturating_mul(2);
        let Some(out) = out.get_mut(..needed) else {
            return Err(CodecError::OutputTooSmall {
                needed,
                capacity: out.len(),
            }
            .into());
        };
        for (pair, &octet) in out.chunks_exact_mut(2).zip(payload) {
            pair.copy_from_slice(&self.decode_octet(octet));
        }
        if let Some(plc) = &mut self.plc {
            plc.receive(out)?;
        }
        Ok(needed)
    }

    /// Conceals `samples_per_channel` lost samples (up to 120 ms) by repeating the pitch
    /// of what was decoded (see the module docs); the next decode cross-fades into the new
    /// packet.
    ///
    /// The count must be even: the ADPCM state follows the concealment pair by pair.
    fn conceal(&mut self, samples_per_channel: usize, out: &mut [i16]) -> Result<usize> {
        check_pairs(samples_per_channel)?;
        // A loss that begins now: the transmit QMF starts from the audio played before it.
        let mut primer = [0i16; PRIMER];
        let starts = match &self.plc {
            Some(plc) if plc.concealed() == 0 => {
                plc.history_tail(&mut primer);
                true
            }
            _ => false,
        };
        let written = conceal_for(self.plc.as_mut(), "G722", samples_per_channel, out)?;
        self.follow(starts.then_some(&primer[..]), &out[..written]);
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Encoder;
    use crate::codec::g722::G722Encoder;

    fn sine(freq: f64, amplitude: f64, len: usize) -> Vec<i16> {
        (0..len)
            .map(|i| {
                let t = i as f64 / f64::from(SAMPLE_RATE);
                (amplitude * (2.0 * core::f64::consts::PI * freq * t).sin()).round() as i16
            })
            .collect()
    }

    /// Signal-to-noise ratio in dB of `decoded` against `original`, at the best delay.
    fn snr_db(original: &[i16], decoded: &[i16]) -> f64 {
        (0..64)
            .map(|delay| {
                let (mut signal, mut noise) = (0f64, 0f64);
                for (o, d) in original[1000..].iter().zip(&decoded[1000 + delay..]) {
                    signal += f64::from(*o).powi(2);
                    noise += (f64::from(*o) - f64::from(*d)).powi(2);
                }
                10.0 * (signal / noise.max(1.0)).log10()
            })
            .fold(f64::MIN, f64::max)
    }

    #[test]
    fn a_tone_survives_coding_in_every_mode() {
        for (freq, min_snr) in [(440.0, 25.0), (1000.0, 25.0), (5000.0, 15.0)] {
            let pcm = sine(freq, 10_000.0, 8000);
            let mut payload = vec![0u8; pcm.len() / 2];
            G722Encoder::new().encode(&pcm, &mut payload).unwrap();
            for mode in [Mode::Kbit64, Mode::Kbit56, Mode::Kbit48] {
                let mut out = vec![0i16; pcm.len()];
                G722Decoder::new(mode).decode(&payload, &mut out).unwrap();
                let snr = snr_db(&pcm, &out);
                assert!(snr > min_snr, "{freq} Hz in {mode:?}: SNR {snr:.1} dB");
            }
        }
    }

    #[test]
    fn decoding_in_pieces_equals_decoding_at_once() {
        let payload: Vec<u8> = (0..400u32).map(|i| (i * 37 + i / 7) as u8).collect();
        let mut whole = vec![0i16; 800];
        G722Decoder::new(Mode::Kbit64)
            .decode(&payload, &mut whole)
            .unwrap();
        let mut dec = G722Decoder::new(Mode::Kbit64);
        let mut pieces = Vec::new();
        for chunk in payload.chunks(33) {
            let mut out = [0i16; 66];
            let n = dec.decode(chunk, &mut out).unwrap();
            pieces.extend_from_slice(&out[..n]);
        }
        assert_eq!(pieces, whole);
    }

    #[test]
    fn short_output_is_an_error_that_changes_nothing() {
        let mut dec = G722Decoder::new(Mode::Kbit56);
        let mut out = [0i16; 5];
        assert_eq!(
            dec.decode(&[1, 2, 3], &mut out).unwrap_err(),
            crate::Error::Codec(CodecError::OutputTooSmall {
                needed: 6,
                capacity: 5
            })
        );
        let mut fresh = [0i16; 4];
        G722Decoder::new(Mode::Kbit56)
            .decode(&[0x12, 0xF3], &mut fresh)
            .unwrap();
        assert_eq!(dec.decode(&[0x12, 0xF3], &mut out).unwrap(), 4);
        assert_eq!(out[..4], fresh);
        dec.reset();
        assert_eq!(dec.mode(), Mode::Kbit56);
    }

    #[test]
    fn auxiliary_bits_are_ignored_below_64_kbit() {
        let payload: Vec<u8> = (0..=255).collect();
        let strip = |mask: u8| payload.iter().map(|b| b & mask).collect::<Vec<u8>>();
        for (mode, mask) in [(Mode::Kbit56, 0xFE), (Mode::Kbit48, 0xFC)] {
            let mut a = vec![0i16; 512];
            let mut b = vec![0i16; 512];
            G722Decoder::new(mode).decode(&payload, &mut a).unwrap();
            G722Decoder::new(mode).decode(&strip(mask), &mut b).unwrap();
            assert_eq!(a, b, "{mode:?}");
        }
    }
}
