//! Audio frames at the codec boundary: interleaved 16-bit samples with their rate and layout.

use core::time::Duration;

use crate::error::{FrameError, Result};

/// A block of interleaved signed 16-bit PCM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioFrame {
    samples: Vec<i16>,
    sample_rate: u32,
    channels: u16,
}

impl AudioFrame {
    /// A frame holding `samples` (interleaved when `channels > 1`).
    ///
    /// Fails when the rate or channel count is zero or `samples` is not a whole number of
    /// multi-channel sample frames.
    pub fn new(samples: Vec<i16>, sample_rate: u32, channels: u16) -> Result<Self> {
        check_shape(samples.len(), sample_rate, channels)?;
        Ok(AudioFrame {
            samples,
            sample_rate,
            channels,
        })
    }

    /// A silent frame lasting `duration` (rounded down to whole samples).
    pub fn silence(sample_rate: u32, channels: u16, duration: Duration) -> Result<Self> {
        check_shape(0, sample_rate, channels)?;
        let per_channel = samples_in(sample_rate, duration);
        Ok(AudioFrame {
            samples: vec![0; per_channel * usize::from(channels)],
            sample_rate,
            channels,
        })
    }

    /// The interleaved samples.
    pub fn samples(&self) -> &[i16] {
        &self.samples
    }

    /// The interleaved samples, mutably (the length cannot change).
    pub fn samples_mut(&mut self) -> &mut [i16] {
        &mut self.samples
    }

    /// Consumes the frame, returning its samples.
    pub fn into_samples(self) -> Vec<i16> {
        self.samples
    }

    /// Samples per second per channel.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Number of interleaved channels.
    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// Samples per channel.
    pub fn samples_per_channel(&self) -> usize {
        self.samples.len() / usize::from(self.channels)
    }

    /// How long the frame lasts.
    pub fn duration(&self) -> Duration {
        Duration::from_nanos(
            self.samples_per_channel() as u64 * 1_000_000_000 / u64::from(self.sample_rate),
        )
    }
}

/// Number of samples per channel in `duration` at `sample_rate`, rounded down.
pub fn samples_in(sample_rate: u32, duration: Duration) -> usize {
    let n = u128::from(sample_rate) * duration.as_nanos() / 1_000_000_000;
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Checks that `len` interleaved samples form whole frames of `channels` at `sample_rate`.
pub(crate) fn check_shape(len: usize, sample_rate: u32, channels: u16) -> Result<()> {
    if sample_rate == 0 || channels == 0 {
        return Err(FrameError::InvalidShape {
            sample_rate,
            channels,
        }
        .into());
    }
    check_interleaved(len, channels)
}

/// Checks that `len` interleaved samples are whole sample frames of `channels` (non-zero).
pub(crate) fn check_interleaved(len: usize, channels: u16) -> Result<()> {
    if !len.is_multiple_of(usize::from(channels)) {
        return Err(FrameError::PartialSample { len, channels }.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn rejects_bad_shapes() {
        assert!(matches!(
            AudioFrame::new(vec![0; 3], 8000, 2),
            Err(Error::Frame(FrameError::PartialSample {
                len: 3,
                channels: 2
            }))
        ));
        assert!(matches!(
            AudioFrame::new(vec![], 0, 1),
            Err(Error::Frame(FrameError::InvalidShape { .. }))
        ));
    }

    #[test]
    fn silence_has_the_requested_duration() {
        let f = AudioFrame::silence(16_000, 2, Duration::from_millis(20)).unwrap();
        assert_eq!(f.samples().len(), 640);
        assert_eq!(f.samples_per_channel(), 320);
        assert_eq!(f.duration(), Duration::from_millis(20));
    }
}
