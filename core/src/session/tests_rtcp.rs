//! RTCP between two sessions over a simulated link: report timing, SR counts, round trip,
//! loss figures, rejected input and BYE.

use std::collections::VecDeque;

use super::*;
use crate::rng::SeededRng;
use crate::rtcp::{ReportBlock, RtcpCompound, RtcpPacket, SenderInfo};

const FRAME: Duration = Duration::from_millis(20);

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// A datagram on the link.
#[derive(Debug)]
enum Wire {
    Rtp(Vec<u8>),
    Rtcp(Vec<u8>),
}

/// A compound one side produced, with that side's send counters at the time.
#[derive(Debug)]
struct Sent {
    at: Instant,
    compound: RtcpCompound,
    packets_sent: u64,
    bytes_sent: u64,
}

/// One side of the [`Pair`].
struct Side {
    session: MediaSession,
    /// Datagrams on their way to this side, in arrival order (the delay is fixed).
    inbox: VecDeque<(Instant, Wire)>,
    sent_rtcp: Vec<Sent>,
    events: Vec<Event>,
    /// RTP packets this side sent, numbered from 0, and which of them the link dropped.
    rtp_sent: u64,
    rtp_dropped: Vec<u64>,
    first_seq: Option<u16>,
}

/// Two sessions joined by a link that delays every datagram by `delay` and drops each RTP
/// packet from `a` to `b` with probability `loss_a_to_b`; stepped to the earliest wake-up.
struct Pair {
    a: Side,
    b: Side,
    now: Instant,
    next_frame: Instant,
    delay: Duration,
    loss_a_to_b: f64,
    rng: SeededRng,
    mic: AudioFrame,
}

impl Pair {
    fn new(delay: Duration, loss_a_to_b: f64) -> Self {
        let side = |seed| Side {
            session: MediaSession::new(SessionConfig {
                seed,
                ..SessionConfig::new(Codec::Pcmu)
            })
            .unwrap(),
            inbox: VecDeque::new(),
            sent_rtcp: Vec::new(),
            events: Vec::new(),
            rtp_sent: 0,
            rtp_dropped: Vec::new(),
            first_seq: None,
        };
        let tone = (0..160)
            .map(|i| ((f64::from(i) * 0.3).sin() * 8000.0) as i16)
            .collect();
        Pair {
            a: side(11),
            b: side(12),
            now: Instant::ZERO,
            next_frame: Instant::ZERO,
            delay,
            loss_a_to_b,
            rng: SeededRng::new(99),
            mic: AudioFrame::new(tone, 8000, 1).unwrap(),
        }
    }

    /// Runs both sides until `end`.
    fn run_until(&mut self, end: Instant) {
        while self.now <= end {
            let now = self.now;
            for side in [&mut self.a, &mut self.b] {
                while side.inbox.front().is_some_and(|(at, _)| *at <= now) {
                    let (at, wire) = side.inbox.pop_front().unwrap();
                    match wire {
                        Wire::Rtp(d) => side.session.handle_rtp(at, &d).unwrap(),
                        Wire::Rtcp(d) => side.session.handle_rtcp(at, &d).unwrap(),
                    }
                }
            }
            if now >= self.next_frame {
                for side in [&mut self.a, &mut self.b] {
                    side.session.push_capture(now, &self.mic).unwrap();
                    let _ = side.session.pull_playout(now);
                }
                self.next_frame = now + FRAME;
            }
            let arrival = now + self.delay;
            let loss = self.loss_a_to_b;
            Side::send(&mut self.a, &mut self.b, now, arrival, loss, &mut self.rng);
            Side::send(&mut self.b, &mut self.a, now, arrival, 0.0, &mut self.rng);
            let wake = [
                Some(self.next_frame),
                self.a.inbox.front().map(|(at, _)| *at),
                self.b.inbox.front().map(|(at, _)| *at),
                self.a.session.poll_timeout(),
                self.b.session.poll_timeout(),
            ];
            self.now = wake
                .into_iter()
                .flatten()
                .filter(|&t| t > now)
                .min()
                .unwrap();
        }
    }
}

