//! Automatic gain control: brings the talker's speech to a target level, whether they
//! whisper far from the microphone or shout into it, without clipping.
//!
//! [`GainController`] is the seam for an engine; [`SonoraGainController`] is the default,
//! built from the parts of WebRTC's AGC2 that `sonora-agc2` exports (the RNN voice activity
//! detector, the noise floor estimator, the ramping gain applier and the limiter's gain
//! curve) around a gain law of ours with an explicit target level. (AGC2's own controller
//! only raises the gain, aims at a level that depends on the speech's crest factor, and
//! allocates on every frame in sonora 0.2.)

use sonora_agc2::common::{
    MAX_FLOAT_S16_VALUE, MIN_FLOAT_S16_VALUE, SUB_FRAMES_IN_FRAME, VAD_CONFIDENCE_THRESHOLD,
    db_to_ratio, float_s16_to_dbfs,
};
use sonora_agc2::fixed_digital_level_estimator::FixedDigitalLevelEstimator;
use sonora_agc2::gain_applier::GainApplier;
use sonora_agc2::interpolated_gain_curve::InterpolatedGainCurve;
use sonora_agc2::noise_level_estimator::NoiseLevelEstimator;
use sonora_agc2::vad_wrapper::VoiceActivityDetectorWrapper;

use super::engine::VoiceError;
use super::sonora_stage::check_rate;

/// A gain controller working on 10 ms mono frames at [`sample_rate`](Self::sample_rate).
///
/// Samples are `f32` with 1.0 at full scale (`i16` divided by 32768).
pub trait GainController: Send {
    /// The rate, in Hz, of the frames this engine takes.
    fn sample_rate(&self) -> u32;

    /// Measures and scales one 10 ms frame, in place.
    fn process(&mut self, frame: &mut [f32]) -> Result<(), VoiceError>;

    /// Where the controller stands; see [`GainMetrics`].
    fn metrics(&self) -> GainMetrics;

    /// Forgets the measured levels and returns to the initial gain.
    fn reset(&mut self);
}

/// A gain controller's state after the last frame.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GainMetrics {
    /// The gain applied to the last frame, in dB (before the limiter).
    pub gain_db: f32,
    /// The talker's active speech level before the gain, in dBov; `None` until enough
    /// speech has been heard to measure it.
    pub speech_level_dbov: Option<f32>,
    /// The background noise level before the gain, in dBov.
    pub noise_level_dbov: f32,
    /// How likely the last frame was speech, from 0 to 1.
    pub speech_probability: f32,
}

/// The gain controller's settings. Levels are in dBov: RMS relative to a full-scale square
/// wave (`i16` ±32768), the unit of ITU-T G.100.1, so a full-scale sine is -3 dBov.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GainConfig {
    /// The active speech level to bring speech to. Default -26 dBov: the level speech test
    /// material is normalised to in ITU-T practice (measured as ITU-T P.56 active speech
    /// level), leaving about 20 dB for speech peaks.
    pub target_level_dbov: f32,
    /// The most the gain may raise a quiet talker, in dB. Default 30.
    pub max_gain_db: f32,
    /// The most the gain may lower a loud talker, in dB. Default 20.
    pub max_attenuation_db: f32,
    /// How fast the gain may rise, in dB per second, and only while speech is heard (so
    /// noise in pauses is not pumped up). Default 6, as WebRTC's AGC2.
    pub max_gain_increase_db_per_second: f32,
    /// How fast the gain may fall, in dB per second. Default 12. The limiter catches
    /// peaks meanwhile.
    pub max_gain_decrease_db_per_second: f32,
    /// The gain is held down so that background noise does not leave louder than this.
    /// Default -50 dBov, as WebRTC's AGC2.
    pub max_output_noise_dbov: f32,
}

impl Default for GainConfig {
    fn default() -> Self {
        GainConfig {
            target_level_dbov: -26.0,
            max_gain_db: 30.0,
            max_attenuation_db: 20.0,
            max_gain_increase_db_per_second: 6.0,
            max_gain_decrease_db_per_second: 12.0,
            max_output_noise_dbov: -50.0,
        }
    }
}

