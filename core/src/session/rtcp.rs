//! The session's RTCP (RFC 3550 §6): receive statistics of the remote source, sender
//! counters, when to report (through [`RtcpScheduler`]), round-trip time and BYE.
//!
//! The wire format, the statistics and the interval all come from [`crate::rtcp`]; this file
//! only decides what goes into each compound and keeps what the peer's compounds tell us.

use core::time::Duration;

use crate::error::{Result, RtcpError};
use crate::rng::SeededRng;
use crate::rtcp::{
    CompoundReport, IntervalConfig, NtpTime, ReceiveStats, ReportBlock, RtcpCompound, RtcpPacket,
    RtcpScheduler, SenderInfo, SenderStats, UDP_IPV4_OVERHEAD, round_trip_time,
};
use crate::time::Instant;

use super::transmit::MAX_DATAGRAM;

/// How a session sends RTCP; see [`SessionConfig::rtcp`](super::SessionConfig::rtcp).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtcpConfig {
    /// Our canonical name (RFC 3550 §6.5.1), at most 255 bytes; `None` derives
    /// `mediacore-<16 hex digits>` from the session's seed.
    pub cname: Option<String>,
    /// Session bandwidth in bit/s for the report interval (§6.2); `None` uses the codec's
    /// payload bit rate (64 000 for G.711 and G.722, the configured rate for Opus).
    pub session_bandwidth_bps: Option<u32>,
    /// The wall-clock time at [`Instant::ZERO`], for the NTP timestamps of SRs; the host sets
    /// it from its clock. Round-trip times are right whatever it is, lip sync needs it true.
    pub ntp_origin: NtpTime,
}

impl Default for RtcpConfig {
    /// A derived CNAME, the codec's bit rate and the Unix epoch as NTP origin.
    fn default() -> Self {
        RtcpConfig {
            cname: None,
            session_bandwidth_bps: None,
            ntp_origin: NtpTime::from_unix(Duration::ZERO),
        }
    }
}

/// RTCP figures of a session, from [`MediaSession::rtcp_stats`](super::MediaSession::rtcp_stats).
///
/// Reception figures follow RFC 3550 A.1, A.3 and A.8 for the remote source; they are
/// kept whether or not the session sends RTCP.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RtcpStats {
    /// The source the reception figures are about, once heard (RTP or SR).
    pub remote_ssrc: Option<u32>,
    /// Packets expected from the remote source since it became valid (A.3).
    pub packets_expected: u64,
    /// Packets counted from the remote source, duplicates included (A.3).
    pub packets_received: u64,
    /// Expected minus received (A.3); negative when duplicates arrived.
    pub cumulative_lost: i64,
    /// Share of packets lost, 0.0 to 1.0, over the interval closed by our last report
    /// (the report block's 8-bit fraction divided by 256); 0.0 before the first report.
    pub fraction_lost: f64,
    /// Interarrival jitter (A.8) in RTP timestamp units.
    pub jitter: u32,
    /// Interarrival jitter in milliseconds.
    pub jitter_ms: f64,
    /// The last round-trip time (§6.4.1, from the peer's LSR and DLSR), in milliseconds.
    pub rtt_ms: Option<f64>,
    /// Round-trip times measured.
    pub rtt_samples: u64,
    /// The peer's last report on our stream: fraction lost, 0.0 to 1.0.
    pub remote_fraction_lost: Option<f64>,
    /// The peer's last report on our stream: cumulative lost.
    pub remote_cumulative_lost: Option<i64>,
    /// The peer's last report on our stream: jitter in milliseconds.
    pub remote_jitter_ms: Option<f64>,
    /// Compound packets we produced (reports and BYE).
    pub reports_sent: u64,
    /// Compound packets accepted.
    pub reports_received: u64,
    /// Datagrams given to `handle_rtcp` and rejected as malformed.
    pub rtcp_rejected: u64,
}

/// Where our own participation stands (§6.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Active,
    /// `close` was called; the scheduler says when the BYE goes.
    Leaving,
    /// The BYE went out, or none was due; nothing more is sent.
    Closed,
}

