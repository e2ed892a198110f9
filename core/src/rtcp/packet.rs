//! RTCP compound packets (RFC 3550 §6): SR, RR, SDES CNAME and BYE, read and written.
//!
//! The packet bodies are parsed and written by the `rtcp-types` crate. The checks on the
//! compound as a whole (RFC 3550 appendix A.2: version of every packet, SR or RR first,
//! padding on the last packet only, lengths adding up to the datagram) are done here, before
//! any body is read. APP and unknown packet types are kept as [`RtcpPacket::Other`] and not
//! looked into. RTCP runs every few seconds, not per frame, so parsed packets own their data.

use rtcp_types::{RtcpPacketParser, RtcpPacketWriterExt, RtcpParseError, RtcpWriteError};

use super::NtpTime;
use crate::error::RtcpError;

/// RFC 3550 §12.1: packet type of a sender report.
pub const RTCP_PT_SR: u8 = 200;
/// RFC 3550 §12.1: packet type of a receiver report.
pub const RTCP_PT_RR: u8 = 201;
/// RFC 3550 §12.1: packet type of source description items.
pub const RTCP_PT_SDES: u8 = 202;
/// RFC 3550 §12.1: packet type of goodbye.
pub const RTCP_PT_BYE: u8 = 203;
/// RFC 3550 §12.1: packet type of application-defined packets.
pub const RTCP_PT_APP: u8 = 204;
/// RFC 3550 §6.4.1: the 5-bit report count holds at most 31 blocks per SR or RR.
pub const RTCP_MAX_REPORT_BLOCKS: usize = 31;
/// RFC 3550 §12.2: SDES item type of the canonical name.
pub const SDES_CNAME: u8 = 1;

/// One reception report block (RFC 3550 §6.4.1), about one source we receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ReportBlock {
    /// The source this block reports on.
    pub ssrc: u32,
    /// Packets lost since the previous report, as a fraction of 256 of those expected.
    pub fraction_lost: u8,
    /// Packets lost since reception began; negative when duplicates arrived. 24 bits on the
    /// wire: values past -2^23..2^23-1 are clamped when written.
    pub cumulative_lost: i32,
    /// Cycles of the sequence number in the high 16 bits, highest sequence number in the low.
    pub extended_highest_sequence: u32,
    /// Interarrival jitter in RTP timestamp units.
    pub jitter: u32,
    /// The middle 32 bits of the NTP timestamp of the last SR from the source, or 0.
    pub last_sr: u32,
    /// Delay from receiving that SR to sending this block, in units of 1/65536 s, or 0.
    pub delay_since_last_sr: u32,
}

/// RFC 3550 §6.4.1: cumulative loss is a signed 24-bit field.
pub const CUMULATIVE_LOST_MAX: i32 = 0x7F_FFFF;
/// RFC 3550 §6.4.1: the most negative cumulative loss the field holds.
pub const CUMULATIVE_LOST_MIN: i32 = -0x80_0000;

impl ReportBlock {
    fn from_wire(block: &rtcp_types::ReportBlock<'_>) -> Self {
        let raw = block.cumulative_lost();
        // Sign-extend the 24-bit two's complement field.
        let cumulative_lost = ((raw << 8) as i32) >> 8;
        ReportBlock {
            ssrc: block.ssrc(),
            fraction_lost: block.fraction_lost(),
            cumulative_lost,
            extended_highest_sequence: block.extended_sequence_number(),
            jitter: block.interarrival_jitter(),
            last_sr: block.last_sender_report_timestamp(),
            delay_since_last_sr: block.delay_since_last_sender_report_timestamp(),
        }
    }

    fn to_builder(self) -> rtcp_types::ReportBlockBuilder {
        let lost = self
            .cumulative_lost
            .clamp(CUMULATIVE_LOST_MIN, CUMULATIVE_LOST_MAX);
        rtcp_types::ReportBlock::builder(self.ssrc)
            .fraction_lost(self.fraction_lost)
            .cumulative_lost((lost as u32) & 0x00FF_FFFF)
            .extended_sequence_number(self.extended_highest_sequence)
            .interarrival_jitter(self.jitter)
            .last_sender_report_timestamp(self.last_sr)
            .delay_since_last_sender_report_timestamp(self.delay_since_last_sr)
    }
}

/// The sender information of an SR (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SenderInfo {
    /// Wall-clock time when the report was sent.
    pub ntp: NtpTime,
    /// The RTP timestamp of the same instant, on the media clock.
    pub rtp_timestamp: u32,
    /// RTP data packets sent since the start (wraps at 2^32).
    pub packet_count: u32,
    /// RTP payload octets sent since the start (wraps at 2^32).
    pub octet_count: u32,
}

