//! The network simulator realises the impairments it is configured with: loss rates and
//! burst lengths, delay distributions, reordering, duplication, FIFO delay spikes and clock
//! skew, measured on its output against the theory.

use std::time::Duration;

use mediacore::Instant;
use mediacore_tests::netsim::{
    Arrival, Duplicate, GilbertElliott, Jitter, NetConfig, NetSim, Reorder, Spike, Trace,
};

const PTIME_MS: u64 = 20;

/// `count` packets, one every 20 ms from time zero, each carrying its index.
fn packets(count: u64) -> impl Iterator<Item = (Instant, Vec<u8>)> {
    (0..count).map(|i| (Instant::from_millis(i * PTIME_MS), i.to_be_bytes().to_vec()))
}

fn run(config: NetConfig, seed: u64, count: u64) -> (Vec<Arrival>, NetSim) {
    let mut sim = NetSim::new(config, seed);
    let arrivals = sim.run(packets(count));
    (arrivals, sim)
}

fn delay_ms(a: &Arrival) -> f64 {
    (a.at.as_micros() as f64 - a.sent_at.as_micros() as f64) / 1000.0
}

fn mean_std(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// Loss rate and mean length of runs of consecutive lost packets, from the output alone.
fn loss_and_mean_burst(arrivals: &[Arrival], sent: u64) -> (f64, f64) {
    let mut got = vec![false; sent as usize];
    for a in arrivals {
        got[a.index as usize] = true;
    }
    let lost = got.iter().filter(|g| !**g).count();
    let bursts = got.windows(2).filter(|w| w[0] && !w[1]).count() + usize::from(!got[0]);
    (lost as f64 / sent as f64, lost as f64 / bursts as f64)
}

fn path(jitter: Jitter) -> NetConfig {
    NetConfig {
        base_delay: Duration::from_millis(20),
        jitter,
        ..NetConfig::default()
    }
}

#[test]
fn same_seed_same_arrivals_other_seed_other_arrivals() {
    for trace in Trace::ALL {
        let (a, _) = run(trace.config(), 7, 3_000);
        let (b, _) = run(trace.config(), 7, 3_000);
        let (c, _) = run(trace.config(), 8, 3_000);
        assert_eq!(a, b, "{}", trace.name());
        assert_ne!(a, c, "{}", trace.name());
    }
}

#[test]
fn polling_as_a_receiver_does_gives_the_same_arrivals_as_a_batch_run() {
    let config = Trace::JitterLoss.config();
    let (batch, _) = run(config.clone(), 3, 500);

    let mut sim = NetSim::new(config, 3);
    let mut sent = packets(500).peekable();
    let mut polled = Vec::new();
    let mut now = Instant::ZERO;
    while now < Instant::from_millis(500 * PTIME_MS + 1_000) {
        while let Some((at, _)) = sent.peek() {
            if sim.receiver_time(*at) > now {
                break;
            }
            let (at, payload) = sent.next().unwrap(); // peeked just above
            sim.send(at, payload);
        }
        while let Some(a) = sim.poll_arrival(now) {
            assert!(a.at <= now && now.as_micros() - a.at.as_micros() < 10_000);
            polled.push(a);
        }
        now = now + Duration::from_millis(10);
    }
    assert_eq!(polled, batch);
    assert!(polled.windows(2).all(|w| w[0].at <= w[1].at));
}

#[test]
fn gilbert_elliott_loss_rate_and_burst_length_match_the_chain() {
    let n = 100_000;
    // Simple Gilbert: 5% stationary loss p/(p+r), bursts of 1/r = 2.5 packets.
    let ge = GilbertElliott::with_rate_and_burst(0.05, 2.5);
    assert!((ge.p / (ge.p + ge.r) - 0.05).abs() < 1e-12 && (1.0 / ge.r - 2.5).abs() < 1e-12);
    let config = NetConfig {
        burst_loss: Some(ge),
        ..path(Jitter::None)
    };
    let (arrivals, sim) = run(config, 11, n);
    let (rate, burst) = loss_and_mean_burst(&arrivals, n);
    println!("GE simple: loss {rate:.4} (theory 0.05), mean burst {burst:.3} (theory 2.5)");
    // Over 100k packets the sampling standard deviations are about 0.0013 for the rate
    // (correlated losses) and 0.043 for the mean of ~2000 geometric bursts.
    assert!((rate - 0.05).abs() < 0.005, "loss rate {rate}");
    assert!((burst - 2.5).abs() < 0.15, "mean burst {burst}");
    assert_eq!(sim.stats().lost, n - arrivals.len() as u64);

    // Lossy good state and leaky bad state: loss = πG·lg + πB·lb with πB = p/(p+r).
    let ge = GilbertElliott {
        p: 0.05,
        r: 0.3,
        loss_good: 0.01,
        loss_bad: 0.6,
    };
    let bad = ge.p / (ge.p + ge.r);
    let theory = (1.0 - bad) * ge.loss_good + bad * ge.loss_bad;
    let config = NetConfig {
        burst_loss: Some(ge),
        ..path(Jitter::None)
    };
    let (arrivals, _) = run(config, 12, n);
    let (rate, _) = loss_and_mean_burst(&arrivals, n);
    println!("GE general: loss {rate:.4} (theory {theory:.4})");
    assert!(
        (rate - theory).abs() < 0.006,
        "loss rate {rate} vs {theory}"
    );
}

#[test]
fn bernoulli_loss_is_isolated_and_the_traces_differ_in_burstiness() {
    let n = 100_000;
    let (arrivals, _) = run(Trace::JitterLoss.config(), 5, n);
    let (rate, burst) = loss_and_mean_burst(&arrivals, n);
    // Independent losses: runs of length k with probability 0.03^(k-1)·0.97.
    println!("trace b: loss {rate:.4} (0.03), mean burst {burst:.3} (1.031)");
    assert!((rate - 0.03).abs() < 0.002, "loss {rate}");
    assert!((burst - 1.0 / 0.97).abs() < 0.03, "burst {burst}");

    let (arrivals, _) = run(Trace::BurstLoss.config(), 5, n);
    let (rate, burst) = loss_and_mean_burst(&arrivals, n);
    println!("trace c: loss {rate:.4} (0.05), mean burst {burst:.3} (2.5)");
    assert!((rate - 0.05).abs() < 0.005, "loss {rate}");
    assert!((burst - 2.5).abs() < 0.15, "burst {burst}");
}

#[test]
fn loss_does_not_change_the_delays_of_surviving_packets() {
    let (clean, _) = run(Trace::Jitter.config(), 9, 5_000);
    let (lossy, _) = run(Trace::BurstLoss.config(), 9, 5_000);
    assert!(lossy.len() < clean.len() - 100);
    for a in &lossy {
        assert_eq!(a, &clean[a.index as usize]);
    }
}

#[test]
fn jitter_distributions_have_their_mean_and_spread() {
    let n = 100_000;

    // Trace a: 20 ms ± 10 ms uniform, std 10/√3; never reorders at 20 ms spacing.
    let (arrivals, sim) = run(Trace::Jitter.config(), 1, n);
    let delays: Vec<f64> = arrivals.iter().map(delay_ms).collect();
    let (mean, std) = mean_std(&delays);
    println!("uniform: mean {mean:.3} ms (20), std {std:.3} ms (5.774)");
    assert!((mean - 20.0).abs() < 0.1 && (std - 10.0 / 3f64.sqrt()).abs() < 0.1);
    assert!(delays.iter().all(|d| (10.0..=30.0).contains(d)));
    assert_eq!(sim.stats().reordered, 0);

    // Trace b: 60 ms + normal σ 20 ms truncated at ±2σ. The truncated standard deviation is
    // σ·sqrt(1 - 2·2·φ(2)/(Φ(2) - Φ(-2))) = 0.8796σ.
    let (arrivals, sim) = run(Trace::JitterLoss.config(), 1, n);
    let delays: Vec<f64> = arrivals.iter().map(delay_ms).collect();
    let (mean, std) = mean_std(&delays);
    let phi2 = (-2.0f64).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let theory = 20.0 * (1.0 - 4.0 * phi2 / 0.954_499_7).sqrt();
    println!("truncated normal: mean {mean:.3} ms (60), std {std:.3} ms ({theory:.3})");
    assert!((mean - 60.0).abs() < 0.2 && (std - theory).abs() < 0.2);
    assert!(delays.iter().all(|d| (20.0..=100.0).contains(d)));
    let reordered = sim.stats().reordered as f64 / arrivals.len() as f64;
    println!("truncated normal: {:.1}% reordered", reordered * 100.0);
    assert!(reordered > 0.05, "σ 20 ms at 20 ms spacing reorders often");

    // Lomax tail, scale 10 ms, shape 3: mean scale/(shape-1) = 5 ms, P(X > 10 ms) = 2^-3.
    let config = path(Jitter::Pareto {
        scale: Duration::from_millis(10),
        shape: 3.0,
        cap: Duration::from_secs(10),
    });
    let (arrivals, _) = run(config, 1, n);
    let extra: Vec<f64> = arrivals.iter().map(|a| delay_ms(a) - 20.0).collect();
    let (mean, _) = mean_std(&extra);
    let tail = extra.iter().filter(|x| **x > 10.0).count() as f64 / n as f64;
    let max = extra.iter().cloned().fold(0.0, f64::max);
    println!("pareto: mean {mean:.3} ms (5), P(>10 ms) {tail:.4} (0.125), max {max:.0} ms");
    assert!((mean - 5.0).abs() < 0.2 && (tail - 0.125).abs() < 0.005);
    assert!(extra.iter().all(|x| *x >= 0.0) && max > 100.0);

    // Empirical set: each value a third of the time.
    let set = [0, 5, 30].map(Duration::from_millis).to_vec();
    let (arrivals, _) = run(path(Jitter::Empirical(set)), 1, n);
    for value in [20.0, 25.0, 50.0] {
        let share = arrivals.iter().filter(|a| delay_ms(a) == value).count() as f64 / n as f64;
        assert!((share - 1.0 / 3.0).abs() < 0.01, "{value} ms: {share}");
    }
}

#[test]
fn explicit_reordering_is_counted() {
    let n = 100_000;
    let config = NetConfig {
        reorder: Some(Reorder {
            probability: 0.02,
            extra_delay: Duration::from_millis(50),
        }),
        ..path(Jitter::None)
    };
    let (arrivals, sim) = run(config, 4, n);
    let held = arrivals.iter().filter(|a| delay_ms(a) == 70.0).count() as u64;
    let reordered = sim.stats().reordered;
    println!("reorder 2%: {held} held back, {reordered} reordered");
    assert!(held.abs_diff(2_000) < 180, "held {held}");
    // Held 50 ms at 20 ms spacing, the next packet overtakes unless it is held as well.
    assert!(reordered <= held && reordered + 3 >= held);
    assert_eq!(arrivals.len() as u64, n);
}

#[test]
fn duplicates_arrive_later_with_the_same_payload_and_only_of_delivered_packets() {
    let n = 100_000;
    let config = NetConfig {
        random_loss: 0.02,
        duplicate: Some(Duplicate {
            probability: 0.01,
            delay: Duration::from_millis(50),
        }),
        ..path(Jitter::None)
    };
    let (arrivals, sim) = run(config, 6, n);
    let stats = sim.stats();
    println!("duplication 1%: {stats:?}");
    assert!(stats.duplicated.abs_diff(980) < 130);
    assert_eq!(stats.delivered, stats.sent - stats.lost + stats.duplicated);
    assert_eq!(arrivals.len() as u64, stats.delivered);
    let mut original = vec![None; n as usize];
    for a in arrivals.iter().filter(|a| !a.duplicate) {
        original[a.index as usize] = Some(a);
    }
    let copies: Vec<&Arrival> = arrivals.iter().filter(|a| a.duplicate).collect();
    assert_eq!(copies.len() as u64, stats.duplicated);
    for copy in copies {
        let first = original[copy.index as usize].expect("a copy of a lost packet");
        assert_eq!(copy.payload, first.payload);
        assert_eq!(copy.at, first.at + Duration::from_millis(50));
    }
    // Copies arrive after later originals but are not counted as reordering.
    assert_eq!(stats.reordered, 0);
}

#[test]
fn a_delay_spike_delays_its_packets_and_queues_the_following_ones_fifo() {
    let spike = Spike {
        start: Instant::from_millis(1_000),
        duration: Duration::from_millis(500),
        extra: Duration::from_millis(300),
    };
    // Without jitter the shape is exact: a 300 ms step, then the queue drains at slope -1.
    let config = NetConfig {
        spikes: vec![spike],
        ..path(Jitter::None)
    };
    let (arrivals, sim) = run(config, 1, 200);
    let delay_of = |sent_ms: u64| delay_ms(&arrivals[(sent_ms / PTIME_MS) as usize]);
    assert_eq!(delay_of(980), 20.0);
    assert_eq!(delay_of(1_000), 320.0);
    assert_eq!(delay_of(1_480), 320.0);
    assert_eq!(delay_of(1_500), 300.0);
    assert_eq!(delay_of(1_600), 200.0);
    assert_eq!(delay_of(1_780), 20.0);
    assert_eq!(delay_of(1_800), 20.0);
    assert_eq!(sim.stats().spiked, 25 + 14);

    // With jitter that reorders (σ 10 ms at 20 ms spacing), nothing overtakes a packet of the
    // spike, and the same draws without the spike do reorder those packets.
    let jittery = path(Jitter::Normal {
        std_dev: Duration::from_millis(10),
        limit: Duration::from_millis(20),
    });
    let spiky = NetConfig {
        spikes: vec![spike],
        ..jittery.clone()
    };
    let in_spike = |a: &&Arrival| (50..75).contains(&a.index);
    let order = |arrivals: &[Arrival]| -> Vec<u64> {
        arrivals.iter().filter(in_spike).map(|a| a.index).collect()
    };
    let (calm, _) = run(jittery, 2, 200);
    let (spiked, sim) = run(spiky, 2, 200);
    assert!(order(&calm).windows(2).any(|w| w[0] > w[1]));
    assert!(order(&spiked).windows(2).all(|w| w[0] < w[1]));
    let last_of_spike = spiked.iter().position(|a| a.index == 74).unwrap(); // 200 sent, no loss
    assert!(spiked[last_of_spike..].iter().all(|a| a.index >= 74));
    assert!(spiked.iter().filter(in_spike).all(|a| delay_ms(a) >= 300.0));
    assert!(
        spiked
            .iter()
            .filter(|a| a.index >= 125)
            .all(|a| delay_ms(a) <= 40.0)
    );
    assert!(
        sim.stats().reordered > 0,
        "jitter still reorders outside the spike"
    );
}

#[test]
fn sender_drift_of_500_ppm_adds_300_ms_over_ten_minutes() {
    let n = 10 * 60 * 1000 / PTIME_MS; // 30 000 packets, the last sent at 599.98 s
    let config = |ppm: f64| NetConfig {
        base_delay: Duration::from_millis(30),
        sender_drift_ppm: ppm,
        ..NetConfig::default()
    };
    let (arrivals, _) = run(config(500.0), 1, n);
    let offset = |a: &Arrival| a.at.as_micros() as i64 - a.sent_at.as_micros() as i64;
    assert_eq!(offset(&arrivals[0]), 30_000);
    assert_eq!(offset(&arrivals[n as usize - 1]), 30_000 + 299_990);
    assert!(
        arrivals
            .windows(2)
            .all(|w| { (20_009..=20_011).contains(&(w[1].at.as_micros() - w[0].at.as_micros())) })
    );

    let (arrivals, _) = run(config(-500.0), 1, n);
    assert_eq!(offset(&arrivals[n as usize - 1]), 30_000 - 299_990);

    // Trace e, with its jitter: the mean delay of the last minute exceeds the first's by
    // 500 ppm of the 9 minutes between them.
    let (arrivals, _) = run(Trace::Drift.config(), 1, n);
    let minute = (60_000 / PTIME_MS) as usize;
    let mean_delay = |part: &[Arrival]| mean_std(&part.iter().map(delay_ms).collect::<Vec<_>>()).0;
    let growth = mean_delay(&arrivals[n as usize - minute..]) - mean_delay(&arrivals[..minute]);
    println!("trace e: delay grew {growth:.2} ms from the first minute to the last (270)");
    assert!((growth - 270.0).abs() < 1.0);
}
