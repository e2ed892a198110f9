//! Recording and prompt files: [`RecordOptions`] (a record that validates itself), the
//! [`Recorder`] object writing WAV or Ogg Opus into memory or a file, [`RecordingSummary`],
//! [`FinishedRecording`] and [`RecorderEvent`]; prompt decoding ([`Prompt::decode`],
//! [`decode_prompt_info`]) and the [`PromptCache`]. A session records a call with the same
//! types (`MediaSession::start_recording`).

use core::time::Duration;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::{Arc, Mutex};

use ::mediacore::playback::DecodeLimits;
use ::mediacore::record::{
    PauseMode, RecordConfig, RecordEvent, RecordFormat, RecordLayout, RecordLimit as CoreLimit,
};
use ::mediacore::{AudioFrame, Instant, RecordTarget};

use crate::playback::Prompt;
use crate::session::millis;
use crate::{MediaError, lock};

/// One `key=value` fact stored with a recording.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KeyValue {
    /// Printable ASCII without `=`.
    pub key: String,
    /// Text without NUL, CR or LF.
    pub value: String,
}

/// How to record: layout, format, rate, pauses, limits and the metadata stored with it.
/// Check it with `validate`; `Recorder` and `start_recording` check it too.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecordOptions {
    /// "mono" (one leg), "stereo" (leg 0 left, leg 1 right) or "mixed-mono" (both legs
    /// summed).
    #[uniffi(default = "stereo")]
    pub layout: String,
    /// The recording's rate in Hz; audio at other rates is resampled.
    #[uniffi(default = 8000)]
    pub sample_rate: u32,
    /// "wav" or "ogg-opus".
    #[uniffi(default = "wav")]
    pub format: String,
    /// Bit rate of an Ogg Opus recording, all channels together, in bit/s.
    #[uniffi(default = 32000)]
    pub opus_bitrate: u32,
    /// What pausing does: "silence" (the paused time is recorded as silence) or "skip"
    /// (left out).
    #[uniffi(default = "silence")]
    pub pause_mode: String,
    /// Stop once this much audio is recorded, in milliseconds.
    #[uniffi(default = None)]
    pub max_duration_ms: Option<u64>,
    /// Stop before the file grows past this many bytes, headers included.
    #[uniffi(default = None)]
    pub max_bytes: Option<u64>,
    /// Recorded media between two updates of the file (what a crash can lose), 10 to 1000
    /// ms.
    #[uniffi(default = 1000)]
    pub checkpoint_interval_ms: u64,
    /// When the recording started, as the host writes it (e.g. RFC 3339).
    #[uniffi(default = "")]
    pub start_time: String,
    /// The call's identifier (e.g. the SIP Call-ID).
    #[uniffi(default = None)]
    pub call_id: Option<String>,
    /// A label per leg, leg 0 first; at most as many as the layout has legs.
    #[uniffi(default)]
    pub legs: Vec<String>,
    /// Further facts.
    #[uniffi(default)]
    pub extra: Vec<KeyValue>,
}

#[uniffi::export]
impl RecordOptions {
    /// Checks every setting; the error names the setting, the value and what is allowed.
    pub fn validate(&self) -> Result<(), MediaError> {
        self.to_core().map(drop)
    }

    /// Channels of the recording (2 for "stereo", else 1); an error for an unknown layout.
    pub fn channels(&self) -> Result<u16, MediaError> {
        Ok(RecordLayout::from_name(&self.layout)
            .map_err(::mediacore::Error::from)?
            .channels())
    }
}

impl RecordOptions {
    /// The core's configuration, validated.
    pub(crate) fn to_core(&self) -> Result<RecordConfig, MediaError> {
        let layout = RecordLayout::from_name(&self.layout).map_err(::mediacore::Error::from)?;
        let mut config = RecordConfig::new(layout, self.sample_rate);
        config.format = RecordFormat::from_name(&self.format, self.opus_bitrate)
            .map_err(::mediacore::Error::from)?;
        config.pause_mode =
            PauseMode::from_name(&self.pause_mode).map_err(::mediacore::Error::from)?;
        config.max_duration = self.max_duration_ms.map(Duration::from_millis);
        config.max_bytes = self.max_bytes;
        config.checkpoint_interval = Duration::from_millis(self.checkpoint_interval_ms);
        let metadata = &mut config.metadata;
        metadata.start_time.clone_from(&self.start_time);
        metadata.call_id.clone_from(&self.call_id);
        metadata.legs.clone_from(&self.legs);
        metadata.extra = self
            .extra
            .iter()
            .map(|kv| (kv.key.clone(), kv.value.clone()))
            .collect();
        config.validate().map_err(::mediacore::Error::from)?;
        Ok(config)
    }
}

