//! When to send RTCP (RFC 3550 §6.2, §6.3 and appendix A.7), without a timer of our own.
//!
//! [`rtcp_interval`] is the computation of A.7 with the random factor drawn from a
//! [`SeededRng`]. [`RtcpScheduler`] keeps the A.7 state (tp, tn, pmembers, average packet
//! size) and is driven sans-IO: the host sleeps until [`RtcpScheduler::poll_timeout`] and
//! calls [`RtcpScheduler::handle_timeout`], which applies timer reconsideration and says
//! whether to send a report now.

use core::time::Duration;

use crate::rng::SeededRng;
use crate::time::Instant;

/// RFC 3550 §6.2: the minimum interval between reports.
pub const RTCP_MIN_TIME: Duration = Duration::from_secs(5);
/// RFC 3550 §6.2: the share of the session bandwidth given to RTCP.
pub const RTCP_BANDWIDTH_FRACTION: f64 = 0.05;
/// RFC 3550 A.7: the share of the RTCP bandwidth kept for senders when they are few.
pub const RTCP_SENDER_BW_FRACTION: f64 = 0.25;
/// RFC 3550 A.7: the share of the RTCP bandwidth for receivers.
pub const RTCP_RCVR_BW_FRACTION: f64 = 0.75;
/// RFC 3550 A.7: e - 3/2, which makes reconsideration's average interval come out at T.
pub const COMPENSATION: f64 = core::f64::consts::E - 1.5;
/// RFC 3550 §6.2: the UDP and IPv4 header bytes counted in each RTCP packet's size.
pub const UDP_IPV4_OVERHEAD: usize = 28;

/// The inputs of one interval computation (RFC 3550 A.7 `rtcp_interval`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntervalInputs {
    /// Session members, ourselves included.
    pub members: u32,
    /// Members that sent RTP since the last report, ourselves included if we did.
    pub senders: u32,
    /// Bandwidth for RTCP in octets per second (normally 5% of the session's).
    pub rtcp_bandwidth: f64,
    /// Whether we sent RTP since our last report.
    pub we_sent: bool,
    /// Average compound RTCP packet size in octets, lower-layer headers included.
    pub avg_rtcp_size: f64,
    /// Whether no report has been sent yet (halves the minimum, §6.2).
    pub initial: bool,
    /// The minimum interval before halving: [`RTCP_MIN_TIME`] or the reduced minimum.
    pub min_time: Duration,
}

/// The deterministic part of the interval, T of §6.3.1 before randomisation.
pub fn deterministic_interval(inputs: &IntervalInputs) -> Duration {
    let mut min = inputs.min_time.as_secs_f64();
    if inputs.initial {
        min /= 2.0;
    }
    let mut n = f64::from(inputs.members.max(1));
    let mut bandwidth = inputs.rtcp_bandwidth;
    let senders = f64::from(inputs.senders);
    if senders <= n * RTCP_SENDER_BW_FRACTION {
        if inputs.we_sent {
            bandwidth *= RTCP_SENDER_BW_FRACTION;
            n = senders;
        } else {
            bandwidth *= RTCP_RCVR_BW_FRACTION;
            n -= senders;
        }
    }
    let t = if bandwidth > 0.0 && bandwidth.is_finite() {
        inputs.avg_rtcp_size.max(0.0) * n / bandwidth
    } else {
        0.0
    };
    // Cap at a day so that absurd inputs cannot overflow a Duration.
    Duration::from_secs_f64(t.max(min).min(86_400.0))
}

/// A.7 `rtcp_interval`: T times a random factor in [0.5, 1.5), divided by [`COMPENSATION`].
pub fn rtcp_interval(inputs: &IntervalInputs, rng: &mut SeededRng) -> Duration {
    let t = deterministic_interval(inputs).as_secs_f64();
    // 53 random bits as a uniform value in [0, 1).
    let unit = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    Duration::from_secs_f64(t * (unit + 0.5) / COMPENSATION)
}

/// §6.2: the reduced minimum interval, 360 / (session bandwidth in kbit/s) seconds.
pub fn reduced_min_time(session_bandwidth_bps: u32) -> Duration {
    Duration::from_secs_f64(360.0 / (f64::from(session_bandwidth_bps.max(1)) / 1000.0))
}

