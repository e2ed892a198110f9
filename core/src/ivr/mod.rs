//! IVR primitives: [`PlayAndCollect`], prompts and digit collection as one state machine.
//!
//! One attempt plays the prompts, then collects digits; an entry that is not valid (too few
//! digits, not in the accepted list) plays the invalid-input prompt and tries again, no
//! entry plays the no-input prompt and tries again, until `max_attempts`. Digits pressed
//! during the prompts stop them (barge-in) and count as the start of the entry. The
//! collection's timeouts run from the end of the prompts, as callers expect: nobody is timed
//! out while still listening.
//!
//! The prompts advance with the audio: [`PlayAndCollect::fill`] is called for every frame the
//! call sends, with the frame's `now`.

use core::time::Duration;

use crate::dtmf::{CollectConfig, CollectReason, Collected, Digit, DigitCollector, DigitSource};
use crate::error::{Error, Result};
use crate::playback::{PlayOptions, Player, Prompt};
use crate::time::Instant;

mod result;

pub use result::{PlayCollectReason, PlayCollectResult};

/// Most attempts one play-and-collect makes.
pub const MAX_ATTEMPTS: u32 = 10;

/// What a play-and-collect plays, collects and accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayCollectConfig {
    /// Played in order at the start of each attempt (may be empty: collect at once).
    pub prompts: Vec<Prompt>,
    /// Played before the next attempt when an entry was not valid.
    pub invalid_prompt: Option<Prompt>,
    /// Played before the next attempt when nothing was entered.
    pub no_input_prompt: Option<Prompt>,
    /// Attempts in all, 1 to [`MAX_ATTEMPTS`]; retries are one fewer.
    pub max_attempts: u32,
    /// Digit counts, terminators and timeouts of each attempt's collection.
    pub collect: CollectConfig,
    /// Entries accepted (e.g. `["1", "2", "9"]` for a menu); empty accepts any entry with at
    /// least `collect.min_digits` digits.
    pub accept: Vec<String>,
    /// Whether digits stop the prompts (barge-in); if not, digits during prompts are ignored.
    pub barge_in: bool,
    /// Volume change for the prompts, in dB.
    pub gain_db: f32,
}

impl PlayCollectConfig {
    /// Plays `prompts` once, collects per `collect`, accepts any entry, with barge-in.
    pub fn new(prompts: Vec<Prompt>, collect: CollectConfig) -> Self {
        PlayCollectConfig {
            prompts,
            invalid_prompt: None,
            no_input_prompt: None,
            max_attempts: 1,
            collect,
            accept: Vec::new(),
            barge_in: true,
            gain_db: 0.0,
        }
    }

