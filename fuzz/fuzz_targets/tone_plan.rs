//! Any text: the tone-plan parser never panics; a plan that parses prints as text that
//! parses back to the same plan, and plays at 8 kHz (a second of it) without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediacore::tones::{ToneGenerator, TonePlan};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(plan) = TonePlan::named_or_parse(text) else {
        return;
    };
    let again = TonePlan::parse(&plan.to_string()).expect("a printed plan parses");
    assert_eq!(again, plan);
    if let Ok(mut generator) = ToneGenerator::new(plan, 8000) {
        let mut pcm = [0i16; 8000];
        generator.fill(&mut pcm);
    }
});
