//! Tests of the RFC 4733 payload, sender and receiver.

use super::*;
use crate::time::Instant;
use proptest::prelude::*;

fn ev(event: u8, end: bool, duration: u16) -> TelephoneEvent {
    TelephoneEvent {
        event,
        end,
        volume: 10,
        duration,
    }
}

fn ms(n: u64) -> Instant {
    Instant::from_millis(n)
}

fn receiver(rate: u32) -> TelephoneEventReceiver {
    TelephoneEventReceiver::new(ReceiverConfig::new(rate)).unwrap()
}

fn feed(rx: &mut TelephoneEventReceiver, now: Instant, ssrc: u32, ts: u32, e: TelephoneEvent) {
    rx.handle_packet(now, ssrc, 0, ts, false, &e.to_bytes())
        .unwrap();
}

fn drain(rx: &mut TelephoneEventReceiver) -> Vec<DtmfEvent> {
    core::iter::from_fn(|| rx.poll_event()).collect()
}

/// (digit char, duration ms, reason) of each ended event, and the count of starts.
fn summary(events: &[DtmfEvent]) -> (usize, Vec<(char, u64, EndReason)>) {
    let starts = events
        .iter()
        .filter(|e| matches!(e, DtmfEvent::DigitStarted { .. }))
        .count();
    let ends = events
        .iter()
        .filter_map(|e| match *e {
            DtmfEvent::DigitEnded {
                digit,
                duration_ms,
                reason,
                ..
            } => Some((digit.map_or('?', Digit::as_char), duration_ms, reason)),
            DtmfEvent::DigitStarted { .. } => None,
        })
        .collect();
    (starts, ends)
}

/// The packets of one 100 ms digit at 8 kHz with 20 ms updates: five updates, the last
/// with E, then two more copies of it.
fn digit_packets(code: u8) -> Vec<TelephoneEvent> {
    let mut v: Vec<_> = (1..=5).map(|k| ev(code, k == 5, 160 * k)).collect();
    v.push(ev(code, true, 800));
    v.push(ev(code, true, 800));
    v
}

#[test]
fn the_payload_parses_and_writes_per_rfc_4733_section_2_3() {
    let e = TelephoneEvent::parse(&[11, 0x80 | 0x40 | 0x0A, 0x03, 0x20]).unwrap();
    assert_eq!(e, ev(11, true, 800), "the reserved bit is ignored");
    assert_eq!(e.digit(), Some(Digit::Hash));
    let mut out = [0u8; 6];
    assert_eq!(e.write(&mut out).unwrap(), 4);
    assert_eq!(
        out[..4],
        [11, 0x8A, 0x03, 0x20],
        "the reserved bit is written as 0"
    );
    let other = TelephoneEvent::parse(&[32, 0x3F, 0xFF, 0xFF]).unwrap();
    assert_eq!((other.event, other.digit(), other.volume), (32, None, 63));
    assert_eq!(other.duration, 0xFFFF);

    let err = TelephoneEvent::parse(&[1, 2, 3]).unwrap_err();
    assert_eq!(
        err,
        RtpError::Truncated {
            needed: 4,
            actual: 3
        }
        .into()
    );
    assert!(err.to_string().contains("4 bytes needed"), "{err}");
    assert!(TelephoneEvent::parse(&[]).is_err());
    let err = TelephoneEvent::parse(&[1, 2, 3, 4, 5]).unwrap_err();
    assert!(err.to_string().contains("4-byte units"), "{err}");

    let two = [1, 0x8A, 0, 160, 2, 0x0A, 0, 80];
    assert_eq!(
        TelephoneEvent::parse(&two).unwrap(),
        TelephoneEvent::parse(&two[..4]).unwrap()
    );
    let all: Vec<_> = TelephoneEvent::blocks(&two).unwrap().collect();
    assert_eq!(all, [ev(1, true, 160), ev(2, false, 80)]);

    assert!(e.write(&mut [0u8; 3]).is_err());
    let loud = TelephoneEvent { volume: 64, ..e };
    let err = loud.write(&mut out).unwrap_err().to_string();
    assert!(err.contains("volume 64"), "{err}");
}

fn sender(rate: u32, ptime_ms: u64) -> TelephoneEventSender {
    TelephoneEventSender::new(SenderConfig::new(rate, Duration::from_millis(ptime_ms))).unwrap()
}

/// Polls once per `step` ticks from `ts0` for `n` steps; (step index, packet).
fn run_sender(
    tx: &mut TelephoneEventSender,
    ts0: u32,
    step: u32,
    n: u32,
) -> Vec<(u32, EventPacket)> {
    let mut out = Vec::new();
    for i in 0..n {
        while let Some(p) = tx.poll(ts0.wrapping_add(i * step)) {
            out.push((i, p));
        }
    }
    out
}

