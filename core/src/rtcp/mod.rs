//! RTCP (RFC 3550 §6): compound packets, receive statistics, round-trip time and the
//! reporting interval.
//!
//! - [`RtcpCompound::parse`] validates a datagram as A.2 asks and reads SR, RR, SDES CNAME and
//!   BYE; [`CompoundReport::write`] writes SR or RR, SDES and an optional BYE.
//! - [`ReceiveStats`] keeps A.1, A.3 and A.8 for one source and makes its [`ReportBlock`];
//!   [`round_trip_time`] reads a peer's block about us.
//! - [`RtcpScheduler`] says when to report (§6.2, A.7), driven by `poll_timeout`/`handle_timeout`.
//!
//! One receiver's loop, with the host's wall clock entering only as the NTP origin:
//!
//! ```
//! use core::time::Duration;
//! use mediacore::Instant;
//! use mediacore::rtcp::*;
//!
//! let origin = NtpTime::from_unix(Duration::from_secs(1_763_700_000)); // host wall clock at Instant::ZERO
//! let mut stats = ReceiveStats::new(0xCAFE, 8000);
//! let mut timer = RtcpScheduler::new(IntervalConfig::new(64_000, 42), Instant::ZERO);
//! timer.set_members(Instant::ZERO, 2, 1);
//! let mut now = Instant::ZERO;
//! let mut out = [0u8; 1500];
//! for seq in 0..1000u16 {
//!     now = Instant::from_millis(20 * u64::from(seq));
//!     let _ = stats.handle_rtp(now, seq, u32::from(seq) * 160); // each RTP packet in
//!     if now >= timer.poll_timeout() && timer.handle_timeout(now) {
//!         let blocks = [stats.report_block(now)];
//!         let report = CompoundReport { ssrc: 1, sender: None, blocks: &blocks, cname: "me", bye: None };
//!         let n = report.write(&mut out)?;
//!         timer.handle_rtcp_sent(now, n + UDP_IPV4_OVERHEAD);
//!         // A peer's compound reads the same way (our own stands in for it here): its SR
//!         // gives the LSR of our next block, its blocks about us give the round trip.
//!         for packet in RtcpCompound::parse(&out[..n])?.packets {
//!             if let RtcpPacket::SenderReport { info, blocks, .. } = &packet {
//!                 stats.handle_sender_report(now, info.ntp);
//!                 let _rtt = blocks.first().and_then(|b| round_trip_time(b, NtpTime::at(origin, now)));
//!             }
//!         }
//!     }
//! }
//! assert_eq!(stats.cumulative_lost(), 0);
//! assert!(timer.poll_timeout() > now);
//! # Ok::<(), mediacore::Error>(())
//! ```

mod interval;
mod ntp;
mod packet;
mod stats;

pub use interval::{
    BYE_IMMEDIATE_MAX_MEMBERS, COMPENSATION, IntervalConfig, IntervalInputs,
    MEMBER_TIMEOUT_INTERVALS, RTCP_BANDWIDTH_FRACTION, RTCP_MIN_TIME, RTCP_RCVR_BW_FRACTION,
    RTCP_SENDER_BW_FRACTION, RtcpScheduler, UDP_IPV4_OVERHEAD, deterministic_interval,
    reduced_min_time, rtcp_interval,
};
pub use ntp::{NTP_UNIX_OFFSET_SECS, NtpTime};
pub use packet::{
    CUMULATIVE_LOST_MAX, CUMULATIVE_LOST_MIN, CompoundReport, RTCP_MAX_REPORT_BLOCKS, RTCP_PT_APP,
    RTCP_PT_BYE, RTCP_PT_RR, RTCP_PT_SDES, RTCP_PT_SR, ReportBlock, RtcpCompound, RtcpPacket,
    SDES_CNAME, SenderInfo, write_bye,
};
pub use stats::{
    MAX_DROPOUT, MAX_MISORDER, MIN_SEQUENTIAL, ReceiveStats, SenderStats, SequenceVerdict,
    round_trip_time,
};

#[cfg(test)]
mod tests_interval;
#[cfg(test)]
mod tests_packet;
#[cfg(test)]
mod tests_stats;
