//! Ogg Opus files (RFC 7845) for exchanging packets with opus-tools: writing our packets
//! behind an `OpusHead` and `OpusTags`, and reading the packets of a file `opusenc` made.
//!
//! Only channel mapping family 0 (mono or stereo, one stream) is handled; that is all an
//! RTP Opus stream carries.

use std::io::{self, Cursor, Write};

use mediacore::codec::opus::{RTP_CLOCK_RATE, packet_samples};
use ogg::writing::{PacketWriteEndInfo, PacketWriter};

/// The identification header of an Ogg Opus stream (RFC 7845 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpusHead {
    /// Output channels, 1 or 2.
    pub channels: u8,
    /// Samples at 48 kHz to discard from the start of the decoded stream.
    pub pre_skip: u16,
    /// The rate the audio was captured at, in Hz (informational).
    pub input_sample_rate: u32,
    /// Gain to apply to the decoded output, Q7.8 dB.
    pub output_gain: i16,
}

impl OpusHead {
    /// The 19-byte header packet, channel mapping family 0.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut head = b"OpusHead".to_vec();
        head.push(1); // version
        head.push(self.channels);
        head.extend_from_slice(&self.pre_skip.to_le_bytes());
        head.extend_from_slice(&self.input_sample_rate.to_le_bytes());
        head.extend_from_slice(&self.output_gain.to_le_bytes());
        head.push(0); // channel mapping family
        head
    }

    /// Parses a header packet; `None` if it is not a family-0 `OpusHead` of version 1.
    pub fn parse(packet: &[u8]) -> Option<OpusHead> {
        if packet.len() < 19 || &packet[..8] != b"OpusHead" || packet[8] & 0xF0 != 0 {
            return None;
        }
        if packet[18] != 0 {
            return None;
        }
        Some(OpusHead {
            channels: packet[9],
            pre_skip: u16::from_le_bytes([packet[10], packet[11]]),
            input_sample_rate: u32::from_le_bytes([packet[12], packet[13], packet[14], packet[15]]),
            output_gain: i16::from_le_bytes([packet[16], packet[17]]),
        })
    }
}

/// The comment header (RFC 7845 §5.2) with a vendor string and no comments.
fn opus_tags(vendor: &str) -> Vec<u8> {
    let mut tags = b"OpusTags".to_vec();
    tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    tags.extend_from_slice(vendor.as_bytes());
    tags.extend_from_slice(&0u32.to_le_bytes());
    tags
}

/// Writes `packets` as an Ogg Opus file: the headers each on their own page, then the
/// audio with each page's granule position counting 48 kHz samples including the pre-skip
/// (RFC 7845 §4). Every packet must be a valid Opus packet.
pub fn write<W: Write>(out: W, head: OpusHead, packets: &[Vec<u8>]) -> io::Result<()> {
    const SERIAL: u32 = 0x6d63_6f72;
    let mut writer = PacketWriter::new(out);
    writer.write_packet(head.to_bytes(), SERIAL, PacketWriteEndInfo::EndPage, 0)?;
    writer.write_packet(
        opus_tags("mediacore"),
        SERIAL,
        PacketWriteEndInfo::EndPage,
        0,
    )?;
    let mut granule = 0u64;
    for (i, packet) in packets.iter().enumerate() {
        let samples = packet_samples(packet, RTP_CLOCK_RATE)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        granule += samples as u64;
        // A page per second keeps pages small and granule positions frequent.
        let end = if i + 1 == packets.len() {
            PacketWriteEndInfo::EndStream
        } else if (i + 1).is_multiple_of(50) {
            PacketWriteEndInfo::EndPage
        } else {
            PacketWriteEndInfo::NormalPacket
        };
        writer.write_packet(packet.clone(), SERIAL, end, granule)?;
    }
    Ok(())
}

/// Reads an Ogg Opus file: its `OpusHead` and its audio packets in order.
pub fn read(bytes: &[u8]) -> io::Result<(OpusHead, Vec<Vec<u8>>)> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let mut reader = ogg::reading::PacketReader::new(Cursor::new(bytes));
    let mut next = || -> io::Result<Option<Vec<u8>>> {
        reader
            .read_packet()
            .map(|p| p.map(|p| p.data))
            .map_err(|e| invalid(&e.to_string()))
    };
    let head = next()?
        .as_deref()
        .and_then(OpusHead::parse)
        .ok_or_else(|| invalid("the first packet is not a family-0 OpusHead"))?;
    let tags = next()?.ok_or_else(|| invalid("no OpusTags packet"))?;
    if !tags.starts_with(b"OpusTags") {
        return Err(invalid("the second packet is not OpusTags"));
    }
    let mut packets = Vec::new();
    while let Some(packet) = next()? {
        packets.push(packet);
    }
    Ok((head, packets))
}
