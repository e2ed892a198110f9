//! The binding's classes as a page uses them: codecs, errors and two sessions in a call.
//!
//! One test binary for both hosts: wasm-bindgen-test-runner runs it in node by default and
//! in headless Chromium with `WASM_BINDGEN_USE_BROWSER=1` (see `scripts/test-wasm.sh`).
#![cfg(target_arch = "wasm32")]

use js_sys::Reflect;
use mediacore::codec::g711;
use mediacore::{Codec, SessionConfig};
use mediacore_wasm::{Decoder, Encoder, MediaSession};
use wasm_bindgen::{JsCast, JsError, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// 20 ms at 8 kHz.
const FRAME: usize = 160;
const TICK_US: f64 = 20_000.0;
const UNDEFINED: JsValue = JsValue::UNDEFINED;

/// A phase-continuous 1 kHz tone at 8 kHz, `len` samples starting at sample `start`.
fn tone(start: usize, len: usize) -> Vec<i16> {
    (start..start + len)
        .map(|i| {
            let phase = 2.0 * core::f64::consts::PI * 1000.0 * i as f64 / 8000.0;
            (phase.sin() * 8000.0 + 1000.0 * (0.37 * i as f64).sin()) as i16
        })
        .collect()
}

/// The message of the JS `Error` a binding call threw.
fn message<T>(result: Result<T, JsError>) -> String {
    let Err(err) = result else {
        panic!("expected the call to throw");
    };
    let value = JsValue::from(err);
    let error = value
        .dyn_into::<js_sys::Error>()
        .expect("thrown value is a JS Error");
    error.message().into()
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).expect("object property")
}

fn get_f64(obj: &JsValue, key: &str) -> f64 {
    get(obj, key)
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is a number"))
}

/// `new MediaSession(codec, seed, payloadType, ptimeMs, rtpTimeoutMs)`: the arguments a page
/// passes for a G.711 session, the sample rate and Opus options left out.
fn new_session(
    codec: &str,
    seed: JsValue,
    payload_type: Option<f64>,
    ptime_ms: Option<f64>,
    rtp_timeout_ms: JsValue,
) -> Result<MediaSession, JsError> {
    MediaSession::new(
        codec,
        seed,
        payload_type,
        ptime_ms,
        rtp_timeout_ms,
        None,
        UNDEFINED,
        UNDEFINED,
    )
}

/// A PCMU session with `seed` and `rtp_timeout_ms` as a page passes them, the rest left out.
fn pcmu_session(seed: JsValue, rtp_timeout_ms: JsValue) -> MediaSession {
    new_session("PCMU", seed, None, None, rtp_timeout_ms)
        .unwrap_or_else(|_| panic!("PCMU session builds"))
}

fn session(seed: u64) -> MediaSession {
    pcmu_session(JsValue::from(seed), JsValue::UNDEFINED)
}

fn encoder(codec: &str, channels: f64) -> Encoder {
    Encoder::new(codec, 8000.0, channels, JsValue::UNDEFINED)
        .unwrap_or_else(|_| panic!("{codec} encoder"))
}

fn decoder(codec: &str, channels: f64) -> Decoder {
    Decoder::new(codec, 8000.0, channels).unwrap_or_else(|_| panic!("{codec} decoder"))
}

/// Checks that `pcm` encodes to the core law's codes and decodes to their levels.
fn assert_round_trip(
    mut enc: Encoder,
    mut dec: Decoder,
    pcm: &[i16],
    encode: fn(i16) -> u8,
    decode: fn(u8) -> i16,
) {
    let payload = enc.encode(pcm).unwrap_or_else(|_| panic!("encode"));
    let expected: Vec<u8> = pcm.iter().map(|&s| encode(s)).collect();
    assert_eq!(payload, expected);
    let decoded = dec.decode(&payload).unwrap_or_else(|_| panic!("decode"));
    let quantised: Vec<i16> = expected.iter().map(|&c| decode(c)).collect();
    assert_eq!(decoded, quantised);
}

#[wasm_bindgen_test]
fn pcmu_round_trip_is_g711_quantisation() {
    let (enc, dec) = (encoder("pcmu", 1.0), decoder("PCMU", 1.0));
    assert_eq!(enc.codec(), "PCMU");
    assert_eq!((enc.sample_rate(), enc.channels()), (8000, 1));
    assert_eq!(
        (dec.codec(), dec.sample_rate(), dec.channels()),
        ("PCMU".into(), 8000, 1)
    );
    let pcm = tone(0, 4 * FRAME);
    assert_round_trip(enc, dec, &pcm, g711::linear_to_ulaw, g711::ulaw_to_linear);
}

