//! Any datagram: parsing never panics, and what parses re-serialises to the same fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediacore::rtp::{RtpHeader, RtpPacket};

fuzz_target!(|data: &[u8]| {
    let Ok(packet) = RtpPacket::parse(data) else {
        return;
    };
    let csrcs: Vec<u32> = packet.csrcs().collect();
    let header = RtpHeader {
        marker: packet.marker(),
        payload_type: packet.payload_type(),
        sequence_number: packet.sequence_number(),
        timestamp: packet.timestamp(),
        ssrc: packet.ssrc(),
        csrcs: &csrcs,
        extension: packet.extension(),
        padding: packet.padding().unwrap_or(0),
    };
    let mut out = vec![0u8; header.packet_len(packet.payload().len())];
    // Extensions from the wire are always whole words, so writing must succeed.
    let n = header.write(packet.payload(), &mut out).expect("re-serialise");
    let again = RtpPacket::parse(&out[..n]).expect("re-parse");
    assert_eq!(again.payload(), packet.payload());
    assert_eq!(again.sequence_number(), packet.sequence_number());
    assert_eq!(again.csrcs().collect::<Vec<_>>(), csrcs);
});
