//! Talk detection for one participant: the tick's mean power against two thresholds, with
//! an attack before talking is reported and a hangover that keeps the pauses between words.
//!
//! The states and what they mean for the mix:
//! `Silent` (not mixed) → a tick at or above the on level → `Onset` (mixed at once, not yet
//! reported) → `attack` at or above the off level → `Talking` ([`SpeakerEvent::TalkStarted`])
//! → a tick below the off level → `Hangover` (still mixed) → `hangover` below it → `Silent`
//! ([`SpeakerEvent::TalkStopped`]). An onset that falls below the off level is dropped quietly.
//!

use super::config::{ConferenceConfig, ParticipantId};

/// The mean square of full scale that 0 dBov stands for (a full-scale square wave).
pub(crate) const FULL_SCALE_POWER: f32 = 32_768.0 * 32_768.0;

/// Where a participant is between silence and talk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Talk {
    #[default]
    Silent,
    /// Loud for this many ticks, not yet reported.
    Onset(u32),
    Talking,
    /// Quiet for this many ticks after talking.
    Hangover(u32),
}

/// What a tick changed about talking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Started,
    Stopped,
}

/// The speaker configuration turned into powers and tick counts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TalkParams {
    on: f32,
    off: f32,
    attack: u32,
    hangover: u32,
    /// `switch_margin_db` as a power ratio.
    pub(crate) margin: f32,
    /// `active_hold` in ticks.
    pub(crate) hold: u32,
    /// The share of the way the smoothed power moves towards each tick's power.
    pub(crate) smoothing: f32,
}

impl TalkParams {
    pub(crate) fn new(config: &ConferenceConfig) -> Self {
        let s = &config.speaker;
        let tick = config.tick.as_secs_f64();
        let tau = s.smoothing.as_secs_f64();
        TalkParams {
            on: power_of_dbov(s.talk_on_dbov),
            off: power_of_dbov(s.talk_off_dbov),
            attack: config.ticks_in(s.attack),
            hangover: config.ticks_in(s.hangover),
            margin: 10f32.powf(s.switch_margin_db / 10.0),
            hold: config.ticks_in(s.active_hold),
            smoothing: if tau == 0.0 {
                1.0
            } else {
                (1.0 - (-tick / tau).exp()) as f32
            },
        }
    }
}

/// The mean square a level in dBov stands for.
pub(crate) fn power_of_dbov(dbov: f32) -> f32 {
    FULL_SCALE_POWER * 10f32.powf(dbov / 10.0)
}

/// The level in dBov of a mean square (-inf for silence).
pub(crate) fn dbov_of_power(power: f32) -> f32 {
    10.0 * (power / FULL_SCALE_POWER).log10()
}

/// The mean square of `samples`, 0 for none.
pub(crate) fn mean_square(samples: &[i16]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: i64 = samples.iter().map(|&s| i64::from(s) * i64::from(s)).sum();
    (sum as f64 / samples.len() as f64) as f32
}

impl Talk {
    /// Advances by one tick whose mean square was `power`.
    pub(crate) fn step(&mut self, power: f32, p: &TalkParams) -> Option<Change> {
        let (next, change) = match *self {
            Talk::Silent if power >= p.on => Self::onset(1, p),
            Talk::Silent => (Talk::Silent, None),
            Talk::Onset(n) if power >= p.off => Self::onset(n + 1, p),
            Talk::Onset(_) => (Talk::Silent, None),
            Talk::Talking | Talk::Hangover(_) if power >= p.off => (Talk::Talking, None),
            Talk::Talking => Self::quiet(1, p),
            Talk::Hangover(n) => Self::quiet(n + 1, p),
        };
        *self = next;
        change
    }

    fn onset(n: u32, p: &TalkParams) -> (Talk, Option<Change>) {
        if n >= p.attack {
            (Talk::Talking, Some(Change::Started))
        } else {
            (Talk::Onset(n), None)
        }
    }

    fn quiet(n: u32, p: &TalkParams) -> (Talk, Option<Change>) {
        if n >= p.hangover {
            (Talk::Silent, Some(Change::Stopped))
        } else {
            (Talk::Hangover(n), None)
        }
    }

    /// Whether the audio is mixed (from the first loud tick to the end of the hangover).
    pub(crate) fn is_open(self) -> bool {
        self != Talk::Silent
    }