/// A memory target, or a file created (truncated) at `path`.
pub(crate) fn record_target(path: Option<String>) -> Result<RecordTarget, MediaError> {
    let Some(path) = path else {
        return Ok(RecordTarget::memory());
    };
    let file = File::create(&path).map_err(|e| MediaError::Record {
        message: format!("cannot create recording file {path:?}: {e}"),
    })?;
    Ok(RecordTarget::Stream(Box::new(BufWriter::new(file))))
}

/// Which limit stopped a recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RecordLimit {
    /// `max_duration_ms` was reached.
    Duration,
    /// `max_bytes`, or the WAV format's 4 GiB, was reached.
    Size,
}

impl From<CoreLimit> for RecordLimit {
    fn from(limit: CoreLimit) -> Self {
        match limit {
            CoreLimit::Duration => RecordLimit::Duration,
            CoreLimit::Size => RecordLimit::Size,
        }
    }
}

/// What a recording holds.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RecordingSummary {
    /// Audio recorded (paused time included with pause mode "silence"), in milliseconds.
    pub duration_ms: f64,
    /// Size of the file.
    pub bytes: u64,
    /// The recording's rate in Hz.
    pub sample_rate: u32,
    /// Channels of the recording.
    pub channels: u16,
    /// "wav" or "ogg-opus", as `RecordOptions.format` names it.
    pub format: String,
}

impl From<::mediacore::record::RecordingSummary> for RecordingSummary {
    fn from(summary: ::mediacore::record::RecordingSummary) -> Self {
        RecordingSummary {
            duration_ms: millis(summary.duration),
            bytes: summary.bytes,
            sample_rate: summary.sample_rate,
            channels: summary.channels,
            format: summary.format.name().to_owned(),
        }
    }
}

/// A completed recording: the file's bytes for a memory recording (`None` for a file on
/// disk, which is complete and flushed) and what it holds.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FinishedRecording {
    /// The file, when recorded into memory.
    pub bytes: Option<Vec<u8>>,
    /// What it holds.
    pub summary: RecordingSummary,
}

/// The bytes of a memory target (a file target is flushed) with the summary.
pub(crate) fn finished(
    target: RecordTarget,
    summary: ::mediacore::record::RecordingSummary,
) -> Result<FinishedRecording, MediaError> {
    let bytes = match target {
        RecordTarget::Stream(mut stream) => {
            stream.flush().map_err(|e| MediaError::Record {
                message: format!("the recording file could not be flushed: {e}"),
            })?;
            None
        }
        memory => memory.into_bytes(),
    };
    Ok(FinishedRecording {
        bytes,
        summary: summary.into(),
    })
}

/// Something that happened to a [`Recorder`].
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum RecorderEvent {
    /// A limit was reached: the file is complete up to it and nothing more is recorded.
    LimitReached {
        /// Which limit.
        limit: RecordLimit,
        /// The recording at that point.
        summary: RecordingSummary,
    },
}

impl From<RecordEvent> for RecorderEvent {
    fn from(event: RecordEvent) -> Self {
        let RecordEvent::LimitReached { limit, summary } = event;
        RecorderEvent::LimitReached {
            limit: limit.into(),
            summary: summary.into(),
        }
    }
}

/// The recorder while it records, and what it held once finished (`None` when finishing
/// failed).
enum RecorderState {
    Recording(Box<::mediacore::record::Recorder<RecordTarget>>),
    Finished(Option<RecordingSummary>),
}

/// Records legs of audio into WAV or Ogg Opus, in memory or to a file, on the media
/// timeline: give each leg's frames to `write` with the time they play, call
/// `handle_timeout` at `poll_timeout()`, and `finish` to complete the file.
#[derive(uniffi::Object)]
pub struct Recorder {
    state: Mutex<RecorderState>,
}

fn finished_error() -> MediaError {
    MediaError::Record {
        message: "this recorder has finished".into(),
    }
}

