//! Jitter buffer cost per 20 ms PCMU frame at 8 kHz (one packet inserted, 160 samples
//! pulled, the G.711 decode included), next to the plain G.711 decode of the same 160 bytes
//! measured in the same run (the ratio is what `docs/BENCHMARKS.md` reports).
//!
//! - `steady`: every packet arrives 5 ms after it was sent; after the start the buffer
//!   only decodes.
//! - `loss5_jitter`: 5% of packets lost (seeded), arrival jitter of up to 8 ms and now and
//!   then a 40 ms delay spike, so the buffer conceals and stretches as well.
//! - `decode_pcmu_160`: the reference, `Decoder::decode` of one 160-byte payload.
//!
//! Every datagram of a 30 s trace is built and parsed before timing. One iteration is one
//! 20 ms frame: the packets due by then are inserted and 160 samples pulled. When the trace
//! runs out the clock stops, a fresh buffer replaces the old one and the trace starts over,
//! so playout never ends inside a measurement. The time measured is the CPU time of the
//! measuring thread (on Linux; elsewhere elapsed time), as in the Opus bench: the machine is
//! shared, and elapsed time would mostly measure the other processes.
//!
//! `scripts/bench.sh jitter` runs this bench and prints the table of docs/BENCHMARKS.md.

#[path = "common/thread_time.rs"]
mod thread_time;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mediacore::jitter::{JitterBuffer, JitterConfig, JitterStats, PacketKind};
use mediacore::rng::SeededRng;
use mediacore::rtp::{RtpHeader, RtpPacket};
use mediacore::{Codec, Instant, new_decoder, new_encoder};
use thread_time::ThreadTime;

/// Samples per 20 ms frame at 8 kHz.
const FRAME: usize = 160;
/// Frames in a trace: 30 s.
const TRACE_FRAMES: u64 = 1500;
/// Distinct payloads the trace's packets cycle through.
const POOL: usize = 50;

/// 20 ms PCMU payloads of a speech-like signal (two tones and deterministic noise).
fn payloads() -> Vec<Vec<u8>> {
    let mut encoder = new_encoder(Codec::Pcmu, 8000, 1).expect("PCMU encoder");
    (0..POOL)
        .map(|k| {
            let pcm: Vec<i16> = (0..FRAME)
                .map(|j| {
                    let i = k * FRAME + j;
                    let t = i as f32 / 8000.0;
                    let v = (t * 2.0 * std::f32::consts::PI * 220.0).sin() * 12_000.0
                        + (t * 2.0 * std::f32::consts::PI * 1_370.0).sin() * 6_000.0
                        + ((i * 7919) % 2001) as f32
                        - 1000.0;
                    v as i16
                })
                .collect();
            let mut payload = vec![0u8; FRAME];
            encoder.encode(&pcm, &mut payload).expect("encode");
            payload
        })
        .collect()
}

/// The datagrams of a 30 s stream that the network delivers, with their arrival times in
/// µs, in arrival order. `delay_of(i)` is packet `i`'s delay after its send time, `None`
/// when it is lost.
fn trace(pool: &[Vec<u8>], mut delay_of: impl FnMut(u64) -> Option<u64>) -> Vec<(u64, Vec<u8>)> {
    let mut arrivals = Vec::new();
    for i in 0..TRACE_FRAMES {
        let Some(delay) = delay_of(i) else {
            continue;
        };
        let header = RtpHeader {
            marker: i == 0,
            sequence_number: i as u16,
            timestamp: (i * FRAME as u64) as u32,
            ssrc: 0x1234_5678,
            ..RtpHeader::default()
        };
        let payload = &pool[i as usize % pool.len()];
        let mut datagram = vec![0u8; header.packet_len(payload.len())];
        header.write(payload, &mut datagram).expect("datagram");
        arrivals.push((i * 20_000 + delay, datagram));
    }
    arrivals.sort_by_key(|(at, _)| *at);
    arrivals
}

