//! Prompts and IVR for JS: `Prompt`, the `Player` queue, `PlayCollectConfig` and
//! `PlayAndCollect`, the `PlayOptions` and `PlayCollectOptions` objects they take, and the
//! playback events and play-and-collect results they report (a session reports the same).
//!
//! A `PlayCollectConfig` is a class rather than an options object because it holds prompts:
//! wasm-bindgen lends a class instance to a call only when it is a direct argument, so the
//! prompts are added one call at a time (`addPrompt`) and stay usable by the page.

use mediacore::dtmf::Digit;
use mediacore::ivr::PlayCollectResult;
use mediacore::playback::{InterruptReason, PlayOptions, PlaybackEvent};
use mediacore::{Error, ivr};
use wasm_bindgen::prelude::*;

use crate::args::{self, object};
use crate::{dtmf, options};

/// The TypeScript types of the options objects, events and results.
// Used by the custom section below, a use that rustc's dead-code lint does not see.
#[allow(dead_code)]
const TS_TYPES: &str = r#"
/** How a prompt plays; what is left out keeps the default. */
export interface PlayOptions {
  /** Play again from the beginning each time the end is reached, until stopped (default false). */
  looping?: boolean;
  /** Where the first pass starts, in ms; before the prompt's end (default 0). */
  startOffsetMs?: number;
  /** Volume change in dB, -60 to 20 (default 0: as recorded). */
  gainDb?: number;
  /** Whether a DTMF digit stops it (default true). */
  interruptible?: boolean;
}

/** What happened to a playback, from `Player.pollEvent()` and `MediaSession.pollEvent()`. Each
 * playback ends with one "playback_finished" or "playback_interrupted". */
export type PlaybackEvent =
  | { type: "playback_started"; id: number }
  | { type: "playback_finished"; id: number }
  | {
      type: "playback_interrupted";
      id: number;
      reason: "stopped" | "replaced" | "dtmf" | "speech";
      /** Whether any of it was played. */
      started: boolean;
      /** The digit that stopped it when `reason` is "dtmf", else null. */
      digit: string | null;
    };

/** The settings of a `PlayCollectConfig` besides its prompts; what is left out keeps the
 * default. */
export interface PlayCollectOptions {
  /** Attempts in all, 1 to 10 (default 1). */
  maxAttempts?: number;
  /** Entries accepted, e.g. ["1", "2", "9"] (default []: any entry of `minDigits` or more). */
  accept?: string[];
  /** Whether digits stop the prompts and start the entry (default true). */
  bargeIn?: boolean;
  /** Volume change for the prompts in dB (default 0). */
  gainDb?: number;
  /** Digit counts, terminators and timeouts of each attempt; timeouts run from the end of
   * the prompts (default: the `CollectOptions` defaults). */
  collect?: CollectOptions;
}

/** The outcome of a play-and-collect, from `PlayAndCollect.pollResult()` and in a
 * "play_collect_done" event. */
