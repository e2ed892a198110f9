//! DTMF and tones as a page uses them: the detector on generated digits (through an in-memory
//! WAV file), on silence and speech-like noise; muting; DTMF and call-progress generation;
//! and in sessions, RFC 4733 telephone-events (PCMU and Opus's 48 kHz clock), in-band
//! detection, signalled digits and digit collection.
//!
//! Runs in node and in headless Chromium like `api.rs` (see `scripts/test-wasm.sh`).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use js_sys::Array;
use mediacore_wasm::{DtmfDetector, MediaSession, generate_dtmf, generate_tone};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

/// Where the detector may put a tone's edges: its windows are 5 ms apart.
const TOLERANCE_MS: f64 = 10.0;

/// (digit, startMs, durationMs) of each `DetectedDigit` of a returned array.
fn found(digits: JsValue) -> Vec<(String, f64, f64)> {
    Array::from(&digits)
        .iter()
        .map(|d| {
            (
                text(&d, "digit"),
                number(&d, "startMs"),
                number(&d, "durationMs"),
            )
        })
        .collect()
}

/// `pcm` as a 16-bit mono WAV file, as a page would save a recording.
fn wav_bytes(pcm: &[i16], rate: u32) -> Vec<u8> {
    let data = (pcm.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + pcm.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data.to_le_bytes());
    out.extend(pcm.iter().flat_map(|s| s.to_le_bytes()));
    out
}

/// The rate and samples of a file written by `wav_bytes`.
fn wav_samples(file: &[u8]) -> (u32, Vec<i16>) {
    assert_eq!(&file[..4], b"RIFF");
    assert_eq!(&file[36..40], b"data");
    let rate = u32::from_le_bytes(file[24..28].try_into().unwrap());
    let pcm = file[44..]
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    (rate, pcm)
}

/// Seeded noise shaped like speech: a voiced buzz whose pitch glides between 90 and 250 Hz
/// (24 harmonics), and hiss, both under a 4 Hz syllable envelope.
fn speech_like_noise(rate: u32, seconds: u32, seed: u64) -> Vec<i16> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let rate_f = f64::from(rate);
    let mut phase = 0.0;
    let mut hiss = [0.0; 4];
    (0..rate * seconds)
        .map(|n| {
            let t = f64::from(n) / rate_f;
            let pitch = 170.0 + 80.0 * (2.0 * std::f64::consts::PI * 0.7 * t).sin();
            phase += 2.0 * std::f64::consts::PI * pitch / rate_f;
            let voiced: f64 = (1..25)
                .map(|k| (f64::from(k) * phase).sin() / f64::from(k))
                .sum();
            hiss.rotate_left(1);
            hiss[3] = uniform();
            let noise = hiss.iter().sum::<f64>() / 4.0;
            let envelope = (2.0 * std::f64::consts::PI * 4.0 * t).sin().max(0.0).sqrt();
            (envelope * (voiced + noise) * 5000.0) as i16
        })
        .collect()
}

#[wasm_bindgen_test]
fn dtmf_wav_round_trip_at_8_and_16_khz() {
    for rate in [8000u32, 16000] {
        let pcm = ok(generate_dtmf("123#*0", f64::from(rate), UNDEFINED));
        assert_eq!(
            pcm.len(),
            6 * rate as usize / 5,
            "100 ms tone and 100 ms gap each"
        );
        let (file_rate, audio) = wav_samples(&wav_bytes(&pcm, rate));
        assert_eq!((file_rate, &audio), (rate, &pcm));
        let mut detector = ok(DtmfDetector::new(f64::from(rate)));
        assert_eq!(detector.sample_rate(), rate);
        let mut digits = found(detector.process(&audio));
        digits.extend(found(detector.flush()));
        let keys: String = digits.iter().map(|d| d.0.as_str()).collect();
        assert_eq!(keys, "123#*0", "{rate} Hz");
        for (i, (_, start, duration)) in digits.iter().enumerate() {
            assert!(
                (start - 200.0 * i as f64).abs() <= TOLERANCE_MS,
                "{digits:?}"
            );
            assert!((duration - 100.0).abs() <= TOLERANCE_MS, "{digits:?}");
        }
    }
}

#[wasm_bindgen_test]
fn detector_finds_nothing_in_silence_or_speech_like_noise() {
    for rate in [8000u32, 16000] {
        for audio in [vec![0; rate as usize * 2], speech_like_noise(rate, 20, 7)] {
            let mut detector = ok(DtmfDetector::new(f64::from(rate)));
            assert_eq!(found(detector.process(&audio)), []);
            assert_eq!(found(detector.flush()), []);
        }
    }
    assert!(message(DtmfDetector::new(44100.0)).contains("44100"));
}

