//! Voice processing in a [`MediaSession`]: the capture pipeline (AEC → NS → AGC → VAD → level
//! → comfort noise, before encoding) and the playout pipeline (NS → AGC → VAD → level, on the
//! received audio), each stage switchable per session while the call runs.
//!
//! The engines are those of [`crate::voice`]. What a stage needs is allocated when it is first
//! switched on (at construction for the stages [`VoiceSettings`] turns on), never per frame; a
//! stage switched off keeps what it learnt. With every stage off (the default) a session
//! carries no voice state at all.

use core::time::Duration;

use thiserror::Error;

use super::{CN_PAYLOAD_TYPE, Event, MediaSession};
use crate::codec::cn::MAX_ORDER;
use crate::error::Result;
use crate::time::Instant;
use crate::voice::vad::DEFAULT_HANGOVER;
use crate::voice::{
    BackgroundConfig, BackgroundNoise, EarshotVad, EchoEngine, GainConfig, LevelMeter, MeterConfig,
    VadConfig, VadEvent, VoiceConfig, VoiceDetector, VoiceError, VoiceProcessor,
};

/// The shortest and longest [`VoiceSettings::sid_interval`].
const SID_INTERVAL_RANGE: (Duration, Duration) =
    (Duration::from_millis(20), Duration::from_secs(10));
/// A SID goes out at once when the background level moves this far (dB) from the last one.
const SID_LEVEL_STEP_DB: i16 = 3;

/// Which way audio flows through a voice pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VoiceDirection {
    /// What [`MediaSession::push_capture`] takes (the local talker), before it is encoded.
    Capture,
    /// What [`MediaSession::pull_playout`] returns (the remote talker), after decoding.
    Playout,
}

impl VoiceDirection {
    /// `capture` or `playout`, as events and the bindings name it.
    pub const fn name(self) -> &'static str {
        match self {
            VoiceDirection::Capture => "capture",
            VoiceDirection::Playout => "playout",
        }
    }

    /// The direction [`name`](Self::name) gives.
    pub fn from_name(name: &str) -> core::result::Result<Self, VoiceSettingsError> {
        match name {
            "capture" => Ok(VoiceDirection::Capture),
            "playout" => Ok(VoiceDirection::Playout),
            _ => Err(VoiceSettingsError::UnknownDirection(name.to_owned())),
        }
    }
}

/// One stage of a voice pipeline, in the order the stages run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VoiceStage {
    /// Acoustic echo cancellation against what the session plays out; capture only.
    EchoCancellation,
    /// Noise suppression.
    NoiseSuppression,
    /// Automatic gain control towards [`VoiceSettings::gain_target_dbov`].
    GainControl,
    /// Voice activity detection: talk events, and what comfort noise and barge-in act on.
    Vad,
    /// RMS and peak metering, read with [`MediaSession::voice_level`].
    LevelMeter,
    /// RFC 3389 comfort noise in place of audio while the capture VAD hears no voice
    /// (discontinuous transmission); capture only, and needs the capture VAD.
    ComfortNoise,
}

impl VoiceStage {
    /// Every stage, in pipeline order.
    pub const ALL: [VoiceStage; 6] = [
        VoiceStage::EchoCancellation,
        VoiceStage::NoiseSuppression,
        VoiceStage::GainControl,
        VoiceStage::Vad,
        VoiceStage::LevelMeter,
        VoiceStage::ComfortNoise,
    ];

    /// The snake_case name the bindings use: `echo_cancellation`, `noise_suppression`,
    /// `gain_control`, `vad`, `level_meter`, `comfort_noise`.
    pub const fn name(self) -> &'static str {
        match self {
            VoiceStage::EchoCancellation => "echo_cancellation",
            VoiceStage::NoiseSuppression => "noise_suppression",
            VoiceStage::GainControl => "gain_control",
            VoiceStage::Vad => "vad",
            VoiceStage::LevelMeter => "level_meter",
            VoiceStage::ComfortNoise => "comfort_noise",
        }
    }

    /// The stage [`name`](Self::name) gives.
    pub fn from_name(name: &str) -> core::result::Result<Self, VoiceSettingsError> {
        VoiceStage::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| VoiceSettingsError::UnknownStage(name.to_owned()))
    }

    /// Whether the stage runs on `direction`'s pipeline.
    pub const fn runs_on(self, direction: VoiceDirection) -> bool {
        !matches!(
            (self, direction),
            (
                VoiceStage::EchoCancellation | VoiceStage::ComfortNoise,
                VoiceDirection::Playout
            )
        )
    }
}

