//! Recording cost per call per second of audio, into memory: a stereo WAV at 8 kHz from two
//! 8 kHz legs, and a stereo Ogg Opus file at 16 kHz (32 kbit/s, complexity 9, CBR) from two
//! 16 kHz legs. Each iteration records a whole 10 s call: `Recorder::new`, 500 ticks of one
//! 20 ms frame per leg, `finish`.
//!
//! References, run in the same process as child programs on the same two legs:
//! - `sox -M` merging the two legs (raw 16-bit files) into a stereo WAV: the same format
//!   work without a timeline;
//! - `opusenc` (libopus) coding the same stereo audio at the same rate, bit rate, frame size
//!   and complexity, hard CBR, into an Ogg Opus file.
//!
//! Both are timed by bash's `time` (user + system CPU time of the child) on 120 s of audio,
//! less a run on 0.1 s (start-up), best of five; ours is CPU time of the measuring thread
//! (on Linux; elsewhere elapsed time). A missing program is reported and skipped.
//!
//! After criterion's own report, a summary prints each side in microseconds of CPU per
//! second of audio and the ratio.

#[path = "common/thread_time.rs"]
mod thread_time;

use std::hint::black_box;
use std::io::Cursor;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use mediacore::record::{RecordConfig, RecordFormat, RecordLayout, Recorder};
use mediacore::{AudioFrame, Instant};
use thread_time::{ThreadTime, thread_time};

/// Seconds of audio in one recorded call.
const CALL_SECONDS: usize = 10;

/// Seconds of audio the references convert, and the short run that measures their start-up.
const REFERENCE_SECONDS: f64 = 120.0;
const STARTUP_SECONDS: f64 = 0.1;

/// A speech-like leg at `rate`: a voice whose pitch glides, in 5 Hz syllables, with a
/// little noise; `seed` makes each leg different.
fn leg_signal(rate: u32, seconds: f64, seed: u32) -> Vec<i16> {
    let mut noise = 0x9e37_79b9_u32 ^ seed;
    let mut phase = 0.0f64;
    (0..(f64::from(rate) * seconds) as usize)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            let pitch = 110.0 + 40.0 * f64::from(seed) + 30.0 * (t * 0.9).sin();
            phase += pitch / f64::from(rate);
            let voice: f64 = (1..=8)
                .map(|h| (std::f64::consts::TAU * phase * f64::from(h)).sin() / f64::from(h))
                .sum();
            let syllable = (std::f64::consts::PI * 5.0 * t).sin().abs();
            noise = noise.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let hiss = f64::from(noise >> 16) / 65_536.0 - 0.5;
            (voice * syllable * 6000.0 + hiss * 300.0) as i16
        })
        .collect()
}

/// One call to record: its configuration and each leg's 20 ms frames.
struct Call {
    name: &'static str,
    config: RecordConfig,
    frames: [Vec<AudioFrame>; 2],
}

impl Call {
    fn new(name: &'static str, rate: u32, format: RecordFormat) -> Call {
        let mut config = RecordConfig::new(RecordLayout::Stereo, rate);
        config.format = format;
        config.metadata.start_time = "2026-11-21T10:00:00Z".into();
        let frames = [0, 1].map(|leg| {
            let pcm = leg_signal(rate, CALL_SECONDS as f64, leg);
            pcm.chunks_exact(rate as usize / 50)
                .map(|c| AudioFrame::new(c.to_vec(), rate, 1).expect("frame"))
                .collect()
        });
        Call {
            name,
            config,
            frames,
        }
    }

    /// Records the whole call into memory; returns the file's size.
    fn record(&self) -> usize {
        let target = Cursor::new(Vec::with_capacity(1 << 20));
        let mut r = Recorder::new(target, self.config.clone(), Instant::ZERO).expect("start");
        for (k, (a, b)) in self.frames[0].iter().zip(&self.frames[1]).enumerate() {
            let now = Instant::from_millis(k as u64 * 20);
            r.write(now, 0, a).expect("leg 0");
            r.write(now, 1, b).expect("leg 1");
        }
        let end = Instant::from_millis(CALL_SECONDS as u64 * 1000);
        let (target, _) = r.finish(end).expect("finish");
        target.into_inner().len()
    }
}

fn calls() -> [Call; 2] {
    [
        Call::new("wav_stereo_8k", 8000, RecordFormat::Wav),
        Call::new(
            "ogg_opus_stereo_16k_32kbps",
            16_000,
            RecordFormat::OggOpus { bitrate: 32_000 },
        ),
    ]
}

fn record(c: &mut Criterion<ThreadTime>) {
    let mut group = c.benchmark_group("record_10s_call");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.throughput(Throughput::Elements(CALL_SECONDS as u64));
    for call in calls() {
        group.bench_function(call.name, |b| b.iter(|| black_box(call.record())));
    }
    group.finish();
}

