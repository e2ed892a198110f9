//! Voice processing settings of a session (`SessionSettings::voice`, `MediaSession`'s
//! `voice` argument), its directions and stages, and a pipeline's level, as uniffi types.

use core::time::Duration;

use ::mediacore::{
    VoiceDirection as CoreDirection, VoiceSettings as CoreSettings, VoiceStage as CoreStage,
    VoiceStages,
};

use crate::MediaError;
use crate::session::millis;

/// Which way audio flows through a voice pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum VoiceDirection {
    /// What `push_capture` takes (the local talker), before it is encoded.
    Capture,
    /// What `pull_playout` returns (the remote talker), after decoding.
    Playout,
}

impl From<VoiceDirection> for CoreDirection {
    fn from(direction: VoiceDirection) -> Self {
        match direction {
            VoiceDirection::Capture => CoreDirection::Capture,
            VoiceDirection::Playout => CoreDirection::Playout,
        }
    }
}

impl From<CoreDirection> for VoiceDirection {
    fn from(direction: CoreDirection) -> Self {
        match direction {
            CoreDirection::Capture => VoiceDirection::Capture,
            CoreDirection::Playout => VoiceDirection::Playout,
        }
    }
}

/// Which echo canceller the capture's echo cancellation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum EchoEngine {
    /// WebRTC's AEC3 (through sonora), the default: relearns a changed echo path within
    /// 0.25 s, but cuts the near end while both talk.
    Aec3,
    /// Ours (a two-path adaptive filter): keeps the near end while both talk (full
    /// duplex), removes about as much echo, but relearns a changed path in 1 to 3 s.
    Mdf,
}

impl From<EchoEngine> for ::mediacore::voice::EchoEngine {
    fn from(engine: EchoEngine) -> Self {
        match engine {
            EchoEngine::Aec3 => Self::Aec3,
            EchoEngine::Mdf => Self::Mdf,
        }
    }
}

impl From<::mediacore::voice::EchoEngine> for EchoEngine {
    fn from(engine: ::mediacore::voice::EchoEngine) -> Self {
        match engine {
            ::mediacore::voice::EchoEngine::Aec3 => Self::Aec3,
            ::mediacore::voice::EchoEngine::Mdf => Self::Mdf,
        }
    }
}

/// One stage of a voice pipeline, in the order the stages run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum VoiceStage {
    /// Acoustic echo cancellation against what the session plays out; capture only.
    EchoCancellation,
    /// Noise suppression.
    NoiseSuppression,
    /// Automatic gain control towards `gain_target_dbov`.
    GainControl,
    /// Voice activity detection: talk events, and what comfort noise and barge-in act on.
    Vad,
    /// RMS and peak metering, read with `voice_level`.
    LevelMeter,
    /// RFC 3389 comfort noise in place of audio while the capture VAD hears no voice;
    /// capture only, and needs the capture VAD.
    ComfortNoise,
}

impl From<VoiceStage> for CoreStage {
    fn from(stage: VoiceStage) -> Self {
        match stage {
            VoiceStage::EchoCancellation => CoreStage::EchoCancellation,
            VoiceStage::NoiseSuppression => CoreStage::NoiseSuppression,
            VoiceStage::GainControl => CoreStage::GainControl,
            VoiceStage::Vad => CoreStage::Vad,
            VoiceStage::LevelMeter => CoreStage::LevelMeter,
            VoiceStage::ComfortNoise => CoreStage::ComfortNoise,
        }
    }
}

impl From<CoreStage> for VoiceStage {
    fn from(stage: CoreStage) -> Self {
        match stage {
            CoreStage::EchoCancellation => VoiceStage::EchoCancellation,
            CoreStage::NoiseSuppression => VoiceStage::NoiseSuppression,
            CoreStage::GainControl => VoiceStage::GainControl,
            CoreStage::Vad => VoiceStage::Vad,
            CoreStage::LevelMeter => VoiceStage::LevelMeter,
            CoreStage::ComfortNoise => VoiceStage::ComfortNoise,
        }
    }
}

/// Which voice stages run on a session's capture and playout, and their settings; the
/// defaults run none.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VoiceSettings {
    /// The stages run on captured audio before it is encoded.
    #[uniffi(default)]
    pub capture: Vec<VoiceStage>,
    /// The stages run on received audio before it is played (no echo cancellation or
    /// comfort noise there).
    #[uniffi(default)]
    pub playout: Vec<VoiceStage>,
    /// The level gain control brings speech to, in dBov, -60 to -3.
    #[uniffi(default = -26.0)]
    pub gain_target_dbov: f32,
    /// How long voice stays active after the last speech, at most 60000 ms.
    #[uniffi(default = 200)]
    pub vad_hangover_ms: u32,
    /// How often a comfort-noise SID is repeated (and at once when the background moves
    /// 3 dB), 20 to 10000 ms.
    #[uniffi(default = 500)]
    pub sid_interval_ms: u32,
    /// Whether the remote party's speech (the playout VAD) stops an interruptible prompt.
    #[uniffi(default = false)]
    pub barge_in_on_speech: bool,
    /// The echo canceller; none means AEC3 (and AEC3 reads back as none).
    #[uniffi(default)]
    pub echo_engine: Option<EchoEngine>,
}

impl VoiceSettings {
    /// The core's settings (not yet checked).
    pub(crate) fn to_core(&self) -> CoreSettings {
        let stages = |list: &[VoiceStage]| {
            let mut stages = VoiceStages::default();
            for &stage in list {
                stages.set(stage.into(), true);
            }
            stages
        };
        CoreSettings {
            capture: stages(&self.capture),
            playout: stages(&self.playout),
            gain_target_dbov: self.gain_target_dbov,
            vad_hangover: Duration::from_millis(u64::from(self.vad_hangover_ms)),
            sid_interval: Duration::from_millis(u64::from(self.sid_interval_ms)),
            barge_in_on_speech: self.barge_in_on_speech,
            echo_engine: self.echo_engine.map(Into::into).unwrap_or_default(),
        }
    }

    /// The record of the core's settings.
    pub(crate) fn from_core(settings: &CoreSettings) -> Self {
        let list = |stages: &VoiceStages| stages.enabled().map(Into::into).collect();
        VoiceSettings {
            capture: list(&settings.capture),
            playout: list(&settings.playout),
            gain_target_dbov: settings.gain_target_dbov,
            vad_hangover_ms: millis(settings.vad_hangover) as u32,
            sid_interval_ms: millis(settings.sid_interval) as u32,
            barge_in_on_speech: settings.barge_in_on_speech,
            // The default reads back as none, as a record built without it holds.
            echo_engine: (settings.echo_engine != ::mediacore::voice::EchoEngine::default())
                .then(|| settings.echo_engine.into()),
        }
    }
}

#[uniffi::export]
impl VoiceSettings {
    /// Checks the values and how the stages depend on each other (the session's rate and
    /// RTP clock are checked when it is built); the error says which is wrong.
    pub fn validate(&self) -> Result<(), MediaError> {
        Ok(self.to_core().validate()?)
    }
}

/// A voice pipeline's level, from its level meter.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct VoiceLevel {
    /// RMS integrated over about 300 ms, in dBov (-127 for digital silence).
    pub rms_dbov: f64,
    /// The peak, held 1 s and then falling 20 dB/s, in dBov.
    pub peak_dbov: f64,
}

impl From<::mediacore::VoiceLevel> for VoiceLevel {
    fn from(level: ::mediacore::VoiceLevel) -> Self {
        VoiceLevel {
            rms_dbov: level.rms_dbov,
            peak_dbov: level.peak_dbov,
        }
    }
}
