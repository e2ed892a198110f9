//! Level metering of `i16` audio: RMS, peak and dBov, per frame and with ballistics, and a
//! minimum-statistics tracker of the background level.
//!
//! dBov follows RFC 3389 §3.1 (and ITU-T G.711 Appendix II): 0 dBov is the RMS of a
//! full-scale square wave, 32767, so a full-scale sine reads -3.01 dBov RMS and 0 dBov peak.
//! Readings never go below [`SILENCE_DBOV`], the reading of digital silence.

use core::time::Duration;

use super::vad::VadError;

/// Full scale, the reference for dBov (as in [`crate::codec::cn`]).
pub const FULL_SCALE: f64 = 32767.0;

/// The reading of digital silence, and the floor of every reading: RFC 3389's lowest level.
pub const SILENCE_DBOV: f64 = -127.0;

/// Highest sample rate a meter accepts, in Hz.
pub const MAX_SAMPLE_RATE: u32 = 384_000;

/// `amplitude` (an RMS or a peak in sample units) in dBov, floored at [`SILENCE_DBOV`].
pub fn dbov(amplitude: f64) -> f64 {
    if amplitude > 0.0 {
        (20.0 * (amplitude / FULL_SCALE).log10()).max(SILENCE_DBOV)
    } else {
        SILENCE_DBOV
    }
}

/// A mean power (sample units squared) in dBov, floored at [`SILENCE_DBOV`].
pub fn power_dbov(power: f64) -> f64 {
    if power > 0.0 {
        (10.0 * (power / (FULL_SCALE * FULL_SCALE)).log10()).max(SILENCE_DBOV)
    } else {
        SILENCE_DBOV
    }
}

/// Mean of the squared samples, 0 for none.
pub fn mean_power(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    sum / samples.len() as f64
}

/// RMS and peak of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FrameLevel {
    /// Root mean square, in sample units.
    pub rms: f64,
    /// Largest magnitude, in sample units; -32768 counts as 32767 (full scale).
    pub peak: u16,
}

impl FrameLevel {
    /// Measures `samples` (mono, or interleaved channels taken together).
    pub fn measure(samples: &[i16]) -> Self {
        let peak = samples
            .iter()
            .map(|&s| s.unsigned_abs().min(FULL_SCALE as u16))
            .max()
            .unwrap_or(0);
        FrameLevel {
            rms: mean_power(samples).sqrt(),
            peak,
        }
    }

    /// RMS in dBov.
    pub fn rms_dbov(&self) -> f64 {
        dbov(self.rms)
    }

    /// Peak in dBov.
    pub fn peak_dbov(&self) -> f64 {
        dbov(f64::from(self.peak))
    }
}

/// Ballistics of a [`LevelMeter`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeterConfig {
    /// Time constant of the RMS average (exponential, per sample): after one time constant
    /// a step has come 63% of the way in power. 300 ms by default, as a VU meter's.
    pub integration: Duration,
    /// How long a peak stays on the reading before it decays. 1 s by default.
    pub peak_hold: Duration,
    /// How fast the peak reading falls after the hold, in dB per second. 20 by default.
    pub peak_decay_db_per_s: f64,
}

impl Default for MeterConfig {
    fn default() -> Self {
        MeterConfig {
            integration: Duration::from_millis(300),
            peak_hold: Duration::from_secs(1),
            peak_decay_db_per_s: 20.0,
        }
    }
}

/// Level of one stream: per-frame RMS and peak, an integrated RMS and a held, decaying peak.
///
/// Needs no clock: time is counted in samples at the meter's rate.
///
/// ```
/// use mediacore::voice::{LevelMeter, MeterConfig};
///
/// let mut meter = LevelMeter::new(8000, MeterConfig::default())?;
/// let sine: Vec<i16> = (0..16_000) // 2 s: the 300 ms average has settled
///     .map(|n| (32767.0 * (n as f64 * 0.1).sin()).round() as i16)
///     .collect();
/// for frame in sine.chunks(160) {
///     meter.process(frame);
/// }
/// assert!((meter.rms_dbov() + 3.01).abs() < 0.1);
/// assert!(meter.peak_dbov() > -0.01);
/// # Ok::<(), mediacore::voice::VadError>(())
/// ```
#[derive(Debug, Clone)]
pub struct LevelMeter {
    sample_rate: u32,
    /// Per-sample weight of the old mean power.
    decay: f64,
    power: f64,
    hold_samples: u64,
    decay_db_per_sample: f64,
    /// Held peak, in dBov.
    peak_db: f64,
    /// Samples since the held peak was set.
    since_peak: u64,
    last: FrameLevel,
}

