//! Compound packets against byte layouts built by hand from RFC 3550 §6.4.1, §6.5 and §6.6,
//! the A.2 checks, and round trips.

use super::*;
use crate::error::RtcpError;
use proptest::prelude::*;

const OUR_SSRC: u32 = 0x1122_3344;

fn block() -> ReportBlock {
    ReportBlock {
        ssrc: 0x5566_7788,
        fraction_lost: 0x40,
        cumulative_lost: -3,
        extended_highest_sequence: 0x0001_0005,
        jitter: 17,
        last_sr: 0x1234_5678,
        delay_since_last_sr: 0x0001_0000,
    }
}

/// SR with one block, SDES with CNAME "abcd", BYE with reason "bye", written out field by
/// field from the RFC's figures.
fn hand_built_sr_sdes_bye() -> Vec<u8> {
    let mut v = Vec::new();
    // SR: V=2 P=0 RC=1, PT=200, length 12 words minus one = (4+24+24)/4 - 1.
    v.extend_from_slice(&[0x81, 200, 0x00, 0x0C]);
    v.extend_from_slice(&OUR_SSRC.to_be_bytes());
    v.extend_from_slice(&0xAABB_CCDD_EEFF_0011u64.to_be_bytes()); // NTP
    v.extend_from_slice(&0x0102_0304u32.to_be_bytes()); // RTP timestamp
    v.extend_from_slice(&5u32.to_be_bytes()); // packet count
    v.extend_from_slice(&800u32.to_be_bytes()); // octet count
    v.extend_from_slice(&0x5566_7788u32.to_be_bytes());
    v.extend_from_slice(&[0x40, 0xFF, 0xFF, 0xFD]); // fraction 1/4, cumulative -3
    v.extend_from_slice(&0x0001_0005u32.to_be_bytes());
    v.extend_from_slice(&17u32.to_be_bytes());
    v.extend_from_slice(&0x1234_5678u32.to_be_bytes());
    v.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    // SDES: SC=1, PT=202, chunk = SSRC, CNAME(1) len 4 "abcd", end item, pad to 12 bytes.
    v.extend_from_slice(&[0x81, 202, 0x00, 0x03]);
    v.extend_from_slice(&OUR_SSRC.to_be_bytes());
    v.extend_from_slice(&[1, 4, b'a', b'b', b'c', b'd', 0, 0]);
    // BYE: SC=1, PT=203, SSRC, reason length 3 "bye".
    v.extend_from_slice(&[0x81, 203, 0x00, 0x02]);
    v.extend_from_slice(&OUR_SSRC.to_be_bytes());
    v.extend_from_slice(&[3, b'b', b'y', b'e']);
    v
}

fn sender_info() -> SenderInfo {
    SenderInfo {
        ntp: NtpTime::from_bits(0xAABB_CCDD_EEFF_0011),
        rtp_timestamp: 0x0102_0304,
        packet_count: 5,
        octet_count: 800,
    }
}

#[test]
fn writes_the_rfc_layout_byte_for_byte() {
    let blocks = [block()];
    let report = CompoundReport {
        ssrc: OUR_SSRC,
        sender: Some(sender_info()),
        blocks: &blocks,
        cname: "abcd",
        bye: Some("bye"),
    };
    let mut buf = [0u8; 256];
    let n = report.write(&mut buf).unwrap();
    assert_eq!(&buf[..n], hand_built_sr_sdes_bye().as_slice());
}

#[test]
fn parses_the_rfc_layout_into_its_fields() {
    let c = RtcpCompound::parse(&hand_built_sr_sdes_bye()).unwrap();
    assert_eq!(
        c.packets,
        vec![
            RtcpPacket::SenderReport {
                ssrc: OUR_SSRC,
                info: sender_info(),
                blocks: vec![block()],
            },
            RtcpPacket::SourceDescription(vec![(OUR_SSRC, Some("abcd".to_owned()))]),
            RtcpPacket::Bye {
                ssrcs: vec![OUR_SSRC],
                reason: Some("bye".to_owned()),
            },
        ]
    );
}

