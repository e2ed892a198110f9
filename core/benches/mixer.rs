//! Conference cost per 20 ms tick for 10, 100 and 1,000 PCMU participants of whom 3 talk,
//! mixed at 16 kHz, against the naive N-1 mixer measured in the same run.
//!
//! One iteration is one tick of everything the media server does for the room: each
//! participant's datagram into its session (parse, jitter buffer), then
//! - `conference_N`: [`Conference::tick`] (playout pulled and decoded for everyone, levels,
//!   the talkers converted to 16 kHz and mixed, the common mix converted to 8 kHz and encoded
//!   once for the listeners, each talker's own mix converted and encoded, every payload
//!   packetized) and every datagram drained with `poll_transmit`;
//! - `naive_N`: the mixer the users report: every participant's playout converted to
//!   16 kHz, and for each participant the other N-1 summed again and clipped, converted to
//!   8 kHz and encoded by its own session (`push_capture`), every datagram drained. The
//!   sessions and converters are the same as ours; only the mixing differs.
//! - `sessions_N`: the floor under any mixer: the same sessions receiving and playing out
//!   their datagram and sending one ready-made payload each, with no mixing at all.
//!
//! Talkers send speech-like audio (a voice with harmonics in syllables); the others send
//! background noise at about -65 dBov, as open microphones do. The datagrams of a tick are
//! built before its timing starts; the time measured is the CPU time of the measuring thread
//! (on Linux; elsewhere elapsed time). Each room runs 3 s of ticks before it is measured.
//!
//! `scripts/bench.sh mixer` runs this bench and prints the table of docs/BENCHMARKS.md.

#[path = "common/thread_time.rs"]
mod thread_time;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use mediacore::dsp::Resampler;
use mediacore::mixer::{Conference, ConferenceConfig, ParticipantId, ParticipantOptions};
use mediacore::rtp::RtpHeader;
use mediacore::{AudioFrame, Codec, Instant, MediaSession, SessionConfig, new_encoder};
use thread_time::{ThreadTime, thread_time};

/// Samples per 20 ms at the participants' rate and at the mix rate.
const FRAME: usize = 160;
const MIX_FRAME: usize = 320;
const TALKERS: usize = 3;
/// Distinct 20 ms payloads each kind of sender cycles through.
const POOL: usize = 100;
/// Ticks run before measuring.
const WARM_UP: u64 = 150;

fn session_config(seed: u64) -> SessionConfig {
    SessionConfig {
        seed,
        ..SessionConfig::new(Codec::Pcmu)
    }
}

/// PCMU payloads of `POOL` consecutive frames: speech-like for `talker`, else faint noise.
fn payloads(talker: usize) -> Vec<Vec<u8>> {
    let mut encoder = new_encoder(Codec::Pcmu, 8000, 1).expect("PCMU encoder");
    let mut noise = 0x2545_f491_u32 ^ talker as u32;
    let mut phase = 0.0f64;
    (0..POOL)
        .map(|k| {
            let pcm: Vec<i16> = (0..FRAME)
                .map(|j| {
                    let t = (k * FRAME + j) as f64 / 8000.0;
                    noise = noise.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    let hiss = f64::from(noise >> 16) / 65_536.0 - 0.5;
                    if talker == usize::MAX {
                        return (hiss * 36.0) as i16;
                    }
                    let pitch = 110.0 + 35.0 * talker as f64 + 20.0 * (t * 0.7).sin();
                    phase += pitch / 8000.0;
                    let voice: f64 = (1..=6)
                        .map(|h| {
                            (std::f64::consts::TAU * phase * f64::from(h)).sin() / f64::from(h)
                        })
                        .sum();
                    let syllable = 0.3 + 0.7 * (std::f64::consts::PI * 4.0 * t).sin().abs();
                    (voice * syllable * 5000.0 + hiss * 200.0) as i16
                })
                .collect();
            let mut payload = vec![0u8; FRAME];
            encoder.encode(&pcm, &mut payload).expect("encode");
            payload
        })
        .collect()
}

/// The datagrams each remote party sends, one per tick.
struct Traffic {
    talk: Vec<Vec<Vec<u8>>>,
    quiet: Vec<Vec<u8>>,
    datagrams: Vec<Vec<u8>>,
    tick: u64,
}

