//! Any payload through the G.722 decoder in all three modes, whole and split in two, and the
//! same bytes read as PCM through the encoder: two samples per octet, one octet per pair,
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediacore::codec::g722::{G722Decoder, G722Encoder, Mode};
use mediacore::{Decoder, Encoder};

fuzz_target!(|data: &[u8]| {
    let mut whole = vec![0i16; 2 * data.len()];
    let mut split = vec![0i16; 2 * data.len()];
    let middle = data.first().map_or(0, |&b| usize::from(b)).min(data.len());
    for mode in [Mode::Kbit64, Mode::Kbit56, Mode::Kbit48] {
        let n = G722Decoder::new(mode)
            .decode(data, &mut whole)
            .expect("room for 2 per octet");
        assert_eq!(n, 2 * data.len());
        let mut decoder = G722Decoder::new(mode);
        let first = decoder
            .decode(&data[..middle], &mut split)
            .expect("first part");
        let second = decoder
            .decode(&data[middle..], &mut split[first..])
            .expect("second part");
        assert_eq!(first + second, n);
        assert_eq!(split, whole, "decoding in two calls equals one call");
    }

    let pcm: Vec<i16> = data
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    let mut octets = vec![0u8; pcm.len() / 2];
    let mut encoder = G722Encoder::new();
    match encoder.encode(&pcm, &mut octets) {
        Ok(n) => assert_eq!(n, pcm.len() / 2),
        Err(_) => assert!(pcm.len() % 2 == 1),
    }
});