#[test]
fn the_sender_sends_marker_first_growing_durations_and_the_end_three_times() {
    let mut tx = sender(8000, 20);
    assert!(!tx.is_active());
    tx.queue("5").unwrap();
    let mut seen = Vec::new();
    let mut active = Vec::new();
    for i in 0..12u32 {
        while let Some(p) = tx.poll(1000 + i * 160) {
            seen.push((i, p));
        }
        active.push(tx.is_active());
    }
    let expect: [(u32, bool, u16, bool); 7] = [
        (0, true, 160, false),
        (1, false, 320, false),
        (2, false, 480, false),
        (3, false, 640, false),
        (4, false, 800, true),
        (5, false, 800, true),
        (6, false, 800, true),
    ];
    assert_eq!(seen.len(), expect.len(), "{seen:?}");
    for ((i, p), (ei, marker, duration, end)) in seen.iter().zip(expect) {
        assert_eq!(*i, ei);
        assert_eq!(p.marker, marker, "marker only on the first packet");
        assert_eq!(
            p.timestamp, 1000,
            "every packet carries the start timestamp"
        );
        assert_eq!(p.event.event, 5);
        assert_eq!(p.event.duration, duration);
        assert_eq!(p.event.end, end);
        assert_eq!(p.event.volume, 10);
        assert_eq!(p.payload, p.event.to_bytes());
    }
    assert_eq!(
        active,
        [
            true, true, true, true, true, true, false, false, false, false, false, false
        ],
        "active from the first packet to the last copy of the end"
    );
}

#[test]
fn the_sender_spaces_digits_by_the_gap_and_honours_its_settings() {
    let config = SenderConfig {
        interval: Duration::from_millis(50),
        digit_duration: Duration::from_millis(120),
        gap: Duration::from_millis(200),
        volume: 20,
        queue_capacity: 3,
        ..SenderConfig::new(8000, Duration::from_millis(20))
    };
    let mut tx = TelephoneEventSender::new(config).unwrap();
    tx.queue("1*").unwrap();
    assert_eq!(tx.queued(), 2);
    let err = tx.queue("23").unwrap_err().to_string();
    assert!(err.contains("1 of 3"), "{err}");
    assert!(tx.queue("x").is_err());
    assert_eq!(tx.queued(), 2, "a refused queue call adds nothing");
    // Polled every 20 ms; updates are due every 50 ms (400 ticks).
    let packets = run_sender(&mut tx, 0, 160, 60);
    let first: Vec<_> = packets.iter().filter(|(_, p)| p.timestamp == 0).collect();
    let durations: Vec<_> = first.iter().map(|(_, p)| p.event.duration).collect();
    assert_eq!(durations, [400, 800, 960, 960, 960]);
    let at: Vec<_> = first.iter().map(|(i, _)| *i).collect();
    assert_eq!(
        at,
        [0, 3, 5, 8, 10],
        "sent on the first poll at or after each 50 ms"
    );
    assert!(
        first
            .iter()
            .all(|(_, p)| p.event.volume == 20 && p.event.event == 1)
    );
    let second: Vec<_> = packets.iter().filter(|(_, p)| p.timestamp != 0).collect();
    // 120 ms tone + 200 ms gap = 2560 ticks, on the 160-tick poll grid.
    assert_eq!(second[0].1.timestamp, 2560);
    assert!(second[0].1.marker);
    assert_eq!(second[0].1.event.event, 10);
    assert_eq!(second.len(), 5);

    for bad in [
        SenderConfig {
            clock_rate: 0,
            ..SenderConfig::new(8000, Duration::from_millis(20))
        },
        SenderConfig::new(8000, Duration::ZERO),
        SenderConfig {
            volume: 64,
            ..SenderConfig::new(8000, Duration::from_millis(20))
        },
        SenderConfig {
            queue_capacity: 0,
            ..SenderConfig::new(8000, Duration::from_millis(20))
        },
        SenderConfig {
            digit_duration: Duration::ZERO,
            ..SenderConfig::new(8000, Duration::from_millis(20))
        },
    ] {
        assert!(TelephoneEventSender::new(bad).is_err());
    }
}

