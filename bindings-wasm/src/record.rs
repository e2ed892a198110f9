//! Recording and prompt files for JS: the `Recorder` (into memory: `finish` hands back the
//! file as a `Uint8Array`), the `RecordOptions` object it and `MediaSession.startRecording`
//! take, `Prompt.decode` / `Prompt.decodeInfo` with their `DecodeOptions`, and the
//! `PromptCache`.

use core::time::Duration;
use std::io::Cursor;

use js_sys::{Function, Uint8Array};
use mediacore::playback::{DecodeLimits, PlaybackError, PromptInfo};
use mediacore::record::{
    PauseMode, RecordConfig, RecordEvent, RecordFormat, RecordLayout, RecordLimit, RecordingSummary,
};
use mediacore::{AudioFrame, Error};
use wasm_bindgen::prelude::*;

use crate::args::{self, object};
use crate::options;
use crate::playback::{Prompt, layout};

/// The TypeScript types of the options objects, summaries, events and results.
// Used by the custom section below, a use that rustc's dead-code lint does not see.
#[allow(dead_code)]
const TS_TYPES: &str = r#"
/** How to record; what is left out keeps the default. */
export interface RecordOptions {
  /** "mono" (one leg), "stereo" (default: leg 0 left, leg 1 right) or "mixed-mono" (both summed). */
  layout?: "mono" | "stereo" | "mixed-mono";
  /** The recording's rate in Hz (default 8000); audio at other rates is resampled. */
  sampleRate?: number;
  /** "wav" (default) or "ogg-opus". */
  format?: "wav" | "ogg-opus";
  /** Bit rate of an Ogg Opus recording, all channels together, in bit/s (default 32000). */
  opusBitrate?: number;
  /** "silence" (default: the paused time is recorded as silence) or "skip" (left out). */
  pauseMode?: "silence" | "skip";
  /** Stop once this much audio is recorded, in ms (default null: no limit). */
  maxDurationMs?: number | null;
  /** Stop before the file grows past this many bytes, headers included (default null). */
  maxBytes?: number | null;
  /** Recorded media between two updates of the file, 10 to 1000 ms (default 1000). */
  checkpointIntervalMs?: number;
  /** When the recording started, as the page writes it, e.g. an ISO 8601 time (default ""). */
  startTime?: string;
  /** The call's identifier, e.g. the SIP Call-ID (default null). */
  callId?: string | null;
  /** A label per leg, leg 0 first (default none). */
  legs?: string[];
  /** Further facts stored with the recording; keys printable ASCII without "=" (default none). */
  extra?: Record<string, string>;
}

/** What a recording holds. */
export interface RecordingSummary {
  /** Audio recorded (paused time included with pauseMode "silence"), in ms. */
  durationMs: number;
  /** Size of the file in bytes. */
  bytes: number;
  sampleRate: number;
  channels: number;
  format: "wav" | "ogg-opus";
}

/** A completed recording, from `Recorder.finish` and `MediaSession.stopRecording`. */
export interface FinishedRecording {
  /** The file. */
  bytes: Uint8Array;
  summary: RecordingSummary;
}

/** From `Recorder.pollEvent()`: a limit was reached; the file is complete up to it and
 * nothing more is recorded. */
export type RecorderEvent = { type: "limit_reached"; limit: "duration" | "size" } & RecordingSummary;

/** Limits and a format hint for `Prompt.decode` and `Prompt.decodeInfo`. */
export interface DecodeOptions {
  /** A file extension such as "mp3"; helps only with headerless MP3. */
  hint?: string;
  /** Longest decoded audio accepted, in seconds (default 1800). */
  maxSeconds?: number;
  /** Largest file accepted, in bytes (default 64 MiB). */
  maxInputBytes?: number;
}

