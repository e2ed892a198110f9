//! `Transcoder`: payloads of one codec, rate, channel layout and packet time in; payloads
//! of another out.
//!
//! The chain is decode → channel conversion → resampling → re-framing to the output packet
//! time → encode. Every buffer is sized at construction from the largest input packet
//! allowed, so steady-state transcoding does not allocate.

use core::time::Duration;

use crate::codec::opus::OpusConfig;
use crate::codec::{self, Codec, Decoder, Encoder};
use crate::dsp::{Resampler, mono_to_stereo, stereo_to_mono};
use crate::error::{Error, Result, RtpError};
use crate::frame::samples_in;

/// Longest input packet accepted, as audio time.
pub const MAX_INPUT_PACKET: Duration = Duration::from_millis(120);
/// Encoded payloads held before the oldest is dropped.
const OUTPUT_CAPACITY: usize = 16;

/// One side of a transcoder: which codec, at which PCM rate, with how many channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodecFormat {
    /// The codec.
    pub codec: Codec,
    /// Sample rate of the PCM side, in Hz.
    pub sample_rate: u32,
    /// Interleaved channels.
    pub channels: u16,
}

impl CodecFormat {
    /// `codec` at its default rate, mono.
    pub fn new(codec: Codec) -> Self {
        CodecFormat {
            codec,
            sample_rate: codec.sample_rates()[0],
            channels: 1,
        }
    }
}

/// Converts a stream of payloads from one [`CodecFormat`] to another.
pub struct Transcoder {
    input: CodecFormat,
    output: CodecFormat,
    decoder: Box<dyn Decoder>,
    encoder: Box<dyn Encoder>,
    resampler: Resampler,
    /// Decoded samples at the input format.
    decoded: Vec<i16>,
    /// Channel-converted samples, still at the input rate.
    remixed: Vec<i16>,
    /// Resampled samples waiting to fill an output frame.
    pending: Vec<i16>,
    pending_len: usize,
    /// Interleaved samples per output frame.
    frame_len: usize,
    /// Encoded payloads, oldest first, as a ring.
    payloads: Vec<Vec<u8>>,
    payload_lens: Vec<usize>,
    head: usize,
    queued: usize,
    dropped: u64,
}

impl core::fmt::Debug for Transcoder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Transcoder")
            .field("input", &self.input)
            .field("output", &self.output)
            .field("queued", &self.queued)
            .finish_non_exhaustive()
    }
}

impl Transcoder {
    /// A transcoder producing payloads of `output_ptime` each (10 to 120 ms in 10 ms steps;
    /// 10, 20, 40 or 60 ms for Opus, which codes with [`OpusConfig::default`]).
    pub fn new(input: CodecFormat, output: CodecFormat, output_ptime: Duration) -> Result<Self> {
        Self::with_opus_config(input, output, output_ptime, OpusConfig::default())
    }

    /// [`Transcoder::new`] with the settings of the Opus encoder when the output is Opus
    /// (its `frame_ms` is replaced by `output_ptime`).
    pub fn with_opus_config(
        input: CodecFormat,
        output: CodecFormat,
        output_ptime: Duration,
        opus: OpusConfig,
    ) -> Result<Self> {
        let ms = output_ptime.as_millis();
        if ms == 0
            || ms > 120
            || !ms.is_multiple_of(10)
            || !output_ptime.subsec_micros().is_multiple_of(1000)
        {
            return Err(Error::InvalidArgument(format!(
                "output ptime {} ms is not supported; expected 10 to 120 ms in steps of 10 ms",
                output_ptime.as_secs_f64() * 1000.0
            )));
        }
        let decoder = codec::new_decoder(input.codec, input.sample_rate, input.channels)?;
        let encoder = codec::new_packet_encoder(
            output.codec,
            output.sample_rate,
            output.channels,
            output_ptime,
            opus,
        )?;
        let resampler = Resampler::new(input.sample_rate, output.sample_rate, output.channels)?;

        let max_in_frames = samples_in(input.sample_rate, MAX_INPUT_PACKET);
        let decoded_len = max_in_frames * usize::from(input.channels);
        let remixed_len = max_in_frames * usize::from(output.channels);
        let frame_len = samples_in(output.sample_rate, output_ptime) * usize::from(output.channels);
        // Room for one frame short of full plus everything one input packet can bring.
        let pending_len = frame_len + resampler.max_output_len(remixed_len);
        let payload_capacity = encoder.max_payload_len(frame_len);
        Ok(Transcoder {
            input,
            output,
            decoder,
            encoder,
            resampler,
            decoded: vec![0; decoded_len],
            remixed: vec![0; remixed_len],
            pending: vec![0; pending_len],
            pending_len: 0,
            frame_len,
            payloads: vec![vec![0; payload_capacity]; OUTPUT_CAPACITY],
            payload_lens: vec![0; OUTPUT_CAPACITY],
            head: 0,
            queued: 0,
            dropped: 0,
        })
    }

