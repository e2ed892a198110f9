//! Comfort noise matched to the measured background (RFC 3389).
//!
//! [`BackgroundNoise`] watches the capture stream in 10 ms blocks and keeps the recent ones
//! that are background: not flagged as voice by the caller's VAD, and within a margin of the
//! background floor ([`NoiseFloor`], minimum statistics). From them it fits a [`Sid`] with
//! the RFC 3389 estimator of [`crate::codec::cn`]: the level is their mean power, so it is
//! not pulled down to the floor, and the all-pole model carries their spectral shape.
//!
//! The SID goes to the RFC 3389 encoder path ([`Sid::write`]), or straight to a
//! [`NoiseGenerator`](crate::codec::cn::NoiseGenerator) to play the noise locally:
//!
//! ```
//! use mediacore::codec::cn::NoiseGenerator;
//! use mediacore::voice::{BackgroundConfig, BackgroundNoise};
//!
//! let mut background = BackgroundNoise::new(BackgroundConfig::new(8000))?;
//! let hiss: Vec<i16> = (0..160).map(|n| ((n * 7919) % 601) as i16 - 300).collect();
//! for _ in 0..50 {
//!     background.process(&hiss, false)?; // false: the VAD hears no voice
//! }
//! let sid = background.sid().expect("background was heard");
//! let mut generator = NoiseGenerator::new(42);
//! generator.update(&sid);
//! let mut comfort = [0i16; 160];
//! generator.generate(&mut comfort);
//! # Ok::<(), mediacore::voice::VadError>(())
//! ```

use core::time::Duration;

use super::level::{MAX_SAMPLE_RATE, NoiseFloor, mean_power, power_dbov};
use super::vad::{VadError, check_frame};
use crate::codec::cn::{DEFAULT_ORDER, MAX_ORDER, Sid, estimate};

/// The longest history a [`BackgroundNoise`] keeps.
pub const MAX_HISTORY: Duration = Duration::from_secs(5);

/// Background needed before a [`Sid`] is fitted: five 10 ms blocks.
const MIN_BLOCKS: usize = 5;

/// 10 ms blocks per sub-window of the floor tracker (250 ms; the window is 2 s).
const FLOOR_WINDOW_BLOCKS: u32 = 25;

/// Settings of a [`BackgroundNoise`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BackgroundConfig {
    /// Input rate in Hz; 10 ms must be a whole number of samples.
    pub sample_rate: u32,
    /// Order of the spectral model, 0 (level only) to [`MAX_ORDER`]. 10 by default.
    pub order: usize,
    /// Background audio kept for the fit, the most recent first. 400 ms by default, up to
    /// [`MAX_HISTORY`].
    pub history: Duration,
    /// A block counts as background when its power is at most this many dB above the floor.
    /// 6 dB by default: above the spread of a stationary noise's 10 ms powers around their
    /// minimum, below most speech.
    pub margin_db: f64,
}

impl BackgroundConfig {
    /// Defaults at `sample_rate`.
    pub fn new(sample_rate: u32) -> Self {
        BackgroundConfig {
            sample_rate,
            order: DEFAULT_ORDER,
            history: Duration::from_millis(400),
            margin_db: 6.0,
        }
    }
}

/// Estimates the background noise of a stream for comfort noise.
///
/// Memory is allocated at construction (two buffers of `history`); blocks are copied into a
/// ring as they come, and [`sid`](Self::sid) fits the model over it on demand.
#[derive(Debug, Clone)]
pub struct BackgroundNoise {
    config: BackgroundConfig,
    step: usize,
    margin: f64,
    floor: NoiseFloor,
    /// Background blocks, oldest overwritten first.
    ring: Vec<i16>,
    /// Where the next block goes, in samples.
    write: usize,
    /// Samples of `ring` that hold background.
    stored: usize,
    /// The ring in time order, for the fit.
    scratch: Vec<i16>,
}

