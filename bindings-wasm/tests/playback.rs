//! Prompts and IVR as a page uses them: the player's queue, loop, offset, gain, barge-in and
//! refusals; play-and-collect with a retry after an invalid entry; and two sessions in a call
//! where one plays a menu and collects the other's RFC 4733 digit.
//!
//! Runs in node and in headless Chromium like `api.rs` (see `scripts/test-wasm.sh`).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use mediacore_wasm::{MediaSession, PlayAndCollect, PlayCollectConfig, Player, Prompt};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

/// `ms` milliseconds of the constant `value` at 8 kHz.
fn level(ms: usize, value: i16) -> Vec<i16> {
    vec![value; ms * 8]
}

fn prompt(pcm: &[i16]) -> Prompt {
    ok(Prompt::from_samples(8000.0, pcm, None))
}

/// 0, 1, 2, ... `len - 1`: a prompt whose samples say where they come from.
fn ramp(len: i16) -> Prompt {
    prompt(&(0..len).collect::<Vec<_>>())
}

#[wasm_bindgen_test]
fn player_queues_loops_offsets_and_gains() {
    let mut player = ok(Player::new(8000.0, None));
    let first = ok(player.play(&ramp(100), UNDEFINED));
    let quieter = options(&[("gainDb", (-6.0206).into())]);
    let second = ok(player.enqueue(&prompt(&level(10, 1000)), quieter));
    assert_eq!(player.queued(), 1);
    let out = ok(player.fill(200.0));
    assert_eq!(out[..100], (0..100).collect::<Vec<i16>>());
    assert_eq!(out[100..180], [500; 80], "the second prompt joins at -6 dB");
    assert_eq!(out[180..], [0; 20]);
    assert_eq!(
        types_and_ids(&drain(|| player.poll_event())),
        [
            ("playback_started".into(), first),
            ("playback_finished".into(), first),
            ("playback_started".into(), second),
            ("playback_finished".into(), second),
        ]
    );
    let hold = options(&[("looping", true.into()), ("startOffsetMs", 10.into())]);
    let moh = ok(player.play(&ramp(100), hold));
    let out = ok(player.fill(220.0));
    assert_eq!(out[..20], (80..100).collect::<Vec<i16>>());
    assert_eq!(out[20..120], (0..100).collect::<Vec<i16>>(), "it loops");
    assert!(player.is_playing());
    assert_eq!(player.current(), Some(moh));
    assert!(player.stop());
    let events = drain(|| player.poll_event());
    let last = events.last().expect("the stop");
    assert_eq!(text(last, "type"), "playback_interrupted");
    assert_eq!(number(last, "id"), moh);
    assert_eq!(text(last, "reason"), "stopped");
    assert_eq!(get(last, "started"), JsValue::TRUE);
    assert_eq!(get(last, "digit"), JsValue::NULL);
    assert!(!player.is_playing() && !player.stop());
    assert_eq!(player.events_dropped(), 0.0);
}

#[wasm_bindgen_test]
fn player_barge_in_and_refusals() {
    let mut player = ok(Player::new(8000.0, Some(1.0)));
    let fixed = options(&[("interruptible", false.into())]);
    let notice = ok(player.play(&prompt(&level(100, 7)), fixed));
    let menu = ok(player.enqueue(&prompt(&level(100, 9)), UNDEFINED));
    ok(player.fill(160.0));
    assert!(!ok(player.barge_in("1")), "the notice is not interruptible");
    ok(player.fill(800.0));
    assert!(ok(player.barge_in("1")));
    let events = drain(|| player.poll_event());
    assert_eq!(
        types_and_ids(&events[1..2]),
        [("playback_finished".into(), notice)]
    );
    let barged = events.last().expect("the barge-in");
    assert_eq!(number(barged, "id"), menu);
    assert_eq!(text(barged, "reason"), "dtmf");
    assert_eq!(text(barged, "digit"), "1");

    let wideband = ok(Prompt::from_samples(16000.0, &[1; 160], None));
    assert_eq!(
        message(player.play(&wideband, UNDEFINED)),
        "invalid argument: prompt is 16000 Hz x 1 channels but the player runs at 8000 Hz x 1; \
         decode it for the call's layout"
    );
    let loud = options(&[("gainDb", 40.into())]);
    assert!(message(player.play(&prompt(&level(10, 1)), loud)).contains("gain 40 dB"));
    let typo = options(&[("loop", true.into())]);
    assert_eq!(
        message(player.play(&prompt(&level(10, 1)), typo)),
        "invalid argument: play option \"loop\" is not known; expected looping, \
         startOffsetMs, gainDb, interruptible"
    );
    let late = options(&[("startOffsetMs", 10.into())]);
    assert!(message(player.enqueue(&prompt(&level(10, 1)), late)).contains("start offset"));
    assert!(message(player.barge_in("x")).contains("not a DTMF digit"));
    assert!(message(player.fill(-1.0)).contains("samples -1"));
    assert!(message(Prompt::from_samples(8000.0, &[1; 3], Some(2.0))).contains("2-channel"));
    assert!(message(Player::new(8000.0, Some(3.0))).contains("1 or 2 channels"));
    assert!(!player.is_playing(), "refused prompts change nothing");

    let stereo = ok(Prompt::from_samples(48000.0, &[3; 1920], Some(2.0)));
    assert_eq!((stereo.sample_rate(), stereo.channels()), (48000, 2));
    assert_eq!((stereo.frames(), stereo.duration_ms()), (960, 20.0));
    assert_eq!(stereo.samples(), vec![3; 1920]);
    assert!(stereo.shares_samples_with(&stereo) && !stereo.shares_samples_with(&wideband));
}

