//! What a conference is configured with: its mix rate and tick, the talker cap, speech
//! detection, and each participant's options; with the checks on them.

use core::time::Duration;

use crate::error::{Error, Result};

/// The rates, in Hz, a conference mixes at.
pub const MIX_RATES: [u32; 3] = [8000, 16_000, 48_000];

/// The most participants a conference takes (the bound that keeps its 32-bit sums exact).
pub const MAX_PARTICIPANTS: usize = 10_000;

/// The most talkers mixed at once.
pub const MAX_TALKERS: usize = 64;

/// The quietest gain, in dB, a participant's input or output may be given (mute for less).
pub const MIN_GAIN_DB: f32 = -60.0;

/// The loudest gain, in dB, a participant's input or output may be given.
pub const MAX_GAIN_DB: f32 = 12.0;

/// The longest tick a conference mixes at a time.
pub const MAX_TICK: Duration = Duration::from_millis(60);

/// A participant of a conference, unique for the conference's lifetime (never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ParticipantId(u32);

impl ParticipantId {
    /// The id with this number (as a binding or the server names it).
    pub const fn new(value: u32) -> Self {
        ParticipantId(value)
    }

    /// The id's number.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl core::fmt::Display for ParticipantId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How talking is told from silence, and who is the active speaker.
///
/// Levels are the mean power over one tick in dBov (0 dBov is the power of a full-scale
/// square wave; a full-scale sine is -3 dBov, ITU-T P.56 speech is about -26 dBov).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpeakerConfig {
    /// A participant starts talking on a tick at or above this level.
    pub talk_on_dbov: f32,
    /// A talking participant stops after `hangover` below this level (at most `talk_on_dbov`).
    pub talk_off_dbov: f32,
    /// How long the level must stay at or above `talk_off_dbov` before
    /// [`SpeakerEvent::TalkStarted`](super::SpeakerEvent::TalkStarted). The audio is mixed
    /// from the first loud tick.
    pub attack: Duration,
    /// How long the level must stay below `talk_off_dbov` before talking ends (and the
    /// audio stops being mixed): the pauses between words are kept.
    pub hangover: Duration,
    /// How much louder, in dB, another talker must be to take the active speaker's place
    /// or a capped talker slot from one who has it.
    pub switch_margin_db: f32,
    /// How long an active speaker keeps the role at least while still talking.
    pub active_hold: Duration,
    /// The time constant of the smoothed level that ranks talkers.
    pub smoothing: Duration,
}

impl Default for SpeakerConfig {
    /// On at -40 dBov, off below -45 dBov, 40 ms attack, 600 ms hangover, 3 dB margin,
    /// 500 ms hold, 200 ms smoothing.
    fn default() -> Self {
        SpeakerConfig {
            talk_on_dbov: -40.0,
            talk_off_dbov: -45.0,
            attack: Duration::from_millis(40),
            hangover: Duration::from_millis(600),
            switch_margin_db: 3.0,
            active_hold: Duration::from_millis(500),
            smoothing: Duration::from_millis(200),
        }
    }
}

impl SpeakerConfig {
    /// The longest of its durations that is accepted.
    const MAX_DURATION: Duration = Duration::from_secs(60);

    /// Checks each value, naming the first one out of range.
    pub fn validate(&self) -> Result<()> {
        for (name, value) in [
            ("talk_on_dbov", self.talk_on_dbov),
            ("talk_off_dbov", self.talk_off_dbov),
        ] {
            if !(-127.0..=0.0).contains(&value) {
                return Err(invalid(format!(
                    "speaker.{name} {value} is out of range; expected -127 to 0 dBov"
                )));
            }
        }
        if self.talk_off_dbov > self.talk_on_dbov {
            return Err(invalid(format!(
                "speaker.talk_off_dbov {} is above talk_on_dbov {}; expected at most it",
                self.talk_off_dbov, self.talk_on_dbov
            )));
        }
        if !(0.0..=40.0).contains(&self.switch_margin_db) {
            return Err(invalid(format!(
                "speaker.switch_margin_db {} is out of range; expected 0 to 40 dB",
                self.switch_margin_db
            )));
        }
        for (name, value) in [
            ("attack", self.attack),
            ("hangover", self.hangover),
            ("active_hold", self.active_hold),
            ("smoothing", self.smoothing),
        ] {
            if value > Self::MAX_DURATION {
                return Err(invalid(format!(
                    "speaker.{name} {value:?} is out of range; expected at most 60 s"
                )));
            }
        }
        Ok(())
    }
}

/// How a conference mixes: its rate, its tick, how many talk at once and how talking is
/// detected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConferenceConfig {
    /// The rate everyone's audio is converted to and mixed at: 8000, 16000 or 48000 Hz.
    pub sample_rate: u32,
    /// Audio mixed per tick of the mix clock: 10 to 60 ms in steps of 10 ms.
    pub tick: Duration,
    /// The most talkers mixed at once (the loudest), 1 to [`MAX_TALKERS`].
    pub max_talkers: usize,
    /// The most participants, 1 to [`MAX_PARTICIPANTS`]; more are refused.
    pub max_participants: usize,
    /// Speech detection and the active speaker.
    pub speaker: SpeakerConfig,
}

impl ConferenceConfig {
    /// A conference mixing at `sample_rate` Hz in 20 ms ticks, 4 talkers at most, up to
    /// 1,000 participants, with [`SpeakerConfig::default`].
    pub fn new(sample_rate: u32) -> Self {
        ConferenceConfig {
            sample_rate,
            tick: Duration::from_millis(20),
            max_talkers: 4,
            max_participants: 1000,
            speaker: SpeakerConfig::default(),
        }
    }