/// Which stages of one pipeline run. All off by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct VoiceStages {
    /// [`VoiceStage::EchoCancellation`] (capture only).
    pub echo_cancellation: bool,
    /// [`VoiceStage::NoiseSuppression`].
    pub noise_suppression: bool,
    /// [`VoiceStage::GainControl`].
    pub gain_control: bool,
    /// [`VoiceStage::Vad`].
    pub vad: bool,
    /// [`VoiceStage::LevelMeter`].
    pub level_meter: bool,
    /// [`VoiceStage::ComfortNoise`] (capture only).
    pub comfort_noise: bool,
}

impl VoiceStages {
    /// Whether `stage` is on.
    pub const fn get(&self, stage: VoiceStage) -> bool {
        match stage {
            VoiceStage::EchoCancellation => self.echo_cancellation,
            VoiceStage::NoiseSuppression => self.noise_suppression,
            VoiceStage::GainControl => self.gain_control,
            VoiceStage::Vad => self.vad,
            VoiceStage::LevelMeter => self.level_meter,
            VoiceStage::ComfortNoise => self.comfort_noise,
        }
    }

    /// Turns `stage` on or off.
    pub fn set(&mut self, stage: VoiceStage, on: bool) {
        *match stage {
            VoiceStage::EchoCancellation => &mut self.echo_cancellation,
            VoiceStage::NoiseSuppression => &mut self.noise_suppression,
            VoiceStage::GainControl => &mut self.gain_control,
            VoiceStage::Vad => &mut self.vad,
            VoiceStage::LevelMeter => &mut self.level_meter,
            VoiceStage::ComfortNoise => &mut self.comfort_noise,
        } = on;
    }

    /// The stages on, in pipeline order.
    pub fn enabled(&self) -> impl Iterator<Item = VoiceStage> + '_ {
        VoiceStage::ALL.into_iter().filter(|&s| self.get(s))
    }

    /// Whether any stage is on.
    pub fn any(&self) -> bool {
        self.enabled().next().is_some()
    }

    /// Whether echo cancellation, noise suppression or gain control is on.
    fn any_processing(&self) -> bool {
        self.echo_cancellation || self.noise_suppression || self.gain_control
    }
}

/// Voice processing of a session, in [`SessionConfig::voice`](super::SessionConfig::voice).
///
/// ```
/// use mediacore::session::{VoiceDirection, VoiceSettings, VoiceStage};
/// use mediacore::{Codec, MediaSession, SessionConfig};
///
/// let mut voice = VoiceSettings::default();
/// voice.capture.noise_suppression = true;
/// voice.capture.vad = true;
/// voice.capture.comfort_noise = true; // RFC 3389 SID packets while the talker is silent
/// voice.playout.vad = true;
/// voice.barge_in_on_speech = true; // the caller's speech stops an interruptible prompt
/// let mut session = MediaSession::new(SessionConfig { voice, ..SessionConfig::new(Codec::Pcmu) })?;
/// session.set_voice_stage(VoiceDirection::Capture, VoiceStage::EchoCancellation, true)?;
/// assert!(session.voice_stage(VoiceDirection::Capture, VoiceStage::EchoCancellation));
/// # Ok::<(), mediacore::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VoiceSettings {
    /// The stages run on captured audio before it is encoded.
    pub capture: VoiceStages,
    /// The stages run on received audio before it is played (no echo cancellation or
    /// comfort noise there).
    pub playout: VoiceStages,
    /// The level gain control brings speech to, in dBov: -60 to -3. Default -26 (see
    /// [`GainConfig::target_level_dbov`]).
    pub gain_target_dbov: f32,
    /// How long voice stays active after the last speech: bridges pauses inside a
    /// sentence. At most 60 s; default 200 ms.
    pub vad_hangover: Duration,
    /// While comfort noise is sent, a new SID goes out this often, and at once when the
    /// background's level moves 3 dB. 20 ms to 10 s; default 500 ms.
    pub sid_interval: Duration,
    /// Stop an interruptible prompt when the playout VAD hears the remote party start
    /// talking (needs the playout VAD). Default off.
    pub barge_in_on_speech: bool,
    /// The echo canceller the capture's echo cancellation runs. Default
    /// [`EchoEngine::Aec3`].
    pub echo_engine: EchoEngine,
}

