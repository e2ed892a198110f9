//! [`DelayEstimator`]: how much playout delay the network's jitter calls for.
//!
//! Each packet's *relative delay* is how much later it arrived than the fastest packet of
//! the last few seconds would have, given its RTP timestamp: `transit - min(transit)` with
//! `transit = arrival - timestamp / clock_rate`. A minimum over a sliding window (not over
//! the whole call) follows a sender whose clock drifts against ours, so ±1000 ppm of drift
//! neither grows nor starves the estimate.
//!
//! Relative delays go into a histogram of 1 ms buckets whose old mass decays at every
//! packet (a forgetting factor); the target delay is a high quantile of it. A burst of
//! jitter raises the target within a few packets; once the network calms, the target comes
//! back down as the burst's mass is forgotten (a time constant of 500 packets, 10 s at 50 packets a
//! second). The first packets are weighed against the configured initial delay as if it
//! had been seen [`PRIOR_WEIGHT`] times, so the estimate starts there and moves as evidence
//! comes in.

use core::time::Duration;

use crate::time::Instant;

/// Width of a histogram bucket, in microseconds.
const BUCKET_US: i64 = 1000;
/// The forgetting factor per packet once the estimate has settled.
const FORGET: f64 = 0.998;
/// How many packets the initial delay counts for while evidence accumulates.
pub const PRIOR_WEIGHT: f64 = 20.0;
/// Length of one slot of the sliding minimum, in microseconds.
const MIN_SLOT_US: i64 = 1_000_000;
/// The histogram's scale is folded back into its buckets when it falls below this.
const RESCALE_BELOW: f64 = 1e-200;
/// Slots in the sliding minimum: the fastest transit over the last 2 to 3 s.
const MIN_SLOTS: usize = 3;
/// A packet this much later than the target (and at least twice it) starts a delay spike.
const SPIKE_MARGIN_US: i64 = 100_000;
/// A spike that lasts this long is the network's new normal, not a spike.
const SPIKE_MAX_US: u64 = 3_000_000;

/// Settings of a [`DelayEstimator`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DelayConfig {
    /// The least target delay.
    pub min_delay: Duration,
    /// The greatest target delay; the histogram spans up to it.
    pub max_delay: Duration,
    /// The target before any packet has arrived.
    pub initial_delay: Duration,
    /// Fraction of packets the target delay should be long enough for, e.g. 0.95.
    pub quantile: f64,
}

impl Default for DelayConfig {
    /// 20 ms to 500 ms, starting at 40 ms, covering 95% of packets.
    fn default() -> Self {
        DelayConfig {
            min_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(500),
            initial_delay: Duration::from_millis(40),
            quantile: 0.95,
        }
    }
}

/// Estimates the playout delay that covers a quantile of recent packets' delay variation.
///
/// ```
/// use core::time::Duration;
/// use mediacore::Instant;
/// use mediacore::jitter::{DelayConfig, DelayEstimator};
///
/// let mut estimator = DelayEstimator::new(DelayConfig::default(), 8000)?;
/// // 20 ms packets, every other one 30 ms late.
/// for i in 0..500u64 {
///     let late = if i % 2 == 1 { 30_000 } else { 0 };
///     estimator.on_packet(Instant::from_micros(i * 20_000 + late), i * 160);
/// }
/// let target = estimator.target_delay();
/// assert!(target >= Duration::from_millis(30) && target <= Duration::from_millis(32));
/// # Ok::<(), mediacore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct DelayEstimator {
    config: DelayConfig,
    clock_rate: u32,
    /// Probability mass per 1 ms bucket of relative delay, summing to 1 once multiplied
    /// by `scale` (forgetting multiplies `scale` rather than every bucket).
    histogram: Vec<f64>,
    scale: f64,
    /// Packets seen, for the forgetting factor's start-up.
    packets: u64,
    /// Fastest transit (µs) per slot with the slot's index, once the slot has seen a
    /// packet: the sliding minimum.
    min_slots: [Option<(i64, i64)>; MIN_SLOTS],
    /// Relative delay of the last packet, in µs.
    last_delay_us: i64,
    /// The sliding minimum of transit as of the last packet, in µs.
    fastest: Option<i64>,
    /// The target as of the last packet, in µs.
    target_us: i64,
    /// When the delay spike under way started.
    spike_since: Option<Instant>,
    spikes: u64,
}