#[wasm_bindgen_test]
fn pcma_round_trip_is_g711_quantisation() {
    let (enc, dec) = (encoder("PCMA", 1.0), decoder("pcma", 1.0));
    let pcm = tone(7, 3 * FRAME);
    assert_round_trip(enc, dec, &pcm, g711::linear_to_alaw, g711::alaw_to_linear);
}

#[wasm_bindgen_test]
fn silence_encodes_to_the_known_codes() {
    let (mut pcmu, mut pcma) = (encoder("PCMU", 1.0), encoder("PCMA", 1.0));
    assert_eq!(pcmu.encode(&[0, 0]).ok(), Some(vec![0xFF, 0xFF]));
    assert_eq!(pcma.encode(&[0]).ok(), Some(vec![0xD5]));
    assert_eq!(pcmu.encode(&[]).ok(), Some(vec![]));
}

#[wasm_bindgen_test]
fn stereo_keeps_interleaving() {
    let (enc, dec) = (encoder("PCMU", 2.0), decoder("PCMU", 2.0));
    assert_eq!((enc.channels(), dec.channels()), (2, 2));
    let pcm = tone(0, 2 * FRAME);
    assert_round_trip(enc, dec, &pcm, g711::linear_to_ulaw, g711::ulaw_to_linear);
}

#[wasm_bindgen_test]
fn core_errors_are_thrown_with_the_core_message() {
    let unknown = Codec::from_name("G729").unwrap_err().to_string();
    assert_eq!(
        unknown,
        "codec \"G729\" is not supported; supported codecs are PCMU, PCMA, G722, opus, L16, CN"
    );
    assert_eq!(
        message(Encoder::new("G729", 8000.0, 1.0, JsValue::UNDEFINED)),
        unknown
    );
    assert_eq!(message(Decoder::new("G729", 8000.0, 1.0)), unknown);
    assert_eq!(
        message(new_session("G729", UNDEFINED, None, None, UNDEFINED)),
        unknown
    );

    let wrong_rate = mediacore::new_encoder(Codec::Pcmu, 16_000, 1)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        wrong_rate.as_deref(),
        Some("PCMU does not run at 16000 Hz; supported rates: 8000")
    );
    assert_eq!(
        Some(message(Encoder::new(
            "PCMU",
            16_000.0,
            1.0,
            JsValue::UNDEFINED
        ))),
        wrong_rate
    );
    assert_eq!(
        Some(message(Decoder::new("PCMU", 16_000.0, 1.0))),
        wrong_rate
    );

    let three = mediacore::new_decoder(Codec::Pcma, 8000, 3)
        .err()
        .map(|e| e.to_string());
    assert_eq!(Some(message(Decoder::new("PCMA", 8000.0, 3.0))), three);

    // Two channels cannot decode an odd payload; the decoder stays usable.
    let mut dec = decoder("PCMU", 2.0);
    let mut core_dec = mediacore::new_decoder(Codec::Pcmu, 8000, 2).expect("core decoder");
    let core_err = core_dec.decode(&[0xFF; 3], &mut [0; 8]).unwrap_err();
    assert_eq!(message(dec.decode(&[0xFF; 3])), core_err.to_string());
    assert_eq!(dec.decode(&[0xFF; 4]).ok(), Some(vec![0; 4]));
}

#[wasm_bindgen_test]
fn js_numbers_that_are_not_the_integer_asked_for_are_rejected() {
    assert_eq!(
        message(Encoder::new("PCMU", 8000.5, 1.0, JsValue::UNDEFINED)),
        "invalid argument: sampleRate 8000.5 is not a whole number in 0..=4294967295"
    );
    assert_eq!(
        message(Decoder::new("PCMU", 8000.0, 65_537.0)),
        "invalid argument: channels 65537 is not a whole number in 0..=65535"
    );
    assert_eq!(
        message(Encoder::new("PCMU", 8000.0, -1.0, JsValue::UNDEFINED)),
        "invalid argument: channels -1 is not a whole number in 0..=65535"
    );
    let mut s = session(1);
    assert_eq!(
        message(s.handle_rtp(f64::NAN, &[])),
        "invalid argument: nowUs NaN is not a finite, non-negative number of microseconds"
    );
    assert!(s.pull_playout(-1.0).is_err());
    // Fractions of a microsecond round down rather than fail: `performance.now() * 1000`.
    assert_eq!(s.pull_playout(1500.75).ok().map(|p| p.len()), Some(FRAME));
    assert_eq!(s.poll_timeout(), Some(1500.0 + TICK_US));
}