#[test]
fn a_long_event_at_48_khz_is_split_into_segments_of_0xffff() {
    let config = SenderConfig {
        digit_duration: Duration::from_secs(3),
        ..SenderConfig::new(48_000, Duration::from_millis(20))
    };
    let mut tx = TelephoneEventSender::new(config).unwrap();
    tx.queue("0").unwrap();
    let start = u32::MAX - 50_000; // and across the timestamp wrap
    let packets = run_sender(&mut tx, start, 960, 200);
    let seg = |k: u32| start.wrapping_add(k * 0xFFFF);
    assert!(
        packets
            .iter()
            .all(|(_, p)| [seg(0), seg(1), seg(2)].contains(&p.timestamp))
    );
    assert_eq!(packets.iter().filter(|(_, p)| p.marker).count(), 1);
    assert!(packets[0].1.marker);
    for k in 0..2 {
        let ends: Vec<_> = packets
            .iter()
            .filter(|(_, p)| p.timestamp == seg(k) && p.event.duration == 0xFFFF)
            .collect();
        assert_eq!(ends.len(), 3, "segment {k} ends three times: {ends:?}");
        assert!(ends.iter().all(|(_, p)| !p.event.end));
        let steps: Vec<_> = ends.iter().map(|(i, _)| *i).collect();
        assert_eq!(steps[1] - steps[0], 1);
        assert_eq!(steps[2] - steps[1], 1);
    }
    // 65535 ticks at 48 kHz = 1.365 s: the first segment ends on the 69th update.
    let first_end = packets
        .iter()
        .find(|(_, p)| p.event.duration == 0xFFFF)
        .unwrap();
    assert_eq!(first_end.0, 68);
    let next = packets.iter().find(|(_, p)| p.timestamp == seg(1)).unwrap();
    assert_eq!(
        (next.0, next.1.marker, next.1.event.duration),
        (68, false, (69 * 960 - 0xFFFF) as u16)
    );
    let finals: Vec<_> = packets.iter().filter(|(_, p)| p.event.end).collect();
    assert_eq!(finals.len(), 3);
    assert!(
        finals
            .iter()
            .all(|(_, p)| p.timestamp == seg(2)
                && u32::from(p.event.duration) == 144_000 - 2 * 0xFFFF)
    );
    // Within a segment, durations grow by one interval per update.
    let mid: Vec<_> = packets
        .iter()
        .filter(|(_, p)| p.timestamp == seg(1) && p.event.duration != 0xFFFF)
        .map(|(_, p)| p.event.duration)
        .collect();
    assert!(mid.windows(2).all(|w| w[1] == w[0] + 960), "{mid:?}");
}

fn round_trip(rate: u32, ptime_ms: u32, digits: &str, digit_ms: u64) -> Vec<DtmfEvent> {
    let config = SenderConfig {
        digit_duration: Duration::from_millis(digit_ms),
        ..SenderConfig::new(rate, Duration::from_millis(u64::from(ptime_ms)))
    };
    let mut tx = TelephoneEventSender::new(config).unwrap();
    tx.queue(digits).unwrap();
    let mut rx = receiver(rate);
    let step = rate / 1000 * ptime_ms;
    let mut events = Vec::new();
    for i in 0..2000u32 {
        let now = ms(u64::from(i * ptime_ms));
        let mut seq = 0u16;
        while let Some(p) = tx.poll(7 + i * step) {
            seq = seq.wrapping_add(1);
            rx.handle_packet(now, 0xABCD, seq, p.timestamp, p.marker, &p.payload)
                .unwrap();
        }
        rx.handle_timeout(now);
        events.extend(core::iter::from_fn(|| rx.poll_event()));
    }
    events
}

#[test]
fn sender_to_receiver_gives_exact_durations_at_8_and_48_khz() {
    for (rate, ptime) in [(8000, 20), (8000, 50), (48_000, 20), (48_000, 10)] {
        let events = round_trip(rate, ptime, "1#9A", 100);
        let (starts, ends) = summary(&events);
        assert_eq!(starts, 4);
        assert_eq!(
            ends,
            [
                ('1', 100, EndReason::EndBit),
                ('#', 100, EndReason::EndBit),
                ('9', 100, EndReason::EndBit),
                ('A', 100, EndReason::EndBit)
            ],
            "{rate} Hz, {ptime} ms"
        );
    }
    let events = round_trip(48_000, 20, "7", 3000);
    assert_eq!(summary(&events), (1, vec![('7', 3000, EndReason::EndBit)]));
    let events = round_trip(8000, 20, "77", 10_000);
    assert_eq!(
        summary(&events),
        (
            2,
            vec![
                ('7', 10_000, EndReason::EndBit),
                ('7', 10_000, EndReason::EndBit)
            ]
        )
    );
}