impl Default for VoiceSettings {
    fn default() -> Self {
        VoiceSettings {
            capture: VoiceStages::default(),
            playout: VoiceStages::default(),
            gain_target_dbov: GainConfig::default().target_level_dbov,
            vad_hangover: DEFAULT_HANGOVER,
            sid_interval: Duration::from_millis(500),
            barge_in_on_speech: false,
            echo_engine: EchoEngine::default(),
        }
    }
}

impl VoiceSettings {
    /// The stages of `direction`.
    pub fn stages(&self, direction: VoiceDirection) -> &VoiceStages {
        match direction {
            VoiceDirection::Capture => &self.capture,
            VoiceDirection::Playout => &self.playout,
        }
    }

    fn stages_mut(&mut self, direction: VoiceDirection) -> &mut VoiceStages {
        match direction {
            VoiceDirection::Capture => &mut self.capture,
            VoiceDirection::Playout => &mut self.playout,
        }
    }

    /// Checks the values and how the stages depend on each other, naming the first problem.
    /// What depends on the session (its rate, its RTP clock) is checked when it is built.
    pub fn validate(&self) -> Result<()> {
        for direction in [VoiceDirection::Capture, VoiceDirection::Playout] {
            if let Some(stage) = self
                .stages(direction)
                .enabled()
                .find(|s| !s.runs_on(direction))
            {
                return Err(VoiceSettingsError::NotOnPath { stage, direction }.into());
            }
        }
        if self.capture.comfort_noise && !self.capture.vad {
            return Err(VoiceSettingsError::NeedsVad {
                what: "comfort noise",
                direction: VoiceDirection::Capture,
            }
            .into());
        }
        if self.barge_in_on_speech && !self.playout.vad {
            return Err(VoiceSettingsError::NeedsVad {
                what: "barge-in on speech",
                direction: VoiceDirection::Playout,
            }
            .into());
        }
        match (GainConfig {
            target_level_dbov: self.gain_target_dbov,
            ..GainConfig::default()
        })
        .validate()
        {
            Err(VoiceError::InvalidParameter {
                value, expected, ..
            }) => return Err(VoiceSettingsError::GainTarget { value, expected }.into()),
            other => other?,
        }
        VadConfig {
            hangover: self.vad_hangover,
            ..VadConfig::new(8000)
        }
        .validate()?;
        let (least, most) = SID_INTERVAL_RANGE;
        if !(least..=most).contains(&self.sid_interval) {
            return Err(VoiceSettingsError::SidInterval(self.sid_interval).into());
        }
        Ok(())
    }
}

/// What was wrong with a session's voice settings or a stage switched at runtime.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum VoiceSettingsError {
    /// A stage was asked of a pipeline it does not run on.
    #[error(
        "{} does not run on the {} path; expected it on the capture path only",
        .stage.name(),
        .direction.name()
    )]
    NotOnPath {
        /// The stage.
        stage: VoiceStage,
        /// The pipeline it was asked of.
        direction: VoiceDirection,
    },
    /// A stage or setting that acts on the VAD's verdict, without that VAD.
    #[error(
        "{what} needs the {} VAD; turn the {} vad stage on (and keep it on) as well",
        .direction.name(),
        .direction.name()
    )]
    NeedsVad {
        /// What needs it.
        what: &'static str,
        /// Whose VAD.
        direction: VoiceDirection,
    },
    /// Comfort noise on a session whose RTP clock is not 8 kHz.
    #[error(
        "comfort noise (RFC 3389, payload type 13) needs an 8000 Hz RTP clock; this session's \
         codec {codec} runs its RTP clock at {clock_rate} Hz"
    )]
    ComfortNoiseClock {
        /// The session's codec name.
        codec: &'static str,
        /// Its RTP clock rate.
        clock_rate: u32,
    },
    /// Comfort noise on a session whose own payload type is comfort noise's.
    #[error(
        "comfort noise is sent with payload type 13, which this session's codec uses; \
         expected another payload type for the codec"
    )]
    ComfortNoisePayloadType,
    /// A gain target out of the gain controller's range.
    #[error("gain_target_dbov = {value} is out of range; expected {expected}")]
    GainTarget {
        /// The value given, as text.
        value: String,
        /// What the gain controller accepts.
        expected: String,
    },
    /// A SID interval out of range.
    #[error("sid_interval {0:?} is out of range; expected 20 ms to 10 s")]
    SidInterval(Duration),
    /// An unknown stage name.
    #[error(
        "unknown voice stage {0:?}; expected echo_cancellation, noise_suppression, \
         gain_control, vad, level_meter or comfort_noise"
    )]
    UnknownStage(String),
    /// An unknown direction name.
    #[error("unknown voice direction {0:?}; expected capture or playout")]
    UnknownDirection(String),
}