#[wasm_bindgen_test]
fn session_options_and_seeds() {
    let by_bigint = session(42);
    let by_number = pcmu_session(JsValue::from(42.0), JsValue::UNDEFINED);
    assert_eq!(by_bigint.local_ssrc(), by_number.local_ssrc());
    assert_ne!(by_bigint.local_ssrc(), session(43).local_ssrc());
    let by_default = pcmu_session(JsValue::UNDEFINED, JsValue::NULL);
    assert_eq!(by_default.local_ssrc(), session(0).local_ssrc());
    assert_eq!(
        (
            by_default.sample_rate(),
            by_default.frame_samples(),
            by_default.payload_type()
        ),
        (8000, FRAME, 0)
    );

    for bad in [
        JsValue::from(-1.0),
        JsValue::from(1.5),
        JsValue::from_str("7"),
    ] {
        let m = message(new_session("PCMU", bad, None, None, UNDEFINED));
        assert!(m.starts_with("invalid argument: seed "), "{m}");
    }
    let big = js_sys::BigInt::from(u64::MAX);
    assert!(new_session("PCMU", big.into(), None, None, UNDEFINED).is_ok());
    let too_big = js_sys::BigInt::from(u64::MAX) + js_sys::BigInt::from(1u64);
    assert!(new_session("PCMU", too_big.into(), None, None, UNDEFINED).is_err());

    let custom = new_session("PCMA", UNDEFINED, Some(96.0), Some(30.0), 5000.into())
        .unwrap_or_else(|_| panic!("custom session"));
    assert_eq!((custom.payload_type(), custom.frame_samples()), (96, 240));
    assert_eq!(
        new_session("PCMA", UNDEFINED, None, None, UNDEFINED)
            .map(|s| s.payload_type())
            .ok(),
        Some(8)
    );

    let core_ptime = mediacore::MediaSession::new(SessionConfig {
        ptime: core::time::Duration::from_millis(25),
        ..SessionConfig::new(Codec::Pcmu)
    })
    .unwrap_err()
    .to_string();
    let m = message(new_session("PCMU", UNDEFINED, None, Some(25.0), UNDEFINED));
    assert_eq!(m, core_ptime);
    let core_pt = mediacore::MediaSession::new(SessionConfig {
        payload_type: Some(200),
        ..SessionConfig::new(Codec::Pcmu)
    })
    .unwrap_err()
    .to_string();
    let m = message(new_session("PCMU", UNDEFINED, Some(200.0), None, UNDEFINED));
    assert_eq!(m, core_pt);
    let timeout = JsValue::from_str("1s");
    let m = message(new_session("PCMU", UNDEFINED, None, None, timeout));
    assert!(m.starts_with("invalid argument: rtpTimeoutMs "), "{m}");
}

/// A sends a tone to B for `ticks` frames; returns what B played.
fn call(a: &mut MediaSession, b: &mut MediaSession, start_tick: usize, ticks: usize) -> Vec<i16> {
    let mut heard = Vec::new();
    for tick in start_tick..start_tick + ticks {
        let now = tick as f64 * TICK_US;
        a.push_capture(now, &tone(tick * FRAME, FRAME))
            .unwrap_or_else(|_| panic!("push_capture"));
        while let Some(datagram) = a
            .poll_transmit(now)
            .unwrap_or_else(|_| panic!("poll_transmit"))
        {
            b.handle_rtp(now, &datagram)
                .unwrap_or_else(|_| panic!("handle_rtp"));
        }
        let frame = b
            .pull_playout(now)
            .unwrap_or_else(|_| panic!("pull_playout"));
        assert_eq!(frame.len(), b.frame_samples());
        heard.extend(frame);
    }
    heard
}

/// Checks that `heard` is silence and then A's tone through G.711 µ-law, from its start.
fn assert_hears_tone(heard: &[i16], min_frames: usize) {
    let start = heard
        .chunks(FRAME)
        .position(|f| f.iter().any(|&s| s != 0))
        .expect("B hears audio")
        * FRAME;
    let expected: Vec<i16> = tone(0, heard.len() - start)
        .iter()
        .map(|&s| g711::ulaw_to_linear(g711::linear_to_ulaw(s)))
        .collect();
    assert!(
        heard.len() - start >= min_frames * FRAME,
        "heard {} samples",
        heard.len() - start
    );
    assert_eq!(&heard[start..], &expected[..]);
}