impl Recorder {
    /// Runs `f` on the recorder, or fails once it has finished.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut ::mediacore::record::Recorder<RecordTarget>) -> T,
    ) -> Result<T, MediaError> {
        match &mut *lock(&self.state) {
            RecorderState::Recording(recorder) => Ok(f(recorder)),
            RecorderState::Finished(_) => Err(finished_error()),
        }
    }

    /// A figure of the recording so far, or of the finished recording's summary.
    fn figure<T: Default>(
        &self,
        recording: impl FnOnce(&::mediacore::record::Recorder<RecordTarget>) -> T,
        finished: impl FnOnce(&RecordingSummary) -> T,
    ) -> T {
        match &*lock(&self.state) {
            RecorderState::Recording(recorder) => recording(recorder),
            RecorderState::Finished(summary) => summary.as_ref().map(finished).unwrap_or_default(),
        }
    }
}

#[uniffi::export]
impl Recorder {
    /// Starts recording at `now_us`, into memory or into a new file at `path`. An error for
    /// options the engine refuses or a file that cannot be created.
    #[uniffi::constructor(default(now_us = 0, path = None))]
    pub fn new(
        options: RecordOptions,
        now_us: u64,
        path: Option<String>,
    ) -> Result<Self, MediaError> {
        let config = options.to_core()?;
        let target = record_target(path)?;
        let recorder =
            ::mediacore::record::Recorder::new(target, config, Instant::from_micros(now_us))
                .map_err(::mediacore::Error::from)?;
        Ok(Recorder {
            state: Mutex::new(RecorderState::Recording(Box::new(recorder))),
        })
    }

    /// Records `pcm` (interleaved at `sample_rate` Hz with `channels` channels) on `leg`;
    /// `now_us` is when its first sample plays. An error, recording nothing, for a leg the
    /// layout does not have, a rate that cannot be converted, or a stopped recording.
    #[uniffi::method(default(channels = 1))]
    pub fn write(
        &self,
        now_us: u64,
        leg: u32,
        pcm: Vec<i16>,
        sample_rate: u32,
        channels: u16,
    ) -> Result<(), MediaError> {
        let frame = AudioFrame::new(pcm, sample_rate, channels)?;
        let now = Instant::from_micros(now_us);
        self.with(|r| r.write(now, leg as usize, &frame))?
            .map_err(|e| ::mediacore::Error::from(e).into())
    }

    /// Leg `leg` hung up: silence from here on, the other legs go on.
    pub fn end_leg(&self, now_us: u64, leg: u32) -> Result<(), MediaError> {
        self.with(|r| r.end_leg(Instant::from_micros(now_us), leg as usize))
    }

    /// Pauses (the paused time is skipped or silence, as the options say).
    pub fn pause(&self, now_us: u64) -> Result<(), MediaError> {
        self.with(|r| r.pause(Instant::from_micros(now_us)))
    }

    /// Resumes.
    pub fn resume(&self, now_us: u64) -> Result<(), MediaError> {
        self.with(|r| r.resume(Instant::from_micros(now_us)))
    }

    /// Lets time pass: legs that sent nothing get silence, checkpoints are written.
    pub fn handle_timeout(&self, now_us: u64) -> Result<(), MediaError> {
        self.with(|r| r.handle_timeout(Instant::from_micros(now_us)))?
            .map_err(|e| ::mediacore::Error::from(e).into())
    }

    /// When to call `handle_timeout` next, in microseconds, or `None`.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.with(|r| r.poll_timeout().map(Instant::as_micros))
            .ok()
            .flatten()
    }

    /// The next event, or `None`.
    pub fn poll_event(&self) -> Option<RecorderEvent> {
        self.with(|r| r.poll_event().map(RecorderEvent::from))
            .ok()
            .flatten()
    }

    /// Audio recorded so far (all of it once finished), in milliseconds.
    pub fn duration_ms(&self) -> f64 {
        self.figure(|r| millis(r.duration()), |s| s.duration_ms)
    }

    /// Bytes of the file so far.
    pub fn bytes_written(&self) -> u64 {
        self.figure(|r| r.bytes_written(), |s| s.bytes)
    }

    /// Whether paused.
    pub fn is_paused(&self) -> bool {
        self.figure(|r| r.is_paused(), |_| false)
    }

    /// Whether stopped by a limit or a failing file, or finished.
    pub fn is_stopped(&self) -> bool {
        self.figure(|r| r.is_stopped(), |_| true)
    }

    /// Completes the file at `now_us`. Once only: later calls are an error.
    pub fn finish(&self, now_us: u64) -> Result<FinishedRecording, MediaError> {
        let mut state = lock(&self.state);
        let recorder = match std::mem::replace(&mut *state, RecorderState::Finished(None)) {
            RecorderState::Recording(recorder) => recorder,
            finished => {
                *state = finished;
                return Err(finished_error());
            }
        };
        let (target, summary) = recorder
            .finish(Instant::from_micros(now_us))
            .map_err(::mediacore::Error::from)?;
        let finished = finished(target, summary)?;
        *state = RecorderState::Finished(Some(finished.summary.clone()));
        Ok(finished)
    }
}

