//! RTCP (RFC 3550 §6): compound packets, receive statistics, round-trip time and the
//! reporting interval.
//!
//! - [`RtcpCompound::parse`] validates a datagram as A.2 asks and reads SR, RR, SDES CNAME and
//!   BYE; [`CompoundReport::write`] writes SR or RR, SDES and an optional BYE.
//! - [`ReceiveStats`] keeps A.1, A.3 and A.8 for one source and makes its [`ReportBlock`];
//!   [`round_trip_time`] reads a peer's block about us.
//! - [`RtcpScheduler`] says when to report (§6.2, A.7), driven by `poll_timeout`/`handle_timeout`.

mod interval;
mod ntp;
mod packet;
mod stats;

pub use interval::{
    COMPENSATION, IntervalConfig, IntervalInputs, RTCP_BANDWIDTH_FRACTION, RTCP_MIN_TIME,
    RTCP_RCVR_BW_FRACTION, RTCP_SENDER_BW_FRACTION, RtcpScheduler, UDP_IPV4_OVERHEAD,
    deterministic_interval, reduced_min_time, rtcp_interval,
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
