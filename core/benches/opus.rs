//! Opus encode and decode cost on a few seconds of speech, next to libopus coding the same
//! input with the same settings, measured in the same run.
//!
//! libopus runs in `tests/oracles/libopus_bench.c`, compiled here with `cc` against
//! `libopus-dev`; when either is missing the bench says so and measures only ours. Criterion
//! measures both sides alike (`<case>/ours` and `<case>/libopus`): for libopus, each sample
//! runs the helper for the sample's iterations and takes the time its own clock measured,
//! without process start-up and input parsing. Both decoders decode the packets libopus's
//! encoder made, so they do identical work; both also decode our encoder's packets.
//!
//! The time measured is the CPU time of the measuring thread (on Linux; elsewhere elapsed
//! time), on both sides: on a shared machine, elapsed time mostly measures the other
//! processes, and not equally for the two sides.
//!
//! The input is espeak-ng speech resampled by sox; without them, a synthetic speech-like
//! signal. Each iteration codes the whole clip with fresh state, on both sides.
//! `scripts/bench.sh opus` runs this bench and prints the table of docs/BENCHMARKS.md.

mod common;
#[path = "common/thread_time.rs"]
mod thread_time;

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group,
    criterion_main,
};
use mediacore::codec::opus::{OpusApplication, OpusConfig, OpusDecoder, OpusEncoder};
use mediacore::{Decoder, Encoder};
use thread_time::ThreadTime;

/// What espeak-ng says: about 5.3 seconds of speech.
const TEXT: &str =
    "Thank you for calling. Please hold while we transfer your call to the next available agent.";

/// Packet duration for every case, in milliseconds.
const FRAME_MS: u8 = 20;

/// One configuration measured: mono, application VOIP, CBR, 20 ms packets.
struct Case {
    name: &'static str,
    rate: u32,
    bitrate: u32,
    complexity: u8,
    /// Whether the decoders are measured on this case's packets too.
    decode: bool,
}

const CASES: [Case; 4] = [
    // SILK wideband.
    Case {
        name: "16k_24kbps_c9",
        rate: 16_000,
        bitrate: 24_000,
        complexity: 9,
        decode: true,
    },
    Case {
        name: "16k_24kbps_c5",
        rate: 16_000,
        bitrate: 24_000,
        complexity: 5,
        decode: false,
    },
    // Hybrid (SILK below 8 kHz, CELT above), super-wideband or fullband.
    Case {
        name: "48k_32kbps_c9",
        rate: 48_000,
        bitrate: 32_000,
        complexity: 9,
        decode: true,
    },
    Case {
        name: "48k_32kbps_c5",
        rate: 48_000,
        bitrate: 32_000,
        complexity: 5,
        decode: false,
    },
];

impl Case {
    fn config(&self) -> OpusConfig {
        OpusConfig {
            application: OpusApplication::Voip,
            bitrate: self.bitrate,
            complexity: self.complexity,
            cbr: true,
            inband_fec: false,
            expected_loss_percent: 0,
            frame_ms: FRAME_MS,
        }
    }

    fn frame_len(&self) -> usize {
        self.config().frame_samples(self.rate)
    }

    fn encoder(&self) -> OpusEncoder {
        OpusEncoder::new(self.rate, 1, self.config()).expect("valid config")
    }
}

/// Which of the helper's two figures matches [`ThreadTime`] (CPU time of the thread on
/// Linux, elapsed time elsewhere).
const HELPER_FIGURE: usize = if cfg!(target_os = "linux") { 0 } else { 1 };

/// The speech clip at each of `rates`, from espeak-ng and sox (no dither).
fn espeak_speech(rates: &[u32]) -> Result<Vec<Vec<i16>>, String> {
    let wav = std::env::temp_dir().join(format!("mediacore-bench-opus-{}.wav", std::process::id()));
    let wav_arg = wav.to_str().ok_or("temp path is not UTF-8")?.to_owned();
    let spoken = common::run(
        Path::new("espeak-ng"),
        &["-v", "en-us", "-w", &wav_arg, TEXT].map(String::from),
        &[],
    );
    let result = spoken.and_then(|_| {
        rates
            .iter()
            .map(|rate| {
                let mut args = vec!["-D".to_owned(), wav_arg.clone()];
                let raw_out = format!("-t raw -r {rate} -c 1 -e signed -b 16 -");
                args.extend(raw_out.split(' ').map(String::from));
                let raw = common::run(Path::new("sox"), &args, &[])?;
                let pcm = s16le_samples(&raw);
                if pcm.len() < *rate as usize {
                    return Err(format!(
                        "sox produced only {} samples at {rate} Hz",
                        pcm.len()
                    ));
                }
                Ok(pcm)
            })
            .collect()
    });
    let _ = std::fs::remove_file(&wav);
    result
}