impl Side {
    /// Drives `from` at `now` and puts what it sends on the link to `to`.
    fn send(
        from: &mut Side,
        to: &mut Side,
        now: Instant,
        arrival: Instant,
        loss: f64,
        rng: &mut SeededRng,
    ) {
        from.session.handle_timeout(now);
        while let Some(d) = from.session.poll_transmit(now) {
            let index = from.rtp_sent;
            from.rtp_sent += 1;
            if from.first_seq.is_none() {
                from.first_seq = Some(RtpPacket::parse(d).unwrap().sequence_number());
            }
            // The first packets always pass, so that the receiver's probation ends.
            let unit = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            if index >= 2 && unit < loss {
                from.rtp_dropped.push(index);
            } else {
                to.inbox.push_back((arrival, Wire::Rtp(d.to_vec())));
            }
        }
        let stats = from.session.stats();
        while let Some(d) = from.session.poll_rtcp(now) {
            from.sent_rtcp.push(Sent {
                at: now,
                compound: RtcpCompound::parse(d).unwrap(),
                packets_sent: stats.packets_sent,
                bytes_sent: stats.bytes_sent,
            });
            to.inbox.push_back((arrival, Wire::Rtcp(d.to_vec())));
        }
        while let Some(e) = from.session.poll_event() {
            from.events.push(e);
        }
    }
}

fn sender_info(compound: &RtcpCompound) -> Option<(SenderInfo, &[ReportBlock])> {
    match compound.packets.first() {
        Some(RtcpPacket::SenderReport { info, blocks, .. }) => Some((*info, blocks)),
        _ => None,
    }
}

fn blocks(compound: &RtcpCompound) -> &[ReportBlock] {
    match compound.packets.first() {
        Some(
            RtcpPacket::SenderReport { blocks, .. } | RtcpPacket::ReceiverReport { blocks, .. },
        ) => blocks,
        _ => &[],
    }
}

#[test]
fn two_sessions_report_at_rfc_3550_intervals_with_counts_and_round_trip() {
    let mut pair = Pair::new(Duration::from_millis(30), 0.0);
    pair.run_until(Instant::ZERO + secs(30.0));
    for side in [&pair.a, &pair.b] {
        let times: Vec<Instant> = side.sent_rtcp.iter().map(|s| s.at).collect();
        // §6.2: the first report after half of 5 s times [0.5, 1.5) / (e - 3/2).
        let first = times[0].saturating_duration_since(Instant::ZERO);
        assert!(
            first >= secs(1.02) && first < secs(3.08),
            "first at {first:?}"
        );
        // Then 5 s times the same factor, at least as long with reconsideration.
        let gaps: Vec<Duration> = times
            .windows(2)
            .map(|w| w[1].saturating_duration_since(w[0]))
            .collect();
        assert!(gaps.len() >= 4, "{times:?}");
        for gap in &gaps {
            assert!(*gap >= secs(2.05) && *gap < secs(6.16), "{gaps:?}");
        }
        let local = side.session.local_ssrc();
        for sent in &side.sent_rtcp {
            // Both send RTP, so every report is an SR with counts as of its sending.
            let (info, _) = sender_info(&sent.compound).expect("an SR");
            assert_eq!(u64::from(info.packet_count), sent.packets_sent);
            assert_eq!(u64::from(info.octet_count), sent.bytes_sent);
            assert_eq!(u64::from(info.octet_count), 160 * sent.packets_sent);
            let cname = match &sent.compound.packets[1] {
                RtcpPacket::SourceDescription(chunks) => chunks[0].clone(),
                other => panic!("{other:?}"),
            };
            assert_eq!(cname.0, local);
            assert!(cname.1.unwrap().starts_with("mediacore-"));
        }
        let stats = side.session.rtcp_stats();
        // §6.4.1: A - LSR - DLSR is the two link delays.
        let rtt = stats.rtt_ms.unwrap();
        assert!((rtt - 60.0).abs() < 1.0, "rtt {rtt} ms");
        assert!(stats.rtt_samples >= 4);
        assert_eq!(stats.reports_sent, times.len() as u64);
        assert_eq!(stats.cumulative_lost, 0);
        assert_eq!(stats.fraction_lost, 0.0);
        // A fixed delay and exact frame times: no jitter.
        assert_eq!(stats.jitter, 0);
        assert_eq!(stats.remote_cumulative_lost, Some(0));
        assert_eq!(stats.rtcp_rejected, 0);
        assert!(stats.packets_received >= 1490, "{stats:?}");
        assert_eq!(stats.packets_expected, stats.packets_received);
    }
    // Each side's reports arrive at the other.
    assert_eq!(
        pair.b.session.rtcp_stats().reports_received,
        pair.a.sent_rtcp.len() as u64
    );
    assert_eq!(
        pair.a.session.rtcp_stats().remote_ssrc,
        Some(pair.b.session.local_ssrc())
    );
}

