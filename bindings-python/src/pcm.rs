//! Conversions between Python buffers and the slices the engine takes and gives.
//!
//! PCM comes in as `bytes`/`bytearray` of native-endian int16 or as any buffer whose items
//! are int16 (`array('h')`, numpy int16, `memoryview.cast('h')`), and goes out as
//! `array('h')` or, on request, a numpy int16 array viewing that array.

use std::borrow::Cow;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyType};

/// What PCM arguments accept, for error messages.
const PCM_EXPECTED: &str = "expected int16 PCM: bytes of native-endian int16, \
    or a buffer of int16 items such as array('h') or a numpy int16 array";

/// What payload and datagram arguments accept, for error messages.
const BYTES_EXPECTED: &str =
    "expected bytes, or a buffer of single-byte items such as bytearray or memoryview";

/// Buffer item formats (struct module syntax) that mean native-endian int16.
fn is_native_i16(format: &str) -> bool {
    match format {
        "h" | "@h" | "=h" => true,
        "<h" => cfg!(target_endian = "little"),
        ">h" | "!h" => cfg!(target_endian = "big"),
        _ => false,
    }
}

/// The Python type name of `obj`, for error messages.
fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}

/// Reads native-endian int16 samples from raw bytes.
fn samples_from_bytes(raw: &[u8]) -> PyResult<Vec<i16>> {
    if !raw.len().is_multiple_of(2) {
        return Err(PyValueError::new_err(format!(
            "PCM bytes must hold whole int16 samples; got {} bytes",
            raw.len()
        )));
    }
    Ok(raw
        .chunks_exact(2)
        .map(|pair| i16::from_ne_bytes([pair[0], pair[1]]))
        .collect())
}

/// A memoryview of `obj` and its item format; a TypeError saying `expected` if `obj` has
/// no buffer.
fn view_of<'py>(
    obj: &Bound<'py, PyAny>,
    expected: &str,
) -> PyResult<(Bound<'py, PyMemoryView>, String)> {
    let view = PyMemoryView::from(obj)
        .map_err(|_| PyTypeError::new_err(format!("{expected}; got {}", type_name(obj))))?;
    let format: String = view.getattr(intern!(obj.py(), "format"))?.extract()?;
    Ok((view, format))
}

/// The C-ordered contents of a memoryview as bytes.
fn view_bytes<'py>(view: &Bound<'py, PyMemoryView>) -> PyResult<Bound<'py, PyBytes>> {
    Ok(view
        .call_method0(intern!(view.py(), "tobytes"))?
        .cast_into::<PyBytes>()?)
}

/// Interleaved int16 samples from a PCM argument.
pub(crate) fn pcm_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Vec<i16>> {
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        return samples_from_bytes(bytes.as_bytes());
    }
    if let Ok(bytes) = obj.cast::<PyByteArray>() {
        return samples_from_bytes(&bytes.to_vec());
    }
    let (view, format) = view_of(obj, PCM_EXPECTED)?;
    if !is_native_i16(&format) {
        return Err(PyTypeError::new_err(format!(
            "{PCM_EXPECTED}; got {} with item format '{format}'",
            type_name(obj)
        )));
    }
    samples_from_bytes(view_bytes(&view)?.as_bytes())
}

/// Bytes from a payload or datagram argument; `bytes` is borrowed, anything else copied.
pub(crate) fn bytes_from_py<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(bytes.as_bytes()));
    }
    if let Ok(bytes) = obj.cast::<PyByteArray>() {
        return Ok(Cow::Owned(bytes.to_vec()));
    }
    let (view, format) = view_of(obj, BYTES_EXPECTED)?;
    if !matches!(format.as_str(), "B" | "b" | "c" | "@B" | "@b" | "=B" | "=b") {
        return Err(PyTypeError::new_err(format!(
            "{BYTES_EXPECTED}; got {} with item format '{format}'",
            type_name(obj)
        )));
    }
    Ok(Cow::Owned(view_bytes(&view)?.as_bytes().to_vec()))
}

/// Samples as a new `array('h')`, or as a numpy int16 array over it when `numpy` is set.
///
/// numpy is imported on first use only, so the module works without it.
pub(crate) fn pcm_to_py<'py>(
    py: Python<'py>,
    samples: &[i16],
    numpy: bool,
) -> PyResult<Bound<'py, PyAny>> {
    static ARRAY: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static FROMBUFFER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let raw = PyBytes::new_with(py, samples.len() * 2, |buf| {
        for (out, sample) in buf.chunks_exact_mut(2).zip(samples) {
            out.copy_from_slice(&sample.to_ne_bytes());
        }
        Ok(())
    })?;
    let array = ARRAY
        .import(py, "array", "array")?
        .call1((intern!(py, "h"), raw))?;
    if !numpy {
        return Ok(array);
    }
    FROMBUFFER
        .import(py, "numpy", "frombuffer")?
        .call1((array, intern!(py, "int16")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int16_formats_follow_the_native_byte_order() {
        assert!(is_native_i16("h"));
        assert!(is_native_i16("=h"));
        assert_eq!(is_native_i16("<h"), cfg!(target_endian = "little"));
        assert_eq!(is_native_i16(">h"), cfg!(target_endian = "big"));
        assert!(!is_native_i16("H"));
        assert!(!is_native_i16("i"));
        assert!(!is_native_i16("d"));
    }
}