#[test]
fn receiver_report_without_blocks_and_bye_without_reason() {
    let report = CompoundReport {
        ssrc: 7,
        sender: None,
        blocks: &[],
        cname: "",
        bye: Some(""),
    };
    let mut buf = [0u8; 64];
    let n = report.write(&mut buf).unwrap();
    // RR of 8 bytes, SDES of 4 + 8 (SSRC, CNAME item of length 0, end, pad), BYE of 8.
    assert_eq!(n, 8 + 12 + 8);
    assert_eq!(&buf[..8], &[0x80, 201, 0, 1, 0, 0, 0, 7]);
    assert_eq!(&buf[20..28], &[0x81, 203, 0, 1, 0, 0, 0, 7]);
    let c = RtcpCompound::parse(&buf[..n]).unwrap();
    assert_eq!(
        c.packets[0],
        RtcpPacket::ReceiverReport {
            ssrc: 7,
            blocks: vec![]
        }
    );
    assert_eq!(
        c.packets[2],
        RtcpPacket::Bye {
            ssrcs: vec![7],
            reason: None
        }
    );
}

#[test]
fn more_than_31_blocks_continue_in_further_receiver_reports() {
    let blocks: Vec<ReportBlock> = (0..40)
        .map(|i| ReportBlock {
            ssrc: i,
            jitter: i * 3,
            ..ReportBlock::default()
        })
        .collect();
    let report = CompoundReport {
        ssrc: 1,
        sender: Some(sender_info()),
        blocks: &blocks,
        cname: "x",
        bye: None,
    };
    let mut buf = vec![0u8; 2000];
    let n = report.write(&mut buf).unwrap();
    assert_eq!(buf[0], 0x80 | 31);
    let c = RtcpCompound::parse(&buf[..n]).unwrap();
    let RtcpPacket::SenderReport { blocks: first, .. } = &c.packets[0] else {
        panic!("SR first: {:?}", c.packets[0]);
    };
    let RtcpPacket::ReceiverReport { ssrc, blocks: rest } = &c.packets[1] else {
        panic!("RR second: {:?}", c.packets[1]);
    };
    assert_eq!(*ssrc, 1);
    assert_eq!((first.len(), rest.len()), (31, 9));
    let all: Vec<ReportBlock> = first.iter().chain(rest).copied().collect();
    assert_eq!(all, blocks);
}

#[test]
fn cumulative_loss_is_clamped_to_24_bits_signed() {
    for (given, written) in [
        (i32::MAX, CUMULATIVE_LOST_MAX),
        (i32::MIN, CUMULATIVE_LOST_MIN),
        (-1, -1),
        (0x12_3456, 0x12_3456),
    ] {
        let blocks = [ReportBlock {
            cumulative_lost: given,
            ..block()
        }];
        let report = CompoundReport {
            ssrc: 1,
            sender: None,
            blocks: &blocks,
            cname: "c",
            bye: None,
        };
        let mut buf = [0u8; 128];
        let n = report.write(&mut buf).unwrap();
        let c = RtcpCompound::parse(&buf[..n]).unwrap();
        let RtcpPacket::ReceiverReport { blocks, .. } = &c.packets[0] else {
            panic!()
        };
        assert_eq!(blocks[0].cumulative_lost, written, "given {given}");
    }
}

#[test]
fn app_and_unknown_types_are_skipped_not_rejected() {
    let mut v = vec![0x80, 201, 0, 1, 0, 0, 0, 9];
    // APP: subtype 0, SSRC, name "TEST", 4 bytes data.
    v.extend_from_slice(&[
        0x80, 204, 0, 3, 0, 0, 0, 9, b'T', b'E', b'S', b'T', 1, 2, 3, 4,
    ]);
    // An unassigned type with a body that is not looked into.
    v.extend_from_slice(&[0x9F, 210, 0, 1, 0xDE, 0xAD, 0xBE, 0xEF]);
    let c = RtcpCompound::parse(&v).unwrap();
    assert_eq!(
        c.packets[1..],
        [
            RtcpPacket::Other {
                packet_type: RTCP_PT_APP,
                len: 16
            },
            RtcpPacket::Other {
                packet_type: 210,
                len: 8
            }
        ]
    );
}