/// A pipeline's level, from its [`VoiceStage::LevelMeter`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VoiceLevel {
    /// RMS integrated over about 300 ms, in dBov (-127 for digital silence).
    pub rms_dbov: f64,
    /// The peak, held 1 s and then falling 20 dB/s, in dBov.
    pub peak_dbov: f64,
}

/// One direction's engines, each built when its stage is first switched on.
struct VoicePath {
    direction: VoiceDirection,
    stages: VoiceStages,
    processor: Option<VoiceProcessor>,
    vad: Option<EarshotVad>,
    meter: Option<LevelMeter>,
    /// Capture only: the background that comfort noise imitates.
    background: Option<BackgroundNoise>,
}

impl VoicePath {
    fn new(direction: VoiceDirection) -> Self {
        VoicePath {
            direction,
            stages: VoiceStages::default(),
            processor: None,
            vad: None,
            meter: None,
            background: None,
        }
    }

    /// Switches `stage`, building its engine first if it has none; on failure nothing
    /// changes.
    fn set(&mut self, stage: VoiceStage, on: bool, setup: &VoiceSetup) -> Result<()> {
        if on {
            self.build(stage, setup)?;
        }
        self.stages.set(stage, on);
        if let Some(p) = self.processor.as_mut() {
            match stage {
                VoiceStage::EchoCancellation => p.set_echo_cancellation(on),
                VoiceStage::NoiseSuppression => p.set_noise_suppression(on),
                VoiceStage::GainControl => p.set_gain_control(on),
                _ => {}
            }
        }
        Ok(())
    }

    fn build(&mut self, stage: VoiceStage, setup: &VoiceSetup) -> Result<()> {
        let rate = setup.sample_rate;
        match stage {
            VoiceStage::EchoCancellation
            | VoiceStage::NoiseSuppression
            | VoiceStage::GainControl
                if self.processor.is_none() =>
            {
                // Built with every stage off; `set` turns on the one asked for.
                let mut config = VoiceConfig::new(rate);
                config.echo_cancellation = false;
                config.noise_suppression = false;
                config.gain_control = false;
                config.gain.target_level_dbov = setup.gain_target_dbov;
                config.echo_engine = setup.echo_engine;
                self.processor = Some(VoiceProcessor::new(config)?);
            }
            VoiceStage::Vad if self.vad.is_none() => {
                self.vad = Some(EarshotVad::new(VadConfig {
                    hangover: setup.vad_hangover,
                    seed: setup.seed,
                    ..VadConfig::new(rate)
                })?);
            }
            VoiceStage::LevelMeter if self.meter.is_none() => {
                self.meter = Some(LevelMeter::new(rate, MeterConfig::default())?);
            }
            VoiceStage::ComfortNoise if self.background.is_none() => {
                self.background = Some(BackgroundNoise::new(BackgroundConfig::new(rate))?);
            }
            _ => {}
        }
        Ok(())
    }