/// One packet of a parsed compound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtcpPacket {
    /// A sender report: who sent it, what it sent, and its reception report blocks.
    SenderReport {
        /// The sender's SSRC.
        ssrc: u32,
        /// What the sender has sent.
        info: SenderInfo,
        /// Its reports on sources it receives.
        blocks: Vec<ReportBlock>,
    },
    /// A receiver report.
    ReceiverReport {
        /// The reporter's SSRC.
        ssrc: u32,
        /// Its reports on sources it receives.
        blocks: Vec<ReportBlock>,
    },
    /// Source descriptions: for each source, its CNAME if the chunk has one.
    SourceDescription(Vec<(u32, Option<String>)>),
    /// Sources leaving the session, with an optional reason.
    Bye {
        /// The sources that leave.
        ssrcs: Vec<u32>,
        /// The reason text, if given (invalid UTF-8 is replaced).
        reason: Option<String>,
    },
    /// APP or a packet type this module does not read; skipped.
    Other {
        /// The packet type.
        packet_type: u8,
        /// The packet's length in bytes, header included.
        len: usize,
    },
}

/// A compound RTCP packet that passed the checks of RFC 3550 appendix A.2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtcpCompound {
    /// The packets in the order they came.
    pub packets: Vec<RtcpPacket>,
}

/// The common header of one packet: (padding bit, count, type, length in bytes).
fn header(data: &[u8]) -> (bool, u8, u8, usize) {
    (
        data[0] & 0x20 != 0,
        data[0] & 0x1F,
        data[1],
        (usize::from(u16::from_be_bytes([data[2], data[3]])) + 1) * 4,
    )
}

impl RtcpCompound {
    /// Parses a datagram as a compound RTCP packet, validating it as RFC 3550 A.2 asks.
    pub fn parse(data: &[u8]) -> Result<Self, RtcpError> {
        // First pass: the headers alone, so a bad compound is rejected before any body is read.
        let mut offset = 0;
        let mut bounds = Vec::new();
        while offset < data.len() {
            let rest = &data[offset..];
            if rest.len() < 4 {
                return Err(RtcpError::Truncated {
                    needed: offset + 4,
                    actual: data.len(),
                });
            }
            let version = rest[0] >> 6;
            if version != 2 {
                return Err(RtcpError::UnsupportedVersion { version, offset });
            }
            let (padded, _, packet_type, len) = header(rest);
            if offset == 0 && packet_type != RTCP_PT_SR && packet_type != RTCP_PT_RR {
                return Err(RtcpError::FirstNotReport(packet_type));
            }
            if len > rest.len() {
                return Err(RtcpError::Truncated {
                    needed: offset + len,
                    actual: data.len(),
                });
            }
            if padded {
                if offset + len != data.len() {
                    return Err(RtcpError::PaddingNotLast { offset });
                }
                let padding = rest[len - 1];
                if padding == 0 || usize::from(padding) > len - 4 {
                    return Err(RtcpError::InvalidPadding {
                        padding,
                        max: len - 4,
                    });
                }
            }
            bounds.push((offset, len));
            offset += len;
        }
        if bounds.is_empty() {
            return Err(RtcpError::Truncated {
                needed: 4,
                actual: 0,
            });
        }
        let packets = bounds
            .into_iter()
            .map(|(offset, len)| parse_one(&data[offset..offset + len], offset))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RtcpCompound { packets })
    }
}

fn malformed(packet_type: u8, offset: usize) -> impl Fn(RtcpParseError) -> RtcpError {
    move |e| RtcpError::Malformed {
        packet_type,
        offset,
        reason: match e {
            RtcpParseError::Truncated { expected, actual } => {
                format!("body needs {expected} bytes, {actual} present")
            }
            RtcpParseError::TooLarge { expected, actual } => {
                format!("body holds {actual} bytes where its count implies {expected}")
            }
            RtcpParseError::InvalidPadding => "padding length 0".to_owned(),
            other => other.to_string(),
        },
    }
}

/// One packet whose header the compound walk has checked; `offset` is for messages.
fn parse_one(data: &[u8], offset: usize) -> Result<RtcpPacket, RtcpError> {
    let (_, _, packet_type, len) = header(data);
    let err = malformed(packet_type, offset);
    Ok(match packet_type {
        RTCP_PT_SR => {
            let sr = rtcp_types::SenderReport::parse(data).map_err(err)?;
            RtcpPacket::SenderReport {
                ssrc: sr.ssrc(),
                info: SenderInfo {
                    ntp: NtpTime::from_bits(sr.ntp_timestamp()),
                    rtp_timestamp: sr.rtp_timestamp(),
                    packet_count: sr.packet_count(),
                    octet_count: sr.octet_count(),
                },
                blocks: sr
                    .report_blocks()
                    .map(|b| ReportBlock::from_wire(&b))
                    .collect(),
            }
        }
        RTCP_PT_RR => {
            let rr = rtcp_types::ReceiverReport::parse(data).map_err(err)?;
            RtcpPacket::ReceiverReport {
                ssrc: rr.ssrc(),
                blocks: rr
                    .report_blocks()
                    .map(|b| ReportBlock::from_wire(&b))
                    .collect(),
            }
        }
        RTCP_PT_SDES => {
            let sdes = rtcp_types::Sdes::parse(data).map_err(err)?;
            let chunks = sdes
                .chunks()
                .map(|chunk| {
                    let cname = chunk
                        .items()
                        .find(|item| item.type_() == SDES_CNAME)
                        .map(|item| String::from_utf8_lossy(item.value()).into_owned());
                    (chunk.ssrc(), cname)
                })
                .collect();
            RtcpPacket::SourceDescription(chunks)
        }
        RTCP_PT_BYE => {
            let bye = rtcp_types::Bye::parse(data).map_err(err)?;
            RtcpPacket::Bye {
                ssrcs: bye.ssrcs().collect(),
                reason: bye
                    .reason()
                    .map(|r| String::from_utf8_lossy(r).into_owned()),
            }
        }
        _ => RtcpPacket::Other { packet_type, len },
    })
}

