//! A conference as a page drives it: three PCMU peers (plain `MediaSession`s on the test
//! side) exchange datagrams with a `Conference` in simulated time while peer A talks a tone.
//! B and C hear it at one level and A does not hear itself; muting A and deafening B change
//! that; "talk_started" and "active_speaker" name A; a recording of the mix holds the tone;
//! bad input throws the core's message.
//!
//! Runs in node and in headless Chromium like `api.rs` (see `scripts/test-wasm.sh`).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use js_sys::Uint8Array;
use mediacore_wasm::{Conference, MediaSession};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const FRAME: usize = 160;
const TONE_HZ: f64 = 440.0;

/// A conference at 8 kHz with three quiet PCMU participants and their peers.
struct Call {
    conference: Conference,
    peers: Vec<MediaSession>,
    ids: Vec<f64>,
    tick: usize,
}

/// `addParticipant("PCMU", participant, seed, ..., {rtcp: false, qualityIntervalMs: null})`.
fn add(conference: &mut Conference, participant: JsValue, seed: u64) -> Result<u32, String> {
    let quiet = options(&[("rtcp", false.into()), ("qualityIntervalMs", JsValue::NULL)]);
    conference
        .add_participant(
            "PCMU",
            participant,
            seed.into(),
            None,
            None,
            JsValue::NULL,
            None,
            UNDEFINED,
            quiet,
        )
        .map_err(error_message)
}

impl Call {
    fn new() -> Call {
        let mut conference = ok(Conference::new(options(&[("sampleRate", 8000.into())])));
        let ids = (0..3)
            .map(|i| f64::from(add(&mut conference, UNDEFINED, 10 + i).unwrap()))
            .collect();
        Call {
            conference,
            peers: (1..=3).map(quiet_session).collect(),
            ids,
            tick: 0,
        }
    }

    /// `ticks` ticks: each peer sends a frame (A the tone), the conference mixes, each peer
    /// plays one frame. What each peer played.
    fn run(&mut self, ticks: usize) -> Vec<Vec<i16>> {
        let mut heard = vec![Vec::new(); 3];
        for _ in 0..ticks {
            let now = self.tick as f64 * TICK_US;
            for (i, peer) in self.peers.iter_mut().enumerate() {
                let frame = if i == 0 {
                    sine(TONE_HZ, 20, 8000, 8000.0, self.tick * FRAME)
                } else {
                    vec![0; FRAME]
                };
                ok(peer.push_capture(now, &frame));
                while let Some(datagram) = ok(peer.poll_transmit(now)) {
                    ok(self.conference.handle_rtp(now, self.ids[i], &datagram));
                }
            }
            ok(self.conference.tick(now));
            for sent in drain(|| ok(self.conference.poll_transmit(now))) {
                let to = number(&sent, "participant");
                let datagram = Uint8Array::from(get(&sent, "datagram")).to_vec();
                let peer = self
                    .ids
                    .iter()
                    .position(|&id| id == to)
                    .expect("a participant");
                ok(self.peers[peer].handle_rtp(now, &datagram));
            }
            for (i, peer) in self.peers.iter_mut().enumerate() {
                heard[i].extend(ok(peer.pull_playout(now)));
            }
            self.tick += 1;
        }
        heard
    }

    fn events(&mut self) -> Vec<JsValue> {
        drain(|| self.conference.poll_event())
    }
}

fn db(a: f64, b: f64) -> f64 {
    20.0 * (a / b).log10()
}

#[wasm_bindgen_test]
fn b_and_c_hear_a_at_one_level_and_a_does_not_hear_itself() {
    let mut call = Call::new();
    call.run(25);
    let heard = call.run(50);
    let (b, c) = (
        tone_level(&heard[1], TONE_HZ, 8000.0),
        tone_level(&heard[2], TONE_HZ, 8000.0),
    );
    assert!(b > 5000.0, "B hears A's tone at {b}");
    assert!(db(b, c).abs() < 0.5, "B {b} and C {c}");
    // Nearly all of what B hears is the tone.
    assert!(tone_level(&heard[1], TONE_HZ, 8000.0) / (rms(&heard[1]) * 2f64.sqrt()) > 0.95);
    assert!(rms(&heard[0]) < 0.01 * rms(&heard[1]), "A hears itself");
    let stats = call.conference.stats();
    assert_eq!(number(&stats, "ticks"), 75.0);
    assert_eq!(number(&stats, "ticksSkipped"), 0.0);
}

