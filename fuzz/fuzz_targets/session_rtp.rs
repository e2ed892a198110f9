//! The input as a script of datagrams, clock steps and calls on a session, with a second
//! session as its peer: whatever arrives and whenever it is called, the session returns
//! errors for bad input and never panics; a rejected datagram changes nothing but the
//! count of rejections.
//!
//! The first byte configures both sessions: the low two bits the codec (PCMU, PCMA, G.722,
//! Opus), bit 2 turns our RTCP off, bit 3 sets a 1 s RTP timeout, bit 4 a 1 s quality
//! interval, the top bits the seed. Then each operation starts with one byte: the low
//! three bits choose it, the others are its flags. Its arguments follow; a script that ends
//! mid-operation stops there.
//!
//! - 0: an RTP datagram from the script (length byte, bytes).
//! - 1: an RTCP datagram from the script (length byte, bytes).
//! - 2: the peer captures a frame; its RTP packets reach us, with flag 8 one byte of each
//!   changed (position byte, xor byte).
//! - 3: the peer's RTCP compound, if one is due, reaches us, altered as for 2; with flag 16
//!   the peer closes first.
//! - 4: a playout pull.
//! - 5: the clock steps 0 to 655 ms, or with flag 8 up to 19 hours.
//! - 6: `handle_timeout`, then events, RTCP and RTP drained; what we send reaches the peer.
//! - 7: we capture 0 to 2550 samples (length byte); with flag 8 we close instead, with
//!   flag 16 too with a reason from the script (length byte, bytes).
#![no_main]

use core::time::Duration;

use libfuzzer_sys::fuzz_target;

#[path = "common/script.rs"]
mod script;
use script::Script;
use mediacore::{AudioFrame, Codec, Instant, MediaSession, SessionConfig};

/// Compounds or packets drained per call: more than any call can have queued.
const MAX_DRAIN: usize = 64;

/// Reads the script.
trait ScriptExt {
    fn datagram(&mut self) -> Option<Vec<u8>>;
    fn alter(&mut self, flag: bool, datagram: &mut [u8]) -> Option<()>;
}

impl ScriptExt for Script<'_> {
    fn datagram(&mut self) -> Option<Vec<u8>> {
        let len = usize::from(self.byte()?).min(self.0.len());
        self.bytes(len).map(<[u8]>::to_vec)
    }

    /// With `flag`, a position and an xor byte applied to `datagram`.
    fn alter(&mut self, flag: bool, datagram: &mut [u8]) -> Option<()> {
        if flag {
            let at = usize::from(self.byte()?);
            let xor = self.byte()?;
            if let Some(b) = datagram.get_mut(at % datagram.len().max(1)) {
                *b ^= xor;
            }
        }
        Some(())
    }
}

/// Audio from a counter: a sawtooth, so that the encoders see something other than silence.
fn capture(rate: u32, samples: usize, counter: &mut u16) -> AudioFrame {
    let samples = (0..samples)
        .map(|_| {
            *counter = counter.wrapping_add(997);
            *counter as i16 / 4
        })
        .collect();
    AudioFrame::new(samples, rate, 1).expect("mono frame")
}

/// An RTP datagram into `session`: when rejected, only the rejection is counted.
fn rtp_in(session: &mut MediaSession, now: Instant, datagram: &[u8]) {
    let stats = session.stats();
    let rtcp = session.rtcp_stats();
    let timeout = session.poll_timeout();
    if session.handle_rtp(now, datagram).is_err() {
        let mut after = session.stats();
        assert_eq!(after.packets_rejected, stats.packets_rejected + 1);
        after.packets_rejected = stats.packets_rejected;
        assert_eq!(after, stats, "a rejected RTP datagram changed the stats");
        assert_eq!(session.rtcp_stats(), rtcp);
        assert_eq!(session.poll_timeout(), timeout);
    }
}