/** What a prompt file held, before conversion to the call's rate and channels. */
export interface PromptInfo {
  format: "WAV" | "MP3" | "FLAC" | "Ogg Vorbis" | "Ogg Opus";
  /** The rate the audio was decoded at (48000 for Opus). */
  sourceRate: number;
  sourceChannels: number;
  /** Decoded samples per channel at `sourceRate`. */
  sourceFrames: number;
}

/** A decoded prompt and what its file held, from `Prompt.decodeInfo`. */
export interface DecodedPrompt {
  prompt: Prompt;
  info: PromptInfo;
}

/** Counters and size of a `PromptCache`. */
export interface CacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  evictions: number;
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const TS_SECTION: &'static str = TS_TYPES;

/// The `RecordOptions` keys, in the order the TypeScript type lists them.
const RECORD_KEYS: [&str; 12] = [
    "layout",
    "sampleRate",
    "format",
    "opusBitrate",
    "pauseMode",
    "maxDurationMs",
    "maxBytes",
    "checkpointIntervalMs",
    "startTime",
    "callId",
    "legs",
    "extra",
];
/// The `DecodeOptions` keys, in the order the TypeScript type lists them.
const DECODE_KEYS: [&str; 3] = ["hint", "maxSeconds", "maxInputBytes"];

/// The Ogg Opus bit rate when `opusBitrate` is left out, as in the other bindings.
const DEFAULT_OPUS_BITRATE: u32 = 32_000;

/// A `RecordOptions` object as the core's configuration, validated.
pub(crate) fn record_config(value: &JsValue) -> Result<RecordConfig, Error> {
    let mut config = RecordConfig::new(RecordLayout::Stereo, 8000);
    let mut format = String::from("wav");
    let mut bitrate = DEFAULT_OPUS_BITRATE;
    for opt in options::read(value, "record", &RECORD_KEYS)? {
        let metadata = &mut config.metadata;
        match opt.key.as_str() {
            "layout" => config.layout = RecordLayout::from_name(&opt.string()?)?,
            "sampleRate" => config.sample_rate = opt.integer(u32::MAX)?,
            "format" => format = opt.string()?,
            "opusBitrate" => bitrate = opt.integer(u32::MAX)?,
            "pauseMode" => config.pause_mode = PauseMode::from_name(&opt.string()?)?,
            "maxDurationMs" => config.max_duration = opt.millis_or_null()?,
            "maxBytes" if opt.is_null() => config.max_bytes = None,
            "maxBytes" => config.max_bytes = Some(opt.integer(u64::MAX)?),
            "checkpointIntervalMs" => config.checkpoint_interval = opt.millis()?,
            "startTime" => metadata.start_time = opt.string()?,
            "callId" if opt.is_null() => metadata.call_id = None,
            "callId" => metadata.call_id = Some(opt.string()?),
            "legs" => metadata.legs = opt.strings()?,
            _ => metadata.extra = opt.string_map()?,
        }
    }
    config.format = RecordFormat::from_name(&format, bitrate)?;
    config.validate()?;
    Ok(config)
}

