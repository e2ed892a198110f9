//! Voice processing as a page uses it: the whole capture pipeline (echo cancellation, noise
//! suppression, gain control, VAD, level meter, then comfort noise) on 10 ms frames, with a
//! far end playing out as the echo reference; talk events; the options and their refusals.
//!
//! Runs in node and in headless Chromium like `api.rs` (see `scripts/test-wasm.sh`).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use mediacore_wasm::{Decoder, MediaSession};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const RATE: usize = 8000;
const FRAME_10MS: usize = 80;

/// A PCMU session with 10 ms packets, no RTCP or quality reports, and `voice`.
fn session(seed: u64, voice: JsValue) -> MediaSession {
    let voice_options = options(&[
        ("rtcp", false.into()),
        ("qualityIntervalMs", JsValue::NULL),
        ("voice", voice),
    ]);
    ok(MediaSession::new(
        "PCMU",
        seed.into(),
        None,
        Some(10.0),
        JsValue::NULL,
        None,
        UNDEFINED,
        voice_options,
    ))
}

fn stages(names: &[&str]) -> JsValue {
    names
        .iter()
        .map(|&n| JsValue::from_str(n))
        .collect::<js_sys::Array>()
        .into()
}

/// White noise of RMS `rms` from a small LCG.
fn noise(len: usize, rms: f64, mut seed: u32) -> Vec<i16> {
    (0..len)
        .map(|_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            ((f64::from(seed >> 8) / f64::from(1u32 << 23) - 1.0) * rms * 3f64.sqrt()) as i16
        })
        .collect()
}

/// The voiced, speech-like signal of the core's and the Python suites' tests: a gliding
/// 100-180 Hz buzz through two moving formants, in syllables of about 170 ms.
fn speechlike(ms: usize, amplitude: f64) -> Vec<i16> {
    let tau = std::f64::consts::TAU;
    let mut phase = 0.0f64;
    (0..RATE * ms / 1000)
        .map(|i| {
            let t = i as f64 / RATE as f64;
            let f0 = 140.0 + 40.0 * (t * tau * 1.3).sin();
            phase += f0 / RATE as f64;
            let syllable = (t * 4.5).fract();
            let envelope = if syllable < 0.75 {
                (syllable / 0.75 * std::f64::consts::PI).sin()
            } else {
                0.0
            };
            let f1 = 700.0 + 200.0 * (t * tau * 2.1).sin();
            let f2 = 1600.0 + 400.0 * (t * tau * 1.7).cos();
            let voice: f64 = (1..30)
                .filter(|&h| f0 * f64::from(h) < RATE as f64 / 2.0)
                .map(|h| {
                    let f = f0 * f64::from(h);
                    let gain = 1.0 / (1.0 + ((f - f1) / 150.0).powi(2))
                        + 0.6 / (1.0 + ((f - f2) / 200.0).powi(2))
                        + 0.05;
                    gain * (phase * tau * f64::from(h)).sin()
                })
                .sum();
            (voice * amplitude * envelope) as i16
        })
        .collect()
}

fn dbov(x: &[i16]) -> f64 {
    20.0 * (rms(x).max(1e-6) / 32767.0).log10()
}

/// One 10 ms step of a call: `far` sends a tone that `near` plays out (the echo
/// canceller's reference), `near` captures `mic`; returns near's datagrams as (payload
/// type, payload).
fn step(
    far: &mut MediaSession,
    near: &mut MediaSession,
    i: usize,
    mic: &[i16],
) -> Vec<(u8, Vec<u8>)> {
    let now = i as f64 * 10_000.0;
    ok(far.push_capture(now, &sine(440.0, 10, RATE, 3000.0, i * FRAME_10MS)));
    while let Some(d) = ok(far.poll_transmit(now)) {
        ok(near.handle_rtp(now, &d));
    }
    ok(near.pull_playout(now));
    ok(near.push_capture(now, mic));
    std::iter::from_fn(|| ok(near.poll_transmit(now)))
        .map(|d| (d[1] & 0x7f, d[12..].to_vec()))
        .collect()
}

