//! What the wasm-bindgen tests share: unwrapping binding results with the JS error's
//! message, reading properties of the objects the bindings return, and building the
//! option objects a page passes. Each test file uses part of it.
#![allow(dead_code)]

use std::f64::consts::PI;

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

/// `ms` of a `hz` tone at `rate`, from sample `start` of the tone on.
pub fn sine(hz: f64, ms: usize, rate: usize, amplitude: f64, start: usize) -> Vec<i16> {
    (start..start + ms * rate / 1000)
        .map(|n| ((2.0 * PI * hz * n as f64 / rate as f64).sin() * amplitude) as i16)
        .collect()
}

/// Amplitude of `x` at `hz` (one DFT bin).
pub fn tone_level(x: &[i16], hz: f64, rate: f64) -> f64 {
    let (mut re, mut im) = (0.0, 0.0);
    for (n, &s) in x.iter().enumerate() {
        let phase = 2.0 * PI * hz * n as f64 / rate;
        re += f64::from(s) * phase.cos();
        im -= f64::from(s) * phase.sin();
    }
    2.0 * re.hypot(im) / x.len() as f64
}

/// A RIFF WAVE file's chunks as (id, body), after checking the RIFF header and its size.
pub fn wav_chunks(file: &[u8]) -> Vec<([u8; 4], &[u8])> {
    assert_eq!(&file[..4], b"RIFF");
    assert_eq!(&file[8..12], b"WAVE");
    let riff_size = u32::from_le_bytes(file[4..8].try_into().unwrap()) as usize;
    assert_eq!(riff_size + 8, file.len(), "the RIFF size covers the file");
    let mut chunks = Vec::new();
    let mut at = 12;
    while at + 8 <= file.len() {
        let id: [u8; 4] = file[at..at + 4].try_into().unwrap();
        let size = u32::from_le_bytes(file[at + 4..at + 8].try_into().unwrap()) as usize;
        chunks.push((id, &file[at + 8..at + 8 + size]));
        at += 8 + size + size % 2;
    }
    chunks
}

/// A 16-bit PCM WAV's channels, rate, interleaved samples and `LIST` chunk.
pub fn read_wav(file: &[u8]) -> (u16, u32, Vec<i16>, Vec<u8>) {
    let chunks = wav_chunks(file);
    let chunk = |id: &[u8; 4]| {
        chunks
            .iter()
            .find(|(c, _)| c == id)
            .map(|(_, body)| *body)
            .unwrap_or_else(|| panic!("a {} chunk", String::from_utf8_lossy(id)))
    };
    let fmt = chunk(b"fmt ");
    let u16_at = |i: usize| u16::from_le_bytes([fmt[i], fmt[i + 1]]);
    assert_eq!((u16_at(0), u16_at(14)), (1, 16), "PCM, 16 bits");
    let rate = u32::from_le_bytes(fmt[4..8].try_into().unwrap());
    let samples = chunk(b"data")
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    (u16_at(2), rate, samples, chunk(b"LIST").to_vec())
}

/// The root mean square of `pcm` (0 for none).
pub fn rms(pcm: &[i16]) -> f64 {
    if pcm.is_empty() {
        return 0.0;
    }
    (pcm.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / pcm.len() as f64).sqrt()
}
