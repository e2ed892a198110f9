//! Prompts and IVR: the [`Prompt`] object, [`PlayOptions`], the [`Player`] queue,
//! [`PlayCollectConfig`] and [`PlayAndCollect`], with the events and results they report as
//! uniffi enums and records. A session plays prompts and runs play-and-collect with the same
//! types (`MediaSession::play_prompt`, `MediaSession::play_and_collect`).

use core::time::Duration;
use std::sync::{Arc, Mutex};

use ::mediacore::Instant;
use ::mediacore::dtmf::{CollectConfig, Digit, Terminators};
use ::mediacore::ivr::PlayCollectReason as CorePlayCollectReason;
use ::mediacore::playback::{InterruptReason as CoreInterruptReason, PlaybackEvent as CoreEvent};

use crate::dtmf::CollectEndReason;
use crate::{MediaError, lock};

/// Decoded prompt audio (interleaved `i16` at one rate), immutable; every user of one prompt
/// shares its samples.
#[derive(Debug, uniffi::Object)]
pub struct Prompt {
    pub(crate) inner: ::mediacore::playback::Prompt,
}

#[uniffi::export]
impl Prompt {
    /// A prompt from interleaved samples: `sample_rate` 8000 to 192000 Hz, `channels` 1 or 2
    /// (a session plays mono prompts at its own rate).
    #[uniffi::constructor(default(channels = 1))]
    pub fn from_samples(
        sample_rate: u32,
        pcm: Vec<i16>,
        channels: u16,
    ) -> Result<Self, MediaError> {
        let inner = ::mediacore::playback::Prompt::from_samples(sample_rate, channels, pcm)
            .map_err(::mediacore::Error::from)?;
        Ok(Prompt { inner })
    }

    /// The rate of the samples, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }

    /// Interleaved channels: 1 or 2.
    pub fn channels(&self) -> u16 {
        self.inner.channels()
    }

    /// Samples per channel.
    pub fn frames(&self) -> u64 {
        self.inner.frames() as u64
    }

    /// How long it plays, in milliseconds (with the microseconds as a fraction).
    pub fn duration_ms(&self) -> f64 {
        self.inner.duration().as_micros() as f64 / 1000.0
    }

    /// A copy of the interleaved samples.
    pub fn samples(&self) -> Vec<i16> {
        self.inner.samples().to_vec()
    }

    /// Whether both share one copy of the samples.
    pub fn shares_samples_with(&self, other: &Prompt) -> bool {
        self.inner.shares_samples_with(&other.inner)
    }
}

/// How one prompt plays; the defaults play it once, from the start, at its own level, and
/// let a DTMF digit stop it.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct PlayOptions {
    /// Play again from the beginning each time the end is reached, until stopped (music on
    /// hold).
    #[uniffi(default = false)]
    pub looping: bool,
    /// Where the first pass starts, in milliseconds; must not be past the prompt's end.
    #[uniffi(default = 0)]
    pub start_offset_ms: u64,
    /// Volume change in dB, -60 to 20; 0 plays the prompt as it is.
    #[uniffi(default = 0.0)]
    pub gain_db: f32,
    /// Whether a DTMF digit stops it (barge-in).
    #[uniffi(default = true)]
    pub interruptible: bool,
}

/// The core's options from the binding's, or the core's defaults for `None`.
pub(crate) fn play_options(options: Option<PlayOptions>) -> ::mediacore::playback::PlayOptions {
    options.map_or_else(Default::default, |o| ::mediacore::playback::PlayOptions {
        looping: o.looping,
        start_offset: Duration::from_millis(o.start_offset_ms),
        gain_db: o.gain_db,
        interruptible: o.interruptible,
    })
}

/// Why a playback ended before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum InterruptReason {
    /// `stop` (or `stop_playback`) was called.
    Stopped,
    /// `play` (or `play_prompt`) put another prompt in its place.
    Replaced,
    /// A DTMF digit stopped it (barge-in); the event carries the digit.
    Dtmf,
    /// The remote party started talking (the session's barge-in on speech).
    Speech,
}