export interface PlayCollectResult {
  /** "digits" and "terminator" are entries to act on. */
  reason: "digits" | "terminator" | "timeout" | "max_retries" | "cancelled";
  /** The last attempt's digits (the accepted entry on success), without the terminator. */
  digits: string;
  terminator: string | null;
  /** Attempts made. */
  attempts: number;
  /** How the last attempt's collection ended, null when none ran. */
  collectReason:
    | "terminator"
    | "max_digits"
    | "first_digit_timeout"
    | "inter_digit_timeout"
    | "overall_timeout"
    | "cancelled"
    | null;
  endedAtUs: number;
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const TS_SECTION: &'static str = TS_TYPES;

/// The `PlayOptions` keys, in the order the TypeScript type lists them.
const PLAY_KEYS: [&str; 4] = ["looping", "startOffsetMs", "gainDb", "interruptible"];
/// The `PlayCollectOptions` keys, in the order the TypeScript type lists them.
const PLAY_COLLECT_KEYS: [&str; 5] = ["maxAttempts", "accept", "bargeIn", "gainDb", "collect"];

/// Most samples one `fill` returns: a minute of stereo at the highest prompt rate.
const MAX_FILL_SAMPLES: u32 = 192_000 * 60 * 2;

/// A `PlayOptions` object onto the core's defaults.
pub(crate) fn play_options(value: &JsValue) -> Result<PlayOptions, Error> {
    let mut options = PlayOptions::default();
    for opt in options::read(value, "play", &PLAY_KEYS)? {
        match opt.key.as_str() {
            "looping" => options.looping = opt.boolean()?,
            "startOffsetMs" => options.start_offset = opt.millis()?,
            "gainDb" => options.gain_db = opt.number()? as f32,
            _ => options.interruptible = opt.boolean()?,
        }
    }
    Ok(options)
}

/// The `sampleRate` and `channels` (default 1) arguments.
pub(crate) fn layout(sample_rate: f64, channels: Option<f64>) -> Result<(u32, u16), Error> {
    Ok((
        args::integer("sampleRate", sample_rate, u32::MAX)?,
        args::integer("channels", channels.unwrap_or(1.0), u16::MAX)?,
    ))
}

/// A digit given as a one-character string.
fn digit(text: &str) -> Result<Digit, JsError> {
    Ok(text.parse::<Digit>()?)
}

/// A sample count for `fill`.
fn fill_len(samples: f64) -> Result<usize, Error> {
    args::integer("samples", samples, MAX_FILL_SAMPLES).map(|n| n as usize)
}

/// `{type, id, ...}` as the TypeScript `PlaybackEvent` says.
pub(crate) fn playback_event_object(event: PlaybackEvent) -> JsValue {
    let id = ("id", JsValue::from(args::count(event.id())));
    match event {
        PlaybackEvent::Started { .. } => object([("type", "playback_started".into()), id]),
        PlaybackEvent::Finished { .. } => object([("type", "playback_finished".into()), id]),
        PlaybackEvent::Interrupted {
            reason, started, ..
        } => {
            let digit = match reason {
                InterruptReason::Dtmf(d) => JsValue::from(d.to_string()),
                _ => JsValue::NULL,
            };
            object([
                ("type", "playback_interrupted".into()),
                id,
                ("reason", reason.name().into()),
                ("started", started.into()),
                ("digit", digit),
            ])
        }
    }
}

/// The fields of the TypeScript `PlayCollectResult`.
pub(crate) fn result_fields(result: &PlayCollectResult) -> [(&'static str, JsValue); 6] {
    let or_null = |text: Option<String>| text.map_or(JsValue::NULL, JsValue::from);
    [
        ("reason", result.reason.name().into()),
        ("digits", result.digits.to_string().into()),
        (
            "terminator",
            or_null(result.terminator.map(|d| d.to_string())),
        ),
        ("attempts", result.attempts.into()),
        (
            "collectReason",
            or_null(result.collect_reason.map(|r| r.name().to_owned())),
        ),
        ("endedAtUs", args::micros(result.ended_at).into()),
    ]
}

/// Decoded prompt audio (interleaved 16-bit samples at one rate), immutable; a prompt given
/// to several players or sessions is shared, not copied.
#[wasm_bindgen]
pub struct Prompt {
    pub(crate) inner: mediacore::playback::Prompt,
}

#[wasm_bindgen]
impl Prompt {
    /// A prompt from interleaved samples: `sampleRate` 8000 to 192000 Hz, `channels` 1
    /// (default) or 2. A session plays mono prompts at its own rate.
    #[wasm_bindgen(js_name = fromSamples)]
    pub fn from_samples(
        #[wasm_bindgen(js_name = sampleRate)] sample_rate: f64,
        pcm: &[i16],
        #[wasm_bindgen(unchecked_optional_param_type = "number")] channels: Option<f64>,
    ) -> Result<Prompt, JsError> {
        let (rate, channels) = layout(sample_rate, channels)?;
        let inner = mediacore::playback::Prompt::from_samples(rate, channels, pcm.to_vec())?;
        Ok(Prompt { inner })
    }

    /// The rate of the samples, in Hz.
    #[wasm_bindgen(getter, js_name = sampleRate)]
    pub fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }

    /// Interleaved channels: 1 or 2.
    #[wasm_bindgen(getter)]
    pub fn channels(&self) -> u16 {
        self.inner.channels()
    }

    /// Samples per channel.
    #[wasm_bindgen(getter)]
    pub fn frames(&self) -> usize {
        self.inner.frames()
    }

    /// How long it plays, in milliseconds.
    #[wasm_bindgen(getter, js_name = durationMs)]
    pub fn duration_ms(&self) -> f64 {
        args::millis(self.inner.duration())
    }

    /// A copy of the interleaved samples.
    pub fn samples(&self) -> Vec<i16> {
        self.inner.samples().to_vec()
    }

    /// Whether both share one copy of the samples.
    #[wasm_bindgen(js_name = sharesSamplesWith)]
    pub fn shares_samples_with(&self, other: &Prompt) -> bool {
        self.inner.shares_samples_with(&other.inner)
    }
}

/// One call's prompt queue, read out frame by frame: play (replacing), enqueue, stop, loop,
/// start offset, gain and barge-in. Each playback gets an id and ends with exactly one
/// "playback_finished" or "playback_interrupted" event.
#[wasm_bindgen]
pub struct Player {
    inner: mediacore::playback::Player,
}

#[wasm_bindgen]
impl Player {
    /// A player for audio at `sampleRate` Hz with `channels` (1, the default, or 2)
    /// interleaved channels; it plays prompts of that layout.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = sampleRate)] sample_rate: f64,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] channels: Option<f64>,
    ) -> Result<Player, JsError> {
        let (rate, channels) = layout(sample_rate, channels)?;
        Ok(Player {
            inner: mediacore::playback::Player::new(rate, channels)?,
        })
    }