#[test]
fn a_digit_whose_first_packets_are_lost_is_still_reported() {
    let mut rx = receiver(8000);
    for (k, p) in digit_packets(3).into_iter().enumerate().skip(2) {
        feed(&mut rx, ms(20 * k as u64), 1, 5000, p);
    }
    let events = drain(&mut rx);
    assert!(matches!(
        events[0],
        DtmfEvent::DigitStarted {
            digit: Some(Digit::D3),
            timestamp: 5000,
            ssrc: 1,
            ..
        }
    ));
    assert_eq!(summary(&events), (1, vec![('3', 100, EndReason::EndBit)]));
}

#[test]
fn a_digit_whose_end_packets_are_lost_ends_by_timeout() {
    let mut rx = receiver(8000);
    for (k, p) in digit_packets(4).into_iter().enumerate().take(4) {
        feed(&mut rx, ms(20 * k as u64), 1, 5000, p);
    }
    assert_eq!(summary(&drain(&mut rx)), (1, vec![]));
    assert_eq!(rx.poll_timeout(), Some(ms(60 + 300)));
    rx.handle_timeout(ms(359));
    assert!(rx.poll_event().is_none(), "not before the timeout");
    rx.handle_timeout(ms(360));
    assert_eq!(
        summary(&drain(&mut rx)),
        (0, vec![('4', 80, EndReason::Timeout)])
    );
    assert_eq!(rx.poll_timeout(), None);
    // The end packets arriving after all change nothing.
    feed(&mut rx, ms(400), 1, 5000, ev(4, true, 800));
    assert!(rx.poll_event().is_none());
}

#[test]
fn duplicated_and_reordered_packets_report_one_digit() {
    let mut rx = receiver(8000);
    let p = digit_packets(6);
    let order = [1, 0, 1, 3, 2, 4, 2, 5, 4, 6, 0, 3, 6];
    for (k, &i) in order.iter().enumerate() {
        feed(&mut rx, ms(20 * k as u64), 9, 100, p[i]);
    }
    assert_eq!(
        summary(&drain(&mut rx)),
        (1, vec![('6', 100, EndReason::EndBit)])
    );
    assert!(!rx.is_active());
    assert!(rx.stats().stale >= 5, "{:?}", rx.stats());
}

#[test]
fn repeated_identical_digits_are_each_reported() {
    let mut rx = receiver(8000);
    for n in 0..3u32 {
        for (k, p) in digit_packets(1).into_iter().enumerate() {
            feed(
                &mut rx,
                ms(u64::from(n) * 300 + 20 * k as u64),
                1,
                1000 + n * 2400,
                p,
            );
        }
    }
    let (starts, ends) = summary(&drain(&mut rx));
    assert_eq!(starts, 3);
    assert_eq!(ends, vec![('1', 100, EndReason::EndBit); 3]);
}

#[test]
fn events_across_the_timestamp_wrap_are_reported_in_order() {
    let mut rx = receiver(8000);
    let starts = [u32::MAX - 1000, u32::MAX - 100, 1500];
    for (n, &ts) in starts.iter().enumerate() {
        for (k, p) in digit_packets(n as u8).into_iter().enumerate() {
            feed(&mut rx, ms(n as u64 * 300 + 20 * k as u64), 1, ts, p);
        }
    }
    // A late duplicate from before the wrap is not a new digit.
    feed(&mut rx, ms(1000), 1, starts[0], ev(0, true, 800));
    let (n, ends) = summary(&drain(&mut rx));
    assert_eq!(n, 3);
    let digits: String = ends.iter().map(|e| e.0).collect();
    assert_eq!(digits, "012");
}

#[test]
fn a_new_event_ends_the_previous_one_and_late_older_events_are_ignored() {
    let mut rx = receiver(8000);
    feed(&mut rx, ms(0), 1, 1000, ev(2, false, 160));
    feed(&mut rx, ms(20), 1, 1000, ev(2, false, 320));
    feed(&mut rx, ms(40), 1, 1800, ev(3, false, 160));
    // A packet of an event older than the newest, first seen now: not reported.
    feed(&mut rx, ms(60), 1, 1400, ev(4, false, 160));
    feed(&mut rx, ms(80), 1, 1800, ev(3, true, 480));
    let events = drain(&mut rx);
    assert_eq!(
        summary(&events),
        (
            2,
            vec![
                ('2', 40, EndReason::NextEvent),
                ('3', 60, EndReason::EndBit)
            ]
        )
    );
}

