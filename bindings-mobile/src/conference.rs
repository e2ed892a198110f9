//! `Conference`: participants that are sessions, one mix clock, everyone hearing everyone
//! else; with its options, events and counters as uniffi records and enums. Participants
//! are `u32` ids.

use core::time::Duration;
use std::sync::{Arc, Mutex};

use ::mediacore::Instant;
use ::mediacore::mixer::{self, ConferenceConfig, ParticipantId, SpeakerConfig, SpeakerEvent};

use crate::record::{
    FinishedRecording, RecordLimit, RecordOptions, RecordingSummary, finished, record_target,
};
use crate::session::{MediaEvent, MediaSession, SessionSettings, millis};
use crate::{MediaError, lock};

/// How a conference mixes: its rate and tick, how many talk at once, how talking is told.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct ConferenceOptions {
    /// The rate everyone is mixed at: 8000, 16000 or 48000 Hz.
    #[uniffi(default = 16000)]
    pub sample_rate: u32,
    /// Audio mixed per tick: 10 to 60 ms in steps of 10.
    #[uniffi(default = 20)]
    pub tick_ms: u32,
    /// The most talkers mixed at once (the loudest), 1 to 64.
    #[uniffi(default = 4)]
    pub max_talkers: u32,
    /// The most participants, 1 to 10000.
    #[uniffi(default = 1000)]
    pub max_participants: u32,
    /// A participant starts talking at or above this level, in dBov.
    #[uniffi(default = -40.0)]
    pub talk_on_dbov: f32,
    /// A talking participant stops after `hangover_ms` below this level.
    #[uniffi(default = -45.0)]
    pub talk_off_dbov: f32,
    /// How long the level must stay up before `TalkStarted`.
    #[uniffi(default = 40)]
    pub attack_ms: u32,
    /// How long the level must stay down before `TalkStopped`.
    #[uniffi(default = 600)]
    pub hangover_ms: u32,
    /// How much louder another talker must be to take the active speaker's place.
    #[uniffi(default = 3.0)]
    pub switch_margin_db: f32,
    /// How long an active speaker keeps the role at least while still talking.
    #[uniffi(default = 500)]
    pub active_hold_ms: u32,
    /// The time constant of the smoothed level that ranks talkers.
    #[uniffi(default = 200)]
    pub smoothing_ms: u32,
}

impl ConferenceOptions {
    fn to_core(self) -> ConferenceConfig {
        let ms = |ms: u32| Duration::from_millis(u64::from(ms));
        ConferenceConfig {
            sample_rate: self.sample_rate,
            tick: ms(self.tick_ms),
            // u32 always fits usize on the platforms uniffi targets.
            max_talkers: self.max_talkers as usize,
            max_participants: self.max_participants as usize,
            speaker: SpeakerConfig {
                talk_on_dbov: self.talk_on_dbov,
                talk_off_dbov: self.talk_off_dbov,
                attack: ms(self.attack_ms),
                hangover: ms(self.hangover_ms),
                switch_margin_db: self.switch_margin_db,
                active_hold: ms(self.active_hold_ms),
                smoothing: ms(self.smoothing_ms),
            },
        }
    }
}

/// What a participant may say and hear.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ParticipantOptions {
    /// Gain of the participant's audio into the mix, -60 to 12 dB.
    #[uniffi(default = 0.0)]
    pub input_gain_db: f32,
    /// Gain of the mix the participant hears, -60 to 12 dB.
    #[uniffi(default = 0.0)]
    pub output_gain_db: f32,
    /// Not heard by anyone (talking is still detected and reported).
    #[uniffi(default = false)]
    pub muted: bool,
    /// Hears nothing.
    #[uniffi(default = false)]
    pub deaf: bool,
    /// Hears the conference but is never heard and never detected as talking.
    #[uniffi(default = false)]
    pub listen_only: bool,
    /// When not empty, heard only by these participants (a whisper, a coach).
    #[uniffi(default)]
    pub whisper_to: Vec<u32>,
    /// Participants this one does not hear.
    #[uniffi(default)]
    pub exclude: Vec<u32>,
}

fn ids(list: &[u32]) -> Vec<ParticipantId> {
    list.iter().copied().map(ParticipantId::new).collect()
}

fn numbers(list: &[ParticipantId]) -> Vec<u32> {
    list.iter().map(|p| p.get()).collect()
}

impl From<ParticipantOptions> for mixer::ParticipantOptions {
    fn from(o: ParticipantOptions) -> Self {
        mixer::ParticipantOptions {
            input_gain_db: o.input_gain_db,
            output_gain_db: o.output_gain_db,
            muted: o.muted,
            deaf: o.deaf,
            listen_only: o.listen_only,
            whisper_to: ids(&o.whisper_to),
            exclude: ids(&o.exclude),
        }
    }
}