/// The fields of the TypeScript `RecordingSummary`.
pub(crate) fn summary_fields(summary: &RecordingSummary) -> [(&'static str, JsValue); 5] {
    let format = summary.format.name();
    [
        ("durationMs", args::millis(summary.duration).into()),
        ("bytes", args::count(summary.bytes).into()),
        ("sampleRate", summary.sample_rate.into()),
        ("channels", summary.channels.into()),
        ("format", format.into()),
    ]
}

/// `{type, limit, ...summary}`: a limit event of a recorder (`kind` "limit_reached") or a
/// session ("recording_limit_reached").
pub(crate) fn limit_event(kind: &str, limit: RecordLimit, summary: &RecordingSummary) -> JsValue {
    let limit = match limit {
        RecordLimit::Duration => "duration",
        RecordLimit::Size => "size",
    };
    object(
        [("type", kind.into()), ("limit", limit.into())]
            .into_iter()
            .chain(summary_fields(summary)),
    )
}

/// `{bytes, summary}` as the TypeScript `FinishedRecording` says.
pub(crate) fn finished_object(bytes: &[u8], summary: &RecordingSummary) -> JsValue {
    object([
        ("bytes", Uint8Array::from(bytes).into()),
        ("summary", object(summary_fields(summary))),
    ])
}

/// Records legs of audio into a WAV or Ogg Opus file in memory, on the media timeline: give
/// each leg's frames to `write` with the time they play, call `handleTimeout` at
/// `pollTimeout()`, and `finish` to get the file.
#[wasm_bindgen]
pub struct Recorder {
    /// `None` once finished.
    inner: Option<mediacore::record::Recorder<Cursor<Vec<u8>>>>,
    /// What the finished recording held.
    finished: Option<RecordingSummary>,
}

fn finished_error() -> Error {
    Error::InvalidArgument("this recorder has finished".into())
}

impl Recorder {
    fn inner(&mut self) -> Result<&mut mediacore::record::Recorder<Cursor<Vec<u8>>>, Error> {
        self.inner.as_mut().ok_or_else(finished_error)
    }
}

#[wasm_bindgen]
impl Recorder {
    /// Starts recording at `nowUs` (default 0) as `options` (`RecordOptions`) say; throws
    /// for options the engine refuses.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "RecordOptions")] options: JsValue,
        #[wasm_bindgen(js_name = nowUs, unchecked_optional_param_type = "number")] now_us: Option<
            f64,
        >,
    ) -> Result<Recorder, JsError> {
        let config = record_config(&options)?;
        let now = args::instant(now_us.unwrap_or(0.0))?;
        let recorder = mediacore::record::Recorder::new(Cursor::new(Vec::new()), config, now)
            .map_err(Error::from)?;
        Ok(Recorder {
            inner: Some(recorder),
            finished: None,
        })
    }

    /// Records `pcm` (interleaved at `sampleRate` Hz with `channels`, default 1) on `leg`;
    /// `nowUs` is when its first sample plays. Throws, recording nothing, for a leg the
    /// layout does not have, a rate that cannot be converted, or a stopped recording.
    pub fn write(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
        leg: f64,
        pcm: &[i16],
        #[wasm_bindgen(js_name = sampleRate)] sample_rate: f64,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] channels: Option<f64>,
    ) -> Result<(), JsError> {
        let now = args::instant(now_us)?;
        let leg = args::integer("leg", leg, u32::MAX)? as usize;
        let (rate, channels) = layout(sample_rate, channels)?;
        let frame = AudioFrame::new(pcm.to_vec(), rate, channels)?;
        Ok(self.inner()?.write(now, leg, &frame).map_err(Error::from)?)
    }

    /// Leg `leg` hung up: silence from here on, the other legs go on.
    #[wasm_bindgen(js_name = endLeg)]
    pub fn end_leg(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
        leg: f64,
    ) -> Result<(), JsError> {
        let now = args::instant(now_us)?;
        let leg = args::integer("leg", leg, u32::MAX)? as usize;
        self.inner()?.end_leg(now, leg);
        Ok(())
    }

    /// Pauses (the paused time is skipped or silence, as the options say).
    pub fn pause(&mut self, #[wasm_bindgen(js_name = nowUs)] now_us: f64) -> Result<(), JsError> {
        let now = args::instant(now_us)?;
        self.inner()?.pause(now);
        Ok(())
    }

    /// Resumes.
    pub fn resume(&mut self, #[wasm_bindgen(js_name = nowUs)] now_us: f64) -> Result<(), JsError> {
        let now = args::instant(now_us)?;
        self.inner()?.resume(now);
        Ok(())
    }

    /// Lets time pass: legs that sent nothing get silence, checkpoints are written.
    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
    ) -> Result<(), JsError> {
        let now = args::instant(now_us)?;
        Ok(self.inner()?.handle_timeout(now).map_err(Error::from)?)
    }

    /// When to call `handleTimeout` next, in microseconds; `undefined` when nothing waits.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&self) -> Option<f64> {
        self.inner.as_ref()?.poll_timeout().map(args::micros)
    }

    /// The next event; `undefined` when there is none.
    #[wasm_bindgen(js_name = pollEvent, unchecked_return_type = "RecorderEvent | undefined")]
    pub fn poll_event(&mut self) -> JsValue {
        match self.inner.as_mut().and_then(|r| r.poll_event()) {
            Some(RecordEvent::LimitReached { limit, summary }) => {
                limit_event("limit_reached", limit, &summary)
            }
            None => JsValue::UNDEFINED,
        }
    }

    /// Audio recorded so far (all of it once finished), in milliseconds.
    #[wasm_bindgen(getter, js_name = durationMs)]
    pub fn duration_ms(&self) -> f64 {
        match (&self.inner, &self.finished) {
            (Some(r), _) => args::millis(r.duration()),
            (None, summary) => summary.as_ref().map_or(0.0, |s| args::millis(s.duration)),
        }
    }

    /// Bytes of the file so far.
    #[wasm_bindgen(getter, js_name = bytesWritten)]
    pub fn bytes_written(&self) -> f64 {
        match (&self.inner, &self.finished) {
            (Some(r), _) => args::count(r.bytes_written()),
            (None, summary) => summary.as_ref().map_or(0.0, |s| args::count(s.bytes)),
        }
    }

    /// Whether paused.
    #[wasm_bindgen(getter, js_name = isPaused)]
    pub fn is_paused(&self) -> bool {
        self.inner.as_ref().is_some_and(|r| r.is_paused())
    }

    /// Whether stopped by a limit, or finished.
    #[wasm_bindgen(getter, js_name = isStopped)]
    pub fn is_stopped(&self) -> bool {
        self.inner.as_ref().is_none_or(|r| r.is_stopped())
    }

    /// Completes the file at `nowUs` and returns it with its summary. Once only: later calls
    /// throw.
    #[wasm_bindgen(unchecked_return_type = "FinishedRecording")]
    pub fn finish(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
    ) -> Result<JsValue, JsError> {
        let now = args::instant(now_us)?;
        let recorder = self.inner.take().ok_or_else(finished_error)?;
        let (file, summary) = recorder.finish(now).map_err(Error::from)?;
        let finished = finished_object(file.get_ref(), &summary);
        self.finished = Some(summary);
        Ok(finished)
    }
}