#[test]
fn the_average_interval_is_the_five_second_minimum() {
    // A.7: reconsideration with the e - 3/2 compensation averages out at T (5 s here).
    let mut pair = Pair::new(Duration::from_millis(10), 0.0);
    pair.run_until(Instant::ZERO + secs(600.0));
    for side in [&pair.a, &pair.b] {
        let times: Vec<Instant> = side.sent_rtcp.iter().map(|s| s.at).collect();
        let span = times[times.len() - 1].saturating_duration_since(times[0]);
        let mean = span.as_secs_f64() / (times.len() - 1) as f64;
        assert!((mean - 5.0).abs() < 0.5, "mean interval {mean} s");
    }
}

#[test]
fn loss_on_the_link_shows_in_the_receivers_reports() {
    let mut pair = Pair::new(Duration::from_millis(30), 0.05);
    pair.run_until(Instant::ZERO + secs(30.0));
    let dropped = &pair.a.rtp_dropped;
    let share = dropped.len() as f64 / pair.a.rtp_sent as f64;
    assert!((0.03..0.07).contains(&share), "{share}");
    // B's reports on A: packet index = extended sequence - the first packet's.
    let reports: Vec<&ReportBlock> = pair
        .b
        .sent_rtcp
        .iter()
        .filter_map(|s| blocks(&s.compound).first())
        .collect();
    assert!(reports.len() >= 4);
    let a_ssrc = pair.a.session.local_ssrc();
    let stats = pair.b.session.rtcp_stats();
    // A.1: the receiver counts from the second packet, which ends probation.
    let second_seq = u32::from(pair.a.first_seq.unwrap().wrapping_add(1));
    let index =
        |b: &ReportBlock| u64::from(b.extended_highest_sequence.wrapping_sub(second_seq)) + 1;
    for pair_of in reports.windows(2) {
        let (before, after) = (pair_of[0], pair_of[1]);
        assert_eq!(after.ssrc, a_ssrc);
        let lost = dropped
            .iter()
            .filter(|&&i| i > index(before) && i <= index(after))
            .count() as u64;
        let expected = index(after) - index(before);
        // A.3: lost in the interval, in 256ths of those expected.
        assert_eq!(u64::from(after.fraction_lost), lost * 256 / expected);
        let lost_so_far = dropped.iter().filter(|&&i| i <= index(after)).count();
        assert_eq!(after.cumulative_lost, lost_so_far as i32);
    }
    let last = reports[reports.len() - 1];
    assert_eq!(stats.fraction_lost, f64::from(last.fraction_lost) / 256.0);
    let highest = pair.b.session.stats().packets_received + pair.b.session.stats().packets_lost;
    assert_eq!(
        stats.cumulative_lost,
        dropped.iter().filter(|&&i| i < highest).count() as i64
    );
    assert!(stats.fraction_lost > 0.0);
    // A learns the same from B's last report.
    let a_view = pair.a.session.rtcp_stats();
    assert_eq!(
        a_view.remote_cumulative_lost,
        Some(i64::from(last.cumulative_lost))
    );
    // The loss is one way: B's stream reaches A whole.
    assert_eq!(a_view.cumulative_lost, 0);
}

#[test]
fn garbage_rtcp_is_rejected_and_counted_and_the_session_keeps_working() {
    let mut pair = Pair::new(Duration::from_millis(5), 0.0);
    pair.run_until(Instant::ZERO + secs(4.0));
    let session = &mut pair.b.session;
    let received = session.rtcp_stats().reports_received;
    assert!(received >= 1);
    let junk: [&[u8]; 5] = [
        &[],
        &[0x40, 200, 0, 1, 0, 0, 0, 0],
        &[0x80, 200, 0, 6, 1, 2],
        // A compound starting with SDES.
        &[0x81, 202, 0, 1, 0, 0, 0, 1],
        b"not rtcp at all",
    ];
    for d in junk {
        let err = session.handle_rtcp(pair.now, d).unwrap_err();
        assert!(matches!(err, Error::Rtcp(_)), "{err}");
    }
    assert_eq!(session.rtcp_stats().rtcp_rejected, 5);
    assert_eq!(session.rtcp_stats().reports_received, received);
    assert!(session.poll_event().is_none());
    // Reports and media go on.
    pair.run_until(Instant::ZERO + secs(15.0));
    let stats = pair.b.session.rtcp_stats();
    assert!(stats.reports_received > received);
    assert_eq!(stats.rtcp_rejected, 5);
    assert!((stats.rtt_ms.unwrap() - 10.0).abs() < 1.0);
}