impl DelayEstimator {
    /// An estimator for a stream on a `clock_rate` Hz RTP clock.
    ///
    /// Fails when the delays are not ordered `min ≤ initial ≤ max`, `max` is above 10 s,
    /// the quantile is not within (0, 1) or the clock rate is zero.
    pub fn new(config: DelayConfig, clock_rate: u32) -> crate::Result<Self> {
        let DelayConfig {
            min_delay,
            max_delay,
            initial_delay,
            quantile,
        } = config;
        if !(min_delay <= initial_delay && initial_delay <= max_delay)
            || max_delay > Duration::from_secs(10)
        {
            return Err(crate::Error::InvalidArgument(format!(
                "jitter buffer delays must satisfy min_delay <= initial_delay <= max_delay <= 10 s; \
                 got {} / {} / {} ms",
                min_delay.as_millis(),
                initial_delay.as_millis(),
                max_delay.as_millis()
            )));
        }
        if !(quantile > 0.0 && quantile < 1.0) {
            return Err(crate::Error::InvalidArgument(format!(
                "jitter buffer quantile must be between 0 and 1 (exclusive); got {quantile}"
            )));
        }
        if clock_rate == 0 {
            return Err(crate::Error::InvalidArgument(
                "jitter buffer clock rate must be above 0 Hz".into(),
            ));
        }
        let buckets = (max_delay.as_micros() as i64 / BUCKET_US) as usize + 1;
        let mut histogram = vec![0.0; buckets];
        histogram[bucket(initial_delay.as_micros() as i64, buckets)] = 1.0;
        Ok(DelayEstimator {
            config,
            clock_rate,
            histogram,
            scale: 1.0,
            packets: 0,
            min_slots: [None; MIN_SLOTS],
            last_delay_us: 0,
            fastest: None,
            target_us: 0,
            spike_since: None,
            spikes: 0,
        }
        .with_target())
    }

    /// The settings.
    pub fn config(&self) -> &DelayConfig {
        &self.config
    }

    /// Records a packet that arrived at `arrival` carrying `timestamp` (extended to 64 bits,
    /// on the estimator's clock). Returns its relative delay: how much later it came than the
    /// fastest recent packet would have.
    pub fn on_packet(&mut self, arrival: Instant, timestamp: u64) -> Duration {
        let media_us = (u128::from(timestamp) * 1_000_000 / u128::from(self.clock_rate)) as i64;
        let transit = arrival.as_micros() as i64 - media_us;
        let slot = arrival.as_micros() as i64 / MIN_SLOT_US;
        let at = slot.rem_euclid(MIN_SLOTS as i64) as usize;
        self.min_slots[at] = match self.min_slots[at] {
            Some((fastest, s)) if s == slot => Some((fastest.min(transit), slot)),
            _ => Some((transit, slot)),
        };
        let fastest = self
            .min_slots
            .iter()
            .flatten()
            .filter(|(_, s)| slot - s < MIN_SLOTS as i64)
            .map(|(t, _)| *t)
            .min()
            .unwrap_or(transit);
        let delay = (transit - fastest).max(0);
        self.fastest = Some(fastest);
        self.last_delay_us = delay;
        if self.in_spike(arrival, delay) {
            return Duration::from_micros(delay as u64);
        }

        let forget = FORGET.min(1.0 - 1.0 / (self.packets as f64 + PRIOR_WEIGHT + 1.0));
        self.scale *= forget;
        if self.scale < RESCALE_BELOW {
            for p in &mut self.histogram {
                *p *= self.scale;
            }
            self.scale = 1.0;
        }
        let len = self.histogram.len();
        self.histogram[bucket(delay, len)] += (1.0 - forget) / self.scale;
        self.packets += 1;
        self.target_us = self.quantile_us();
        Duration::from_micros(delay as u64)
    }

