//! The receive-path quality benchmark of issue 4: espeak-ng speech through encoder, the
//! seeded network simulator and the receive path to playout, scored per trace and codec.
//!
//! ```text
//! cargo run --release -p mediacore-tests --example receive_quality -- \
//!     [--quick] [--codec pcmu|g722|opus] [--trace a|b|c|d|e]
//! ```
//!
//! For every trace (`mediacore_tests::netsim::Trace`) and codec the same packets cross the
//! same simulated path (one seed per trace) three ways in one run: into the adaptive jitter
//! buffer, into a fixed 60 ms buffer (the baseline), and straight into a decoder without a
//! network (the lossless reference). The receiver is driven as a host drives it: each
//! datagram is handed over at its arrival time and 20 ms of audio is pulled every 20 ms of
//! receiver time.
//!
//! Reported: PESQ (P.862.1 narrowband at 8 kHz, P.862.2 wideband at 16 kHz) of each way
//! against the original speech, the mean and 95th percentile of the added delay (the
//! receiver's `playout_delay()` after every pull while playing: how much later the audio
//! plays than the fastest recent packet could have brought it), the share of concealed
//! audio and of late packets. A markdown table goes to stdout, JSON to
//! `target/receive-quality/results.json`.

#[path = "receive_quality/analysis.rs"]
mod analysis;
#[path = "receive_quality/speech.rs"]
mod speech;

use std::time::Duration;

use mediacore::codec::opus::OpusConfig;
use mediacore::jitter::{JitterConfig, JitterStats};
use mediacore::rtp::RtpPacket;
use mediacore::{Codec, Instant, MediaSession, SessionConfig};
use mediacore_tests::netsim::{NetSim, NetStats, Trace};

use analysis::{DelaySummary, Row, Targets};
use speech::Program;

/// Audio per packet and per pull.
const PTIME: Duration = Duration::from_millis(20);
/// The fixed baseline's delay.
const FIXED_DELAY: Duration = Duration::from_millis(60);
/// Seed of the sessions (SSRC, sequence and timestamp origins).
const SESSION_SEED: u64 = 4;
/// Seed of the network paths; trace `i` uses `NET_SEED + i`.
const NET_SEED: u64 = 0x4e45_5453_494d;
/// Pulls after the last arrival, to play out what is buffered.
const TAIL: Duration = Duration::from_secs(1);

/// A codec at its natural rate, as benchmarked.
#[derive(Debug, Clone, Copy)]
struct Case {
    name: &'static str,
    codec: Codec,
    rate: u32,
}

const CASES: [Case; 3] = [
    Case {
        name: "PCMU",
        codec: Codec::Pcmu,
        rate: 8000,
    },
    Case {
        name: "G.722",
        codec: Codec::G722,
        rate: 16_000,
    },
    Case {
        name: "Opus 24k",
        codec: Codec::Opus,
        rate: 16_000,
    },
];

impl Case {
    fn frame(self) -> usize {
        (self.rate as u128 * PTIME.as_micros() / 1_000_000) as usize
    }

    /// Both ends of the call use this configuration.
    fn session_config(self) -> SessionConfig {
        SessionConfig {
            sample_rate: Some(self.rate),
            payload_type: (self.codec == Codec::Opus).then_some(111),
            ptime: PTIME,
            seed: SESSION_SEED,
            rtp_timeout: None,
            rtcp: None,
            quality_interval: None,
            opus: OpusConfig {
                bitrate: 24_000,
                ..OpusConfig::default()
            },
            ..SessionConfig::new(self.codec)
        }
    }
}

/// The receive path under test, as a host sees it.
trait Receiver {
    /// A datagram arrived at `now`.
    fn handle(&mut self, now: Instant, datagram: &[u8]);
    /// One ptime frame for the speaker at `now`.
    fn pull(&mut self, now: Instant) -> &[i16];
    /// The added delay of the audio the last pull ended with.
    fn added_delay(&self) -> Option<Duration>;
    /// The jitter buffer's counters.
    fn stats(&self) -> JitterStats;
}

/// The receiving end: a [`MediaSession`] whose jitter buffer is configured as `jitter`.
fn receiver(case: Case, jitter: JitterConfig) -> Box<dyn Receiver> {
    let session = MediaSession::new(SessionConfig {
        jitter,
        seed: SESSION_SEED + 1,
        ..case.session_config()
    })
    .expect("receiver session");
    Box::new(SessionReceiver(session))
}

struct SessionReceiver(MediaSession);