/// What happened to a playback, by its id.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PlaybackEvent {
    /// Its first sample was played.
    Started {
        /// The playback.
        id: u64,
    },
    /// It played to its end.
    Finished {
        /// The playback.
        id: u64,
    },
    /// It was ended early, or taken from the queue before it started.
    Interrupted {
        /// The playback.
        id: u64,
        /// Why.
        reason: InterruptReason,
        /// Whether any of it was played.
        started: bool,
        /// The digit that stopped it, when `reason` is `Dtmf`.
        digit: Option<String>,
    },
}

impl From<CoreEvent> for PlaybackEvent {
    fn from(event: CoreEvent) -> Self {
        match event {
            CoreEvent::Started { id } => PlaybackEvent::Started { id },
            CoreEvent::Finished { id } => PlaybackEvent::Finished { id },
            CoreEvent::Interrupted {
                id,
                reason,
                started,
            } => {
                let (reason, digit) = match reason {
                    CoreInterruptReason::Stopped => (InterruptReason::Stopped, None),
                    CoreInterruptReason::Replaced => (InterruptReason::Replaced, None),
                    CoreInterruptReason::Dtmf(d) => (InterruptReason::Dtmf, Some(d.to_string())),
                    CoreInterruptReason::Speech => (InterruptReason::Speech, None),
                };
                PlaybackEvent::Interrupted {
                    id,
                    reason,
                    started,
                    digit,
                }
            }
        }
    }
}

/// A digit given as a one-character string.
fn digit(text: &str) -> Result<Digit, MediaError> {
    Ok(text.parse::<Digit>()?)
}

/// One call's prompt queue, read out frame by frame: play (replacing), enqueue, stop, loop,
/// start offset, gain and barge-in. Each playback gets an id and ends with exactly one
/// `Finished` or `Interrupted` event.
#[derive(uniffi::Object)]
pub struct Player {
    inner: Mutex<::mediacore::playback::Player>,
}

#[uniffi::export]
impl Player {
    /// A player for audio at `sample_rate` Hz with `channels` (1 or 2) interleaved channels;
    /// it plays prompts of that layout.
    #[uniffi::constructor(default(channels = 1))]
    pub fn new(sample_rate: u32, channels: u16) -> Result<Self, MediaError> {
        let player = ::mediacore::playback::Player::new(sample_rate, channels)?;
        Ok(Player {
            inner: Mutex::new(player),
        })
    }

    /// The rate of the output, in Hz.
    pub fn sample_rate(&self) -> u32 {
        lock(&self.inner).sample_rate()
    }

    /// Interleaved channels of the output.
    pub fn channels(&self) -> u16 {
        lock(&self.inner).channels()
    }

    /// Plays `prompt` now, in place of what plays or waits (interrupted as `Replaced`);
    /// returns its id. An error, changing nothing, for a prompt of another layout, an
    /// offset past its end or a gain out of range.
    #[uniffi::method(default(options = None))]
    pub fn play(&self, prompt: &Prompt, options: Option<PlayOptions>) -> Result<u64, MediaError> {
        Ok(lock(&self.inner).play(prompt.inner.clone(), play_options(options))?)
    }

    /// Plays `prompt` after the prompts playing or waiting; returns its id.
    #[uniffi::method(default(options = None))]
    pub fn enqueue(
        &self,
        prompt: &Prompt,
        options: Option<PlayOptions>,
    ) -> Result<u64, MediaError> {
        Ok(lock(&self.inner).enqueue(prompt.inner.clone(), play_options(options))?)
    }

    /// Stops the prompt that plays and drops the queue; returns whether anything was there.
    pub fn stop(&self) -> bool {
        lock(&self.inner).stop()
    }

    /// A DTMF digit arrived: the interruptible prompts stop. Returns whether the playing
    /// prompt stopped.
    pub fn barge_in(&self, digit: String) -> Result<bool, MediaError> {
        let digit = self::digit(&digit)?;
        Ok(lock(&self.inner).barge_in(digit))
    }

    /// Whether a prompt plays or waits.
    pub fn is_playing(&self) -> bool {
        lock(&self.inner).is_playing()
    }

    /// The id of the prompt playing, or `None`.
    pub fn current(&self) -> Option<u64> {
        lock(&self.inner).current()
    }

    /// Prompts waiting behind the one that plays.
    pub fn queued(&self) -> u32 {
        // At most MAX_QUEUED_PROMPTS (64).
        u32::try_from(lock(&self.inner).queued()).unwrap_or(u32::MAX)
    }