/// The decoding limits of a `DecodeOptions` object (the core's defaults where left out) and
/// its format hint.
fn decode_options(value: &JsValue) -> Result<(DecodeLimits, Option<String>), Error> {
    let mut limits = DecodeLimits::default();
    let mut hint = None;
    for opt in options::read(value, "decode", &DECODE_KEYS)? {
        match opt.key.as_str() {
            "hint" => hint = Some(opt.string()?),
            "maxSeconds" => limits.max_duration = max_seconds(opt.number()?)?,
            _ => limits.max_input_bytes = opt.integer(u64::MAX)? as usize,
        }
    }
    Ok((limits, hint))
}

/// The `maxSeconds` of a decode: a finite, non-negative number of seconds.
fn max_seconds(seconds: f64) -> Result<Duration, Error> {
    Duration::try_from_secs_f64(seconds).map_err(|_| {
        Error::InvalidArgument(format!(
            "maxSeconds {seconds} is not a finite, non-negative number of seconds"
        ))
    })
}

/// `{format, sourceRate, sourceChannels, sourceFrames}`.
fn info_object(info: &PromptInfo) -> JsValue {
    object([
        ("format", info.format.name().into()),
        ("sourceRate", info.source_rate.into()),
        ("sourceChannels", info.source_channels.into()),
        ("sourceFrames", args::count(info.source_frames).into()),
    ])
}

