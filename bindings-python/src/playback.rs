//! Prompts and IVR: `Prompt`, `PlayOptions`, `Player`, `PlayCollectConfig`, `PlayAndCollect`.

use core::time::Duration;
use std::sync::{Mutex, PoisonError};

use ::mediacore::Instant;
use ::mediacore::dtmf::{CollectConfig, Digit, Terminators};
use ::mediacore::ivr::{PlayAndCollect, PlayCollectConfig, PlayCollectResult};
use ::mediacore::playback::{PlayOptions, PlaybackEvent, Player, Prompt};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::media_err;
use crate::pcm::{bytes_from_py, pcm_from_py, pcm_to_py};
use crate::record::{decode_limits, info_dict, playback_err};

/// Decoded prompt audio (interleaved int16), immutable; copies share the samples.
#[pyclass(module = "mediacore", name = "Prompt", frozen, from_py_object)]
#[derive(Clone)]
pub struct PyPrompt {
    pub(crate) inner: Prompt,
}

#[pymethods]
impl PyPrompt {
    /// A prompt from interleaved int16 samples (bytes, array('h'), numpy int16).
    #[staticmethod]
    #[pyo3(signature = (sample_rate, pcm, channels = 1))]
    fn from_samples(sample_rate: u32, pcm: &Bound<'_, PyAny>, channels: u16) -> PyResult<Self> {
        let inner = Prompt::from_samples(sample_rate, channels, pcm_from_py(pcm)?)
            .map_err(|e| media_err(e.into()))?;
        Ok(PyPrompt { inner })
    }

    /// Decodes a whole prompt file (WAV PCM/µ-law/A-law, MP3, FLAC, Ogg Vorbis, Ogg Opus)
    /// from bytes, converted to `sample_rate` and `channels`. `hint` is a file extension.
    #[staticmethod]
    #[pyo3(signature = (data, sample_rate, channels = 1, hint = None, max_seconds = None, max_input_bytes = None))]
    fn decode(
        data: &Bound<'_, PyAny>,
        sample_rate: u32,
        channels: u16,
        hint: Option<&str>,
        max_seconds: Option<f64>,
        max_input_bytes: Option<usize>,
    ) -> PyResult<Self> {
        let limits = decode_limits(max_seconds, max_input_bytes);
        let bytes = bytes_from_py(data)?;
        let inner =
            ::mediacore::playback::Prompt::decode(&bytes, hint, sample_rate, channels, &limits)
                .map_err(playback_err)?;
        Ok(PyPrompt { inner })
    }

    /// `decode`, and what the file was: {"format", "source_rate", "source_channels",
    /// "source_frames"}.
    #[staticmethod]
    #[pyo3(signature = (data, sample_rate, channels = 1, hint = None, max_seconds = None, max_input_bytes = None))]
    fn decode_info<'py>(
        py: Python<'py>,
        data: &Bound<'_, PyAny>,
        sample_rate: u32,
        channels: u16,
        hint: Option<&str>,
        max_seconds: Option<f64>,
        max_input_bytes: Option<usize>,
    ) -> PyResult<(PyPrompt, Bound<'py, PyDict>)> {
        let limits = decode_limits(max_seconds, max_input_bytes);
        let bytes = bytes_from_py(data)?;
        let (inner, info) = ::mediacore::playback::Prompt::decode_info(
            &bytes,
            hint,
            sample_rate,
            channels,
            &limits,
        )
        .map_err(playback_err)?;
        Ok((PyPrompt { inner }, info_dict(py, &info)?))
    }

    /// The rate in Hz.
    #[getter]
    fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }

    /// 1 or 2.
    #[getter]
    fn channels(&self) -> u16 {
        self.inner.channels()
    }

    /// Samples per channel.
    #[getter]
    fn frames(&self) -> usize {
        self.inner.frames()
    }

    /// How long it plays, in milliseconds.
    #[getter]
    fn duration_ms(&self) -> f64 {
        self.inner.duration().as_micros() as f64 / 1000.0
    }

    /// The samples: `array('h')`, or numpy int16 if `numpy` is true.
    #[pyo3(signature = (*, numpy = false))]
    fn samples<'py>(&self, py: Python<'py>, numpy: bool) -> PyResult<Bound<'py, PyAny>> {
        pcm_to_py(py, self.inner.samples(), numpy)
    }

    /// Whether both share one copy of the samples.
    fn shares_samples_with(&self, other: &PyPrompt) -> bool {
        self.inner.shares_samples_with(&other.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "Prompt(sample_rate={}, channels={}, duration_ms={:?})",
            self.inner.sample_rate(),
            self.inner.channels(),
            self.duration_ms()
        )
    }
}