#[test]
fn the_a2_checks_give_typed_errors() {
    let good = hand_built_sr_sdes_bye();
    assert_eq!(
        RtcpCompound::parse(&[]).unwrap_err(),
        RtcpError::Truncated {
            needed: 4,
            actual: 0
        }
    );

    let mut v1 = good.clone();
    v1[52] = 0x41; // the SDES header's version
    assert_eq!(
        RtcpCompound::parse(&v1).unwrap_err(),
        RtcpError::UnsupportedVersion {
            version: 1,
            offset: 52
        }
    );
    assert_eq!(
        RtcpCompound::parse(&v1).unwrap_err().to_string(),
        "RTCP version 1 at byte 52 is not supported; expected 2"
    );

    assert_eq!(
        RtcpCompound::parse(&good[52..]).unwrap_err(),
        RtcpError::FirstNotReport(202)
    );

    let mut padded_first = good.clone();
    padded_first[0] |= 0x20;
    assert_eq!(
        RtcpCompound::parse(&padded_first).unwrap_err(),
        RtcpError::PaddingNotLast { offset: 0 }
    );

    // Bytes past the last packet: the lengths do not add up to the datagram.
    let mut trailing = good.clone();
    trailing.extend_from_slice(&[0x80, 201]);
    assert_eq!(
        RtcpCompound::parse(&trailing).unwrap_err(),
        RtcpError::Truncated {
            needed: good.len() + 4,
            actual: good.len() + 2
        }
    );

    // A length field reaching past the end.
    let mut long = good.clone();
    long[3] = 0x20;
    assert_eq!(
        RtcpCompound::parse(&long).unwrap_err(),
        RtcpError::Truncated {
            needed: 132,
            actual: good.len()
        }
    );

    // Padding on the last packet with a zero or oversized count.
    let mut bad_pad = vec![0xA0, 201, 0, 1, 0, 0, 0, 0];
    assert_eq!(
        RtcpCompound::parse(&bad_pad).unwrap_err(),
        RtcpError::InvalidPadding { padding: 0, max: 4 }
    );
    bad_pad[7] = 9;
    assert_eq!(
        RtcpCompound::parse(&bad_pad).unwrap_err(),
        RtcpError::InvalidPadding { padding: 9, max: 4 }
    );

    // RC says two blocks, the length holds one.
    let mut rc = good[..52].to_vec();
    rc[0] = 0x82;
    assert!(matches!(
        RtcpCompound::parse(&rc),
        Err(RtcpError::Malformed {
            packet_type: 200,
            offset: 0,
            ..
        })
    ));
}

#[test]
fn padded_last_packet_is_accepted() {
    // RR with 4 bytes of padding, count in the last byte.
    let v = [0xA0, 201, 0, 2, 0, 0, 0, 5, 0, 0, 0, 4];
    let c = RtcpCompound::parse(&v).unwrap();
    assert_eq!(
        c.packets,
        vec![RtcpPacket::ReceiverReport {
            ssrc: 5,
            blocks: vec![]
        }]
    );
}

#[test]
fn writer_reports_what_does_not_fit() {
    let long = "x".repeat(256);
    let mut buf = [0u8; 512];
    let too_long = CompoundReport {
        ssrc: 1,
        sender: None,
        blocks: &[],
        cname: &long,
        bye: None,
    };
    assert_eq!(
        too_long.write(&mut buf),
        Err(RtcpError::TextTooLong {
            what: "CNAME",
            len: 256
        })
    );
    let ok = CompoundReport {
        cname: "abc",
        ..too_long
    };
    assert_eq!(
        ok.write(&mut buf[..10]),
        Err(RtcpError::PacketTooLarge {
            needed: 8 + 16,
            capacity: 10
        })
    );
    assert_eq!(
        write_bye(&[0; 32], "", &mut buf),
        Err(RtcpError::TooManySources(32))
    );
    let n = write_bye(&[1, 2], "gone", &mut buf).unwrap();
    assert_eq!(
        &buf[..n],
        &[
            0x82, 203, 0, 4, 0, 0, 0, 1, 0, 0, 0, 2, 4, b'g', b'o', b'n', b'e', 0, 0, 0
        ][..n]
    );
}