#[wasm_bindgen]
impl Prompt {
    /// Decodes a whole prompt file (WAV, MP3, FLAC, Ogg Vorbis or Ogg Opus, found from the
    /// content) to `sampleRate` Hz and `channels` (1, the default, or 2), within the limits
    /// of `options` (`DecodeOptions`). Throws naming what is wrong with the file, or which
    /// limit it passes.
    pub fn decode(
        bytes: &[u8],
        #[wasm_bindgen(js_name = sampleRate)] sample_rate: f64,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] channels: Option<f64>,
        #[wasm_bindgen(unchecked_optional_param_type = "DecodeOptions")] options: JsValue,
    ) -> Result<Prompt, JsError> {
        Ok(decode(bytes, sample_rate, channels, &options)?.0)
    }

    /// `Prompt.decode`, also saying what the file held.
    #[wasm_bindgen(js_name = decodeInfo, unchecked_return_type = "DecodedPrompt")]
    pub fn decode_info(
        bytes: &[u8],
        #[wasm_bindgen(js_name = sampleRate)] sample_rate: f64,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] channels: Option<f64>,
        #[wasm_bindgen(unchecked_optional_param_type = "DecodeOptions")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let (prompt, info) = decode(bytes, sample_rate, channels, &options)?;
        Ok(object([
            ("prompt", JsValue::from(prompt)),
            ("info", info_object(&info)),
        ]))
    }
}

fn decode(
    bytes: &[u8],
    sample_rate: f64,
    channels: Option<f64>,
    options: &JsValue,
) -> Result<(Prompt, PromptInfo), Error> {
    let (rate, channels) = layout(sample_rate, channels)?;
    let (limits, hint) = decode_options(options)?;
    let (inner, info) =
        mediacore::playback::Prompt::decode_info(bytes, hint.as_deref(), rate, channels, &limits)?;
    Ok((Prompt { inner }, info))
}

/// Decoded prompts shared by name and layout; the least recently used are dropped past a
/// budget of sample bytes.
#[wasm_bindgen]
pub struct PromptCache {
    inner: mediacore::playback::PromptCache,
}

#[wasm_bindgen]
impl PromptCache {
    /// An empty cache holding at most `maxBytes` of samples (default 64 MiB).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = maxBytes, unchecked_optional_param_type = "number")]
        max_bytes: Option<f64>,
    ) -> Result<PromptCache, JsError> {
        let max = args::integer(
            "maxBytes",
            max_bytes.unwrap_or(64.0 * 1024.0 * 1024.0),
            u32::MAX,
        )?;
        Ok(PromptCache {
            inner: mediacore::playback::PromptCache::new(max as usize),
        })
    }

    /// The prompt `key` at `sampleRate` and `channels` (default 1), decoded on a miss (the
    /// extension of `key` is the format hint, `maxSeconds` the longest audio accepted) and
    /// kept. `bytes` is the file, or a function returning it that is called only on a miss.
    /// Throws what decoding or the function threw; nothing is kept then.
    #[wasm_bindgen(js_name = getOrDecode)]
    pub fn get_or_decode(
        &mut self,
        key: &str,
        #[wasm_bindgen(js_name = sampleRate)] sample_rate: f64,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | (() => Uint8Array)")] bytes: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] channels: Option<f64>,
        #[wasm_bindgen(js_name = maxSeconds, unchecked_optional_param_type = "number")]
        max_seconds: Option<f64>,
    ) -> Result<Prompt, JsValue> {
        let js_error = |e: Error| JsValue::from(JsError::from(e));
        let (rate, channels) = layout(sample_rate, channels).map_err(js_error)?;
        let mut limits = DecodeLimits::default();
        if let Some(seconds) = max_seconds {
            limits.max_duration = self::max_seconds(seconds).map_err(js_error)?;
        }
        let mut thrown = None;
        let result = self.inner.get_or_decode(key, rate, channels, &limits, || {
            load(key, &bytes).map_err(|e| {
                thrown = Some(e);
                PlaybackError::Empty { format: None }
            })
        });
        match (result, thrown) {
            (_, Some(e)) => Err(e),
            (Ok(inner), None) => Ok(Prompt { inner }),
            (Err(e), None) => Err(js_error(e.into())),
        }
    }

    /// The prompt `key` at `sampleRate` and `channels` (default 1), or `undefined`.
    pub fn get(
        &mut self,
        key: &str,
        #[wasm_bindgen(js_name = sampleRate)] sample_rate: f64,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] channels: Option<f64>,
    ) -> Result<Option<Prompt>, JsError> {
        let (rate, channels) = layout(sample_rate, channels)?;
        Ok(self
            .inner
            .get(key, rate, channels)
            .map(|inner| Prompt { inner }))
    }

    /// Keeps `prompt` under `key`; returns whether it fitted the budget.
    pub fn insert(&mut self, key: &str, prompt: &Prompt) -> bool {
        self.inner.insert(key, prompt.inner.clone())
    }

    /// Drops every layout of `key`; returns how many.
    pub fn remove(&mut self, key: &str) -> usize {
        self.inner.remove(key)
    }

    /// Drops everything (the counters stay).
    pub fn clear(&mut self) {
        self.inner.clear();
    }

    /// Counters and size.
    #[wasm_bindgen(unchecked_return_type = "CacheStats")]
    pub fn stats(&self) -> JsValue {
        let s = self.inner.stats();
        object([
            ("entries", s.entries.into()),
            ("bytes", s.bytes.into()),
            ("hits", args::count(s.hits).into()),
            ("misses", args::count(s.misses).into()),
            ("evictions", args::count(s.evictions).into()),
        ])
    }

    /// The budget, in bytes of samples.
    #[wasm_bindgen(getter, js_name = maxBytes)]
    pub fn max_bytes(&self) -> usize {
        self.inner.max_bytes()
    }
}

