//! Our RTCP compound packets decoded by Wireshark's RTCP dissector (`tshark`, Debian package
//! `tshark`), field by field.
//!
//! The compounds are written into a pcap file as UDP datagrams (Ethernet, IPv4, UDP written
//! byte by byte here) to a port that tshark is told to decode as RTCP. tshark prints the
//! fields of each frame; the test compares them with what was written and checks that the
//! dissector found nothing malformed and the frame length check passed.

use std::path::Path;

use core::time::Duration;

use mediacore::Instant;
use mediacore::rtcp::{
    CompoundReport, NtpTime, ReceiveStats, ReportBlock, SenderInfo, round_trip_time,
};
use mediacore_tests::oracle::{run, scratch_dir};

const RTCP_PORT: u16 = 5007;

/// One UDP datagram on loopback, captured `at_micros` after the Unix epoch.
struct Datagram {
    at_micros: u64,
    from_port: u16,
    to_port: u16,
    payload: Vec<u8>,
}

/// A pcap file (libpcap format 2.4, Ethernet link type) with one frame per datagram.
fn write_pcap(path: &Path, datagrams: &[Datagram]) {
    let mut f = Vec::new();
    f.extend_from_slice(&0xA1B2_C3D4u32.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&4u16.to_le_bytes());
    f.extend_from_slice(&0i32.to_le_bytes()); // thiszone
    f.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
    f.extend_from_slice(&65_535u32.to_le_bytes()); // snaplen
    f.extend_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
    for (i, datagram) in datagrams.iter().enumerate() {
        let payload = &datagram.payload;
        let mut frame = Vec::new();
        frame.extend_from_slice(&[0x02, 0, 0, 0, 0, 2]); // destination MAC
        frame.extend_from_slice(&[0x02, 0, 0, 0, 0, 1]); // source MAC
        frame.extend_from_slice(&0x0800u16.to_be_bytes()); // IPv4
        let udp_len = 8 + payload.len();
        let mut ip = vec![0x45, 0];
        ip.extend_from_slice(&((20 + udp_len) as u16).to_be_bytes());
        ip.extend_from_slice(&[0, i as u8, 0x40, 0, 64, 17, 0, 0]); // id, DF, TTL, UDP
        ip.extend_from_slice(&[127, 0, 0, 1, 127, 0, 0, 1]);
        let sum = ip
            .chunks(2)
            .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
            .sum::<u32>();
        let folded = (sum & 0xFFFF) + (sum >> 16);
        let checksum = !(((folded & 0xFFFF) + (folded >> 16)) as u16);
        ip[10..12].copy_from_slice(&checksum.to_be_bytes());
        frame.extend_from_slice(&ip);
        frame.extend_from_slice(&datagram.from_port.to_be_bytes());
        frame.extend_from_slice(&datagram.to_port.to_be_bytes());
        frame.extend_from_slice(&(udp_len as u16).to_be_bytes());
        frame.extend_from_slice(&0u16.to_be_bytes()); // no UDP checksum (allowed over IPv4)
        frame.extend_from_slice(payload);
        f.extend_from_slice(&((datagram.at_micros / 1_000_000) as u32).to_le_bytes());
        f.extend_from_slice(&((datagram.at_micros % 1_000_000) as u32).to_le_bytes());
        f.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        f.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        f.extend_from_slice(&frame);
    }
    std::fs::write(path, f).expect("write pcap");
}

const FIELDS: &[&str] = &[
    "rtcp.pt",
    "rtcp.senderssrc",
    "rtcp.timestamp.ntp.msw",
    "rtcp.timestamp.ntp.lsw",
    "rtcp.timestamp.rtp",
    "rtcp.sender.packetcount",
    "rtcp.sender.octetcount",
    "rtcp.ssrc.identifier",
    "rtcp.ssrc.fraction",
    "rtcp.ssrc.cum_nr",
    "rtcp.ssrc.ext_high",
    "rtcp.ssrc.jitter",
    "rtcp.ssrc.lsr",
    "rtcp.ssrc.dlsr",
    "rtcp.sdes.type",
    "rtcp.sdes.text",
    "rtcp.length_check",
    "rtcp.roundtrip-delay",
    "_ws.malformed",
    "_ws.expert.severity",
];

/// tshark's decode of each frame: for each field, its values in order. Datagrams go to
/// [`RTCP_PORT`] a second apart.
fn decode(payloads: &[Vec<u8>]) -> Vec<Vec<Vec<String>>> {
    let datagrams: Vec<Datagram> = payloads
        .iter()
        .enumerate()
        .map(|(i, p)| Datagram {
            at_micros: (i as u64 + 1) * 1_000_000,
            from_port: RTCP_PORT - 2,
            to_port: RTCP_PORT,
            payload: p.clone(),
        })
        .collect();
    decode_datagrams(&datagrams, &[])
}