/// How a prompt plays: looping (music on hold), start offset, gain, barge-in.
#[pyclass(module = "mediacore", name = "PlayOptions", frozen)]
#[derive(Clone, Copy)]
pub struct PyPlayOptions {
    pub(crate) inner: PlayOptions,
}

#[pymethods]
impl PyPlayOptions {
    #[new]
    #[pyo3(signature = (*, looping = false, start_offset_ms = 0, gain_db = 0.0, interruptible = true))]
    fn new(looping: bool, start_offset_ms: u64, gain_db: f32, interruptible: bool) -> Self {
        PyPlayOptions {
            inner: PlayOptions {
                looping,
                start_offset: Duration::from_millis(start_offset_ms),
                gain_db,
                interruptible,
            },
        }
    }
}

/// The core options, or the defaults for None.
pub(crate) fn play_options(options: Option<&PyPlayOptions>) -> PlayOptions {
    options.map_or_else(PlayOptions::default, |o| o.inner)
}

/// `{"type": "playback_started" | "playback_finished" | "playback_interrupted", "id", ...}`.
pub(crate) fn set_playback_event(dict: &Bound<'_, PyDict>, event: PlaybackEvent) -> PyResult<()> {
    dict.set_item("id", event.id())?;
    if let PlaybackEvent::Interrupted {
        reason, started, ..
    } = event
    {
        dict.set_item("reason", reason.name())?;
        dict.set_item("started", started)?;
        if let ::mediacore::playback::InterruptReason::Dtmf(digit) = reason {
            dict.set_item("digit", digit.to_string())?;
        }
    }
    Ok(())
}

fn playback_event_dict(py: Python<'_>, event: PlaybackEvent) -> PyResult<Bound<'_, PyDict>> {
    let dict = PyDict::new(py);
    let kind = match event {
        PlaybackEvent::Started { .. } => "playback_started",
        PlaybackEvent::Finished { .. } => "playback_finished",
        PlaybackEvent::Interrupted { .. } => "playback_interrupted",
    };
    dict.set_item("type", kind)?;
    set_playback_event(&dict, event)?;
    Ok(dict)
}

/// One call's prompt queue, read out frame by frame.
#[pyclass(module = "mediacore", name = "Player")]
pub struct PyPlayer {
    inner: Mutex<Player>,
}

impl PyPlayer {
    fn inner(&mut self) -> &mut Player {
        self.inner.get_mut().unwrap_or_else(PoisonError::into_inner)
    }
}

#[pymethods]
impl PyPlayer {
    #[new]
    #[pyo3(signature = (sample_rate, channels = 1))]
    fn new(sample_rate: u32, channels: u16) -> PyResult<Self> {
        let player = Player::new(sample_rate, channels).map_err(media_err)?;
        Ok(PyPlayer {
            inner: Mutex::new(player),
        })
    }

    /// Plays `prompt` now in place of what plays or waits; returns its id.
    #[pyo3(signature = (prompt, options = None))]
    fn play(&mut self, prompt: &PyPrompt, options: Option<&PyPlayOptions>) -> PyResult<u64> {
        self.inner()
            .play(prompt.inner.clone(), play_options(options))
            .map_err(media_err)
    }

    /// Plays `prompt` after what plays or waits; returns its id.
    #[pyo3(signature = (prompt, options = None))]
    fn enqueue(&mut self, prompt: &PyPrompt, options: Option<&PyPlayOptions>) -> PyResult<u64> {
        self.inner()
            .enqueue(prompt.inner.clone(), play_options(options))
            .map_err(media_err)
    }

    /// Stops everything; returns whether anything played or waited.
    fn stop(&mut self) -> bool {
        self.inner().stop()
    }

    /// A DTMF digit: stops the interruptible prompts; returns whether the current one stopped.
    fn barge_in(&mut self, digit: &str) -> PyResult<bool> {
        let digit = digit.parse::<Digit>().map_err(media_err)?;
        Ok(self.inner().barge_in(digit))
    }

    /// Whether a prompt plays or waits.
    #[getter]
    fn is_playing(&mut self) -> bool {
        self.inner().is_playing()
    }

    /// The id of the prompt playing, or None.
    #[getter]
    fn current(&mut self) -> Option<u64> {
        self.inner().current()
    }

    /// The next `samples` interleaved samples (silence after the last prompt).
    #[pyo3(signature = (samples, *, numpy = false))]
    fn fill<'py>(
        &mut self,
        py: Python<'py>,
        samples: usize,
        numpy: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut out = vec![0i16; samples];
        self.inner().fill(&mut out);
        pcm_to_py(py, &out, numpy)
    }

    /// The next event as a dict, or None.
    fn poll_event<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.inner()
            .poll_event()
            .map(|e| playback_event_dict(py, e))
            .transpose()
    }
}

