//! The receive path as a page drives it: jitter buffer options and counters, RTCP reports,
//! round trip and BYE, and quality events, between two sessions in simulated time.
//!
//! Runs in node and in headless Chromium like `api.rs` (see `scripts/test-wasm.sh`).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use js_sys::Object;
use mediacore_wasm::MediaSession;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// 20 ms at 8 kHz.
const FRAME: usize = 160;
/// Ticks a "late" packet is held: 500 ms, past any target delay the tests allow.
const LATE_TICKS: usize = 25;

fn pair(options: &[(&str, JsValue)]) -> (MediaSession, MediaSession) {
    let options = self::options(options);
    (
        ok(session_with(1, options.clone())),
        ok(session_with(2, options)),
    )
}

/// What happens to A's RTP packets (numbered from 0) on the way to B.
#[derive(Default)]
struct Impairments<'a> {
    lost: &'a [usize],
    swapped: &'a [usize],
    late: &'a [usize],
    doubled: &'a [usize],
}

/// A and B talk for `ticks` ticks from `start`: each captures a tone, sends RTP, plays a
/// frame, acts on its timers and sends its due RTCP, which reaches the peer one tick later
/// (a 40 ms round trip). A's packets are impaired on the way to B: lost, arriving after the
/// next one, arriving `LATE_TICKS` late or twice. Returns the events of A and of B.
fn call(
    a: &mut MediaSession,
    b: &mut MediaSession,
    start: usize,
    ticks: usize,
    net: &Impairments<'_>,
) -> (Vec<JsValue>, Vec<JsValue>) {
    let tone: Vec<i16> = (0..FRAME)
        .map(|i| ((i as f64 * 0.35).sin() * 8000.0) as i16)
        .collect();
    let mut to_b: Vec<(usize, Vec<u8>)> = Vec::new();
    // (due tick, true when for B, compound)
    let mut rtcp: Vec<(usize, bool, Vec<u8>)> = Vec::new();
    let (mut events_a, mut events_b) = (Vec::new(), Vec::new());
    let mut sent = 0;
    for tick in start..start + ticks {
        let now = tick as f64 * TICK_US;
        ok(a.push_capture(now, &tone));
        ok(b.push_capture(now, &tone));
        while let Some(datagram) = ok(a.poll_transmit(now)) {
            let n = sent;
            sent += 1;
            if net.lost.contains(&n) {
                continue;
            }
            let delay = if net.late.contains(&n) {
                LATE_TICKS
            } else {
                usize::from(net.swapped.contains(&n))
            };
            if net.doubled.contains(&n) {
                to_b.push((tick, datagram.clone()));
            }
            to_b.push((tick + delay, datagram));
        }
        // Newest first, so that a packet held back arrives after the one behind it.
        let (due, later): (Vec<_>, Vec<_>) = to_b.into_iter().partition(|p| p.0 <= tick);
        to_b = later;
        for (_, datagram) in due.into_iter().rev() {
            ok(b.handle_rtp(now, &datagram));
        }
        while let Some(datagram) = ok(b.poll_transmit(now)) {
            ok(a.handle_rtp(now, &datagram));
        }
        let (due, later): (Vec<_>, Vec<_>) = rtcp.into_iter().partition(|p| p.0 <= tick);
        rtcp = later;
        for (_, for_b, compound) in due {
            let receiver = if for_b { &mut *b } else { &mut *a };
            ok(receiver.handle_rtcp(now, &compound));
        }
        for (s, to_peer_b, log) in [
            (&mut *a, true, &mut events_a),
            (&mut *b, false, &mut events_b),
        ] {
            assert_eq!(ok(s.pull_playout(now)).len(), FRAME);
            ok(s.handle_timeout(now));
            while let Some(compound) = ok(s.poll_rtcp(now)) {
                rtcp.push((tick + 1, to_peer_b, compound));
            }
            loop {
                let event = s.poll_event();
                if event.is_undefined() {
                    break;
                }
                log.push(event);
            }
        }
    }
    (events_a, events_b)
}

fn kind(event: &JsValue) -> String {
    get(event, "type").as_string().expect("type is a string")
}