/// Limits for decoding a prompt file; `None` keeps the engine's default (64 MiB of file,
/// 30 minutes of audio).
fn decode_limits(max_seconds: Option<f64>, max_input_bytes: Option<u64>) -> DecodeLimits {
    let mut limits = DecodeLimits::default();
    if let Some(seconds) = max_seconds {
        limits.max_duration =
            Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or(Duration::MAX);
    }
    if let Some(bytes) = max_input_bytes {
        limits.max_input_bytes = usize::try_from(bytes).unwrap_or(usize::MAX);
    }
    limits
}

/// What a prompt file held, before conversion to the call's rate and channels.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PromptInfo {
    /// The file's format: "WAV", "MP3", "FLAC", "Ogg Vorbis" or "Ogg Opus".
    pub format: String,
    /// The rate the audio was decoded at, in Hz (48000 for Opus).
    pub source_rate: u32,
    /// The file's channel count.
    pub source_channels: u16,
    /// Decoded samples per channel at `source_rate`.
    pub source_frames: u64,
}

/// A decoded prompt and what its file held, from [`decode_prompt_info`].
#[derive(Debug, Clone, uniffi::Record)]
pub struct DecodedPrompt {
    /// The prompt at the rate and channels asked for.
    pub prompt: Arc<Prompt>,
    /// What the file held.
    pub info: PromptInfo,
}

#[uniffi::export]
impl Prompt {
    /// Decodes a whole prompt file (WAV, MP3, FLAC, Ogg Vorbis, Ogg Opus, found from the
    /// content; `hint`, a file extension, helps only with headerless MP3) to `sample_rate`
    /// Hz and `channels` (1 or 2). `max_seconds` and `max_input_bytes` bound what it may
    /// use (`None`: 30 minutes, 64 MiB). A `Playback` error names what is wrong with the
    /// file or which limit it passes.
    #[uniffi::constructor(default(
        channels = 1,
        hint = None,
        max_seconds = None,
        max_input_bytes = None
    ))]
    pub fn decode(
        data: Vec<u8>,
        sample_rate: u32,
        channels: u16,
        hint: Option<String>,
        max_seconds: Option<f64>,
        max_input_bytes: Option<u64>,
    ) -> Result<Arc<Self>, MediaError> {
        let decoded = decode_prompt_info(
            data,
            sample_rate,
            channels,
            hint,
            max_seconds,
            max_input_bytes,
        )?;
        Ok(decoded.prompt)
    }
}

/// `Prompt.decode`, also saying what the file held.
#[uniffi::export(default(channels = 1, hint = None, max_seconds = None, max_input_bytes = None))]
pub fn decode_prompt_info(
    data: Vec<u8>,
    sample_rate: u32,
    channels: u16,
    hint: Option<String>,
    max_seconds: Option<f64>,
    max_input_bytes: Option<u64>,
) -> Result<DecodedPrompt, MediaError> {
    let limits = decode_limits(max_seconds, max_input_bytes);
    let (inner, info) = ::mediacore::playback::Prompt::decode_info(
        &data,
        hint.as_deref(),
        sample_rate,
        channels,
        &limits,
    )
    .map_err(::mediacore::Error::from)?;
    Ok(DecodedPrompt {
        prompt: Arc::new(Prompt { inner }),
        info: PromptInfo {
            format: info.format.name().to_owned(),
            source_rate: info.source_rate,
            source_channels: info.source_channels,
            source_frames: info.source_frames,
        },
    })
}

/// Counters and size of a [`PromptCache`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct CacheStats {
    /// Prompts held (one per name and layout).
    pub entries: u64,
    /// Bytes of samples held.
    pub bytes: u64,
    /// Lookups that found their prompt.
    pub hits: u64,
    /// Lookups that did not.
    pub misses: u64,
    /// Prompts dropped to stay within the budget.
    pub evictions: u64,
}

/// Decoded prompts shared by name and layout; the least recently used are dropped past a
/// budget of sample bytes.
#[derive(uniffi::Object)]
pub struct PromptCache {
    inner: Mutex<::mediacore::playback::PromptCache>,
}

