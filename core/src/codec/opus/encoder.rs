//! The Opus encoder: one packet of [`OpusConfig::frame_ms`] per call, from interleaved
//! `i16` PCM at 8, 12, 16, 24 or 48 kHz.

use super::config::OpusConfig;
use super::{MAX_FRAME_BYTES, library_error};
use crate::codec::{Codec, CodecInfo, Encoder, check_config, check_layout};
use crate::error::{CodecError, Error, Result};

/// An Opus encoder (RFC 6716) built on `opus-rs`.
///
/// The audio bandwidth follows the sample rate: narrowband at 8 kHz, mediumband at 12,
/// wideband at 16, super-wideband at 24 and fullband at 48 kHz. To honour a receiver's
/// `maxplaybackrate` (RFC 7587), run the encoder at the lower rate and resample into it.
pub struct OpusEncoder {
    inner: opus_rs::OpusEncoder,
    sample_rate: u32,
    channels: u16,
    config: OpusConfig,
}

impl core::fmt::Debug for OpusEncoder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OpusEncoder")
            .field("sample_rate", &self.sample_rate)
            .field("channels", &self.channels)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl OpusEncoder {
    /// An encoder taking `channels` interleaved channels at `sample_rate` Hz, coding as
    /// `config` says; fails when the rate, the channels or the configuration is not allowed.
    pub fn new(sample_rate: u32, channels: u16, config: OpusConfig) -> Result<Self> {
        check_config(Codec::Opus, sample_rate, channels)?;
        config.validate(sample_rate, channels)?;
        let application = match config.application {
            super::OpusApplication::Voip => opus_rs::Application::Voip,
            super::OpusApplication::Audio => opus_rs::Application::Audio,
        };
        // The rate and channels were checked above; the library accepts the same sets.
        let inner =
            opus_rs::OpusEncoder::new(sample_rate as i32, usize::from(channels), application)
                .map_err(|e| library_error("encoder", e))?;
        let mut encoder = OpusEncoder {
            inner,
            sample_rate,
            channels,
            config,
        };
        encoder.apply(config);
        Ok(encoder)
    }

    /// The configuration in force.
    pub fn config(&self) -> &OpusConfig {
        &self.config
    }

    /// Changes the bit rate, complexity, rate control, FEC, expected loss or frame duration
    /// from the next packet on, as RTCP feedback may ask. The application cannot change:
    /// build a new encoder for that.
    pub fn reconfigure(&mut self, config: OpusConfig) -> Result<()> {
        if config.application != self.config.application {
            return Err(Error::InvalidArgument(format!(
                "opus application cannot change from {:?} to {:?} on a running encoder; build a new one",
                self.config.application, config.application
            )));
        }
        config.validate(self.sample_rate, self.channels)?;
        self.apply(config);
        Ok(())
    }

    /// Interleaved samples one call to [`Encoder::encode`] takes.
    pub fn frame_len(&self) -> usize {
        self.config.frame_samples(self.sample_rate) * usize::from(self.channels)
    }

    fn apply(&mut self, config: OpusConfig) {
        self.inner.bitrate_bps = config.bitrate as i32;
        self.inner.complexity = i32::from(config.complexity);
        self.inner.use_cbr = config.cbr;
        self.inner.use_inband_fec = config.inband_fec;
        self.inner.packet_loss_perc = i32::from(config.expected_loss_percent);
        self.config = config;
    }
}

impl CodecInfo for OpusEncoder {
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

impl Encoder for OpusEncoder {
    /// At most 1276 bytes per 20 ms of audio coded (RFC 6716 §3.2.1), plus the framing of
    /// a packet of up to three such frames.
    fn max_payload_len(&self, samples: usize) -> usize {
        let per_channel = samples / usize::from(self.channels);
        let twenty_ms = (self.sample_rate / 50) as usize;
        let frames = per_channel.div_ceil(twenty_ms).max(1);
        frames * MAX_FRAME_BYTES + 2 + 2 * frames
    }

    /// Encodes exactly one packet: `pcm` must hold [`OpusEncoder::frame_len`] samples.
    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize> {
        check_layout(pcm.len(), self.channels)?;
        let expected = self.frame_len();
        if pcm.len() != expected {
            return Err(Error::InvalidArgument(format!(
                "the opus encoder takes {} ms frames: {expected} interleaved samples at {} Hz \
                 with {} channel(s); got {}",
                self.config.frame_ms,
                self.sample_rate,
                self.channels,
                pcm.len()
            )));
        }
        let needed = self.max_payload_len(expected);
        if out.len() < needed {
            return Err(CodecError::OutputTooSmall {
                needed,
                capacity: out.len(),
            }
            .into());
        }
        let frame_size = self.config.frame_samples(self.sample_rate);
        self.inner
            .encode_i16(pcm, frame_size, &mut out[..needed])
            .map_err(|e| library_error("encoder", e))
    }
}
