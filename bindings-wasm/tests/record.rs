//! Recordings and prompt files as a page uses them: a stereo WAV read back chunk by chunk
//! (format, samples of each leg, the metadata), limits, pauses and refusals, an Ogg Opus
//! recording decoded back with `Prompt.decode`, prompt decoding errors, the prompt cache
//! sharing one copy, and a session recording its call.
//!
//! Runs in node and in headless Chromium like `api.rs` (see `scripts/test-wasm.sh`).
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::Cell;
use std::rc::Rc;

use common::*;
use js_sys::{Array, Uint8Array};
use mediacore_wasm::{Prompt, PromptCache, Recorder};
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_test::wasm_bindgen_test;

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A mono 16-bit WAV of `pcm` at `rate`, as a page would fetch one.
fn wav_file(pcm: &[i16], rate: u32) -> Vec<u8> {
    let data = (pcm.len() * 2) as u32;
    let mut f = b"RIFF".to_vec();
    f.extend_from_slice(&(36 + data).to_le_bytes());
    f.extend_from_slice(b"WAVEfmt \x10\0\0\0\x01\0\x01\0");
    f.extend_from_slice(&rate.to_le_bytes());
    f.extend_from_slice(&(rate * 2).to_le_bytes());
    f.extend_from_slice(b"\x02\0\x10\0data");
    f.extend_from_slice(&data.to_le_bytes());
    f.extend(pcm.iter().flat_map(|s| s.to_le_bytes()));
    f
}

/// The file and the summary of a `FinishedRecording`.
fn file_and_summary(finished: &JsValue) -> (Vec<u8>, JsValue) {
    let bytes = Uint8Array::from(get(finished, "bytes")).to_vec();
    (bytes, get(finished, "summary"))
}

fn strings(items: &[&str]) -> JsValue {
    items
        .iter()
        .map(|s| JsValue::from_str(s))
        .collect::<Array>()
        .into()
}

#[wasm_bindgen_test]
fn a_stereo_recording_reads_back_leg_by_leg_with_its_metadata() {
    let settings = options(&[
        ("layout", "stereo".into()),
        ("callId", "abc-123".into()),
        ("startTime", "2026-11-21T10:00:00Z".into()),
        ("legs", strings(&["alice", "bob"])),
        ("extra", options(&[("queue", "sales".into())])),
    ]);
    let mut rec = ok(Recorder::new(settings, None));
    for i in 0..100 {
        let now = i as f64 * TICK_US;
        ok(rec.write(
            now,
            0.0,
            &sine(440.0, 20, 8000, 8000.0, i * 160),
            8000.0,
            None,
        ));
        if !(40..60).contains(&i) {
            // Leg 1 comes at 16 kHz and loses 400 ms of packets.
            let wide = sine(1000.0, 20, 16000, 8000.0, i * 320);
            ok(rec.write(now, 1.0, &wide, 16000.0, Some(1.0)));
        }
    }
    let so_far = rec.duration_ms();
    assert!(
        (1000.0..=2000.0).contains(&so_far),
        "committed so far: {so_far} ms"
    );
    let (file, summary) = file_and_summary(&ok(rec.finish(100.0 * TICK_US)));
    assert_eq!(number(&summary, "durationMs"), 2000.0);
    assert_eq!(number(&summary, "bytes"), file.len() as f64);
    assert_eq!(
        (number(&summary, "sampleRate"), number(&summary, "channels")),
        (8000.0, 2.0)
    );
    assert_eq!(text(&summary, "format"), "wav");

    let (channels, rate, pcm, list) = read_wav(&file);
    assert_eq!((channels, rate, pcm.len()), (2, 8000, 32_000));
    assert_eq!(&list[..4], b"INFO");
    for fact in [
        &b"call_id=abc-123"[..],
        b"leg0=alice",
        b"leg1=bob",
        b"queue=sales",
    ] {
        assert!(contains(&list, fact), "{}", String::from_utf8_lossy(fact));
    }
    let left: Vec<i16> = pcm.iter().step_by(2).copied().collect();
    let right: Vec<i16> = pcm.iter().skip(1).step_by(2).copied().collect();
    assert!(tone_level(&left[800..15_000], 440.0, 8000.0) > 7000.0);
    assert!(tone_level(&left[800..15_000], 1000.0, 8000.0) < 100.0);
    assert!(tone_level(&right[800..6000], 1000.0, 8000.0) > 7000.0);
    let gap = &right[40 * 160 + 100..60 * 160 - 100];
    assert!(gap.iter().all(|&s| s == 0), "lost packets are silence");
    assert!(tone_level(&right[60 * 160 + 200..], 1000.0, 8000.0) > 7000.0);
}