#[wasm_bindgen_test]
fn two_sessions_hear_each_other() {
    let mut a = session(1);
    let mut b = session(2);
    assert_ne!(a.local_ssrc(), b.local_ssrc());

    assert_eq!((a.codec(), b.remote_ssrc()), ("PCMU".to_owned(), None));
    let heard = call(&mut a, &mut b, 0, 6);
    assert_eq!(b.remote_ssrc(), Some(a.local_ssrc()));
    assert_eq!(a.remote_ssrc(), None);
    // Playout starts once the jitter buffer holds its initial delay (2 or 3 frames).
    assert_hears_tone(&heard, 3);

    let event = b.poll_event();
    assert_eq!(
        get(&event, "type").as_string().as_deref(),
        Some("remote_source_started")
    );
    assert_eq!(get_f64(&event, "ssrc"), f64::from(a.local_ssrc()));
    assert!(b.poll_event().is_undefined());
    assert!(a.poll_event().is_undefined());

    let (sa, sb) = (a.stats(), b.stats());
    assert_eq!(get_f64(&sa, "packetsSent"), 6.0);
    assert_eq!(get_f64(&sa, "bytesSent"), 6.0 * FRAME as f64);
    assert_eq!(get_f64(&sb, "packetsReceived"), 6.0);
    assert_eq!(get_f64(&sb, "bytesReceived"), 6.0 * FRAME as f64);
    for key in [
        "packetsRejected",
        "packetsLate",
        "packetsLost",
        "packetsSendDropped",
        "playoutUnderruns",
        "playoutSamplesDropped",
        "eventsDropped",
    ] {
        assert_eq!(get_f64(&sb, key), 0.0, "{key}");
    }
    let keys = js_sys::Object::keys(sb.unchecked_ref::<js_sys::Object>());
    assert_eq!(keys.length(), 11);
}

#[wasm_bindgen_test]
fn a_malformed_datagram_throws_and_the_session_goes_on() {
    let mut a = session(1);
    let mut b = session(2);
    let mut core_b = mediacore::MediaSession::new(SessionConfig {
        seed: 2,
        ..SessionConfig::new(Codec::Pcmu)
    })
    .expect("core session");
    for bad in [&[0x80u8, 0x00, 0x01][..], &[0x40; 12][..]] {
        let expected = core_b
            .handle_rtp(mediacore::Instant::ZERO, bad)
            .unwrap_err()
            .to_string();
        assert_eq!(message(b.handle_rtp(0.0, bad)), expected);
    }
    assert_eq!(get_f64(&b.stats(), "packetsRejected"), 2.0);
    assert!(b.poll_event().is_undefined());

    let heard = call(&mut a, &mut b, 0, 5);
    assert_hears_tone(&heard, 2);
    assert_eq!(get_f64(&b.stats(), "packetsReceived"), 5.0);
    assert_eq!(
        get(&b.poll_event(), "type").as_string().as_deref(),
        Some("remote_source_started")
    );
}

#[wasm_bindgen_test]
fn rtp_timeout_is_reported_in_milliseconds() {
    let mut a = session(1);
    let mut b = new_session("PCMU", JsValue::from(2u64), None, None, 100.0.into())
        .unwrap_or_else(|_| panic!("session"));
    let _ = call(&mut a, &mut b, 0, 1);
    assert_eq!(
        get(&b.poll_event(), "type").as_string().as_deref(),
        Some("remote_source_started")
    );
    // Playout is due after one frame; the RTP timeout 100 ms after the packet.
    assert_eq!(b.poll_timeout(), Some(TICK_US));
    b.handle_timeout(150_000.0)
        .unwrap_or_else(|_| panic!("handle_timeout"));
    let event = b.poll_event();
    assert_eq!(
        get(&event, "type").as_string().as_deref(),
        Some("rtp_timeout")
    );
    assert_eq!(get_f64(&event, "silentForMs"), 150.0);

    let _ = call(&mut a, &mut b, 10, 1);
    assert_eq!(
        get(&b.poll_event(), "type").as_string().as_deref(),
        Some("rtp_resumed")
    );

    // `null` disables the timeout.
    let mut c = pcmu_session(JsValue::UNDEFINED, JsValue::NULL);
    let _ = call(&mut a, &mut c, 20, 1);
    let _ = c.poll_event();
    c.handle_timeout(1e9)
        .unwrap_or_else(|_| panic!("handle_timeout"));
    // Only the quality report the packet heard is due; no timeout.
    loop {
        let event = c.poll_event();
        if event.is_undefined() {
            break;
        }
        assert_eq!(get(&event, "type").as_string().as_deref(), Some("quality"));
    }
}