impl From<&mixer::ParticipantOptions> for ParticipantOptions {
    fn from(o: &mixer::ParticipantOptions) -> Self {
        ParticipantOptions {
            input_gain_db: o.input_gain_db,
            output_gain_db: o.output_gain_db,
            muted: o.muted,
            deaf: o.deaf,
            listen_only: o.listen_only,
            whisper_to: numbers(&o.whisper_to),
            exclude: numbers(&o.exclude),
        }
    }
}

/// A datagram to send to a participant.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Transmit {
    /// To whom.
    pub participant: u32,
    /// The datagram.
    pub datagram: Vec<u8>,
}

fn transmit((to, datagram): (ParticipantId, &[u8])) -> Transmit {
    Transmit {
        participant: to.get(),
        datagram: datagram.to_vec(),
    }
}

/// Counters kept by a conference.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, uniffi::Record)]
pub struct ConferenceStats {
    /// Ticks mixed.
    pub ticks: u64,
    /// Ticks skipped because the host called more than five ticks late.
    pub ticks_skipped: u64,
    /// Encoder calls for common payloads.
    pub shared_encodes: u64,
    /// Common payloads handed to a participant's session.
    pub shared_sends: u64,
    /// Encoder calls for one participant's own mix.
    pub own_encodes: u64,
    /// Events dropped because the host did not drain them in time.
    pub events_dropped: u64,
}

impl From<mixer::ConferenceStats> for ConferenceStats {
    fn from(stats: mixer::ConferenceStats) -> Self {
        // Destructured so that a counter added to the core fails to compile here.
        let mixer::ConferenceStats {
            ticks,
            ticks_skipped,
            shared_encodes,
            shared_sends,
            own_encodes,
            events_dropped,
        } = stats;
        ConferenceStats {
            ticks,
            ticks_skipped,
            shared_encodes,
            shared_sends,
            own_encodes,
            events_dropped,
        }
    }
}

/// Something that happened in a conference, drained with [`Conference::poll_event`].
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
#[non_exhaustive]
pub enum ConferenceEvent {
    /// The participant started talking (after the attack time).
    TalkStarted {
        /// Who.
        participant: u32,
    },
    /// The participant stopped talking, was made listen-only or left.
    TalkStopped {
        /// Who.
        participant: u32,
    },
    /// The active speaker changed; `None` when it left and nobody talks.
    ActiveSpeaker {
        /// The new active speaker.
        participant: Option<u32>,
    },
    /// An event of a participant's session.
    Session {
        /// Whose session.
        participant: u32,
        /// What happened.
        event: MediaEvent,
    },
    /// The conference recording reached a limit; collect it with `stop_recording`.
    RecordingLimitReached {
        /// Which limit.
        limit: RecordLimit,
        /// The recording at that point.
        summary: RecordingSummary,
    },
    /// The conference recording's file failed; nothing more is recorded.
    RecordingFailed {
        /// The core's message.
        message: String,
    },
    /// A participant's media (`None`: a group's common mix) failed in one tick.
    MediaFailed {
        /// Whose media.
        participant: Option<u32>,
        /// The core's message.
        message: String,
    },
    /// An event kind this binding does not translate yet, by its core name.
    Other {
        /// The core's snake_case name of the event kind.
        name: String,
    },
}

impl From<mixer::ConferenceEvent> for ConferenceEvent {
    fn from(event: mixer::ConferenceEvent) -> Self {
        use mixer::ConferenceEvent as Core;
        match event {
            Core::Speaker(SpeakerEvent::TalkStarted { participant }) => {
                ConferenceEvent::TalkStarted {
                    participant: participant.get(),
                }
            }
            Core::Speaker(SpeakerEvent::TalkStopped { participant }) => {
                ConferenceEvent::TalkStopped {
                    participant: participant.get(),
                }
            }
            Core::Speaker(SpeakerEvent::ActiveSpeaker { participant }) => {
                ConferenceEvent::ActiveSpeaker {
                    participant: participant.map(ParticipantId::get),
                }
            }
            Core::Session { participant, event } => ConferenceEvent::Session {
                participant: participant.get(),
                event: event.into(),
            },
            Core::RecordingLimitReached { limit, summary } => {
                ConferenceEvent::RecordingLimitReached {
                    limit: limit.into(),
                    summary: summary.into(),
                }
            }
            Core::RecordingFailed { message } => ConferenceEvent::RecordingFailed { message },
            Core::MediaFailed {
                participant,
                message,
            } => ConferenceEvent::MediaFailed {
                participant: participant.map(ParticipantId::get),
                message,
            },
            other => ConferenceEvent::Other {
                name: other.name().to_owned(),
            },
        }
    }
}