#[test]
fn close_sends_a_bye_that_the_peer_reports_as_remote_bye() {
    let mut pair = Pair::new(Duration::from_millis(20), 0.0);
    pair.run_until(Instant::ZERO + secs(8.0));
    let now = pair.now;
    let a = &mut pair.a.session;
    assert!(a.close_with_reason(now, &"x".repeat(256)).is_err());
    a.close_with_reason(now, "hanging up").unwrap();
    // §6.3.7: at once in a session of two.
    let bye = a.poll_rtcp(now).unwrap().to_vec();
    assert!(a.poll_rtcp(now).is_none());
    let parsed = RtcpCompound::parse(&bye).unwrap();
    assert!(matches!(
        parsed.packets.first(),
        Some(RtcpPacket::SenderReport { .. })
    ));
    assert_eq!(
        parsed.packets.last(),
        Some(&RtcpPacket::Bye {
            ssrcs: vec![a.local_ssrc()],
            reason: Some("hanging up".to_owned()),
        })
    );
    let a_ssrc = a.local_ssrc();
    pair.b.session.handle_rtcp(now, &bye).unwrap();
    assert_eq!(
        pair.b.session.poll_event(),
        Some(Event::RemoteBye {
            ssrc: a_ssrc,
            reason: Some("hanging up".to_owned()),
        })
    );
    assert_eq!(
        Event::RemoteBye {
            ssrc: 1,
            reason: None
        }
        .name(),
        "remote_bye"
    );
    // Nothing follows the BYE, and a second close changes nothing.
    let sent = pair.a.sent_rtcp.len();
    pair.a.session.close(now);
    pair.run_until(now + secs(20.0));
    assert_eq!(pair.a.sent_rtcp.len(), sent);
    assert!(pair.b.sent_rtcp.len() > 3);
}

#[test]
fn a_session_that_never_sent_says_no_bye() {
    let mut s = MediaSession::new(SessionConfig::new(Codec::Pcmu)).unwrap();
    s.handle_timeout(Instant::from_millis(100));
    s.close(Instant::from_millis(200));
    assert!(s.poll_rtcp(Instant::from_millis(200)).is_none());
    assert!(s.poll_rtcp(Instant::from_millis(60_000)).is_none());
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn the_timer_moves_on_without_poll_rtcp_and_rtcp_can_be_off() {
    // A host that never polls RTCP is not woken in a loop.
    let mut s = MediaSession::new(SessionConfig::new(Codec::Pcmu)).unwrap();
    assert_eq!(
        s.poll_timeout(),
        None,
        "the timer starts with the first time given"
    );
    s.handle_timeout(Instant::ZERO);
    let mut at = s.poll_timeout().unwrap();
    for _ in 0..5 {
        s.handle_timeout(at);
        let next = s.poll_timeout().unwrap();
        assert!(next > at);
        at = next;
    }
    // The report due meanwhile comes out at the next poll, once.
    let d = s.poll_rtcp(at).unwrap();
    assert!(matches!(
        RtcpCompound::parse(d).unwrap().packets[0],
        RtcpPacket::ReceiverReport { ref blocks, .. } if blocks.is_empty()
    ));
    assert!(s.poll_rtcp(at).is_none());

    let mut off = MediaSession::new(SessionConfig {
        rtcp: None,
        ..SessionConfig::new(Codec::Pcmu)
    })
    .unwrap();
    off.handle_timeout(Instant::ZERO);
    assert_eq!(off.poll_timeout(), None);
    assert!(off.poll_rtcp(Instant::from_millis(60_000)).is_none());
}

#[test]
fn configuration_sets_cname_and_rejects_long_ones() {
    let config = |cname: &str| SessionConfig {
        rtcp: Some(RtcpConfig {
            cname: Some(cname.to_owned()),
            ..RtcpConfig::default()
        }),
        ..SessionConfig::new(Codec::Pcmu)
    };
    assert!(MediaSession::new(config(&"c".repeat(256))).is_err());
    let mut s = MediaSession::new(config("alice@example.org")).unwrap();
    s.handle_timeout(Instant::ZERO);
    let d = s.poll_rtcp(Instant::from_millis(10_000)).unwrap();
    assert_eq!(
        RtcpCompound::parse(d).unwrap().packets[1],
        RtcpPacket::SourceDescription(vec![(s.local_ssrc(), Some("alice@example.org".to_owned()))])
    );
}