fn decode_datagrams(datagrams: &[Datagram], options: &[&str]) -> Vec<Vec<Vec<String>>> {
    let dir = scratch_dir("rtcp-interop");
    let pcap = dir.join("rtcp.pcap");
    write_pcap(&pcap, datagrams);
    let decode_as = format!("udp.port=={RTCP_PORT},rtcp");
    let mut args = vec![
        "-r",
        pcap.to_str().expect("utf-8 path"),
        "-d",
        &decode_as,
        "-T",
        "fields",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=|",
        "-E",
        "separator=/t",
    ];
    for o in options {
        args.push("-o");
        args.push(o);
    }
    for f in FIELDS {
        args.push("-e");
        args.push(f);
    }
    let out = run("tshark", &args, &[], "tshark");
    let text = String::from_utf8(out).expect("tshark prints UTF-8");
    text.lines()
        .map(|line| {
            line.split('\t')
                .map(|field| {
                    if field.is_empty() {
                        Vec::new()
                    } else {
                        field.split('|').map(str::to_owned).collect()
                    }
                })
                .collect()
        })
        .collect()
}

fn field<'a>(frame: &'a [Vec<String>], name: &str) -> &'a [String] {
    let i = FIELDS.iter().position(|f| *f == name).expect("known field");
    frame.get(i).map_or(&[], Vec::as_slice)
}

/// A numeric field's values; tshark prints SSRCs in hex and counts in decimal.
fn numbers(frame: &[Vec<String>], name: &str) -> Vec<i64> {
    field(frame, name)
        .iter()
        .map(|v| match v.strip_prefix("0x") {
            Some(hex) => i64::from_str_radix(hex, 16),
            None => v.parse(),
        })
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{name}: {:?}: {e}", field(frame, name)))
}

fn ints<T: Into<i64>>(values: impl IntoIterator<Item = T>) -> Vec<i64> {
    values.into_iter().map(Into::into).collect()
}

fn write(report: &CompoundReport<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; 2048];
    let n = report.write(&mut buf).expect("report fits");
    buf.truncate(n);
    buf
}

#[test]
fn tshark_decodes_our_compounds_field_by_field() {
    let blocks = [
        ReportBlock {
            ssrc: 0x0A0B_0C0D,
            fraction_lost: 25,
            cumulative_lost: 1234,
            extended_highest_sequence: 0x0002_FFF0,
            jitter: 87,
            last_sr: 0xB705_2000,
            delay_since_last_sr: 0x0005_4000,
        },
        ReportBlock {
            ssrc: 0x0102_0304,
            fraction_lost: 0,
            cumulative_lost: -5,
            extended_highest_sequence: 17,
            jitter: 0,
            last_sr: 0,
            delay_since_last_sr: 0,
        },
    ];
    let info = SenderInfo {
        ntp: NtpTime::from_bits(0xE8D4_A510_8000_0000),
        rtp_timestamp: 0xDEAD_BEEF,
        packet_count: 1500,
        octet_count: 240_000,
    };
    let sr = CompoundReport {
        ssrc: 0x1122_3344,
        sender: Some(info),
        blocks: &blocks,
        cname: "alice@192.0.2.1",
        bye: Some("call ended"),
    };
    let rr = CompoundReport {
        ssrc: 0x5566_7788,
        sender: None,
        blocks: &blocks[1..],
        cname: "bob",
        bye: None,
    };
    let many: Vec<ReportBlock> = (0..40)
        .map(|i| ReportBlock {
            ssrc: 1000 + i,
            jitter: i,
            ..ReportBlock::default()
        })
        .collect();
    let big = CompoundReport {
        ssrc: 9,
        sender: None,
        blocks: &many,
        cname: "mixer",
        bye: None,
    };
    let frames = decode(&[write(&sr), write(&rr), write(&big)]);
    assert_eq!(frames.len(), 3, "{frames:?}");
    for frame in &frames {
        assert!(field(frame, "_ws.malformed").is_empty(), "{frame:?}");
        assert!(field(frame, "_ws.expert.severity").is_empty(), "{frame:?}");
        assert_eq!(field(frame, "rtcp.length_check"), ["1"], "{frame:?}");
    }

    // Report block SSRCs, then the SDES chunk's, then the BYE's, all in one field.
    let f = &frames[0];
    assert_eq!(numbers(f, "rtcp.pt"), [200, 202, 203]);
    assert_eq!(numbers(f, "rtcp.senderssrc"), [0x1122_3344]);
    assert_eq!(numbers(f, "rtcp.timestamp.ntp.msw"), [0xE8D4_A510]);
    assert_eq!(numbers(f, "rtcp.timestamp.ntp.lsw"), [0x8000_0000]);
    assert_eq!(numbers(f, "rtcp.timestamp.rtp"), [0xDEAD_BEEF]);
    assert_eq!(numbers(f, "rtcp.sender.packetcount"), [1500]);
    assert_eq!(numbers(f, "rtcp.sender.octetcount"), [240_000]);
    assert_eq!(
        numbers(f, "rtcp.ssrc.identifier"),
        [0x0A0B_0C0D, 0x0102_0304, 0x1122_3344, 0x1122_3344]
    );
    assert_eq!(numbers(f, "rtcp.ssrc.fraction"), [25, 0]);
    assert_eq!(numbers(f, "rtcp.ssrc.cum_nr"), [1234, -5]);
    assert_eq!(numbers(f, "rtcp.ssrc.ext_high"), [0x0002_FFF0, 17]);
    assert_eq!(numbers(f, "rtcp.ssrc.jitter"), [87, 0]);
    assert_eq!(numbers(f, "rtcp.ssrc.lsr"), [0xB705_2000, 0]);
    assert_eq!(numbers(f, "rtcp.ssrc.dlsr"), [0x0005_4000, 0]);
    // CNAME then END in the SDES; the BYE reason is shown as a text too.
    assert_eq!(numbers(f, "rtcp.sdes.type"), [1, 0]);
    assert_eq!(
        field(f, "rtcp.sdes.text"),
        ["alice@192.0.2.1", "call ended"]
    );

    let f = &frames[1];
    assert_eq!(numbers(f, "rtcp.pt"), [201, 202]);
    assert_eq!(numbers(f, "rtcp.senderssrc"), [0x5566_7788]);
    assert_eq!(numbers(f, "rtcp.ssrc.cum_nr"), [-5]);
    assert_eq!(field(f, "rtcp.sdes.text"), ["bob"]);

    // 40 blocks: 31 in the first RR, 9 in the second, both from SSRC 9.
    let f = &frames[2];
    assert_eq!(numbers(f, "rtcp.pt"), [201, 201, 202]);
    assert_eq!(numbers(f, "rtcp.senderssrc"), [9, 9]);
    let mut ssrcs = ints(many.iter().map(|b| b.ssrc));
    ssrcs.push(9);
    assert_eq!(numbers(f, "rtcp.ssrc.identifier"), ssrcs);
    assert_eq!(
        numbers(f, "rtcp.ssrc.jitter"),
        ints(many.iter().map(|b| b.jitter))
    );
}