#[wasm_bindgen_test]
fn flush_ends_a_digit_still_sounding_and_muting_removes_tones() {
    let opts = options(&[("durationMs", 300.into()), ("gapMs", 0.into())]);
    let pcm = ok(generate_dtmf("8", 16000.0, opts));
    let mut detector = ok(DtmfDetector::new(16000.0));
    assert_eq!(found(detector.process(&pcm)), []);
    let digits = found(detector.flush());
    assert_eq!(digits.len(), 1);
    assert_eq!(digits[0].0, "8");
    assert!((digits[0].2 - 300.0).abs() <= TOLERANCE_MS);

    let delay = 400; // 50 ms at 8 kHz
    let speech = speech_like_noise(8000, 2, 3);
    let mut detector = ok(DtmfDetector::new(8000.0));
    let out = ok(detector.process_muted(&speech));
    assert_eq!(out[..delay], [0; 400]);
    assert_eq!(
        out[delay..],
        speech[..speech.len() - delay],
        "speech passes, 50 ms late"
    );
    let tones = ok(generate_dtmf(
        "5",
        8000.0,
        options(&[("gapMs", 400.into())]),
    ));
    let out = ok(detector.process_muted(&tones));
    assert!(
        rms(&out[delay..]) < rms(&tones) / 20.0,
        "the tone is zeroed"
    );
    let digits = found(detector.process(&[]));
    assert_eq!(digits.len(), 1);
    assert_eq!(digits[0].0, "5");
    detector.reset();
    assert_eq!(found(detector.flush()), []);
}

#[wasm_bindgen_test]
fn generate_dtmf_options_and_errors() {
    let quiet = options(&[
        ("levelDbm0", (-20.0).into()),
        ("twistDb", 0.into()),
        ("durationMs", 40.into()),
        ("gapMs", 10.into()),
    ]);
    let pcm = ok(generate_dtmf("1", 8000.0, quiet));
    assert_eq!(pcm.len(), 400);
    assert!(pcm[320..].iter().all(|&s| s == 0));
    let loud = ok(generate_dtmf("1", 8000.0, JsValue::NULL));
    assert!(rms(&pcm[..320]) < rms(&loud[..800]) / 2.0);
    assert_eq!(
        message(generate_dtmf("12x", 8000.0, UNDEFINED)),
        "invalid argument: 'x' at index 2 of the DTMF string is not a DTMF digit; \
         expected 0-9, *, #, A-D"
    );
    assert_eq!(
        message(generate_dtmf(
            "1",
            8000.0,
            options(&[("levelDbm0", 5.into())])
        )),
        "invalid argument: DTMF level 5 dBm0 is out of range; expected -60 to 0"
    );
    assert!(
        message(generate_dtmf("1", 8000.0, options(&[("level", 5.into())])))
            .contains("\"level\" is not known; expected levelDbm0, twistDb, durationMs, gapMs")
    );
}

/// For each `block_ms` block: `#` for tone, `.` for silence (and never a mix of both).
fn on_off(pcm: &[i16], rate: u32, block_ms: u32) -> String {
    pcm.chunks((rate * block_ms / 1000) as usize)
        .map(|b| {
            let silent = b.iter().all(|&s| s == 0);
            assert!(
                silent || rms(b) > 300.0,
                "a block is wholly tone or wholly silence"
            );
            if silent { '.' } else { '#' }
        })
        .collect()
}

#[wasm_bindgen_test]
fn tones_have_their_cadence() {
    let busy = ok(generate_tone("us/busy", 8000.0, 3000.0));
    assert_eq!(busy.len(), 24000);
    assert_eq!(on_off(&busy, 8000, 500), "#.#.#.");
    assert_eq!(on_off(&busy, 8000, 100), "#####.....#####.....#####.....");
    let ring = ok(generate_tone("Europe/Ringback", 16000.0, 10000.0));
    assert_eq!(on_off(&ring, 16000, 1000), "#....#....");
    let custom = ok(generate_tone("440/300,0/200;repeat=2", 8000.0, 1500.0));
    assert_eq!(on_off(&custom, 8000, 100), "###..###.......");
    assert_eq!(
        message(generate_tone("480+620/500,0/x", 8000.0, 1000.0)),
        "invalid argument: tone plan is invalid at byte 14: expected a duration in \
         milliseconds, found 'x'"
    );
    assert!(message(generate_tone("us/howler", 8000.0, 100.0)).contains("us/call_waiting"));
    assert!(message(generate_tone("us/busy", 8000.0, -1.0)).contains("durationMs -1"));
}

