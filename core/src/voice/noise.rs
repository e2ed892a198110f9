//! Noise suppression: lowers stationary background noise (fans, hum, road) under speech.
//!
//! [`NoiseSuppressor`] is the seam for an engine; [`SonoraNoiseSuppressor`] is the default,
//! WebRTC's noise suppressor as ported by `sonora`: a quantile noise estimate per frequency
//! bin, a speech probability model and a Wiener filter, with a floor on the attenuation set
//! by [`NoiseLevel`].

use sonora::Config;
use sonora::config::{NoiseSuppression, NoiseSuppressionLevel};

use super::engine::VoiceError;
use super::sonora_stage::SonoraStage;

/// A noise suppressor working on 10 ms mono frames at [`sample_rate`](Self::sample_rate).
///
/// Samples are `f32` with 1.0 at full scale (`i16` divided by 32768).
pub trait NoiseSuppressor: Send {
    /// The rate, in Hz, of the frames this engine takes.
    fn sample_rate(&self) -> u32;

    /// Suppresses noise in one 10 ms frame, in place.
    fn process(&mut self, frame: &mut [f32]) -> Result<(), VoiceError>;

    /// Forgets the noise estimate, as after construction.
    fn reset(&mut self);
}

/// How far noise may be pushed down: the suppressor's largest attenuation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum NoiseLevel {
    /// At most 6 dB.
    Low,
    /// At most 12 dB.
    Moderate,
    /// At most 18 dB.
    #[default]
    High,
    /// At most 21 dB.
    VeryHigh,
}

impl NoiseLevel {
    /// The largest attenuation, in dB.
    pub fn max_attenuation_db(self) -> f32 {
        match self {
            NoiseLevel::Low => 6.0,
            NoiseLevel::Moderate => 12.0,
            NoiseLevel::High => 18.0,
            NoiseLevel::VeryHigh => 21.0,
        }
    }
}

/// WebRTC's noise suppressor (through `sonora`) as a [`NoiseSuppressor`], at 8, 16, 32 or
/// 48 kHz. Allocates nothing per frame.
#[derive(Debug)]
pub struct SonoraNoiseSuppressor {
    stage: SonoraStage,
}

impl SonoraNoiseSuppressor {
    /// A suppressor at `sample_rate` Hz (8000, 16000, 32000 or 48000) that attenuates noise
    /// by up to `level`.
    pub fn new(sample_rate: u32, level: NoiseLevel) -> Result<Self, VoiceError> {
        let level = match level {
            NoiseLevel::Low => NoiseSuppressionLevel::Low,
            NoiseLevel::Moderate => NoiseSuppressionLevel::Moderate,
            NoiseLevel::High => NoiseSuppressionLevel::High,
            NoiseLevel::VeryHigh => NoiseSuppressionLevel::VeryHigh,
        };
        let config = Config {
            noise_suppression: Some(NoiseSuppression {
                level,
                analyze_linear_aec_output_when_available: false,
            }),
            ..Config::default()
        };
        Ok(SonoraNoiseSuppressor {
            stage: SonoraStage::new("the sonora noise suppressor", sample_rate, config)?,
        })
    }
}

impl NoiseSuppressor for SonoraNoiseSuppressor {
    fn sample_rate(&self) -> u32 {
        self.stage.sample_rate()
    }

    fn process(&mut self, frame: &mut [f32]) -> Result<(), VoiceError> {
        self.stage.capture(frame)
    }

    fn reset(&mut self) {
        self.stage.reset();
    }
}
