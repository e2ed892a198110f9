//! Options objects (`SessionOptions`, `OpusOptions`, `PlayOptions`, `RecordOptions`, ...):
//! their own keys checked against the keys a parser knows, and each value read as the type
//! the option takes.
//!
//! Every parser reads its object the same way: `undefined` or `null` is no options, a key set
//! to `undefined` is left out, an unknown key is an error listing the known ones (so that a
//! typo does not pass silently), and a value of the wrong type is an error naming the option.

use core::time::Duration;

use js_sys::{Array, Object, Reflect};
use mediacore::Error;
use wasm_bindgen::{JsCast, JsValue};

use crate::args;

/// One option given: its key and value, and the name of its object for messages.
pub(crate) struct Opt<'a> {
    what: &'a str,
    /// The key, e.g. `maxDelayMs`.
    pub(crate) key: String,
    /// The value, never `undefined`.
    pub(crate) value: JsValue,
}

/// The options given in `value`, in the object's key order; `what` names the object in
/// messages ("session", "opus", ...). An error for a value that is not an object and for a
/// key not in `known`.
pub(crate) fn read<'a, K: AsRef<str>>(
    value: &JsValue,
    what: &'a str,
    known: &[K],
) -> Result<Vec<Opt<'a>>, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    if !value.is_object() {
        return Err(Error::InvalidArgument(format!(
            "{what} options {value:?} are not an object"
        )));
    }
    let mut out = Vec::new();
    for key in Object::keys(value.unchecked_ref::<Object>()) {
        let key = key.as_string().unwrap_or_default();
        // Reading an own data property cannot throw; a getter that throws reads as undefined.
        let v = Reflect::get(value, &JsValue::from_str(&key)).unwrap_or(JsValue::UNDEFINED);
        if v.is_undefined() {
            continue;
        }
        if !known.iter().any(|k| k.as_ref() == key) {
            let known: Vec<&str> = known.iter().map(AsRef::as_ref).collect();
            return Err(Error::InvalidArgument(format!(
                "{what} option {key:?} is not known; expected {}",
                known.join(", ")
            )));
        }
        out.push(Opt {
            what,
            key,
            value: v,
        });
    }
    Ok(out)
}

impl Opt<'_> {
    /// "{what} option {key} {value} is not {expected}".
    pub(crate) fn not(&self, expected: &str) -> Error {
        Error::InvalidArgument(format!(
            "{} option {} {:?} is not {expected}",
            self.what, self.key, self.value
        ))
    }

    /// Whether the value is `null` (an option that `null` turns off).
    pub(crate) fn is_null(&self) -> bool {
        self.value.is_null()
    }

    /// A number.
    pub(crate) fn number(&self) -> Result<f64, Error> {
        self.value.as_f64().ok_or_else(|| self.not("a number"))
    }

    /// A whole number in `0..=max`.
    pub(crate) fn integer<T>(&self, max: T) -> Result<T, Error>
    where
        T: Into<u64> + TryFrom<u64>,
    {
        args::integer(&self.key, self.number()?, max)
    }

    /// Whole milliseconds.
    pub(crate) fn millis(&self) -> Result<Duration, Error> {
        args::duration_ms(&self.key, self.number()?)
    }

    /// `null` (`None`) or whole milliseconds.
    pub(crate) fn millis_or_null(&self) -> Result<Option<Duration>, Error> {
        if self.is_null() {
            return Ok(None);
        }
        self.millis().map(Some)
    }

    /// A boolean.
    pub(crate) fn boolean(&self) -> Result<bool, Error> {
        self.value.as_bool().ok_or_else(|| self.not("a boolean"))
    }

    /// A string.
    pub(crate) fn string(&self) -> Result<String, Error> {
        self.value.as_string().ok_or_else(|| self.not("a string"))
    }

    /// An array of strings.
    pub(crate) fn strings(&self) -> Result<Vec<String>, Error> {
        if !Array::is_array(&self.value) {
            return Err(self.not("an array of strings"));
        }
        Array::from(&self.value)
            .iter()
            .map(|entry| {
                entry
                    .as_string()
                    .ok_or_else(|| self.not("an array of strings"))
            })
            .collect()
    }

    /// A plain object whose values are strings, as (key, value) pairs in key order.
    pub(crate) fn string_map(&self) -> Result<Vec<(String, String)>, Error> {
        if !self.value.is_object() || Array::is_array(&self.value) {
            return Err(self.not("an object of strings"));
        }
        Object::entries(self.value.unchecked_ref::<Object>())
            .iter()
            .map(|pair| {
                let pair = Array::from(&pair);
                match (pair.get(0).as_string(), pair.get(1).as_string()) {
                    (Some(key), Some(value)) => Ok((key, value)),
                    _ => Err(self.not("an object of strings")),
                }
            })
            .collect()
    }
}