#[wasm_bindgen_test]
fn limits_pauses_and_refusals() {
    let settings = options(&[
        ("layout", "mono".into()),
        ("maxDurationMs", 500.into()),
        ("pauseMode", "skip".into()),
    ]);
    let mut rec = ok(Recorder::new(settings, Some(0.0)));
    let tone = sine(440.0, 20, 8000, 8000.0, 0);
    assert!(message(rec.write(0.0, 1.0, &tone, 8000.0, None)).contains("leg 1 does not exist"));
    assert!(message(rec.write(0.0, 0.0, &tone, 11025.0, None)).contains("11025 Hz"));
    ok(rec.write(0.0, 0.0, &sine(440.0, 100, 8000, 8000.0, 0), 8000.0, None));
    ok(rec.pause(100_000.0));
    assert!(rec.is_paused());
    ok(rec.write(100_000.0, 0.0, &tone, 8000.0, None)); // dropped while paused
    ok(rec.resume(300_000.0));
    let mut written = 0;
    for i in 0..30 {
        match rec.write(300_000.0 + i as f64 * TICK_US, 0.0, &tone, 8000.0, None) {
            Ok(()) => written += 1,
            Err(err) => {
                assert!(error_message(err).contains("duration limit"));
                break;
            }
        }
    }
    assert!(
        (19..=21).contains(&written),
        "{written} frames fill the limit"
    );
    assert!(rec.is_stopped());
    let events = drain(|| rec.poll_event());
    assert_eq!(events.len(), 1);
    assert_eq!(
        (text(&events[0], "type"), text(&events[0], "limit")),
        ("limit_reached".into(), "duration".into())
    );
    assert_eq!(number(&events[0], "durationMs"), 500.0);
    let (file, summary) = file_and_summary(&ok(rec.finish(1_000_000.0)));
    assert_eq!(number(&summary, "durationMs"), 500.0);
    assert_eq!(read_wav(&file).2.len(), 4000);
    assert!(message(rec.finish(1_000_000.0)).contains("this recorder has finished"));
    assert!(message(rec.pause(1_000_000.0)).contains("this recorder has finished"));
    assert_eq!(
        rec.duration_ms(),
        500.0,
        "the finished recording's figures stay"
    );
    assert_eq!(rec.bytes_written(), file.len() as f64);
    assert!(rec.is_stopped() && rec.poll_timeout().is_none());

    let refused = |settings: &[(&str, JsValue)]| message(Recorder::new(options(settings), None));
    assert!(refused(&[("layout", "quad".into())]).contains("layout"));
    assert!(refused(&[("sampleRate", 11025.into())]).contains("sample_rate"));
    assert!(refused(&[("format", "mp3".into())]).contains("expected wav or ogg-opus"));
    assert!(
        refused(&[("legs", strings(&["a", "b"])), ("layout", "mono".into())])
            .contains("metadata.legs")
    );
    assert!(refused(&[("extra", options(&[("a=b", "c".into())]))]).contains("metadata.extra"));
    assert!(refused(&[("extra", 1.into())]).contains("an object of strings"));
    assert!(refused(&[("checkpointIntervalMs", 5.into())]).contains("checkpoint_interval"));
    assert_eq!(
        refused(&[("maxDuration", 5.into())]),
        "invalid argument: record option \"maxDuration\" is not known; expected layout, \
         sampleRate, format, opusBitrate, pauseMode, maxDurationMs, maxBytes, \
         checkpointIntervalMs, startTime, callId, legs, extra"
    );
}