/// The file for `key`: `bytes` itself, or what the function `bytes` returns.
fn load(key: &str, bytes: &JsValue) -> Result<Vec<u8>, JsValue> {
    let data = match bytes.dyn_ref::<Function>() {
        Some(loader) => loader.call0(&JsValue::NULL)?,
        None => bytes.clone(),
    };
    data.dyn_into::<Uint8Array>()
        .map(|array| array.to_vec())
        .map_err(|other| {
            JsError::from(Error::InvalidArgument(format!(
                "the file of prompt {key:?} is {other:?}, not a Uint8Array"
            )))
            .into()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typescript_types_list_every_option_in_order() {
        let declared = |name| crate::typescript_optional_keys(TS_TYPES, name);
        assert_eq!(declared("RecordOptions"), RECORD_KEYS);
        assert_eq!(declared("DecodeOptions"), DECODE_KEYS);
        let c = RecordConfig::new(RecordLayout::Stereo, 8000);
        assert_eq!(
            (c.format, c.pause_mode, c.max_duration, c.max_bytes),
            (RecordFormat::Wav, PauseMode::Silence, None, None),
            "the defaults the TypeScript type documents"
        );
        assert_eq!(c.checkpoint_interval.as_millis(), 1000);
        let d = DecodeLimits::default();
        assert_eq!(
            (d.max_duration.as_secs(), d.max_input_bytes),
            (1800, 64 << 20)
        );
    }

    #[test]
    fn formats_are_named_as_in_the_other_bindings() {
        let wav = format_of("WAV").unwrap();
        assert_eq!(wav, RecordFormat::Wav);
        assert_eq!(
            format_of("ogg-opus").unwrap(),
            RecordFormat::OggOpus { bitrate: 32_000 }
        );
        let e = format_of("mp3").unwrap_err().to_string();
        assert!(e.contains("expected wav or ogg-opus"), "{e}");
    }

    fn format_of(name: &str) -> Result<RecordFormat, Error> {
        Ok(RecordFormat::from_name(name, DEFAULT_OPUS_BITRATE)?)
    }
}