impl Traffic {
    fn new(n: usize) -> Traffic {
        Traffic {
            talk: (0..TALKERS).map(payloads).collect(),
            quiet: payloads(usize::MAX),
            datagrams: vec![vec![0u8; 12 + FRAME]; n],
            tick: 0,
        }
    }

    /// Builds this tick's datagram of every party.
    fn build(&mut self) {
        let k = self.tick as usize;
        for (i, d) in self.datagrams.iter_mut().enumerate() {
            let header = RtpHeader {
                marker: k == 0,
                sequence_number: k as u16,
                timestamp: (k * FRAME) as u32,
                ssrc: 0x1000 + i as u32,
                ..RtpHeader::default()
            };
            let pool = if i < TALKERS {
                &self.talk[i]
            } else {
                &self.quiet
            };
            // Each party at its own place in the pool.
            let payload = &pool[(k + 7 * i) % POOL];
            header.write(payload, d).expect("datagram");
        }
    }

    fn now(&self) -> Instant {
        Instant::from_micros(self.tick * 20_000)
    }
}

/// A room mixed by `Conference`.
struct Ours {
    conference: Conference,
    ids: Vec<ParticipantId>,
    traffic: Traffic,
    sent: u64,
}

impl Ours {
    fn new(n: usize) -> Ours {
        let mut config = ConferenceConfig::new(16_000);
        config.max_participants = n;
        let mut conference = Conference::new(config).expect("conference");
        let ids = (0..n)
            .map(|i| {
                conference
                    .add_participant(session_config(i as u64), ParticipantOptions::default())
                    .expect("participant")
            })
            .collect();
        let mut room = Ours {
            conference,
            ids,
            traffic: Traffic::new(n),
            sent: 0,
        };
        for _ in 0..WARM_UP {
            room.traffic.build();
            room.tick();
        }
        room
    }

    fn tick(&mut self) {
        let now = self.traffic.now();
        for (id, d) in self.ids.iter().zip(&self.traffic.datagrams) {
            let _ = black_box(self.conference.handle_rtp(now, *id, d));
        }
        self.conference.tick(now);
        while let Some((_, d)) = self.conference.poll_transmit(now) {
            black_box(d);
            self.sent += 1;
        }
        while self.conference.poll_rtcp(now).is_some() {}
        while self.conference.poll_event().is_some() {}
        self.traffic.tick += 1;
    }
}

/// The sessions' own work per tick, without mixing: the floor under both mixers.
struct Floor {
    sessions: Vec<MediaSession>,
    payload: Vec<u8>,
    traffic: Traffic,
}

impl Floor {
    fn new(n: usize) -> Floor {
        let mut room = Floor {
            sessions: (0..n)
                .map(|i| MediaSession::new(session_config(i as u64)).expect("session"))
                .collect(),
            payload: payloads(usize::MAX).swap_remove(0),
            traffic: Traffic::new(n),
        };
        for _ in 0..WARM_UP {
            room.traffic.build();
            room.tick();
        }
        room
    }

    fn tick(&mut self) {
        let now = self.traffic.now();
        for (s, d) in self.sessions.iter_mut().zip(&self.traffic.datagrams) {
            let _ = black_box(s.handle_rtp(now, d));
            s.handle_timeout(now);
            black_box(s.pull_playout(now));
            s.send_encoded(now, &self.payload).expect("send");
            while let Some(d) = s.poll_transmit(now) {
                black_box(d);
            }
            while s.poll_rtcp(now).is_some() {}
            while s.poll_event().is_some() {}
        }
        self.traffic.tick += 1;
    }
}

/// A room mixed the naive way: N-1 sums, one encode per participant.
struct Naive {
    sessions: Vec<MediaSession>,
    up: Vec<Resampler>,
    down: Vec<Resampler>,
    inputs: Vec<[i16; MIX_FRAME]>,
    sum: [i32; MIX_FRAME],
    mixed: [i16; MIX_FRAME],
    frame: AudioFrame,
    traffic: Traffic,
    sent: u64,
}