#[wasm_bindgen_test]
fn an_ogg_opus_recording_decodes_back() {
    let settings = options(&[
        ("layout", "mono".into()),
        ("sampleRate", 16000.into()),
        ("format", "ogg-opus".into()),
        ("opusBitrate", 24000.into()),
        ("callId", "ogg-1".into()),
    ]);
    let mut rec = ok(Recorder::new(settings, None));
    let low = sine(300.0, 3000, 16000, 4000.0, 0);
    let high = sine(1200.0, 3000, 16000, 2600.0, 0);
    let speechish: Vec<i16> = low.iter().zip(&high).map(|(a, b)| a + b).collect();
    for (i, frame) in speechish.chunks(320).enumerate() {
        ok(rec.write(i as f64 * TICK_US, 0.0, frame, 16000.0, None));
    }
    let (file, summary) = file_and_summary(&ok(rec.finish(150.0 * TICK_US)));
    assert_eq!(text(&summary, "format"), "ogg-opus");
    assert_eq!(number(&summary, "bytes"), file.len() as f64);
    assert!(
        file.len() < 16000 * 2 * 3 / 8,
        "compact: {} bytes",
        file.len()
    );
    assert_eq!(&file[..4], b"OggS");
    assert!(contains(&file, b"OpusHead") && contains(&file, b"ogg-1"));

    let hint = options(&[("hint", "opus".into())]);
    let prompt = ok(Prompt::decode(&file, 16000.0, None, hint));
    assert!(
        prompt.frames().abs_diff(48_000) <= 320,
        "{}",
        prompt.frames()
    );
    let decoded = prompt.samples();
    assert!(tone_level(&decoded[4000..44_000], 300.0, 16000.0) > 2500.0);
    let decoded = ok(Prompt::decode_info(&file, 8000.0, Some(2.0), UNDEFINED));
    let info = get(&decoded, "info");
    assert_eq!(text(&info, "format"), "Ogg Opus");
    assert_eq!(
        (number(&info, "sourceRate"), number(&info, "sourceChannels")),
        (48000.0, 1.0)
    );
    assert!((number(&info, "sourceFrames") - 144_000.0).abs() <= 960.0);
    let stereo = get(&decoded, "prompt");
    assert_eq!(
        (number(&stereo, "channels"), number(&stereo, "sampleRate")),
        (2.0, 8000.0),
        "a Prompt at the layout asked for"
    );
}

#[wasm_bindgen_test]
fn prompt_files_decode_and_bad_files_name_the_problem() {
    let tone = sine(500.0, 1000, 16000, 8000.0, 0);
    let prompt = ok(Prompt::decode(
        &wav_file(&tone, 16000),
        8000.0,
        None,
        UNDEFINED,
    ));
    assert_eq!((prompt.sample_rate(), prompt.frames()), (8000, 8000));
    assert!(tone_level(&prompt.samples()[500..7500], 500.0, 8000.0) > 7500.0);

    let refused = |bytes: &[u8], options: JsValue| {
        message(Prompt::decode(bytes, 8000.0, None, options)).to_lowercase()
    };
    let png = [&b"\x89PNG\r\n\x1a\n"[..], &[0; 100]].concat();
    let m = refused(&png, UNDEFINED);
    assert!(m.contains("png image") && m.contains("expected wav"), "{m}");
    assert!(refused(&[], UNDEFINED).contains("empty"));
    let short = options(&[("maxSeconds", 0.5.into())]);
    let m = refused(&wav_file(&tone, 16000), short);
    assert!(m.contains("limit") || m.contains("too long"), "{m}");
    let small = options(&[("maxInputBytes", 100.into())]);
    assert!(refused(&wav_file(&tone, 16000), small).contains("100"));
    let m = refused(&wav_file(&tone, 16000)[..30], UNDEFINED);
    assert!(
        ["truncat", "corrupt", "no audio", "empty"]
            .iter()
            .any(|w| m.contains(w)),
        "{m}"
    );
    let typo = options(&[("maxSecs", 1.into())]);
    assert!(refused(&wav_file(&tone, 16000), typo).contains("decode option \"maxsecs\""));
    let negative = options(&[("maxSeconds", (-1).into())]);
    assert!(refused(&wav_file(&tone, 16000), negative).contains("maxseconds -1"));
    assert!(message(Prompt::decode(&[], 11025.0, None, UNDEFINED)).contains("11025"));
}

