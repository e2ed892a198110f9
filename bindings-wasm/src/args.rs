//! JS numbers and BigInts to the core's integer and time types; plain objects and camelCase
//! names out.
//!
//! JS has one number type; wasm-bindgen would silently wrap or truncate a number passed where
//! Rust takes an integer. Arguments are taken as `f64` instead and checked here, so that
//! `8000.5` Hz or `-1` channels is an error rather than a different value.

use core::time::Duration;

use js_sys::{Object, Reflect};
use mediacore::{Error, Instant};
use wasm_bindgen::JsValue;

/// The largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A non-negative whole number no larger than `max`, or an error naming the argument.
pub(crate) fn integer<T>(name: &str, value: f64, max: T) -> Result<T, Error>
where
    T: Into<u64> + TryFrom<u64>,
{
    let max = max.into().min(MAX_SAFE_INTEGER as u64);
    let in_range = value.is_finite() && value.fract() == 0.0 && value >= 0.0;
    // `value` is whole and non-negative, so the cast is exact up to 2^53 and `max` caps it.
    in_range
        .then_some(value as u64)
        .filter(|&n| n <= max)
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| {
            Error::InvalidArgument(format!("{name} {value} is not a whole number in 0..={max}"))
        })
}

/// A time argument: microseconds on the caller's clock, rounded down to a whole microsecond.
pub(crate) fn instant(now_us: f64) -> Result<Instant, Error> {
    if now_us.is_finite() && now_us >= 0.0 {
        // `as` saturates; a finite non-negative f64 floors to the nearest u64 at or below it.
        Ok(Instant::from_micros(now_us as u64))
    } else {
        Err(Error::InvalidArgument(format!(
            "nowUs {now_us} is not a finite, non-negative number of microseconds"
        )))
    }
}

/// An instant as JS microseconds (exact below 2^53 µs, about 285 years).
pub(crate) fn micros(at: Instant) -> f64 {
    at.as_micros() as f64
}

/// A duration as JS milliseconds, with the sub-millisecond part as a fraction.
pub(crate) fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A whole number of milliseconds as a duration.
pub(crate) fn duration_ms(name: &str, value: f64) -> Result<Duration, Error> {
    integer(name, value, u64::MAX).map(Duration::from_millis)
}

/// The session seed: `undefined`/`null` (0), a BigInt in `0..2^64`, or a safe-integer number.
pub(crate) fn seed(value: &JsValue) -> Result<u64, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(0);
    }
    if value.is_bigint() {
        return u64::try_from(value.clone()).map_err(|_| {
            Error::InvalidArgument(format!(
                "seed {value:?} is out of range; expected a BigInt in 0n..2n**64n"
            ))
        });
    }
    match value.as_f64() {
        Some(n) => integer("seed", n, u64::MAX),
        None => Err(Error::InvalidArgument(format!(
            "seed {value:?} is not a BigInt or a number"
        ))),
    }
}

/// A count (`u64`) as a JS number; exact below 2^53.
pub(crate) fn count(n: u64) -> f64 {
    n as f64
}

/// A plain object holding `fields`.
pub(crate) fn object<K: AsRef<str>>(fields: impl IntoIterator<Item = (K, JsValue)>) -> JsValue {
    let obj = Object::new();
    for (key, value) in fields {
        // Defining a string-keyed data property on a fresh ordinary object cannot throw.
        let _ = Reflect::set(&obj, &JsValue::from_str(key.as_ref()), &value);
    }
    obj.into()
}

/// A core field name in JS spelling: `packets_received` becomes `packetsReceived`.
pub(crate) fn camel_case(snake: &str) -> String {
    let mut words = snake.split('_');
    let mut out = String::from(words.next().unwrap_or_default());
    for word in words {
        let mut chars = word.chars();
        out.extend(chars.next().map(|c| c.to_ascii_uppercase()));
        out.push_str(chars.as_str());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_must_be_whole_and_in_range() {
        assert_eq!(integer("sampleRate", 8000.0, u32::MAX), Ok(8000));
        assert_eq!(integer("payloadType", 255.0, u8::MAX), Ok(255));
        assert_eq!(
            integer("payloadType", 256.0, u8::MAX)
                .unwrap_err()
                .to_string(),
            "invalid argument: payloadType 256 is not a whole number in 0..=255"
        );
        assert_eq!(
            integer("sampleRate", 8000.5, u32::MAX)
                .unwrap_err()
                .to_string(),
            "invalid argument: sampleRate 8000.5 is not a whole number in 0..=4294967295"
        );
        assert!(integer("channels", -1.0, u16::MAX).is_err());
        assert!(integer("channels", f64::NAN, u16::MAX).is_err());
        assert!(integer("seed", 2f64.powi(53), u64::MAX).is_err());
        assert_eq!(
            integer("seed", MAX_SAFE_INTEGER, u64::MAX),
            Ok((1 << 53) - 1)
        );
    }

    #[test]
    fn snake_case_names_become_camel_case() {
        assert_eq!(camel_case("packets_received"), "packetsReceived");
        assert_eq!(
            camel_case("playout_samples_dropped"),
            "playoutSamplesDropped"
        );
        assert_eq!(camel_case("ssrc"), "ssrc");
    }

    #[test]
    fn time_is_floored_microseconds() {
        assert_eq!(instant(1500.9), Ok(Instant::from_micros(1500)));
        assert_eq!(instant(0.0), Ok(Instant::ZERO));
        assert!(instant(-1.0).is_err());
        assert!(instant(f64::INFINITY).is_err());
        assert_eq!(micros(Instant::from_millis(20)), 20_000.0);
        assert_eq!(millis(Duration::from_micros(30_500)), 30.5);
    }
}