/// `ms` of 20 ms frames from `now_us`, letting timeouts fire; returns the time after them.
fn drive(ivr: &mut PlayAndCollect, mut now_us: f64, ms: usize) -> f64 {
    for _ in 0..ms / 20 {
        ok(ivr.handle_timeout(now_us));
        ok(ivr.fill(now_us, 160.0));
        now_us += TICK_US;
    }
    now_us
}

fn menu_config(settings: &[(&str, JsValue)], menu: &Prompt) -> PlayCollectConfig {
    let mut config = ok(PlayCollectConfig::new(options(settings)));
    config.add_prompt(menu);
    config
}

/// `["1", "2"]` as a JS array.
fn one_or_two() -> JsValue {
    js_sys::Array::of2(&"1".into(), &"2".into()).into()
}

#[wasm_bindgen_test]
fn play_and_collect_retries_after_an_invalid_entry() {
    let collect = options(&[
        ("maxDigits", 1.into()),
        ("firstDigitTimeoutMs", 2000.into()),
    ]);
    let settings = [
        ("maxAttempts", 2.into()),
        ("accept", one_or_two()),
        ("collect", collect),
    ];
    let mut config = menu_config(&settings, &prompt(&level(500, 100)));
    config.set_invalid_prompt(&prompt(&level(100, 300)));
    assert_eq!(config.prompt_count(), 1);
    let mut ivr = ok(PlayAndCollect::new(8000.0, None));
    ok(ivr.start(0.0, &config));
    assert!(ivr.is_active() && ivr.is_prompting());
    assert_eq!(ok(ivr.fill(0.0, 160.0))[..4], [100; 4]);
    let now = drive(&mut ivr, TICK_US, 480);
    assert!(!ivr.is_prompting());
    assert_eq!(
        ivr.poll_timeout(),
        Some(500_000.0 + 2_000_000.0),
        "from the end of the menu"
    );
    assert!(
        ok(ivr.push_digit(now, "7")),
        "a digit that is not on the menu"
    );
    assert!(ivr.poll_result().is_undefined());
    assert_eq!(ok(ivr.fill(now, 4.0)), [300; 4], "the invalid-input prompt");
    let now = drive(&mut ivr, now + TICK_US, 600);
    assert!(ok(ivr.push_digit(now, "2")));
    let result = ivr.poll_result();
    assert_eq!(text(&result, "reason"), "digits");
    assert_eq!(text(&result, "digits"), "2");
    assert_eq!(get(&result, "terminator"), JsValue::NULL);
    assert_eq!(number(&result, "attempts"), 2.0);
    assert_eq!(text(&result, "collectReason"), "max_digits");
    assert_eq!(number(&result, "endedAtUs"), now);
    assert!(!ivr.is_active() && ivr.poll_result().is_undefined());

    ok(ivr.start(now, &config));
    assert!(ivr.cancel(now + 1.0).unwrap());
    let cancelled = ivr.poll_result();
    assert_eq!(text(&cancelled, "reason"), "cancelled");
    assert_eq!(get(&cancelled, "collectReason"), JsValue::NULL);
    assert_eq!(number(&cancelled, "attempts"), 1.0);

    let refused = |settings: &[(&str, JsValue)]| message(PlayCollectConfig::new(options(settings)));
    assert!(refused(&[("maxAttempts", 0.into())]).contains("max_attempts 0 is out of range"));
    assert!(refused(&[("accept", "12".into())]).contains("not an array of strings"));
    assert_eq!(
        refused(&[("retries", 2.into())]),
        "invalid argument: play-and-collect option \"retries\" is not known; expected \
         maxAttempts, accept, bargeIn, gainDb, collect"
    );
    let nested = options(&[("maxDigit", 1.into())]);
    assert!(refused(&[("collect", nested)]).contains("\"maxDigit\" is not known"));
    let hash = js_sys::Array::of1(&"1#".into()).into();
    assert!(refused(&[("accept", hash)]).contains("terminator"));
    let mut wideband = ok(PlayCollectConfig::new(UNDEFINED));
    wideband.add_prompt(&ok(Prompt::from_samples(16000.0, &[1; 160], None)));
    assert!(message(ivr.start(0.0, &wideband)).contains("16000 Hz"));
    assert!(!ivr.is_active());
}