impl Receiver for SessionReceiver {
    fn handle(&mut self, now: Instant, datagram: &[u8]) {
        // The path carries only the sender's RTP; a refusal would show in the counters.
        let _ = self.0.handle_rtp(now, datagram);
        while self.0.poll_event().is_some() {}
    }
    fn pull(&mut self, now: Instant) -> &[i16] {
        self.0.pull_playout(now).samples()
    }
    fn added_delay(&self) -> Option<Duration> {
        self.0.playout_delay()
    }
    fn stats(&self) -> JitterStats {
        self.0.jitter_stats()
    }
}

/// The sender's datagrams for `pcm`, each with its send time on the sender's clock (when
/// its frame has been captured).
fn send_side(case: Case, pcm: &[i16]) -> Vec<(Instant, Vec<u8>)> {
    let mut sender = MediaSession::new(case.session_config()).expect("sender session");
    let mut packets = Vec::with_capacity(pcm.len() / case.frame() + 1);
    for (i, frame) in pcm.chunks_exact(case.frame()).enumerate() {
        let now = Instant::ZERO + PTIME * (i as u32 + 1);
        let frame = mediacore::AudioFrame::new(frame.to_vec(), case.rate, 1).expect("frame");
        sender.push_capture(now, &frame).expect("encode");
        while let Some(datagram) = sender.poll_transmit(now) {
            // RTCP (payload types 200 to 204, RFC 3550 §12.1) is not part of this test.
            if !matches!(datagram.get(1), Some(200..=204)) {
                packets.push((now, datagram.to_vec()));
            }
        }
    }
    packets
}

/// The codec alone: every packet decoded in order, no network.
fn lossless(case: Case, packets: &[(Instant, Vec<u8>)]) -> Vec<i16> {
    let mut decoder = mediacore::new_decoder(case.codec, case.rate, 1).expect("decoder");
    let mut out = Vec::with_capacity(packets.len() * case.frame());
    let mut buf = vec![0i16; case.frame() * 6];
    for (_, datagram) in packets {
        let packet = RtpPacket::parse(datagram).expect("the sender's RTP");
        let n = decoder.decode(packet.payload(), &mut buf).expect("decode");
        out.extend_from_slice(&buf[..n]);
    }
    out
}

/// What came out of one receiver on one path.
struct PathRun {
    audio: Vec<i16>,
    /// Added delay after each pull while playing, in ms, with the pull's index.
    delays: Vec<(usize, f64)>,
    stats: JitterStats,
    net: NetStats,
}

/// Drives `rx` like a host: sends each packet when the sender's clock says, hands each
/// arrival over at its arrival time and pulls every ptime of receiver time.
fn run_path(
    case: Case,
    trace: Trace,
    packets: &[(Instant, Vec<u8>)],
    mut rx: Box<dyn Receiver>,
) -> PathRun {
    let mut sim = NetSim::new(trace.config(), NET_SEED + trace as u64);
    let mut audio = Vec::with_capacity((packets.len() + 100) * case.frame());
    let mut delays = Vec::with_capacity(packets.len() + 100);
    let mut next = 0;
    let mut now = Instant::ZERO;
    let mut quiet_since: Option<Instant> = None;
    // The counters and delays up to the last pull that decoded a packet: after the stream
    // ends the buffer conceals for a while, which is no fault of the path.
    let mut stats = rx.stats();
    let mut played_delays = 0;
    loop {
        // Everything the sender has put on the path by now (on the receiver's clock).
        while next < packets.len() && sim.receiver_time(packets[next].0) <= now {
            sim.send(packets[next].0, packets[next].1.clone());
            next += 1;
        }
        while let Some(arrival) = sim.poll_arrival(now) {
            rx.handle(arrival.at, &arrival.payload);
        }
        let pull = audio.len() / case.frame();
        audio.extend_from_slice(rx.pull(now));
        if let Some(delay) = rx.added_delay() {
            delays.push((pull, delay.as_secs_f64() * 1000.0));
        }
        let now_stats = rx.stats();
        if now_stats.samples_decoded > stats.samples_decoded {
            played_delays = delays.len();
        }
        stats = JitterStats {
            packets_late: now_stats.packets_late,
            ..if now_stats.samples_decoded > stats.samples_decoded {
                now_stats
            } else {
                stats
            }
        };
        if next == packets.len() && sim.next_arrival().is_none() {
            let since = *quiet_since.get_or_insert(now);
            if now.saturating_duration_since(since) >= TAIL {
                break;
            }
        }
        now = now + PTIME;
    }
    delays.truncate(played_delays);
    PathRun {
        audio,
        delays,
        stats,
        net: sim.stats(),
    }
}

