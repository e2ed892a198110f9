//! Opus settings as keyword arguments, and back as a dict.
//!
//! `Encoder`, `MediaSession` and `Transcoder` take `**opus`: keyword arguments named like the
//! fields of the core's [`OpusOptions`]. One left out (or `None`) keeps the engine's default;
//! [`OpusOptions::resolve`] fills in the defaults and refuses settings for another codec, and
//! the core checks the values when it builds the encoder.

use ::mediacore::Codec;
use ::mediacore::codec::opus::{OpusApplication, OpusConfig, OpusOptions};
use pyo3::conversion::FromPyObjectOwned;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::media_err;

/// The Opus settings that `kwargs` gives, resolved for a coder of `codec`; `frame_ms_set_by`
/// names the argument that sets the frame duration where `frame_ms` does not apply.
pub(crate) fn opus_config(
    kwargs: Option<&Bound<'_, PyDict>>,
    codec: Codec,
    frame_ms_set_by: Option<&str>,
) -> PyResult<OpusConfig> {
    let options = match kwargs {
        Some(kwargs) => opus_options(kwargs)?,
        None => OpusOptions::default(),
    };
    options.resolve(codec, frame_ms_set_by).map_err(media_err)
}

/// Reads keyword arguments into [`OpusOptions`]; an unknown keyword is a TypeError, as
/// Python raises for a named parameter.
fn opus_options(kwargs: &Bound<'_, PyDict>) -> PyResult<OpusOptions> {
    let mut options = OpusOptions::default();
    for (key, value) in kwargs {
        // Python passes keyword argument names as str.
        let key: String = key.extract()?;
        match key.as_str() {
            "application" => {
                options.application = argument::<String>(&key, &value)?
                    .map(|name| OpusApplication::from_name(&name))
                    .transpose()
                    .map_err(media_err)?;
            }
            "bitrate" => options.bitrate = argument(&key, &value)?,
            "complexity" => options.complexity = argument(&key, &value)?,
            "cbr" => options.cbr = argument(&key, &value)?,
            "inband_fec" => options.inband_fec = argument(&key, &value)?,
            "expected_loss_percent" => options.expected_loss_percent = argument(&key, &value)?,
            "frame_ms" => options.frame_ms = argument(&key, &value)?,
            _ => {
                let known = OpusOptions::from(OpusConfig::default()).given();
                return Err(PyTypeError::new_err(format!(
                    "unexpected keyword argument '{key}'; the Opus settings are {}",
                    known.join(", ")
                )));
            }
        }
    }
    Ok(options)
}

/// One keyword argument: `None` for `None`, else a `T`, or the extraction error naming `key`.
fn argument<'py, T>(key: &str, value: &Bound<'py, PyAny>) -> PyResult<Option<T>>
where
    T: FromPyObjectOwned<'py>,
{
    value.extract::<Option<T>>().map_err(|err| {
        let (py, err): (_, PyErr) = (value.py(), err.into());
        PyErr::from_type(
            err.get_type(py),
            format!("argument '{key}': {}", err.value(py)),
        )
    })
}

/// `config` as a dict keyed like the keyword arguments, in the core's field order.
pub(crate) fn settings_dict<'py>(
    py: Python<'py>,
    config: &OpusConfig,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("application", config.application.name())?;
    dict.set_item("bitrate", config.bitrate)?;
    dict.set_item("complexity", config.complexity)?;
    dict.set_item("cbr", config.cbr)?;
    dict.set_item("inband_fec", config.inband_fec)?;
    dict.set_item("expected_loss_percent", config.expected_loss_percent)?;
    dict.set_item("frame_ms", config.frame_ms)?;
    Ok(dict)
}