/// The caller and the IVR in a call for `ticks` 20 ms frames from `start`, both capturing
/// silence. Returns the loudest sample of each frame the caller hears, and the IVR's events.
fn call(
    caller: &mut MediaSession,
    ivr: &mut MediaSession,
    start: usize,
    ticks: usize,
) -> (Vec<u16>, Vec<JsValue>) {
    let silence = [0i16; 160];
    let mut heard = Vec::new();
    let mut events = Vec::new();
    for tick in start..start + ticks {
        let now = tick as f64 * TICK_US;
        ok(caller.push_capture(now, &silence));
        ok(ivr.push_capture(now, &silence));
        while let Some(datagram) = ok(caller.poll_transmit(now)) {
            ok(ivr.handle_rtp(now, &datagram));
        }
        while let Some(datagram) = ok(ivr.poll_transmit(now)) {
            ok(caller.handle_rtp(now, &datagram));
        }
        let frame = ok(caller.pull_playout(now));
        heard.push(frame.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0));
        ok(ivr.pull_playout(now));
        ok(ivr.handle_timeout(now));
        events.extend(drain(|| ivr.poll_event()));
    }
    (heard, events)
}

#[wasm_bindgen_test]
fn a_session_plays_a_menu_and_collects_the_callers_digit() {
    let mut caller = quiet_session(1);
    let mut ivr = quiet_session(2);
    let tone: Vec<i16> = (0..8000)
        .map(|n| ((n as f64 * 0.3).sin() * 8000.0) as i16)
        .collect();
    let collect = options(&[("maxDigits", 1.into())]);
    let config = menu_config(
        &[("accept", one_or_two()), ("collect", collect)],
        &prompt(&tone),
    );
    ok(ivr.play_and_collect(0.0, &config));
    assert!(ivr.is_play_collecting() && ivr.is_playing());
    let (heard, _) = call(&mut caller, &mut ivr, 0, 30);
    assert!(heard[5..].iter().all(|&peak| peak > 6000), "{heard:?}");
    ok(caller.send_dtmf("1"));
    let (heard, events) = call(&mut caller, &mut ivr, 30, 20);
    assert!(
        heard[15..].iter().all(|&peak| peak < 10),
        "barge-in stopped the menu"
    );
    let done = events_of_type(&events, "play_collect_done");
    assert_eq!(done.len(), 1, "{events:?}");
    assert_eq!(text(done[0], "digits"), "1");
    assert_eq!(text(done[0], "reason"), "digits");
    assert!(!ivr.is_play_collecting() && !ivr.is_playing());

    let goodbye = ok(ivr.play_prompt(&prompt(&tone[..1600]), UNDEFINED));
    let (heard, events) = call(&mut caller, &mut ivr, 50, 15);
    assert!(
        heard.iter().any(|&peak| peak > 6000),
        "the goodbye is heard"
    );
    assert_eq!(
        types_and_ids(&events),
        [
            ("playback_started".into(), goodbye),
            ("playback_finished".into(), goodbye),
        ]
    );
    let next = ok(ivr.enqueue_prompt(&prompt(&tone), UNDEFINED));
    assert!(ok(ivr.play_prompt(&prompt(&tone), UNDEFINED)) > next);
    assert!(ivr.stop_playback());
    let wideband = ok(Prompt::from_samples(16000.0, &tone, None));
    assert!(message(ivr.play_prompt(&wideband, UNDEFINED)).contains("16000 Hz"));
    ok(ivr.play_and_collect(2_000_000.0, &config));
    ok(ivr.cancel_play_and_collect(2_020_000.0));
    let cancelled = drain(|| ivr.poll_event());
    let last = cancelled.last().expect("the cancellation");
    assert_eq!(text(last, "type"), "play_collect_done");
    assert_eq!(text(last, "reason"), "cancelled");
    assert_eq!(number(last, "endedAtUs"), 2_020_000.0);
}