/// Participants' sessions mixed by one clock: each hears everyone but itself.
///
/// Drive it with `handle_rtp(now_us, participant, datagram)` for each participant's
/// datagrams, `tick` at `poll_timeout()`, then `poll_transmit`/`poll_rtcp` until `None` and
/// `poll_event` until `None`.
#[derive(uniffi::Object)]
pub struct Conference {
    inner: Mutex<mixer::Conference>,
}

fn at(now_us: u64) -> Instant {
    Instant::from_micros(now_us)
}

fn id(participant: u32) -> ParticipantId {
    ParticipantId::new(participant)
}

#[uniffi::export]
impl Conference {
    /// A conference as `options` say (`None`: the defaults, 16 kHz in 20 ms ticks); an
    /// error names the first value out of range.
    #[uniffi::constructor(default(options = None))]
    pub fn new(options: Option<ConferenceOptions>) -> Result<Self, MediaError> {
        let config = options.map_or_else(|| ConferenceConfig::new(16_000), |o| o.to_core());
        Ok(Conference {
            inner: Mutex::new(mixer::Conference::new(config)?),
        })
    }

    /// Adds a participant with a session built from `session` and `options` (`None`: the
    /// defaults); returns its id, never reused. It hears the conference from the next tick.
    #[uniffi::method(default(options = None))]
    pub fn add_participant(
        &self,
        session: SessionSettings,
        options: Option<ParticipantOptions>,
    ) -> Result<u32, MediaError> {
        let config = session.to_core()?;
        let options = options.map(Into::into).unwrap_or_default();
        Ok(lock(&self.inner).add_participant(config, options)?.get())
    }

    /// Removes a participant and hands back its session (to close it, read its counters).
    pub fn remove_participant(
        &self,
        now_us: u64,
        participant: u32,
    ) -> Result<Arc<MediaSession>, MediaError> {
        let session = lock(&self.inner).remove_participant(at(now_us), id(participant))?;
        Ok(Arc::new(MediaSession::from_core(session)))
    }

    /// The participants present, in the order they joined.
    pub fn participants(&self) -> Vec<u32> {
        lock(&self.inner)
            .participants()
            .map(ParticipantId::get)
            .collect()
    }

    /// A participant's options, or `None` for an id not present.
    pub fn options(&self, participant: u32) -> Option<ParticipantOptions> {
        lock(&self.inner)
            .options(id(participant))
            .map(ParticipantOptions::from)
    }

    /// Replaces a participant's options.
    pub fn set_options(
        &self,
        participant: u32,
        options: ParticipantOptions,
    ) -> Result<(), MediaError> {
        Ok(lock(&self.inner).set_options(id(participant), options.into())?)
    }

    /// Mutes or unmutes: a muted participant is not heard.
    pub fn set_muted(&self, participant: u32, muted: bool) -> Result<(), MediaError> {
        Ok(lock(&self.inner).set_muted(id(participant), muted)?)
    }

    /// Makes the participant hear nothing, or hear again.
    pub fn set_deaf(&self, participant: u32, deaf: bool) -> Result<(), MediaError> {
        Ok(lock(&self.inner).set_deaf(id(participant), deaf)?)
    }

    /// Makes the participant listen only, or a full participant again.
    pub fn set_listen_only(&self, participant: u32, listen_only: bool) -> Result<(), MediaError> {
        Ok(lock(&self.inner).set_listen_only(id(participant), listen_only)?)
    }

    /// The gain of the participant's audio into the mix.
    pub fn set_input_gain_db(&self, participant: u32, db: f32) -> Result<(), MediaError> {
        Ok(lock(&self.inner).set_input_gain_db(id(participant), db)?)
    }

    /// The gain of the mix the participant hears.
    pub fn set_output_gain_db(&self, participant: u32, db: f32) -> Result<(), MediaError> {
        Ok(lock(&self.inner).set_output_gain_db(id(participant), db)?)
    }

    /// Makes the participant heard only by `targets` (empty: by everyone again).
    pub fn set_whisper_to(&self, participant: u32, targets: Vec<u32>) -> Result<(), MediaError> {
        Ok(lock(&self.inner).set_whisper_to(id(participant), &ids(&targets))?)
    }

    /// Sets who the participant does not hear.
    pub fn set_exclude(&self, participant: u32, excluded: Vec<u32>) -> Result<(), MediaError> {
        Ok(lock(&self.inner).set_exclude(id(participant), &ids(&excluded))?)
    }

    /// The active speaker, or `None`.
    pub fn active_speaker(&self) -> Option<u32> {
        lock(&self.inner).active_speaker().map(ParticipantId::get)
    }

    /// Whether the participant is talking.
    pub fn is_talking(&self, participant: u32) -> bool {
        lock(&self.inner).is_talking(id(participant))
    }