    /// Runs the stages that are on over `frame` (whose first sample is at `at`), in place.
    fn process(&mut self, at: Instant, frame: &mut [i16]) -> Result<()> {
        if self.stages.any_processing()
            && let Some(p) = self.processor.as_mut()
        {
            p.process_capture(frame)?;
        }
        let mut talking = false;
        if self.stages.vad
            && let Some(vad) = self.vad.as_mut()
        {
            talking = vad.process(at, frame)?;
        }
        if self.stages.level_meter
            && let Some(meter) = self.meter.as_mut()
        {
            meter.process(frame);
        }
        if self.stages.comfort_noise
            && let Some(background) = self.background.as_mut()
        {
            background.process(frame, talking)?;
        }
        Ok(())
    }

    /// The background estimator, when comfort noise is on and the VAD hears no voice.
    fn background_if_silent(&mut self) -> Option<&mut BackgroundNoise> {
        if !self.stages.comfort_noise || self.is_talking() {
            return None;
        }
        self.background.as_mut()
    }

    fn is_talking(&self) -> bool {
        self.stages.vad && self.vad.as_ref().is_some_and(|v| v.is_active())
    }

    fn poll_event(&mut self) -> Option<Event> {
        let direction = self.direction;
        self.vad.as_mut()?.poll_event().map(|event| match event {
            VadEvent::TalkStart { at } => Event::TalkStarted { direction, at },
            VadEvent::TalkStop { at } => Event::TalkStopped { direction, at },
        })
    }
}

/// What the engines are built with.
struct VoiceSetup {
    sample_rate: u32,
    echo_engine: EchoEngine,
    seed: u64,
    gain_target_dbov: f32,
    vad_hangover: Duration,
}

/// Discontinuous transmission: where the capture side stands between talk and silence.
#[derive(Debug, Default)]
struct Dtx {
    /// Audio is held back (comfort noise was sent for the silence).
    silent: bool,
    /// When the last SID went out.
    last_sid_at: Option<Instant>,
    /// Its level, in dB under overload.
    last_sid_level: u8,
    /// The next audio packet starts a talkspurt: set its marker bit.
    resume: bool,
}

/// A session's voice state: boxed, and only present once a stage has been on.
pub(super) struct SessionVoice {
    setup: VoiceSetup,
    sid_interval: Duration,
    barge_in_on_speech: bool,
    capture: VoicePath,
    playout: VoicePath,
    dtx: Dtx,
}

impl SessionVoice {
    fn new(settings: &VoiceSettings, sample_rate: u32, seed: u64) -> Self {
        SessionVoice {
            setup: VoiceSetup {
                sample_rate,
                seed,
                gain_target_dbov: settings.gain_target_dbov,
                echo_engine: settings.echo_engine,
                vad_hangover: settings.vad_hangover,
            },
            sid_interval: settings.sid_interval,
            barge_in_on_speech: settings.barge_in_on_speech,
            capture: VoicePath::new(VoiceDirection::Capture),
            playout: VoicePath::new(VoiceDirection::Playout),
            dtx: Dtx::default(),
        }
    }

    fn path(&self, direction: VoiceDirection) -> &VoicePath {
        match direction {
            VoiceDirection::Capture => &self.capture,
            VoiceDirection::Playout => &self.playout,
        }
    }

    /// Switches one stage of one pipeline; see [`VoicePath::set`].
    fn set(&mut self, direction: VoiceDirection, stage: VoiceStage, on: bool) -> Result<()> {
        let path = match direction {
            VoiceDirection::Capture => &mut self.capture,
            VoiceDirection::Playout => &mut self.playout,
        };
        path.set(stage, on, &self.setup)
    }

    fn settings(&self) -> VoiceSettings {
        VoiceSettings {
            capture: self.capture.stages,
            playout: self.playout.stages,
            gain_target_dbov: self.setup.gain_target_dbov,
            vad_hangover: self.setup.vad_hangover,
            sid_interval: self.sid_interval,
            barge_in_on_speech: self.barge_in_on_speech,
            echo_engine: self.setup.echo_engine,
        }
    }
}

/// What [`MediaSession::comfort_noise`] did with a frame of silence.
pub(super) enum Silence {
    /// Send the frame's audio after all.
    Audio,
    /// Nothing is sent for it (or a SID was sent in its place).
    Handled,
}

