//! Any bytes as a prompt file: decoding never panics and either fails with a typed error or
//! gives a prompt in the layout asked for, no longer than the limit allows. Seeds are real
//! files (WAV, MP3, FLAC, Ogg Vorbis, Ogg Opus), so the input is the file itself and the
//! call layout comes from its length.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use mediacore::dsp::SUPPORTED_RATES;
use mediacore::playback::{DecodeLimits, Prompt};

fuzz_target!(|data: &[u8]| {
    let layouts = SUPPORTED_RATES.len() * 2;
    let pick = data.len() % layouts;
    let rate = SUPPORTED_RATES[pick / 2];
    let channels = 1 + (pick % 2) as u16;
    let limits = DecodeLimits {
        max_input_bytes: 1 << 20,
        max_duration: Duration::from_secs(5),
    };
    if let Ok(prompt) = Prompt::decode(data, None, rate, channels, &limits) {
        assert_eq!((prompt.sample_rate(), prompt.channels()), (rate, channels));
        assert!(prompt.frames() > 0, "a decoded prompt holds audio");
        // Rate conversion rounds the length up by at most one frame.
        assert!(
            prompt.frames() <= 5 * rate as usize + 1,
            "{} frames",
            prompt.frames()
        );
    }
});