    /// Plays `prompt` now, in place of what plays or waits (interrupted as "replaced");
    /// returns its id. Throws, changing nothing, for a prompt of another layout, an offset
    /// past its end or a gain out of range.
    pub fn play(
        &mut self,
        prompt: &Prompt,
        #[wasm_bindgen(unchecked_optional_param_type = "PlayOptions")] options: JsValue,
    ) -> Result<f64, JsError> {
        let options = play_options(&options)?;
        let id = self.inner.play(prompt.inner.clone(), options)?;
        Ok(args::count(id))
    }

    /// Plays `prompt` after the prompts playing or waiting; returns its id.
    pub fn enqueue(
        &mut self,
        prompt: &Prompt,
        #[wasm_bindgen(unchecked_optional_param_type = "PlayOptions")] options: JsValue,
    ) -> Result<f64, JsError> {
        let options = play_options(&options)?;
        let id = self.inner.enqueue(prompt.inner.clone(), options)?;
        Ok(args::count(id))
    }

    /// Stops the prompt that plays and drops the queue; returns whether anything was there.
    pub fn stop(&mut self) -> bool {
        self.inner.stop()
    }

    /// A DTMF digit arrived: the interruptible prompts stop. Returns whether the playing
    /// prompt stopped; throws for a string that is not a digit.
    #[wasm_bindgen(js_name = bargeIn)]
    pub fn barge_in(&mut self, digit: &str) -> Result<bool, JsError> {
        Ok(self.inner.barge_in(self::digit(digit)?))
    }

    /// Whether a prompt plays or waits.
    #[wasm_bindgen(getter, js_name = isPlaying)]
    pub fn is_playing(&self) -> bool {
        self.inner.is_playing()
    }

    /// The id of the prompt playing, or `undefined`.
    #[wasm_bindgen(getter)]
    pub fn current(&self) -> Option<f64> {
        self.inner.current().map(args::count)
    }