/// Plays `trace` through a jitter buffer, one 20 ms frame per step.
struct Playout<'a> {
    packets: Vec<(Instant, RtpPacket<'a>)>,
    jb: JitterBuffer,
    next: usize,
    frame: u64,
    out: [i16; FRAME],
}

impl<'a> Playout<'a> {
    fn new(trace: &'a [(u64, Vec<u8>)]) -> Self {
        let packets = trace
            .iter()
            .map(|(at, d)| (Instant::from_micros(*at), RtpPacket::parse(d).expect("RTP")))
            .collect();
        Playout {
            packets,
            jb: Self::buffer(),
            next: 0,
            frame: 0,
            out: [0; FRAME],
        }
    }

    fn buffer() -> JitterBuffer {
        let decoder = new_decoder(Codec::Pcmu, 8000, 1).expect("PCMU decoder");
        JitterBuffer::new(JitterConfig::default(), decoder).expect("jitter buffer")
    }

    fn finished(&self) -> bool {
        self.frame == TRACE_FRAMES
    }

    /// Starts the trace over with a fresh buffer; returns the old buffer's counters.
    fn restart(&mut self) -> JitterStats {
        let stats = self.jb.stats();
        self.jb = Self::buffer();
        self.next = 0;
        self.frame = 0;
        stats
    }

    /// One 20 ms frame: the packets due by now go in, 160 samples come out.
    fn step(&mut self) {
        let now = Instant::from_micros(self.frame * 20_000);
        while let Some((at, packet)) = self.packets.get(self.next)
            && *at <= now
        {
            let _ = black_box(self.jb.insert(*at, packet, PacketKind::Audio));
            self.next += 1;
        }
        self.jb.pull(now, &mut self.out);
        black_box(&self.out);
        self.frame += 1;
    }
}

/// Runs `iters` frames of `playout`, timing only the frames themselves.
fn time_frames(playout: &mut Playout<'_>, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        if playout.finished() {
            playout.restart();
        }
        let n = (iters - done).min(TRACE_FRAMES - playout.frame);
        let start = thread_time::thread_time();
        for _ in 0..n {
            playout.step();
        }
        total += thread_time::thread_time().saturating_sub(start);
        done += n;
    }
    total
}

fn jitter(c: &mut Criterion<ThreadTime>) {
    let pool = payloads();
    let steady = trace(&pool, |_| Some(5_000));
    let mut rng = SeededRng::new(4);
    let lossy = trace(&pool, |i| {
        let lost = rng.next_u32() % 100 < 5;
        let jitter = u64::from(rng.next_u32() % 8_000);
        let spike = if i % 250 == 120 { 40_000 } else { 0 };
        (!lost).then_some(2_000 + jitter + spike)
    });

    // What each trace makes the buffer do, once, outside timing.
    for (name, trace) in [("steady", &steady), ("loss5_jitter", &lossy)] {
        let mut playout = Playout::new(trace);
        while !playout.finished() {
            playout.step();
        }
        let s = playout.restart();
        eprintln!(
            "jitter/{name}: per {TRACE_FRAMES} frames: {} decoded, {} concealed, {} silence, \
             {} accelerated, {} expanded, {} dropped, {} late (samples/packets)",
            s.samples_decoded,
            s.samples_concealed,
            s.samples_silence,
            s.samples_accelerated,
            s.samples_expanded,
            s.samples_dropped,
            s.packets_late,
        );
    }

    let mut group = c.benchmark_group("jitter");
    group.throughput(Throughput::Elements(FRAME as u64));

    let mut decoder = new_decoder(Codec::Pcmu, 8000, 1).expect("PCMU decoder");
    let payload = &pool[0];
    let mut out = [0i16; FRAME];
    group.bench_function("decode_pcmu_160", |b| {
        b.iter(|| {
            decoder
                .decode(black_box(payload), &mut out)
                .expect("decode")
        });
    });

    for (name, trace) in [("steady", &steady), ("loss5_jitter", &lossy)] {
        let mut playout = Playout::new(trace);
        group.bench_function(name, |b| {
            b.iter_custom(|iters| time_frames(&mut playout, iters));
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadTime);
    targets = jitter
}
criterion_main!(benches);