impl GainConfig {
    /// Checks every field against its meaningful range.
    pub fn validate(&self) -> Result<(), VoiceError> {
        let checks: [(&'static str, f32, f32, f32); 6] = [
            ("target_level_dbov", self.target_level_dbov, -60.0, -3.0),
            ("max_gain_db", self.max_gain_db, 0.0, 60.0),
            ("max_attenuation_db", self.max_attenuation_db, 0.0, 60.0),
            (
                "max_gain_increase_db_per_second",
                self.max_gain_increase_db_per_second,
                0.1,
                200.0,
            ),
            (
                "max_gain_decrease_db_per_second",
                self.max_gain_decrease_db_per_second,
                0.1,
                200.0,
            ),
            (
                "max_output_noise_dbov",
                self.max_output_noise_dbov,
                -90.0,
                0.0,
            ),
        ];
        for (name, value, min, max) in checks {
            // NaN fails both comparisons, so it is refused too.
            if !(value >= min && value <= max) {
                return Err(VoiceError::InvalidParameter {
                    name,
                    value: value.to_string(),
                    expected: format!("a number from {min} to {max}"),
                });
            }
        }
        Ok(())
    }
}

/// Speech frames whose power average makes the level estimate trustworthy (0.4 s, as
/// AGC2's `kLevelEstimatorTimeToConfidenceMs`).
const FRAMES_TO_CONFIDENCE: u32 = 40;
/// Per-frame leak of the speech power average once confident: a 4 s memory (AGC2's
/// `kLevelEstimatorLeakFactor`).
const LEVEL_LEAK: f32 = 1.0 - 1.0 / 400.0;
/// 10 ms frames are at most 480 samples (48 kHz).
const MAX_FRAME: usize = 480;

/// An automatic gain control with a target level, from AGC2's parts (see the module docs),
/// at 8, 16, 32 or 48 kHz. Allocates nothing per frame.
///
/// Per frame: the RNN VAD gives a speech probability; speech frames update a power average
/// (the active speech level, in the manner of ITU-T P.56); the gain moves towards
/// `target - level`, within the configured bounds and rates and held down by the noise
/// floor; the gain is ramped across the frame; AGC2's limiter curve keeps peaks below full
/// scale.
pub struct SonoraGainController {
    config: GainConfig,
    sample_rate: u32,
    frame_len: usize,
    vad: VoiceActivityDetectorWrapper,
    noise: NoiseLevelEstimator,
    applier: GainApplier,
    limiter_level: FixedDigitalLevelEstimator,
    limiter_curve: InterpolatedGainCurve,
    limiter_last: f32,
    scaling: [f32; SUB_FRAMES_IN_FRAME as usize + 1],
    per_sample: [f32; MAX_FRAME],
    /// The frame in AGC2's scale (`i16` range as `f32`).
    work: [f32; MAX_FRAME],
    /// Probability-weighted speech power sum and weight.
    speech_power: f32,
    speech_weight: f32,
    speech_frames: u32,
    gain_db: f32,
    noise_dbov: f32,
    speech_probability: f32,
}

impl core::fmt::Debug for SonoraGainController {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SonoraGainController")
            .field("config", &self.config)
            .field("sample_rate", &self.sample_rate)
            .field("metrics", &self.metrics())
            .finish_non_exhaustive()
    }
}

impl SonoraGainController {
    /// A gain controller at `sample_rate` Hz (8000, 16000, 32000 or 48000).
    pub fn new(sample_rate: u32, config: GainConfig) -> Result<Self, VoiceError> {
        check_rate("the sonora gain controller", sample_rate)?;
        config.validate()?;
        let frame_len = sample_rate as usize / 100;
        Ok(SonoraGainController {
            config,
            sample_rate,
            frame_len,
            vad: VoiceActivityDetectorWrapper::new(
                sonora_simd::detect_backend(),
                sample_rate as i32,
            ),
            noise: NoiseLevelEstimator::default(),
            applier: GainApplier::new(false, 1.0),
            limiter_level: FixedDigitalLevelEstimator::new(frame_len),
            limiter_curve: InterpolatedGainCurve::default(),
            limiter_last: 1.0,
            scaling: [1.0; SUB_FRAMES_IN_FRAME as usize + 1],
            per_sample: [1.0; MAX_FRAME],
            work: [0.0; MAX_FRAME],
            speech_power: 0.0,
            speech_weight: 0.0,
            speech_frames: 0,
            gain_db: 0.0,
            noise_dbov: float_s16_to_dbfs(0.0),
            speech_probability: 0.0,
        })
    }

    /// The settings in use.
    pub fn config(&self) -> &GainConfig {
        &self.config
    }

    fn speech_level_dbov(&self) -> Option<f32> {
        (self.speech_frames >= FRAMES_TO_CONFIDENCE && self.speech_weight > 0.0)
            .then(|| float_s16_to_dbfs((self.speech_power / self.speech_weight).sqrt()))
    }