impl MediaSession {
    /// Checks `settings` against this session (its rate, RTP clock and payload type) and
    /// builds the stages they turn on.
    pub(super) fn start_voice(&mut self, settings: &VoiceSettings) -> Result<()> {
        settings.validate()?;
        if settings.capture.comfort_noise {
            self.check_comfort_noise()?;
        }
        if !settings.capture.any() && !settings.playout.any() {
            return Ok(());
        }
        let mut voice = Box::new(SessionVoice::new(
            settings,
            self.sample_rate(),
            self.config.seed,
        ));
        for direction in [VoiceDirection::Capture, VoiceDirection::Playout] {
            for stage in settings.stages(direction).enabled() {
                voice.set(direction, stage, true)?;
            }
        }
        self.voice = Some(voice);
        Ok(())
    }

    fn check_comfort_noise(&self) -> Result<()> {
        if self.clock_rate != 8000 {
            return Err(VoiceSettingsError::ComfortNoiseClock {
                codec: self.config.codec.name(),
                clock_rate: self.clock_rate,
            }
            .into());
        }
        if self.payload_type == CN_PAYLOAD_TYPE {
            return Err(VoiceSettingsError::ComfortNoisePayloadType.into());
        }
        Ok(())
    }

    /// The voice settings in force: those of the configuration with the stages switched
    /// since.
    pub fn voice_settings(&self) -> VoiceSettings {
        self.voice
            .as_ref()
            .map_or(self.config.voice, |v| v.settings())
    }

    /// Whether `stage` runs on `direction`'s pipeline.
    pub fn voice_stage(&self, direction: VoiceDirection, stage: VoiceStage) -> bool {
        self.voice_settings().stages(direction).get(stage)
    }

    /// Switches one stage of one pipeline while the call runs; the others are not
    /// disturbed. A stage's engine is built (allocated) when it is first switched on; one
    /// switched off keeps what it learnt, except echo cancellation, which starts afresh.
    ///
    /// Fails, changing nothing, for a stage the pipeline does not have (echo cancellation
    /// or comfort noise on playout), comfort noise without the capture VAD or on a session
    /// whose RTP clock is not 8 kHz, switching off a VAD that comfort noise or barge-in
    /// needs, or a session rate the engine does not take.
    pub fn set_voice_stage(
        &mut self,
        direction: VoiceDirection,
        stage: VoiceStage,
        on: bool,
    ) -> Result<()> {
        let mut wanted = self.voice_settings();
        wanted.stages_mut(direction).set(stage, on);
        wanted.validate()?;
        if wanted.capture.comfort_noise {
            self.check_comfort_noise()?;
        }
        if self.voice.is_none() {
            if !on {
                return Ok(());
            }
            self.voice = Some(Box::new(SessionVoice::new(
                &self.config.voice,
                self.sample_rate(),
                self.config.seed,
            )));
        }
        match self.voice.as_deref_mut() {
            Some(voice) => voice.set(direction, stage, on),
            None => Ok(()),
        }
    }

    /// Turns barge-in on speech on or off: whether the playout VAD hearing the remote party
    /// start talking stops an interruptible prompt. Fails, changing nothing, when turning
    /// it on while the playout VAD is off.
    pub fn set_barge_in_on_speech(&mut self, on: bool) -> Result<()> {
        if !on {
            if let Some(v) = self.voice.as_deref_mut() {
                v.barge_in_on_speech = false;
            }
            return Ok(());
        }
        VoiceSettings {
            barge_in_on_speech: true,
            ..self.voice_settings()
        }
        .validate()?;
        // The playout VAD is on, so the voice state exists.
        if let Some(v) = self.voice.as_deref_mut() {
            v.barge_in_on_speech = true;
        }
        Ok(())
    }

    /// The level of `direction`'s audio (after its processing), while its level meter is
    /// on.
    pub fn voice_level(&self, direction: VoiceDirection) -> Option<VoiceLevel> {
        let path = self.voice.as_ref()?.path(direction);
        if !path.stages.level_meter {
            return None;
        }
        path.meter.as_ref().map(|m| VoiceLevel {
            rms_dbov: m.rms_dbov(),
            peak_dbov: m.peak_dbov(),
        })
    }

    /// Whether `direction`'s VAD hears voice now (hangover included); false while it is
    /// off.
    pub fn is_talking(&self, direction: VoiceDirection) -> bool {
        self.voice
            .as_ref()
            .is_some_and(|v| v.path(direction).is_talking())
    }