    /// Checks counts, accepted entries and the collection; an error says which is wrong.
    pub fn validate(&self) -> Result<()> {
        if !(1..=MAX_ATTEMPTS).contains(&self.max_attempts) {
            return Err(Error::InvalidArgument(format!(
                "max_attempts {} is out of range; expected 1 to {MAX_ATTEMPTS}",
                self.max_attempts
            )));
        }
        self.collect.validate()?;
        for entry in &self.accept {
            if entry.is_empty() || entry.chars().count() > self.collect.max_digits {
                return Err(Error::InvalidArgument(format!(
                    "accepted entry {entry:?} must hold 1 to max_digits ({}) keys",
                    self.collect.max_digits
                )));
            }
            for c in entry.chars() {
                let digit = Digit::from_char(c)?;
                if self.collect.terminators.contains(digit) {
                    return Err(Error::InvalidArgument(format!(
                        "accepted entry {entry:?} holds the terminator {c:?}, which is never \
                         collected"
                    )));
                }
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Prompts (or a re-prompt and then prompts) are playing; nothing collected yet.
    Prompting,
    /// Collecting digits.
    Collecting,
    /// The result is out or waiting to be read.
    Done,
}

/// Prompts, collection, validation and retries as one state machine (see the module docs).
///
/// ```
/// use core::time::Duration;
/// use mediacore::Instant;
/// use mediacore::dtmf::{CollectConfig, Digit};
/// use mediacore::ivr::{PlayAndCollect, PlayCollectConfig, PlayCollectReason};
/// use mediacore::playback::Prompt;
///
/// let menu = Prompt::from_samples(8000, 1, vec![500; 8000])?; // 1 s
/// let mut config = PlayCollectConfig::new(vec![menu], CollectConfig::default());
/// config.accept = vec!["1".into(), "2".into()];
/// config.collect.max_digits = 1;
/// let mut ivr = PlayAndCollect::new(8000, 1)?;
/// ivr.start(Instant::ZERO, config)?;
/// let mut frame = [0i16; 160];
/// let mut now = Instant::ZERO;
/// for _ in 0..10 {
///     ivr.fill(now, &mut frame); // the menu plays
///     now = now + Duration::from_millis(20);
/// }
/// ivr.push_digit(now, Digit::D2); // barge-in: the menu stops, "2" is the entry
/// let result = ivr.poll_result().unwrap();
/// assert_eq!(result.reason, PlayCollectReason::Digits);
/// assert_eq!(result.digits.to_string(), "2");
/// # Ok::<(), mediacore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct PlayAndCollect {
    player: Player,
    collector: DigitCollector,
    config: Option<PlayCollectConfig>,
    state: State,
    attempts: u32,
    result: Option<PlayCollectResult>,
}

impl PlayAndCollect {
    /// An idle play-and-collect whose prompts play at `sample_rate` Hz, `channels` (1 or 2).
    pub fn new(sample_rate: u32, channels: u16) -> Result<Self> {
        Ok(PlayAndCollect {
            player: Player::new(sample_rate, channels)?,
            collector: DigitCollector::new(),
            config: None,
            state: State::Done,
            attempts: 0,
            result: None,
        })
    }

    /// Starts at `now`; a play-and-collect under way is replaced (without a result). An
    /// invalid `config` is an error and changes nothing.
    pub fn start(&mut self, now: Instant, config: PlayCollectConfig) -> Result<()> {
        config.validate()?;
        let mut player = Player::new(self.player.sample_rate(), self.player.channels())?;
        let options = self.options_for(&config);
        for prompt in config
            .prompts
            .iter()
            .chain(&config.invalid_prompt)
            .chain(&config.no_input_prompt)
        {
            // Checks layout, emptiness and gain of every prompt before anything starts.
            player.play(prompt.clone(), options)?;
        }
        player.stop();
        while player.poll_event().is_some() {}
        self.player = player;
        self.collector = DigitCollector::new();
        self.result = None;
        self.attempts = 1;
        self.config = Some(config);
        self.begin_attempt(now, None)
    }

    /// Whether a play-and-collect is under way.
    pub fn is_active(&self) -> bool {
        self.state != State::Done
    }

    /// Whether prompts are playing (the call's outgoing audio is theirs).
    pub fn is_prompting(&self) -> bool {
        self.state == State::Prompting && self.player.is_playing()
    }

    /// Writes the next frame of prompt audio into `out` (silence when no prompt plays);
    /// `now` is when the frame's first sample plays. Returns the samples from prompts.
    pub fn fill(&mut self, now: Instant, out: &mut [i16]) -> usize {
        let written = self.player.fill(out);
        while self.player.poll_event().is_some() {}
        if self.state == State::Prompting && !self.player.is_playing() {
            let frames = written / usize::from(self.player.channels());
            let ended = now + duration_of(frames, self.player.sample_rate());
            self.begin_collecting(ended);
        }
        written
    }

    /// A digit from any source at `now`. Returns whether it was taken.
    pub fn push_digit(&mut self, now: Instant, digit: Digit) -> bool {
        self.handle_timeout(now);
        match self.state {
            State::Done => false,
            State::Prompting => {
                let barge_in = self.config.as_ref().is_some_and(|c| c.barge_in);
                if !barge_in {
                    return false;
                }
                self.player.stop();
                while self.player.poll_event().is_some() {}
                self.begin_collecting(now);
                self.push_collected(now, digit);
                true
            }
            State::Collecting => {
                self.push_collected(now, digit);
                true
            }
        }
    }

    /// Ends a collection whose timeout has passed at `now`; harmless at any other time.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state == State::Collecting {
            self.collector.handle_timeout(now);
            self.evaluate();
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Collecting => self.collector.poll_timeout(),
            _ => None,
        }
    }