/// How often to report, for an [`RtcpScheduler`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntervalConfig {
    /// The session bandwidth in bit/s (e.g. 64 000 plus headers for PCMU).
    pub session_bandwidth_bps: u32,
    /// The share of it for RTCP; [`RTCP_BANDWIDTH_FRACTION`] unless a profile says otherwise.
    pub rtcp_fraction: f64,
    /// Use the reduced minimum of §6.2 instead of [`RTCP_MIN_TIME`] (never below it for
    /// the first report, which §6.2 still delays by half of 5 s).
    pub reduced_minimum: bool,
    /// The expected size of our first compound packet, UDP/IP headers included.
    pub initial_avg_size: usize,
    /// Seed of the randomisation factor.
    pub seed: u64,
}

impl IntervalConfig {
    /// §6.2 defaults for a session of `session_bandwidth_bps`.
    pub fn new(session_bandwidth_bps: u32, seed: u64) -> Self {
        IntervalConfig {
            session_bandwidth_bps,
            rtcp_fraction: RTCP_BANDWIDTH_FRACTION,
            reduced_minimum: false,
            // An SR with one block and a short CNAME, over UDP/IPv4.
            initial_avg_size: UDP_IPV4_OVERHEAD + 52 + 20,
            seed,
        }
    }
}

/// RFC 3550 §6.3.5: members silent for this many deterministic intervals are timed out.
pub const MEMBER_TIMEOUT_INTERVALS: u32 = 5;
/// RFC 3550 §6.3.7: a BYE may go out at once when the group has at most this many members.
pub const BYE_IMMEDIATE_MAX_MEMBERS: u32 = 50;

/// The RTCP transmission timer of A.7, with forward and reverse reconsideration.
#[derive(Debug, Clone)]
pub struct RtcpScheduler {
    config: IntervalConfig,
    rng: SeededRng,
    /// The last time a report was sent.
    tp: Instant,
    /// The next scheduled transmission time.
    tn: Instant,
    pmembers: u32,
    members: u32,
    senders: u32,
    avg_rtcp_size: f64,
    initial: bool,
    we_sent: bool,
    leaving: bool,
}

impl RtcpScheduler {
    /// A timer for a session joined at `now`, alone so far; the first report is due after
    /// half the minimum interval, randomised (§6.2).
    pub fn new(config: IntervalConfig, now: Instant) -> Self {
        let mut s = RtcpScheduler {
            config,
            rng: SeededRng::new(config.seed),
            tp: now,
            tn: now,
            pmembers: 1,
            members: 1,
            senders: 0,
            avg_rtcp_size: config.initial_avg_size as f64,
            initial: true,
            we_sent: false,
            leaving: false,
        };
        s.tn = now + s.interval();
        s
    }

    fn inputs(&self) -> IntervalInputs {
        let min_time = if self.config.reduced_minimum && !self.initial {
            reduced_min_time(self.config.session_bandwidth_bps)
        } else {
            RTCP_MIN_TIME
        };
        IntervalInputs {
            members: self.members,
            senders: self.senders,
            rtcp_bandwidth: f64::from(self.config.session_bandwidth_bps) / 8.0
                * self.config.rtcp_fraction,
            we_sent: self.we_sent,
            avg_rtcp_size: self.avg_rtcp_size,
            initial: self.initial,
            min_time,
        }
    }

    fn interval(&mut self) -> Duration {
        let inputs = self.inputs();
        rtcp_interval(&inputs, &mut self.rng)
    }

    /// When the host must call [`handle_timeout`](Self::handle_timeout) next.
    #[must_use]
    pub fn poll_timeout(&self) -> Instant {
        self.tn
    }

    /// A.7 `OnExpire` for a report: returns `true` when a compound report is to be sent now.
    ///
    /// Forward reconsideration: the interval is computed again with the current membership;
    /// if `tp` plus it still lies ahead, the timer moves there and nothing is sent. Calls
    /// before the deadline change nothing. After sending, call
    /// [`handle_rtcp_sent`](Self::handle_rtcp_sent) with the packet's size.
    pub fn handle_timeout(&mut self, now: Instant) -> bool {
        if now < self.tn {
            return false;
        }
        let reconsidered = self.tp + self.interval();
        if reconsidered > now {
            self.tn = reconsidered;
            return false;
        }
        self.tp = now;
        self.initial = false;
        self.pmembers = self.members;
        self.tn = now + self.interval();
        true
    }

