//! Recording and prompt files: `RecordOptions`, `Recorder`, `Prompt.decode`, `PromptCache`.

use core::time::Duration;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::{Mutex, PoisonError};

use ::mediacore::Instant;
use ::mediacore::playback::{DecodeLimits, PromptCache, PromptInfo};
use ::mediacore::record::{
    PauseMode, RecordConfig, RecordEvent, RecordFormat, RecordLayout, Recorder, RecordingSummary,
};
use ::mediacore::{AudioFrame, RecordTarget};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::media_err;
use crate::pcm::{bytes_from_py, pcm_from_py};
use crate::playback::PyPrompt;

fn record_err(e: ::mediacore::record::RecordError) -> PyErr {
    media_err(e.into())
}

pub(crate) fn playback_err(e: ::mediacore::playback::PlaybackError) -> PyErr {
    media_err(e.into())
}

/// How to record: layout, format, rate, pauses, limits and the metadata stored with it.
#[pyclass(module = "mediacore", name = "RecordOptions", frozen)]
pub struct PyRecordOptions {
    pub(crate) inner: RecordConfig,
}

#[pymethods]
impl PyRecordOptions {
    #[new]
    #[pyo3(signature = (
        *, layout = "stereo", sample_rate = 8000, format = "wav", opus_bitrate = 32_000,
        pause_mode = "silence", max_duration_ms = None, max_bytes = None,
        checkpoint_interval_ms = 1000, start_time = "", call_id = None, legs = None,
        extra = None
    ))]
    #[allow(clippy::too_many_arguments)] // one argument per RecordConfig setting
    fn new(
        layout: &str,
        sample_rate: u32,
        format: &str,
        opus_bitrate: u32,
        pause_mode: &str,
        max_duration_ms: Option<u64>,
        max_bytes: Option<u64>,
        checkpoint_interval_ms: u64,
        start_time: &str,
        call_id: Option<String>,
        legs: Option<Vec<String>>,
        extra: Option<Vec<(String, String)>>,
    ) -> PyResult<Self> {
        let mut config = RecordConfig::new(
            RecordLayout::from_name(layout).map_err(record_err)?,
            sample_rate,
        );
        config.format = RecordFormat::from_name(format, opus_bitrate).map_err(record_err)?;
        config.pause_mode = PauseMode::from_name(pause_mode).map_err(record_err)?;
        config.max_duration = max_duration_ms.map(Duration::from_millis);
        config.max_bytes = max_bytes;
        config.checkpoint_interval = Duration::from_millis(checkpoint_interval_ms);
        config.metadata.start_time = start_time.to_owned();
        config.metadata.call_id = call_id;
        config.metadata.legs = legs.unwrap_or_default();
        config.metadata.extra = extra.unwrap_or_default();
        config.validate().map_err(record_err)?;
        Ok(PyRecordOptions { inner: config })
    }

    /// Channels of the recording.
    #[getter]
    fn channels(&self) -> u16 {
        self.inner.channels()
    }
}

/// A memory target, or a file created (truncated) at `path`.
pub(crate) fn record_target(path: Option<&str>) -> PyResult<RecordTarget> {
    match path {
        None => Ok(RecordTarget::memory()),
        Some(path) => {
            let file = File::create(path).map_err(|e| {
                media_err(::mediacore::Error::InvalidArgument(format!(
                    "cannot create recording file {path:?}: {e}"
                )))
            })?;
            Ok(RecordTarget::Stream(Box::new(BufWriter::new(file))))
        }
    }
}

/// `{"duration_ms", "bytes", "sample_rate", "channels", "format"}`.
pub(crate) fn set_summary(dict: &Bound<'_, PyDict>, summary: &RecordingSummary) -> PyResult<()> {
    dict.set_item("duration_ms", summary.duration.as_micros() as f64 / 1000.0)?;
    dict.set_item("bytes", summary.bytes)?;
    dict.set_item("sample_rate", summary.sample_rate)?;
    dict.set_item("channels", summary.channels)?;
    dict.set_item("format", summary.format.name())
}

/// The file's bytes (memory targets) or None (files), and the summary as a dict.
pub(crate) fn finished<'py>(
    py: Python<'py>,
    target: RecordTarget,
    summary: &RecordingSummary,
) -> PyResult<(Option<Bound<'py, PyBytes>>, Bound<'py, PyDict>)> {
    let dict = PyDict::new(py);
    set_summary(&dict, summary)?;
    let bytes = match target {
        RecordTarget::Stream(mut stream) => {
            stream.flush().map_err(|e| {
                media_err(::mediacore::Error::InvalidArgument(format!(
                    "the recording file could not be flushed: {e}"
                )))
            })?;
            None
        }
        memory => memory.into_bytes().map(|b| PyBytes::new(py, &b)),
    };
    Ok((bytes, dict))
}

