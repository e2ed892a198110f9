//! ITU-T G.722: 7 kHz audio in 64 kbit/s by sub-band ADPCM, bit-exact with SpanDSP (0.0.6
//! differs only by wrapping decoded samples past full scale, which we and later SpanDSP clip).
//!
//! This module owns the codec: `qmf` splits and joins the two sub-bands, `band` holds
//! the adaptive quantiser and predictor both sides share, `tables` the Recommendation's
//! constants, and [`G722Encoder`] (64 kbit/s) and [`G722Decoder`] (64, 56 or 48 kbit/s)
//! wrap them behind the crate's codec traits. Audio is 16 kHz mono; two samples make one
//! octet. On RTP the clock runs at 8 kHz nevertheless (RFC 3551 §4.5.2).

mod band;
mod decoder;
mod encoder;
mod qmf;
mod tables;

pub use decoder::G722Decoder;
pub use encoder::G722Encoder;

use crate::error::{FrameError, Result};

/// The PCM sample rate of G.722, in Hz.
pub const SAMPLE_RATE: u32 = 16_000;

/// Which bits of each octet carry audio (G.722 §1.1: three modes of operation).
///
/// The 56 and 48 kbit/s modes leave the one or two least significant bits to an auxiliary
/// data channel. Only the decoder has a mode: the encoder always produces 64 kbit/s, which
/// a decoder in any mode can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Mode 1: 6 bits of lower sub-band and 2 of higher sub-band per octet.
    Kbit64,
    /// Mode 2: 5 bits of lower sub-band; the least significant bit is auxiliary data.
    Kbit56,
    /// Mode 3: 4 bits of lower sub-band; the two least significant bits are auxiliary data.
    Kbit48,
}

impl Mode {
    /// The mode for an audio bit rate of 64000, 56000 or 48000 bit/s.
    pub const fn from_bit_rate(bits_per_second: u32) -> Option<Mode> {
        match bits_per_second {
            64_000 => Some(Mode::Kbit64),
            56_000 => Some(Mode::Kbit56),
            48_000 => Some(Mode::Kbit48),
            _ => None,
        }
    }

    /// The audio bit rate in bit/s.
    pub const fn bit_rate(self) -> u32 {
        match self {
            Mode::Kbit64 => 64_000,
            Mode::Kbit56 => 56_000,
            Mode::Kbit48 => 48_000,
        }
    }
}

/// Checks that `len` samples are whole pairs, the unit the QMF codes.
fn check_pairs(len: usize) -> Result<()> {
    if !len.is_multiple_of(2) {
        return Err(FrameError::PartialCodecUnit {
            codec: "G722",
            len,
            unit: 2,
        }
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::codec::{Codec, new_decoder, new_encoder};

    #[test]
    fn codec_entry_follows_rfc_3551() {
        assert_eq!(Codec::from_name("g722").unwrap(), Codec::G722);
        assert_eq!(Codec::G722.static_payload_type(), Some(9));
        assert_eq!(Codec::G722.rtp_clock_rate(16_000), 8000);
        assert_eq!(Codec::G722.sample_rates(), &[16_000]);
    }

    #[test]
    fn factories_build_mono_16_khz_only() {
        let encoder = new_encoder(Codec::G722, 16_000, 1).unwrap();
        assert_eq!((encoder.sample_rate(), encoder.channels()), (16_000, 1));
        assert_eq!(encoder.codec(), Codec::G722);
        assert!(new_decoder(Codec::G722, 16_000, 1).is_ok());
        assert_eq!(
            new_decoder(Codec::G722, 16_000, 2)
                .err()
                .unwrap()
                .to_string(),
            "G722 does not support 2 channels; supported: 1"
        );
        assert!(new_encoder(Codec::G722, 8000, 1).is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::codec::{Decoder, Encoder};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_payload_decodes_to_two_samples_per_octet(
            payload in proptest::collection::vec(any::<u8>(), 0..600),
        ) {
            for mode in [Mode::Kbit64, Mode::Kbit56, Mode::Kbit48] {
                let mut decoder = G722Decoder::new(mode);
                let mut out = vec![0i16; decoder.max_decoded_len(payload.len())];
                prop_assert_eq!(decoder.decode(&payload, &mut out)?, 2 * payload.len());
            }
        }

        #[test]
        fn any_pcm_encodes_to_one_octet_per_pair_and_decodes_back(
            pcm in proptest::collection::vec(any::<i16>(), 0..600),
        ) {
            let pcm = &pcm[..pcm.len() & !1];
            let mut encoder = G722Encoder::new();
            let mut payload = vec![0u8; encoder.max_payload_len(pcm.len())];
            prop_assert_eq!(encoder.encode(pcm, &mut payload)?, pcm.len() / 2);
            let mut out = vec![0i16; pcm.len()];
            prop_assert_eq!(G722Decoder::new(Mode::Kbit64).decode(&payload, &mut out)?, pcm.len());
        }

        #[test]
        fn encoding_in_pairs_equals_encoding_at_once(
            pcm in proptest::collection::vec(any::<i16>(), 0..200),
            split in 0usize..100,
        ) {
            let pcm = &pcm[..pcm.len() & !1];
            let split = (2 * split).min(pcm.len());
            let mut whole = vec![0u8; pcm.len() / 2];
            G722Encoder::new().encode(pcm, &mut whole)?;
            let mut encoder = G722Encoder::new();
            let mut pieces = vec![0u8; pcm.len() / 2];
            let n = encoder.encode(&pcm[..split], &mut pieces)?;
            encoder.encode(&pcm[split..], &mut pieces[n..])?;
            prop_assert_eq!(pieces, whole);
        }
    }
}