    /// Counts a compound we sent at `now` (`size` in octets, UDP/IP headers included) into the
    /// average size, and schedules the next report from it (A.7 after a transmission).
    pub fn handle_rtcp_sent(&mut self, now: Instant, size: usize) {
        self.update_avg(size);
        self.tp = now;
        self.initial = false;
        self.pmembers = self.members;
        self.tn = now + self.interval();
    }

    /// Counts a compound received from anyone into the average size (A.7 `OnReceive`).
    pub fn handle_rtcp_received(&mut self, size: usize) {
        self.update_avg(size);
    }

    fn update_avg(&mut self, size: usize) {
        self.avg_rtcp_size = size as f64 / 16.0 + self.avg_rtcp_size * 15.0 / 16.0;
    }

    /// Whether we sent RTP since our last report (we count as a sender and use the senders'
    /// share of the bandwidth when senders are few).
    pub fn set_we_sent(&mut self, we_sent: bool) {
        self.we_sent = we_sent;
    }

    /// The current membership, ourselves included, at `now`. When it shrinks, reverse
    /// reconsideration (§6.3.4) pulls the next report and `tp` closer in proportion.
    /// Ignored after [`leave`](Self::leave), which counts BYEs instead.
    pub fn set_members(&mut self, now: Instant, members: u32, senders: u32) {
        if self.leaving {
            return;
        }
        let members = members.max(1);
        self.senders = senders.min(members);
        self.members = members;
        if members < self.pmembers && self.pmembers > 0 {
            let ratio = f64::from(members) / f64::from(self.pmembers);
            let ahead = self.tn.saturating_duration_since(now).mul_f64(ratio);
            let behind = now.saturating_duration_since(self.tp).mul_f64(ratio);
            self.tn = now + ahead;
            self.tp = now - behind;
            self.pmembers = members;
        }
    }

    /// §6.3.7: we leave the session at `now`; `bye_size` is our BYE compound's size in octets
    /// (UDP/IP headers included). Returns `true` when the BYE may be sent at once (at most 50
    /// members). Otherwise the BYE is scheduled like a first report in a group of one, each
    /// BYE heard meanwhile counts as a member ([`handle_bye_received`](Self::handle_bye_received)),
    /// and [`handle_timeout`](Self::handle_timeout) returning `true` means: send the BYE.
    pub fn leave(&mut self, now: Instant, bye_size: usize) -> bool {
        if self.members <= BYE_IMMEDIATE_MAX_MEMBERS {
            return true;
        }
        self.leaving = true;
        self.tp = now;
        self.members = 1;
        self.pmembers = 1;
        self.senders = 0;
        self.initial = true;
        self.we_sent = false;
        self.avg_rtcp_size = bye_size as f64;
        self.tn = now + self.interval();
        false
    }

    /// §6.3.7: a BYE from another member; while we are leaving it counts as a member, so that
    /// a mass departure does not flood the group. Otherwise membership is the caller's, through
    /// [`set_members`](Self::set_members).
    pub fn handle_bye_received(&mut self) {
        if self.leaving {
            self.members = self.members.saturating_add(1);
        }
    }

    /// Whether [`leave`](Self::leave) scheduled a BYE.
    pub fn is_leaving(&self) -> bool {
        self.leaving
    }

    /// §6.3.5: how long a member may stay silent before it is dropped: five times the
    /// deterministic interval of a receiver, with the 5 s minimum even when the reduced
    /// minimum is in use for sending.
    pub fn member_timeout(&self) -> Duration {
        let inputs = IntervalInputs {
            we_sent: false,
            initial: false,
            min_time: RTCP_MIN_TIME,
            ..self.inputs()
        };
        deterministic_interval(&inputs) * MEMBER_TIMEOUT_INTERVALS
    }

    /// §6.3.5: a sender that sent no RTP for this long (two deterministic report intervals)
    /// no longer counts among the senders.
    pub fn sender_timeout(&self) -> Duration {
        let inputs = IntervalInputs {
            initial: false,
            ..self.inputs()
        };
        deterministic_interval(&inputs) * 2
    }

    /// The current average compound size in octets.
    pub fn avg_rtcp_size(&self) -> f64 {
        self.avg_rtcp_size
    }
}
