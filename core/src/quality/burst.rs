//! Packet loss statistics for the E-model: the loss percentage `Ppl` and the burst ratio
//! `BurstR` of ITU-T G.107 §7.5.
//!
//! G.107 describes loss with a two-state Markov chain: after a received packet the next one
//! is lost with probability `p`, after a lost packet the next one is received with
//! probability `q`. [`LossPattern`] counts the state changes of a stream of per-packet
//! outcomes to estimate `p` and `q`, and from them `BurstR = 1 / (p + q)`: 1 when losses
//! are independent of each other, above 1 when they cluster.

/// Counters over a stream of packet outcomes, in arrival (sequence) order.
///
/// Holds only counters: recording never allocates and costs a few additions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LossPattern {
    /// Packets recorded as received.
    received: u64,
    /// Packets recorded as lost.
    lost: u64,
    /// Packets that followed a received packet.
    after_received: u64,
    /// Of those, the lost ones: the received-to-lost transitions.
    received_to_lost: u64,
    /// Packets that followed a lost packet.
    after_lost: u64,
    /// Of those, the received ones: the lost-to-received transitions.
    lost_to_received: u64,
    /// The outcome of the last packet recorded, `None` before the first.
    last: Option<bool>,
}

impl LossPattern {
    /// An empty pattern: no packets seen, 0% loss, burst ratio 1.
    pub const fn new() -> Self {
        LossPattern {
            received: 0,
            lost: 0,
            after_received: 0,
            received_to_lost: 0,
            after_lost: 0,
            lost_to_received: 0,
            last: None,
        }
    }

    /// Records the outcome of the next packet in sequence order.
    pub fn record(&mut self, received: bool) {
        match self.last {
            Some(true) => {
                self.after_received = self.after_received.saturating_add(1);
                if !received {
                    self.received_to_lost = self.received_to_lost.saturating_add(1);
                }
            }
            Some(false) => {
                self.after_lost = self.after_lost.saturating_add(1);
                if received {
                    self.lost_to_received = self.lost_to_received.saturating_add(1);
                }
            }
            None => {}
        }
        if received {
            self.received = self.received.saturating_add(1);
        } else {
            self.lost = self.lost.saturating_add(1);
        }
        self.last = Some(received);
    }

    /// Records `n` consecutive lost packets, as `n` calls of `record(false)` would (a gap of
    /// `n` in the sequence numbers). `n == 0` changes nothing.
    pub fn record_lost(&mut self, n: u64) {
        if n == 0 {
            return;
        }
        self.record(false);
        // The other n - 1 losses each follow a loss.
        let rest = n - 1;
        self.after_lost = self.after_lost.saturating_add(rest);
        self.lost = self.lost.saturating_add(rest);
    }

    /// Forgets everything recorded, as after [`LossPattern::new`].
    pub fn reset(&mut self) {
        *self = LossPattern::new();
    }

    /// Packets recorded, received and lost.
    pub fn packets(&self) -> u64 {
        self.received.saturating_add(self.lost)
    }

    /// Packets recorded as lost.
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// Lost packets as a percentage of all packets recorded, 0 to 100; 0 before any packet.
    /// This is G.107's `Ppl`.
    pub fn loss_percent(&self) -> f64 {
        let total = self.packets();
        if total == 0 {
            return 0.0;
        }
        self.lost as f64 * 100.0 / total as f64
    }

