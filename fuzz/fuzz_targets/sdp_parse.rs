//! Any text: parsing the audio section never panics; what parses renders and parses back to
//! the same description, and answering it gives an answer that also parses back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediacore::sdp::{
    AudioDescription, CodecCapability, EventSet, LocalMedia, accept_answer, answer_offer,
    passthrough,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(offer) = AudioDescription::parse(text) else {
        return;
    };
    let again = AudioDescription::parse(&offer.to_sdp(1, 1)).expect("rendered SDP parses");
    assert_eq!(again, offer);

    let ours = [
        CodecCapability::opus(),
        CodecCapability::g722(),
        CodecCapability::pcmu(),
        CodecCapability::telephone_event(8000, EventSet::DTMF).expect("valid capability"),
        CodecCapability::cn(),
    ];
    let Ok(answer) = answer_offer(&ours, &offer, &LocalMedia::new(4000, None)) else {
        return;
    };
    let parsed = AudioDescription::parse(&answer.description.to_media_section())
        .expect("rendered answer parses");
    assert_eq!(parsed, answer.description);
    if let Ok(n) = accept_answer(&offer, &answer.description) {
        let _ = passthrough(&n.payloads, &answer.negotiation.payloads);
    }
});
