//! Receive statistics of one RTP source (RFC 3550 appendix A.1, A.3, A.8) and round-trip
//! time from the report blocks a peer sends back (§6.4.1).
//!
//! Time enters as the host's [`Instant`]; arrival times are converted to the source's RTP
//! clock for the jitter, and NTP times come from the host's wall-clock origin ([`NtpTime::at`]).

use core::time::Duration;

use super::ntp::{from_short_units, to_short_units};
use super::{CUMULATIVE_LOST_MAX, CUMULATIVE_LOST_MIN, NtpTime, ReportBlock};
use crate::time::Instant;

/// RFC 3550 A.1: a forward jump of fewer than this many sequence numbers is accepted as loss.
pub const MAX_DROPOUT: u16 = 3000;
/// RFC 3550 A.1: a packet up to this far behind the highest is taken as reordered or duplicated.
pub const MAX_MISORDER: u16 = 100;
/// RFC 3550 A.1: sequential packets needed before a new source is valid.
pub const MIN_SEQUENTIAL: u32 = 2;
/// RFC 3550 A.1: the sequence number space.
const RTP_SEQ_MOD: u32 = 1 << 16;

/// What the statistics made of one RTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum SequenceVerdict {
    /// Counted: in order, a small gap, reordered or duplicated.
    Valid,
    /// The source is still on probation (fewer than [`MIN_SEQUENTIAL`] in a row); not counted.
    Probation,
    /// A large jump in sequence; dropped unless the next packet follows it.
    Rejected,
    /// The packet after a large jump followed it: the source restarted and counting begins
    /// again from this packet (A.1: e.g. the sender restarted without changing SSRC).
    Restarted,
}

/// Reception statistics of one synchronisation source.
#[derive(Debug, Clone)]
pub struct ReceiveStats {
    ssrc: u32,
    clock_rate: u32,
    started: bool,
    max_seq: u16,
    /// Sequence cycles, shifted: a multiple of 2^16.
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u32,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    /// Relative transit time of the previous packet, in RTP units (A.8).
    transit: Option<u32>,
    /// Jitter times 16, as A.8's integer form keeps it.
    jitter_x16: u32,
    /// LSR and local arrival of the last SR from this source.
    last_sr: Option<(u32, Instant)>,
}

impl ReceiveStats {
    /// Statistics for `ssrc`, whose RTP timestamps run at `clock_rate` Hz (0 is taken as 1).
    pub fn new(ssrc: u32, clock_rate: u32) -> Self {
        ReceiveStats {
            ssrc,
            clock_rate: clock_rate.max(1),
            started: false,
            max_seq: 0,
            cycles: 0,
            base_seq: 0,
            bad_seq: RTP_SEQ_MOD + 1,
            probation: MIN_SEQUENTIAL,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            transit: None,
            jitter_x16: 0,
            last_sr: None,
        }
    }

    /// The source these statistics are about.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// A.1 `init_seq`: counting starts again at `seq`.
    fn init_seq(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = RTP_SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
        self.transit = None;
    }

