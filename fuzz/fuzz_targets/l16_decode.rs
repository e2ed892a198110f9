//! Any payload through the L16 decoder at every rate and layout the first byte picks: whole
//! frames decode to the big-endian samples and encode back to the same bytes, anything else
//! is a typed error, and nothing panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediacore::{Codec, CodecError, Error, RtpError, new_decoder, new_encoder};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    let rates = Codec::L16.sample_rates();
    let rate = rates[usize::from(selector) % rates.len()];
    let channels = 1 + u16::from(selector >> 7);
    let unit = 2 * usize::from(channels);
    let mut decoder = new_decoder(Codec::L16, rate, channels).expect("L16 decoder");
    let mut pcm = vec![0i16; decoder.max_decoded_len(payload.len())];
    match decoder.decode(payload, &mut pcm) {
        Ok(n) => {
            assert_eq!(payload.len() % unit, 0);
            assert_eq!(n, payload.len() / 2);
            for (s, b) in pcm.iter().zip(payload.chunks_exact(2)) {
                assert_eq!(*s, i16::from_be_bytes([b[0], b[1]]));
            }
            let mut encoder = new_encoder(Codec::L16, rate, channels).expect("L16 encoder");
            let mut back = vec![0u8; encoder.max_payload_len(n)];
            assert_eq!(
                encoder.encode(&pcm[..n], &mut back).expect("encode"),
                payload.len()
            );
            assert_eq!(back, payload);
            // One sample short of room is an error, not a partial write.
            if n > 0 {
                assert_eq!(
                    decoder.decode(payload, &mut pcm[..n - 1]),
                    Err(Error::Codec(CodecError::OutputTooSmall {
                        needed: n,
                        capacity: n - 1
                    }))
                );
            }
        }
        Err(e) => assert_eq!(
            e,
            Error::Rtp(RtpError::PayloadNotAligned {
                len: payload.len(),
                unit
            })
        ),
    }
});
