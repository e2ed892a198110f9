//! The input as a script of inserts, pulls and clock steps on two jitter buffers, PCMU at
//! 8 kHz and Opus at 48 kHz: whatever the packets and timing, the buffers never panic and
//! stay within their bounds (packets stored, samples queued).
//!
//! Each operation starts with one byte: the low three bits choose it, the top bit the
//! buffer. Its arguments follow; a script that ends mid-operation stops there.
//!
//! - 0, 1, 2: an audio packet: sequence step (i8), timestamp step (i16, or one frame, or a
//!   32-bit jump), payload length, flags (marker, new SSRC, payload from the script,
//!   oversized).
//! - 3: a comfort-noise packet with the script's bytes as its payload.
//! - 4, 5: a pull of 0 to 510 ms.
//! - 6: the clock steps 0 to 655 ms, or up to 19 hours.
//! - 7: the last datagram again (a duplicate), or a reset.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common/script.rs"]
mod script;
use script::Script;
use mediacore::jitter::{JitterBuffer, JitterConfig, PacketKind};
use mediacore::rtp::{RtpHeader, RtpPacket};
use mediacore::{Codec, Instant, new_decoder};

/// One stream: its buffer, the sender's state and the last datagram sent.
struct Stream {
    jb: JitterBuffer,
    /// Samples per millisecond, and timestamp units per 20 ms frame.
    per_ms: usize,
    frame_ticks: u32,
    /// The bound `samples_queued` must stay within: the buffer's queue, three packets of
    /// 120 ms and two 15 ms pitch periods.
    max_queued: usize,
    seq: u16,
    ts: u32,
    ssrc: u32,
    last: Vec<u8>,
    last_kind: PacketKind,
}

impl Stream {
    fn new(codec: Codec, rate: u32) -> Self {
        let decoder = new_decoder(codec, rate, 1).expect("decoder");
        let per_ms = rate as usize / 1000;
        Stream {
            jb: JitterBuffer::new(JitterConfig::default(), decoder).expect("buffer"),
            per_ms,
            frame_ticks: codec.rtp_clock_rate(rate) / 50,
            max_queued: 3 * 120 * per_ms + 2 * 15 * per_ms,
            seq: 0,
            ts: 0,
            ssrc: 1,
            last: Vec::new(),
            last_kind: PacketKind::Audio,
        }
    }

    fn send(&mut self, now: Instant, datagram: Vec<u8>, kind: PacketKind) {
        if let Ok(packet) = RtpPacket::parse(&datagram) {
            let _ = self.jb.insert(now, &packet, kind);
        }
        self.last = datagram;
        self.last_kind = kind;
        self.check();
    }

    fn check(&self) {
        assert!(self.jb.packets_stored() <= self.jb.config().capacity);
        assert!(
            self.jb.samples_queued() <= self.max_queued,
            "{} samples queued",
            self.jb.samples_queued()
        );
    }
}

/// Reads the script.
fn datagram(header: &RtpHeader<'_>, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; header.packet_len(payload.len())];
    let n = header
        .write(payload, &mut out)
        .expect("room for the datagram");
    out.truncate(n);
    out
}

fn run(data: &[u8]) -> Option<()> {
    let mut streams = [
        Stream::new(Codec::Pcmu, 8000),
        Stream::new(Codec::Opus, 48_000),
    ];
    let mut script = Script(data);
    let mut now = 0u64;
    let mut out = vec![0i16; 48 * 510];
    let mut counter = 0u8;
    loop {
        let op = script.byte()?;
        let s = &mut streams[usize::from(op >> 7)];
        match op & 7 {
            0..=2 => {
                let seq_step = script.byte()? as i8;
                let ts_step = script.u16()? as i16;
                let len = usize::from(script.byte()?);
                let flags = script.byte()?;
                s.seq = s.seq.wrapping_add(seq_step as u16);
                s.ts = match flags >> 5 {
                    0..=3 => s.ts.wrapping_add(s.frame_ticks),
                    4..=6 => s.ts.wrapping_add(i32::from(ts_step) as u32),
                    _ => s.ts.wrapping_add(u32::from(ts_step as u16) << 16),
                };
                if flags & 2 != 0 {
                    s.ssrc = s.ssrc.wrapping_add(1);
                }
                let len = if flags & 8 != 0 { len * 16 } else { len };
                let payload = if flags & 4 != 0 {
                    script.bytes(len.min(script.0.len()))?.to_vec()
                } else {
                    counter = counter.wrapping_add(1);
                    vec![counter; len]
                };
                let header = RtpHeader {
                    marker: flags & 1 != 0,
                    sequence_number: s.seq,
                    timestamp: s.ts,
                    ssrc: s.ssrc,
                    ..RtpHeader::default()
                };
                let d = datagram(&header, &payload);
                s.send(Instant::from_micros(now), d, PacketKind::Audio);
            }
            3 => {
                let len = usize::from(script.byte()? & 31);
                let payload = script.bytes(len.min(script.0.len()))?.to_vec();
                s.seq = s.seq.wrapping_add(1);
                s.ts = s.ts.wrapping_add(s.frame_ticks);
                let header = RtpHeader {
                    payload_type: 13,
                    sequence_number: s.seq,
                    timestamp: s.ts,
                    ssrc: s.ssrc,
                    ..RtpHeader::default()
                };
                let d = datagram(&header, &payload);
                s.send(Instant::from_micros(now), d, PacketKind::ComfortNoise);
            }
            4 | 5 => {
                let ms = usize::from(script.byte()?) * 2;
                let out = &mut out[..ms * s.per_ms];
                s.jb.pull(Instant::from_micros(now), out);
                s.check();
            }
            6 => {
                let step = u64::from(script.u16()?);
                now += if op & 8 != 0 { step << 20 } else { step * 10 };
            }
            _ => {
                if op & 8 != 0 {
                    s.jb.reset();
                    assert_eq!(s.jb.samples_queued(), 0);
                    assert_eq!(s.jb.packets_stored(), 0);
                } else {
                    let d = core::mem::take(&mut s.last);
                    let kind = s.last_kind;
                    s.send(Instant::from_micros(now), d, kind);
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
