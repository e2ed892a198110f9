//! A seeded network path simulator for receive-path tests and benchmarks.
//!
//! Sans-IO like the core: datagrams go in with their send time ([`NetSim::send`]), arrivals
//! come out in arrival order ([`NetSim::poll_arrival`]) up to a time the caller chooses, and
//! nothing reads a clock, so a 10-minute trace runs in milliseconds. The same seed and the
//! same inputs give the same arrivals bit for bit.
//!
//! The impairments compose; each packet meets them in this order: loss (Bernoulli and
//! Gilbert-Elliott), sender clock skew, base delay plus jitter, explicit reordering, delay
//! spikes (a FIFO queue: no overtaking while one drains), duplication. Each impairment draws
//! from its own random stream, and jitter is drawn for lost packets too, so switching loss on
//! does not change the delays of the packets that survive.
//!
//! A benchmark loop that sends every 20 ms of sender time and pulls every 10 ms of receiver
//! time:
//!
//! ```
//! use mediacore::Instant;
//! use mediacore_tests::netsim::{NetSim, Trace};
//! use std::time::Duration;
//!
//! let mut sim = NetSim::new(Trace::JitterLoss.config(), 42);
//! let mut next_send = Instant::ZERO;
//! let mut now = Instant::ZERO;
//! let mut received = 0;
//! while now < Instant::from_millis(2_000) {
//!     // With clock skew the sender's 20 ms are not the receiver's: schedule on its clock.
//!     while sim.receiver_time(next_send) <= now {
//!         sim.send(next_send, vec![0u8; 172]);
//!         next_send = next_send + Duration::from_millis(20);
//!     }
//!     while let Some(arrival) = sim.poll_arrival(now) {
//!         assert!(arrival.at <= now);
//!         received += 1; // session.handle_rtp(arrival.at, &arrival.payload)
//!     }
//!     now = now + Duration::from_millis(10);
//! }
//! assert!(received > 80);
//! ```

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use mediacore::Instant;
use mediacore::rng::SeededRng;

/// How the one-way delay varies around the base delay, packet by packet and independently.
///
/// Independent jitter larger than the packet spacing reorders packets by itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Jitter {
    /// Every packet takes exactly the base delay.
    None,
    /// Uniform in `[-spread, +spread]` (netem's `delay D J`: "D ± J").
    Uniform {
        /// Half the width of the interval.
        spread: Duration,
    },
    /// Normal with mean 0 and `std_dev`, truncated to `[-limit, +limit]` by redrawing.
    Normal {
        /// Standard deviation before truncation.
        std_dev: Duration,
        /// Largest deviation either way.
        limit: Duration,
    },
    /// A one-sided heavy tail (Pareto type II, Lomax): `P(X > x) = (1 + x/scale)^-shape`,
    /// mean `scale / (shape - 1)` for `shape > 1`, capped at `cap`.
    Pareto {
        /// Scale of the tail.
        scale: Duration,
        /// Tail index; smaller is heavier.
        shape: f64,
        /// Largest value drawn.
        cap: Duration,
    },
    /// Drawn uniformly from a measured set of added delays (e.g. one-way delays minus their
    /// minimum). An empty set adds nothing.
    Empirical(Vec<Duration>),
}

/// Gilbert-Elliott two-state burst loss, advanced once per packet.
///
/// With `loss_good = 0` and `loss_bad = 1` the stationary loss rate is `p / (p + r)` and a
/// burst lasts `1 / r` packets on average.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GilbertElliott {
    /// Probability of moving from the good to the bad state after a packet.
    pub p: f64,
    /// Probability of moving from the bad to the good state after a packet.
    pub r: f64,
    /// Loss probability in the good state.
    pub loss_good: f64,
    /// Loss probability in the bad state.
    pub loss_bad: f64,
}