impl Naive {
    fn new(n: usize) -> Naive {
        let mut room = Naive {
            sessions: (0..n)
                .map(|i| MediaSession::new(session_config(i as u64)).expect("session"))
                .collect(),
            up: (0..n)
                .map(|_| Resampler::new(8000, 16_000, 1).expect("resampler"))
                .collect(),
            down: (0..n)
                .map(|_| Resampler::new(16_000, 8000, 1).expect("resampler"))
                .collect(),
            inputs: vec![[0; MIX_FRAME]; n],
            sum: [0; MIX_FRAME],
            mixed: [0; MIX_FRAME],
            frame: AudioFrame::silence(8000, 1, Duration::from_millis(20)).expect("frame"),
            traffic: Traffic::new(n),
            sent: 0,
        };
        for _ in 0..WARM_UP {
            room.traffic.build();
            room.tick();
        }
        room
    }

    fn tick(&mut self) {
        let now = self.traffic.now();
        for (s, d) in self.sessions.iter_mut().zip(&self.traffic.datagrams) {
            let _ = black_box(s.handle_rtp(now, d));
        }
        for i in 0..self.sessions.len() {
            let frame = self.sessions[i].pull_playout(now);
            self.up[i]
                .process(frame.samples(), &mut self.inputs[i])
                .expect("resample");
        }
        for i in 0..self.sessions.len() {
            self.sum.fill(0);
            for (j, input) in self.inputs.iter().enumerate() {
                if j != i {
                    for (s, &x) in self.sum.iter_mut().zip(input) {
                        *s += i32::from(x);
                    }
                }
            }
            for (m, &s) in self.mixed.iter_mut().zip(&self.sum) {
                *m = s.clamp(-32_768, 32_767) as i16;
            }
            self.down[i]
                .process(&self.mixed, self.frame.samples_mut())
                .expect("resample");
            self.sessions[i]
                .push_capture(now, &self.frame)
                .expect("encode");
            while let Some(d) = self.sessions[i].poll_transmit(now) {
                black_box(d);
                self.sent += 1;
            }
            self.sessions[i].handle_timeout(now);
            while self.sessions[i].poll_rtcp(now).is_some() {}
            while self.sessions[i].poll_event().is_some() {}
        }
        self.traffic.tick += 1;
    }
}

fn mixer(c: &mut Criterion<ThreadTime>) {
    let mut group = c.benchmark_group("mixer");
    group.sampling_mode(SamplingMode::Flat);
    // 2,000 and 4,000 show how the cost grows once the rooms no longer fit in the caches
    // (the naive mixer is measured up to 1,000: at 4,000 one tick would take half a second).
    for n in [10usize, 100, 1000, 2000, 4000] {
        group.throughput(Throughput::Elements(n as u64));
        group.sample_size(if n >= 1000 { 20 } else { 50 });
        // Built on first use, so that a filtered run builds only the rooms it measures.
        let mut ours: Option<Ours> = None;
        group.bench_function(format!("conference_{n}"), |b| {
            let room = ours.get_or_insert_with(|| Ours::new(n));
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    // The tick's datagrams are built outside the timing.
                    room.traffic.build();
                    let start = thread_time();
                    room.tick();
                    total += thread_time().saturating_sub(start);
                }
                total
            });
        });
        if let Some(room) = ours.take() {
            eprintln!(
                "mixer/conference_{n}: {} datagrams over {} ticks; {:?}",
                room.sent,
                room.traffic.tick,
                room.conference.stats()
            );
        }

        let mut floor: Option<Floor> = None;
        group.bench_function(format!("sessions_{n}"), |b| {
            let room = floor.get_or_insert_with(|| Floor::new(n));
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    room.traffic.build();
                    let start = thread_time();
                    room.tick();
                    total += thread_time().saturating_sub(start);
                }
                total
            });
        });
        drop(floor);

        if n > 1000 {
            continue;
        }
        if n == 1000 {
            group.sample_size(10);
        }
        let mut naive: Option<Naive> = None;
        group.bench_function(format!("naive_{n}"), |b| {
            let room = naive.get_or_insert_with(|| Naive::new(n));
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    room.traffic.build();
                    let start = thread_time();
                    room.tick();
                    total += thread_time().saturating_sub(start);
                }
                total
            });
        });
        if let Some(room) = naive.take() {
            eprintln!(
                "mixer/naive_{n}: {} datagrams over {} ticks",
                room.sent, room.traffic.tick
            );
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadTime);
    targets = mixer
}
criterion_main!(benches);