    /// The next `samples` interleaved samples of prompt audio (silence after the last
    /// prompt).
    pub fn fill(&self, samples: u32) -> Vec<i16> {
        let mut out = vec![0; samples as usize];
        lock(&self.inner).fill(&mut out);
        out
    }

    /// The next event, oldest first, or `None`.
    pub fn poll_event(&self) -> Option<PlaybackEvent> {
        lock(&self.inner).poll_event().map(PlaybackEvent::from)
    }

    /// Events dropped because they were not polled in time.
    pub fn events_dropped(&self) -> u64 {
        lock(&self.inner).events_dropped()
    }
}

/// The core's digit collection settings from the binding's arguments (the defaults of
/// `collect_digits` and `PlayCollectConfig` are the same).
pub(crate) fn collect_config(
    min_digits: u32,
    max_digits: u32,
    terminators: &str,
    first_digit_timeout_ms: Option<u64>,
    inter_digit_timeout_ms: Option<u64>,
    overall_timeout_ms: Option<u64>,
) -> Result<CollectConfig, MediaError> {
    Ok(CollectConfig {
        min_digits: min_digits as usize,
        max_digits: max_digits as usize,
        terminators: Terminators::parse(terminators)?,
        first_digit_timeout: first_digit_timeout_ms.map(Duration::from_millis),
        inter_digit_timeout: inter_digit_timeout_ms.map(Duration::from_millis),
        overall_timeout: overall_timeout_ms.map(Duration::from_millis),
    })
}

/// What a play-and-collect plays, collects and accepts: the prompts of each attempt, the
/// re-prompts, the attempts, the accepted entries, barge-in and volume, and the collection's
/// digit counts, terminators and timeouts (a timeout of `None` is off). Check it with
/// `validate`; `start` and `play_and_collect` check it too.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PlayCollectConfig {
    /// Played in order at the start of each attempt (may be empty: collect at once).
    pub prompts: Vec<Arc<Prompt>>,
    /// Played before the next attempt when an entry was not valid.
    #[uniffi(default = None)]
    pub invalid_prompt: Option<Arc<Prompt>>,
    /// Played before the next attempt when nothing was entered.
    #[uniffi(default = None)]
    pub no_input_prompt: Option<Arc<Prompt>>,
    /// Attempts in all, 1 to 10; retries are one fewer.
    #[uniffi(default = 1)]
    pub max_attempts: u32,
    /// Entries accepted (e.g. `["1", "2", "9"]` for a menu); empty accepts any entry with
    /// at least `min_digits` digits.
    #[uniffi(default)]
    pub accept: Vec<String>,
    /// Whether digits stop the prompts (and count as the start of the entry); if not, digits
    /// during the prompts are ignored.
    #[uniffi(default = true)]
    pub barge_in: bool,
    /// Volume change for the prompts, in dB.
    #[uniffi(default = 0.0)]
    pub gain_db: f32,
    /// Fewest digits of a valid entry.
    #[uniffi(default = 1)]
    pub min_digits: u32,
    /// An attempt's collection ends with this many digits.
    #[uniffi(default = 20)]
    pub max_digits: u32,
    /// Keys that end an attempt's entry, e.g. "#*" ("" for none).
    #[uniffi(default = "#")]
    pub terminators: String,
    /// From the end of the prompts to the first digit, in milliseconds.
    #[uniffi(default = Some(5000))]
    pub first_digit_timeout_ms: Option<u64>,
    /// From each digit to the next, in milliseconds.
    #[uniffi(default = Some(3000))]
    pub inter_digit_timeout_ms: Option<u64>,
    /// From the end of the prompts to the end of the attempt, in milliseconds.
    #[uniffi(default = None)]
    pub overall_timeout_ms: Option<u64>,
}

#[uniffi::export]
impl PlayCollectConfig {
    /// Checks the counts, the accepted entries and the collection; the error says which is
    /// wrong. (Prompt layouts are checked when it starts: they depend on the player.)
    pub fn validate(&self) -> Result<(), MediaError> {
        self.to_core().map(drop)
    }
}