impl GilbertElliott {
    /// The simple Gilbert model (lose everything in the bad state, nothing in the good one)
    /// with the given stationary loss rate and mean burst length in packets.
    pub fn with_rate_and_burst(loss_rate: f64, mean_burst: f64) -> Self {
        let r = 1.0 / mean_burst.max(1.0);
        let loss_rate = loss_rate.clamp(0.0, 0.999);
        GilbertElliott {
            p: r * loss_rate / (1.0 - loss_rate),
            r,
            loss_good: 0.0,
            loss_bad: 1.0,
        }
    }
}

/// Packets chosen with `probability` take `extra_delay` more, so later packets overtake them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reorder {
    /// Chance that a packet is held back.
    pub probability: f64,
    /// How long it is held back.
    pub extra_delay: Duration,
}

/// Packets chosen with `probability` arrive twice, the copy `delay` after the original.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Duplicate {
    /// Chance that a delivered packet is duplicated.
    pub probability: f64,
    /// Time from the original's arrival to the copy's.
    pub delay: Duration,
}

/// A step of `extra` delay for packets entering the network (receiver clock) in
/// `[start, start + duration)`.
///
/// The path behaves as a FIFO queue while the step lasts and until it drains: no packet
/// overtakes one sent before it in the step, so packets sent just after the step arrive in a
/// burst behind the last delayed one and the delay falls back with slope -1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spike {
    /// When the step begins, on the receiver's clock.
    pub start: Instant,
    /// How long packets keep entering the raised delay.
    pub duration: Duration,
    /// Height of the step.
    pub extra: Duration,
}

/// Every impairment of a simulated path. `Default` is a perfect zero-delay path.
#[derive(Debug, Clone, PartialEq)]
pub struct NetConfig {
    /// One-way delay every packet takes before jitter.
    pub base_delay: Duration,
    /// Per-packet delay variation.
    pub jitter: Jitter,
    /// Independent random loss probability per packet.
    pub random_loss: f64,
    /// Burst loss, applied in addition to `random_loss`.
    pub burst_loss: Option<GilbertElliott>,
    /// Explicit reordering.
    pub reorder: Option<Reorder>,
    /// Duplication.
    pub duplicate: Option<Duplicate>,
    /// Delay steps.
    pub spikes: Vec<Spike>,
    /// Sender clock error in parts per million: one second of sender time lasts
    /// `1 + ppm / 10^6` seconds of receiver time. Positive: the sender is slow, packets
    /// arrive progressively later than their send times predict (a receiver buffer starves);
    /// negative: they arrive earlier (it fills).
    pub sender_drift_ppm: f64,
    /// The instant at which both clocks agree.
    pub clock_origin: Instant,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            base_delay: Duration::ZERO,
            jitter: Jitter::None,
            random_loss: 0.0,
            burst_loss: None,
            reorder: None,
            duplicate: None,
            spikes: Vec::new(),
            sender_drift_ppm: 0.0,
            clock_origin: Instant::ZERO,
        }
    }
}

/// The receive-path benchmark's named traces (issue 4, (a) to (e)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trace {
    /// (a) 20 ± 10 ms: base 20 ms, uniform jitter ±10 ms, no loss, no reordering.
    Jitter,
    /// (b) 40 ms jitter and 3% random loss: base 60 ms, normal jitter σ = 20 ms truncated to
    /// ±40 ms (delays 20-100 ms, packets reorder), Bernoulli loss 3%.
    JitterLoss,
    /// (c) 5% burst loss: trace (a)'s delay, Gilbert-Elliott at 5% with bursts of 2.5
    /// packets on average.
    BurstLoss,
    /// (d) trace (a)'s delay with a 300 ms step from 4 s to 5 s, queued FIFO.
    DelaySpike,
    /// (e) trace (a)'s delay with the sender's clock 500 ppm slow: 300 ms over 10 minutes.
    Drift,
}