/// RTCP state of one session.
#[derive(Debug)]
pub(super) struct SessionRtcp {
    clock_rate: u32,
    local_ssrc: u32,
    cname: String,
    ntp_origin: NtpTime,
    /// `None` when the session sends no RTCP.
    interval: Option<IntervalConfig>,
    /// Started at the first call that carries a time.
    scheduler: Option<RtcpScheduler>,
    /// The (members, senders) last given to the scheduler.
    membership: (u32, u32),
    phase: Phase,
    report_due: bool,
    bye_due: bool,
    bye_reason: String,
    buf: Vec<u8>,
    // Send side.
    sender: SenderStats,
    /// §6.4: RTP sent since our last report, and in the interval before it.
    sent_current: bool,
    sent_previous: bool,
    /// When the last frame was sent and the RTP timestamp at its end.
    last_sent: Option<(Instant, u32)>,
    // Receive side.
    receive: Option<ReceiveStats>,
    remote_heard_at: Option<Instant>,
    remote_rtp_at: Option<Instant>,
    remote_member: bool,
    remote_sender: bool,
    blocks: [ReportBlock; 1],
    last_fraction_lost: u8,
    peer_block: Option<ReportBlock>,
    rtt: Option<Duration>,
    rtt_samples: u64,
    reports_sent: u64,
    reports_received: u64,
    rejected: u64,
}

impl SessionRtcp {
    /// RTCP for a session sending as `local_ssrc` on a `clock_rate` Hz RTP clock;
    /// `default_bps` is the bandwidth used when the configuration gives none.
    pub(super) fn new(
        config: Option<&RtcpConfig>,
        seed: u64,
        local_ssrc: u32,
        clock_rate: u32,
        default_bps: u32,
    ) -> Result<Self> {
        // A stream of its own, apart from the packetizer's SSRC and origins.
        let mut rng = SeededRng::new(seed ^ 0x5254_4350_5f43_4e4d);
        let derived = rng.next_u64();
        let cname = match config.and_then(|c| c.cname.clone()) {
            Some(cname) if cname.len() > 255 => {
                return Err(RtcpError::TextTooLong {
                    what: "CNAME",
                    len: cname.len(),
                }
                .into());
            }
            Some(cname) => cname,
            None => format!("mediacore-{derived:016x}"),
        };
        let interval = config.map(|c| {
            IntervalConfig::new(
                c.session_bandwidth_bps.unwrap_or(default_bps),
                rng.next_u64(),
            )
        });
        Ok(SessionRtcp {
            clock_rate: clock_rate.max(1),
            local_ssrc,
            cname,
            ntp_origin: config.map_or_else(NtpTime::default, |c| c.ntp_origin),
            interval,
            scheduler: None,
            membership: (1, 0),
            phase: Phase::Active,
            report_due: false,
            bye_due: false,
            bye_reason: String::new(),
            buf: vec![0; MAX_DATAGRAM],
            sender: SenderStats::default(),
            sent_current: false,
            sent_previous: false,
            last_sent: None,
            receive: None,
            remote_heard_at: None,
            remote_rtp_at: None,
            remote_member: false,
            remote_sender: false,
            blocks: [ReportBlock::default()],
            last_fraction_lost: 0,
            peer_block: None,
            rtt: None,
            rtt_samples: 0,
            reports_sent: 0,
            reports_received: 0,
            rejected: 0,
        })
    }

    /// Starts the report timer at the first call that carries a time: the first report is
    /// then due after half the minimum interval, randomised (§6.2).
    fn start(&mut self, now: Instant) {
        if self.scheduler.is_some() || self.phase != Phase::Active {
            return;
        }
        if let Some(config) = self.interval {
            self.scheduler = Some(RtcpScheduler::new(config, now));
            self.membership = (1, 0);
            self.sync_members(now);
        }
    }

    /// Tells the scheduler who is in the session and who sends, when that changed.
    fn sync_members(&mut self, now: Instant) {
        let we_sent = self.sent_current || self.sent_previous;
        let members = 1 + u32::from(self.remote_member);
        let senders = u32::from(we_sent) + u32::from(self.remote_sender);
        if let Some(scheduler) = &mut self.scheduler {
            scheduler.set_we_sent(we_sent);
            if (members, senders) != self.membership {
                scheduler.set_members(now, members, senders);
                self.membership = (members, senders);
            }
        }
    }

    /// A valid RTP packet from `ssrc` arrived; a new SSRC starts new statistics.
    pub(super) fn on_rtp_received(&mut self, now: Instant, ssrc: u32, seq: u16, timestamp: u32) {
        self.start(now);
        let stats = match &mut self.receive {
            Some(stats) if stats.ssrc() == ssrc => stats,
            _ => {
                self.last_fraction_lost = 0;
                self.receive
                    .insert(ReceiveStats::new(ssrc, self.clock_rate))
            }
        };
        // Sequence trouble is the statistics' business; the verdict changes nothing here.
        let _ = stats.handle_rtp(now, seq, timestamp);
        self.remote_heard_at = Some(now);
        self.remote_rtp_at = Some(now);
        self.remote_member = true;
        self.remote_sender = true;
        self.sync_members(now);
    }

