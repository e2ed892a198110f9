//! `Encoder` and `Decoder`: one codec instance each, built from an SDP encoding name.

use std::sync::{Mutex, PoisonError};

use ::mediacore::{Codec, CodecInfo};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::media_err;
use crate::opus::{AnyDecoder, AnyEncoder, OpusArgs, config_dict, config_kwargs};
use crate::pcm::{bytes_from_py, pcm_from_py, pcm_to_py};

/// `Name('PCMU', 8000, 1`: the start of the constructor call that builds an equal coder.
fn repr_args(class: &str, coder: &dyn CodecInfo) -> String {
    format!(
        "{class}('{}', {}, {}",
        coder.codec().name(),
        coder.sample_rate(),
        coder.channels()
    )
}

/// Writes a class over one core coder (an [`AnyEncoder`] or [`AnyDecoder`]) with the
/// `codec`/`sample_rate`/`channels` getters that [`CodecInfo`] answers for both directions,
/// followed by the class's own methods. pyo3 takes one `#[pymethods]` block per class, so the
/// whole class comes out of the macro.
macro_rules! coder_class {
    (
        $(#[$meta:meta])*
        $class:ident: $py_name:literal over $any:ident, $side:literal;
        $($methods:tt)*
    ) => {
        $(#[$meta])*
        // The Mutex only makes the class `Sync`; pyo3's borrow checking already gives each
        // call exclusive access, so it is reached through `get_mut` and never locked.
        #[pyclass(module = "mediacore", name = $py_name)]
        pub struct $class {
            inner: Mutex<$any>,
        }

        impl $class {
            fn inner(&mut self) -> &mut $any {
                self.inner.get_mut().unwrap_or_else(PoisonError::into_inner)
            }
        }

        #[pymethods]
        impl $class {
            /// The SDP encoding name of the codec.
            #[getter]
            fn codec(&mut self) -> &'static str {
                self.inner().info().codec().name()
            }

            #[doc = concat!($side, " sample rate in Hz.")]
            #[getter]
            fn sample_rate(&mut self) -> u32 {
                self.inner().info().sample_rate()
            }

            #[doc = concat!($side, " channels (interleaved).")]
            #[getter]
            fn channels(&mut self) -> u16 {
                self.inner().info().channels()
            }

            $($methods)*
        }
    };
}

coder_class! {
    /// Encodes interleaved int16 PCM into codec payload.
    PyEncoder: "Encoder" over AnyEncoder, "Input";

    /// An encoder for an SDP encoding name; the keyword arguments set the Opus encoder and
    /// keep the core's defaults (see `opus_settings`) where not given.
    #[new]
    #[pyo3(signature = (
        codec, sample_rate, channels, *, bitrate = None, complexity = None, cbr = None,
        inband_fec = None, expected_loss_percent = None, frame_ms = None, application = None
    ))]
    #[allow(clippy::too_many_arguments)] // one keyword argument per OpusConfig field
    fn new(
        codec: &str,
        sample_rate: u32,
        channels: u16,
        bitrate: Option<u32>,
        complexity: Option<u8>,
        cbr: Option<bool>,
        inband_fec: Option<bool>,
        expected_loss_percent: Option<u8>,
        frame_ms: Option<u8>,
        application: Option<&str>,
    ) -> PyResult<Self> {
        let codec = Codec::from_name(codec).map_err(media_err)?;
        let opus = OpusArgs {
            application,
            bitrate,
            complexity,
            cbr,
            inband_fec,
            expected_loss_percent,
            frame_ms,
        }
        .config(codec)
        .map_err(media_err)?;
        let coder = AnyEncoder::new(codec, sample_rate, channels, opus).map_err(media_err)?;
        Ok(PyEncoder {
            inner: Mutex::new(coder),
        })
    }

    /// The Opus settings in force as a dict of the keyword arguments, or None for another
    /// codec.
    #[getter]
    fn opus_settings<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.inner()
            .opus_config()
            .map(|config| config_dict(py, config))
            .transpose()
    }

    /// Encodes interleaved int16 samples and returns the payload.
    fn encode<'py>(
        &mut self,
        py: Python<'py>,
        pcm: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let samples = pcm_from_py(pcm)?;
        let encoder = self.inner().coder();
        let mut out = vec![0u8; encoder.max_payload_len(samples.len())];
        let len = encoder.encode(&samples, &mut out).map_err(media_err)?;
        Ok(PyBytes::new(py, &out[..len]))
    }

    fn __repr__(&mut self) -> String {
        let inner = self.inner();
        let start = repr_args("Encoder", inner.info());
        match inner.opus_config() {
            Some(config) => format!("{start}, {})", config_kwargs(config)),
            None => format!("{start})"),
        }
    }
}

coder_class! {
    /// Decodes codec payload into interleaved int16 PCM.
    PyDecoder: "Decoder" over AnyDecoder, "Output";

    /// A decoder for an SDP encoding name.
    #[new]
    fn new(codec: &str, sample_rate: u32, channels: u16) -> PyResult<Self> {
        let codec = Codec::from_name(codec).map_err(media_err)?;
        let coder = AnyDecoder::new(codec, sample_rate, channels).map_err(media_err)?;
        Ok(PyDecoder {
            inner: Mutex::new(coder),
        })
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
        let decoder = self.inner().coder();
        let mut out = vec![0i16; decoder.max_decoded_len(payload.len())];
        let len = decoder.decode(&payload, &mut out).map_err(media_err)?;
        pcm_to_py(py, &out[..len], numpy)
    }

    /// Opus only: `samples_per_channel` samples in place of a lost packet, extrapolated by
    /// the decoder's packet loss concealment.
    #[pyo3(signature = (samples_per_channel, *, numpy = false))]
    fn conceal<'py>(
        &mut self,
        py: Python<'py>,
        samples_per_channel: usize,
        numpy: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let decoder = self.inner().opus("conceal").map_err(media_err)?;
        // Room for the longest concealment; the core checks the duration.
        let mut out = vec![0i16; ::mediacore::Decoder::max_decoded_len(decoder, 1)];
        let len = decoder
            .conceal(samples_per_channel, &mut out)
            .map_err(media_err)?;
        pcm_to_py(py, &out[..len], numpy)
    }

    /// Opus only: rebuilds a lost packet of `samples_per_channel` samples from the in-band
    /// FEC in `next_payload`, the packet after the loss (decode that one afterwards).
    #[pyo3(signature = (next_payload, samples_per_channel, *, numpy = false))]
    fn decode_fec<'py>(
        &mut self,
        py: Python<'py>,
        next_payload: &Bound<'py, PyAny>,
        samples_per_channel: usize,
        numpy: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let next_payload = bytes_from_py(next_payload)?;
        let decoder = self.inner().opus("decode_fec").map_err(media_err)?;
        let mut out = vec![0i16; ::mediacore::Decoder::max_decoded_len(decoder, 1)];
        let len = decoder
            .decode_fec(&next_payload, samples_per_channel, &mut out)
            .map_err(media_err)?;
        pcm_to_py(py, &out[..len], numpy)
    }

    fn __repr__(&mut self) -> String {
        format!("{})", repr_args("Decoder", self.inner().info()))
    }
}
