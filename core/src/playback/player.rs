//! [`Player`]: one call's prompt queue, read out frame by frame on the call's sample clock.
//!
//! Rules, one line each:
//! - Every playback gets an id and ends with exactly one event: `Finished` or `Interrupted`
//!   (a queued prompt that never started is `Interrupted` too), after its `Started`.
//! - [`Player::play`] replaces (what plays and what waits are interrupted as `Replaced`);
//!   [`Player::enqueue`] appends; [`Player::stop`] interrupts everything as `Stopped`.
//! - [`Player::barge_in`] (a DTMF digit) interrupts the interruptible prompt that plays and
//!   the interruptible prompts after it; a prompt marked not interruptible plays on.
//! - Consecutive prompts join without a gap inside one frame; a looping prompt (music on
//!   hold) restarts at its beginning until stopped. The start offset applies to the first pass.
//! - The player keeps no copy of the audio: it reads from the shared [`Prompt`].

use std::collections::VecDeque;

use core::time::Duration;

use super::Prompt;
use crate::dtmf::Digit;
use crate::error::{Error, Result};
use crate::frame::samples_in;

/// Most prompts waiting behind the one that plays.
pub const MAX_QUEUED_PROMPTS: usize = 64;

/// Volume limits for [`PlayOptions::gain_db`].
pub const GAIN_RANGE_DB: (f32, f32) = (-60.0, 20.0);

/// Events kept for [`Player::poll_event`]; past this the oldest are dropped (and counted).
pub const EVENT_CAPACITY: usize = 256;

/// Prompts (and twice as many events) a player has room for before it grows.
const INITIAL_CAPACITY: usize = 4;

/// Identifies one playback in the events.
pub type PlaybackId = u64;

/// How one prompt plays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlayOptions {
    /// Play again from the beginning each time the end is reached, until stopped.
    pub looping: bool,
    /// Where the first pass starts; must not be past the prompt's end.
    pub start_offset: Duration,
    /// Volume change in dB, within [`GAIN_RANGE_DB`]; 0 plays the prompt as it is.
    pub gain_db: f32,
    /// Whether a DTMF digit ([`Player::barge_in`]), or the remote party talking when the
    /// session asks for it ([`Player::barge_in_on_speech`]), stops it.
    pub interruptible: bool,
}

impl Default for PlayOptions {
    /// Once, from the start, at its own level, interruptible.
    fn default() -> Self {
        PlayOptions {
            looping: false,
            start_offset: Duration::ZERO,
            gain_db: 0.0,
            interruptible: true,
        }
    }
}

/// Why a playback ended before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InterruptReason {
    /// [`Player::stop`].
    Stopped,
    /// [`Player::play`] put another prompt in its place.
    Replaced,
    /// A DTMF digit (barge-in).
    Dtmf(Digit),
    /// The remote party started talking ([`Player::barge_in_on_speech`]).
    Speech,
}

impl InterruptReason {
    /// `stopped`, `replaced`, `dtmf` or `speech`, as events and the bindings name it.
    pub const fn name(self) -> &'static str {
        match self {
            InterruptReason::Stopped => "stopped",
            InterruptReason::Replaced => "replaced",
            InterruptReason::Dtmf(_) => "dtmf",
            InterruptReason::Speech => "speech",
        }
    }
}

/// What happened to a playback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlaybackEvent {
    /// Its first sample was played.
    Started {
        /// The playback.
        id: PlaybackId,
    },
    /// It played to its end.
    Finished {
        /// The playback.
        id: PlaybackId,
    },
    /// It was ended early, or taken from the queue before it started.
    Interrupted {
        /// The playback.
        id: PlaybackId,
        /// Why.
        reason: InterruptReason,
        /// Whether any of it was played.
        started: bool,
    },
}

impl PlaybackEvent {
    /// The playback the event is about.
    pub const fn id(&self) -> PlaybackId {
        match *self {
            PlaybackEvent::Started { id }
            | PlaybackEvent::Finished { id }
            | PlaybackEvent::Interrupted { id, .. } => id,
        }
    }
}

#[derive(Debug, Clone)]
struct Item {
    id: PlaybackId,
    prompt: Prompt,
    looping: bool,
    interruptible: bool,
    /// Linear gain in Q14 (16384 = 0 dB).
    gain_q14: i32,
    /// Next frame to play.
    position: usize,
    started: bool,
}

