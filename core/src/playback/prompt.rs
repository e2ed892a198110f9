//! [`Prompt`]: decoded audio, immutable and shared.

use std::sync::Arc;

use core::time::Duration;

use super::PlaybackError;

/// Decoded prompt audio at one rate and channel count: interleaved `i16`, immutable, shared.
///
/// Cloning a prompt clones a reference, not the samples, so a thousand calls playing one
/// prompt hold one copy of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    sample_rate: u32,
    channels: u16,
    samples: Arc<[i16]>,
}

impl Prompt {
    /// A prompt from interleaved samples.
    ///
    /// `sample_rate` must be 8000..=192000 Hz and `channels` 1 or 2.
    pub fn from_samples(
        sample_rate: u32,
        channels: u16,
        samples: Vec<i16>,
    ) -> Result<Prompt, PlaybackError> {
        if !(8000..=192_000).contains(&sample_rate) {
            return Err(PlaybackError::UnsupportedLayout {
                sample_rate,
                channels,
                reason: "the rate must be 8000..=192000 Hz",
            });
        }
        if !(1..=2).contains(&channels) {
            return Err(PlaybackError::UnsupportedLayout {
                sample_rate,
                channels,
                reason: "prompts have 1 or 2 channels",
            });
        }
        if !samples.len().is_multiple_of(usize::from(channels)) {
            return Err(PlaybackError::NotInterleaved {
                len: samples.len(),
                channels,
            });
        }
        Ok(Prompt {
            sample_rate,
            channels,
            samples: samples.into(),
        })
    }

    /// The rate of the samples, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Interleaved channels: 1 or 2.
    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// The interleaved samples.
    pub fn samples(&self) -> &[i16] {
        &self.samples
    }

    /// Frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.samples.len() / usize::from(self.channels)
    }

    /// How long the prompt plays.
    pub fn duration(&self) -> Duration {
        Duration::from_micros(self.frames() as u64 * 1_000_000 / u64::from(self.sample_rate))
    }

    /// Bytes of sample memory behind this prompt (shared by all its clones).
    pub fn memory_bytes(&self) -> usize {
        self.samples.len() * core::mem::size_of::<i16>()
    }

    /// Whether two prompts share the same samples (the cache hands out such clones).
    pub fn shares_samples_with(&self, other: &Prompt) -> bool {
        Arc::ptr_eq(&self.samples, &other.samples)
    }
}