    /// We sent an RTP packet with `payload_len` payload bytes; `timestamp_after` is the
    /// RTP timestamp where the audio sent so far ends, which `now` is taken to match.
    pub(super) fn on_rtp_sent(&mut self, now: Instant, payload_len: usize, timestamp_after: u32) {
        self.start(now);
        self.sender.on_rtp_sent(payload_len);
        self.last_sent = Some((now, timestamp_after));
        if !self.sent_current {
            self.sent_current = true;
            self.sync_members(now);
        }
    }

    /// Reads a compound from the peer. Returns the remote source's BYE, if it carried one.
    pub(super) fn handle_rtcp(
        &mut self,
        now: Instant,
        datagram: &[u8],
    ) -> Result<Option<(u32, Option<String>)>> {
        let compound = match RtcpCompound::parse(datagram) {
            Ok(compound) => compound,
            Err(e) => {
                self.rejected += 1;
                return Err(e.into());
            }
        };
        self.start(now);
        self.reports_received += 1;
        if let Some(scheduler) = &mut self.scheduler {
            scheduler.handle_rtcp_received(datagram.len() + UDP_IPV4_OVERHEAD);
        }
        let mut bye = None;
        for packet in compound.packets {
            match packet {
                RtcpPacket::SenderReport { ssrc, info, blocks } if ssrc != self.local_ssrc => {
                    let stats = self
                        .receive
                        .get_or_insert_with(|| ReceiveStats::new(ssrc, self.clock_rate));
                    if stats.ssrc() == ssrc {
                        stats.handle_sender_report(now, info.ntp);
                        self.heard(now);
                    }
                    self.handle_blocks(now, &blocks);
                }
                RtcpPacket::ReceiverReport { ssrc, blocks } if ssrc != self.local_ssrc => {
                    if self.is_remote(ssrc) {
                        self.heard(now);
                    }
                    self.handle_blocks(now, &blocks);
                }
                RtcpPacket::Bye { ssrcs, reason } => {
                    if let Some(&ssrc) = ssrcs
                        .iter()
                        .find(|&&s| s != self.local_ssrc && self.is_remote(s))
                    {
                        self.remote_member = false;
                        self.remote_sender = false;
                        if let Some(scheduler) = &mut self.scheduler {
                            scheduler.handle_bye_received();
                        }
                        bye = Some((ssrc, reason));
                    }
                }
                _ => {}
            }
        }
        self.sync_members(now);
        Ok(bye)
    }

    /// Whether `ssrc` is the remote source (or could be: none is known yet).
    fn is_remote(&self, ssrc: u32) -> bool {
        self.receive.as_ref().is_none_or(|r| r.ssrc() == ssrc)
    }

    fn heard(&mut self, now: Instant) {
        self.remote_heard_at = Some(now);
        self.remote_member = true;
    }

    /// The peer's blocks about our stream give the round-trip time (§6.4.1).
    fn handle_blocks(&mut self, now: Instant, blocks: &[ReportBlock]) {
        for block in blocks.iter().filter(|b| b.ssrc == self.local_ssrc) {
            self.peer_block = Some(*block);
            if let Some(rtt) = round_trip_time(block, NtpTime::at(self.ntp_origin, now)) {
                self.rtt = Some(rtt);
                self.rtt_samples += 1;
            }
        }
    }

    /// Drives the timer: §6.3.5 timeouts of the remote member, then A.7 `OnExpire`.
    pub(super) fn handle_timeout(&mut self, now: Instant) {
        self.start(now);
        let Some(scheduler) = &mut self.scheduler else {
            return;
        };
        if self.phase == Phase::Closed || now < scheduler.poll_timeout() {
            return;
        }
        let member_timeout = scheduler.member_timeout();
        let sender_timeout = scheduler.sender_timeout();
        if self
            .remote_heard_at
            .is_some_and(|at| now.saturating_duration_since(at) >= member_timeout)
        {
            self.remote_member = false;
        }
        if self
            .remote_rtp_at
            .is_some_and(|at| now.saturating_duration_since(at) >= sender_timeout)
        {
            self.remote_sender = false;
        }
        self.sync_members(now);
        if self
            .scheduler
            .as_mut()
            .is_some_and(|s| s.handle_timeout(now))
        {
            match self.phase {
                Phase::Active => self.report_due = true,
                Phase::Leaving => self.bye_due = true,
                Phase::Closed => {}
            }
        }
    }