/// Two sessions without the RTP timeout, RTCP or quality reports; `extra` session options
/// for both, then `b_extra` for B.
fn pair(
    codec: &str,
    payload_type: Option<f64>,
    extra: &[(&str, JsValue)],
    b_extra: &[(&str, JsValue)],
) -> (MediaSession, MediaSession) {
    let make = |seed: u64, more: &[(&str, JsValue)]| {
        let mut fields = vec![("rtcp", false.into()), ("qualityIntervalMs", JsValue::NULL)];
        fields.extend(extra.iter().cloned());
        fields.extend(more.iter().cloned());
        ok(MediaSession::new(
            codec,
            seed.into(),
            payload_type,
            None,
            JsValue::NULL,
            None,
            UNDEFINED,
            options(&fields),
        ))
    };
    (make(1, &[]), make(2, b_extra))
}

/// A sends to B for `ticks` ticks from `start`, capturing `spoken` (silence after it); B plays
/// and acts on its timers. Returns B's events but "remote_source_started", each with the
/// time it came at.
fn exchange(
    a: &mut MediaSession,
    b: &mut MediaSession,
    start: usize,
    ticks: usize,
    spoken: &[i16],
) -> Vec<(f64, JsValue)> {
    let frame = a.frame_samples();
    let silence = vec![0i16; frame];
    let mut events = Vec::new();
    for tick in start..start + ticks {
        let now = tick as f64 * TICK_US;
        let i = (tick - start) * frame;
        let chunk = spoken.get(i..i + frame).unwrap_or(&silence);
        ok(a.push_capture(now, chunk));
        while let Some(datagram) = ok(a.poll_transmit(now)) {
            ok(b.handle_rtp(now, &datagram));
        }
        ok(b.pull_playout(now));
        ok(b.handle_timeout(now));
        loop {
            let event = b.poll_event();
            if event.is_undefined() {
                break;
            }
            if text(&event, "type") != "remote_source_started" {
                events.push((now, event));
            }
        }
    }
    events
}

fn of_type<'a>(events: &'a [(f64, JsValue)], kind: &str) -> Vec<&'a (f64, JsValue)> {
    events
        .iter()
        .filter(|(_, e)| text(e, "type") == kind)
        .collect()
}

#[wasm_bindgen_test]
fn send_dtmf_arrives_as_telephone_events_on_pcmu_and_opus() {
    for (codec, pt) in [("PCMU", None), ("opus", Some(111.0))] {
        let (mut a, mut b) = pair(codec, pt, &[], &[]);
        assert!(!a.is_sending_dtmf());
        ok(a.send_dtmf("19#"));
        assert!(a.is_sending_dtmf());
        let events = exchange(&mut a, &mut b, 0, 50, &[]);
        assert!(!a.is_sending_dtmf());
        let started: Vec<String> = of_type(&events, "dtmf_started")
            .iter()
            .map(|(_, e)| text(e, "digit"))
            .collect();
        assert_eq!(started, ["1", "9", "#"], "{codec}");
        let ended: Vec<(String, f64, String)> = of_type(&events, "dtmf")
            .iter()
            .map(|(_, e)| (text(e, "digit"), number(e, "durationMs"), text(e, "source")))
            .collect();
        let expected: Vec<(String, f64, String)> = ["1", "9", "#"]
            .iter()
            .map(|d| (d.to_string(), 100.0, "rfc4733".to_string()))
            .collect();
        assert_eq!(ended, expected, "{codec}");
        assert_eq!(events.len(), 6, "{codec}: {events:?}");
    }
}

#[wasm_bindgen_test]
fn telephone_events_can_be_turned_off_and_digits_are_checked() {
    let (mut a, _) = pair(
        "PCMU",
        None,
        &[("telephoneEventPayloadType", JsValue::NULL)],
        &[],
    );
    let (_, mut b) = pair("PCMU", None, &[], &[]);
    assert_eq!(
        message(a.send_dtmf("1")),
        "invalid argument: this session has no telephone-event payload type to send DTMF with"
    );
    assert!(message(b.send_dtmf("12x")).contains("'x'"));
    assert!(!b.is_sending_dtmf());
    let (mut c, mut d) = pair(
        "PCMU",
        None,
        &[("telephoneEventPayloadType", 96.into())],
        &[],
    );
    ok(c.send_dtmf("7"));
    let events = exchange(&mut c, &mut d, 0, 20, &[]);
    assert_eq!(of_type(&events, "dtmf").len(), 1);
    let bad = MediaSession::new(
        "PCMU",
        UNDEFINED,
        None,
        None,
        UNDEFINED,
        None,
        UNDEFINED,
        options(&[("telephoneEventPayloadType", 300.into())]),
    );
    assert!(message(bad).contains("telephoneEventPayloadType 300"));
}