/// The core collection settings from the binding's arguments.
pub(crate) fn collect_config(
    min_digits: usize,
    max_digits: usize,
    terminators: &str,
    first_digit_timeout_ms: Option<u64>,
    inter_digit_timeout_ms: Option<u64>,
    overall_timeout_ms: Option<u64>,
) -> PyResult<CollectConfig> {
    Ok(CollectConfig {
        min_digits,
        max_digits,
        terminators: Terminators::parse(terminators).map_err(media_err)?,
        first_digit_timeout: first_digit_timeout_ms.map(Duration::from_millis),
        inter_digit_timeout: inter_digit_timeout_ms.map(Duration::from_millis),
        overall_timeout: overall_timeout_ms.map(Duration::from_millis),
    })
}

/// Prompts, collection, accepted entries and retries of a play-and-collect.
#[pyclass(module = "mediacore", name = "PlayCollectConfig", frozen)]
pub struct PyPlayCollectConfig {
    pub(crate) inner: PlayCollectConfig,
}

#[pymethods]
impl PyPlayCollectConfig {
    #[new]
    #[pyo3(signature = (
        prompts, *, invalid_prompt = None, no_input_prompt = None, max_attempts = 1,
        accept = None, barge_in = true, gain_db = 0.0, min_digits = 1, max_digits = 20,
        terminators = "#", first_digit_timeout_ms = Some(5000),
        inter_digit_timeout_ms = Some(3000), overall_timeout_ms = None
    ))]
    #[allow(clippy::too_many_arguments)] // one argument per PlayCollectConfig setting
    fn new(
        prompts: Vec<PyPrompt>,
        invalid_prompt: Option<PyPrompt>,
        no_input_prompt: Option<PyPrompt>,
        max_attempts: u32,
        accept: Option<Vec<String>>,
        barge_in: bool,
        gain_db: f32,
        min_digits: usize,
        max_digits: usize,
        terminators: &str,
        first_digit_timeout_ms: Option<u64>,
        inter_digit_timeout_ms: Option<u64>,
        overall_timeout_ms: Option<u64>,
    ) -> PyResult<Self> {
        let inner = PlayCollectConfig {
            prompts: prompts.into_iter().map(|p| p.inner).collect(),
            invalid_prompt: invalid_prompt.map(|p| p.inner),
            no_input_prompt: no_input_prompt.map(|p| p.inner),
            max_attempts,
            collect: collect_config(
                min_digits,
                max_digits,
                terminators,
                first_digit_timeout_ms,
                inter_digit_timeout_ms,
                overall_timeout_ms,
            )?,
            accept: accept.unwrap_or_default(),
            barge_in,
            gain_db,
        };
        inner.validate().map_err(media_err)?;
        Ok(PyPlayCollectConfig { inner })
    }
}