    /// Ends the play-and-collect under way with [`PlayCollectReason::Cancelled`]; returns
    /// whether one was under way.
    pub fn cancel(&mut self, now: Instant) -> bool {
        if self.state == State::Done {
            return false;
        }
        self.player.stop();
        while self.player.poll_event().is_some() {}
        let collected = self
            .collector
            .cancel(now)
            .then(|| self.collector.poll_result());
        self.finish(now, PlayCollectReason::Cancelled, collected.flatten());
        true
    }

    /// The result, once.
    #[must_use]
    pub fn poll_result(&mut self) -> Option<PlayCollectResult> {
        self.result.take()
    }

    fn options_for(&self, config: &PlayCollectConfig) -> PlayOptions {
        PlayOptions {
            gain_db: config.gain_db,
            interruptible: config.barge_in,
            ..PlayOptions::default()
        }
    }

    /// Queues `reprompt` (if any) and the prompts; collects at once when there are none.
    fn begin_attempt(&mut self, now: Instant, reprompt: Option<Prompt>) -> Result<()> {
        let Some(config) = self.config.as_ref() else {
            return Ok(());
        };
        let options = self.options_for(config);
        for prompt in reprompt.iter().chain(&config.prompts) {
            self.player.enqueue(prompt.clone(), options)?;
        }
        if self.player.is_playing() {
            self.state = State::Prompting;
        } else {
            self.begin_collecting(now);
        }
        Ok(())
    }

    fn begin_collecting(&mut self, at: Instant) {
        let Some(config) = self.config.as_ref() else {
            return;
        };
        self.state = State::Collecting;
        // The configuration was validated in `start`, so this cannot fail.
        if self.collector.start(at, config.collect).is_err() {
            self.finish(at, PlayCollectReason::Cancelled, None);
        }
    }

    fn push_collected(&mut self, now: Instant, digit: Digit) {
        self.collector.push_digit(now, digit, DigitSource::Rfc4733);
        self.evaluate();
    }

    /// Reads a finished collection: a result, or the next attempt.
    fn evaluate(&mut self) {
        let Some(collected) = self.collector.poll_result() else {
            return;
        };
        let Some(config) = self.config.as_ref() else {
            return;
        };
        let no_input = collected.digits.is_empty();
        let accepted = collected.min_digits_met
            && !no_input
            && (config.accept.is_empty()
                || config
                    .accept
                    .iter()
                    .any(|a| *a == collected.digits.to_string()));
        if accepted {
            let reason = if collected.reason == CollectReason::Terminator {
                PlayCollectReason::Terminator
            } else {
                PlayCollectReason::Digits
            };
            self.finish(collected.ended_at, reason, Some(collected));
            return;
        }
        if self.attempts >= config.max_attempts {
            let reason = if no_input {
                PlayCollectReason::Timeout
            } else {
                PlayCollectReason::MaxRetries
            };
            self.finish(collected.ended_at, reason, Some(collected));
            return;
        }
        self.attempts += 1;
        let reprompt = if no_input {
            config.no_input_prompt.clone()
        } else {
            config.invalid_prompt.clone()
        };
        let at = collected.ended_at;
        if self.begin_attempt(at, reprompt).is_err() {
            self.finish(at, PlayCollectReason::Cancelled, Some(collected));
        }
    }

    fn finish(&mut self, at: Instant, reason: PlayCollectReason, collected: Option<Collected>) {
        self.state = State::Done;
        self.result = Some(PlayCollectResult::new(
            reason,
            self.attempts,
            at,
            collected.as_ref(),
        ));
    }
}

fn duration_of(frames: usize, sample_rate: u32) -> Duration {
    Duration::from_micros(frames as u64 * 1_000_000 / u64::from(sample_rate))
}

#[cfg(test)]
mod tests;