#[test]
fn sources_are_separate_and_other_event_codes_pass_through() {
    let mut rx = receiver(48_000);
    feed(&mut rx, ms(0), 1, 1000, ev(32, false, 960));
    feed(&mut rx, ms(0), 2, 1000, ev(5, false, 960));
    feed(&mut rx, ms(20), 2, 1000, ev(5, true, 4800));
    feed(&mut rx, ms(20), 1, 1000, ev(32, true, 9600));
    let events = drain(&mut rx);
    assert_eq!(
        summary(&events),
        (
            2,
            vec![('5', 100, EndReason::EndBit), ('?', 200, EndReason::EndBit)]
        )
    );
    assert!(events.iter().any(|e| matches!(
        e,
        DtmfEvent::DigitEnded {
            ssrc: 1,
            event: 32,
            digit: None,
            duration: 9600,
            ..
        }
    )));
    let err = rx
        .handle_packet(ms(30), 1, 0, 5, false, &[1, 2])
        .unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
    assert_eq!(rx.stats().malformed, 1);
    assert!(
        TelephoneEventReceiver::new(ReceiverConfig {
            clock_rate: 7,
            ..ReceiverConfig::new(8000)
        })
        .is_err()
    );
}

#[test]
fn a_long_event_whose_segments_arrive_with_losses_is_one_digit() {
    let mut rx = receiver(48_000);
    // Segment 0 from 0, segment 1 from 0xFFFF (its first packets lost), segment 2 end.
    feed(&mut rx, ms(0), 1, 0, ev(9, false, 960));
    feed(&mut rx, ms(1360), 1, 0, ev(9, false, 0xFFFF));
    feed(&mut rx, ms(1400), 1, 0xFFFF, ev(9, false, 2880));
    feed(&mut rx, ms(1410), 1, 0, ev(9, false, 0xFFFF));
    feed(&mut rx, ms(3000), 1, 2 * 0xFFFF, ev(9, true, 12_930));
    feed(&mut rx, ms(3020), 1, 2 * 0xFFFF, ev(9, true, 12_930));
    assert_eq!(
        summary(&drain(&mut rx)),
        (1, vec![('9', 3000, EndReason::EndBit)])
    );
}

/// One arbitrary packet: SSRC from a small set, timestamps near a few bases or random.
fn arb_packet() -> impl Strategy<Value = (u64, u32, u32, bool, Vec<u8>)> {
    let ts = prop_oneof![
        (0u32..6).prop_map(|k| 1000 + k * 800),
        (0u32..4).prop_map(|k| (u32::MAX - 500).wrapping_add(k * 400)),
        (0u32..3).prop_map(|k| k * 0xFFFF),
        any::<u32>(),
    ];
    let payload = prop_oneof![
        (0u8..20, any::<bool>(), 0u16..3000)
            .prop_map(|(e, end, d)| ev(e, end, d).to_bytes().to_vec()),
        proptest::collection::vec(any::<u8>(), 0..12),
    ];
    (0u64..400_000, 1u32..4, ts, any::<bool>(), payload)
}

proptest! {
    #[test]
    fn any_packet_sequence_reports_each_event_at_most_once(
        packets in proptest::collection::vec(arb_packet(), 0..60),
        rate in prop_oneof![Just(8000u32), Just(48_000u32)],
    ) {
        let mut rx = receiver(rate);
        let mut now = 0u64;
        let mut started = std::collections::HashSet::new();
        let mut ended = std::collections::HashSet::new();
        let mut check = |rx: &mut TelephoneEventReceiver| {
            while let Some(e) = rx.poll_event() {
                match e {
                    DtmfEvent::DigitStarted { ssrc, timestamp, .. } => {
                        assert!(started.insert((ssrc, timestamp)), "started twice: {e:?}");
                    }
                    DtmfEvent::DigitEnded { ssrc, timestamp, .. } => {
                        assert!(started.contains(&(ssrc, timestamp)), "ended unstarted: {e:?}");
                        assert!(ended.insert((ssrc, timestamp)), "ended twice: {e:?}");
                    }
                }
            }
        };
        for (step, ssrc, ts, marker, payload) in packets {
            now += step;
            let t = Instant::from_micros(now);
            let _ = rx.handle_packet(t, ssrc, 0, ts, marker, &payload);
            check(&mut rx);
            if step % 3 == 0 {
                rx.handle_timeout(t);
                check(&mut rx);
            }
            if let Some(at) = rx.poll_timeout() {
                prop_assert!(at > t || step % 3 != 0);
            }
        }
        rx.handle_timeout(Instant::from_micros(now + 10_000_000));
        check(&mut rx);
        prop_assert!(!rx.is_active());
        prop_assert_eq!(started.len(), ended.len());
    }
}