#[test]
fn tshark_and_we_agree_on_the_round_trip_from_lsr_and_dlsr() {
    // We (port 5005) send an SR at 10.0 s; it reaches the peer (port 5007) 40 ms later; the
    // peer's RR leaves 750 ms after that and reaches us 60 ms later. tshark pairs the RR's LSR
    // with the captured SR and subtracts DLSR from the time between the two captures. (750 ms
    // is exact in DLSR's 1/65536 s units; tshark truncates DLSR to whole milliseconds.)
    const EPOCH_SECS: u64 = 1_763_700_000;
    let origin = NtpTime::from_unix(Duration::from_secs(EPOCH_SECS));
    let sent = Instant::from_millis(10_000);
    let info = SenderInfo {
        ntp: NtpTime::at(origin, sent),
        rtp_timestamp: 80_000,
        packet_count: 500,
        octet_count: 80_000,
    };
    let sr = CompoundReport {
        ssrc: 0xA,
        sender: Some(info),
        blocks: &[],
        cname: "us",
        bye: None,
    };
    let mut peer = ReceiveStats::new(0xA, 8000);
    let peer_now = Instant::from_millis(555_000); // the peer's clock has its own origin
    peer.handle_sender_report(peer_now, info.ntp);
    let block = peer.report_block(peer_now + Duration::from_millis(750));
    assert_eq!(block.delay_since_last_sr, 3 * 65_536 / 4);
    let rr = CompoundReport {
        ssrc: 0xB,
        sender: None,
        blocks: &[block],
        cname: "peer",
        bye: None,
    };
    let arrival = sent + Duration::from_millis(40 + 750 + 60);
    let ours = round_trip_time(&block, NtpTime::at(origin, arrival)).expect("LSR is set");

    let capture = |at: Instant| EPOCH_SECS * 1_000_000 + at.as_micros();
    let frames = decode_datagrams(
        &[
            Datagram {
                at_micros: capture(sent),
                from_port: RTCP_PORT - 2,
                to_port: RTCP_PORT,
                payload: write(&sr),
            },
            Datagram {
                at_micros: capture(arrival),
                from_port: RTCP_PORT,
                to_port: RTCP_PORT - 2,
                payload: write(&rr),
            },
        ],
        &["rtcp.show_roundtrip_calculation:TRUE"],
    );
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert_eq!(
        numbers(&frames[1], "rtcp.ssrc.lsr"),
        [i64::from(info.ntp.middle32())]
    );
    let theirs = numbers(&frames[1], "rtcp.roundtrip-delay");
    assert_eq!(theirs, [100], "tshark's round trip in ms: {frames:?}");
    assert!(
        (ours.as_secs_f64() * 1000.0 - 100.0).abs() < 0.05,
        "ours {ours:?}"
    );
}
