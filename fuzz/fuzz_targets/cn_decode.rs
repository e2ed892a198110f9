//! Any bytes as a sequence of comfort-noise SID payloads through one decoder, and the same
//! bytes as background audio through the encoder: every non-empty payload plays one 20 ms
//! frame, only an empty one is an error, a payload written back parses to the same SID, the
//! generator is deterministic, and what the encoder writes stays in RFC 3389's byte ranges.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediacore::codec::cn::{ComfortNoise, DEFAULT_ORDER, MAX_ORDER, MIN_LEVEL_DBOV, Sid};
use mediacore::{Codec, Decoder, Encoder, Error, RtpError};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, mut rest)) = data.split_first() else {
        return;
    };
    let rates = Codec::Cn.sample_rates();
    let rate = rates[usize::from(selector) % rates.len()];
    let seed = u64::from(selector);
    let mut decoder = ComfortNoise::new(rate, seed);
    let mut twin = ComfortNoise::new(rate, seed);
    let frame = rate as usize / 50;
    let mut out = vec![0i16; decoder.max_decoded_len(0)];
    let mut again = vec![0i16; frame];
    assert_eq!(out.len(), frame);

    // Payloads of up to 31 bytes, each after a length byte, so orders past MAX_ORDER occur.
    let mut payloads = Vec::new();
    while let Some((&len, tail)) = rest.split_first() {
        let len = usize::from(len % 32).min(tail.len());
        payloads.push(&tail[..len]);
        rest = &tail[len..];
    }

    for payload in &payloads {
        match decoder.decode(payload, &mut out) {
            Ok(n) => {
                assert_eq!(n, frame);
                let sid = Sid::parse(payload).expect("a decoded payload parses");
                assert!(sid.reflection().iter().all(|k| k.abs() < 1.0));
                assert_eq!(sid.reflection().len(), (payload.len() - 1).min(MAX_ORDER));
                let mut written = [0u8; 1 + MAX_ORDER];
                let w = sid.write(&mut written).expect("room for any SID");
                assert_eq!(Sid::parse(&written[..w]).expect("written SID parses"), sid);
            }
            Err(e) => {
                assert!(payload.is_empty());
                assert_eq!(
                    e,
                    Error::Rtp(RtpError::Truncated {
                        needed: 1,
                        actual: 0
                    })
                );
            }
        }
        let _ = twin.decode(payload, &mut again);
        assert_eq!(out, again, "same seed and payloads, same noise");
    }

    // The whole input read as 16-bit audio and analysed in frames.
    let pcm: Vec<i16> = data
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    let mut encoder = ComfortNoise::new(rate, seed);
    let mut sid = vec![0u8; encoder.max_payload_len(frame)];
    for chunk in pcm.chunks(frame) {
        let n = encoder.encode(chunk, &mut sid).expect("room for a SID");
        assert!(n >= 1 && n <= 1 + DEFAULT_ORDER);
        assert!(sid[0] <= MIN_LEVEL_DBOV);
        assert!(sid[1..n].iter().all(|&b| b <= 254), "{:?}", &sid[..n]);
        assert_eq!(decoder.decode(&sid[..n], &mut out), Ok(frame));
    }
});
