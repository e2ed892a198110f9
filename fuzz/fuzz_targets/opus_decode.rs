//! Any bytes as a sequence of Opus packets through one decoder, with losses concealed and
//! rebuilt by FEC along the way: a packet decodes to what its TOC says or is an error,
//! concealment always works, and nothing panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediacore::Decoder;
use mediacore::codec::opus::{DECODER_RATES, OpusDecoder, packet_samples};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, mut rest)) = data.split_first() else {
        return;
    };
    let rate = DECODER_RATES[usize::from(selector % 8) % DECODER_RATES.len()];
    let channels = 1 + u16::from(selector >> 7);
    let mut decoder = OpusDecoder::new(rate, channels).expect("a decoder rate");
    let mut out = vec![0i16; decoder.max_decoded_len(1)];

    // Packets of up to 4 * 255 bytes, each after a length byte.
    let mut packets = Vec::new();
    while let Some((&len, tail)) = rest.split_first() {
        let len = (4 * usize::from(len)).min(tail.len());
        packets.push(&tail[..len]);
        rest = &tail[len..];
    }

    let frame = rate as usize / 50;
    for (i, packet) in packets.iter().enumerate() {
        if let Ok(n) = decoder.decode(packet, &mut out) {
            let expected = packet_samples(packet, rate).expect("a decoded packet has a duration");
            assert_eq!(n, expected * usize::from(channels));
        }
        match (selector >> 3) % 4 {
            0 => {
                let n = decoder.conceal(frame / 2, &mut out).expect("10 ms always conceals");
                assert_eq!(n, frame / 2 * usize::from(channels));
            }
            1 => {
                let next = packets.get(i + 1).copied().unwrap_or(&[]);
                if let Ok(n) = decoder.decode_fec(next, frame, &mut out) {
                    assert_eq!(n, frame * usize::from(channels));
                }
            }
            _ => {}
        }
    }
});