    /// Whether talking was reported and has not stopped.
    pub(crate) fn is_talking(self) -> bool {
        matches!(self, Talk::Talking | Talk::Hangover(_))
    }
}

/// Talking and the active speaker, drained with [`Mixer::poll_event`](super::Mixer::poll_event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum SpeakerEvent {
    /// The participant started talking (after the attack time).
    TalkStarted {
        /// Who.
        participant: ParticipantId,
    },
    /// The participant stopped talking (after the hangover), was made listen-only or left.
    TalkStopped {
        /// Who.
        participant: ParticipantId,
    },
    /// The loudest talker changed (with the margin and hold of
    /// [`SpeakerConfig`](super::SpeakerConfig)); `None` when the active speaker left and
    /// nobody talks. Muted, listen-only and whispering participants are never chosen.
    ActiveSpeaker {
        /// The new active speaker.
        participant: Option<ParticipantId>,
    },
}

impl SpeakerEvent {
    /// A stable snake_case name for the event kind, used by the bindings and the server.
    pub const fn name(&self) -> &'static str {
        match self {
            SpeakerEvent::TalkStarted { .. } => "talk_started",
            SpeakerEvent::TalkStopped { .. } => "talk_stopped",
            SpeakerEvent::ActiveSpeaker { .. } => "active_speaker",
        }
    }
}

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use super::*;
    use crate::mixer::SpeakerConfig;

    fn params(attack_ms: u64, hangover_ms: u64) -> TalkParams {
        TalkParams::new(&ConferenceConfig {
            speaker: SpeakerConfig {
                attack: Duration::from_millis(attack_ms),
                hangover: Duration::from_millis(hangover_ms),
                ..SpeakerConfig::default()
            },
            ..ConferenceConfig::new(8000)
        })
    }

    #[test]
    fn talking_starts_after_the_attack_and_stops_after_the_hangover() {
        let p = params(40, 60);
        let loud = power_of_dbov(-20.0);
        let between = power_of_dbov(-42.0);
        let quiet = power_of_dbov(-60.0);
        let mut t = Talk::default();
        assert_eq!(t.step(between, &p), None);
        assert_eq!(t, Talk::Silent, "between the thresholds does not start");
        assert_eq!(t.step(loud, &p), None);
        assert!(t.is_open() && !t.is_talking());
        assert_eq!(t.step(between, &p), Some(Change::Started));
        assert!(t.is_talking());
        assert_eq!(t.step(quiet, &p), None);
        assert_eq!(t.step(quiet, &p), None);
        assert_eq!(
            t.step(between, &p),
            None,
            "above off: the hangover restarts"
        );
        assert_eq!(t, Talk::Talking);
        assert_eq!(t.step(quiet, &p), None);
        assert_eq!(t.step(quiet, &p), None);
        assert_eq!(t.step(quiet, &p), Some(Change::Stopped));
        assert_eq!(t, Talk::Silent);
    }

    #[test]
    fn a_click_shorter_than_the_attack_is_not_reported() {
        let p = params(60, 100);
        let mut t = Talk::default();
        assert_eq!(t.step(power_of_dbov(-10.0), &p), None);
        assert_eq!(t.step(power_of_dbov(-10.0), &p), None);
        assert_eq!(t.step(0.0, &p), None);
        assert_eq!(t, Talk::Silent);
    }

    #[test]
    fn zero_attack_and_hangover_act_on_the_tick() {
        let p = params(0, 0);
        let mut t = Talk::default();
        assert_eq!(t.step(power_of_dbov(-10.0), &p), Some(Change::Started));
        assert_eq!(t.step(0.0, &p), Some(Change::Stopped));
    }

    #[test]
    fn levels_convert_both_ways() {
        let sine: Vec<i16> = (0..8000)
            .map(|i| ((i as f32 * 0.1).sin() * 32_767.0) as i16)
            .collect();
        assert!((dbov_of_power(mean_square(&sine)) + 3.01).abs() < 0.05);
        assert!((dbov_of_power(power_of_dbov(-26.0)) + 26.0).abs() < 1e-4);
        assert_eq!(dbov_of_power(mean_square(&[0; 10])), f32::NEG_INFINITY);
        assert_eq!(mean_square(&[]), 0.0);
    }
}