/// An RTCP datagram into `session`: when rejected, only the rejection is counted.
fn rtcp_in(session: &mut MediaSession, now: Instant, datagram: &[u8]) {
    let before = session.rtcp_stats();
    let timeout = session.poll_timeout();
    if session.handle_rtcp(now, datagram).is_err() {
        let mut after = session.rtcp_stats();
        assert_eq!(after.rtcp_rejected, before.rtcp_rejected + 1);
        after.rtcp_rejected = before.rtcp_rejected;
        assert_eq!(after, before, "a rejected RTCP datagram changed the stats");
        assert_eq!(session.poll_timeout(), timeout);
    }
}

fn run(data: &[u8]) -> Option<()> {
    let mut script = Script(data);
    let setup = script.byte()?;
    let codec = [Codec::Pcmu, Codec::Pcma, Codec::G722, Codec::Opus][usize::from(setup & 3)];
    let mut config = SessionConfig::new(codec);
    // Opus has no static payload type (RFC 7587 §7).
    config.payload_type = codec.static_payload_type().or(Some(111));
    config.seed = u64::from(setup >> 5);
    let mut peer_config = config.clone();
    peer_config.seed += 100;
    if setup & 4 != 0 {
        config.rtcp = None;
    }
    if setup & 8 != 0 {
        config.rtp_timeout = Some(Duration::from_secs(1));
    }
    if setup & 16 != 0 {
        config.quality_interval = Some(Duration::from_secs(1));
    }
    let mut session = MediaSession::new(config).expect("session");
    let mut peer = MediaSession::new(peer_config).expect("peer session");
    let rate = session.sample_rate();
    let frame_samples = session.frame_samples();
    let mut now = 0u64;
    let mut counter = 0u16;
    let mut wire = Vec::new();
    loop {
        let op = script.byte()?;
        let at = Instant::from_micros(now);
        match op & 7 {
            0 => {
                let d = script.datagram()?;
                rtp_in(&mut session, at, &d);
            }
            1 => {
                let d = script.datagram()?;
                rtcp_in(&mut session, at, &d);
            }
            2 => {
                let frame = capture(rate, frame_samples, &mut counter);
                peer.push_capture(at, &frame)
                    .expect("a frame at the session's rate");
                for _ in 0..MAX_DRAIN {
                    let Some(d) = peer.poll_transmit(at) else {
                        break;
                    };
                    wire.push(d.to_vec());
                }
                for mut d in wire.drain(..) {
                    script.alter(op & 8 != 0, &mut d)?;
                    rtp_in(&mut session, at, &d);
                }
            }
            3 => {
                if op & 16 != 0 {
                    peer.close(at);
                }
                peer.handle_timeout(at);
                if let Some(d) = peer.poll_rtcp(at) {
                    let mut d = d.to_vec();
                    script.alter(op & 8 != 0, &mut d)?;
                    rtcp_in(&mut session, at, &d);
                }
            }
            4 => {
                let frame = session.pull_playout(at);
                assert_eq!(frame.samples().len(), frame_samples);
            }
            5 => {
                let step = u64::from(script.u16()?);
                now += if op & 8 != 0 { step << 20 } else { step * 10 };
            }
            6 => {
                session.handle_timeout(at);
                for _ in 0..MAX_DRAIN {
                    if session.poll_event().is_none() {
                        break;
                    }
                }
                for _ in 0..MAX_DRAIN {
                    let Some(d) = session.poll_rtcp(at) else {
                        break;
                    };
                    let d = d.to_vec();
                    let _ = peer.handle_rtcp(at, &d);
                }
                for _ in 0..MAX_DRAIN {
                    let Some(d) = session.poll_transmit(at) else {
                        break;
                    };
                    let d = d.to_vec();
                    let _ = peer.handle_rtp(at, &d);
                }
                while peer.poll_event().is_some() {}
            }
            _ => {
                if op & 16 != 0 {
                    let reason = script.datagram()?;
                    let reason = String::from_utf8_lossy(&reason);
                    let _ = session.close_with_reason(at, &reason);
                } else if op & 8 != 0 {
                    session.close(at);
                } else {
                    let len = usize::from(script.byte()?) * 10;
                    let frame = capture(rate, len, &mut counter);
                    session
                        .push_capture(at, &frame)
                        .expect("a frame at the session's rate");
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
