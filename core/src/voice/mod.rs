//! Voice processing for the capture and playout paths (issue 8).
//!
//! - [`echo`], [`noise`], [`gain`]: echo cancellation, noise suppression and automatic gain
//!   control, each behind a small trait so that an engine can be swapped; the default engine is
//!   `sonora`, the pure-Rust port of WebRTC audio processing (AEC3, NS, AGC2).
//! - [`vad`]: voice activity detection at 8, 16 and 48 kHz with hangover.
//! - [`level`]: level metering (RMS, peak, dBov).
//! - [`comfort`]: comfort noise matched to the measured background.

pub mod comfort;
pub mod echo;
pub mod gain;
pub mod level;
pub mod noise;
pub mod vad;