impl BackgroundNoise {
    /// An estimator that has heard nothing yet.
    pub fn new(config: BackgroundConfig) -> Result<Self, VadError> {
        let rate = config.sample_rate;
        if rate == 0 || rate > MAX_SAMPLE_RATE || !rate.is_multiple_of(100) {
            return Err(VadError::UnsupportedSampleRate {
                stage: "the background noise estimator",
                requested: rate,
                supported: "multiples of 100 Hz up to 384000",
            });
        }
        if config.order > MAX_ORDER {
            return Err(VadError::InvalidParameter {
                name: "comfort noise model order",
                expected: "0 to 16",
            });
        }
        if !(0.0..=40.0).contains(&config.margin_db) {
            return Err(VadError::InvalidParameter {
                name: "background margin",
                expected: "0 to 40 dB",
            });
        }
        let step = rate as usize / 100;
        let blocks = config.history.as_millis().div_ceil(10) as usize;
        if blocks < MIN_BLOCKS || config.history > MAX_HISTORY {
            return Err(VadError::InvalidParameter {
                name: "background history",
                expected: "50 ms to 5 s",
            });
        }
        Ok(BackgroundNoise {
            config,
            step,
            margin: 10f64.powf(config.margin_db / 10.0),
            floor: NoiseFloor::new(FLOOR_WINDOW_BLOCKS),
            ring: vec![0; blocks * step],
            write: 0,
            stored: 0,
            scratch: vec![0; blocks * step],
        })
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &BackgroundConfig {
        &self.config
    }

    /// Takes one mono frame of a whole number of 10 ms. `voice_active` is the VAD's verdict
    /// for it (pass `false` without a VAD): a frame with voice only moves the floor. Returns
    /// how many of its blocks were kept as background.
    pub fn process(&mut self, frame: &[i16], voice_active: bool) -> Result<usize, VadError> {
        check_frame(frame.len(), self.config.sample_rate)?;
        let mut kept = 0;
        for block in frame.chunks_exact(self.step) {
            let power = mean_power(block);
            let floor = self.floor.update(power);
            if voice_active || power > floor * self.margin {
                continue;
            }
            self.ring[self.write..self.write + self.step].copy_from_slice(block);
            self.write = (self.write + self.step) % self.ring.len();
            self.stored = (self.stored + self.step).min(self.ring.len());
            kept += 1;
        }
        Ok(kept)
    }

    /// Whether enough background (50 ms) has been kept for [`sid`](Self::sid).
    pub fn is_ready(&self) -> bool {
        self.stored >= MIN_BLOCKS * self.step
    }

    /// The background as an RFC 3389 SID: the kept blocks' level and an all-pole model of
    /// their spectrum. `None` until [`is_ready`](Self::is_ready).
    pub fn sid(&mut self) -> Option<Sid> {
        if !self.is_ready() {
            return None;
        }
        // Oldest first: when the ring is full the oldest block is at `write`.
        let n = self.stored;
        let start = if n == self.ring.len() { self.write } else { 0 };
        let (tail, head) = self.ring.split_at(start);
        let older = &head[..head.len().min(n)];
        self.scratch[..older.len()].copy_from_slice(older);
        let rest = n - older.len();
        self.scratch[older.len()..n].copy_from_slice(&tail[..rest]);
        Some(estimate(&self.scratch[..n], self.config.order))
    }

    /// The kept background's mean power in dBov; `None` before any.
    pub fn level_dbov(&self) -> Option<f64> {
        (self.stored > 0).then(|| power_dbov(mean_power(&self.ring[..self.stored])))
    }

    /// The background floor (minimum statistics) in dBov.
    pub fn floor_dbov(&self) -> f64 {
        self.floor.dbov()
    }

    /// Forgets the stream.
    pub fn reset(&mut self) {
        self.floor.reset();
        self.write = 0;
        self.stored = 0;
    }
}

#[cfg(test)]
#[path = "tests_vad_comfort.rs"]
mod tests;
