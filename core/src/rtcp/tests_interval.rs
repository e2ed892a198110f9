//! The reporting interval against figures worked out from RFC 3550 §6.2 and A.7, and the
//! scheduler's reconsideration.

use core::time::Duration;

use super::*;
use crate::rng::SeededRng;
use crate::time::Instant;
use proptest::prelude::*;

/// 64 kbit/s: RTCP gets 5%, 400 octets/s.
const BW: u32 = 64_000;

fn inputs(members: u32, senders: u32, we_sent: bool, avg: f64) -> IntervalInputs {
    IntervalInputs {
        members,
        senders,
        rtcp_bandwidth: f64::from(BW) / 8.0 * RTCP_BANDWIDTH_FRACTION,
        we_sent,
        avg_rtcp_size: avg,
        initial: false,
        min_time: RTCP_MIN_TIME,
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

#[test]
fn deterministic_interval_follows_the_bandwidth_split() {
    // Two parties: 100 * 2 / (400 * 0.75) = 0.67 s, under the 5 s minimum.
    assert_eq!(
        deterministic_interval(&inputs(2, 0, false, 100.0)),
        RTCP_MIN_TIME
    );
    // Initial: the minimum is halved.
    let initial = IntervalInputs {
        initial: true,
        ..inputs(2, 0, false, 100.0)
    };
    assert_eq!(
        deterministic_interval(&initial),
        Duration::from_millis(2500)
    );
    // 1000 receivers and one sender: receivers share 75%: 100 * 999 / 300 = 333 s.
    let t = secs(deterministic_interval(&inputs(1000, 1, false, 100.0)));
    assert!((t - 333.0).abs() < 1e-6, "{t}");
    // The sender among them shares 25% with the other senders only: 100 * 1 / 100 = 1 s -> 5 s;
    // with 200-octet reports and 3 senders of 1000: 200 * 3 / 100 = 6 s.
    assert_eq!(
        deterministic_interval(&inputs(1000, 1, true, 100.0)),
        RTCP_MIN_TIME
    );
    let t = secs(deterministic_interval(&inputs(1000, 3, true, 200.0)));
    assert!((t - 6.0).abs() < 1e-9, "{t}");
    // More than a quarter are senders: no split, everyone shares 400 octets/s:
    // 1000 * 4 / 400 = 10 s.
    let t = secs(deterministic_interval(&inputs(4, 2, true, 1000.0)));
    assert!((t - 10.0).abs() < 1e-9, "{t}");
    // Reduced minimum, §6.2: 360 / 128 kbit/s = 2.8125 s.
    assert_eq!(reduced_min_time(128_000), Duration::from_micros(2_812_500));
    let reduced = IntervalInputs {
        min_time: reduced_min_time(128_000),
        ..inputs(2, 0, false, 100.0)
    };
    assert_eq!(
        deterministic_interval(&reduced),
        Duration::from_micros(2_812_500)
    );
    // Degenerate inputs stay finite.
    let zero_bw = IntervalInputs {
        rtcp_bandwidth: 0.0,
        ..inputs(0, 0, false, 100.0)
    };
    assert_eq!(deterministic_interval(&zero_bw), RTCP_MIN_TIME);
}

#[test]
fn randomised_interval_stays_within_half_and_one_and_a_half_t_over_compensation() {
    for (inp, t) in [
        (inputs(2, 1, true, 120.0), 5.0),
        (inputs(1000, 1, false, 100.0), 333.0),
    ] {
        let lo = 0.5 * t / COMPENSATION;
        let hi = 1.5 * t / COMPENSATION;
        let mut sum = 0.0;
        let mut min = f64::MAX;
        let mut max = 0.0f64;
        let n = 10_000;
        for seed in 0..n {
            let mut rng = SeededRng::new(seed);
            let d = secs(rtcp_interval(&inp, &mut rng));
            assert!(d >= lo - 1e-9 && d < hi + 1e-9, "seed {seed}: {d}");
            sum += d;
            min = min.min(d);
            max = max.max(d);
        }
        let mean = sum / n as f64;
        // Uniform over [lo, hi): mean T / 1.21828, and both ends are reached.
        assert!(
            (mean / (t / COMPENSATION) - 1.0).abs() < 0.01,
            "mean {mean}"
        );
        assert!(min < lo * 1.01 && max > hi * 0.995, "{min} {max}");
    }
    // Same seed, same interval.
    let a = rtcp_interval(&inputs(3, 1, false, 90.0), &mut SeededRng::new(42));
    let b = rtcp_interval(&inputs(3, 1, false, 90.0), &mut SeededRng::new(42));
    assert_eq!(a, b);
}

#[test]
fn first_report_is_due_within_the_halved_randomised_minimum() {
    for seed in 0..200 {
        let start = Instant::from_millis(1000);
        let s = RtcpScheduler::new(IntervalConfig::new(BW, seed), start);
        let d = secs(s.poll_timeout().saturating_duration_since(start));
        assert!(
            (1.25 / COMPENSATION - 1e-6..3.75 / COMPENSATION + 1e-6).contains(&d),
            "seed {seed}: {d}"
        );
    }
}

/// Runs a scheduler for `horizon` with fixed membership and returns the send times.
fn run(
    mut s: RtcpScheduler,
    start: Instant,
    horizon: Duration,
    size: usize,
) -> (Vec<Instant>, usize) {
    let mut sent = Vec::new();
    let mut wakeups = 0;
    let end = start + horizon;
    loop {
        let now = s.poll_timeout();
        if now > end {
            break;
        }
        wakeups += 1;
        if s.handle_timeout(now) {
            s.handle_rtcp_sent(now, size);
            sent.push(now);
        }
    }
    (sent, wakeups)
}

#[test]
fn two_party_reports_average_the_minimum_interval() {
    let start = Instant::ZERO;
    let mut s = RtcpScheduler::new(IntervalConfig::new(BW, 7), start);
    s.set_members(start, 2, 1);
    s.set_we_sent(true);
    let (sent, wakeups) = run(s, start, Duration::from_secs(3600), 100);
    let gaps: Vec<f64> = sent
        .windows(2)
        .map(|w| secs(w[1].saturating_duration_since(w[0])))
        .collect();
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    // Reconsideration with the e - 3/2 compensation: the mean interval comes out near T = 5 s,
    // and no gap is shorter than the smallest randomised interval.
    assert!(
        (4.0..6.0).contains(&mean),
        "mean {mean} over {}",
        gaps.len()
    );
    assert!(
        gaps.iter().all(|&g| g >= 0.5 * 5.0 / COMPENSATION - 1e-6),
        "{gaps:?}"
    );
    assert!(
        wakeups > sent.len(),
        "reconsideration postponed some reports"
    );
}

#[test]
fn the_same_seed_gives_the_same_schedule() {
    let mk = |seed| {
        let mut s = RtcpScheduler::new(IntervalConfig::new(BW, seed), Instant::ZERO);
        s.set_members(Instant::ZERO, 5, 1);
        run(s, Instant::ZERO, Duration::from_secs(600), 90).0
    };
    assert_eq!(mk(3), mk(3));
    assert_ne!(mk(3), mk(4));
}

#[test]
fn early_and_spurious_timeouts_change_nothing() {
    let mut s = RtcpScheduler::new(IntervalConfig::new(BW, 1), Instant::ZERO);
    let due = s.poll_timeout();
    assert!(!s.handle_timeout(due - Duration::from_millis(1)));
    assert_eq!(s.poll_timeout(), due);
    let sent_at = fire(&mut s);
    assert!(sent_at >= due);
    assert!(s.poll_timeout() > sent_at);
    // A second call at the same instant, after the timer moved on, sends nothing.
    assert!(!s.handle_timeout(sent_at));
}

/// Calls `handle_timeout` at each deadline until it says to send; returns when that was.
/// Forward reconsideration may postpone a deadline even with a fixed membership, because the
/// interval is drawn again at each expiry.
fn fire(s: &mut RtcpScheduler) -> Instant {
    for _ in 0..100 {
        let now = s.poll_timeout();
        if s.handle_timeout(now) {
            return now;
        }
    }
    panic!("no report in 100 deadlines");
}

#[test]
fn forward_reconsideration_postpones_when_the_group_grows() {
    let mut s = RtcpScheduler::new(IntervalConfig::new(BW, 11), Instant::ZERO);
    let due = s.poll_timeout();
    // 1000 members arrive before the timer fires: the interval is now minutes, so the
    // report at `due` is not sent and the timer moves to tp + T'.
    s.set_members(Instant::from_millis(100), 1000, 1);
    assert!(!s.handle_timeout(due));
    let next = s.poll_timeout();
    let t = 100.0 * 999.0 / 300.0;
    let d = secs(next.saturating_duration_since(Instant::ZERO));
    assert!(
        d >= 0.5 * t / COMPENSATION && d < 1.5 * t / COMPENSATION,
        "{d}"
    );
}

#[test]
fn reverse_reconsideration_pulls_the_timer_in_when_members_leave() {
    let start = Instant::ZERO;
    let mut s = RtcpScheduler::new(IntervalConfig::new(BW, 5), start);
    s.set_members(start, 1000, 1);
    // Force a send so that pmembers is 1000 and tn is minutes away.
    s.set_members(start, 1, 0);
    let due = fire(&mut s);
    s.set_members(due, 1000, 1);
    s.handle_rtcp_sent(due, 100);
    let now = due + Duration::from_secs(10);
    let before = s.poll_timeout().saturating_duration_since(now);
    // Half the members leave (e.g. BYEs): tn - now halves (§6.3.4).
    s.set_members(now, 500, 1);
    let after = s.poll_timeout().saturating_duration_since(now);
    let ratio = secs(after) / secs(before);
    assert!((ratio - 0.5).abs() < 1e-3, "{ratio}");
}

#[test]
fn average_size_follows_sent_and_received_packets() {
    let mut s = RtcpScheduler::new(IntervalConfig::new(BW, 1), Instant::ZERO);
    let first = s.avg_rtcp_size();
    s.handle_rtcp_received(first as usize + 160);
    assert!((s.avg_rtcp_size() - (first + 10.0)).abs() < 1e-9);
}

#[test]
fn small_groups_say_bye_at_once_large_ones_schedule_it() {
    let mut small = RtcpScheduler::new(IntervalConfig::new(BW, 2), Instant::ZERO);
    small.set_members(Instant::ZERO, 50, 2);
    assert!(small.leave(Instant::from_millis(7000), 60));
    assert!(!small.is_leaving());

    let mut big = RtcpScheduler::new(IntervalConfig::new(BW, 2), Instant::ZERO);
    big.set_members(Instant::ZERO, 51, 2);
    let now = Instant::from_millis(100_000);
    assert!(!big.leave(now, 60));
    assert!(big.is_leaving());
    // Scheduled as a first report of a group of one: half of 5 s, randomised.
    let d = secs(big.poll_timeout().saturating_duration_since(now));
    assert!(
        (1.25 / COMPENSATION..3.75 / COMPENSATION).contains(&d),
        "{d}"
    );
    // A flood of BYEs from others grows the count, and reconsideration then postpones ours:
    // 1000 BYEs of 60 octets at 300 octets/s is 200 s.
    for _ in 0..1000 {
        big.handle_bye_received();
    }
    big.set_members(now, 1, 0); // ignored while leaving
    let due = big.poll_timeout();
    assert!(!big.handle_timeout(due));
    let later = secs(big.poll_timeout().saturating_duration_since(now));
    assert!(later > 0.5 * 200.0 / COMPENSATION, "{later}");
}

#[test]
fn members_and_senders_time_out_after_multiples_of_the_deterministic_interval() {
    let mut s = RtcpScheduler::new(IntervalConfig::new(BW, 2), Instant::ZERO);
    s.set_members(Instant::ZERO, 2, 1);
    // Small group: the 5 s minimum, five times for members, twice for senders.
    assert_eq!(s.member_timeout(), Duration::from_secs(25));
    assert_eq!(s.sender_timeout(), Duration::from_secs(10));
    // Reduced minimum does not shorten the member timeout.
    let mut cfg = IntervalConfig::new(1_000_000, 2);
    cfg.reduced_minimum = true;
    let mut r = RtcpScheduler::new(cfg, Instant::ZERO);
    r.set_members(Instant::ZERO, 2, 1);
    assert_eq!(r.member_timeout(), Duration::from_secs(25));
    // A large group: receivers' interval 100 * 999 / 300 = 333 s, times five.
    let mut big = RtcpScheduler::new(IntervalConfig::new(BW, 2), Instant::ZERO);
    big.set_members(Instant::ZERO, 1000, 1);
    let t = secs(big.member_timeout());
    assert!((t - 5.0 * 333.0).abs() < 1e-3, "{t}");
}

proptest! {
    #[test]
    fn any_driving_keeps_the_timer_ahead_and_reports_apart(
        seed in any::<u64>(),
        ops in proptest::collection::vec((0u8..5, any::<u32>(), 0u32..2000, 0u32..2000), 1..100),
    ) {
        let mut s = RtcpScheduler::new(IntervalConfig::new(BW, seed), Instant::ZERO);
        let mut now = Instant::ZERO;
        let mut last_sent: Option<Instant> = None;
        for (op, step, a, b) in ops {
            now = now + Duration::from_millis(u64::from(step % 20_000));
            match op {
                0 => s.set_members(now, a, b),
                1 => s.set_we_sent(a % 2 == 0),
                2 => s.handle_rtcp_received(a as usize),
                3 => { let _ = s.leave(now, 40 + a as usize % 200); }
                _ => s.handle_bye_received(),
            }
            let due = s.poll_timeout();
            if due <= now && s.handle_timeout(now) {
                prop_assert!(s.poll_timeout() > now);
                if let Some(prev) = last_sent {
                    // Never two reports closer than the smallest randomised minimum.
                    let gap = secs(now.saturating_duration_since(prev));
                    prop_assert!(gap >= 0.5 * 2.5 / COMPENSATION - 1e-6, "{}", gap);
                }
                last_sent = Some(now);
                s.handle_rtcp_sent(now, 100);
            }
            prop_assert!(s.avg_rtcp_size().is_finite());
        }
    }
}