    /// Checks each value, naming the first one out of range.
    pub fn validate(&self) -> Result<()> {
        if !MIX_RATES.contains(&self.sample_rate) {
            return Err(invalid(format!(
                "sample_rate {} Hz is not a mix rate; expected 8000, 16000 or 48000",
                self.sample_rate
            )));
        }
        let ms = self.tick.as_millis();
        if self.tick > MAX_TICK
            || ms == 0
            || !ms.is_multiple_of(10)
            || !self.tick.subsec_nanos().is_multiple_of(1_000_000)
        {
            return Err(invalid(format!(
                "tick {:?} is not supported; expected 10 to 60 ms in steps of 10 ms",
                self.tick
            )));
        }
        if !(1..=MAX_TALKERS).contains(&self.max_talkers) {
            return Err(invalid(format!(
                "max_talkers {} is out of range; expected 1 to {MAX_TALKERS}",
                self.max_talkers
            )));
        }
        if !(1..=MAX_PARTICIPANTS).contains(&self.max_participants) {
            return Err(invalid(format!(
                "max_participants {} is out of range; expected 1 to {MAX_PARTICIPANTS}",
                self.max_participants
            )));
        }
        self.speaker.validate()
    }

    /// Samples of one tick at the mix rate.
    pub fn tick_samples(&self) -> usize {
        crate::frame::samples_in(self.sample_rate, self.tick)
    }

    /// Ticks in `d`, rounded up.
    pub(crate) fn ticks_in(&self, d: Duration) -> u32 {
        let tick = self.tick.as_micros().max(1);
        u32::try_from(d.as_micros().div_ceil(tick)).unwrap_or(u32::MAX)
    }
}

/// What a participant may say and hear.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParticipantOptions {
    /// Gain applied to the participant's audio before it is mixed, [`MIN_GAIN_DB`] to
    /// [`MAX_GAIN_DB`].
    pub input_gain_db: f32,
    /// Gain applied to the mix the participant hears, [`MIN_GAIN_DB`] to [`MAX_GAIN_DB`].
    pub output_gain_db: f32,
    /// Not heard by anyone (talking is still detected and reported).
    pub muted: bool,
    /// Hears nothing.
    pub deaf: bool,
    /// Hears the conference but is never heard and never detected as talking.
    pub listen_only: bool,
    /// When not empty, the participant is heard only by these participants (a whisper, or
    /// a coach heard by the agent alone), and not in the common mix.
    pub whisper_to: Vec<ParticipantId>,
    /// Participants this one does not hear.
    pub exclude: Vec<ParticipantId>,
}

impl ParticipantOptions {
    /// Checks the gains; the lists are checked against the conference when set.
    pub fn validate(&self) -> Result<()> {
        for (name, value) in [
            ("input_gain_db", self.input_gain_db),
            ("output_gain_db", self.output_gain_db),
        ] {
            if !(MIN_GAIN_DB..=MAX_GAIN_DB).contains(&value) {
                return Err(invalid(format!(
                    "{name} {value} is out of range; expected {MIN_GAIN_DB} to {MAX_GAIN_DB} dB"
                )));
            }
        }
        Ok(())
    }
}

fn invalid(message: String) -> Error {
    Error::InvalidArgument(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_are_named() {
        assert!(ConferenceConfig::new(16_000).validate().is_ok());
        let bad = |c: ConferenceConfig| c.validate().unwrap_err().to_string();
        assert!(bad(ConferenceConfig::new(44_100)).contains("sample_rate 44100 Hz"));
        let tick = |ms| ConferenceConfig {
            tick: Duration::from_millis(ms),
            ..ConferenceConfig::new(8000)
        };
        assert!(bad(tick(15)).contains("tick"));
        assert!(bad(tick(70)).contains("tick"));
        assert!(bad(tick(0)).contains("tick"));
        assert!(tick(10).validate().is_ok() && tick(60).validate().is_ok());
        assert!(
            bad(ConferenceConfig {
                max_talkers: 0,
                ..ConferenceConfig::new(8000)
            })
            .contains("max_talkers 0")
        );
        let mut c = ConferenceConfig::new(8000);
        c.speaker.talk_off_dbov = -30.0;
        assert!(bad(c).contains("talk_off_dbov -30 is above talk_on_dbov -40"));
        c.speaker = SpeakerConfig {
            talk_on_dbov: f32::NAN,
            ..SpeakerConfig::default()
        };
        assert!(bad(c).contains("talk_on_dbov NaN"));
    }

    #[test]
    fn gains_outside_the_range_or_nan_are_refused() {
        let o = |input, output| ParticipantOptions {
            input_gain_db: input,
            output_gain_db: output,
            ..ParticipantOptions::default()
        };
        assert!(o(0.0, 0.0).validate().is_ok());
        assert!(o(12.0, -60.0).validate().is_ok());
        assert!(o(12.5, 0.0).validate().is_err());
        assert!(o(0.0, f32::NAN).validate().is_err());
        assert!(o(f32::NEG_INFINITY, 0.0).validate().is_err());
    }

    #[test]
    fn durations_round_up_to_whole_ticks() {
        let c = ConferenceConfig::new(8000);
        assert_eq!(c.ticks_in(Duration::ZERO), 0);
        assert_eq!(c.ticks_in(Duration::from_millis(1)), 1);
        assert_eq!(c.ticks_in(Duration::from_millis(40)), 2);
        assert_eq!(c.ticks_in(Duration::from_millis(41)), 3);
        assert_eq!(c.tick_samples(), 160);
    }
}