/// The fields of a play-and-collect result.
pub(crate) fn set_play_collect_result(
    dict: &Bound<'_, PyDict>,
    result: &PlayCollectResult,
) -> PyResult<()> {
    dict.set_item("reason", result.reason.name())?;
    dict.set_item("digits", result.digits.to_string())?;
    dict.set_item("terminator", result.terminator.map(|d| d.to_string()))?;
    dict.set_item("attempts", result.attempts)?;
    dict.set_item("collect_reason", result.collect_reason.map(|r| r.name()))?;
    dict.set_item("ended_at_us", result.ended_at.as_micros())
}

/// Prompts and digit collection with retries as one state machine.
#[pyclass(module = "mediacore", name = "PlayAndCollect")]
pub struct PyPlayAndCollect {
    inner: Mutex<PlayAndCollect>,
}

impl PyPlayAndCollect {
    fn inner(&mut self) -> &mut PlayAndCollect {
        self.inner.get_mut().unwrap_or_else(PoisonError::into_inner)
    }
}

#[pymethods]
impl PyPlayAndCollect {
    #[new]
    #[pyo3(signature = (sample_rate, channels = 1))]
    fn new(sample_rate: u32, channels: u16) -> PyResult<Self> {
        let ivr = PlayAndCollect::new(sample_rate, channels).map_err(media_err)?;
        Ok(PyPlayAndCollect {
            inner: Mutex::new(ivr),
        })
    }

    /// Starts at `now_us`, replacing one under way.
    fn start(&mut self, now_us: u64, config: &PyPlayCollectConfig) -> PyResult<()> {
        self.inner()
            .start(Instant::from_micros(now_us), config.inner.clone())
            .map_err(media_err)
    }

    /// The next `samples` of prompt audio; `now_us` is when the first one plays.
    #[pyo3(signature = (now_us, samples, *, numpy = false))]
    fn fill<'py>(
        &mut self,
        py: Python<'py>,
        now_us: u64,
        samples: usize,
        numpy: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut out = vec![0i16; samples];
        self.inner().fill(Instant::from_micros(now_us), &mut out);
        pcm_to_py(py, &out, numpy)
    }

    /// A digit at `now_us`; returns whether it was taken.
    fn push_digit(&mut self, now_us: u64, digit: &str) -> PyResult<bool> {
        let digit = digit.parse::<Digit>().map_err(media_err)?;
        Ok(self.inner().push_digit(Instant::from_micros(now_us), digit))
    }

    /// Lets timeouts fire.
    fn handle_timeout(&mut self, now_us: u64) {
        self.inner().handle_timeout(Instant::from_micros(now_us));
    }

    /// When to call `handle_timeout` next, in microseconds, or None.
    fn poll_timeout(&mut self) -> Option<u64> {
        self.inner().poll_timeout().map(Instant::as_micros)
    }

    /// Ends it with reason "cancelled"; returns whether one was under way.
    fn cancel(&mut self, now_us: u64) -> bool {
        self.inner().cancel(Instant::from_micros(now_us))
    }

    /// Whether one is under way.
    #[getter]
    fn is_active(&mut self) -> bool {
        self.inner().is_active()
    }

    /// Whether its prompts are playing.
    #[getter]
    fn is_prompting(&mut self) -> bool {
        self.inner().is_prompting()
    }

    /// The result as a dict (reason, digits, terminator, attempts, collect_reason,
    /// ended_at_us), once; None before the end.
    fn poll_result<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(result) = self.inner().poll_result() else {
            return Ok(None);
        };
        let dict = PyDict::new(py);
        set_play_collect_result(&dict, &result)?;
        Ok(Some(dict))
    }
}