/// Records legs of audio into WAV or Ogg Opus, in memory or to a file, on the media timeline.
#[pyclass(module = "mediacore", name = "Recorder")]
pub struct PyRecorder {
    inner: Mutex<Option<Recorder<RecordTarget>>>,
}

impl PyRecorder {
    fn inner(&mut self) -> PyResult<&mut Recorder<RecordTarget>> {
        self.inner
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
            .ok_or_else(|| {
                media_err(::mediacore::Error::InvalidArgument(
                    "this recorder has finished".into(),
                ))
            })
    }
}

#[pymethods]
impl PyRecorder {
    /// Starts recording at `now_us`, into memory or into a new file at `path`.
    #[new]
    #[pyo3(signature = (options, now_us = 0, path = None))]
    fn new(options: &PyRecordOptions, now_us: u64, path: Option<&str>) -> PyResult<Self> {
        let target = record_target(path)?;
        let recorder = Recorder::new(target, options.inner.clone(), Instant::from_micros(now_us))
            .map_err(record_err)?;
        Ok(PyRecorder {
            inner: Mutex::new(Some(recorder)),
        })
    }

    /// Records `pcm` (interleaved int16 at `sample_rate`, `channels`) on `leg`; `now_us` is
    /// when its first sample plays.
    #[pyo3(signature = (now_us, leg, pcm, sample_rate, channels = 1))]
    fn write(
        &mut self,
        now_us: u64,
        leg: usize,
        pcm: &Bound<'_, PyAny>,
        sample_rate: u32,
        channels: u16,
    ) -> PyResult<()> {
        let frame = AudioFrame::new(pcm_from_py(pcm)?, sample_rate, channels).map_err(media_err)?;
        self.inner()?
            .write(Instant::from_micros(now_us), leg, &frame)
            .map_err(record_err)
    }

    /// Leg `leg` hung up: silence from here on, the other legs go on.
    fn end_leg(&mut self, now_us: u64, leg: usize) -> PyResult<()> {
        self.inner()?.end_leg(Instant::from_micros(now_us), leg);
        Ok(())
    }

    /// Pauses (skip or silence, per the options).
    fn pause(&mut self, now_us: u64) -> PyResult<()> {
        self.inner()?.pause(Instant::from_micros(now_us));
        Ok(())
    }

    /// Resumes.
    fn resume(&mut self, now_us: u64) -> PyResult<()> {
        self.inner()?.resume(Instant::from_micros(now_us));
        Ok(())
    }

    /// Lets time pass: legs that sent nothing get silence, checkpoints are written.
    fn handle_timeout(&mut self, now_us: u64) -> PyResult<()> {
        self.inner()?
            .handle_timeout(Instant::from_micros(now_us))
            .map_err(record_err)
    }

    /// When to call `handle_timeout` next, in microseconds, or None.
    fn poll_timeout(&mut self) -> PyResult<Option<u64>> {
        Ok(self.inner()?.poll_timeout().map(Instant::as_micros))
    }

    /// The next event as a dict ({"type": "limit_reached", "limit": "duration" | "size",
    /// ...summary}), or None.
    fn poll_event<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(RecordEvent::LimitReached { limit, summary }) = self.inner()?.poll_event() else {
            return Ok(None);
        };
        let dict = PyDict::new(py);
        dict.set_item("type", "limit_reached")?;
        dict.set_item("limit", limit_name(limit))?;
        set_summary(&dict, &summary)?;
        Ok(Some(dict))
    }

    /// Audio recorded so far, in milliseconds.
    #[getter]
    fn duration_ms(&mut self) -> PyResult<f64> {
        Ok(self.inner()?.duration().as_micros() as f64 / 1000.0)
    }

    /// Bytes of the file so far.
    #[getter]
    fn bytes_written(&mut self) -> PyResult<u64> {
        Ok(self.inner()?.bytes_written())
    }

    /// Whether paused.
    #[getter]
    fn is_paused(&mut self) -> PyResult<bool> {
        Ok(self.inner()?.is_paused())
    }

    /// Whether stopped by a limit or a failing file.
    #[getter]
    fn is_stopped(&mut self) -> PyResult<bool> {
        Ok(self.inner()?.is_stopped())
    }

    /// Completes the file: returns (the file's bytes, or None for a file on disk, summary).
    fn finish<'py>(
        &mut self,
        py: Python<'py>,
        now_us: u64,
    ) -> PyResult<(Option<Bound<'py, PyBytes>>, Bound<'py, PyDict>)> {
        self.inner()?;
        let slot = self.inner.get_mut().unwrap_or_else(PoisonError::into_inner);
        let Some(recorder) = slot.take() else {
            return Ok((None, PyDict::new(py)));
        };
        let (target, summary) = recorder
            .finish(Instant::from_micros(now_us))
            .map_err(record_err)?;
        finished(py, target, &summary)
    }
}

