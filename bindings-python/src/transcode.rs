//! `Transcoder`: payloads of one codec format in, payloads of another out.

use core::time::Duration;
use std::sync::{Mutex, PoisonError};

use ::mediacore::{Codec, CodecFormat, Transcoder};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

use crate::media_err;
use crate::opus::opus_config;
use crate::pcm::bytes_from_py;

/// `codec` at `sample_rate` (its default rate when `None`) with `channels`.
fn format(codec: &str, sample_rate: Option<u32>, channels: u16) -> PyResult<CodecFormat> {
    let codec = Codec::from_name(codec).map_err(media_err)?;
    let default = CodecFormat::new(codec);
    Ok(CodecFormat {
        sample_rate: sample_rate.unwrap_or(default.sample_rate),
        channels,
        ..default
    })
}

/// Converts a stream of payloads from one codec, rate and channel count to another:
/// decode, remix, resample, re-frame to the output packet time and encode.
// The Mutex only makes the class `Sync`; pyo3's borrow checking already gives each call
// exclusive access, so it is reached through `get_mut` and never locked.
#[pyclass(module = "mediacore", name = "Transcoder")]
pub struct PyTranscoder {
    inner: Mutex<Transcoder>,
}

impl PyTranscoder {
    fn inner(&mut self) -> &mut Transcoder {
        self.inner.get_mut().unwrap_or_else(PoisonError::into_inner)
    }
}

#[pymethods]
impl PyTranscoder {
    /// A transcoder from `input_codec` to `output_codec`; rates default to each codec's
    /// default rate, channels to mono. The Opus keyword arguments set the output encoder
    /// when the output is Opus (its frame duration is `output_ptime_ms`).
    #[new]
    #[pyo3(signature = (
        input_codec, output_codec, *, input_rate = None, input_channels = 1,
        output_rate = None, output_channels = 1, output_ptime_ms = 20, **opus
    ))]
    #[allow(clippy::too_many_arguments)] // both formats, the packet time and the Opus settings
    fn new(
        input_codec: &str,
        output_codec: &str,
        input_rate: Option<u32>,
        input_channels: u16,
        output_rate: Option<u32>,
        output_channels: u16,
        output_ptime_ms: u64,
        opus: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let input = format(input_codec, input_rate, input_channels)?;
        let output = format(output_codec, output_rate, output_channels)?;
        let opus = opus_config(opus, output.codec, Some("output_ptime_ms"))?;
        let ptime = Duration::from_millis(output_ptime_ms);
        let transcoder =
            Transcoder::with_opus_config(input, output, ptime, opus).map_err(media_err)?;
        Ok(PyTranscoder {
            inner: Mutex::new(transcoder),
        })
    }

    /// Decodes one input payload and encodes every output payload it completes; raises
    /// MediaError for a payload the input decoder refuses (nothing changes then).
    fn push(&mut self, payload: &Bound<'_, PyAny>) -> PyResult<()> {
        let payload = bytes_from_py(payload)?;
        self.inner().push(&payload).map_err(media_err)
    }

    /// The next output payload, oldest first, or None.
    fn poll_payload<'py>(&mut self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.inner()
            .poll_payload()
            .map(|payload| PyBytes::new(py, payload))
    }

    /// `push(payload)`, then every output payload ready, oldest first.
    fn transcode<'py>(
        &mut self,
        py: Python<'py>,
        payload: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        self.push(payload)?;
        let list = PyList::empty(py);
        while let Some(payload) = self.inner().poll_payload() {
            list.append(PyBytes::new(py, payload))?;
        }
        Ok(list)
    }

    /// The SDP encoding name of the input codec.
    #[getter]
    fn input_codec(&mut self) -> &'static str {
        self.inner().input().codec.name()
    }

    /// Input sample rate in Hz.
    #[getter]
    fn input_rate(&mut self) -> u32 {
        self.inner().input().sample_rate
    }

    /// Input channels.
    #[getter]
    fn input_channels(&mut self) -> u16 {
        self.inner().input().channels
    }

    /// The SDP encoding name of the output codec.
    #[getter]
    fn output_codec(&mut self) -> &'static str {
        self.inner().output().codec.name()
    }

    /// Output sample rate in Hz.
    #[getter]
    fn output_rate(&mut self) -> u32 {
        self.inner().output().sample_rate
    }

    /// Output channels.
    #[getter]
    fn output_channels(&mut self) -> u16 {
        self.inner().output().channels
    }

    /// Output payloads dropped because they were not polled in time.
    #[getter]
    fn dropped(&mut self) -> u64 {
        self.inner().dropped()
    }

    /// Samples per channel by which the output lags the input, from resampling.
    #[getter]
    fn resampler_delay(&mut self) -> usize {
        self.inner().resampler_delay()
    }

    fn __repr__(&mut self) -> String {
        let t = self.inner();
        let (input, output) = (t.input(), t.output());
        format!(
            "Transcoder('{}', '{}', input_rate={}, input_channels={}, output_rate={}, \
             output_channels={})",
            input.codec.name(),
            output.codec.name(),
            input.sample_rate,
            input.channels,
            output.sample_rate,
            output.channels
        )
    }
}