/// Plays [`Prompt`]s into a call's frames; see the module docs for the rules.
///
/// ```
/// use mediacore::playback::{PlayOptions, PlaybackEvent, Player, Prompt};
///
/// let beep = Prompt::from_samples(8000, 1, vec![1000; 240])?; // 30 ms
/// let mut player = Player::new(8000, 1)?;
/// let id = player.play(beep, PlayOptions::default())?;
/// let mut frame = [0i16; 160]; // 20 ms
/// assert_eq!(player.fill(&mut frame), 160);
/// assert_eq!(player.fill(&mut frame), 80); // the last 10 ms, then silence
/// assert_eq!(frame[80], 0);
/// assert_eq!(player.poll_event(), Some(PlaybackEvent::Started { id }));
/// assert_eq!(player.poll_event(), Some(PlaybackEvent::Finished { id }));
/// # Ok::<(), mediacore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Player {
    sample_rate: u32,
    channels: u16,
    /// The playing prompt first, then the queue.
    items: VecDeque<Item>,
    next_id: PlaybackId,
    events: VecDeque<PlaybackEvent>,
    events_dropped: u64,
}

impl Player {
    /// A player for audio at `sample_rate` Hz with `channels` (1 or 2) interleaved channels.
    pub fn new(sample_rate: u32, channels: u16) -> Result<Self> {
        if sample_rate == 0 || !(1..=2).contains(&channels) {
            return Err(Error::InvalidArgument(format!(
                "a player needs a positive rate and 1 or 2 channels, not {sample_rate} Hz x \
                 {channels}"
            )));
        }
        Ok(Player {
            sample_rate,
            channels,
            // Small to start (a call holds a few prompts); grows, up to the bounds, only when
            // a host queues many.
            items: VecDeque::with_capacity(INITIAL_CAPACITY),
            next_id: 1,
            events: VecDeque::with_capacity(2 * INITIAL_CAPACITY),
            events_dropped: 0,
        })
    }

    /// The rate the player's output runs at, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Interleaved channels of the output.
    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// Plays `prompt` now, in place of whatever plays or waits (interrupted as `Replaced`).
    pub fn play(&mut self, prompt: Prompt, options: PlayOptions) -> Result<PlaybackId> {
        let item = self.item(prompt, options)?;
        self.interrupt_all(InterruptReason::Replaced);
        Ok(self.push(item))
    }

    /// Plays `prompt` after the prompts already playing or waiting.
    pub fn enqueue(&mut self, prompt: Prompt, options: PlayOptions) -> Result<PlaybackId> {
        if self.items.len() > MAX_QUEUED_PROMPTS {
            return Err(Error::InvalidArgument(format!(
                "the prompt queue is full ({MAX_QUEUED_PROMPTS} waiting); stop or wait first"
            )));
        }
        let item = self.item(prompt, options)?;
        Ok(self.push(item))
    }

    /// Stops the prompt that plays and drops the queue; returns whether anything was there.
    pub fn stop(&mut self) -> bool {
        let any = !self.items.is_empty();
        self.interrupt_all(InterruptReason::Stopped);
        any
    }

    /// A DTMF digit arrived: the playing prompt, if interruptible, stops, with every
    /// interruptible prompt queued after it. Returns whether the playing prompt stopped.
    pub fn barge_in(&mut self, digit: Digit) -> bool {
        self.interrupt_interruptible(InterruptReason::Dtmf(digit))
    }

    /// The remote party started talking (a voice activity detector heard them): as
    /// [`barge_in`](Self::barge_in), with [`InterruptReason::Speech`].
    pub fn barge_in_on_speech(&mut self) -> bool {
        self.interrupt_interruptible(InterruptReason::Speech)
    }

    fn interrupt_interruptible(&mut self, reason: InterruptReason) -> bool {
        if !self.items.front().is_some_and(|i| i.interruptible) {
            return false;
        }
        let mut kept = VecDeque::with_capacity(0);
        core::mem::swap(&mut kept, &mut self.items);
        for item in kept {
            if item.interruptible {
                self.emit(PlaybackEvent::Interrupted {
                    id: item.id,
                    reason,
                    started: item.started,
                });
            } else {
                self.items.push_back(item);
            }
        }
        true
    }

    /// Whether a prompt is playing or waiting.
    pub fn is_playing(&self) -> bool {
        !self.items.is_empty()
    }

    /// The playback that plays now.
    pub fn current(&self) -> Option<PlaybackId> {
        self.items.front().map(|i| i.id)
    }

