//! RTP fixed header, CSRC list, header extension and padding (RFC 3550 §5.1, §5.3).
//!
//! Parsing and writing are done by the `rtp-types` crate; this file gives them the
//! crate's error type and a writer that takes caller-owned buffers.

use crate::error::RtpError;

/// RFC 3550 §5.1: the fixed part of the header is 12 bytes.
pub const RTP_FIXED_HEADER_LEN: usize = 12;
/// RFC 3550 §5.1: the CC field is 4 bits wide.
pub const RTP_MAX_CSRCS: usize = 15;

/// A parsed RTP packet borrowing the datagram it came from.
#[derive(Debug)]
pub struct RtpPacket<'a> {
    inner: rtp_types::RtpPacket<'a>,
    data: &'a [u8],
}

impl<'a> RtpPacket<'a> {
    /// Parses `data` as an RTP packet, checking every length the header implies.
    pub fn parse(data: &'a [u8]) -> Result<Self, RtpError> {
        rtp_types::RtpPacket::parse(data)
            .map(|inner| RtpPacket { inner, data })
            .map_err(|e| match e {
                rtp_types::RtpParseError::UnsupportedVersion(v) => RtpError::UnsupportedVersion(v),
                rtp_types::RtpParseError::Truncated { expected, actual } => RtpError::Truncated {
                    needed: expected,
                    actual,
                },
                rtp_types::RtpParseError::PaddingInvalid(p) => RtpError::InvalidPadding(p),
            })
    }

    /// The marker bit (RFC 3551 §4.1: first packet of a talkspurt for audio).
    pub fn marker(&self) -> bool {
        self.inner.marker_bit()
    }

    /// The 7-bit payload type.
    pub fn payload_type(&self) -> u8 {
        self.inner.payload_type()
    }

    /// The 16-bit sequence number.
    pub fn sequence_number(&self) -> u16 {
        self.inner.sequence_number()
    }

    /// The 32-bit media timestamp.
    pub fn timestamp(&self) -> u32 {
        self.inner.timestamp()
    }

    /// The synchronisation source.
    pub fn ssrc(&self) -> u32 {
        self.inner.ssrc()
    }

    /// The contributing sources.
    pub fn csrcs(&self) -> impl Iterator<Item = u32> + '_ {
        self.inner.csrc()
    }

    /// The header extension's profile-defined identifier and data, if present.
    pub fn extension(&self) -> Option<(u16, &[u8])> {
        self.inner.extension()
    }

    /// The number of padding bytes at the end, if the P bit is set.
    pub fn padding(&self) -> Option<u8> {
        self.inner.padding()
    }

    /// The payload, without header, extension or padding.
    pub fn payload(&self) -> &'a [u8] {
        let offset = self.inner.payload_offset();
        let len = self.inner.payload_len();
        // parse() checked that header, extension, payload and padding fit in `data`.
        &self.data[offset..offset + len]
    }
}

/// The fields of an RTP header to write in front of a payload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RtpHeader<'a> {
    /// The marker bit.
    pub marker: bool,
    /// The payload type, 0..=127.
    pub payload_type: u8,
    /// The sequence number.
    pub sequence_number: u16,
    /// The media timestamp.
    pub timestamp: u32,
    /// The synchronisation source.
    pub ssrc: u32,
    /// Up to 15 contributing sources.
    pub csrcs: &'a [u32],
    /// A header extension: profile identifier and data whose length is a multiple of 4.
    pub extension: Option<(u16, &'a [u8])>,
    /// Padding bytes to append (0 for none); the last one holds the count.
    pub padding: u8,
}

impl RtpHeader<'_> {
    /// The size of this header followed by `payload_len` payload bytes and the padding.
    pub fn packet_len(&self, payload_len: usize) -> usize {
        RTP_FIXED_HEADER_LEN
            + 4 * self.csrcs.len()
            + self.extension.map_or(0, |(_, d)| 4 + d.len())
            + payload_len
            + usize::from(self.padding)
    }

    /// Writes the header, `payload` and padding into `out`, returning the packet length.
    pub fn write(&self, payload: &[u8], out: &mut [u8]) -> Result<usize, RtpError> {
        if self.payload_type > 127 {
            return Err(RtpError::InvalidPayloadType(self.payload_type));
        }
        if self.csrcs.len() > RTP_MAX_CSRCS {
            return Err(RtpError::TooManyCsrcs(self.csrcs.len()));
        }
        if let Some((_, data)) = self.extension {
            if data.len() % 4 != 0 {
                return Err(RtpError::ExtensionNotAligned(data.len()));
            }
            if data.len() / 4 > usize::from(u16::MAX) {
                return Err(RtpError::PacketTooLarge {
                    needed: self.packet_len(payload.len()),
                    capacity: out.len(),
                });
            }
        }
        let needed = self.packet_len(payload.len());
        if needed > out.len() {
            return Err(RtpError::PacketTooLarge {
                needed,
                capacity: out.len(),
            });
        }
        let mut builder = rtp_types::RtpPacketBuilder::<&[u8], &[u8]>::new()
            .marker_bit(self.marker)
            .payload_type(self.payload_type)
            .sequence_number(self.sequence_number)
            .timestamp(self.timestamp)
            .ssrc(self.ssrc)
            .payload(payload);
        for &csrc in self.csrcs {
            builder = builder.add_csrc(csrc);
        }
        if let Some((id, data)) = self.extension {
            builder = builder.extension(id, data);
        }
        if self.padding > 0 {
            builder = builder.padding(self.padding);
        }
        builder
            .write_into(out)
            .map_err(|_| RtpError::PacketTooLarge {
                needed,
                capacity: out.len(),
            })
    }
}
