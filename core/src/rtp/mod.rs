//! RTP (RFC 3550): packet parsing and writing, and the packetizer for outgoing streams.

mod packet;
mod packetizer;

pub use packet::{RTP_FIXED_HEADER_LEN, RTP_MAX_CSRCS, RtpHeader, RtpPacket};
pub use packetizer::{Packetizer, PacketizerConfig};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::RtpError;
    use proptest::prelude::*;

    #[test]
    fn full_header_round_trips() {
        let csrcs = [1, 2, 0xDEAD_BEEF];
        let ext = [0xAA; 8];
        let header = RtpHeader {
            marker: true,
            payload_type: 96,
            sequence_number: 0xFFFF,
            timestamp: 0x1234_5678,
            ssrc: 0xCAFE_F00D,
            csrcs: &csrcs,
            extension: Some((0xBEDE, &ext)),
            padding: 3,
        };
        let mut buf = [0u8; 64];
        let n = header.write(&[9, 8, 7], &mut buf).unwrap();
        assert_eq!(n, 12 + 12 + 12 + 3 + 3);
        assert_eq!(n, header.packet_len(3));
        let p = RtpPacket::parse(&buf[..n]).unwrap();
        assert!(p.marker());
        assert_eq!(p.payload_type(), 96);
        assert_eq!(p.sequence_number(), 0xFFFF);
        assert_eq!(p.timestamp(), 0x1234_5678);
        assert_eq!(p.ssrc(), 0xCAFE_F00D);
        assert_eq!(p.csrcs().collect::<Vec<_>>(), csrcs);
        assert_eq!(p.extension(), Some((0xBEDE, &ext[..])));
        assert_eq!(p.padding(), Some(3));
        assert_eq!(p.payload(), &[9, 8, 7]);
    }

    #[test]
    fn malformed_packets_are_typed_errors() {
        assert_eq!(
            RtpPacket::parse(&[0x80, 0, 0]).unwrap_err(),
            RtpError::Truncated {
                needed: 12,
                actual: 3
            }
        );
        let mut v1 = [0u8; 12];
        v1[0] = 0x40;
        assert_eq!(
            RtpPacket::parse(&v1).unwrap_err(),
            RtpError::UnsupportedVersion(1)
        );
        assert_eq!(
            RtpPacket::parse(&v1).unwrap_err().to_string(),
            "RTP version 1 is not supported; expected 2"
        );
        // CC = 2 but no CSRCs present.
        let mut cc = [0u8; 12];
        cc[0] = 0x82;
        assert!(matches!(
            RtpPacket::parse(&cc),
            Err(RtpError::Truncated { needed: 20, .. })
        ));
        // Padding bit with a zero padding count.
        let mut pad = [0u8; 13];
        pad[0] = 0xA0;
        assert_eq!(
            RtpPacket::parse(&pad).unwrap_err(),
            RtpError::InvalidPadding(0)
        );
        // Padding count reaching into the header.
        pad[12] = 5;
        assert!(matches!(
            RtpPacket::parse(&pad),
            Err(RtpError::Truncated { .. })
        ));
        // Extension header whose length runs past the end.
        let mut ext = [0u8; 16];
        ext[0] = 0x90;
        ext[15] = 1;
        assert!(matches!(
            RtpPacket::parse(&ext),
            Err(RtpError::Truncated { needed: 20, .. })
        ));
    }

    #[test]
    fn writer_rejects_impossible_headers() {
        let mut buf = [0u8; 128];
        let bad_pt = RtpHeader {
            payload_type: 200,
            ..RtpHeader::default()
        };
        assert_eq!(
            bad_pt.write(&[], &mut buf),
            Err(RtpError::InvalidPayloadType(200))
        );
        let many = [0u32; 16];
        let bad_cc = RtpHeader {
            csrcs: &many,
            ..RtpHeader::default()
        };
        assert_eq!(bad_cc.write(&[], &mut buf), Err(RtpError::TooManyCsrcs(16)));
        let bad_ext = RtpHeader {
            extension: Some((1, &[1, 2, 3])),
            ..RtpHeader::default()
        };
        assert_eq!(
            bad_ext.write(&[], &mut buf),
            Err(RtpError::ExtensionNotAligned(3))
        );
    }

    proptest! {
        #[test]
        fn parsing_arbitrary_bytes_never_panics(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(p) = RtpPacket::parse(&data) {
                prop_assert!(p.payload().len() <= data.len());
                let _ = (p.csrcs().count(), p.extension(), p.padding());
            }
        }

        #[test]
        fn written_packets_parse_to_the_same_fields(
            marker in any::<bool>(),
            payload_type in 0u8..128,
            sequence_number in any::<u16>(),
            timestamp in any::<u32>(),
            ssrc in any::<u32>(),
            csrcs in proptest::collection::vec(any::<u32>(), 0..=15),
            ext in proptest::option::of((any::<u16>(), proptest::collection::vec(any::<u8>(), 0..8).prop_map(|mut v| { v.resize(v.len() / 4 * 4, 0); v }))),
            padding in 0u8..8,
            payload in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let header = RtpHeader {
                marker, payload_type, sequence_number, timestamp, ssrc,
                csrcs: &csrcs,
                extension: ext.as_ref().map(|(id, d)| (*id, d.as_slice())),
                padding,
            };
            let mut buf = vec![0u8; header.packet_len(payload.len())];
            let n = header.write(&payload, &mut buf).unwrap();
            prop_assert_eq!(n, buf.len());
            let p = RtpPacket::parse(&buf).unwrap();
            prop_assert_eq!(p.marker(), marker);
            prop_assert_eq!(p.payload_type(), payload_type);
            prop_assert_eq!(p.sequence_number(), sequence_number);
            prop_assert_eq!(p.timestamp(), timestamp);
            prop_assert_eq!(p.ssrc(), ssrc);
            prop_assert_eq!(p.csrcs().collect::<Vec<_>>(), csrcs.clone());
            prop_assert_eq!(p.extension().map(|(i, d)| (i, d.to_vec())), ext.clone());
            prop_assert_eq!(p.padding(), (padding > 0).then_some(padding));
            prop_assert_eq!(p.payload(), payload.as_slice());
        }
    }
}