#[wasm_bindgen_test]
fn the_prompt_cache_shares_one_copy_and_loads_only_on_a_miss() {
    let mut cache = ok(PromptCache::new(Some((1 << 20) as f64)));
    let file: JsValue =
        Uint8Array::from(&wav_file(&sine(500.0, 500, 8000, 8000.0, 0), 8000)[..]).into();
    let first = cache
        .get_or_decode("welcome.wav", 8000.0, file, None, None)
        .unwrap();
    let loads = Rc::new(Cell::new(0));
    let counted = loads.clone();
    let loader = Closure::<dyn FnMut() -> JsValue>::new(move || {
        counted.set(counted.get() + 1);
        Uint8Array::from(&wav_file(&[7; 800], 8000)[..]).into()
    });
    let loader: &JsValue = loader.as_ref();
    let again = cache
        .get_or_decode("welcome.wav", 8000.0, loader.clone(), None, None)
        .unwrap();
    assert!(first.shares_samples_with(&again));
    assert_eq!(loads.get(), 0, "not called on a hit");
    let stats = cache.stats();
    assert_eq!(
        ["entries", "bytes", "hits", "misses", "evictions"].map(|k| number(&stats, k)),
        [1.0, 8000.0, 1.0, 1.0, 0.0]
    );
    let lazy = cache
        .get_or_decode("lazy.wav", 8000.0, loader.clone(), Some(1.0), None)
        .unwrap();
    assert_eq!((loads.get(), lazy.frames()), (1, 800));
    assert!(
        cache
            .get("lazy.wav", 8000.0, None)
            .unwrap()
            .unwrap()
            .shares_samples_with(&lazy)
    );
    assert!(ok(cache.get("lazy.wav", 16000.0, None)).is_none());

    let thrown = js_sys::Function::new_no_args("throw new Error('the file server is down')");
    let err = cache
        .get_or_decode("down.wav", 8000.0, thrown.into(), None, None)
        .err()
        .unwrap();
    assert_eq!(
        error_message(err),
        "the file server is down",
        "the loader's own error"
    );
    let broken = Uint8Array::from(&b"RIFF"[..]).into();
    assert!(
        cache
            .get_or_decode("broken.wav", 8000.0, broken, None, None)
            .is_err()
    );
    let err = cache
        .get_or_decode("text.wav", 8000.0, "RIFF".into(), None, None)
        .err()
        .unwrap();
    assert!(error_message(err).contains("not a Uint8Array"));
    assert_eq!(
        number(&cache.stats(), "entries"),
        2.0,
        "nothing kept from the failures"
    );
    assert_eq!(cache.remove("welcome.wav"), 1);
    assert!(cache.insert("beep", &ok(Prompt::from_samples(8000.0, &[1; 80], None))));
    cache.clear();
    assert_eq!(number(&cache.stats(), "entries"), 0.0);
    assert_eq!(cache.max_bytes(), 1 << 20);
}

#[wasm_bindgen_test]
fn a_session_records_its_call_in_stereo() {
    let mut caller = quiet_session(1);
    let mut callee = quiet_session(2);
    let settings = options(&[("callId", "s-1".into()), ("maxDurationMs", 2000.into())]);
    ok(callee.start_recording(0.0, settings));
    assert!(callee.is_recording());
    assert!(message(callee.start_recording(0.0, UNDEFINED)).contains("already recording"));
    let mut events = Vec::new();
    for i in 0..150 {
        let now = i as f64 * TICK_US;
        ok(caller.push_capture(now, &sine(440.0, 20, 8000, 8000.0, i * 160)));
        ok(callee.push_capture(now, &sine(1000.0, 20, 8000, 4000.0, i * 160)));
        while let Some(datagram) = ok(caller.poll_transmit(now)) {
            ok(callee.handle_rtp(now, &datagram));
        }
        while let Some(datagram) = ok(callee.poll_transmit(now)) {
            ok(caller.handle_rtp(now, &datagram));
        }
        ok(caller.pull_playout(now));
        ok(callee.pull_playout(now));
        ok(callee.handle_timeout(now));
        events.extend(drain(|| callee.poll_event()));
    }
    let limits = events_of_type(&events, "recording_limit_reached");
    assert_eq!(limits.len(), 1, "once");
    assert_eq!(text(limits[0], "limit"), "duration");
    assert_eq!(number(limits[0], "durationMs"), 2000.0);
    assert_eq!(callee.recording_duration_ms(), Some(2000.0));
    assert!(
        callee.is_recording(),
        "stopped at the limit, not yet collected"
    );
    let (file, summary) = file_and_summary(&ok(callee.stop_recording(150.0 * TICK_US)));
    assert!(!callee.is_recording() && callee.recording_duration_ms().is_none());
    assert_eq!(number(&summary, "channels"), 2.0);
    let (_, _, pcm, list) = read_wav(&file);
    assert!(contains(&list, b"call_id=s-1"));
    let left: Vec<i16> = pcm.iter().step_by(2).copied().collect();
    let right: Vec<i16> = pcm.iter().skip(1).step_by(2).copied().collect();
    assert_eq!(left.len(), 16_000);
    let heard = &left[8000..15_000];
    assert!(
        tone_level(heard, 440.0, 8000.0) > 7000.0,
        "the caller on the left"
    );
    assert!(tone_level(heard, 1000.0, 8000.0) < 100.0);
    let sent = &right[8000..15_000];
    assert!(
        tone_level(sent, 1000.0, 8000.0) > 3500.0,
        "the callee on the right"
    );
    assert!(tone_level(sent, 440.0, 8000.0) < 100.0);
    assert!(message(callee.stop_recording(0.0)).contains("not recording"));
    assert!(message(callee.pause_recording(0.0)).contains("not recording"));
    assert!(
        message(callee.start_recording(0.0, options(&[("layout", "quad".into())])))
            .contains("layout")
    );
}