    /// Prompts waiting behind the one that plays.
    #[wasm_bindgen(getter)]
    pub fn queued(&self) -> usize {
        self.inner.queued()
    }

    /// The rate of the output, in Hz.
    #[wasm_bindgen(getter, js_name = sampleRate)]
    pub fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }

    /// Interleaved channels of the output.
    #[wasm_bindgen(getter)]
    pub fn channels(&self) -> u16 {
        self.inner.channels()
    }

    /// The next `samples` interleaved samples of prompt audio (silence after the last
    /// prompt).
    pub fn fill(&mut self, samples: f64) -> Result<Vec<i16>, JsError> {
        let mut out = vec![0; fill_len(samples)?];
        self.inner.fill(&mut out);
        Ok(out)
    }

    /// The next event, oldest first; `undefined` when there is none.
    #[wasm_bindgen(js_name = pollEvent, unchecked_return_type = "PlaybackEvent | undefined")]
    pub fn poll_event(&mut self) -> JsValue {
        self.inner
            .poll_event()
            .map_or(JsValue::UNDEFINED, playback_event_object)
    }

    /// Events dropped because they were not polled in time.
    #[wasm_bindgen(getter, js_name = eventsDropped)]
    pub fn events_dropped(&self) -> f64 {
        args::count(self.inner.events_dropped())
    }
}

/// What a play-and-collect plays, collects and accepts: built from `PlayCollectOptions`,
/// then given its prompts with `addPrompt` (played in order at each attempt),
/// `setInvalidPrompt` and `setNoInputPrompt`.
#[wasm_bindgen]
pub struct PlayCollectConfig {
    pub(crate) inner: ivr::PlayCollectConfig,
}

#[wasm_bindgen]
impl PlayCollectConfig {
    /// A configuration without prompts from `options`; throws for settings the engine
    /// refuses (an unknown key, attempts out of range, an accepted entry longer than
    /// `maxDigits` or holding a terminator).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "PlayCollectOptions")] options: JsValue,
    ) -> Result<PlayCollectConfig, JsError> {
        let mut config = ivr::PlayCollectConfig::new(Vec::new(), Default::default());
        for opt in options::read(&options, "play-and-collect", &PLAY_COLLECT_KEYS)? {
            match opt.key.as_str() {
                "maxAttempts" => config.max_attempts = opt.integer(u32::MAX)?,
                "accept" => config.accept = opt.strings()?,
                "bargeIn" => config.barge_in = opt.boolean()?,
                "gainDb" => config.gain_db = opt.number()? as f32,
                _ => config.collect = dtmf::collect_config(&opt.value)?,
            }
        }
        config.validate()?;
        Ok(PlayCollectConfig { inner: config })
    }

    /// Adds `prompt` after the prompts added before.
    #[wasm_bindgen(js_name = addPrompt)]
    pub fn add_prompt(&mut self, prompt: &Prompt) {
        self.inner.prompts.push(prompt.inner.clone());
    }

    /// Plays `prompt` before the next attempt when an entry was not valid.
    #[wasm_bindgen(js_name = setInvalidPrompt)]
    pub fn set_invalid_prompt(&mut self, prompt: &Prompt) {
        self.inner.invalid_prompt = Some(prompt.inner.clone());
    }

    /// Plays `prompt` before the next attempt when nothing was entered.
    #[wasm_bindgen(js_name = setNoInputPrompt)]
    pub fn set_no_input_prompt(&mut self, prompt: &Prompt) {
        self.inner.no_input_prompt = Some(prompt.inner.clone());
    }

    /// Prompts played at each attempt.
    #[wasm_bindgen(getter, js_name = promptCount)]
    pub fn prompt_count(&self) -> usize {
        self.inner.prompts.len()
    }
}

