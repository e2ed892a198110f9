//! Any datagram as a compound RTCP packet: parsing never panics; what parses starts with an
//! SR or RR, and its report (blocks, sender information, CNAME) written back parses to the
//! same fields. The same bytes as a trace of RTP arrivals keep the receive statistics within
//! the report block's ranges.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediacore::Instant;
use mediacore::rtcp::{
    CUMULATIVE_LOST_MAX, CUMULATIVE_LOST_MIN, CompoundReport, ReceiveStats, RtcpCompound,
    RtcpPacket,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(compound) = RtcpCompound::parse(data) {
        let (ssrc, sender, blocks) = match &compound.packets[0] {
            RtcpPacket::SenderReport { ssrc, info, blocks } => (*ssrc, Some(*info), blocks),
            RtcpPacket::ReceiverReport { ssrc, blocks } => (*ssrc, None, blocks),
            other => panic!("compound starts with {other:?}"),
        };
        assert!(blocks.len() <= 31);
        let cname = compound.packets.iter().find_map(|p| match p {
            RtcpPacket::SourceDescription(chunks) => chunks.first().and_then(|c| c.1.clone()),
            _ => None,
        });
        let cname = cname.filter(|c| c.len() <= 255).unwrap_or_default();
        let report = CompoundReport {
            ssrc,
            sender,
            blocks,
            cname: &cname,
            bye: None,
        };
        let mut out = vec![0u8; 2048];
        let n = report.write(&mut out).expect("a parsed report fits in 2048 bytes");
        let again = RtcpCompound::parse(&out[..n]).expect("a written report parses");
        assert_eq!(again.packets[0], compound.packets[0]);
        assert_eq!(
            again.packets[1],
            RtcpPacket::SourceDescription(vec![(ssrc, Some(cname))])
        );
    }

    // Four bytes per packet: sequence number, then arrival jitter in ms and a timestamp step.
    let mut stats = ReceiveStats::new(1, 8000);
    let mut now = 0u64;
    let mut ts = 0u32;
    for (i, c) in data.chunks_exact(4).enumerate() {
        let seq = u16::from_be_bytes([c[0], c[1]]);
        now += 20_000 + u64::from(c[2]) * 1000;
        ts = ts.wrapping_add(160 * u32::from(c[3] % 4));
        let _ = stats.handle_rtp(Instant::from_micros(now), seq, ts);
        if i % 8 == 7 {
            let b = stats.report_block(Instant::from_micros(now));
            assert!((CUMULATIVE_LOST_MIN..=CUMULATIVE_LOST_MAX).contains(&b.cumulative_lost));
            assert_eq!(b.extended_highest_sequence, stats.extended_highest_sequence());
        }
    }
});