    /// Runs the capture pipeline over the frame about to be sent, captured from `at`.
    pub(super) fn capture_voice(&mut self, at: Instant) -> Result<()> {
        let Some(voice) = self.voice.as_deref_mut() else {
            return Ok(());
        };
        let result = voice.capture.process(at, &mut self.capture_buf);
        while let Some(event) = self
            .voice
            .as_deref_mut()
            .and_then(|v| v.capture.poll_event())
        {
            self.push_event(event);
        }
        result
    }

    /// Runs the playout pipeline over the frame [`pull_playout`](Self::pull_playout) is
    /// about to return, then gives that frame to the echo canceller as its reference.
    ///
    /// Only an engine's internal failure can make it fail: the frame keeps what was done
    /// to it, and playout goes on.
    pub(super) fn playout_voice(&mut self, now: Instant) -> Result<()> {
        let Some(voice) = self.voice.as_deref_mut() else {
            return Ok(());
        };
        let frame = self.playout_frame.samples_mut();
        let mut result = voice.playout.process(now, frame);
        if voice.capture.stages.echo_cancellation
            && let Some(p) = voice.capture.processor.as_mut()
        {
            result = result.and(p.process_render(frame).map_err(Into::into));
        }
        let barge_in = voice.barge_in_on_speech;
        while let Some(event) = self
            .voice
            .as_deref_mut()
            .and_then(|v| v.playout.poll_event())
        {
            if barge_in && matches!(event, Event::TalkStarted { .. }) {
                self.player.barge_in_on_speech();
                self.drain_prompts();
            }
            self.push_event(event);
        }
        result
    }

    /// Comfort noise (RFC 3389) for a frame of capture without a prompt over it: while the
    /// capture VAD hears no voice, a SID on entering the silence, then every
    /// `sid_interval` or when the background's level moves, and nothing in between.
    pub(super) fn comfort_noise(&mut self, now: Instant) -> Result<Silence> {
        let ticks = self.frame_ticks();
        let Some(voice) = self.voice.as_deref_mut() else {
            return Ok(Silence::Audio);
        };
        let dtx = &mut voice.dtx;
        let Some(background) = voice.capture.background_if_silent() else {
            if dtx.silent {
                dtx.silent = false;
                dtx.resume = true;
            }
            return Ok(Silence::Audio);
        };
        // Until 50 ms of background were heard there is nothing to describe: send audio.
        let Some(level) = background.level_dbov() else {
            return Ok(Silence::Audio);
        };
        let level = (-level).round().clamp(0.0, 127.0) as u8;
        let due = !dtx.silent
            || dtx
                .last_sid_at
                .is_none_or(|at| now.saturating_duration_since(at) >= voice.sid_interval)
            || (i16::from(level) - i16::from(dtx.last_sid_level)).abs() >= SID_LEVEL_STEP_DB;
        let sid = if due { background.sid() } else { None };
        let Some(sid) = sid else {
            if !dtx.silent {
                return Ok(Silence::Audio);
            }
            self.packetizer.skip(ticks);
            return Ok(Silence::Handled);
        };
        dtx.silent = true;
        dtx.last_sid_at = Some(now);
        dtx.last_sid_level = sid.level;
        let mut payload = [0u8; 1 + MAX_ORDER];
        let len = sid.write(&mut payload)?;
        let timestamp = self.packetizer.next_timestamp();
        let slot = self.transmit.slot();
        let written = self.packetizer.packetize_other(
            CN_PAYLOAD_TYPE,
            timestamp,
            &payload[..len],
            false,
            slot,
        )?;
        self.transmit.commit(written);
        self.packetizer.skip(ticks);
        self.rtcp
            .on_rtp_sent(now, len, self.packetizer.next_timestamp());
        self.stats.packets_sent += 1;
        self.stats.bytes_sent += len as u64;
        Ok(Silence::Handled)
    }

    /// Whether the next audio packet starts a talkspurt after comfort noise (its marker bit
    /// is to be set); asking clears it.
    pub(super) fn take_talkspurt_start(&mut self) -> bool {
        self.voice
            .as_deref_mut()
            .is_some_and(|v| core::mem::take(&mut v.dtx.resume))
    }
}
