//! Conferences: N participants, each hearing everyone but itself, mixed in O(N).
//!
//! - `config`: [`ConferenceConfig`] (mix rate 8, 16 or 48 kHz, tick, talker cap, speech
//!   detection) and [`ParticipantOptions`] (gains, mute, deaf, listen-only, whisper,
//!   exclusions).
//! - `mix`: [`Mixer`], the pure mixing core on ticks of audio at the mix rate: one 32-bit
//!   total of the loudest talkers, each listener's mix as the total minus its own part, a
//!   soft limiter (`limiter`), talk detection and the active speaker (`speaker`); each
//!   participant's place in it (`slot`).
//! - `conference`: [`Conference`], participants that are [`MediaSession`]s with their own
//!   codec, rate and packet time (`member`), driven by one mix clock; the common mix is
//!   encoded once per codec, rate and packet time (`group`, with the encoders in `coder`)
//!   and handed to every participant who hears it.
//!
//! [`MediaSession`]: crate::MediaSession

mod coder;
mod conference;
mod config;
mod group;
mod limiter;
mod member;
mod mix;
mod slot;
mod speaker;

pub use conference::{Conference, ConferenceEvent, ConferenceStats, Rejected};
pub use config::{
    ConferenceConfig, MAX_GAIN_DB, MAX_PARTICIPANTS, MAX_TALKERS, MAX_TICK, MIN_GAIN_DB, MIX_RATES,
    ParticipantId, ParticipantOptions, SpeakerConfig,
};
pub use limiter::{RELEASE as LIMITER_RELEASE, THRESHOLD as LIMITER_THRESHOLD};
pub use mix::{Hears, Mixer};
pub use speaker::SpeakerEvent;

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;