impl PlayCollectConfig {
    /// The core's configuration, validated.
    pub(crate) fn to_core(&self) -> Result<::mediacore::ivr::PlayCollectConfig, MediaError> {
        let prompt = |p: &Arc<Prompt>| p.inner.clone();
        let config = ::mediacore::ivr::PlayCollectConfig {
            prompts: self.prompts.iter().map(prompt).collect(),
            invalid_prompt: self.invalid_prompt.as_ref().map(prompt),
            no_input_prompt: self.no_input_prompt.as_ref().map(prompt),
            max_attempts: self.max_attempts,
            collect: collect_config(
                self.min_digits,
                self.max_digits,
                &self.terminators,
                self.first_digit_timeout_ms,
                self.inter_digit_timeout_ms,
                self.overall_timeout_ms,
            )?,
            accept: self.accept.clone(),
            barge_in: self.barge_in,
            gain_db: self.gain_db,
        };
        config.validate()?;
        Ok(config)
    }
}

/// Why a play-and-collect ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PlayCollectReason {
    /// A valid entry, ended by its digit count or the inter-digit timeout.
    Digits,
    /// A valid entry, ended by a terminator key.
    Terminator,
    /// The last attempt got no digits at all.
    Timeout,
    /// The last attempt got an entry that is not valid.
    MaxRetries,
    /// Cancelled by the host.
    Cancelled,
}

impl From<CorePlayCollectReason> for PlayCollectReason {
    fn from(reason: CorePlayCollectReason) -> Self {
        match reason {
            CorePlayCollectReason::Digits => PlayCollectReason::Digits,
            CorePlayCollectReason::Terminator => PlayCollectReason::Terminator,
            CorePlayCollectReason::Timeout => PlayCollectReason::Timeout,
            CorePlayCollectReason::MaxRetries => PlayCollectReason::MaxRetries,
            CorePlayCollectReason::Cancelled => PlayCollectReason::Cancelled,
        }
    }
}

/// The outcome of one play-and-collect.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PlayCollectResult {
    /// Why it ended; `Digits` and `Terminator` are entries the caller may act on.
    pub reason: PlayCollectReason,
    /// The last attempt's digits (the accepted entry on success), without the terminator.
    pub digits: String,
    /// The terminator key that ended the last attempt, if one did.
    pub terminator: Option<String>,
    /// Attempts made, 1 to `max_attempts`.
    pub attempts: u32,
    /// How the last attempt's collection ended, when one ran.
    pub collect_reason: Option<CollectEndReason>,
    /// When it ended, in microseconds.
    pub ended_at_us: u64,
}

impl From<::mediacore::ivr::PlayCollectResult> for PlayCollectResult {
    fn from(result: ::mediacore::ivr::PlayCollectResult) -> Self {
        PlayCollectResult {
            reason: result.reason.into(),
            digits: result.digits.to_string(),
            terminator: result.terminator.map(|d| d.to_string()),
            attempts: result.attempts,
            collect_reason: result.collect_reason.map(Into::into),
            ended_at_us: result.ended_at.as_micros(),
        }
    }
}

/// Prompts, digit collection, validation and retries as one state machine: call `fill` for
/// every frame the call sends, give it the digits with `push_digit`, call `handle_timeout` at
/// `poll_timeout()`, and read `poll_result` once it ends.
#[derive(uniffi::Object)]
pub struct PlayAndCollect {
    inner: Mutex<::mediacore::ivr::PlayAndCollect>,
}

#[uniffi::export]
impl PlayAndCollect {
    /// An idle play-and-collect whose prompts play at `sample_rate` Hz, `channels` (1 or 2).
    #[uniffi::constructor(default(channels = 1))]
    pub fn new(sample_rate: u32, channels: u16) -> Result<Self, MediaError> {
        let ivr = ::mediacore::ivr::PlayAndCollect::new(sample_rate, channels)?;
        Ok(PlayAndCollect {
            inner: Mutex::new(ivr),
        })
    }

    /// Starts at `now_us`, replacing one under way (without a result). An invalid `config`
    /// is an error and changes nothing.
    pub fn start(&self, now_us: u64, config: PlayCollectConfig) -> Result<(), MediaError> {
        let config = config.to_core()?;
        Ok(lock(&self.inner).start(Instant::from_micros(now_us), config)?)
    }

    /// The next `samples` interleaved samples of prompt audio (silence when none plays);
    /// `now_us` is when the first of them plays.
    pub fn fill(&self, now_us: u64, samples: u32) -> Vec<i16> {
        let mut out = vec![0; samples as usize];
        lock(&self.inner).fill(Instant::from_micros(now_us), &mut out);
        out
    }

