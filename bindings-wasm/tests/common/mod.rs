//! What the wasm-bindgen tests share: unwrapping binding results with the JS error's
//! message, reading properties of the objects the bindings return, and building the
//! option objects a page passes. Each test file uses part of it.
#![allow(dead_code)]

use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsError, JsValue};

/// One 20 ms tick of simulated time, in microseconds.
pub const TICK_US: f64 = 20_000.0;
/// `undefined`, for optional arguments left out.
pub const UNDEFINED: JsValue = JsValue::UNDEFINED;

/// The value, or a panic with the JS `Error`'s message.
pub fn ok<T>(result: Result<T, JsError>) -> T {
    result.unwrap_or_else(|err| panic!("{}", error_message(err)))
}

/// The message of a JS `Error` (or the value's debug form if it is none), as a binding call
/// throws it (`JsError`) or JS code does (`JsValue`).
pub fn error_message(err: impl Into<JsValue>) -> String {
    err.into()
        .dyn_into::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|v| format!("{v:?}"))
}

/// The message of the JS `Error` a binding call threw.
pub fn message<T>(result: Result<T, JsError>) -> String {
    match result {
        Ok(_) => panic!("expected the call to throw"),
        Err(err) => error_message(err),
    }
}

/// A property of an object.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).expect("object property")
}

/// A string property.
pub fn text(obj: &JsValue, key: &str) -> String {
    get(obj, key)
        .as_string()
        .unwrap_or_else(|| panic!("{key} is a string in {obj:?}"))
}

/// A number property.
pub fn number(obj: &JsValue, key: &str) -> f64 {
    get(obj, key)
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is a number in {obj:?}"))
}

/// A plain object with `fields`, as a page writes `{maxDigits: 4, ...}`.
pub fn options(fields: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    for (key, value) in fields {
        Reflect::set(&obj, &JsValue::from_str(key), value).expect("set");
    }
    obj.into()
}

/// Every value `poll` gives until `undefined`: a `pollEvent` drained, oldest first.
pub fn drain(mut poll: impl FnMut() -> JsValue) -> Vec<JsValue> {
    std::iter::from_fn(|| Some(poll()).filter(|v| !v.is_undefined())).collect()
}

/// The `{type, ...}` events of type `kind`.
pub fn events_of_type<'a>(events: &'a [JsValue], kind: &str) -> Vec<&'a JsValue> {
    events.iter().filter(|e| text(e, "type") == kind).collect()
}

/// `{type, ...}` events as (type, id) pairs, for playback events.
pub fn types_and_ids(events: &[JsValue]) -> Vec<(String, f64)> {
    events
        .iter()
        .map(|e| (text(e, "type"), number(e, "id")))
        .collect()
}

/// `new MediaSession("PCMU", seed, undefined, undefined, null, undefined, undefined, options)`:
/// no RTP timeout, the receive options (`SessionOptions`) given.
pub fn session_with(seed: u64, options: JsValue) -> Result<mediacore_wasm::MediaSession, JsError> {
    mediacore_wasm::MediaSession::new(
        "PCMU",
        seed.into(),
        None,
        None,
        JsValue::NULL,
        None,
        UNDEFINED,
        options,
    )
}

/// A PCMU session with `seed`, without the RTP timeout, RTCP or quality reports: only what
/// a test asks for happens.
pub fn quiet_session(seed: u64) -> mediacore_wasm::MediaSession {
    let quiet = options(&[("rtcp", false.into()), ("qualityIntervalMs", JsValue::NULL)]);
    ok(session_with(seed, quiet))
}
