//! `Encoder` and `Decoder`: one codec instance each, built from an SDP encoding name.

use std::sync::{Mutex, PoisonError};

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::media_err;
use crate::pcm::{bytes_from_py, pcm_from_py, pcm_to_py};

/// Encodes interleaved int16 PCM into codec payload.
// The Mutex only makes the class `Sync`; pyo3's borrow checking already gives each call
// exclusive access, so it is reached through `get_mut` and never locked.
#[pyclass(module = "mediacore", name = "Encoder")]
pub struct PyEncoder {
    inner: Mutex<Box<dyn ::mediacore::Encoder>>,
}

impl PyEncoder {
    fn inner(&mut self) -> &mut dyn ::mediacore::Encoder {
        self.inner
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
    }
}

#[pymethods]
impl PyEncoder {
    #[new]
    fn new(codec: &str, sample_rate: u32, channels: u16) -> PyResult<Self> {
        let codec = ::mediacore::Codec::from_name(codec).map_err(media_err)?;
        let encoder = ::mediacore::new_encoder(codec, sample_rate, channels).map_err(media_err)?;
        Ok(PyEncoder {
            inner: Mutex::new(encoder),
        })
    }

    /// The SDP encoding name of the codec.
    #[getter]
    fn codec(&mut self) -> &'static str {
        self.inner().codec().name()
    }

    /// Input sample rate in Hz.
    #[getter]
    fn sample_rate(&mut self) -> u32 {
        self.inner().sample_rate()
    }

    /// Input channels (interleaved).
    #[getter]
    fn channels(&mut self) -> u16 {
        self.inner().channels()
    }

    /// Encodes interleaved int16 samples and returns the payload.
    fn encode<'py>(
        &mut self,
        py: Python<'py>,
        pcm: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let samples = pcm_from_py(pcm)?;
        let encoder = self.inner();
        let mut out = vec![0u8; encoder.max_payload_len(samples.len())];
        let len = encoder.encode(&samples, &mut out).map_err(media_err)?;
        Ok(PyBytes::new(py, &out[..len]))
    }

    fn __repr__(&mut self) -> String {
        let encoder = self.inner();
        format!(
            "Encoder('{}', {}, {})",
            encoder.codec().name(),
            encoder.sample_rate(),
            encoder.channels()
        )
    }
}

/// Decodes codec payload into interleaved int16 PCM.
// See `PyEncoder` for why the Mutex is never locked.
#[pyclass(module = "mediacore", name = "Decoder")]
pub struct PyDecoder {
    inner: Mutex<Box<dyn ::mediacore::Decoder>>,
}

impl PyDecoder {
    fn inner(&mut self) -> &mut dyn ::mediacore::Decoder {
        self.inner
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
    }
}

#[pymethods]
impl PyDecoder {
    #[new]
    fn new(codec: &str, sample_rate: u32, channels: u16) -> PyResult<Self> {
        let codec = ::mediacore::Codec::from_name(codec).map_err(media_err)?;
        let decoder = ::mediacore::new_decoder(codec, sample_rate, channels).map_err(media_err)?;
        Ok(PyDecoder {
            inner: Mutex::new(decoder),
        })
    }

    /// The SDP encoding name of the codec.
    #[getter]
    fn codec(&mut self) -> &'static str {
        self.inner().codec().name()
    }

    /// Output sample rate in Hz.
    #[getter]
    fn sample_rate(&mut self) -> u32 {
        self.inner().sample_rate()
    }

    /// Output channels (interleaved).
    #[getter]
    fn channels(&mut self) -> u16 {
        self.inner().channels()
    }

    /// Decodes one payload; returns `array('h')`, or a numpy int16 array if `numpy` is true.
    #[pyo3(signature = (payload, *, numpy = false))]
    fn decode<'py>(
        &mut self,
        py: Python<'py>,
        payload: &Bound<'py, PyAny>,
        numpy: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let payload = bytes_from_py(payload)?;
        let decoder = self.inner();
        let mut out = vec![0i16; decoder.max_decoded_len(payload.len())];
        let len = decoder.decode(&payload, &mut out).map_err(media_err)?;
        pcm_to_py(py, &out[..len], numpy)
    }

    fn __repr__(&mut self) -> String {
        let decoder = self.inner();
        format!(
            "Decoder('{}', {}, {})",
            decoder.codec().name(),
            decoder.sample_rate(),
            decoder.channels()
        )
    }
}