    /// The participant's level over the last tick in dBov, or `None`.
    pub fn level_dbov(&self, participant: u32) -> Option<f32> {
        lock(&self.inner).mixer().level_dbov(id(participant))
    }

    /// Counters so far.
    pub fn stats(&self) -> ConferenceStats {
        lock(&self.inner).stats().into()
    }

    /// Takes a datagram from the participant; a rejected one is an error.
    pub fn handle_rtp(
        &self,
        now_us: u64,
        participant: u32,
        datagram: Vec<u8>,
    ) -> Result<(), MediaError> {
        Ok(lock(&self.inner).handle_rtp(at(now_us), id(participant), &datagram)?)
    }

    /// Takes an RTCP compound from the participant; a malformed one is a `Rtcp` error.
    pub fn handle_rtcp(
        &self,
        now_us: u64,
        participant: u32,
        datagram: Vec<u8>,
    ) -> Result<(), MediaError> {
        Ok(lock(&self.inner).handle_rtcp(at(now_us), id(participant), &datagram)?)
    }

    /// Runs the mix clock up to `now_us`: every tick due (the first call starts it).
    pub fn tick(&self, now_us: u64) {
        lock(&self.inner).tick(at(now_us));
    }

    /// When the next tick is due, in microseconds; `None` before the first `tick`.
    pub fn poll_timeout(&self) -> Option<u64> {
        lock(&self.inner).poll_timeout().map(Instant::as_micros)
    }

    /// The next RTP datagram to send and to whom; `None` when all are drained.
    pub fn poll_transmit(&self, now_us: u64) -> Option<Transmit> {
        lock(&self.inner).poll_transmit(at(now_us)).map(transmit)
    }

    /// The next RTCP compound to send and to whom; `None` when none is due.
    pub fn poll_rtcp(&self, now_us: u64) -> Option<Transmit> {
        lock(&self.inner).poll_rtcp(at(now_us)).map(transmit)
    }

    /// The next event, oldest first, or `None`.
    pub fn poll_event(&self) -> Option<ConferenceEvent> {
        lock(&self.inner).poll_event().map(ConferenceEvent::from)
    }

    /// Starts recording the common mix into memory or a new file at `path`; `options` must
    /// have layout "mono". An error when already recording.
    #[uniffi::method(default(path = None))]
    pub fn start_recording(
        &self,
        now_us: u64,
        options: RecordOptions,
        path: Option<String>,
    ) -> Result<(), MediaError> {
        let config = options.to_core()?;
        let target = record_target(path)?;
        Ok(lock(&self.inner).start_recording(at(now_us), config, target)?)
    }

    /// Pauses the recording; an error when none runs.
    pub fn pause_recording(&self, now_us: u64) -> Result<(), MediaError> {
        Ok(lock(&self.inner).pause_recording(at(now_us))?)
    }

    /// Resumes the recording; an error when none runs.
    pub fn resume_recording(&self, now_us: u64) -> Result<(), MediaError> {
        Ok(lock(&self.inner).resume_recording(at(now_us))?)
    }

    /// Completes the recording: the file's bytes (memory) or `None` (a file on disk), and
    /// what it holds. An error when none runs.
    pub fn stop_recording(&self, now_us: u64) -> Result<FinishedRecording, MediaError> {
        let (target, summary) = lock(&self.inner).stop_recording(at(now_us))?;
        finished(target, summary)
    }

    /// Whether a recording runs (also one stopped at a limit and not yet collected).
    pub fn is_recording(&self) -> bool {
        lock(&self.inner).is_recording()
    }

    /// Audio recorded so far in milliseconds, or `None` when not recording.
    pub fn recording_duration_ms(&self) -> Option<f64> {
        lock(&self.inner).recording_duration().map(millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_options_are_the_cores() {
        let options = ConferenceOptions {
            sample_rate: 16_000,
            tick_ms: 20,
            max_talkers: 4,
            max_participants: 1000,
            talk_on_dbov: -40.0,
            talk_off_dbov: -45.0,
            attack_ms: 40,
            hangover_ms: 600,
            switch_margin_db: 3.0,
            active_hold_ms: 500,
            smoothing_ms: 200,
        };
        assert_eq!(options.to_core(), ConferenceConfig::new(16_000));
    }

    #[test]
    fn participant_options_convert_both_ways() {
        let options = ParticipantOptions {
            input_gain_db: 3.0,
            output_gain_db: -6.0,
            muted: true,
            deaf: false,
            listen_only: true,
            whisper_to: vec![2],
            exclude: vec![3, 4],
        };
        let core = mixer::ParticipantOptions::from(options.clone());
        assert_eq!(
            core.exclude,
            vec![ParticipantId::new(3), ParticipantId::new(4)]
        );
        assert_eq!(ParticipantOptions::from(&core), options);
    }
}
