//! L16: uncompressed 16-bit linear PCM in network byte order (RFC 3551 §4.5.11).
//!
//! Samples are signed, big-endian, channels interleaved sample by sample; the RTP clock
//! rate equals the sample rate. Lost packets are concealed by [`WaveformPlc`].

use super::{Codec, CodecInfo, Decoder, Encoder, check_layout};
use crate::dsp::WaveformPlc;
use crate::dsp::plc::conceal_for;
use crate::error::{CodecError, Result, RtpError};

/// An L16 coder at one sample rate and channel count; decoding remembers the last
/// 48.75 ms of audio for [`Decoder::conceal`].
#[derive(Debug, Clone)]
pub struct L16 {
    sample_rate: u32,
    channels: u16,
    /// Concealment, at the rates and channel counts L16 is negotiated for.
    plc: Option<WaveformPlc>,
}

impl L16 {
    /// A coder for `channels` interleaved channels at `sample_rate` Hz. Use
    /// [`super::new_encoder`] to have the rate and channels checked.
    pub fn new(sample_rate: u32, channels: u16) -> Self {
        let channels = channels.max(1);
        L16 {
            sample_rate,
            channels,
            plc: WaveformPlc::new(sample_rate, channels).ok(),
        }
    }
}

impl CodecInfo for L16 {
    fn codec(&self) -> Codec {
        Codec::L16
    }

    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn channels(&self) -> u16 {
        self.channels
    }
}

impl Encoder for L16 {
    fn max_payload_len(&self, samples: usize) -> usize {
        samples * 2
    }

    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize> {
        check_layout(pcm.len(), self.channels)?;
        let needed = pcm.len() * 2;
        if out.len() < needed {
            return Err(CodecError::OutputTooSmall {
                needed,
                capacity: out.len(),
            }
            .into());
        }
        for (o, s) in out.chunks_exact_mut(2).zip(pcm) {
            o.copy_from_slice(&s.to_be_bytes());
        }
        Ok(needed)
    }
}

impl Decoder for L16 {
    fn max_decoded_len(&self, payload_len: usize) -> usize {
        payload_len / 2
    }

    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize> {
        let unit = 2 * usize::from(self.channels);
        if !payload.len().is_multiple_of(unit) {
            return Err(RtpError::PayloadNotAligned {
                len: payload.len(),
                unit,
            }
            .into());
        }
        let samples = payload.len() / 2;
        if out.len() < samples {
            return Err(CodecError::OutputTooSmall {
                needed: samples,
                capacity: out.len(),
            }
            .into());
        }
        for (o, b) in out.iter_mut().zip(payload.chunks_exact(2)) {
            *o = i16::from_be_bytes([b[0], b[1]]);
        }
        if let Some(plc) = &mut self.plc {
            plc.receive(&mut out[..samples])?;
        }
        Ok(samples)
    }