    /// A digit at `now_us`; returns whether it was taken.
    pub fn push_digit(&self, now_us: u64, digit: String) -> Result<bool, MediaError> {
        let digit = self::digit(&digit)?;
        Ok(lock(&self.inner).push_digit(Instant::from_micros(now_us), digit))
    }

    /// Ends a collection whose timeout has passed at `now_us`; harmless at any other time.
    pub fn handle_timeout(&self, now_us: u64) {
        lock(&self.inner).handle_timeout(Instant::from_micros(now_us));
    }

    /// When to call `handle_timeout` next, in microseconds, or `None`.
    pub fn poll_timeout(&self) -> Option<u64> {
        lock(&self.inner).poll_timeout().map(Instant::as_micros)
    }

    /// Ends the one under way with reason `Cancelled`; returns whether one was under way.
    pub fn cancel(&self, now_us: u64) -> bool {
        lock(&self.inner).cancel(Instant::from_micros(now_us))
    }

    /// Whether one is under way.
    pub fn is_active(&self) -> bool {
        lock(&self.inner).is_active()
    }

    /// Whether its prompts are playing.
    pub fn is_prompting(&self) -> bool {
        lock(&self.inner).is_prompting()
    }

    /// The result, once, after it ended; `None` before.
    pub fn poll_result(&self) -> Option<PlayCollectResult> {
        lock(&self.inner).poll_result().map(PlayCollectResult::from)
    }
}

#[cfg(test)]
impl PlayCollectConfig {
    /// The record with the defaults Kotlin, Swift and Python give it.
    pub(crate) fn with_defaults(prompts: Vec<Arc<Prompt>>) -> Self {
        PlayCollectConfig {
            prompts,
            invalid_prompt: None,
            no_input_prompt: None,
            max_attempts: 1,
            accept: Vec::new(),
            barge_in: true,
            gain_db: 0.0,
            min_digits: 1,
            max_digits: 20,
            terminators: "#".into(),
            first_digit_timeout_ms: Some(5000),
            inter_digit_timeout_ms: Some(3000),
            overall_timeout_ms: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt(samples: usize, value: i16) -> Arc<Prompt> {
        Arc::new(Prompt::from_samples(8000, vec![value; samples], 1).unwrap())
    }

    #[test]
    fn record_defaults_are_the_cores() {
        let menu = prompt(80, 1);
        let core = ::mediacore::ivr::PlayCollectConfig::new(
            vec![menu.inner.clone()],
            CollectConfig::default(),
        );
        assert_eq!(
            PlayCollectConfig::with_defaults(vec![menu])
                .to_core()
                .unwrap(),
            core
        );
        assert_eq!(
            play_options(Some(PlayOptions {
                looping: false,
                start_offset_ms: 0,
                gain_db: 0.0,
                interruptible: true,
            })),
            play_options(None)
        );
    }

    #[test]
    fn a_barge_in_is_reported_with_its_digit() {
        let player = Player::new(8000, 1).unwrap();
        let id = player.play(&prompt(800, 5), None).unwrap();
        assert_eq!(player.fill(160), vec![5; 160]);
        assert!(player.barge_in("9".into()).unwrap());
        assert_eq!(player.poll_event(), Some(PlaybackEvent::Started { id }));
        assert_eq!(
            player.poll_event(),
            Some(PlaybackEvent::Interrupted {
                id,
                reason: InterruptReason::Dtmf,
                started: true,
                digit: Some("9".into()),
            })
        );
        let err = player.barge_in("x".into()).unwrap_err();
        assert!(matches!(err, MediaError::InvalidArgument { .. }), "{err:?}");
    }

    #[test]
    fn invalid_configs_are_refused_with_the_cores_message() {
        let mut bad = PlayCollectConfig::with_defaults(vec![prompt(80, 1)]);
        bad.max_attempts = 0;
        let err = bad.validate().unwrap_err();
        assert!(err.message().contains("max_attempts 0"), "{err}");
        let ivr = PlayAndCollect::new(8000, 1).unwrap();
        assert!(ivr.start(0, bad).is_err());
        assert!(!ivr.is_active());
        let err = Prompt::from_samples(8000, vec![0; 3], 2).unwrap_err();
        assert!(matches!(err, MediaError::Playback { .. }), "{err:?}");
    }
}