    /// Counts an RTP packet with sequence number `seq` and timestamp `rtp_timestamp` that
    /// arrived at `now` (A.1 `update_seq`, then A.8 for packets that count).
    pub fn handle_rtp(&mut self, now: Instant, seq: u16, rtp_timestamp: u32) -> SequenceVerdict {
        if !self.started {
            self.started = true;
            self.init_seq(seq);
            self.max_seq = seq.wrapping_sub(1);
            self.probation = MIN_SEQUENTIAL;
        }
        let udelta = seq.wrapping_sub(self.max_seq);
        let verdict = if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    SequenceVerdict::Valid
                } else {
                    SequenceVerdict::Probation
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
                SequenceVerdict::Probation
            }
        } else if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles = self.cycles.wrapping_add(RTP_SEQ_MOD);
            }
            self.max_seq = seq;
            SequenceVerdict::Valid
        } else if u32::from(udelta) <= RTP_SEQ_MOD - u32::from(MAX_MISORDER) {
            if u32::from(seq) == self.bad_seq {
                self.init_seq(seq);
                SequenceVerdict::Restarted
            } else {
                self.bad_seq = (u32::from(seq) + 1) & (RTP_SEQ_MOD - 1);
                SequenceVerdict::Rejected
            }
        } else {
            // Duplicate or reordered within MAX_MISORDER: counted, max_seq unchanged.
            SequenceVerdict::Valid
        };
        if matches!(verdict, SequenceVerdict::Valid | SequenceVerdict::Restarted) {
            self.received = self.received.wrapping_add(1);
            self.update_jitter(now, rtp_timestamp);
        }
        verdict
    }

    /// A.8: J += (|D| - J) / 16, with D the change in relative transit time, in RTP units.
    fn update_jitter(&mut self, now: Instant, rtp_timestamp: u32) {
        let arrival =
            (u128::from(now.as_micros()) * u128::from(self.clock_rate) / 1_000_000) as u32;
        let transit = arrival.wrapping_sub(rtp_timestamp);
        if let Some(previous) = self.transit {
            let d = (transit.wrapping_sub(previous) as i32).unsigned_abs();
            // Integer form of A.8: the estimate is kept times 16.
            let j =
                i64::from(self.jitter_x16) + i64::from(d) - ((i64::from(self.jitter_x16) + 8) >> 4);
            self.jitter_x16 = j.clamp(0, i64::from(u32::MAX)) as u32;
        }
        self.transit = Some(transit);
    }

    /// Records an SR from this source, received at `now`, for the LSR and DLSR of our reports.
    pub fn handle_sender_report(&mut self, now: Instant, ntp: NtpTime) {
        self.last_sr = Some((ntp.middle32(), now));
    }

    /// Whether the source has passed probation.
    pub fn is_valid(&self) -> bool {
        self.started && self.probation == 0
    }

    /// Packets counted since the source became valid (or restarted), duplicates included.
    pub fn received(&self) -> u32 {
        self.received
    }

    /// A.3: cycles in the high 16 bits and the highest sequence number in the low 16.
    pub fn extended_highest_sequence(&self) -> u32 {
        self.cycles.wrapping_add(u32::from(self.max_seq))
    }

    /// A.3: packets expected since the base sequence number; 0 until the source is valid.
    pub fn expected(&self) -> u32 {
        if !self.is_valid() {
            return 0;
        }
        self.extended_highest_sequence()
            .wrapping_sub(self.base_seq)
            .wrapping_add(1)
    }

    /// A.3: expected minus received, clamped to the report block's signed 24-bit field.
    pub fn cumulative_lost(&self) -> i32 {
        let lost = i64::from(self.expected()) - i64::from(self.received);
        lost.clamp(
            i64::from(CUMULATIVE_LOST_MIN),
            i64::from(CUMULATIVE_LOST_MAX),
        ) as i32
    }

    /// A.8: interarrival jitter in RTP timestamp units.
    pub fn jitter(&self) -> u32 {
        self.jitter_x16 >> 4
    }

    /// A report block for this source, to send at `now`.
    ///
    /// A.3: the fraction lost covers the interval since the previous call, which this call
    /// closes. Before probation ends the block reports nothing lost and nothing expected.
    pub fn report_block(&mut self, now: Instant) -> ReportBlock {
        let expected = self.expected();
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.received_prior = self.received;
        let lost_interval = i64::from(expected_interval) - i64::from(received_interval);
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / i64::from(expected_interval)).min(255) as u8
        };
        let (last_sr, delay_since_last_sr) = match self.last_sr {
            Some((lsr, at)) => (lsr, to_short_units(now.saturating_duration_since(at))),
            None => (0, 0),
        };
        ReportBlock {
            ssrc: self.ssrc,
            fraction_lost,
            cumulative_lost: self.cumulative_lost(),
            extended_highest_sequence: self.extended_highest_sequence(),
            jitter: self.jitter(),
            last_sr,
            delay_since_last_sr,
        }
    }
}

/// §6.4.1: the round-trip time from a report block about our own stream that arrived when
/// the wall clock read `arrival`: A - LSR - DLSR in 16.16 seconds.
///
/// `None` when the block carries no LSR (the peer has had no SR from us). A result below
/// zero, which only clock trouble can produce, is reported as zero.
pub fn round_trip_time(block: &ReportBlock, arrival: NtpTime) -> Option<Duration> {
    if block.last_sr == 0 {
        return None;
    }
    let since_sr = arrival.middle32().wrapping_sub(block.last_sr);
    if since_sr > u32::MAX / 2 {
        return Some(Duration::ZERO);
    }
    Some(from_short_units(
        since_sr.saturating_sub(block.delay_since_last_sr),
    ))
}

/// Counters of what we send, for the sender information of our SRs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SenderStats {
    /// RTP packets sent (wraps at 2^32, as the SR field does).
    pub packet_count: u32,
    /// RTP payload octets sent, headers and padding excluded (wraps at 2^32).
    pub octet_count: u32,
}

impl SenderStats {
    /// Counts one RTP packet with `payload_len` payload bytes.
    pub fn on_rtp_sent(&mut self, payload_len: usize) {
        self.packet_count = self.packet_count.wrapping_add(1);
        self.octet_count = self.octet_count.wrapping_add(payload_len as u32);
    }
}