/// Four seconds of a speech-like signal at `rate`: a gliding voice of 12 harmonics that
/// falls away with frequency, in 4 Hz syllables, with a little noise.
fn synthetic_speech(rate: u32) -> Vec<i16> {
    let mut noise = 0x2545_f491_u32;
    let mut phase = 0.0f32;
    (0..rate as usize * 4)
        .map(|i| {
            let t = i as f32 / rate as f32;
            let tau = 2.0 * std::f32::consts::PI;
            let pitch = 140.0 + 30.0 * (t * tau * 0.7).sin();
            phase = (phase + pitch / rate as f32).fract();
            let voice: f32 = (1..=12)
                .map(|h| (phase * tau * h as f32).sin() / h as f32)
                .sum();
            let syllable = (0.5 + 0.5 * (t * tau * 4.0).sin()).powi(2);
            noise ^= noise << 13;
            noise ^= noise >> 17;
            noise ^= noise << 5;
            let hiss = (noise >> 16) as f32 / 65_536.0 - 0.5;
            (voice * 6_000.0 * syllable + hiss * 1_200.0) as i16
        })
        .collect()
}

fn s16le_samples(bytes: &[u8]) -> Vec<i16> {
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

fn s16le_bytes(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// Packets as the helper reads and writes them: a 16-bit little-endian length, then bytes.
fn join_packets(packets: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in packets {
        out.extend_from_slice(&(p.len() as u16).to_le_bytes());
        out.extend_from_slice(p);
    }
    out
}

fn split_packets(mut bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut packets = Vec::new();
    while let [lo, hi, rest @ ..] = bytes {
        let len = usize::from(u16::from_le_bytes([*lo, *hi]));
        if len == 0 || len > rest.len() {
            return Err("truncated packet stream from the helper".into());
        }
        packets.push(rest[..len].to_vec());
        bytes = &rest[len..];
    }
    if bytes.is_empty() {
        Ok(packets)
    } else {
        Err("stray byte at the end of the packet stream".into())
    }
}

/// Mean packet size and how many packets of each mode and bandwidth (RFC 6716 §3.1).
fn describe(packets: &[Vec<u8>]) -> String {
    const MODES: [&str; 9] = [
        "SILK NB",
        "SILK MB",
        "SILK WB",
        "Hybrid SWB",
        "Hybrid FB",
        "CELT NB",
        "CELT WB",
        "CELT SWB",
        "CELT FB",
    ];
    let mut counts = [0usize; MODES.len()];
    for toc in packets.iter().filter_map(|p| p.first()) {
        let config = usize::from(toc >> 3);
        let mode = match config {
            0..=11 => config / 4,
            12..=15 => 3 + (config - 12) / 2,
            _ => 5 + (config - 16) / 4,
        };
        counts[mode] += 1;
    }
    let bytes: usize = packets.iter().map(Vec::len).sum();
    let modes: Vec<String> = MODES
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(m, n)| format!("{m} {n}"))
        .collect();
    format!(
        "{:.1} bytes, {}",
        bytes as f64 / packets.len().max(1) as f64,
        modes.join(", ")
    )
}

fn encode_ours(case: &Case, pcm: &[i16]) -> Vec<Vec<u8>> {
    let mut encoder = case.encoder();
    let mut buf = vec![0u8; encoder.max_payload_len(case.frame_len())];
    pcm.chunks_exact(case.frame_len())
        .map(|frame| {
            let n = encoder.encode(frame, &mut buf).expect("encode");
            buf[..n].to_vec()
        })
        .collect()
}

/// Mean nanoseconds per round the helper reports for `args` (its last one is the rounds)
/// on `input`, by the clock [`ThreadTime`] reads.
fn libopus_time(exe: &Path, args: &[String], input: &[u8]) -> Result<f64, String> {
    common::helper_figure(exe, args, input, HELPER_FIGURE)
}

/// Measures libopus through the helper as criterion measures ours: for `iters` iterations
/// the helper runs `iters` rounds and its own clock times them. Skipped, with a message,
/// when a trial round fails.
fn bench_libopus(
    group: &mut BenchmarkGroup<'_, ThreadTime>,
    id: &str,
    exe: &Path,
    args: &[String],
    input: &[u8],
) {
    let with_rounds = |rounds: u64| {
        let mut args = args.to_vec();
        args.push(rounds.to_string());
        args
    };
    if let Err(e) = libopus_time(exe, &with_rounds(1), input) {
        eprintln!("opus/{id}/libopus: not measured: {e}");
        return;
    }
    group.bench_function(BenchmarkId::new(id, "libopus"), |b| {
        b.iter_custom(|iters| {
            // The trial round above succeeded on the same input, so this one does too.
            let ns = libopus_time(exe, &with_rounds(iters), input).expect("libopus helper");
            Duration::from_secs_f64(ns * iters as f64 / 1e9)
        });
    });
}

fn opus(c: &mut Criterion<ThreadTime>) {
    let rates = [16_000, 48_000];
    let clips = espeak_speech(&rates).unwrap_or_else(|e| {
        eprintln!("opus: no espeak-ng speech ({e}); using a synthetic speech-like signal");
        rates.iter().map(|&r| synthetic_speech(r)).collect()
    });
    let helper = common::build_helper("libopus_bench", "opus", "libopus-dev");
    if let Err(e) = &helper {
        eprintln!("opus/libopus: not measured, only ours: {e}");
    }

    let mut group = c.benchmark_group("opus");
    group.sample_size(20).sampling_mode(SamplingMode::Flat);
    for case in &CASES {
        let clip = &clips[rates.iter().position(|&r| r == case.rate).expect("rate")];
        let pcm = &clip[..clip.len() / case.frame_len() * case.frame_len()];
        let seconds = pcm.len() as f64 / f64::from(case.rate);
        let pcm_bytes = s16le_bytes(pcm);
        let rate = case.rate.to_string();
        let settings = [
            rate.clone(),
            "1".into(),
            case.bitrate.to_string(),
            case.complexity.to_string(),
            FRAME_MS.to_string(),
        ];
        group.throughput(Throughput::Elements(pcm.len() as u64));

        let ours = encode_ours(case, pcm);
        let theirs = helper.as_ref().ok().map(|exe| {
            let args: Vec<String> = std::iter::once("encode".to_owned())
                .chain(settings.iter().cloned())
                .collect();
            common::run(exe, &args, &pcm_bytes).and_then(|out| split_packets(&out))
        });
        eprintln!(
            "opus/{}: {seconds:.2} s of audio; our packets {}",
            case.name,
            describe(&ours)
        );
        match &theirs {
            Some(Ok(packets)) => {
                eprintln!("opus/{}: libopus packets {}", case.name, describe(packets))
            }
            Some(Err(e)) => eprintln!("opus/{}: libopus did not encode: {e}", case.name),
            None => {}
        }

        let id = format!("encode_{}", case.name);
        group.bench_function(BenchmarkId::new(&id, "ours"), |b| {
            let mut buf = vec![0u8; case.encoder().max_payload_len(case.frame_len())];
            b.iter(|| {
                let mut encoder = case.encoder();
                let mut bytes = 0;
                for frame in pcm.chunks_exact(case.frame_len()) {
                    bytes += encoder.encode(black_box(frame), &mut buf).expect("encode");
                }
                bytes
            });
        });
        if let Ok(exe) = &helper {
            let args: Vec<String> = std::iter::once("time-encode".to_owned())
                .chain(settings.iter().cloned())
                .collect();
            bench_libopus(&mut group, &id, exe, &args, &pcm_bytes);
        }

        if !case.decode {
            continue;
        }
        let mut sources = Vec::new();
        if let Some(Ok(packets)) = &theirs {
            sources.push(("libopus_packets", packets));
        }
        sources.push(("our_packets", &ours));
        for (source, packets) in sources {
            let id = format!("decode_{}_{source}", case.name);
            group.bench_function(BenchmarkId::new(&id, "ours"), |b| {
                let mut out = vec![0i16; case.rate as usize / 1000 * 120];
                b.iter(|| {
                    let mut decoder = OpusDecoder::new(case.rate, 1).expect("valid decoder");
                    let mut samples = 0;
                    for p in packets {
                        samples += decoder.decode(black_box(p), &mut out).expect("decode");
                    }
                    samples
                });
            });
            if let Ok(exe) = &helper {
                let args = ["time-decode".to_owned(), rate.clone(), "1".into()];
                bench_libopus(&mut group, &id, exe, &args, &join_packets(packets));
            }
        }
    }
    group.finish();

    if let Ok(exe) = helper {
        let _ = std::fs::remove_file(exe);
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadTime);
    targets = opus
}
criterion_main!(benches);