impl Trace {
    /// All traces, in the issue's order.
    pub const ALL: [Trace; 5] = [
        Trace::Jitter,
        Trace::JitterLoss,
        Trace::BurstLoss,
        Trace::DelaySpike,
        Trace::Drift,
    ];

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Trace::Jitter => "a: 20±10 ms jitter",
            Trace::JitterLoss => "b: 40 ms jitter + 3% loss",
            Trace::BurstLoss => "c: 5% burst loss",
            Trace::DelaySpike => "d: 300 ms delay spike",
            Trace::Drift => "e: +500 ppm sender drift",
        }
    }

    /// The path that realises this trace.
    pub fn config(self) -> NetConfig {
        let a = NetConfig {
            base_delay: Duration::from_millis(20),
            jitter: Jitter::Uniform {
                spread: Duration::from_millis(10),
            },
            ..NetConfig::default()
        };
        match self {
            Trace::Jitter => a,
            Trace::JitterLoss => NetConfig {
                base_delay: Duration::from_millis(60),
                jitter: Jitter::Normal {
                    std_dev: Duration::from_millis(20),
                    limit: Duration::from_millis(40),
                },
                random_loss: 0.03,
                ..NetConfig::default()
            },
            Trace::BurstLoss => NetConfig {
                burst_loss: Some(GilbertElliott::with_rate_and_burst(0.05, 2.5)),
                ..a
            },
            Trace::DelaySpike => NetConfig {
                spikes: vec![Spike {
                    start: Instant::from_millis(4_000),
                    duration: Duration::from_secs(1),
                    extra: Duration::from_millis(300),
                }],
                ..a
            },
            Trace::Drift => NetConfig {
                sender_drift_ppm: 500.0,
                ..a
            },
        }
    }
}

/// One datagram leaving the simulated path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    /// When it arrives, on the receiver's clock.
    pub at: Instant,
    /// When it was sent, on the sender's clock (as given to [`NetSim::send`]).
    pub sent_at: Instant,
    /// Its position among all packets sent, from 0 (lost ones included).
    pub index: u64,
    /// Whether this is the network's extra copy.
    pub duplicate: bool,
    /// The datagram.
    pub payload: Vec<u8>,
}

/// What the simulator has done so far, to check realised impairments against the config.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Packets given to [`NetSim::send`].
    pub sent: u64,
    /// Packets dropped by either loss model.
    pub lost: u64,
    /// Extra copies made.
    pub duplicated: u64,
    /// Arrivals returned by [`NetSim::poll_arrival`], copies included.
    pub delivered: u64,
    /// Returned originals that arrived after an original sent later than them.
    pub reordered: u64,
    /// Packets held by a delay spike or queued behind one.
    pub spiked: u64,
}

/// The simulated path: [`send`](NetSim::send) in, [`poll_arrival`](NetSim::poll_arrival) out.
#[derive(Debug)]
pub struct NetSim {
    config: NetConfig,
    loss_rng: SeededRng,
    burst_rng: SeededRng,
    jitter_rng: SeededRng,
    reorder_rng: SeededRng,
    duplicate_rng: SeededRng,
    in_bad_state: bool,
    /// Arrival time of the last packet delayed by a spike, while the queue behind it drains.
    fifo_floor: Option<u64>,
    /// Arrival (µs), insertion order, packet; the smallest pair first.
    queue: BinaryHeap<Reverse<(u64, u64, InFlight)>>,
    inserted: u64,
    highest_delivered: Option<u64>,
    stats: NetStats,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    sent_at: Instant,
    index: u64,
    duplicate: bool,
    payload: Vec<u8>,
}

