//! A stream of arbitrary datagrams into a session, with playout pulled between them: the
//! session returns errors for bad input and never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediacore::{Codec, Instant, MediaSession, SessionConfig};

fuzz_target!(|data: &[u8]| {
    let mut session = MediaSession::new(SessionConfig::new(Codec::Pcmu)).expect("session");
    let mut now = 0u64;
    // Datagrams are length-prefixed by one byte.
    let mut rest = data;
    while let Some((&len, tail)) = rest.split_first() {
        let len = usize::from(len).min(tail.len());
        let (datagram, tail) = tail.split_at(len);
        let _ = session.handle_rtp(Instant::from_micros(now), datagram);
        let frame = session.pull_playout(Instant::from_micros(now));
        assert_eq!(frame.samples().len(), session.frame_samples());
        session.handle_timeout(Instant::from_micros(now));
        while session.poll_event().is_some() {}
        now += 20_000;
        rest = tail;
    }
});
