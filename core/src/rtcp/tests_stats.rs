//! Receive statistics against the cases of RFC 3550 A.1, A.3 and A.8, and RTT from §6.4.1.

use core::time::Duration;

use super::*;
use crate::time::Instant;
use proptest::prelude::*;

const RATE: u32 = 8000;
/// 20 ms of 8 kHz audio per packet.
const TICKS: u32 = 160;

fn at_ms(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

/// Feeds `seqs` as packets 20 ms apart whose timestamps follow their sequence numbers.
fn feed(stats: &mut ReceiveStats, seqs: &[u16]) -> Vec<SequenceVerdict> {
    seqs.iter()
        .enumerate()
        .map(|(i, &s)| {
            let ts = u32::from(s).wrapping_mul(TICKS);
            stats.handle_rtp(at_ms(20 * i as u64), s, ts)
        })
        .collect()
}

#[test]
fn a_new_source_is_on_probation_for_min_sequential_packets() {
    let mut s = ReceiveStats::new(9, RATE);
    assert_eq!(
        feed(&mut s, &[100, 101, 102]),
        [
            SequenceVerdict::Probation,
            SequenceVerdict::Valid,
            SequenceVerdict::Valid
        ]
    );
    assert!(s.is_valid());
    // Counting starts at the packet that ended probation.
    assert_eq!((s.received(), s.expected()), (2, 2));
    assert_eq!(s.extended_highest_sequence(), 102);

    // Out of sequence while on probation starts probation over.
    let mut p = ReceiveStats::new(9, RATE);
    assert_eq!(
        feed(&mut p, &[10, 12, 13]),
        [
            SequenceVerdict::Probation,
            SequenceVerdict::Probation,
            SequenceVerdict::Valid
        ]
    );
    assert_eq!(p.received(), 1);
}

#[test]
fn nothing_is_lost_before_the_source_is_valid() {
    let mut s = ReceiveStats::new(3, RATE);
    let b = s.report_block(at_ms(0));
    assert_eq!((b.fraction_lost, b.cumulative_lost), (0, 0));
    // On probation: packets seen, none counted, none expected.
    assert_eq!(s.handle_rtp(at_ms(0), 500, 0), SequenceVerdict::Probation);
    assert_eq!(s.handle_rtp(at_ms(20), 900, 0), SequenceVerdict::Probation);
    assert_eq!((s.expected(), s.received()), (0, 0));
    let b = s.report_block(at_ms(40));
    assert_eq!((b.fraction_lost, b.cumulative_lost), (0, 0));
    // Valid from 901 on: the next interval counts from there only.
    assert_eq!(s.handle_rtp(at_ms(40), 901, 0), SequenceVerdict::Valid);
    assert_eq!(s.handle_rtp(at_ms(60), 903, 0), SequenceVerdict::Valid);
    let b = s.report_block(at_ms(80));
    assert_eq!((s.expected(), s.received()), (3, 2));
    assert_eq!((b.fraction_lost, b.cumulative_lost), ((256 / 3) as u8, 1));
}

#[test]
fn sequence_wrap_65535_to_0_extends_the_highest_sequence() {
    let mut s = ReceiveStats::new(1, RATE);
    let seqs: Vec<u16> = (0..20u16).map(|i| 65_530u16.wrapping_add(i)).collect();
    assert!(
        feed(&mut s, &seqs)[1..]
            .iter()
            .all(|v| *v == SequenceVerdict::Valid)
    );
    // Last is 65530 + 19 - 65536 = 13, one cycle on.
    assert_eq!(s.extended_highest_sequence(), (1 << 16) + 13);
    assert_eq!(s.expected(), 19);
    assert_eq!(s.cumulative_lost(), 0);
    // A reordered packet from before the wrap does not count as another cycle.
    assert_eq!(s.handle_rtp(at_ms(500), 65_535, 0), SequenceVerdict::Valid);
    assert_eq!(s.extended_highest_sequence(), (1 << 16) + 13);
}

#[test]
fn loss_reordering_and_duplicates_in_cumulative_and_fraction_lost() {
    let mut s = ReceiveStats::new(1, RATE);
    // 1..=10 with 4 and 7 lost: 8 of 10 received after probation ends at 2.
    feed(&mut s, &[1, 2, 3, 5, 6, 8, 9, 10]);
    assert_eq!((s.expected(), s.received()), (9, 7));
    let b = s.report_block(at_ms(1000));
    assert_eq!(b.cumulative_lost, 2);
    assert_eq!(b.fraction_lost, (2 * 256 / 9) as u8);
    assert_eq!(b.extended_highest_sequence, 10);

    // Next interval: 4 arrives late (reordered), 11 and a duplicate of 11.
    feed(&mut s, &[4, 11, 11]);
    let b = s.report_block(at_ms(2000));
    // Expected rose by 1 (11), received by 3: the interval lost nothing, fraction 0.
    assert_eq!(b.fraction_lost, 0);
    assert_eq!(b.cumulative_lost, 0);

    // Duplicates alone drive the cumulative count negative.
    feed(&mut s, &[11, 11, 11]);
    assert_eq!(s.report_block(at_ms(3000)).cumulative_lost, -3);

    // An interval with nothing received and nothing expected reports 0.
    assert_eq!(s.report_block(at_ms(4000)).fraction_lost, 0);
}

#[test]
fn a_big_jump_is_rejected_once_then_taken_as_a_restart() {
    let mut s = ReceiveStats::new(1, RATE);
    feed(&mut s, &[1, 2, 3, 4]);
    // A single stray packet far ahead is dropped and the stream continues.
    assert_eq!(
        s.handle_rtp(at_ms(100), 30_000, 0),
        SequenceVerdict::Rejected
    );
    assert_eq!(s.handle_rtp(at_ms(120), 5, 0), SequenceVerdict::Valid);
    assert_eq!(s.extended_highest_sequence(), 5);
    // Two in a row far ahead: the sender restarted; counting starts again there.
    assert_eq!(
        s.handle_rtp(at_ms(140), 40_000, 0),
        SequenceVerdict::Rejected
    );
    assert_eq!(
        s.handle_rtp(at_ms(160), 40_001, 160),
        SequenceVerdict::Restarted
    );
    assert_eq!(s.extended_highest_sequence(), 40_001);
    assert_eq!((s.expected(), s.received()), (1, 1));
    assert_eq!(
        s.handle_rtp(at_ms(180), 40_002, 320),
        SequenceVerdict::Valid
    );
    assert_eq!(s.cumulative_lost(), 0);
    // Within MAX_DROPOUT ahead is loss, not a jump.
    assert_eq!(
        s.handle_rtp(at_ms(200), 40_002 + MAX_DROPOUT - 1, 0),
        SequenceVerdict::Valid
    );
    assert_eq!(s.cumulative_lost(), i32::from(MAX_DROPOUT) - 2);
}

#[test]
fn jitter_of_a_stream_with_constant_transit_is_zero() {
    let mut s = ReceiveStats::new(1, RATE);
    // Packets every 20 ms with timestamps every 160 ticks, 37 ms of fixed network delay,
    // an arbitrary timestamp origin and a wrap of the 32-bit timestamp along the way.
    let origin = u32::MAX - 1000;
    for i in 0..200u32 {
        let now = Instant::from_micros(37_000 + 20_000 * u64::from(i));
        let _ = s.handle_rtp(now, i as u16, origin.wrapping_add(i.wrapping_mul(TICKS)));
    }
    assert_eq!(s.jitter(), 0);
}

#[test]
fn jitter_of_alternating_delay_follows_the_a8_estimator() {
    let mut s = ReceiveStats::new(1, RATE);
    // Every other packet arrives 10 ms (80 ticks) late, so |D| = 80 for every pair.
    let mut updates = 0i32;
    for i in 0..60u32 {
        let late = if i % 2 == 1 { 10_000 } else { 0 };
        let now = Instant::from_micros(20_000 * u64::from(i) + late);
        if s.handle_rtp(now, i as u16, i * TICKS) == SequenceVerdict::Valid && i > 1 {
            updates += 1;
        }
        // A.8 in real numbers: J_n = 80 (1 - (15/16)^n) after n updates.
        let want = 80.0 * (1.0 - (15.0f64 / 16.0).powi(updates));
        // The integer form of A.8 truncates when it reports (up to 1) and rounds in the
        // scaled update (well under 1/2 in all).
        assert!(
            (f64::from(s.jitter()) - want).abs() <= 1.5,
            "after {updates} updates: {} vs {want:.2}",
            s.jitter()
        );
    }
    // 80 (1 - (15/16)^58) = 78.1
    assert_eq!(s.jitter(), 78);
    // The jitter is in timestamp units: the same delays on a 48 kHz clock read six times higher.
    let mut wide = ReceiveStats::new(1, 48_000);
    for i in 0..200u32 {
        let late = if i % 2 == 1 { 10_000 } else { 0 };
        let now = Instant::from_micros(20_000 * u64::from(i) + late);
        let _ = wide.handle_rtp(now, i as u16, i * 960);
    }
    assert!((479..=480).contains(&wide.jitter()), "{}", wide.jitter());
}

#[test]
fn lsr_and_dlsr_come_from_the_last_sender_report() {
    let mut s = ReceiveStats::new(1, RATE);
    feed(&mut s, &[1, 2, 3]);
    assert_eq!(
        (
            s.report_block(at_ms(500)).last_sr,
            s.report_block(at_ms(500)).delay_since_last_sr
        ),
        (0, 0)
    );
    let sr_ntp = NtpTime::from_bits(0x0000_B705_2000_0000);
    s.handle_sender_report(at_ms(1000), sr_ntp);
    let b = s.report_block(at_ms(1750));
    assert_eq!(b.last_sr, 0xB705_2000);
    assert_eq!(b.delay_since_last_sr, 3 * 65_536 / 4);
}

#[test]
fn round_trip_time_of_the_rfc_figure() {
    // RFC 3550 §6.4.1, Figure 2: A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000
    // (46853.125 s), DLSR = 0x0005:4000 (5.250 s): delay 0x0006:2000 (6.125 s).
    let block = ReportBlock {
        last_sr: 0xB705_2000,
        delay_since_last_sr: 0x0005_4000,
        ..ReportBlock::default()
    };
    let arrival = NtpTime::from_bits(0x0000_B710_8000_0000);
    assert_eq!(
        round_trip_time(&block, arrival),
        Some(Duration::from_millis(6125))
    );
    assert_eq!(
        round_trip_time(
            &ReportBlock {
                last_sr: 0,
                ..block
            },
            arrival
        ),
        None
    );
    // An arrival before LSR + DLSR (clock trouble) reads as zero, not as a huge delay.
    let early = NtpTime::from_bits(0x0000_B700_0000_0000);
    assert_eq!(round_trip_time(&block, early), Some(Duration::ZERO));
}

#[test]
fn round_trip_through_both_ends_with_their_own_clocks() {
    // Our clock and the peer's have different origins; only ours produces A and LSR.
    let our_origin = NtpTime::from_unix(Duration::from_secs(1_763_690_000));
    let sent = at_ms(10_000);
    let sr_ntp = NtpTime::at(our_origin, sent);
    // The SR takes 40 ms to the peer, which reports 730 ms later; the RR takes 60 ms back.
    let mut peer = ReceiveStats::new(0xABCD, RATE);
    let peer_clock = Instant::from_millis(999_000);
    peer.handle_sender_report(peer_clock, sr_ntp);
    let block = peer.report_block(peer_clock + Duration::from_millis(730));
    let arrival = NtpTime::at(our_origin, sent + Duration::from_millis(40 + 730 + 60));
    let rtt = round_trip_time(&block, arrival).unwrap();
    let err = rtt.as_secs_f64() - 0.100;
    assert!(err.abs() < 2.0 / 65_536.0, "rtt {rtt:?}");
}

#[test]
fn sender_counters_wrap_like_the_sr_fields() {
    let mut s = SenderStats {
        packet_count: u32::MAX,
        octet_count: u32::MAX - 10,
    };
    s.on_rtp_sent(160);
    assert_eq!((s.packet_count, s.octet_count), (0, 149));
}

proptest! {
    #[test]
    fn any_packet_sequence_keeps_counts_consistent(
        seqs in proptest::collection::vec(any::<u16>(), 1..300),
        start in any::<u16>(),
        run in 0usize..300,
    ) {
        let mut s = ReceiveStats::new(5, RATE);
        // A sequential run, so the source becomes valid, then arbitrary packets.
        let mut all: Vec<u16> = (0..run).map(|i| start.wrapping_add(i as u16)).collect();
        all.extend(seqs);
        for (i, &seq) in all.iter().enumerate() {
            let _ = s.handle_rtp(at_ms(20 * i as u64), seq, u32::from(seq) * TICKS);
            let b = s.report_block(at_ms(20 * i as u64 + 1));
            prop_assert!((CUMULATIVE_LOST_MIN..=CUMULATIVE_LOST_MAX).contains(&b.cumulative_lost));
            prop_assert!(s.received() as usize <= i + 1);
            if i + 1 == run && run >= 2 {
                // An unbroken run loses nothing and counts all but the probation packet.
                prop_assert_eq!(b.cumulative_lost, 0);
                prop_assert_eq!(s.received() as usize, run - 1);
            }
        }
    }
}