fn arb_block() -> impl Strategy<Value = ReportBlock> {
    (
        any::<u32>(),
        any::<u8>(),
        CUMULATIVE_LOST_MIN..=CUMULATIVE_LOST_MAX,
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
    )
        .prop_map(|(ssrc, f, c, e, j, l, d)| ReportBlock {
            ssrc,
            fraction_lost: f,
            cumulative_lost: c,
            extended_highest_sequence: e,
            jitter: j,
            last_sr: l,
            delay_since_last_sr: d,
        })
}

proptest! {
    #[test]
    fn parsing_arbitrary_bytes_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = RtcpCompound::parse(&data);
    }

    #[test]
    fn parsing_mutated_valid_compounds_never_panics(
        flips in proptest::collection::vec((0usize..100, any::<u8>()), 1..6),
        cut in 0usize..100,
    ) {
        let mut data = hand_built_sr_sdes_bye();
        for (at, byte) in flips {
            let i = at % data.len();
            data[i] = byte;
        }
        let _ = RtcpCompound::parse(&data);
        let _ = RtcpCompound::parse(&data[..cut.min(data.len())]);
    }

    #[test]
    fn written_compounds_parse_to_the_same_fields(
        ssrc in any::<u32>(),
        sender in proptest::option::of((any::<u64>(), any::<u32>(), any::<u32>(), any::<u32>())),
        blocks in proptest::collection::vec(arb_block(), 0..70),
        cname in "[ -~]{0,60}",
        bye in proptest::option::of("[a-z ]{0,40}"),
    ) {
        let sender = sender.map(|(ntp, ts, p, o)| SenderInfo {
            ntp: NtpTime::from_bits(ntp),
            rtp_timestamp: ts,
            packet_count: p,
            octet_count: o,
        });
        let report = CompoundReport { ssrc, sender, blocks: &blocks, cname: &cname, bye: bye.as_deref() };
        let mut buf = vec![0u8; 4096];
        let n = report.write(&mut buf).unwrap();
        prop_assert_eq!(n % 4, 0);
        let c = RtcpCompound::parse(&buf[..n]).unwrap();
        let mut parsed_blocks = Vec::new();
        let mut packets = c.packets.iter();
        match (packets.next(), sender) {
            (Some(RtcpPacket::SenderReport { ssrc: s, info, blocks }), Some(want)) => {
                prop_assert_eq!(*s, ssrc);
                prop_assert_eq!(*info, want);
                parsed_blocks.extend_from_slice(blocks);
            }
            (Some(RtcpPacket::ReceiverReport { ssrc: s, blocks }), None) => {
                prop_assert_eq!(*s, ssrc);
                parsed_blocks.extend_from_slice(blocks);
            }
            other => prop_assert!(false, "unexpected first packet {:?}", other),
        }
        let mut rest = packets.peekable();
        while let Some(RtcpPacket::ReceiverReport { ssrc: s, blocks }) = rest.peek() {
            prop_assert_eq!(*s, ssrc);
            parsed_blocks.extend_from_slice(blocks);
            rest.next();
        }
        prop_assert_eq!(&parsed_blocks, &blocks);
        prop_assert_eq!(rest.next(), Some(&RtcpPacket::SourceDescription(vec![(ssrc, Some(cname.clone()))])));
        match bye {
            Some(reason) => prop_assert_eq!(rest.next(), Some(&RtcpPacket::Bye {
                ssrcs: vec![ssrc],
                reason: (!reason.is_empty()).then_some(reason.clone()),
            })),
            None => prop_assert_eq!(rest.next(), None),
        }
        prop_assert_eq!(rest.next(), None);
    }
}