    /// Conceals `samples_per_channel` lost samples (up to 120 ms) by repeating the pitch
    /// of what was decoded (G.711 Appendix I style, see [`WaveformPlc`]); the next decode
    /// cross-fades into the new packet.
    fn conceal(&mut self, samples_per_channel: usize, out: &mut [i16]) -> Result<usize> {
        conceal_for(self.plc.as_mut(), "L16", samples_per_channel, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{new_decoder, new_encoder};
    use crate::error::{Error, FrameError};
    use proptest::prelude::*;

    #[test]
    fn samples_are_big_endian_and_interleaved() {
        let mut enc = new_encoder(Codec::L16, 16_000, 2).unwrap();
        let mut out = [0u8; 8];
        assert_eq!(
            enc.encode(&[0x0102, -2, i16::MIN, i16::MAX], &mut out)
                .unwrap(),
            8
        );
        assert_eq!(out, [0x01, 0x02, 0xFF, 0xFE, 0x80, 0x00, 0x7F, 0xFF]);
        let mut dec = new_decoder(Codec::L16, 16_000, 2).unwrap();
        let mut pcm = [0i16; 4];
        assert_eq!(dec.decode(&out, &mut pcm).unwrap(), 4);
        assert_eq!(pcm, [0x0102, -2, i16::MIN, i16::MAX]);
        assert_eq!(Codec::L16.rtp_clock_rate(48_000), 48_000);
    }

    #[test]
    fn misaligned_payloads_and_bad_configurations_are_errors() {
        let mut dec = new_decoder(Codec::L16, 8000, 2).unwrap();
        let mut pcm = [0i16; 8];
        assert_eq!(
            dec.decode(&[0; 6], &mut pcm).unwrap_err().to_string(),
            "RTP payload of 6 bytes is not a whole number of 4-byte units"
        );
        assert_eq!(
            new_encoder(Codec::L16, 44_100, 1)
                .err()
                .unwrap()
                .to_string(),
            "L16 does not run at 44100 Hz; supported rates: 8000, 16000, 48000"
        );
        assert_eq!(
            new_encoder(Codec::L16, 8000, 3).err().unwrap().to_string(),
            "L16 does not support 3 channels; supported: 1 or 2"
        );
    }

    proptest! {
        #[test]
        fn any_payload_round_trips(payload in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut dec = L16::new(8000, 1);
            let mut pcm = vec![0i16; payload.len() / 2];
            match dec.decode(&payload, &mut pcm) {
                Ok(n) => {
                    let mut back = vec![0u8; n * 2];
                    L16::new(8000, 1).encode(&pcm[..n], &mut back).unwrap();
                    prop_assert_eq!(&back, &payload);
                }
                Err(_) => prop_assert!(payload.len() % 2 == 1),
            }
        }

        #[test]
        fn any_pcm_round_trips_at_any_rate_and_layout(
            pcm in proptest::collection::vec(any::<i16>(), 0..400),
            rate in proptest::sample::select(Codec::L16.sample_rates()),
            channels in 1u16..=2,
        ) {
            let pcm = &pcm[..pcm.len() - pcm.len() % usize::from(channels)];
            let mut enc = new_encoder(Codec::L16, rate, channels).unwrap();
            let mut payload = vec![0u8; enc.max_payload_len(pcm.len())];
            let n = enc.encode(pcm, &mut payload).unwrap();
            prop_assert_eq!(n, 2 * pcm.len());
            for (bytes, &s) in payload.chunks_exact(2).zip(pcm) {
                prop_assert_eq!(i16::from_be_bytes([bytes[0], bytes[1]]), s);
            }
            let mut dec = new_decoder(Codec::L16, rate, channels).unwrap();
            let mut back = vec![0i16; dec.max_decoded_len(n)];
            prop_assert_eq!(dec.decode(&payload[..n], &mut back).unwrap(), pcm.len());
            prop_assert_eq!(&back[..], pcm);
        }

        #[test]
        fn bad_payloads_and_buffers_are_typed_errors(
            payload in proptest::collection::vec(any::<u8>(), 0..64),
            channels in 1u16..=2,
            room in 0usize..40,
        ) {
            // Whatever the lengths, the decoder answers with samples or says which rule the
            // input broke; it never panics, and writes nothing past what it reports (nothing
            // at all on an error).
            let mut dec = new_decoder(Codec::L16, 16_000, channels).unwrap();
            let unit = 2 * usize::from(channels);
            let mut out = vec![i16::MIN; room];
            let result = dec.decode(&payload, &mut out);
            let written = *result.as_ref().unwrap_or(&0);
            prop_assert!(out[written..].iter().all(|&s| s == i16::MIN));
            match result {
                Ok(n) => {
                    prop_assert_eq!(payload.len() % unit, 0);
                    prop_assert_eq!(n, payload.len() / 2);
                }
                Err(e) if payload.len() % unit != 0 => prop_assert_eq!(
                    e,
                    Error::Rtp(RtpError::PayloadNotAligned { len: payload.len(), unit })
                ),
                Err(e) => prop_assert_eq!(
                    e,
                    Error::Codec(CodecError::OutputTooSmall { needed: payload.len() / 2, capacity: room })
                ),
            }
            let mut enc = new_encoder(Codec::L16, 16_000, channels).unwrap();
            let pcm = vec![0i16; payload.len()];
            let len = pcm.len();
            let expected = if len % usize::from(channels) != 0 {
                Err(Error::Frame(FrameError::PartialSample { len, channels }))
            } else if room < 2 * len {
                Err(Error::Codec(CodecError::OutputTooSmall { needed: 2 * len, capacity: room }))
            } else {
                Ok(2 * len)
            };
            prop_assert_eq!(enc.encode(&pcm, &mut vec![0u8; room]), expected);
        }
    }
}