/// CPU seconds (user + system) of `sh_command` run by bash, from bash's `time`.
fn child_cpu_seconds(sh_command: &str) -> Result<f64, String> {
    let script = format!("TIMEFORMAT='%3U %3S'; time ( {sh_command} 2>/dev/null )");
    let out = Command::new("bash")
        .args(["-c", &script])
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run bash: {e}"))?;
    let text = String::from_utf8_lossy(&out.stderr);
    let mut figures = text
        .lines()
        .last()
        .unwrap_or("")
        .split_whitespace()
        .map(str::parse::<f64>);
    match (figures.next(), figures.next(), out.status.success()) {
        (Some(Ok(user)), Some(Ok(system)), true) => Ok(user + system),
        _ => Err(format!("`{sh_command}` failed: {}", text.trim())),
    }
}

/// Microseconds of CPU per second of audio for a reference `command(seconds)`: the best of
/// five long runs less the best of five short ones.
fn reference_per_second(command: impl Fn(f64) -> String) -> Result<f64, String> {
    let best = |seconds: f64| -> Result<f64, String> {
        (0..5)
            .map(|_| child_cpu_seconds(&command(seconds)))
            .try_fold(f64::MAX, |best, t| t.map(|t| best.min(t)))
    };
    let (long, short) = (best(REFERENCE_SECONDS)?, best(STARTUP_SECONDS)?);
    Ok((long - short).max(0.0) / (REFERENCE_SECONDS - STARTUP_SECONDS) * 1e6)
}

/// Writes each leg of `seconds` at `rate` as raw 16-bit files, and both interleaved.
fn write_legs(dir: &Path, rate: u32, seconds: f64) -> std::io::Result<()> {
    let legs = [0, 1].map(|leg| leg_signal(rate, seconds, leg));
    let bytes = |pcm: &[i16]| -> Vec<u8> { pcm.iter().flat_map(|s| s.to_le_bytes()).collect() };
    let tag = format!("{rate}-{seconds}");
    std::fs::write(dir.join(format!("a-{tag}.raw")), bytes(&legs[0]))?;
    std::fs::write(dir.join(format!("b-{tag}.raw")), bytes(&legs[1]))?;
    let both: Vec<i16> = legs[0]
        .iter()
        .zip(&legs[1])
        .flat_map(|(&a, &b)| [a, b])
        .collect();
    std::fs::write(dir.join(format!("ab-{tag}.raw")), bytes(&both))
}

fn references() -> [Result<f64, String>; 2] {
    let dir = std::env::temp_dir().join(format!("mediacore-bench-record-{}", std::process::id()));
    let prepared = std::fs::create_dir_all(&dir).and_then(|()| {
        [8000, 16_000].iter().try_for_each(|&rate| {
            write_legs(&dir, rate, REFERENCE_SECONDS)?;
            write_legs(&dir, rate, STARTUP_SECONDS)
        })
    });
    if let Err(e) = prepared {
        let e = format!("cannot write the reference input: {e}");
        return [Err(e.clone()), Err(e)];
    }
    let d = dir.display().to_string();
    let raw = "-t raw -r 8000 -e signed -b 16 -c 1";
    let sox = reference_per_second(|s| {
        format!("sox -V1 -M {raw} {d}/a-8000-{s}.raw {raw} {d}/b-8000-{s}.raw -t wav -")
    });
    let opusenc = reference_per_second(|s| {
        format!(
            "opusenc --quiet --raw --raw-rate 16000 --raw-chan 2 --bitrate 32 --hard-cbr \
             --comp 9 --framesize 20 {d}/ab-16000-{s}.raw -"
        )
    });
    let _ = std::fs::remove_dir_all(&dir);
    [sox, opusenc]
}

/// Prints ours against the references in microseconds of CPU per second of audio.
fn summary(_: &mut Criterion<ThreadTime>) {
    let refs = references();
    println!("\nrecording cost, microseconds of CPU per second of audio (per call)");
    for (call, (reference, name)) in calls().iter().zip(refs.iter().zip(["sox -M", "opusenc"])) {
        let ours = (0..5)
            .map(|_| {
                let start = thread_time();
                black_box(call.record());
                thread_time() - start
            })
            .min()
            .unwrap_or(Duration::ZERO);
        let ours = ours.as_secs_f64() * 1e6 / CALL_SECONDS as f64;
        match reference {
            Ok(theirs) => println!(
                "{:<28} ours {ours:>8.1}   {name} {theirs:>8.1}   ratio {:.2}",
                call.name,
                ours / theirs
            ),
            Err(e) => println!("{:<28} ours {ours:>8.1}   ({name}: {e})", call.name),
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadTime);
    targets = record, summary
}
criterion_main!(benches);