    /// G.107's burst ratio `BurstR = 1 / (p + q)`, with `p` the share of packets after a
    /// received one that were lost and `q` the share of packets after a lost one that were
    /// received.
    ///
    /// Where the counts cannot say how losses cluster the value is 1, as for random loss:
    /// before any packet, when nothing was lost, and when the state never changed (every
    /// packet lost). When only one of `p` and `q` has been observed (one lone loss at the
    /// very end, or one received packet at the very end) the other form G.107 gives for a
    /// Markov chain is used: `BurstR = Ppl / p`, or `BurstR = (1 - Ppl) / q`.
    pub fn burst_ratio(&self) -> f64 {
        if self.lost == 0 || self.received == 0 {
            return 1.0;
        }
        let loss_fraction = self.lost as f64 / self.packets() as f64;
        let p = (self.after_received > 0)
            .then(|| self.received_to_lost as f64 / self.after_received as f64);
        let q =
            (self.after_lost > 0).then(|| self.lost_to_received as f64 / self.after_lost as f64);
        let ratio = match (p, q) {
            (Some(p), Some(q)) => 1.0 / (p + q),
            (Some(p), None) => loss_fraction / p,
            (None, Some(q)) => (1.0 - loss_fraction) / q,
            (None, None) => 1.0,
        };
        // A zero denominator (no transitions at all) gives an infinity or NaN; it cannot
        // happen with both states seen, but the guard keeps the promise of a finite value.
        if ratio.is_finite() { ratio } else { 1.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;

    /// A uniform value in [0, 1) from the top 53 bits of the generator.
    fn uniform(rng: &mut SeededRng) -> f64 {
        (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn no_loss_is_zero_percent_and_ratio_one() {
        let mut pattern = LossPattern::new();
        assert_eq!(pattern.loss_percent(), 0.0);
        assert_eq!(pattern.burst_ratio(), 1.0);
        for _ in 0..1000 {
            pattern.record(true);
        }
        assert_eq!(pattern.packets(), 1000);
        assert_eq!(pattern.loss_percent(), 0.0);
        assert_eq!(pattern.burst_ratio(), 1.0);
    }

    #[test]
    fn bernoulli_loss_has_burst_ratio_near_one() {
        let mut rng = SeededRng::new(0x4E5);
        let mut pattern = LossPattern::new();
        for _ in 0..200_000 {
            pattern.record(uniform(&mut rng) >= 0.05);
        }
        assert!(
            (pattern.loss_percent() - 5.0).abs() < 0.2,
            "{}",
            pattern.loss_percent()
        );
        let ratio = pattern.burst_ratio();
        assert!((ratio - 1.0).abs() < 0.03, "BurstR {ratio}");
    }

    #[test]
    fn gilbert_elliott_loss_has_burst_ratio_one_over_p_plus_q() {
        let (p, q) = (0.02, 0.25);
        let mut rng = SeededRng::new(7);
        let mut pattern = LossPattern::new();
        let mut received = true;
        for _ in 0..500_000 {
            let change = if received { p } else { q };
            if uniform(&mut rng) < change {
                received = !received;
            }
            pattern.record(received);
        }
        let expected = 1.0 / (p + q);
        let ratio = pattern.burst_ratio();
        assert!(
            (ratio - expected).abs() < 0.03 * expected,
            "BurstR {ratio}, expected {expected}"
        );
        // Stationary loss p / (p + q) = 7.4%.
        let loss = 100.0 * p / (p + q);
        assert!(
            (pattern.loss_percent() - loss).abs() < 0.5,
            "{}",
            pattern.loss_percent()
        );
    }

    #[test]
    fn record_lost_equals_repeated_single_losses() {
        let mut one_by_one = LossPattern::new();
        let mut at_once = LossPattern::new();
        for pattern in [&mut one_by_one, &mut at_once] {
            pattern.record(true);
            pattern.record(true);
        }
        for _ in 0..5 {
            one_by_one.record(false);
        }
        at_once.record_lost(5);
        at_once.record_lost(0);
        one_by_one.record(true);
        at_once.record(true);
        assert_eq!(one_by_one, at_once);
        assert_eq!(at_once.lost(), 5);
    }

    #[test]
    fn edge_patterns_give_finite_documented_ratios() {
        let mut all_lost = LossPattern::new();
        all_lost.record_lost(u64::MAX);
        all_lost.record_lost(u64::MAX);
        assert_eq!(all_lost.loss_percent(), 100.0);
        assert_eq!(all_lost.burst_ratio(), 1.0);

        // One loss at the very end: q unobserved, BurstR = Ppl / p = (1/101) / (1/100).
        let mut trailing = LossPattern::new();
        for _ in 0..100 {
            trailing.record(true);
        }
        trailing.record(false);
        assert!((trailing.burst_ratio() - 100.0 / 101.0).abs() < 1e-12);

        // Alternating loss is less bursty than random: p = q = 1, BurstR 0.5.
        let mut alternating = LossPattern::new();
        for i in 0..1000 {
            alternating.record(i % 2 == 0);
        }
        assert!((alternating.burst_ratio() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn reset_forgets_everything() {
        let mut pattern = LossPattern::new();
        pattern.record(true);
        pattern.record_lost(3);
        pattern.reset();
        assert_eq!(pattern, LossPattern::new());
        assert_eq!(pattern.packets(), 0);
    }
}
