//! Settings of a [`VoiceProcessor`](super::VoiceProcessor) and the errors of the voice
//! stages.

use thiserror::Error;

use super::gain::GainConfig;
use super::noise::NoiseLevel;
use super::sonora_stage::SONORA_RATES;

/// The session rates, in Hz, a [`VoiceProcessor`](super::VoiceProcessor) takes frames at.
pub const VOICE_RATES: [u32; 6] = [8000, 12_000, 16_000, 24_000, 32_000, 48_000];
const VOICE_RATES_TEXT: &str = "8000, 12000, 16000, 24000, 32000, 48000";

/// What was wrong with a voice-processing parameter or frame.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum VoiceError {
    /// The session rate is not one the processor takes.
    #[error("voice processing does not take audio at {requested} Hz; supported rates: {supported}")]
    UnsupportedSampleRate {
        /// The rate that was asked for.
        requested: u32,
        /// The rates that work, as text.
        supported: &'static str,
    },
    /// An engine does not run at the rate asked of it.
    #[error("{stage} does not run at {requested} Hz; supported rates: {supported}")]
    UnsupportedEngineRate {
        /// The engine that was asked.
        stage: &'static str,
        /// The rate that was asked for.
        requested: u32,
        /// The rates that work, as text.
        supported: &'static str,
    },
    /// An engine given to the processor runs at another rate than the processing rate.
    #[error("{stage} runs at {engine} Hz but the processing rate is {expected} Hz")]
    EngineRateMismatch {
        /// Which stage.
        stage: &'static str,
        /// The engine's rate.
        engine: u32,
        /// The processing rate.
        expected: u32,
    },
    /// A session frame is not a whole number of 10 ms at the session rate.
    #[error(
        "a frame of {len} samples at {sample_rate} Hz is not a whole number of 10 ms \
         ({per_10ms} samples); expected {per_10ms}, {}, ...",
        .per_10ms * 2
    )]
    FrameLength {
        /// Samples given.
        len: usize,
        /// The session rate.
        sample_rate: u32,
        /// Samples in 10 ms.
        per_10ms: usize,
    },
    /// An engine was given a frame that is not exactly 10 ms at its rate.
    #[error("an engine frame must be {expected} samples (10 ms); got {len}")]
    EngineFrameLength {
        /// Samples given.
        len: usize,
        /// Samples in 10 ms at the engine's rate.
        expected: usize,
    },
    /// An echo canceller was asked for by a name that is none of [`EchoEngine::name`]'s.
    #[error("unknown echo engine {0:?}; expected \"aec3\" or \"mdf\"")]
    UnknownEchoEngine(String),
    /// A setting is out of its range.
    #[error("{name} = {value} is out of range; expected {expected}")]
    InvalidParameter {
        /// The setting.
        name: &'static str,
        /// The value given, as text.
        value: String,
        /// What would have been accepted.
        expected: String,
    },
    /// An engine failed on input the checks here let through.
    #[error("voice engine failed: {0}")]
    Engine(&'static str),
}

/// Which echo canceller a [`VoiceProcessor`](super::VoiceProcessor) runs. Neither meets
/// every floor of docs/BENCHMARKS.md ("Voice processing"); they fail in opposite ways.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum EchoEngine {
    /// WebRTC's AEC3 through `sonora` ([`SonoraEchoCanceller`](super::SonoraEchoCanceller)):
    /// removes 40 dB of echo and recovers from a path change within 0.25 s, but its
    /// suppressor also cuts the near end while both talk. The default.
    #[default]
    Aec3,
    /// Our two-path adaptive filter ([`MdfEchoCanceller`](super::MdfEchoCanceller)): keeps
    /// the near end while both talk (full duplex) and removes about as much echo, but
    /// relearns a changed echo path in 1 to 3 s; it models a linear echo path only.
    Mdf,
}