#[wasm_bindgen_test]
fn collect_digits_ends_with_the_terminator() {
    let (mut a, mut b) = pair("PCMU", None, &[], &[]);
    ok(b.collect_digits(
        0.0,
        options(&[("minDigits", 2.into()), ("maxDigits", 10.into())]),
    ));
    ok(a.send_dtmf("42#5"));
    let events = exchange(&mut a, &mut b, 0, 60, &[]);
    let hash_at = of_type(&events, "dtmf")
        .into_iter()
        .find(|(_, e)| text(e, "digit") == "#")
        .expect("the # arrived")
        .0;
    let collected = of_type(&events, "digits_collected");
    assert_eq!(collected.len(), 1);
    let (at, result) = collected[0];
    assert_eq!(*at, hash_at);
    assert_eq!(text(result, "digits"), "42");
    assert_eq!(text(result, "reason"), "terminator");
    assert_eq!(text(result, "terminator"), "#");
    assert_eq!(get(result, "minDigitsMet"), JsValue::TRUE);
    assert_eq!(number(result, "endedAtUs"), hash_at);
}

#[wasm_bindgen_test]
fn collect_digits_ends_with_a_timeout_or_cancellation() {
    let (mut a, mut b) = pair("PCMU", None, &[], &[]);
    let config = options(&[
        ("minDigits", 2.into()),
        ("terminators", "".into()),
        ("firstDigitTimeoutMs", JsValue::NULL),
        ("interDigitTimeoutMs", 1000.into()),
    ]);
    ok(b.collect_digits(0.0, config));
    ok(a.send_dtmf("7"));
    let events = exchange(&mut a, &mut b, 0, 100, &[]);
    let digit_at = of_type(&events, "dtmf")[0].0;
    let collected = of_type(&events, "digits_collected");
    assert_eq!(collected.len(), 1);
    let result = &collected[0].1;
    assert_eq!(text(result, "digits"), "7");
    assert_eq!(text(result, "reason"), "inter_digit_timeout");
    assert!(get(result, "terminator").is_null());
    assert_eq!(get(result, "minDigitsMet"), JsValue::FALSE);
    assert_eq!(number(result, "endedAtUs"), digit_at + 1_000_000.0);

    ok(b.collect_digits(3_000_000.0, options(&[("firstDigitTimeoutMs", 500.into())])));
    let events = exchange(&mut a, &mut b, 150, 50, &[]);
    assert_eq!(events.len(), 1);
    assert_eq!(text(&events[0].1, "reason"), "first_digit_timeout");
    assert_eq!(number(&events[0].1, "endedAtUs"), 3_500_000.0);

    ok(b.collect_digits(5_000_000.0, UNDEFINED));
    ok(b.cancel_digit_collection(5_100_000.0));
    let cancelled = b.poll_event();
    assert_eq!(text(&cancelled, "reason"), "cancelled");
    assert_eq!(number(&cancelled, "endedAtUs"), 5_100_000.0);
    assert!(b.poll_event().is_undefined());

    for (config, expected) in [
        (
            options(&[("maxDigits", 0.into())]),
            "invalid argument: max_digits 0 is out of range; expected 1 to 64",
        ),
        (
            options(&[("interDigitTimeoutMs", 0.into())]),
            "invalid argument: inter_digit_timeout is zero; give a positive duration, or None \
             for no timeout",
        ),
        (
            options(&[("terminators", "#x".into())]),
            "invalid argument: 'x' is not a DTMF digit; expected 0-9, *, #, A-D",
        ),
    ] {
        assert_eq!(message(b.collect_digits(0.0, config)), expected);
    }
    assert!(message(b.collect_digits(0.0, options(&[("max", 1.into())]))).contains("maxDigits"));
}

#[wasm_bindgen_test]
fn signalled_digits_are_reported_and_collected() {
    let (_, mut session) = pair("PCMU", None, &[], &[]);
    ok(session.collect_digits(1000.0, options(&[("maxDigits", 2.into())])));
    ok(session.push_signalled_digit(2000.0, "4"));
    ok(session.push_signalled_digit(3000.0, "d"));
    let mut events = Vec::new();
    loop {
        let event = session.poll_event();
        if event.is_undefined() {
            break;
        }
        events.push(event);
    }
    assert_eq!(events.len(), 3);
    assert_eq!(text(&events[0], "source"), "signalling");
    assert_eq!(number(&events[0], "durationMs"), 0.0);
    assert_eq!(text(&events[1], "digit"), "D");
    assert_eq!(text(&events[2], "digits"), "4D");
    assert_eq!(text(&events[2], "reason"), "max_digits");
    assert_eq!(number(&events[2], "endedAtUs"), 3000.0);
    assert_eq!(
        message(session.push_signalled_digit(4000.0, "x")),
        "invalid argument: 'x' is not a DTMF digit; expected 0-9, *, #, A-D"
    );
    assert!(message(session.push_signalled_digit(4000.0, "12")).contains("not one DTMF digit"));
}