    /// The input side.
    pub fn input(&self) -> CodecFormat {
        self.input
    }

    /// The output side.
    pub fn output(&self) -> CodecFormat {
        self.output
    }

    /// Output payloads dropped because they were not drained in time.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// How many output frames the output lags the input by, from resampling.
    pub fn resampler_delay(&self) -> usize {
        self.resampler.delay()
    }

    /// Decodes one input payload and encodes every output frame it completes.
    ///
    /// A payload longer than [`MAX_INPUT_PACKET`] of audio is rejected; a payload the
    /// decoder refuses leaves the transcoder as it was.
    pub fn push(&mut self, payload: &[u8]) -> Result<()> {
        let max = self.decoded.len();
        if self.decoder.max_decoded_len(payload.len()) > max {
            return Err(RtpError::PayloadTooLarge {
                len: payload.len(),
                max,
            }
            .into());
        }
        let n = self.decoder.decode(payload, &mut self.decoded)?;
        let remixed = match (self.input.channels, self.output.channels) {
            (1, 2) => mono_to_stereo(&self.decoded[..n], &mut self.remixed)?,
            (2, 1) => stereo_to_mono(&self.decoded[..n], &mut self.remixed)?,
            _ => {
                self.remixed[..n].copy_from_slice(&self.decoded[..n]);
                n
            }
        };
        let free = &mut self.pending[self.pending_len..];
        let resampled = self.resampler.process(&self.remixed[..remixed], free)?;
        self.pending_len += resampled;
        self.encode_ready_frames()
    }

    fn encode_ready_frames(&mut self) -> Result<()> {
        let mut start = 0;
        while self.pending_len - start >= self.frame_len {
            if self.queued == OUTPUT_CAPACITY {
                self.head = (self.head + 1) % OUTPUT_CAPACITY;
                self.queued -= 1;
                self.dropped += 1;
            }
            let slot = (self.head + self.queued) % OUTPUT_CAPACITY;
            let frame = &self.pending[start..start + self.frame_len];
            self.payload_lens[slot] = self.encoder.encode(frame, &mut self.payloads[slot])?;
            self.queued += 1;
            start += self.frame_len;
        }
        self.pending.copy_within(start..self.pending_len, 0);
        self.pending_len -= start;
        Ok(())
    }

    /// The next encoded output payload, oldest first.
    #[must_use]
    pub fn poll_payload(&mut self) -> Option<&[u8]> {
        if self.queued == 0 {
            return None;
        }
        let at = self.head;
        self.head = (self.head + 1) % OUTPUT_CAPACITY;
        self.queued -= 1;
        Some(&self.payloads[at][..self.payload_lens[at]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::g711::{linear_to_ulaw, ulaw_to_linear};

    fn tone(rate: u32, hz: f32, len: usize) -> Vec<i16> {
        (0..len)
            .map(|i| {
                ((i as f32 * hz * 2.0 * core::f32::consts::PI / rate as f32).sin() * 8000.0) as i16
            })
            .collect()
    }

    fn drain(t: &mut Transcoder) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(p) = t.poll_payload() {
            out.push(p.to_vec());
        }
        out
    }

    #[test]
    fn pcmu_to_pcma_at_the_same_rate_is_a_table_recode() {
        let pcm = tone(8000, 440.0, 480);
        let pcmu: Vec<u8> = pcm.iter().map(|&s| linear_to_ulaw(s)).collect();
        let mut t = Transcoder::new(
            CodecFormat::new(Codec::Pcmu),
            CodecFormat::new(Codec::Pcma),
            Duration::from_millis(30),
        )
        .unwrap();
        // 20 ms packets in, 30 ms packets out.
        for chunk in pcmu.chunks(160) {
            t.push(chunk).unwrap();
        }
        let out = drain(&mut t);
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|p| p.len() == 240));
        let expected: Vec<u8> = pcm
            .iter()
            .map(|&s| crate::codec::g711::linear_to_alaw(ulaw_to_linear(linear_to_ulaw(s))))
            .collect();
        assert_eq!(out.concat(), expected);
    }