struct Args {
    quick: bool,
    cases: Vec<Case>,
    traces: Vec<Trace>,
}

fn parse_args() -> Args {
    let mut args = Args {
        quick: false,
        cases: CASES.to_vec(),
        traces: Trace::ALL.to_vec(),
    };
    let mut it = std::env::args().skip(1);
    let usage = "usage: receive_quality [--quick] [--codec pcmu|g722|opus] [--trace a|b|c|d|e]";
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => args.quick = true,
            "--codec" => {
                let name = it.next().unwrap_or_default();
                let codec = match name.as_str() {
                    "pcmu" => Codec::Pcmu,
                    "g722" => Codec::G722,
                    "opus" => Codec::Opus,
                    _ => panic!("unknown codec {name:?}; {usage}"),
                };
                args.cases = CASES.into_iter().filter(|c| c.codec == codec).collect();
            }
            "--trace" => {
                let name = it.next().unwrap_or_default();
                let index = ["a", "b", "c", "d", "e"]
                    .iter()
                    .position(|t| *t == name)
                    .unwrap_or_else(|| panic!("unknown trace {name:?}; {usage}"));
                args.traces = vec![Trace::ALL[index]];
            }
            "-h" | "--help" => {
                println!("{usage}");
                std::process::exit(0);
            }
            other => panic!("unknown argument {other:?}; {usage}"),
        }
    }
    args
}

fn main() {
    let started = std::time::Instant::now();
    let args = parse_args();
    // a-d: about a minute of speech; e: ten minutes of media (the issue's drift trace).
    let (short_s, long_s) = if args.quick { (20, 120) } else { (60, 600) };
    let mut rows = Vec::new();
    for case in &args.cases {
        let case = *case;
        let clips = speech::clips(case.rate);
        let (long, short): (Vec<Trace>, Vec<Trace>) =
            args.traces.iter().partition(|t| **t == Trace::Drift);
        for (seconds, traces) in [(short_s, short), (long_s, long)] {
            if traces.is_empty() {
                continue;
            }
            let program = Program::build(&clips, case.rate, seconds, SESSION_SEED);
            let packets = send_side(case, &program.pcm);
            let reference = lossless(case, &packets);
            for trace in traces {
                let t0 = std::time::Instant::now();
                let adaptive = run_path(
                    case,
                    trace,
                    &packets,
                    receiver(case, JitterConfig::default()),
                );
                let fixed = run_path(
                    case,
                    trace,
                    &packets,
                    receiver(case, JitterConfig::fixed(FIXED_DELAY)),
                );
                let scores = analysis::score(
                    case.rate,
                    &program,
                    [&adaptive.audio, &fixed.audio, &reference],
                );
                let row = Row {
                    trace,
                    codec: case.name,
                    seconds,
                    pesq: scores.means,
                    scores,
                    delay: [&adaptive, &fixed]
                        .map(|run| DelaySummary::new(&run.delays, case.frame(), case.rate)),
                    concealed_pct: [&adaptive, &fixed].map(|run| concealed_pct(&run.stats)),
                    late_pct: [&adaptive, &fixed]
                        .map(|run| 100.0 * run.stats.packets_late as f64 / run.net.sent as f64),
                    stats: [adaptive.stats, fixed.stats],
                    net: adaptive.net,
                    targets: Targets::default(),
                }
                .judged();
                eprintln!(
                    "{} / {}: {:.1} s ({} s of media)",
                    trace.name(),
                    case.name,
                    t0.elapsed().as_secs_f64(),
                    seconds
                );
                rows.push(row);
            }
        }
    }
    let runtime = started.elapsed();
    println!("{}", analysis::table(&rows));
    let json = analysis::json(&rows, args.quick, runtime);
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace");
    let dir = workspace.join("target/receive-quality");
    std::fs::create_dir_all(&dir).expect("create target/receive-quality");
    let path = dir.join("results.json");
    std::fs::write(&path, json).expect("write results.json");
    println!(
        "\nRuntime {:.0} s; JSON in {}",
        runtime.as_secs_f64(),
        path.display()
    );
}

/// Concealed samples as a share of all the audio the buffer played for the stream.
fn concealed_pct(stats: &JitterStats) -> f64 {
    let total = stats.samples_decoded + stats.samples_fec + stats.samples_concealed;
    100.0 * stats.samples_concealed as f64 / total.max(1) as f64
}