    /// Prompts waiting behind the current one.
    pub fn queued(&self) -> usize {
        self.items.len().saturating_sub(1)
    }

    /// Writes the next `out.len()` samples (interleaved, whole frames) of prompt audio into
    /// `out`, silence after the last prompt; returns the samples that came from prompts.
    pub fn fill(&mut self, out: &mut [i16]) -> usize {
        let channels = usize::from(self.channels);
        let mut written = 0;
        while written < out.len() {
            let Some(item) = self.items.front_mut() else {
                break;
            };
            if !item.started {
                item.started = true;
                let id = item.id;
                self.emit(PlaybackEvent::Started { id });
                continue;
            }
            let samples = item.prompt.samples();
            let from = item.position * channels;
            let n = (samples.len() - from).min(out.len() - written);
            scale_into(
                &mut out[written..written + n],
                &samples[from..from + n],
                item.gain_q14,
            );
            written += n;
            item.position += n / channels;
            if item.position * channels >= samples.len() {
                if item.looping {
                    item.position = 0;
                } else {
                    let id = item.id;
                    self.items.pop_front();
                    self.emit(PlaybackEvent::Finished { id });
                }
            }
        }
        out[written..].fill(0);
        written
    }

    /// The next event, oldest first.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<PlaybackEvent> {
        self.events.pop_front()
    }

    /// Events dropped because nobody polled them and more than [`EVENT_CAPACITY`] waited.
    pub fn events_dropped(&self) -> u64 {
        self.events_dropped
    }

    fn emit(&mut self, event: PlaybackEvent) {
        if self.events.len() == EVENT_CAPACITY {
            self.events.pop_front();
            self.events_dropped += 1;
        }
        self.events.push_back(event);
    }

    fn item(&self, prompt: Prompt, options: PlayOptions) -> Result<Item> {
        if prompt.sample_rate() != self.sample_rate || prompt.channels() != self.channels {
            return Err(Error::InvalidArgument(format!(
                "prompt is {} Hz x {} channels but the player runs at {} Hz x {}; decode it \
                 for the call's layout",
                prompt.sample_rate(),
                prompt.channels(),
                self.sample_rate,
                self.channels
            )));
        }
        if prompt.frames() == 0 {
            return Err(Error::InvalidArgument(
                "the prompt holds no audio; there is nothing to play".into(),
            ));
        }
        let (low, high) = GAIN_RANGE_DB;
        if !(low..=high).contains(&options.gain_db) {
            return Err(Error::InvalidArgument(format!(
                "gain {} dB is out of range; expected {low} to {high} dB",
                options.gain_db
            )));
        }
        let position = samples_in(self.sample_rate, options.start_offset);
        if position >= prompt.frames() {
            return Err(Error::InvalidArgument(format!(
                "start offset {} ms is at or past the prompt's end ({} ms)",
                options.start_offset.as_millis(),
                prompt.duration().as_millis()
            )));
        }
        let gain_q14 = (16384.0 * 10f32.powf(options.gain_db / 20.0)).round() as i32;
        Ok(Item {
            id: 0,
            prompt,
            looping: options.looping,
            interruptible: options.interruptible,
            gain_q14,
            position,
            started: false,
        })
    }

    fn push(&mut self, mut item: Item) -> PlaybackId {
        item.id = self.next_id;
        self.next_id += 1;
        let id = item.id;
        self.items.push_back(item);
        id
    }

    fn interrupt_all(&mut self, reason: InterruptReason) {
        while let Some(item) = self.items.pop_front() {
            self.emit(PlaybackEvent::Interrupted {
                id: item.id,
                reason,
                started: item.started,
            });
        }
    }
}

/// `out = input * gain / 2^14`, rounded and saturated; in 32 bits (which the compiler
/// vectorises) while the product fits, up to +12 dB.
fn scale_into(out: &mut [i16], input: &[i16], gain_q14: i32) {
    if gain_q14 == 1 << 14 {
        out.copy_from_slice(input);
    } else if gain_q14 < 1 << 16 {
        for (o, &s) in out.iter_mut().zip(input) {
            let v = (i32::from(s) * gain_q14 + (1 << 13)) >> 14;
            *o = v.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
        }
    } else {
        for (o, &s) in out.iter_mut().zip(input) {
            let v = (i64::from(s) * i64::from(gain_q14) + (1 << 13)) >> 14;
            *o = v.clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16;
        }
    }
}

#[cfg(test)]
#[path = "player_tests.rs"]
mod tests;