#[wasm_bindgen_test]
fn jitter_buffer_conceals_drops_late_and_duplicate_packets() {
    let (mut a, mut b) = pair(&[
        ("minDelayMs", 20.into()),
        ("maxDelayMs", 300.into()),
        ("initialDelayMs", 60.into()),
        ("qualityIntervalMs", JsValue::NULL),
    ]);
    assert_eq!(b.playout_delay_ms(), None, "nothing played yet");
    assert_eq!(b.target_delay_ms(), 60.0, "the initial delay");
    let net = Impairments {
        lost: &[20, 21, 90, 160],
        swapped: &[40, 80, 120, 200],
        late: &[140],
        doubled: &[60],
    };
    call(&mut a, &mut b, 0, 250, &net);
    let jitter = b.jitter_stats();
    let keys: Vec<String> = Object::keys(jitter.unchecked_ref::<Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .collect();
    assert_eq!(keys.len(), 16);
    assert_eq!(
        keys[..3],
        ["packetsInserted", "packetsDuplicate", "packetsLate"]
    );
    assert!(number(&jitter, "samplesConcealed") >= 3.0 * FRAME as f64);
    assert_eq!(
        number(&jitter, "packetsLate"),
        1.0,
        "the packet held 500 ms"
    );
    assert_eq!(number(&jitter, "packetsDuplicate"), 1.0);
    assert_eq!(number(&jitter, "packetsInserted"), (250 - 4 - 1) as f64);
    assert_eq!(number(&jitter, "decodeErrors"), 0.0);
    assert_eq!(number(&b.stats(), "packetsLost"), 4.0);
    let delay = b.playout_delay_ms().expect("playing");
    assert!((0.0..=300.0).contains(&delay), "{delay}");
    let target = b.target_delay_ms();
    assert!((20.0..=300.0).contains(&target), "{target}");
}

#[wasm_bindgen_test]
fn fixed_jitter_buffer_holds_its_delay_and_bad_options_throw() {
    let (mut a, mut b) = pair(&[
        ("jitterMode", "fixed".into()),
        ("initialDelayMs", 80.into()),
        ("qualityIntervalMs", 0.into()),
    ]);
    assert_eq!(b.target_delay_ms(), 80.0);
    let net = Impairments {
        swapped: &[10, 30, 50],
        ..Impairments::default()
    };
    call(&mut a, &mut b, 0, 100, &net);
    assert_eq!(b.target_delay_ms(), 80.0);
    assert!(b.playout_delay_ms().is_some());
    assert_eq!(number(&b.jitter_stats(), "samplesAccelerated"), 0.0);

    let bad = options(&[
        ("minDelayMs", 300.into()),
        ("maxDelayMs", 100.into()),
        ("initialDelayMs", 50.into()),
    ]);
    assert_eq!(
        message(session_with(1, bad)),
        "invalid argument: jitter buffer delays must satisfy min_delay <= initial_delay <= \
         max_delay <= 10 s; got 300 / 50 / 100 ms"
    );
    let bad = options(&[("jitterMode", "elastic".into())]);
    assert_eq!(
        message(session_with(1, bad)),
        "invalid argument: unknown jitter buffer mode \"elastic\"; expected \"adaptive\" or \"fixed\""
    );
    let bad = options(&[("minDelay", 20.into())]);
    let m = message(session_with(1, bad));
    assert!(
        m.starts_with(
            "invalid argument: session option \"minDelay\" is not known; expected jitterMode, "
        ),
        "{m}"
    );
    let m = message(session_with(1, options(&[("rtcp", "yes".into())])));
    assert!(m.contains("session option rtcp"), "{m}");
    let m = message(session_with(1, options(&[("maxDelayMs", (-5).into())])));
    assert!(
        m.starts_with("invalid argument: maxDelayMs -5 is not a whole number"),
        "{m}"
    );
    let m = message(session_with(
        1,
        options(&[("cname", "c".repeat(256).into())]),
    ));
    assert_eq!(m, "RTCP CNAME of 256 bytes is too long; at most 255");
}

#[wasm_bindgen_test]
fn rtcp_measures_the_round_trip_and_bye_ends_the_call() {
    let (mut a, mut b) = pair(&[
        ("qualityIntervalMs", JsValue::NULL),
        ("cname", "alice@example.net".into()),
        ("ntpOriginUnixMs", 1_763_700_000_000.0.into()),
    ]);
    call(&mut a, &mut b, 0, 600, &Impairments::default()); // 12 s
    for (s, peer) in [(&a, &b), (&b, &a)] {
        let stats = s.rtcp_stats();
        assert!(number(&stats, "reportsSent") >= 2.0, "{stats:?}");
        assert!(number(&stats, "reportsReceived") >= 2.0, "{stats:?}");
        assert!(number(&stats, "rttSamples") >= 1.0, "{stats:?}");
        // RTCP takes one tick each way; the timestamps resolve 1/65536 s.
        let rtt = number(&stats, "rttMs");
        assert!((rtt - 40.0).abs() <= 1.0, "{rtt}");
        assert_eq!(number(&stats, "remoteSsrc"), f64::from(peer.local_ssrc()));
        assert_eq!(number(&stats, "rtcpRejected"), 0.0);
    }

    let now = 600.0 * TICK_US;
    let garbage = [0x80, 0xc9, 0x00, 0x05, 0, 0, 0, 0];
    assert_eq!(
        message(b.handle_rtcp(now, &garbage)),
        "RTCP packet is truncated: 24 bytes needed, 8 present"
    );
    assert_eq!(number(&b.rtcp_stats(), "rtcpRejected"), 1.0);

    assert!(message(a.close(now, Some("x".repeat(256)))).contains("too long; at most 255"));
    ok(a.close(now, Some("hanging up".into())));
    let bye = ok(a.poll_rtcp(now)).expect("a BYE");
    assert_eq!(ok(a.poll_rtcp(now)), None);
    ok(b.handle_rtcp(now, &bye));
    let event = b.poll_event();
    assert_eq!(kind(&event), "remote_bye");
    assert_eq!(number(&event, "ssrc"), f64::from(a.local_ssrc()));
    assert_eq!(
        get(&event, "reason").as_string().as_deref(),
        Some("hanging up")
    );
    assert!(b.poll_event().is_undefined());

    ok(b.close(now, None));
    ok(a.handle_rtcp(now, &ok(b.poll_rtcp(now)).expect("a BYE")));
    let event = a.poll_event();
    assert_eq!(kind(&event), "remote_bye");
    assert!(get(&event, "reason").is_null());
}

#[wasm_bindgen_test]
fn rtcp_can_be_turned_off() {
    let mut a = ok(session_with(1, options(&[("rtcp", false.into())])));
    let mut b = ok(session_with(2, UNDEFINED));
    call(&mut a, &mut b, 0, 400, &Impairments::default());
    assert_eq!(number(&a.rtcp_stats(), "reportsSent"), 0.0);
    assert!(number(&a.rtcp_stats(), "reportsReceived") >= 1.0);
    assert!(get(&a.rtcp_stats(), "rttMs").is_null());
    ok(a.close(400.0 * TICK_US, None));
    assert_eq!(
        ok(a.poll_rtcp(400.0 * TICK_US)),
        None,
        "no BYE without RTCP"
    );
}

#[wasm_bindgen_test]
fn quality_events_estimate_r_and_mos() {
    let (mut a, mut b) = pair(&[("qualityIntervalMs", 1000.into())]);
    assert!(b.quality().is_undefined());
    let net = Impairments {
        lost: &[10, 30, 31, 100],
        ..Impairments::default()
    };
    let (_, events) = call(&mut a, &mut b, 0, 160, &net);
    let reports: Vec<&JsValue> = events.iter().filter(|e| kind(e) == "quality").collect();
    assert!(reports.len() >= 2, "{events:?}");
    for report in &reports {
        let (r, mos) = (number(report, "r"), number(report, "mos"));
        assert!(
            (0.0..=100.0).contains(&r) && (1.0..=4.5).contains(&mos),
            "{report:?}"
        );
        assert!(number(report, "packets") > 0.0);
        let loss = number(report, "packetLossPercent");
        assert!((0.0..10.0).contains(&loss), "{loss}");
        assert!(number(report, "burstRatio") >= 0.0);
        assert!(number(report, "oneWayDelayMs") >= 20.0 + number(report, "jitterBufferDelayMs"));
    }
    assert!(reports.iter().any(|r| number(r, "packetLossPercent") > 0.0));
    let last = reports.last().expect("a report");
    let quality = b.quality();
    for key in ["r", "mos", "packetLossPercent", "oneWayDelayMs", "packets"] {
        assert_eq!(number(&quality, key), number(last, key), "{key}");
    }
    assert!(get(&quality, "type").is_undefined());

    let (mut a, mut b) = pair(&[("qualityIntervalMs", JsValue::NULL)]);
    let (_, events) = call(&mut a, &mut b, 0, 300, &Impairments::default());
    assert!(events.iter().all(|e| kind(e) != "quality"));
    assert!(b.quality().is_undefined());
}
