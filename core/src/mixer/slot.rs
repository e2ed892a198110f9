//! One participant's place in the mix: its options and gains, its level and talk state,
//! its audio and how it enters the sums (gates with fades), and what it heard.

use super::config::{ParticipantId, ParticipantOptions};
use super::limiter::Limiter;
use super::speaker::Talk;

/// Unity input gain in the Q12 fixed point contributions are scaled with.
pub(super) const UNITY: i32 = 1 << GAIN_BITS;
pub(super) const GAIN_BITS: u32 = 12;

/// Samples at or below this magnitude do not start a fade-in: a stream that begins with
/// silence in the middle of a tick (a jitter buffer starting to play) fades in from where
/// its sound begins.
pub(super) const ONSET: u16 = 2;

/// How a listener's output fades this tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fade {
    In,
    Full,
    Out,
}

/// How a participant's audio enters one sum (the common mix, or its whispers).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Gate {
    /// Picked for this tick.
    pub(super) on: bool,
    /// How far the fade has come, in samples: 0 silent, a tick's length fully in. It rises
    /// by one per sample while picked and falls by one while not.
    pub(super) ramp: u32,
    /// Whether the audio is in this tick's sum (picked, or fading out).
    pub(super) active: bool,
}

impl Gate {
    pub(super) fn pick(&mut self, on: bool) {
        self.on = on;
        self.active = on || self.ramp > 0;
    }
}

/// What a participant heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Heard {
    /// Nothing yet: it joined since the last mix. It hears the conference at once, as a
    /// call starts, without a fade (which would give every newcomer a mix of its own).
    #[default]
    New,
    Nothing,
    Shared,
    Own,
    /// Its own mix faded out: silence next.
    FadeOut,
}

#[derive(Debug)]
pub(super) struct Slot {
    pub(super) id: ParticipantId,
    pub(super) options: ParticipantOptions,
    /// Input gain, Q12.
    pub(super) input_gain: i32,
    pub(super) output_gain: f32,
    /// Mean square of this tick's audio (0 until measured), and of the last tick's.
    pub(super) power: f32,
    pub(super) level: f32,
    pub(super) smoothed: f32,
    pub(super) talk: Talk,
    pub(super) input: Vec<i16>,
    pub(super) has_input: bool,
    /// The audio times the gain (and fade) as it enters a sum this tick.
    pub(super) contrib: Vec<i32>,
    pub(super) main: Gate,
    pub(super) whisper: Gate,
    pub(super) chosen: bool,
    /// A whisper reaches this participant this tick.
    pub(super) whispered: bool,
    pub(super) hears: Heard,
    pub(super) out: Vec<i16>,
    pub(super) limiter: Limiter,
    pub(super) departing: bool,
}

impl Slot {
    /// Whether the participant may be mixed into the common mix now.
    pub(super) fn wants_main(&self) -> bool {
        !self.departing
            && self.talk.is_open()
            && !self.options.muted
            && !self.options.listen_only
            && self.options.whisper_to.is_empty()
    }

    pub(super) fn wants_whisper(&self) -> bool {
        !self.departing
            && self.talk.is_open()
            && !self.options.muted
            && !self.options.listen_only
            && !self.options.whisper_to.is_empty()
    }

    /// Whether the participant may be the active speaker.
    pub(super) fn may_be_active(&self) -> bool {
        self.talk.is_talking()
            && !self.departing
            && !self.options.muted
            && !self.options.listen_only
            && self.options.whisper_to.is_empty()
    }

    /// Fills `contrib` with the input times the gain, faded as the main gate (or the
    /// whisper gate) says, and moves the fade on.
    pub(super) fn contribute(&mut self, whisper: bool) {
        let gate = if whisper {
            &mut self.whisper
        } else {
            &mut self.main
        };
        let len = self.contrib.len() as u32;
        let g = self.input_gain;
        if !self.has_input {
            self.contrib.fill(0);
            if !gate.on {
                gate.ramp = 0;
            }
            return;
        }
        if gate.on && gate.ramp == len {
            if g == UNITY {
                for (c, &x) in self.contrib.iter_mut().zip(&self.input) {
                    *c = i32::from(x);
                }
            } else {
                for (c, &x) in self.contrib.iter_mut().zip(&self.input) {
                    // |x * g| < 2^15 * 2^14: fits.
                    *c = (i32::from(x) * g + (1 << (GAIN_BITS - 1))) >> GAIN_BITS;
                }
            }
            return;
        }
        let half = 1i64 << (GAIN_BITS - 1);
        for (c, &x) in self.contrib.iter_mut().zip(&self.input) {
            if !gate.on {
                gate.ramp = gate.ramp.saturating_sub(1);
            } else if gate.ramp > 0 || x.unsigned_abs() > ONSET {
                gate.ramp = (gate.ramp + 1).min(len);
            }
            let v = i64::from(x) * i64::from(g) * i64::from(gate.ramp) / i64::from(len);
            *c = ((v + half) >> GAIN_BITS) as i32;
        }
    }
}

/// The input gain in Q12 and the output gain as a factor (both exactly unity at 0 dB).
pub(super) fn gains(options: &ParticipantOptions) -> (i32, f32) {
    let factor = |db: f32| 10f32.powf(db / 20.0);
    let input = (factor(options.input_gain_db) * UNITY as f32).round() as i32;
    (input, factor(options.output_gain_db))
}