#[wasm_bindgen_test]
fn muting_a_silences_it_and_deafening_b_silences_b_alone() {
    let mut call = Call::new();
    call.run(40);
    let (a, b) = (call.ids[0], call.ids[1]);
    ok(call.conference.set_muted(a, true));
    call.run(10);
    let heard = call.run(30);
    assert!(
        rms(&heard[1]) < 30.0 && rms(&heard[2]) < 30.0,
        "a muted A is heard"
    );
    ok(call.conference.set_muted(a, false));
    ok(call.conference.set_deaf(b, true));
    call.run(10);
    let heard = call.run(30);
    assert!(rms(&heard[1]) < 30.0, "a deaf B hears");
    assert!(rms(&heard[2]) > 3000.0, "C no longer hears A");
    let options = call.conference.options(b).unwrap();
    assert_eq!(get(&options, "deaf"), JsValue::TRUE);
}

#[wasm_bindgen_test]
fn talk_started_and_active_speaker_name_a_and_session_events_their_participant() {
    let mut call = Call::new();
    call.run(40);
    let a = call.ids[0];
    let events = call.events();
    for kind in ["talk_started", "active_speaker"] {
        let found = events_of_type(&events, kind);
        assert!(
            found.iter().any(|e| number(e, "participant") == a),
            "{kind} for A in {events:?}"
        );
    }
    assert_eq!(call.conference.active_speaker(), Some(a as u32));
    assert!(ok(call.conference.is_talking(a)));
    assert!(!ok(call.conference.is_talking(call.ids[1])));
    let started = events_of_type(&events, "remote_source_started");
    assert_eq!(started.len(), 3);
    for e in started {
        let peer = call
            .ids
            .iter()
            .position(|&id| id == number(e, "participant"));
        let ssrc = call.peers[peer.expect("a participant")].local_ssrc();
        assert_eq!(number(e, "ssrc"), f64::from(ssrc));
    }
}

#[wasm_bindgen_test]
fn a_recording_of_the_mix_holds_the_tone() {
    let mut call = Call::new();
    let mono = options(&[("layout", "mono".into()), ("sampleRate", 8000.into())]);
    ok(call.conference.start_recording(0.0, mono));
    assert!(call.conference.is_recording());
    call.run(100);
    let finished = ok(call.conference.stop_recording(100.0 * TICK_US));
    let summary = get(&finished, "summary");
    assert_eq!(number(&summary, "channels"), 1.0);
    assert!((number(&summary, "durationMs") - 2000.0).abs() <= 40.0);
    let (channels, rate, pcm, _) = read_wav(&Uint8Array::from(get(&finished, "bytes")).to_vec());
    assert_eq!((channels, rate), (1, 8000));
    assert!(tone_level(&pcm[8000..16000], TONE_HZ, 8000.0) > 4000.0);
    assert!(tone_level(&pcm[8000..16000], 1000.0, 8000.0) < 100.0);
}

#[wasm_bindgen_test]
fn bad_input_throws_the_core_message_and_the_conference_goes_on() {
    let bad = |o: JsValue| match Conference::new(o) {
        Ok(_) => panic!("expected the constructor to throw"),
        Err(e) => error_message(e),
    };
    let msg = bad(options(&[("sampleRate", 44100.into())]));
    assert!(
        msg.contains("sample_rate 44100 Hz is not a mix rate"),
        "{msg}"
    );
    let msg = bad(options(&[("tickMs", 15.into())]));
    assert!(msg.contains("tick 15ms is not supported"), "{msg}");
    let msg = bad(options(&[("sampleRte", 8000.into())]));
    assert!(
        msg.contains("conference option \"sampleRte\" is not known"),
        "{msg}"
    );
    let mut call = Call::new();
    let loud = options(&[("inputGainDb", 20.into())]);
    let msg = add(&mut call.conference, loud, 9).unwrap_err();
    assert!(msg.contains("input_gain_db 20 is out of range"), "{msg}");
    let whisper = options(&[("whisperTo", "B".into())]);
    let msg = add(&mut call.conference, whisper, 9).unwrap_err();
    assert!(msg.contains("participant option whisperTo"), "{msg}");
    let msg = message(call.conference.handle_rtp(0.0, 99.0, &[0; 172]));
    assert!(
        msg.contains("no participant 99 in this conference"),
        "{msg}"
    );
    let msg = message(call.conference.set_muted(1.5, true));
    assert!(
        msg.contains("participant 1.5 is not a whole number"),
        "{msg}"
    );
    let stereo = options(&[("layout", "stereo".into())]);
    let msg = message(call.conference.start_recording(0.0, stereo));
    assert!(msg.contains("layout stereo is not mono"), "{msg}");
    call.run(30);
    let session = ok(call
        .conference
        .remove_participant(30.0 * TICK_US, call.ids[2]));
    assert!(number(&session.stats(), "packetsReceived") > 0.0);
    assert_eq!(
        call.conference.participants(),
        vec![call.ids[0] as u32, call.ids[1] as u32]
    );
}