#[uniffi::export]
impl PromptCache {
    /// An empty cache holding at most `max_bytes` of samples (default 64 MiB).
    #[uniffi::constructor(default(max_bytes = 67108864))]
    pub fn new(max_bytes: u64) -> Self {
        let max_bytes = usize::try_from(max_bytes).unwrap_or(usize::MAX);
        PromptCache {
            inner: Mutex::new(::mediacore::playback::PromptCache::new(max_bytes)),
        }
    }

    /// The prompt `key` at `sample_rate` and `channels`, decoded from `data` on a miss (the
    /// extension of `key` is the format hint) and kept; on a hit `data` is not read.
    #[uniffi::method(default(channels = 1, max_seconds = None))]
    pub fn get_or_decode(
        &self,
        key: String,
        sample_rate: u32,
        data: Vec<u8>,
        channels: u16,
        max_seconds: Option<f64>,
    ) -> Result<Arc<Prompt>, MediaError> {
        let limits = decode_limits(max_seconds, None);
        let inner = lock(&self.inner)
            .get_or_decode(&key, sample_rate, channels, &limits, || Ok(data))
            .map_err(::mediacore::Error::from)?;
        Ok(Arc::new(Prompt { inner }))
    }

    /// The prompt `key` at `sample_rate` and `channels`, if held.
    #[uniffi::method(default(channels = 1))]
    pub fn get(&self, key: String, sample_rate: u32, channels: u16) -> Option<Arc<Prompt>> {
        lock(&self.inner)
            .get(&key, sample_rate, channels)
            .map(|inner| Arc::new(Prompt { inner }))
    }

    /// Keeps `prompt` under `key`; returns whether it fitted the budget.
    pub fn insert(&self, key: String, prompt: &Prompt) -> bool {
        lock(&self.inner).insert(&key, prompt.inner.clone())
    }

    /// Drops every layout of `key`; returns how many.
    pub fn remove(&self, key: String) -> u32 {
        // At most one entry per supported rate and channel count.
        u32::try_from(lock(&self.inner).remove(&key)).unwrap_or(u32::MAX)
    }

    /// Drops everything.
    pub fn clear(&self) {
        lock(&self.inner).clear();
    }

    /// Counters and size.
    pub fn stats(&self) -> CacheStats {
        let s = lock(&self.inner).stats();
        CacheStats {
            entries: s.entries as u64,
            bytes: s.bytes as u64,
            hits: s.hits,
            misses: s.misses,
            evictions: s.evictions,
        }
    }

    /// The budget, in bytes of samples.
    pub fn max_bytes(&self) -> u64 {
        lock(&self.inner).max_bytes() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The record with the defaults Kotlin, Swift and Python give it.
    fn defaults() -> RecordOptions {
        RecordOptions {
            layout: "stereo".into(),
            sample_rate: 8000,
            format: "wav".into(),
            opus_bitrate: 32_000,
            pause_mode: "silence".into(),
            max_duration_ms: None,
            max_bytes: None,
            checkpoint_interval_ms: 1000,
            start_time: String::new(),
            call_id: None,
            legs: Vec::new(),
            extra: Vec::new(),
        }
    }

    #[test]
    fn record_defaults_are_the_cores() {
        assert_eq!(
            defaults().to_core().unwrap(),
            RecordConfig::new(RecordLayout::Stereo, 8000)
        );
        let opus = RecordOptions {
            format: "ogg-opus".into(),
            ..defaults()
        };
        assert_eq!(
            opus.to_core().unwrap().format,
            RecordFormat::OggOpus { bitrate: 32_000 }
        );
    }

    #[test]
    fn recorder_errors_are_in_the_record_domain() {
        let mono = RecordOptions {
            layout: "mono".into(),
            ..defaults()
        };
        let recorder = Recorder::new(mono, 0, None).unwrap();
        let err = recorder.write(0, 1, vec![0; 160], 8000, 1).unwrap_err();
        assert!(matches!(err, MediaError::Record { .. }), "{err:?}");
        assert!(err.message().contains("leg 1 does not exist"), "{err}");
        let done = recorder.finish(20_000).unwrap();
        assert_eq!(done.bytes.map(|b| b.len() as u64), Some(done.summary.bytes));
        assert!(matches!(
            recorder.pause(30_000),
            Err(MediaError::Record { .. })
        ));
        assert_eq!(recorder.poll_timeout(), None);
    }
}