    /// Moves the gain one frame towards where the measured levels want it.
    fn update_gain(&mut self, is_speech: bool) {
        let Some(level) = self.speech_level_dbov() else {
            return;
        };
        let c = &self.config;
        let mut target = (c.target_level_dbov - level).clamp(-c.max_attenuation_db, c.max_gain_db);
        if target > 0.0 {
            target = target.min((c.max_output_noise_dbov - self.noise_dbov).max(0.0));
        }
        let diff = target - self.gain_db;
        if diff > 0.0 && is_speech {
            self.gain_db += diff.min(c.max_gain_increase_db_per_second / 100.0);
        } else if diff < 0.0 {
            self.gain_db += diff.max(-c.max_gain_decrease_db_per_second / 100.0);
        }
    }

    /// AGC2's limiter (`Limiter::Process`) on `work`: the curve's gain per sub-frame from
    /// the peak envelope, interpolated per sample, with a fast first sub-frame on attack.
    fn limit(&mut self) {
        let n = self.frame_len;
        let levels = self.limiter_level.compute_level(&[&self.work[..n]]);
        self.scaling[0] = self.limiter_last;
        for (i, level) in levels.iter().enumerate() {
            self.scaling[i + 1] = self.limiter_curve.look_up_gain_to_apply(*level);
        }
        let sub = n / SUB_FRAMES_IN_FRAME as usize;
        let attack = self.scaling[0] > self.scaling[1];
        for (i, factors) in self.per_sample[..n].chunks_exact_mut(sub).enumerate() {
            let (from, to) = (self.scaling[i], self.scaling[i + 1]);
            for (j, f) in factors.iter_mut().enumerate() {
                let t = j as f32 / sub as f32;
                *f = if i == 0 && attack {
                    // AGC2's `kAttackFirstSubframeInterpolationPower`.
                    (1.0 - t).powf(8.0) * (from - to) + to
                } else {
                    from + (to - from) * t
                };
            }
        }
        for (x, f) in self.work[..n].iter_mut().zip(&self.per_sample[..n]) {
            *x = (*x * f).clamp(MIN_FLOAT_S16_VALUE, MAX_FLOAT_S16_VALUE);
        }
        self.limiter_last = self.scaling[SUB_FRAMES_IN_FRAME as usize];
    }
}

impl GainController for SonoraGainController {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn process(&mut self, frame: &mut [f32]) -> Result<(), VoiceError> {
        let n = self.frame_len;
        if frame.len() != n {
            return Err(VoiceError::EngineFrameLength {
                len: frame.len(),
                expected: n,
            });
        }
        let mut energy = 0.0f32;
        for (w, x) in self.work[..n].iter_mut().zip(frame.iter()) {
            // Anything non-finite from an engine upstream becomes silence, not NaN state.
            *w = if x.is_finite() {
                (x * 32768.0).clamp(MIN_FLOAT_S16_VALUE, MAX_FLOAT_S16_VALUE)
            } else {
                0.0
            };
            energy += *w * *w;
        }
        let probability = self.vad.analyze(&self.work[..n]);
        self.speech_probability = probability;
        self.noise_dbov = self.noise.analyze(&[&self.work[..n]]);
        let is_speech = probability >= VAD_CONFIDENCE_THRESHOLD;
        if is_speech {
            let leak = if self.speech_frames >= FRAMES_TO_CONFIDENCE {
                LEVEL_LEAK
            } else {
                1.0
            };
            self.speech_power = self.speech_power * leak + probability * energy / n as f32;
            self.speech_weight = self.speech_weight * leak + probability;
            self.speech_frames = self.speech_frames.saturating_add(1);
        }
        self.update_gain(is_speech);
        self.applier.set_gain_factor(db_to_ratio(self.gain_db));
        self.applier.apply_gain(&mut [&mut self.work[..n]]);
        self.limit();
        for (x, w) in frame.iter_mut().zip(&self.work[..n]) {
            *x = w / 32768.0;
        }
        Ok(())
    }

    fn metrics(&self) -> GainMetrics {
        GainMetrics {
            gain_db: self.gain_db,
            speech_level_dbov: self.speech_level_dbov(),
            noise_level_dbov: self.noise_dbov,
            speech_probability: self.speech_probability,
        }
    }

    fn reset(&mut self) {
        self.noise = NoiseLevelEstimator::default();
        self.applier = GainApplier::new(false, 1.0);
        self.limiter_level.reset();
        self.limiter_last = 1.0;
        self.speech_power = 0.0;
        self.speech_weight = 0.0;
        self.speech_frames = 0;
        self.gain_db = 0.0;
        self.speech_probability = 0.0;
    }
}
