//! Voice processing for the capture and playout paths (issue 8).
//!
//! - [`echo`], [`noise`], [`gain`]: echo cancellation, noise suppression and automatic gain
//!   control, each behind a small trait so that an engine can be swapped; the default engine is
//!   `sonora`, the pure-Rust port of WebRTC audio processing (AEC3, NS, AGC2).
//! - [`mdf`]: our own echo canceller (a partitioned-block frequency-domain adaptive filter
//!   with a double-talk-robust learning rate), not the default: it meets none of the echo
//!   floors yet (docs/BENCHMARKS.md, "Voice processing").
//! - [`engine`]: [`VoiceProcessor`], which runs them in that order over a session's
//!   microphone frames (with the far end's audio as the echo reference), resampling around
//!   the engines where needed; each stage switches on and off per session. Its settings and
//!   errors are in [`engine_config`].
//! - [`vad`]: voice activity detection at 8, 16 and 48 kHz with hangover.
//! - [`level`]: level metering (RMS, peak, dBov).
//! - [`comfort`]: comfort noise matched to the measured background.

pub mod aec3;
pub mod comfort;
pub mod echo;
pub mod engine;
pub mod engine_config;
pub mod gain;
pub mod level;
pub mod mdf;
pub mod noise;
mod sonora_stage;
#[cfg(test)]
mod tests_engine;
#[cfg(test)]
mod tests_mdf;
pub mod vad;
pub mod vad_earshot;

pub use aec3::Aec3EchoCanceller;
pub use comfort::{BackgroundConfig, BackgroundNoise};
pub use echo::{EchoCanceller, EchoMetrics, SonoraEchoCanceller};
pub use engine::VoiceProcessor;
pub use engine_config::{EchoEngine, VOICE_RATES, VoiceConfig, VoiceError};
pub use gain::{GainConfig, GainController, GainMetrics, SonoraGainController};
pub use level::{FrameLevel, LevelMeter, MeterConfig, NoiseFloor};
pub use mdf::{MDF_RATES, MdfConfig, MdfEchoCanceller};
pub use noise::{NoiseLevel, NoiseSuppressor, SonoraNoiseSuppressor};
pub use sonora_stage::SONORA_RATES;
pub use vad::{TalkTracker, VadConfig, VadError, VadEvent, VoiceDetector};
pub use vad_earshot::EarshotVad;
