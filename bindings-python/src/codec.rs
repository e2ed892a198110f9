//! `Encoder` and `Decoder`: one codec instance each, built from an SDP encoding name.

use std::sync::{Mutex, PoisonError};

use ::mediacore::CodecInfo;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::media_err;
use crate::pcm::{bytes_from_py, pcm_from_py, pcm_to_py};

/// `Name('PCMU', 8000, 1)`: the constructor call that builds an equal coder.
fn repr<C: CodecInfo + ?Sized>(class: &str, coder: &C) -> String {
    format!(
        "{class}('{}', {}, {})",
        coder.codec().name(),
        coder.sample_rate(),
        coder.channels()
    )
}

/// Writes a class over one core coder: the constructor from an SDP encoding name, the
/// `codec`/`sample_rate`/`channels` getters that [`CodecInfo`] answers for both directions and
/// `__repr__`, followed by the class's own methods. pyo3 takes one `#[pymethods]` block per
/// class, so the whole class comes out of the macro.
macro_rules! coder_class {
    (
        $(#[$meta:meta])*
        $class:ident: $py_name:literal over $core:ident from $factory:path, $side:literal;
        $($methods:tt)*
    ) => {
        $(#[$meta])*
        // The Mutex only makes the class `Sync`; pyo3's borrow checking already gives each
        // call exclusive access, so it is reached through `get_mut` and never locked.
        #[pyclass(module = "mediacore", name = $py_name)]
        pub struct $class {
            inner: Mutex<Box<dyn ::mediacore::$core>>,
        }

        impl $class {
            fn inner(&mut self) -> &mut dyn ::mediacore::$core {
                self.inner
                    .get_mut()
                    .unwrap_or_else(PoisonError::into_inner)
                    .as_mut()
            }
        }

        #[pymethods]
        impl $class {
            #[new]
            fn new(codec: &str, sample_rate: u32, channels: u16) -> PyResult<Self> {
                let codec = ::mediacore::Codec::from_name(codec).map_err(media_err)?;
                let coder = $factory(codec, sample_rate, channels).map_err(media_err)?;
                Ok($class {
                    inner: Mutex::new(coder),
                })
            }

            /// The SDP encoding name of the codec.
            #[getter]
            fn codec(&mut self) -> &'static str {
                self.inner().codec().name()
            }

            #[doc = concat!($side, " sample rate in Hz.")]
            #[getter]
            fn sample_rate(&mut self) -> u32 {
                self.inner().sample_rate()
            }

            #[doc = concat!($side, " channels (interleaved).")]
            #[getter]
            fn channels(&mut self) -> u16 {
                self.inner().channels()
            }

            fn __repr__(&mut self) -> String {
                repr($py_name, self.inner())
            }

            $($methods)*
        }
    };
}

coder_class! {
    /// Encodes interleaved int16 PCM into codec payload.
    PyEncoder: "Encoder" over Encoder from ::mediacore::new_encoder, "Input";

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
}

coder_class! {
    /// Decodes codec payload into interleaved int16 PCM.
    PyDecoder: "Decoder" over Decoder from ::mediacore::new_decoder, "Output";

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
}