    /// Whether a packet of relative delay `delay` (µs) is part of a delay spike: a sudden
    /// jump far beyond the target, as when a link stalls and then delivers its queue at once
    /// (packets come in a burst, each a little less late than the one before). Spike
    /// packets are kept out of the histogram, so that one stall does not hold the delay up
    /// for the whole forgetting time; the playout engine rides the spike out by concealing
    /// and then playing the held-up packets a little faster. A spike ends when delays come
    /// back to halfway between the target and the spike threshold, or after 3 s, when the
    /// sliding minimum has moved to a new normal anyway.
    fn in_spike(&mut self, arrival: Instant, delay: i64) -> bool {
        let target = self.target_us;
        let entry = (2 * target).max(target + SPIKE_MARGIN_US);
        match self.spike_since {
            Some(since) => {
                let over =
                    arrival.saturating_duration_since(since).as_micros() as u64 >= SPIKE_MAX_US;
                if over || delay <= target + (entry - target) / 2 {
                    self.spike_since = None;
                    false
                } else {
                    true
                }
            }
            None if delay > entry => {
                self.spike_since = Some(arrival);
                self.spikes += 1;
                true
            }
            None => false,
        }
    }

    /// Delay spikes seen so far (see [`DelayEstimator::on_packet`]).
    pub fn spikes(&self) -> u64 {
        self.spikes
    }

    fn with_target(mut self) -> Self {
        self.target_us = self.quantile_us();
        self
    }

    /// The relative delay of the last packet recorded.
    pub fn last_delay(&self) -> Duration {
        Duration::from_micros(self.last_delay_us as u64)
    }

    /// The playout delay, beyond the fastest packets' arrival, that the configured quantile
    /// of recent packets arrived within, clamped to the configured bounds.
    pub fn target_delay(&self) -> Duration {
        Duration::from_micros(self.target_us as u64)
    }

    fn quantile_us(&self) -> i64 {
        let mut sum = 0.0;
        let mut index = self.histogram.len() - 1;
        let wanted = self.config.quantile / self.scale;
        for (i, p) in self.histogram.iter().enumerate() {
            sum += p;
            if sum >= wanted {
                index = i;
                break;
            }
        }
        // The bucket's upper edge: a packet with that delay still arrives in time.
        let delay = Duration::from_micros(((index as i64 + 1) * BUCKET_US) as u64);
        delay
            .clamp(self.config.min_delay, self.config.max_delay)
            .as_micros() as i64
    }

    /// Forgets the network's history (for a new source), back to the initial delay.
    pub fn reset(&mut self) {
        self.histogram.fill(0.0);
        let len = self.histogram.len();
        self.histogram[bucket(self.config.initial_delay.as_micros() as i64, len)] = 1.0;
        self.scale = 1.0;
        self.packets = 0;
        self.rebase();
        self.target_us = self.quantile_us();
    }

    /// Forgets the fastest transit seen (for a timeline that was moved, e.g. after a
    /// timestamp jump) but keeps the histogram of delay variation.
    pub fn rebase(&mut self) {
        self.min_slots = [None; MIN_SLOTS];
        self.last_delay_us = 0;
        self.fastest = None;
        self.spike_since = None;
    }

    /// How much later than the fastest recent packet's pace audio with `timestamp` is
    /// when it plays at `at`: `at - (timestamp / clock_rate + fastest transit)`, in µs,
    /// negative when it plays earlier than even the fastest packet could have brought it.
    /// `None` before the first packet.
    pub fn playout_delay_us(&self, at: Instant, timestamp: u64) -> Option<i64> {
        let media_us = (u128::from(timestamp) * 1_000_000 / u128::from(self.clock_rate)) as i64;
        self.fastest
            .map(|fastest| at.as_micros() as i64 - media_us - fastest)
    }
}

