//! Any payload through both G.711 decoders, mono and stereo: errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediacore::{Codec, new_decoder};

fuzz_target!(|data: &[u8]| {
    let mut out = vec![0i16; data.len()];
    for codec in [Codec::Pcmu, Codec::Pcma] {
        for channels in [1, 2] {
            let mut decoder = new_decoder(codec, 8000, channels).expect("G.711 decoder");
            match decoder.decode(data, &mut out) {
                Ok(n) => assert_eq!(n, data.len()),
                Err(_) => assert!(channels == 2 && data.len() % 2 == 1),
            }
        }
    }
});