    #[test]
    fn narrowband_to_wideband_resamples_and_keeps_the_tone() {
        let pcm = tone(8000, 1000.0, 8000);
        let pcmu: Vec<u8> = pcm.iter().map(|&s| linear_to_ulaw(s)).collect();
        let mut t = Transcoder::new(
            CodecFormat::new(Codec::Pcmu),
            CodecFormat {
                codec: Codec::L16,
                sample_rate: 16_000,
                channels: 2,
            },
            Duration::from_millis(20),
        )
        .unwrap();
        let mut out = Vec::new();
        for chunk in pcmu.chunks(160) {
            t.push(chunk).unwrap();
            out.extend(drain(&mut t));
        }
        assert!(out.iter().all(|p| p.len() == 320 * 2 * 2));
        let samples: Vec<i16> = out
            .concat()
            .chunks_exact(2)
            .map(|b| i16::from_be_bytes([b[0], b[1]]))
            .collect();
        // Both channels carry the same signal; past the resampler's start-up the level of a
        // 8000-peak sine (RMS ~5657) comes through within 1 dB.
        let left: Vec<f64> = samples.chunks_exact(2).map(|p| f64::from(p[0])).collect();
        assert!(samples.chunks_exact(2).all(|p| p[0] == p[1]));
        let tail = &left[1600..];
        let rms = (tail.iter().map(|x| x * x).sum::<f64>() / tail.len() as f64).sqrt();
        assert!((rms / 5657.0 - 1.0).abs() < 0.12, "rms {rms}");
    }

    #[test]
    fn bad_input_is_an_error_and_changes_nothing() {
        let mut t = Transcoder::new(
            CodecFormat {
                codec: Codec::L16,
                sample_rate: 8000,
                channels: 1,
            },
            CodecFormat::new(Codec::Pcmu),
            Duration::from_millis(20),
        )
        .unwrap();
        assert!(matches!(
            t.push(&[1, 2, 3]),
            Err(Error::Rtp(RtpError::PayloadNotAligned { .. }))
        ));
        assert!(matches!(
            t.push(&vec![0; 4000]),
            Err(Error::Rtp(RtpError::PayloadTooLarge { .. }))
        ));
        t.push(&[0; 320]).unwrap();
        assert_eq!(drain(&mut t).len(), 1);
        assert!(
            Transcoder::new(
                CodecFormat::new(Codec::Pcmu),
                CodecFormat::new(Codec::G722),
                Duration::from_millis(25)
            )
            .is_err()
        );
    }

    #[test]
    fn opus_output_is_framed_by_the_output_ptime() {
        let pcm = tone(8000, 440.0, 8000);
        let pcmu: Vec<u8> = pcm.iter().map(|&s| linear_to_ulaw(s)).collect();
        let opus = CodecFormat {
            codec: Codec::Opus,
            sample_rate: 16_000,
            channels: 1,
        };
        let mut t = Transcoder::with_opus_config(
            CodecFormat::new(Codec::Pcmu),
            opus,
            Duration::from_millis(40),
            OpusConfig {
                bitrate: 32_000,
                ..OpusConfig::default()
            },
        )
        .unwrap();
        let mut out = Vec::new();
        for chunk in pcmu.chunks(160) {
            t.push(chunk).unwrap();
            out.extend(drain(&mut t));
        }
        // One second in, 40 ms packets out, less what the resampler still holds.
        assert!(out.len() >= 24, "{}", out.len());
        for p in &out {
            assert_eq!(crate::codec::opus::packet_samples(p, 48_000).unwrap(), 1920);
            assert_eq!(p.len(), 160, "32 kbit/s CBR for 40 ms");
        }
        // And back: Opus at 16 kHz to PCMU.
        let mut back = Transcoder::new(
            opus,
            CodecFormat::new(Codec::Pcmu),
            Duration::from_millis(20),
        )
        .unwrap();
        let mut pcmu_out = Vec::new();
        for p in &out {
            back.push(p).unwrap();
            pcmu_out.extend(drain(&mut back));
        }
        assert_eq!(pcmu_out.len(), out.len() * 2);
        let err = Transcoder::new(
            CodecFormat::new(Codec::Pcmu),
            opus,
            Duration::from_millis(30),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument: opus cannot send 30 ms packets; its ptime must be 10, 20, 40 or 60 ms"
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn arbitrary_payloads_never_panic(
                payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..700), 0..12)
            ) {
                let mut t = Transcoder::new(
                    CodecFormat { codec: Codec::L16, sample_rate: 16_000, channels: 2 },
                    CodecFormat::new(Codec::G722),
                    Duration::from_millis(20),
                )
                .unwrap();
                for p in &payloads {
                    let _ = t.push(p);
                    while let Some(out) = t.poll_payload() {
                        prop_assert_eq!(out.len(), 160);
                    }
                }
            }
        }
    }
}
