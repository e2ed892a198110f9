//! Acoustic echo cancellation: removes from the microphone signal what the loudspeaker
//! played (the far end's voice coming back through the room).
//!
//! [`EchoCanceller`] is the seam for an engine; [`SonoraEchoCanceller`] is the default,
//! WebRTC's AEC3 as ported by `sonora`: a delay estimator, an adaptive linear filter and a
//! residual-echo suppressor with comfort noise.

use sonora::Config;
use sonora::config::EchoCanceller as SonoraAecConfig;

use super::engine::VoiceError;
use super::sonora_stage::SonoraStage;

/// An echo canceller working on 10 ms mono frames at [`sample_rate`](Self::sample_rate).
///
/// Samples are `f32` with 1.0 at full scale (`i16` divided by 32768). The render (far-end)
/// frames are what the session plays out; each capture frame is the microphone signal of
/// the same 10 ms of the call. An engine finds the delay between the two itself.
pub trait EchoCanceller: Send {
    /// The rate, in Hz, of the frames this engine takes.
    fn sample_rate(&self) -> u32;

    /// Takes one 10 ms frame of what is played out (the echo reference).
    fn analyze_render(&mut self, render: &[f32]) -> Result<(), VoiceError>;

    /// Removes the echo from one 10 ms capture frame, in place.
    fn process_capture(&mut self, capture: &mut [f32]) -> Result<(), VoiceError>;

    /// What the engine reports about its work; all `None` when it reports nothing.
    fn metrics(&self) -> EchoMetrics {
        EchoMetrics::default()
    }

    /// Forgets the learnt echo path, as after construction (for a new call or device).
    fn reset(&mut self);
}

/// An echo canceller's own view of how it is doing.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct EchoMetrics {
    /// Echo return loss in dB: far-end power over the echo's power in the capture.
    pub erl_db: Option<f32>,
    /// Echo return loss enhancement in dB: echo power in over residual echo power out.
    pub erle_db: Option<f32>,
    /// The delay, in ms, the engine found between render and capture.
    pub delay_ms: Option<u32>,
}

/// WebRTC AEC3 (through `sonora`) as an [`EchoCanceller`], at 8, 16, 32 or 48 kHz.
///
/// Enforces a high-pass filter on the capture (as WebRTC does with AEC3). Allocates inside
/// `sonora` on every frame (sonora 0.2's AEC3 builds small vectors per block).
#[derive(Debug)]
pub struct SonoraEchoCanceller {
    stage: SonoraStage,
}

impl SonoraEchoCanceller {
    /// An AEC3 at `sample_rate` Hz (8000, 16000, 32000 or 48000).
    pub fn new(sample_rate: u32) -> Result<Self, VoiceError> {
        let config = Config {
            echo_canceller: Some(SonoraAecConfig::default()),
            ..Config::default()
        };
        Ok(SonoraEchoCanceller {
            stage: SonoraStage::new("the sonora echo canceller", sample_rate, config)?,
        })
    }
}

impl EchoCanceller for SonoraEchoCanceller {
    fn sample_rate(&self) -> u32 {
        self.stage.sample_rate()
    }

    fn analyze_render(&mut self, render: &[f32]) -> Result<(), VoiceError> {
        self.stage.render(render)
    }

    fn process_capture(&mut self, capture: &mut [f32]) -> Result<(), VoiceError> {
        self.stage.capture(capture)
    }

    fn metrics(&self) -> EchoMetrics {
        let stats = self.stage.statistics();
        EchoMetrics {
            erl_db: stats.echo_return_loss.map(|v| v as f32),
            erle_db: stats.echo_return_loss_enhancement.map(|v| v as f32),
            delay_ms: stats.delay_ms.and_then(|d| u32::try_from(d).ok()),
        }
    }

    fn reset(&mut self) {
        self.stage.reset();
    }
}