    /// When the timer next needs [`handle_timeout`](Self::handle_timeout).
    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        match &self.scheduler {
            Some(s) if self.phase != Phase::Closed => Some(s.poll_timeout()),
            _ => None,
        }
    }

    /// The compound due now, if any: the BYE once `close` has made it due, else a report.
    pub(super) fn poll(&mut self, now: Instant) -> Option<&[u8]> {
        self.handle_timeout(now);
        if self.bye_due {
            self.bye_due = false;
            self.report_due = false;
            self.phase = Phase::Closed;
            let len = self.write(now, true).ok()?;
            return Some(&self.buf[..len]);
        }
        if self.report_due && self.phase == Phase::Active {
            self.report_due = false;
            let len = self.write(now, false).ok()?;
            if let Some(scheduler) = &mut self.scheduler {
                scheduler.handle_rtcp_sent(now, len + UDP_IPV4_OVERHEAD);
            }
            return Some(&self.buf[..len]);
        }
        None
    }

    /// Writes our compound for `now` into the buffer and closes the report interval.
    fn write(&mut self, now: Instant, bye: bool) -> Result<usize> {
        let sender = self.sender_info(now);
        let blocks = match self.receive.as_mut().filter(|r| r.is_valid()) {
            Some(stats) => {
                self.blocks[0] = stats.report_block(now);
                self.last_fraction_lost = self.blocks[0].fraction_lost;
                &self.blocks[..]
            }
            None => &[],
        };
        let report = CompoundReport {
            ssrc: self.local_ssrc,
            sender,
            blocks,
            cname: &self.cname,
            bye: bye.then_some(self.bye_reason.as_str()),
        };
        let len = report.write(&mut self.buf)?;
        // §6.4: an SR while we sent since the report before last.
        self.sent_previous = self.sent_current;
        self.sent_current = false;
        self.reports_sent += 1;
        self.sync_members(now);
        Ok(len)
    }

    /// §6.4: sender information when we sent RTP since the report before last.
    fn sender_info(&self, now: Instant) -> Option<SenderInfo> {
        if !(self.sent_current || self.sent_previous) {
            return None;
        }
        let (at, timestamp) = self.last_sent?;
        let elapsed = now.saturating_duration_since(at).as_micros();
        let ticks = elapsed * u128::from(self.clock_rate) / 1_000_000;
        Some(SenderInfo {
            ntp: NtpTime::at(self.ntp_origin, now),
            rtp_timestamp: timestamp.wrapping_add(ticks as u32),
            packet_count: self.sender.packet_count,
            octet_count: self.sender.octet_count,
        })
    }

    /// §6.3.7: leave the session with a BYE carrying `reason` (empty for none).
    ///
    /// A session that never sent RTP or RTCP sends no BYE; a second call changes nothing.
    pub(super) fn close(&mut self, now: Instant, reason: &str) -> Result<()> {
        if self.phase != Phase::Active || self.interval.is_none() {
            return Ok(());
        }
        self.start(now);
        if self.last_sent.is_none() && self.reports_sent == 0 {
            self.phase = Phase::Closed;
            return Ok(());
        }
        // The BYE's size, for the scheduler, from a trial write that closes no interval.
        let blocks = match self.receive.clone().filter(|r| r.is_valid()) {
            Some(mut stats) => vec![stats.report_block(now)],
            None => Vec::new(),
        };
        let size = CompoundReport {
            ssrc: self.local_ssrc,
            sender: self.sender_info(now),
            blocks: &blocks,
            cname: &self.cname,
            bye: Some(reason),
        }
        .write(&mut self.buf)?;
        reason.clone_into(&mut self.bye_reason);
        self.phase = Phase::Leaving;
        self.report_due = false;
        if self
            .scheduler
            .as_mut()
            .is_some_and(|s| s.leave(now, size + UDP_IPV4_OVERHEAD))
        {
            self.bye_due = true;
        }
        Ok(())
    }

    /// The figures for [`RtcpStats`].
    pub(super) fn stats(&self) -> RtcpStats {
        let ms = |ticks: u32| f64::from(ticks) * 1000.0 / f64::from(self.clock_rate);
        let mut stats = RtcpStats {
            fraction_lost: f64::from(self.last_fraction_lost) / 256.0,
            rtt_ms: self.rtt.map(|d| d.as_secs_f64() * 1000.0),
            rtt_samples: self.rtt_samples,
            remote_fraction_lost: self.peer_block.map(|b| f64::from(b.fraction_lost) / 256.0),
            remote_cumulative_lost: self.peer_block.map(|b| i64::from(b.cumulative_lost)),
            remote_jitter_ms: self.peer_block.map(|b| ms(b.jitter)),
            reports_sent: self.reports_sent,
            reports_received: self.reports_received,
            rtcp_rejected: self.rejected,
            ..RtcpStats::default()
        };
        if let Some(r) = &self.receive {
            stats.remote_ssrc = Some(r.ssrc());
            stats.packets_expected = u64::from(r.expected());
            stats.packets_received = u64::from(r.received());
            stats.cumulative_lost = i64::from(r.cumulative_lost());
            stats.jitter = r.jitter();
            stats.jitter_ms = ms(r.jitter());
        }
        stats
    }
}