impl NetSim {
    /// A path with `config`'s impairments whose every random choice follows from `seed`.
    pub fn new(config: NetConfig, seed: u64) -> Self {
        // Sub-seeds are outputs, not offsets: SplitMix64 seeds a multiple of its increment
        // apart would give overlapping streams.
        let mut seeds = SeededRng::new(seed);
        let mut stream = || SeededRng::new(seeds.next_u64());
        NetSim {
            loss_rng: stream(),
            burst_rng: stream(),
            jitter_rng: stream(),
            reorder_rng: stream(),
            duplicate_rng: stream(),
            config,
            in_bad_state: false,
            fifo_floor: None,
            queue: BinaryHeap::new(),
            inserted: 0,
            highest_delivered: None,
            stats: NetStats::default(),
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &NetConfig {
        &self.config
    }

    /// Counts so far.
    pub fn stats(&self) -> NetStats {
        self.stats
    }

    /// The receiver-clock instant of the sender-clock instant `sender_at`.
    pub fn receiver_time(&self, sender_at: Instant) -> Instant {
        let origin = i128::from(self.config.clock_origin.as_micros());
        let since = i128::from(sender_at.as_micros()) - origin;
        let skew = (since as f64 * self.config.sender_drift_ppm * 1e-6).round() as i128;
        let micros = (origin + since + skew).clamp(0, i128::from(u64::MAX));
        Instant::from_micros(micros as u64)
    }

    /// Puts a datagram on the path at `sent_at` on the sender's clock. Send times are
    /// expected in non-decreasing order, as a sender produces them.
    pub fn send(&mut self, sent_at: Instant, payload: Vec<u8>) {
        let index = self.stats.sent;
        self.stats.sent += 1;
        // Each impairment has its own stream and draws before the loss decision, so a lost
        // packet consumes the same draws as a delivered one and one impairment's settings do
        // not shift another's choices.
        let random_lost = chance(&mut self.loss_rng, self.config.random_loss);
        let burst_lost = self.burst_step();
        let jitter = self.draw_jitter();
        let held_back = self.config.reorder.and_then(|reorder| {
            chance(&mut self.reorder_rng, reorder.probability).then_some(reorder.extra_delay)
        });
        let copy_after = self
            .config
            .duplicate
            .and_then(|dup| chance(&mut self.duplicate_rng, dup.probability).then_some(dup.delay));
        if random_lost || burst_lost {
            self.stats.lost += 1;
            return;
        }

        let entered = self.receiver_time(sent_at).as_micros();
        let delay = (micros(self.config.base_delay) + jitter).max(0) + held_back.map_or(0, micros);
        let natural = entered.saturating_add(delay as u64);
        let at = self.queue_behind_spikes(entered, natural);

        if let Some(delay) = copy_after {
            self.stats.duplicated += 1;
            let copy = InFlight {
                sent_at,
                index,
                duplicate: true,
                payload: payload.clone(),
            };
            self.push(at.saturating_add(micros(delay) as u64), copy);
        }
        let original = InFlight {
            sent_at,
            index,
            duplicate: false,
            payload,
        };
        self.push(at, original);
    }

    /// The next datagram that has arrived by `until`, earliest first; `None` when none has.
    #[must_use]
    pub fn poll_arrival(&mut self, until: Instant) -> Option<Arrival> {
        let Reverse((at, _, _)) = self.queue.peek()?;
        if *at > until.as_micros() {
            return None;
        }
        let Reverse((at, _, packet)) = self.queue.pop()?;
        self.stats.delivered += 1;
        if !packet.duplicate {
            match self.highest_delivered {
                Some(highest) if packet.index < highest => self.stats.reordered += 1,
                _ => self.highest_delivered = Some(packet.index),
            }
        }
        Some(Arrival {
            at: Instant::from_micros(at),
            sent_at: packet.sent_at,
            index: packet.index,
            duplicate: packet.duplicate,
            payload: packet.payload,
        })
    }

    /// When the next datagram arrives, if one is in flight.
    pub fn next_arrival(&self) -> Option<Instant> {
        self.queue
            .peek()
            .map(|Reverse((at, _, _))| Instant::from_micros(*at))
    }

    /// Sends every `(sent_at, payload)` of `packets` and returns all arrivals in order.
    pub fn run(&mut self, packets: impl IntoIterator<Item = (Instant, Vec<u8>)>) -> Vec<Arrival> {
        for (sent_at, payload) in packets {
            self.send(sent_at, payload);
        }
        std::iter::from_fn(|| self.poll_arrival(Instant::from_micros(u64::MAX))).collect()
    }

    fn push(&mut self, at: u64, packet: InFlight) {
        self.queue.push(Reverse((at, self.inserted, packet)));
        self.inserted += 1;
    }

    /// Decides this packet's fate in the current state, then moves the chain on.
    fn burst_step(&mut self) -> bool {
        let Some(ge) = self.config.burst_loss else {
            return false;
        };
        let rng = &mut self.burst_rng;
        let lost = chance(
            rng,
            if self.in_bad_state {
                ge.loss_bad
            } else {
                ge.loss_good
            },
        );
        self.in_bad_state = if self.in_bad_state {
            !chance(rng, ge.r)
        } else {
            chance(rng, ge.p)
        };
        lost
    }

    /// Deviation from the base delay, in microseconds.
    fn draw_jitter(&mut self) -> i64 {
        let rng = &mut self.jitter_rng;
        match &self.config.jitter {
            Jitter::None => 0,
            Jitter::Uniform { spread } => {
                let spread = micros(*spread);
                let width = (2 * spread + 1) as f64;
                (unit(rng) * width) as i64 - spread
            }
            Jitter::Normal { std_dev, limit } => {
                let (std_dev, limit) = (micros(*std_dev) as f64, micros(*limit) as f64);
                // Redraw outside the limit; the bound on tries only matters for a limit far
                // inside one standard deviation.
                let mut x = 0.0;
                for _ in 0..64 {
                    x = standard_normal(rng) * std_dev;
                    if x.abs() <= limit {
                        break;
                    }
                }
                x.clamp(-limit, limit).round() as i64
            }
            Jitter::Pareto { scale, shape, cap } => {
                let tail = (1.0 - unit(rng)).powf(-1.0 / shape.max(f64::MIN_POSITIVE)) - 1.0;
                (micros(*scale) as f64 * tail)
                    .min(micros(*cap) as f64)
                    .round() as i64
            }
            Jitter::Empirical(set) if set.is_empty() => 0,
            Jitter::Empirical(set) => {
                let pick = rng.next_u64() % set.len() as u64;
                micros(set[pick as usize])
            }
        }
    }

    /// Arrival time of a packet that entered at `entered` and would arrive at `natural`,
    /// after the spikes and the FIFO queue they build.
    fn queue_behind_spikes(&mut self, entered: u64, natural: u64) -> u64 {
        let step = self.config.spikes.iter().find(|spike| {
            let start = spike.start.as_micros();
            entered >= start && entered - start < micros(spike.duration) as u64
        });
        if let Some(spike) = step {
            let at = natural
                .saturating_add(micros(spike.extra) as u64)
                .max(self.fifo_floor.unwrap_or(0));
            self.fifo_floor = Some(at);
            self.stats.spiked += 1;
            return at;
        }
        match self.fifo_floor {
            // The queue has drained once packets enter after the last delayed one left.
            Some(floor) if entered >= floor => {
                self.fifo_floor = None;
                natural
            }
            Some(floor) => {
                if natural < floor {
                    self.stats.spiked += 1;
                }
                natural.max(floor)
            }
            None => natural,
        }
    }
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// Uniform in `[0, 1)` from the top 53 bits.
fn unit(rng: &mut SeededRng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

fn chance(rng: &mut SeededRng, probability: f64) -> bool {
    probability > 0.0 && unit(rng) < probability
}

/// Box-Muller, keeping one of the pair so each draw consumes exactly two words.
fn standard_normal(rng: &mut SeededRng) -> f64 {
    let u1 = 1.0 - unit(rng); // (0, 1], so the logarithm is finite
    let u2 = unit(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}
