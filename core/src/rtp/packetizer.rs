//! Outgoing RTP: one sequence of packets from one synchronisation source.

use super::packet::RtpHeader;
use crate::error::RtpError;
use crate::rng::SeededRng;

/// What a [`Packetizer`] needs to know about the stream it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketizerConfig {
    /// Payload type written into every packet.
    pub payload_type: u8,
    /// Seed for the SSRC and the initial sequence number and timestamp (RFC 3550 §5.1
    /// asks for random initial values).
    pub seed: u64,
}

/// Writes consecutive RTP packets: sequence numbers count up by one, timestamps by the
/// number of clock ticks each payload covers.
#[derive(Debug, Clone)]
pub struct Packetizer {
    payload_type: u8,
    ssrc: u32,
    next_sequence: u16,
    next_timestamp: u32,
    packets_written: u64,
}

impl Packetizer {
    /// A packetizer whose SSRC and initial sequence number and timestamp come from the seed.
    pub fn new(config: PacketizerConfig) -> Result<Self, RtpError> {
        if config.payload_type > 127 {
            return Err(RtpError::InvalidPayloadType(config.payload_type));
        }
        let mut rng = SeededRng::new(config.seed);
        Ok(Packetizer {
            payload_type: config.payload_type,
            ssrc: rng.next_u32(),
            next_sequence: rng.next_u32() as u16,
            next_timestamp: rng.next_u32(),
            packets_written: 0,
        })
    }

    /// The synchronisation source of this stream.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The sequence number the next packet will carry.
    pub fn next_sequence(&self) -> u16 {
        self.next_sequence
    }

    /// The timestamp the next packet will carry.
    pub fn next_timestamp(&self) -> u32 {
        self.next_timestamp
    }

    /// Packets written so far.
    pub fn packets_written(&self) -> u64 {
        self.packets_written
    }

    /// Moves the timestamp on by `ticks` without sending, e.g. across a pause in sending
    /// (RFC 3550 §5.1: the timestamp follows the sampling clock, not the packet count).
    pub fn skip(&mut self, ticks: u32) {
        self.next_timestamp = self.next_timestamp.wrapping_add(ticks);
    }

    /// Writes one packet carrying `payload` that covers `ticks` clock ticks into `out`.
    pub fn packetize(
        &mut self,
        payload: &[u8],
        ticks: u32,
        marker: bool,
        out: &mut [u8],
    ) -> Result<usize, RtpError> {
        let header = RtpHeader {
            marker,
            payload_type: self.payload_type,
            sequence_number: self.next_sequence,
            timestamp: self.next_timestamp,
            ssrc: self.ssrc,
            ..RtpHeader::default()
        };
        let len = header.write(payload, out)?;
        self.next_sequence = self.next_sequence.wrapping_add(1);
        self.next_timestamp = self.next_timestamp.wrapping_add(ticks);
        self.packets_written += 1;
        Ok(len)
    }

    /// Writes one packet of another payload type in the same stream (an RFC 4733
    /// telephone-event) with its own `timestamp`: the sequence number moves on, the media
    /// timestamp does not.
    pub fn packetize_other(
        &mut self,
        payload_type: u8,
        timestamp: u32,
        payload: &[u8],
        marker: bool,
        out: &mut [u8],
    ) -> Result<usize, RtpError> {
        let header = RtpHeader {
            marker,
            payload_type,
            sequence_number: self.next_sequence,
            timestamp,
            ssrc: self.ssrc,
            ..RtpHeader::default()
        };
        let len = header.write(payload, out)?;
        self.next_sequence = self.next_sequence.wrapping_add(1);
        self.packets_written += 1;
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtp::RtpPacket;

    #[test]
    fn seed_decides_ssrc_and_origins_and_packets_follow_on() {
        let cfg = PacketizerConfig {
            payload_type: 0,
            seed: 42,
        };
        let mut a = Packetizer::new(cfg).unwrap();
        let b = Packetizer::new(cfg).unwrap();
        let c = Packetizer::new(PacketizerConfig { seed: 43, ..cfg }).unwrap();
        assert_eq!(a.ssrc(), b.ssrc());
        assert_ne!(a.ssrc(), c.ssrc());
        let (seq0, ts0) = (a.next_sequence(), a.next_timestamp());
        let mut buf = [0u8; 200];
        let mut last = (0, 0);
        for i in 0..3u16 {
            let n = a.packetize(&[0xFF; 160], 160, i == 0, &mut buf).unwrap();
            assert_eq!(n, 172);
            let p = RtpPacket::parse(&buf[..n]).unwrap();
            assert_eq!(p.marker(), i == 0);
            assert_eq!(p.ssrc(), a.ssrc());
            assert_eq!(p.sequence_number(), seq0.wrapping_add(i));
            assert_eq!(p.timestamp(), ts0.wrapping_add(160 * u32::from(i)));
            last = (p.sequence_number(), p.timestamp());
        }
        assert_eq!(last.0, seq0.wrapping_add(2));
        assert!(
            Packetizer::new(PacketizerConfig {
                payload_type: 128,
                seed: 0
            })
            .is_err()
        );
    }

    #[test]
    fn too_small_output_is_an_error_and_does_not_advance() {
        let mut p = Packetizer::new(PacketizerConfig {
            payload_type: 8,
            seed: 1,
        })
        .unwrap();
        let seq = p.next_sequence();
        let mut buf = [0u8; 100];
        assert!(matches!(
            p.packetize(&[0; 160], 160, false, &mut buf),
            Err(RtpError::PacketTooLarge {
                needed: 172,
                capacity: 100
            })
        ));
        assert_eq!(p.next_sequence(), seq);
    }
}