impl LevelMeter {
    /// A meter for audio at `sample_rate` Hz (1 to [`MAX_SAMPLE_RATE`]), reading silence.
    pub fn new(sample_rate: u32, config: MeterConfig) -> Result<Self, VadError> {
        if sample_rate == 0 || sample_rate > MAX_SAMPLE_RATE {
            return Err(VadError::UnsupportedSampleRate {
                stage: "the level meter",
                requested: sample_rate,
                supported: "1 to 384000",
            });
        }
        let tau = config.integration.as_secs_f64() * f64::from(sample_rate);
        if tau < 1.0 || tau > 3600.0 * f64::from(sample_rate) {
            return Err(VadError::InvalidParameter {
                name: "meter integration time",
                expected: "one sample to one hour",
            });
        }
        if !(0.0..=1.0e6).contains(&config.peak_decay_db_per_s) {
            return Err(VadError::InvalidParameter {
                name: "meter peak decay",
                expected: "0 to 1e6 dB per second",
            });
        }
        Ok(LevelMeter {
            sample_rate,
            decay: (-1.0 / tau).exp(),
            power: 0.0,
            hold_samples: (config.peak_hold.as_secs_f64() * f64::from(sample_rate)) as u64,
            decay_db_per_sample: config.peak_decay_db_per_s / f64::from(sample_rate),
            peak_db: SILENCE_DBOV,
            since_peak: 0,
            last: FrameLevel::default(),
        })
    }

    /// The meter's rate in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Meters one frame of any length and returns its own level.
    pub fn process(&mut self, frame: &[i16]) -> FrameLevel {
        let level = FrameLevel::measure(frame);
        let keep = self.decay;
        for &s in frame {
            let x = f64::from(s);
            self.power = keep * self.power + (1.0 - keep) * x * x;
        }
        // The held peak decays over the part of this frame past the hold time, then a louder
        // frame peak replaces it.
        let n = frame.len() as u64;
        let decaying = (self.since_peak + n).saturating_sub(self.hold_samples.max(self.since_peak));
        self.since_peak += n;
        self.peak_db =
            (self.peak_db - decaying as f64 * self.decay_db_per_sample).max(SILENCE_DBOV);
        let frame_peak = level.peak_dbov();
        if frame_peak >= self.peak_db && !frame.is_empty() {
            self.peak_db = frame_peak;
            // The hold runs from the peak sample itself.
            let at = frame
                .iter()
                .rposition(|&s| s.unsigned_abs().min(FULL_SCALE as u16) == level.peak)
                .unwrap_or(0);
            self.since_peak = (frame.len() - 1 - at) as u64;
        }
        self.last = level;
        level
    }

    /// The last frame's own level.
    pub fn frame(&self) -> FrameLevel {
        self.last
    }

    /// The integrated RMS, in sample units.
    pub fn rms(&self) -> f64 {
        self.power.sqrt()
    }

    /// The integrated RMS in dBov.
    pub fn rms_dbov(&self) -> f64 {
        power_dbov(self.power)
    }

    /// The held, decaying peak in dBov.
    pub fn peak_dbov(&self) -> f64 {
        self.peak_db
    }

    /// Back to silence.
    pub fn reset(&mut self) {
        self.power = 0.0;
        self.peak_db = SILENCE_DBOV;
        self.since_peak = 0;
        self.last = FrameLevel::default();
    }
}

/// Sub-windows of a [`NoiseFloor`].
const FLOOR_WINDOWS: usize = 8;

/// The background level under speech, by minimum statistics: the lowest block power seen over
/// the last 8 sub-windows (2 s with 10 ms blocks and 25 blocks per sub-window).
///
/// Falls at once with the background, rises within the window's length when it grows, and
/// ignores speech shorter than the window. The minimum of short blocks lies below the mean
/// background power (about 2 dB for white noise in 10 ms blocks at 8 kHz); it is a floor,
/// not a level to reproduce.
#[derive(Debug, Clone)]
pub struct NoiseFloor {
    /// Blocks per sub-window.
    window_blocks: u32,
    minima: [f64; FLOOR_WINDOWS],
    /// Completed sub-windows in `minima`, up to [`FLOOR_WINDOWS`].
    completed: usize,
    next: usize,
    current: f64,
    in_current: u32,
}

impl NoiseFloor {
    /// A tracker whose sub-windows are `window_blocks` blocks long (at least 1).
    pub fn new(window_blocks: u32) -> Self {
        NoiseFloor {
            window_blocks: window_blocks.max(1),
            minima: [f64::INFINITY; FLOOR_WINDOWS],
            completed: 0,
            next: 0,
            current: f64::INFINITY,
            in_current: 0,
        }
    }

    /// Takes one block's mean power (sample units squared) and returns the floor.
    pub fn update(&mut self, power: f64) -> f64 {
        let power = if power.is_finite() {
            power.max(0.0)
        } else {
            0.0
        };
        self.current = self.current.min(power);
        self.in_current += 1;
        let floor = self.power_with_current();
        if self.in_current == self.window_blocks {
            self.minima[self.next] = self.current;
            self.next = (self.next + 1) % FLOOR_WINDOWS;
            self.completed = (self.completed + 1).min(FLOOR_WINDOWS);
            self.current = f64::INFINITY;
            self.in_current = 0;
        }
        floor
    }

    fn power_with_current(&self) -> f64 {
        self.minima[..self.completed]
            .iter()
            .fold(self.current, |m, &v| m.min(v))
    }

    /// The floor's mean power, in sample units squared; 0 before any block.
    pub fn power(&self) -> f64 {
        let p = self.power_with_current();
        if p.is_finite() { p } else { 0.0 }
    }

    /// The floor in dBov.
    pub fn dbov(&self) -> f64 {
        power_dbov(self.power())
    }

    /// Forgets every block.
    pub fn reset(&mut self) {
        *self = NoiseFloor::new(self.window_blocks);
    }
}

#[cfg(test)]
#[path = "tests_vad_level.rs"]
mod tests;
