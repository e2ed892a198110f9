//! The input as a payload to parse and a script of telephone-event packets and clock steps
//! for two receivers (8 kHz and 48 kHz): whatever arrives, nothing panics, no (SSRC,
//! timestamp) is reported started again while among the last 64 started (the receiver's
//! documented memory; arbitrary 32-bit jumps can bring a timestamp back after that), and
//! every end closes the one open start of its key.
//!
//! The first byte is a payload length; that many bytes are parsed (and written back, which
//! must reproduce them except for the reserved bit). Then each operation starts with one
//! byte: the low two bits choose it, the top bit the receiver.
//!
//! - 0, 1: a packet: SSRC (low 2 bits of a byte), timestamp step (i16, or a 32-bit jump),
//!   marker, then a 4-byte block, or a payload of up to 15 bytes from the script.
//! - 2: the clock steps 0 to 65 ms, or up to 19 hours, then `handle_timeout`.
//! - 3: the last packet again (a duplicate), or `reset`.
#![no_main]

use std::collections::{HashSet, VecDeque};

use libfuzzer_sys::fuzz_target;

#[path = "common/script.rs"]
mod script;
use script::Script;
use mediacore::Instant;
use mediacore::dtmf::{DtmfEvent, ReceiverConfig, TelephoneEvent, TelephoneEventReceiver};

struct Rx {
    rx: TelephoneEventReceiver,
    ts: u32,
    last: Option<(u32, u32, bool, Vec<u8>)>,
    /// The last 64 keys started, newest last.
    recent: VecDeque<(u32, u32)>,
    /// Keys started and not yet ended.
    open: HashSet<(u32, u32)>,
}

impl Rx {
    fn new(rate: u32) -> Self {
        Rx {
            rx: TelephoneEventReceiver::new(ReceiverConfig::new(rate)).expect("receiver"),
            ts: 0,
            last: None,
            recent: VecDeque::new(),
            open: HashSet::new(),
        }
    }

    fn check(&mut self) {
        while let Some(e) = self.rx.poll_event() {
            match e {
                DtmfEvent::DigitStarted {
                    ssrc, timestamp, ..
                } => {
                    let key = (ssrc, timestamp);
                    assert!(!self.recent.contains(&key), "started twice: {e:?}");
                    assert!(self.open.insert(key), "started while open: {e:?}");
                    if self.recent.len() == 64 {
                        self.recent.pop_front();
                    }
                    self.recent.push_back(key);
                }
                DtmfEvent::DigitEnded {
                    ssrc, timestamp, ..
                } => {
                    assert!(self.open.remove(&(ssrc, timestamp)), "not open: {e:?}");
                }
            }
        }
    }
}

fn run(data: &[u8]) -> Option<()> {
    let mut script = Script(data);
    let len = usize::from(script.byte()? & 15);
    let payload = script.bytes(len)?;
    if let Ok(event) = TelephoneEvent::parse(payload) {
        let mut out = [0u8; 4];
        assert_eq!(event.write(&mut out).ok(), Some(4));
        assert_eq!(out[0], payload[0]);
        assert_eq!(out[1], payload[1] & 0xBF);
        assert_eq!(out[2..], payload[2..4]);
        assert_eq!(
            TelephoneEvent::blocks(payload).ok()?.count(),
            payload.len() / 4
        );
    }
    let mut rxs = [Rx::new(8000), Rx::new(48_000)];
    let mut now = 0u64;
    loop {
        let op = script.byte()?;
        let r = &mut rxs[usize::from(op >> 7)];
        match op & 3 {
            0 | 1 => {
                let flags = script.byte()?;
                let step = script.u16()?;
                let ssrc = u32::from(flags & 3);
                r.ts = if flags & 4 != 0 {
                    r.ts.wrapping_add(u32::from(step) << 16)
                } else {
                    r.ts.wrapping_add(i32::from(step as i16) as u32)
                };
                let marker = flags & 8 != 0;
                let payload = if flags & 16 != 0 {
                    let n = usize::from(flags >> 5) * 2;
                    script.bytes(n.min(script.0.len()))?.to_vec()
                } else {
                    script.bytes(4)?.to_vec()
                };
                let _ =
                    r.rx.handle_packet(Instant::from_micros(now), ssrc, 0, r.ts, marker, &payload);
                r.last = Some((ssrc, r.ts, marker, payload));
                r.check();
            }
            2 => {
                let step = u64::from(script.u16()?);
                now += if op & 8 != 0 { step << 20 } else { step };
                for r in &mut rxs {
                    r.rx.handle_timeout(Instant::from_micros(now));
                    r.check();
                    if let Some(at) = r.rx.poll_timeout() {
                        assert!(at.as_micros() > now, "a due timeout was not handled");
                    }
                }
            }
            _ => {
                if op & 8 != 0 {
                    r.rx.reset(Instant::from_micros(now));
                    r.check();
                    assert!(!r.rx.is_active());
                } else if let Some((ssrc, ts, marker, payload)) = r.last.clone() {
                    let _ = r.rx.handle_packet(
                        Instant::from_micros(now),
                        ssrc,
                        1,
                        ts,
                        marker,
                        &payload,
                    );
                    r.check();
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