/// "duration" or "size".
pub(crate) fn limit_name(limit: ::mediacore::record::RecordLimit) -> &'static str {
    match limit {
        ::mediacore::record::RecordLimit::Duration => "duration",
        ::mediacore::record::RecordLimit::Size => "size",
    }
}

/// Limits for decoding a prompt file; None keeps the engine's default.
pub(crate) fn decode_limits(
    max_seconds: Option<f64>,
    max_input_bytes: Option<usize>,
) -> DecodeLimits {
    let mut limits = DecodeLimits::default();
    if let Some(seconds) = max_seconds {
        limits.max_duration = Duration::from_secs_f64(seconds.max(0.0));
    }
    if let Some(bytes) = max_input_bytes {
        limits.max_input_bytes = bytes;
    }
    limits
}

pub(crate) fn info_dict<'py>(py: Python<'py>, info: &PromptInfo) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("format", info.format.name())?;
    dict.set_item("source_rate", info.source_rate)?;
    dict.set_item("source_channels", info.source_channels)?;
    dict.set_item("source_frames", info.source_frames)?;
    Ok(dict)
}

/// Decoded prompts shared by name and layout; least recently used dropped past a budget.
#[pyclass(module = "mediacore", name = "PromptCache")]
pub struct PyPromptCache {
    inner: Mutex<PromptCache>,
}

impl PyPromptCache {
    fn inner(&mut self) -> &mut PromptCache {
        self.inner.get_mut().unwrap_or_else(PoisonError::into_inner)
    }
}

#[pymethods]
impl PyPromptCache {
    #[new]
    #[pyo3(signature = (max_bytes = 64 << 20))]
    fn new(max_bytes: usize) -> Self {
        PyPromptCache {
            inner: Mutex::new(PromptCache::new(max_bytes)),
        }
    }

    /// The prompt `key` at the layout, decoded from `data` (bytes, or a callable returning
    /// them, called only on a miss) and kept.
    #[pyo3(signature = (key, sample_rate, data, channels = 1, max_seconds = None))]
    fn get_or_decode(
        &mut self,
        key: &str,
        sample_rate: u32,
        data: &Bound<'_, PyAny>,
        channels: u16,
        max_seconds: Option<f64>,
    ) -> PyResult<PyPrompt> {
        let limits = decode_limits(max_seconds, None);
        let mut failure = None;
        let result = self
            .inner()
            .get_or_decode(key, sample_rate, channels, &limits, || {
                let loaded = if data.is_callable() {
                    data.call0()
                } else {
                    Ok(data.clone())
                };
                match loaded.and_then(|d| bytes_from_py(&d).map(|b| b.into_owned())) {
                    Ok(bytes) => Ok(bytes),
                    Err(e) => {
                        failure = Some(e);
                        Ok(Vec::new())
                    }
                }
            });
        if let Some(e) = failure {
            return Err(e);
        }
        Ok(PyPrompt {
            inner: result.map_err(playback_err)?,
        })
    }

    /// The prompt `key` at the layout, if held.
    #[pyo3(signature = (key, sample_rate, channels = 1))]
    fn get(&mut self, key: &str, sample_rate: u32, channels: u16) -> Option<PyPrompt> {
        self.inner()
            .get(key, sample_rate, channels)
            .map(|inner| PyPrompt { inner })
    }

    /// Keeps `prompt` under `key`; returns whether it fitted the budget.
    fn insert(&mut self, key: &str, prompt: &PyPrompt) -> bool {
        self.inner().insert(key, prompt.inner.clone())
    }

    /// Drops every layout of `key`; returns how many.
    fn remove(&mut self, key: &str) -> usize {
        self.inner().remove(key)
    }

    /// Drops everything.
    fn clear(&mut self) {
        self.inner().clear();
    }

    /// {"entries", "bytes", "hits", "misses", "evictions"}.
    fn stats<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner().stats();
        let dict = PyDict::new(py);
        dict.set_item("entries", s.entries)?;
        dict.set_item("bytes", s.bytes)?;
        dict.set_item("hits", s.hits)?;
        dict.set_item("misses", s.misses)?;
        dict.set_item("evictions", s.evictions)?;
        Ok(dict)
    }
}