#[wasm_bindgen_test]
fn the_whole_capture_pipeline_runs_on_10_ms_frames_and_changes_the_signal() {
    let all_but_comfort_noise = [
        "echo_cancellation",
        "noise_suppression",
        "gain_control",
        "vad",
        "level_meter",
    ];
    let voice = options(&[
        ("capture", stages(&all_but_comfort_noise)),
        ("playout", stages(&["vad", "level_meter"])),
    ]);
    let mic = noise(RATE * 3, 1000.0, 7); // -30 dBov of steady noise
    let mut decoder = ok(Decoder::new("PCMU", 8000.0, 1.0));
    let mut sent = |voice: JsValue| {
        let (mut far, mut near) = (session(2, JsValue::NULL), session(1, voice));
        assert_eq!(near.frame_samples(), FRAME_10MS);
        let mut out = Vec::new();
        for (i, frame) in mic.chunks_exact(FRAME_10MS).enumerate() {
            for (pt, payload) in step(&mut far, &mut near, i, frame) {
                assert_eq!(pt, 0);
                out.extend(ok(decoder.decode(&payload)));
            }
        }
        (near, out)
    };
    let (_, plain) = sent(JsValue::NULL);
    let (mut near, processed) = sent(voice);
    let last = RATE * 2..RATE * 3;
    let input = dbov(&mic[last.clone()]);
    assert!((dbov(&plain[last.clone()]) - input).abs() < 0.5);
    let out = dbov(&processed[last]);
    assert!(
        out < input - 10.0,
        "{out:.1} dBov sent of {input:.1} dBov noise"
    );
    let level = ok(near.voice_level("capture"));
    assert!(number(&level, "rmsDbov") < input - 10.0);
    assert!(
        number(&ok(near.voice_level("playout")), "peakDbov") > -25.0,
        "the far tone"
    );
    assert!(!ok(near.is_talking("capture")), "noise is not talk");

    // Comfort noise on: the silence goes out as RFC 3389 SIDs.
    ok(near.set_voice_stage("capture", "comfort_noise", true));
    let mut far = session(3, JsValue::NULL);
    let mut kinds = Vec::new();
    for (i, frame) in mic[..RATE].chunks_exact(FRAME_10MS).enumerate() {
        kinds.extend(
            step(&mut far, &mut near, 300 + i, frame)
                .into_iter()
                .map(|p| p.0),
        );
    }
    // Audio until 50 ms of background were heard, then nothing but a SID every 500 ms.
    let audio = kinds.iter().take_while(|&&pt| pt == 0).count();
    assert!((1..=5).contains(&audio), "{kinds:?}");
    assert!(kinds[audio..].iter().all(|&pt| pt == 13), "{kinds:?}");
    assert!((2..=4).contains(&(kinds.len() - audio)), "{kinds:?}");
}

#[wasm_bindgen_test]
fn talk_events_carry_their_direction_and_media_time() {
    let voice = options(&[("capture", stages(&["vad"])), ("vadHangoverMs", 300.into())]);
    let mut near = session(1, voice);
    let mut far = session(2, JsValue::NULL);
    let mut pcm = speechlike(1000, 3000.0);
    pcm.extend(vec![0; RATE]);
    for (i, frame) in pcm.chunks_exact(FRAME_10MS).enumerate() {
        step(&mut far, &mut near, i, frame);
    }
    let events = drain(|| near.poll_event());
    let talk: Vec<(String, String, f64)> = events
        .iter()
        .filter(|e| text(e, "type").starts_with("talk_"))
        .map(|e| (text(e, "type"), text(e, "direction"), number(e, "atUs")))
        .collect();
    assert_eq!(talk.len(), 2, "{talk:?}");
    assert_eq!(
        (talk[0].0.as_str(), talk[0].1.as_str()),
        ("talk_started", "capture")
    );
    assert!(talk[0].2 < 150_000.0, "{talk:?}");
    assert_eq!(talk[1].0, "talk_stopped");
    assert!((1_250_000.0..=1_450_000.0).contains(&talk[1].2), "{talk:?}");
}

#[wasm_bindgen_test]
fn voice_options_are_read_and_refusals_say_what_was_wrong() {
    let mut s = session(1, JsValue::NULL);
    let v = s.voice_settings();
    assert_eq!(js_sys::Array::from(&get(&v, "capture")).length(), 0);
    assert_eq!(number(&v, "gainTargetDbov"), -26.0);
    assert_eq!(number(&v, "sidIntervalMs"), 500.0);
    assert_eq!(get(&v, "echoEngine").as_string().unwrap(), "aec3");
    assert!(ok(s.voice_level("capture")).is_undefined());
    let voice = |fields: &[(&str, JsValue)]| {
        MediaSession::new(
            "PCMU",
            1.into(),
            None,
            None,
            JsValue::NULL,
            None,
            UNDEFINED,
            options(&[("voice", options(fields))]),
        )
    };
    let e = message(voice(&[("captur", stages(&["vad"]))]));
    assert!(e.contains("voice option \"captur\" is not known"), "{e}");
    let e = message(voice(&[("capture", stages(&["agc"]))]));
    assert!(e.contains("unknown voice stage \"agc\""), "{e}");
    let e = message(voice(&[("playout", stages(&["echo_cancellation"]))]));
    assert!(e.contains("does not run on the playout path"), "{e}");
    let e = message(voice(&[("capture", stages(&["comfort_noise"]))]));
    assert!(e.contains("comfort noise needs the capture VAD"), "{e}");
    let e = message(voice(&[("echoEngine", "nlms".into())]));
    assert!(e.contains("unknown echo engine \"nlms\""), "{e}");
    let mdf = ok(voice(&[
        ("capture", stages(&["echo_cancellation"])),
        ("echoEngine", "mdf".into()),
    ]));
    assert_eq!(
        get(&mdf.voice_settings(), "echoEngine")
            .as_string()
            .unwrap(),
        "mdf"
    );
    let e = message(voice(&[("gainTargetDbov", (-80).into())]));
    assert!(e.contains("gain_target_dbov = -80 is out of range"), "{e}");
    let e = message(s.set_voice_stage("both", "vad", true));
    assert!(e.contains("unknown voice direction \"both\""), "{e}");
    let e = message(s.set_barge_in_on_speech(true));
    assert!(e.contains("playout VAD"), "{e}");
    ok(s.set_voice_stage("playout", "vad", true));
    ok(s.set_barge_in_on_speech(true));
    assert!(ok(s.voice_stage("playout", "vad")));
    assert!(s.voice_settings().is_object());
    assert!(
        get(&s.voice_settings(), "bargeInOnSpeech")
            .as_bool()
            .unwrap()
    );
}