/// The histogram bucket of a relative delay in µs; the last bucket takes everything beyond.
fn bucket(delay_us: i64, buckets: usize) -> usize {
    usize::try_from(delay_us / BUCKET_US)
        .unwrap_or(0)
        .min(buckets - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Feeds `packets` 20 ms packets on an 8 kHz clock, the i-th arriving `jitter(i)` µs
    /// late, with the sender's clock running `ppm` fast; returns the target after each.
    fn run(
        estimator: &mut DelayEstimator,
        start: u64,
        packets: u64,
        ppm: f64,
        mut jitter: impl FnMut(u64) -> u64,
    ) -> Vec<Duration> {
        (start..start + packets)
            .map(|i| {
                let sent = i as f64 * 20_000.0 * (1.0 - ppm * 1e-6);
                estimator.on_packet(Instant::from_micros(sent as u64 + jitter(i)), i * 160);
                estimator.target_delay()
            })
            .collect()
    }

    #[test]
    fn starts_at_the_initial_delay_and_settles_on_the_quantile() {
        let mut e = DelayEstimator::new(DelayConfig::default(), 8000).unwrap();
        assert_eq!(e.target_delay(), ms(41));
        // Uniform 0-40 ms jitter: the 95% quantile is 38 ms.
        let mut rng = SeededRng::new(7);
        let targets = run(&mut e, 0, 3000, 0.0, |_| rng.next_u64() % 40_000);
        let last = *targets.last().unwrap();
        assert!(last >= ms(36) && last <= ms(40), "{last:?}");
    }

    #[test]
    fn a_calm_network_brings_the_target_down_and_a_burst_raises_it_quickly() {
        let mut e = DelayEstimator::new(DelayConfig::default(), 8000).unwrap();
        let mut rng = SeededRng::new(3);
        run(&mut e, 0, 1500, 0.0, |_| rng.next_u64() % 80_000);
        let jittery = e.target_delay();
        assert!(jittery >= ms(70), "{jittery:?}");
        // A calm minute (3000 packets): the estimate forgets the jitter.
        let calm = run(&mut e, 1500, 3000, 0.0, |_| 0);
        assert_eq!(*calm.last().unwrap(), ms(20), "back down to the minimum");
        // Jitter returns: within 100 packets (2 s) the target covers it again.
        let burst = run(
            &mut e,
            4500,
            100,
            0.0,
            |i| if i % 2 == 0 { 60_000 } else { 0 },
        );
        assert!(*burst.last().unwrap() >= ms(60), "{:?}", burst.last());
    }

    #[test]
    fn sender_drift_neither_grows_nor_starves_the_estimate() {
        for ppm in [-1000.0, 1000.0] {
            let mut e = DelayEstimator::new(DelayConfig::default(), 8000).unwrap();
            let mut rng = SeededRng::new(11);
            // Ten minutes of 20 ± 10 ms jitter.
            let targets = run(&mut e, 0, 30_000, ppm, |_| 10_000 + rng.next_u64() % 20_000);
            let tail = &targets[10_000..];
            let (lo, hi) = (tail.iter().min().unwrap(), tail.iter().max().unwrap());
            assert!(*lo >= ms(17) && *hi <= ms(24), "{ppm} ppm: {lo:?}..{hi:?}");
        }
    }

    #[test]
    fn a_single_delay_spike_does_not_inflate_the_target() {
        let mut e = DelayEstimator::new(DelayConfig::default(), 8000).unwrap();
        run(&mut e, 0, 1000, 0.0, |_| 0);
        // A 300 ms spike draining FIFO over 15 packets.
        run(&mut e, 1000, 15, 0.0, |i| 300_000 - (i - 1000) * 20_000);
        assert!(e.last_delay() <= ms(20));
        let after = run(&mut e, 1015, 50, 0.0, |_| 0);
        assert!(*after.last().unwrap() <= ms(25), "{:?}", after.last());
    }

    #[test]
    fn bad_settings_are_refused_with_what_is_wrong() {
        let err = DelayEstimator::new(
            DelayConfig {
                min_delay: ms(80),
                ..DelayConfig::default()
            },
            8000,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument: jitter buffer delays must satisfy min_delay <= initial_delay <= \
             max_delay <= 10 s; got 80 / 40 / 500 ms"
        );
        assert!(
            DelayEstimator::new(
                DelayConfig {
                    quantile: 1.0,
                    ..DelayConfig::default()
                },
                8000
            )
            .is_err()
        );
        assert!(DelayEstimator::new(DelayConfig::default(), 0).is_err());
    }

    #[test]
    fn reset_returns_to_the_initial_delay() {
        let mut e = DelayEstimator::new(DelayConfig::default(), 48_000).unwrap();
        for i in 0..200u64 {
            e.on_packet(Instant::from_micros(i * 20_000 + (i % 3) * 90_000), i * 960);
        }
        assert!(e.target_delay() > ms(100));
        e.reset();
        assert_eq!(e.target_delay(), ms(41));
    }
}
