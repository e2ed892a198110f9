//! `Encoder` and `Decoder`: one codec instance each, built from an SDP encoding name.

use std::sync::{Mutex, PoisonError};

use ::mediacore::codec::new_encoder_with;
use ::mediacore::codec::opus::OpusConfig;
use ::mediacore::{Codec, CodecInfo, Decoder, Encoder};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::media_err;
use crate::opus::{opus_config, settings_dict};
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

/// Room for the `samples_per_channel` samples `decoder` makes up for a lost packet: what is
/// asked for, up to 120 ms at 48 kHz in stereo (the longest Opus packet, RFC 6716 §3.2.5, and
/// the longest concealment of any codec); the core refuses a longer duration itself.
fn concealment_room(decoder: &dyn Decoder, samples_per_channel: usize) -> usize {
    const MOST: usize = 48_000 * 120 / 1000 * 2;
    samples_per_channel
        .saturating_mul(usize::from(decoder.channels()))
        .min(MOST)
}

/// Writes a class over one core coder (a `Box<dyn Encoder>` or `Box<dyn Decoder>`, with any
/// further fields the class keeps) with the `codec`/`sample_rate`/`channels` getters that
/// [`CodecInfo`] answers for both directions, followed by the class's own methods. pyo3 takes
/// one `#[pymethods]` block per class, so the whole class comes out of the macro.
macro_rules! coder_class {
    (
        $(#[$meta:meta])*
        $class:ident: $py_name:literal over $coder:ident, $side:literal {
            $($(#[$field_meta:meta])* $field:ident: $field_ty:ty),*
        }
        $($methods:tt)*
    ) => {
        $(#[$meta])*
        // The Mutex only makes the class `Sync`; pyo3's borrow checking already gives each
        // call exclusive access, so it is reached through `get_mut` and never locked.
        #[pyclass(module = "mediacore", name = $py_name)]
        pub struct $class {
            inner: Mutex<Box<dyn $coder>>,
            $($(#[$field_meta])* $field: $field_ty,)*
        }

        impl $class {
            fn inner(&mut self) -> &mut dyn $coder {
                self.inner
                    .get_mut()
                    .unwrap_or_else(PoisonError::into_inner)
                    .as_mut()
            }
        }

        #[pymethods]
        impl $class {
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

            $($methods)*
        }
    };
}

coder_class! {
    /// Encodes interleaved int16 PCM into codec payload.
    PyEncoder: "Encoder" over Encoder, "Input" {
        /// The Opus settings in force, for an Opus encoder.
        opus: Option<OpusConfig>
    }

    /// An encoder for an SDP encoding name; the keyword arguments set the Opus encoder and
    /// keep the core's defaults (see `opus_settings`) where not given.
    #[new]
    #[pyo3(signature = (codec, sample_rate, channels, **opus))]
    fn new(
        codec: &str,
        sample_rate: u32,
        channels: u16,
        opus: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let codec = Codec::from_name(codec).map_err(media_err)?;
        let config = opus_config(opus, codec, None)?;
        let coder = new_encoder_with(codec, sample_rate, channels, config).map_err(media_err)?;
        Ok(PyEncoder {
            inner: Mutex::new(coder),
            opus: (codec == Codec::Opus).then_some(config),
        })
    }

    /// The Opus settings in force as a dict of the keyword arguments, or None for another
    /// codec.
    #[getter]
    fn opus_settings<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.opus
            .as_ref()
            .map(|config| settings_dict(py, config))
            .transpose()
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

    fn __repr__(&mut self, py: Python<'_>) -> PyResult<String> {
        let mut repr = repr_args("Encoder", self.inner());
        if let Some(config) = &self.opus {
            for (key, value) in settings_dict(py, config)? {
                repr.push_str(&format!(", {key}={}", value.repr()?));
            }
        }
        repr.push(')');
        Ok(repr)
    }
}

coder_class! {
    /// Decodes codec payload into interleaved int16 PCM.
    PyDecoder: "Decoder" over Decoder, "Output" {}

    /// A decoder for an SDP encoding name.
    #[new]
    fn new(codec: &str, sample_rate: u32, channels: u16) -> PyResult<Self> {
        let codec = Codec::from_name(codec).map_err(media_err)?;
        let coder = ::mediacore::new_decoder(codec, sample_rate, channels).map_err(media_err)?;
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
        let decoder = self.inner();
        let mut out = vec![0i16; decoder.max_decoded_len(payload.len())];
        let len = decoder.decode(&payload, &mut out).map_err(media_err)?;
        pcm_to_py(py, &out[..len], numpy)
    }

    /// `samples_per_channel` samples in place of a lost packet, extrapolated by the
    /// decoder's loss concealment; MediaError for a codec without.
    #[pyo3(signature = (samples_per_channel, *, numpy = false))]
    fn conceal<'py>(
        &mut self,
        py: Python<'py>,
        samples_per_channel: usize,
        numpy: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let decoder = self.inner();
        let mut out = vec![0i16; concealment_room(decoder, samples_per_channel)];
        let len = decoder
            .conceal(samples_per_channel, &mut out)
            .map_err(media_err)?;
        pcm_to_py(py, &out[..len], numpy)
    }

    /// Rebuilds a lost packet of `samples_per_channel` samples from the in-band FEC in
    /// `next_payload`, the packet after the loss (decode that one afterwards); MediaError for
    /// a codec without in-band FEC (all but Opus).
    #[pyo3(signature = (next_payload, samples_per_channel, *, numpy = false))]
    fn decode_fec<'py>(
        &mut self,
        py: Python<'py>,
        next_payload: &Bound<'py, PyAny>,
        samples_per_channel: usize,
        numpy: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let next_payload = bytes_from_py(next_payload)?;
        let decoder = self.inner();
        let mut out = vec![0i16; concealment_room(decoder, samples_per_channel)];
        let len = decoder
            .decode_fec(&next_payload, samples_per_channel, &mut out)
            .map_err(media_err)?;
        pcm_to_py(py, &out[..len], numpy)
    }

    fn __repr__(&mut self) -> String {
        format!("{})", repr_args("Decoder", self.inner()))
    }
}
