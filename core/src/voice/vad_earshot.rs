//! The default [`VoiceDetector`]: `earshot`, a small neural VAD, fed at 16 kHz.
//!
//! earshot scores 16 ms blocks (256 samples) of 16 kHz audio from 40 log-mel bands and three
//! blocks of context. Input at another rate goes through [`Resampler`] (5 ms delay); blocks
//! are cut from the resampled stream as it comes, so any 10 ms multiple works.
//!
//! Narrowband input (below 16 kHz) leaves the upper bands of the resampled audio empty, and
//! then earshot takes band-limited background noise for speech (55 to 75% of the noise frames
//! of white or pink noise at 8 kHz on our corpus). Its resampled audio therefore gets white
//! noise 10 dB under the tracked background floor ([`NoiseFloor`]), as a wideband microphone's
//! own noise would be: the noise frames flagged fall to 1% or less and detected speech stays
//! the same. Digital silence gets no fill.

use earshot::Detector;

use super::level::{NoiseFloor, mean_power};
use super::vad::{
    TalkTracker, VAD_STEP, VadConfig, VadError, VadEvent, VoiceDetector, check_frame,
};
use crate::dsp::{Resampler, SUPPORTED_RATES};
use crate::rng::SeededRng;
use crate::time::Instant;

/// earshot's input rate.
const ENGINE_RATE: u32 = 16_000;
/// earshot's block: 16 ms at 16 kHz.
const ENGINE_BLOCK: usize = 256;
/// One 10 ms step at 16 kHz.
const ENGINE_STEP: usize = ENGINE_RATE as usize / 100;
/// The band fill's level under the background floor, in dB.
const FILL_BELOW_FLOOR_DB: f64 = 10.0;
/// 10 ms blocks per sub-window of the floor tracker (250 ms; the window is 2 s).
const FLOOR_WINDOW_BLOCKS: u32 = 25;

/// Voice activity from earshot at 8, 12, 16, 24, 32, 44.1 or 48 kHz, with hangover and events.
///
/// Allocates at construction only (the resampler and the 16 kHz step buffer); each 10 ms
/// costs one resampler step and, five times in eight, one earshot block.
pub struct EarshotVad {
    config: VadConfig,
    /// Samples per 10 ms at the input rate.
    step: usize,
    /// `None` at 16 kHz.
    resampler: Option<Resampler>,
    /// One step of resampled audio.
    resampled: Vec<i16>,
    detector: Box<Detector>,
    /// The block being gathered, scaled to [-1, 1].
    block: [f32; ENGINE_BLOCK],
    filled: usize,
    /// Narrowband input: fill the empty upper band.
    fill: bool,
    floor: NoiseFloor,
    rng: SeededRng,
    /// earshot's last score.
    score: f32,
    tracker: TalkTracker,
}

impl core::fmt::Debug for EarshotVad {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EarshotVad")
            .field("config", &self.config)
            .field("score", &self.score)
            .field("tracker", &self.tracker)
            .finish_non_exhaustive()
    }
}

impl EarshotVad {
    /// A detector for `config.sample_rate`, one of [`SUPPORTED_RATES`].
    pub fn new(config: VadConfig) -> Result<Self, VadError> {
        config.validate()?;
        let rate = config.sample_rate;
        let unsupported = || VadError::UnsupportedSampleRate {
            stage: "the earshot VAD",
            requested: rate,
            supported: "8000, 12000, 16000, 24000, 32000, 44100, 48000",
        };
        if !SUPPORTED_RATES.contains(&rate) {
            return Err(unsupported());
        }
        let step = rate as usize / 100;
        let resampler = if rate == ENGINE_RATE {
            None
        } else {
            Some(Resampler::new(rate, ENGINE_RATE, 1).map_err(|_| unsupported())?)
        };
        let resampled_len = resampler
            .as_ref()
            .map_or(ENGINE_STEP, |r| r.max_output_len(step));
        Ok(EarshotVad {
            config,
            step,
            resampler,
            resampled: vec![0; resampled_len],
            detector: Detector::default_boxed(),
            block: [0.0; ENGINE_BLOCK],
            filled: 0,
            fill: rate < ENGINE_RATE,
            floor: NoiseFloor::new(FLOOR_WINDOW_BLOCKS),
            rng: SeededRng::new(config.seed),
            score: 0.0,
            tracker: TalkTracker::new(config.hangover),
        })
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &VadConfig {
        &self.config
    }

    /// Scores one 10 ms step; returns the highest score of the blocks it completed, or the
    /// last score when it completed none.
    fn analyse_step(&mut self, input: &[i16]) -> f32 {
        let fill_rms = if self.fill {
            let floor = self.floor.update(mean_power(input));
            (floor * 10f64.powf(-FILL_BELOW_FLOOR_DB / 10.0)).sqrt()
        } else {
            0.0
        };
        let n = match &mut self.resampler {
            None => {
                self.resampled[..input.len()].copy_from_slice(input);
                input.len()
            }
            // The output is sized for one step, so this cannot fail; were it to, the step
            // would count as unscored rather than stop the call.
            Some(r) => r.process(input, &mut self.resampled).unwrap_or(0),
        };
        // Uniform noise on [-1, 1) has an RMS of 1/sqrt(3).
        let fill_scale = (fill_rms * 3f64.sqrt() / 32768.0) as f32;
        let mut best: Option<f32> = None;
        for i in 0..n {
            let mut x = f32::from(self.resampled[i]) / 32768.0;
            if fill_scale > 0.0 {
                let u = self.rng.next_u32() as f32 / 2_147_483_648.0 - 1.0;
                x = (x + u * fill_scale).clamp(-1.0, 1.0);
            }
            self.block[self.filled] = x;
            self.filled += 1;
            if self.filled == ENGINE_BLOCK {
                self.filled = 0;
                let score = self.detector.predict_f32(&self.block).clamp(0.0, 1.0);
                best = Some(best.map_or(score, |b| b.max(score)));
            }
        }
        if let Some(b) = best {
            self.score = b;
        }
        self.score
    }
}

impl VoiceDetector for EarshotVad {
    fn sample_rate(&self) -> u32 {
        self.config.sample_rate
    }

    fn process(&mut self, now: Instant, frame: &[i16]) -> Result<bool, VadError> {
        let step = check_frame(frame.len(), self.config.sample_rate)?;
        debug_assert_eq!(step, self.step);
        let mut at = now;
        for input in frame.chunks_exact(self.step) {
            let score = self.analyse_step(input);
            self.tracker.update(at, score >= self.config.threshold);
            at = at + VAD_STEP;
        }
        Ok(self.tracker.is_active())
    }

    fn is_active(&self) -> bool {
        self.tracker.is_active()
    }

    fn probability(&self) -> f32 {
        self.score
    }

    fn poll_event(&mut self) -> Option<VadEvent> {
        self.tracker.poll_event()
    }

    fn reset(&mut self) {
        if let Some(r) = &mut self.resampler {
            r.reset();
        }
        self.detector.reset();
        self.block = [0.0; ENGINE_BLOCK];
        self.filled = 0;
        self.floor.reset();
        self.rng = SeededRng::new(self.config.seed);
        self.score = 0.0;
        self.tracker.reset();
    }
}