/// What to put in one compound packet: a report, our CNAME and optionally a BYE.
///
/// RFC 3550 §6.1: every compound starts with an SR (when `sender` is set) or an RR, carries
/// an SDES with the CNAME, and ends with the BYE when leaving. More than 31 report blocks
/// continue in further RR packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompoundReport<'a> {
    /// Our SSRC.
    pub ssrc: u32,
    /// Our sender information if we sent RTP since the last report (makes the report an SR).
    pub sender: Option<SenderInfo>,
    /// Reports on the sources we receive.
    pub blocks: &'a [ReportBlock],
    /// Our canonical name (RFC 3550 §6.5.1), at most 255 bytes.
    pub cname: &'a str,
    /// `Some(reason)` to append a BYE for our SSRC; an empty reason is left out.
    pub bye: Option<&'a str>,
}

impl CompoundReport<'_> {
    /// Writes the compound into `out` and returns its length in bytes.
    pub fn write(&self, out: &mut [u8]) -> Result<usize, RtcpError> {
        if self.cname.len() > 255 {
            return Err(RtcpError::TextTooLong {
                what: "CNAME",
                len: self.cname.len(),
            });
        }
        if let Some(reason) = self.bye.filter(|r| r.len() > 255) {
            return Err(RtcpError::TextTooLong {
                what: "BYE reason",
                len: reason.len(),
            });
        }
        let mut groups = self.blocks.chunks(RTCP_MAX_REPORT_BLOCKS);
        let first = groups.next().unwrap_or(&[]);
        let mut compound = rtcp_types::Compound::builder();
        compound = match self.sender {
            Some(info) => {
                let mut sr = rtcp_types::SenderReport::builder(self.ssrc)
                    .ntp_timestamp(info.ntp.as_bits())
                    .rtp_timestamp(info.rtp_timestamp)
                    .packet_count(info.packet_count)
                    .octet_count(info.octet_count);
                for block in first {
                    sr = sr.add_report_block(block.to_builder());
                }
                compound.add_packet(sr)
            }
            None => compound.add_packet(receiver_report(self.ssrc, first)),
        };
        for group in groups {
            compound = compound.add_packet(receiver_report(self.ssrc, group));
        }
        let chunk = rtcp_types::SdesChunk::builder(self.ssrc)
            .add_item(rtcp_types::SdesItem::builder(SDES_CNAME, self.cname));
        compound = compound.add_packet(rtcp_types::Sdes::builder().add_chunk(chunk));
        if let Some(reason) = self.bye {
            let mut bye = rtcp_types::Bye::builder().add_source(self.ssrc);
            if !reason.is_empty() {
                bye = bye.reason(reason);
            }
            compound = compound.add_packet(bye);
        }
        compound.write_into(out).map_err(|e| match e {
            RtcpWriteError::OutputTooSmall(needed) => RtcpError::PacketTooLarge {
                needed,
                capacity: out.len(),
            },
            // The checks above and the grouping by 31 leave no other error reachable.
            other => RtcpError::Malformed {
                packet_type: 0,
                offset: 0,
                reason: other.to_string(),
            },
        })
    }
}

fn receiver_report(ssrc: u32, blocks: &[ReportBlock]) -> rtcp_types::ReceiverReportBuilder {
    blocks
        .iter()
        .fold(rtcp_types::ReceiverReport::builder(ssrc), |rr, block| {
            rr.add_report_block(block.to_builder())
        })
}

/// A BYE packet on its own for several sources (e.g. all of a mixer's), as the last packet
/// of a compound the caller assembles. Returns the bytes written.
pub fn write_bye(ssrcs: &[u32], reason: &str, out: &mut [u8]) -> Result<usize, RtcpError> {
    if ssrcs.len() > 31 {
        return Err(RtcpError::TooManySources(ssrcs.len()));
    }
    if reason.len() > 255 {
        return Err(RtcpError::TextTooLong {
            what: "BYE reason",
            len: reason.len(),
        });
    }
    let mut bye = rtcp_types::Bye::builder();
    for &ssrc in ssrcs {
        bye = bye.add_source(ssrc);
    }
    if !reason.is_empty() {
        bye = bye.reason(reason);
    }
    bye.write_into(out).map_err(|e| match e {
        RtcpWriteError::OutputTooSmall(needed) => RtcpError::PacketTooLarge {
            needed,
            capacity: out.len(),
        },
        other => RtcpError::Malformed {
            packet_type: RTCP_PT_BYE,
            offset: 0,
            reason: other.to_string(),
        },
    })
}