#[wasm_bindgen_test]
fn in_band_digits_are_detected_in_a_session() {
    let spoken = ok(generate_dtmf("59*", 8000.0, UNDEFINED));
    let off = [("telephoneEventPayloadType", JsValue::NULL)];
    let (mut a, mut b) = pair("PCMU", None, &off, &[("detectInbandDtmf", true.into())]);
    ok(b.collect_digits(0.0, options(&[("maxDigits", 3.into())])));
    let events = exchange(&mut a, &mut b, 0, 60, &spoken);
    let dtmf: Vec<(String, String)> = of_type(&events, "dtmf")
        .iter()
        .map(|(_, e)| {
            assert!(
                (number(e, "durationMs") - 100.0).abs() <= TOLERANCE_MS,
                "{e:?}"
            );
            (text(e, "digit"), text(e, "source"))
        })
        .collect();
    let expected: Vec<(String, String)> = ["5", "9", "*"]
        .iter()
        .map(|d| (d.to_string(), "in_band".to_string()))
        .collect();
    assert_eq!(dtmf, expected);
    let collected = of_type(&events, "digits_collected");
    assert_eq!(text(&collected[0].1, "digits"), "59*");

    let (mut a, mut c) = pair("PCMU", None, &off, &[]);
    let events = exchange(&mut a, &mut c, 0, 60, &spoken);
    assert!(
        of_type(&events, "dtmf").is_empty(),
        "in-band detection is off by default"
    );
}

#[wasm_bindgen_test]
fn dtmf_duration_gap_and_volume_are_session_options() {
    let timing = [
        ("dtmfDurationMs", JsValue::from(160)),
        ("dtmfGapMs", JsValue::from(60)),
        ("dtmfVolume", JsValue::from(20)),
    ];
    for (codec, pt) in [("PCMU", None), ("opus", Some(111.0))] {
        let (mut a, mut b) = pair(codec, pt, &timing, &[]);
        ok(a.send_dtmf("5*"));
        let silence = vec![0i16; a.frame_samples()];
        let (mut volumes, mut events) = (Vec::new(), Vec::new());
        for tick in 0..40 {
            let now = tick as f64 * TICK_US;
            ok(a.push_capture(now, &silence));
            while let Some(datagram) = ok(a.poll_transmit(now)) {
                // A telephone-event: the volume is in byte 1 of the block after the header.
                if datagram[1] & 0x7F == 101 {
                    volumes.push(datagram[13] & 0x3F);
                }
                ok(b.handle_rtp(now, &datagram));
            }
            ok(b.pull_playout(now));
            ok(b.handle_timeout(now));
            loop {
                let event = b.poll_event();
                if event.is_undefined() {
                    break;
                }
                events.push((now, event));
            }
        }
        let ended: Vec<(String, f64)> = of_type(&events, "dtmf")
            .iter()
            .map(|(_, e)| (text(e, "digit"), number(e, "durationMs")))
            .collect();
        assert_eq!(
            ended,
            [("5".to_string(), 160.0), ("*".to_string(), 160.0)],
            "{codec}"
        );
        let starts: Vec<f64> = of_type(&events, "dtmf_started")
            .iter()
            .map(|(at, _)| *at)
            .collect();
        assert_eq!(
            starts[1] - starts[0],
            220_000.0,
            "{codec}: one duration and one gap"
        );
        assert!(
            !volumes.is_empty() && volumes.iter().all(|&v| v == 20),
            "{codec}: {volumes:?}"
        );
    }
    for (key, value, field) in [
        ("dtmfDurationMs", 0, "dtmf.duration"),
        ("dtmfGapMs", 60_001, "dtmf.gap"),
        ("dtmfVolume", 64, "dtmf.volume"),
    ] {
        let bad = MediaSession::new(
            "PCMU",
            UNDEFINED,
            None,
            None,
            UNDEFINED,
            None,
            UNDEFINED,
            options(&[(key, value.into())]),
        );
        let msg = message(bad);
        assert!(msg.contains(field), "{key}: {msg}");
    }
}