impl EchoEngine {
    /// Every engine.
    pub const ALL: [EchoEngine; 2] = [EchoEngine::Aec3, EchoEngine::Mdf];

    /// The name the bindings use: `aec3` or `mdf`.
    pub const fn name(self) -> &'static str {
        match self {
            EchoEngine::Aec3 => "aec3",
            EchoEngine::Mdf => "mdf",
        }
    }

    /// The engine [`name`](Self::name) gives.
    pub fn from_name(name: &str) -> Result<Self, VoiceError> {
        EchoEngine::ALL
            .into_iter()
            .find(|e| e.name() == name)
            .ok_or_else(|| VoiceError::UnknownEchoEngine(name.to_owned()))
    }
}

/// How a [`VoiceProcessor`](super::VoiceProcessor) is set up. Each stage can also be turned
/// on and off later, per session, without touching the others.
///
/// ```
/// use mediacore::voice::{VoiceConfig, VoiceProcessor};
///
/// let mut config = VoiceConfig::new(16_000);
/// config.gain.target_level_dbov = -20.0;
/// let mut voice = VoiceProcessor::new(config)?;
/// voice.set_echo_cancellation(false); // a headset: no echo to cancel
/// let mut mic = [0i16; 320]; // 20 ms
/// voice.process_capture(&mut mic)?;
/// # Ok::<(), mediacore::voice::VoiceError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct VoiceConfig {
    /// The rate, in Hz, of the session's capture and render frames; one of
    /// [`VOICE_RATES`].
    pub sample_rate: u32,
    /// The rate the engines run at, one of 8000, 16000, 32000 or 48000 Hz; frames are
    /// resampled to it and back when it differs from `sample_rate`. `None` (the default)
    /// runs at the session rate, or at the next of those rates above it (12 kHz at 16 kHz,
    /// 24 kHz at 32 kHz). A 48 kHz session can run at 16 kHz to save about half the cost,
    /// losing what is above 8 kHz and adding 10 ms of delay.
    pub processing_rate: Option<u32>,
    /// Echo cancellation at the start. Default on.
    pub echo_cancellation: bool,
    /// The echo canceller. Default [`EchoEngine::Aec3`].
    pub echo_engine: EchoEngine,
    /// Noise suppression at the start. Default on.
    pub noise_suppression: bool,
    /// How hard noise is suppressed. Default [`NoiseLevel::High`].
    pub noise_level: NoiseLevel,
    /// Automatic gain control at the start. Default on.
    pub gain_control: bool,
    /// The gain controller's target and limits.
    pub gain: GainConfig,
}

impl VoiceConfig {
    /// All three stages on, with default settings, for frames at `sample_rate` Hz.
    pub fn new(sample_rate: u32) -> Self {
        VoiceConfig {
            sample_rate,
            processing_rate: None,
            echo_cancellation: true,
            echo_engine: EchoEngine::default(),
            noise_suppression: true,
            noise_level: NoiseLevel::default(),
            gain_control: true,
            gain: GainConfig::default(),
        }
    }

    /// Checks the rates and the gain settings; returns the processing rate.
    pub fn validate(&self) -> Result<u32, VoiceError> {
        if !VOICE_RATES.contains(&self.sample_rate) {
            return Err(VoiceError::UnsupportedSampleRate {
                requested: self.sample_rate,
                supported: VOICE_RATES_TEXT,
            });
        }
        self.gain.validate()?;
        match self.processing_rate {
            Some(rate) if SONORA_RATES.contains(&rate) => Ok(rate),
            Some(rate) => Err(VoiceError::InvalidParameter {
                name: "processing_rate",
                value: rate.to_string(),
                expected: "8000, 16000, 32000 or 48000 Hz, or none".to_owned(),
            }),
            None => Ok(SONORA_RATES
                .into_iter()
                .find(|&r| r >= self.sample_rate)
                .unwrap_or(48_000)),
        }
    }
}