/// Prompts, digit collection, validation and retries as one state machine: call `fill` for
/// every frame the call sends, give it the digits with `pushDigit`, call `handleTimeout` at
/// `pollTimeout()`, and read `pollResult` once it ends.
#[wasm_bindgen]
pub struct PlayAndCollect {
    inner: ivr::PlayAndCollect,
}

#[wasm_bindgen]
impl PlayAndCollect {
    /// An idle play-and-collect whose prompts play at `sampleRate` Hz, `channels` (1, the
    /// default, or 2).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = sampleRate)] sample_rate: f64,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] channels: Option<f64>,
    ) -> Result<PlayAndCollect, JsError> {
        let (rate, channels) = layout(sample_rate, channels)?;
        Ok(PlayAndCollect {
            inner: ivr::PlayAndCollect::new(rate, channels)?,
        })
    }

    /// Starts at `nowUs`, replacing one under way (without a result). Throws, changing
    /// nothing, for prompts of another layout.
    pub fn start(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
        config: &PlayCollectConfig,
    ) -> Result<(), JsError> {
        let now = args::instant(now_us)?;
        Ok(self.inner.start(now, config.inner.clone())?)
    }

    /// The next `samples` interleaved samples of prompt audio (silence when none plays);
    /// `nowUs` is when the first of them plays.
    pub fn fill(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
        samples: f64,
    ) -> Result<Vec<i16>, JsError> {
        let now = args::instant(now_us)?;
        let mut out = vec![0; fill_len(samples)?];
        self.inner.fill(now, &mut out);
        Ok(out)
    }

    /// A digit at `nowUs`; returns whether it was taken.
    #[wasm_bindgen(js_name = pushDigit)]
    pub fn push_digit(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
        digit: &str,
    ) -> Result<bool, JsError> {
        let now = args::instant(now_us)?;
        Ok(self.inner.push_digit(now, self::digit(digit)?))
    }

    /// Ends a collection whose timeout has passed at `nowUs`; harmless at any other time.
    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
    ) -> Result<(), JsError> {
        self.inner.handle_timeout(args::instant(now_us)?);
        Ok(())
    }

    /// When to call `handleTimeout` next, in microseconds; `undefined` when nothing waits.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&self) -> Option<f64> {
        self.inner.poll_timeout().map(args::micros)
    }

    /// Ends the one under way with reason "cancelled"; returns whether one was under way.
    pub fn cancel(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
    ) -> Result<bool, JsError> {
        Ok(self.inner.cancel(args::instant(now_us)?))
    }

    /// Whether one is under way.
    #[wasm_bindgen(getter, js_name = isActive)]
    pub fn is_active(&self) -> bool {
        self.inner.is_active()
    }

    /// Whether its prompts are playing.
    #[wasm_bindgen(getter, js_name = isPrompting)]
    pub fn is_prompting(&self) -> bool {
        self.inner.is_prompting()
    }

    /// The result, once, after it ended; `undefined` before.
    #[wasm_bindgen(js_name = pollResult, unchecked_return_type = "PlayCollectResult | undefined")]
    pub fn poll_result(&mut self) -> JsValue {
        self.inner
            .poll_result()
            .map_or(JsValue::UNDEFINED, |r| object(result_fields(&r)))
    }
}

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use super::*;

    #[test]
    fn typescript_types_list_every_option_in_order() {
        let declared = |name| crate::typescript_optional_keys(TS_TYPES, name);
        assert_eq!(declared("PlayOptions"), PLAY_KEYS);
        assert_eq!(declared("PlayCollectOptions"), PLAY_COLLECT_KEYS);
        let d = PlayOptions::default();
        assert_eq!(
            (d.looping, d.start_offset, d.gain_db, d.interruptible),
            (false, Duration::ZERO, 0.0, true),
            "the defaults the TypeScript type documents"
        );
        let c = ivr::PlayCollectConfig::new(Vec::new(), Default::default());
        assert_eq!((c.max_attempts, c.barge_in, c.gain_db), (1, true, 0.0));
        assert!(c.accept.is_empty());
    }
}
