//! Prompt playback: what decoding a prompt once costs, next to what playing it costs each
//! call, and the memory 1,000 calls playing one prompt take with the cache and without.
//!
//! - `decode_<file>`: [`Prompt::decode`] of about 5 s of espeak-ng speech in each format, to
//!   an 8 kHz mono call (decode, mix, resample). The reference is ffmpeg decoding the same
//!   file to 8 kHz mono raw PCM (`-threads 1 -f s16le -ac 1 -ar 8000`), timed by its own
//!   `-benchmark` user CPU time: the file decoded 21 times in one run (`-stream_loop 20`)
//!   minus once, over 20 (more for short files, to fill half a second), so that process
//!   start-up and probing are left out. It is printed (`ffmpeg reference: ...`) rather than
//!   sampled by criterion.
//! - `play_1s_<layout>`: one call's [`Player`] reading one second of a cached prompt
//!   (looping) in 20 ms frames with -6 dB of gain; `copy_1s_<layout>`: the same samples copied
//!   into the same frames without a player, the floor.
//! - Memory (printed as `memory: ...`): live heap bytes, counted by this bench's global
//!   allocator, of 1,000 calls each holding the prompt and a `Player` playing it, with the
//!   prompt from one [`PromptCache`] and with a copy decoded per call.
//!
//! Times are the measuring thread's CPU time (as in the other benches that compare with an
//! external program on this shared machine). Without espeak-ng or ffmpeg the bench says so
//! and uses what it can (a synthetic WAV; no reference).

#[path = "common/thread_time.rs"]
mod thread_time;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicIsize, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mediacore::playback::{DecodeLimits, PlayOptions, Player, Prompt, PromptCache};
use thread_time::ThreadTime;

/// Heap bytes live now, through the system allocator.
struct CountingAllocator;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is an atomic
// that neither allocates nor unwinds.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn live_bytes() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// What espeak-ng says: about 5.3 seconds of speech.
const TEXT: &str =
    "Thank you for calling. Please hold while we transfer your call to the next available agent.";

/// The files decoded: name, and ffmpeg's codec options from the 22.05 kHz speech.
const FILES: [(&str, &[&str]); 6] = [
    ("wav_8k_mono.wav", &["-ar", "8000", "-c:a", "pcm_s16le"]),
    (
        "wav_44k_stereo.wav",
        &["-ar", "44100", "-ac", "2", "-c:a", "pcm_s16le"],
    ),
    (
        "mp3_44k_stereo.mp3",
        &[
            "-ar",
            "44100",
            "-ac",
            "2",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "128k",
        ],
    ),
    ("flac_44k.flac", &["-ar", "44100", "-c:a", "flac"]),
    (
        "vorbis_44k.ogg",
        &["-ar", "44100", "-c:a", "libvorbis", "-q:a", "4"],
    ),
    ("opus_48k.opus", &["-c:a", "libopus", "-b:a", "24k"]),
];

/// Each file's name and bytes.
type Files = Vec<(&'static str, Vec<u8>)>;

/// A scratch directory with the speech and the files of [`FILES`] made from it, or why not.
fn make_files() -> Result<(PathBuf, Files), String> {
    let dir = std::env::temp_dir().join(format!("mediacore-bench-playback-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let speech = dir.join("speech.wav");
    let status = Command::new("espeak-ng")
        .arg("-w")
        .arg(&speech)
        .arg(TEXT)
        .status()
        .map_err(|e| format!("cannot run espeak-ng: {e}"))?;
    if !status.success() {
        return Err("espeak-ng failed".into());
    }
    let mut files = Vec::new();
    for (name, args) in FILES {
        let out = dir.join(name);
        let status = Command::new("ffmpeg")
            .args(["-hide_banner", "-v", "error", "-nostdin", "-y", "-i"])
            .arg(&speech)
            .args(args)
            .arg(&out)
            .status()
            .map_err(|e| format!("cannot run ffmpeg: {e}"))?;
        if !status.success() {
            return Err(format!("ffmpeg could not make {name}"));
        }
        files.push((name, std::fs::read(&out).map_err(|e| e.to_string())?));
    }
    Ok((dir, files))
}

/// Five seconds of a speech-like signal as an 8 kHz mono WAV, when the tools are missing.
fn synthetic_wav() -> Vec<u8> {
    let samples: Vec<u8> = (0..40_000)
        .flat_map(|i| {
            let t = f64::from(i) / 8000.0;
            let v = 8000.0
                * (t * 180.0 * std::f64::consts::TAU).sin()
                * (0.5 + 0.5 * (t * 4.0 * std::f64::consts::TAU).sin());
            (v as i16).to_le_bytes()
        })
        .collect();
    let mut f = b"RIFF".to_vec();
    f.extend_from_slice(&(36 + samples.len() as u32).to_le_bytes());
    f.extend_from_slice(b"WAVEfmt \x10\0\0\0\x01\0\x01\0\x40\x1f\0\0\x80\x3e\0\0\x02\0\x10\0data");
    f.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    f.extend_from_slice(&samples);
    f
}

/// ffmpeg's user CPU time, in seconds, decoding `file` `loops` times to 8 kHz mono.
fn ffmpeg_utime(file: &Path, loops: u32) -> Result<f64, String> {
    let out = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-nostdin",
            "-benchmark",
            "-threads",
            "1",
            "-stream_loop",
        ])
        .arg((loops - 1).to_string())
        .arg("-i")
        .arg(file)
        .args([
            "-threads",
            "1",
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            "8000",
            "-y",
            "/dev/null",
        ])
        .output()
        .map_err(|e| format!("cannot run ffmpeg: {e}"))?;
    let text = String::from_utf8_lossy(&out.stderr);
    text.split_whitespace()
        .find_map(|w| w.strip_prefix("utime="))
        .and_then(|v| v.trim_end_matches('s').parse().ok())
        .ok_or_else(|| format!("no utime in ffmpeg's -benchmark output: {}", text.trim()))
}

/// ffmpeg's CPU time per decode of `file`, in microseconds: median over 5 runs of
/// (n + 1 decodes - 1 decode) / n, with n (at least 20) large enough for about half a second
/// of CPU time, so that the clock's tick does not dominate.
fn ffmpeg_decode_us(file: &Path) -> Result<f64, String> {
    let probe = ffmpeg_utime(file, 21)? - ffmpeg_utime(file, 1)?;
    let n = if probe > 0.0 {
        ((0.5 / probe * 20.0).ceil() as u32).clamp(20, 2000)
    } else {
        2000
    };
    let mut per = Vec::new();
    for _ in 0..5 {
        let many = ffmpeg_utime(file, n + 1)?;
        let one = ffmpeg_utime(file, 1)?;
        per.push((many - one) / f64::from(n) * 1e6);
    }
    per.sort_by(f64::total_cmp);
    Ok(per[2])
}

fn limits() -> DecodeLimits {
    DecodeLimits::default()
}

fn decode(c: &mut Criterion<ThreadTime>) {
    let (dir, files) = match make_files() {
        Ok(made) => made,
        Err(e) => {
            eprintln!("playback: files not made ({e}); measuring a synthetic WAV only");
            (PathBuf::new(), vec![("synthetic_8k.wav", synthetic_wav())])
        }
    };
    let mut group = c.benchmark_group("playback");
    for (name, bytes) in &files {
        let prompt = Prompt::decode(bytes, None, 8000, 1, &limits()).expect("the file decodes");
        let seconds = prompt.duration().as_secs_f64();
        let stem = name.split('.').next().unwrap_or(name);
        group.throughput(Throughput::Elements(prompt.frames() as u64));
        group.bench_function(format!("decode_{stem}"), |b| {
            b.iter(|| Prompt::decode(black_box(bytes), None, 8000, 1, &limits()).expect("decodes"));
        });
        if dir.as_os_str().is_empty() {
            continue;
        }
        match ffmpeg_decode_us(&dir.join(name)) {
            Ok(us) => eprintln!(
                "ffmpeg reference: {stem}: {us:.0} µs per decode of {seconds:.2} s, \
                 {:.0} µs per second of audio",
                us / seconds
            ),
            Err(e) => eprintln!("ffmpeg reference: {stem}: not measured: {e}"),
        }
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

/// The speech decoded to `rate` and `channels`, from the WAV made for the bench or a
/// synthetic one.
fn speech_prompt(rate: u32, channels: u16) -> (Vec<u8>, Prompt) {
    static WAV: OnceLock<Vec<u8>> = OnceLock::new();
    let bytes = WAV
        .get_or_init(|| {
            make_files()
                .ok()
                .and_then(|(dir, files)| {
                    let _ = std::fs::remove_dir_all(dir);
                    let wav = files
                        .into_iter()
                        .find(|(n, _)| n.ends_with("44k_stereo.wav"));
                    wav.map(|(_, b)| b)
                })
                .unwrap_or_else(synthetic_wav)
        })
        .clone();
    let prompt = Prompt::decode(&bytes, None, rate, channels, &limits()).expect("decodes");
    (bytes, prompt)
}

fn play(c: &mut Criterion<ThreadTime>) {
    let mut group = c.benchmark_group("playback");
    for (rate, channels, layout) in [(8000u32, 1u16, "8k_mono"), (48_000, 2, "48k_stereo")] {
        let (_, prompt) = speech_prompt(rate, channels);
        let frame = (rate / 50) as usize * usize::from(channels);
        let second = rate as usize * usize::from(channels);
        group.throughput(Throughput::Elements(u64::from(rate)));
        let options = PlayOptions {
            gain_db: -6.0,
            ..PlayOptions::default()
        };
        // The player is built once and the prompt loops: each iteration is one second of
        // 20 ms frames, the steady per-call cost.
        let mut player = Player::new(rate, channels).expect("a layout");
        let looping = PlayOptions {
            looping: true,
            ..options
        };
        player.play(prompt.clone(), looping).expect("plays");
        group.bench_function(format!("play_1s_{layout}"), |b| {
            let mut out = vec![0i16; frame];
            b.iter(|| {
                for _ in 0..50 {
                    player.fill(black_box(&mut out));
                }
                while player.poll_event().is_some() {}
            });
        });
        group.bench_function(format!("copy_1s_{layout}"), |b| {
            let mut out = vec![0i16; frame];
            b.iter(|| {
                for chunk in black_box(prompt.samples())[..second].chunks_exact(frame) {
                    out.copy_from_slice(chunk);
                    black_box(&out);
                }
            });
        });
    }
    group.finish();
}

/// Live bytes added by building 1,000 calls with `call`.
fn thousand_calls(mut call: impl FnMut() -> (Prompt, Player)) -> (isize, Vec<(Prompt, Player)>) {
    let before = live_bytes();
    let mut calls = Vec::with_capacity(1000);
    let vec_bytes = live_bytes() - before;
    for _ in 0..1000 {
        calls.push(call());
    }
    (live_bytes() - before - vec_bytes, calls)
}

fn memory(_: &mut Criterion<ThreadTime>) {
    let (bytes, prompt) = speech_prompt(8000, 1);
    let (rate, channels) = (8000, 1);
    let key = "welcome.wav";
    let options = PlayOptions::default();
    let player = |p: &Prompt| {
        let mut player = Player::new(rate, channels).expect("a layout");
        player.play(p.clone(), options).expect("plays");
        player
    };

    let players_only = {
        let (n, calls) = thousand_calls(|| (prompt.clone(), player(&prompt)));
        drop(calls);
        n
    };
    // The first call decodes into the cache; the other 999 get clones of that copy.
    let mut cache = PromptCache::new(64 << 20);
    let (shared, calls) = thousand_calls(|| {
        let p = cache
            .get_or_decode(key, rate, channels, &limits(), || Ok(bytes.clone()))
            .expect("decodes");
        let pl = player(&p);
        (p, pl)
    });
    assert!(
        calls
            .iter()
            .all(|(p, _)| p.shares_samples_with(&calls[0].0))
    );
    drop(calls);
    drop(cache);
    let (separate, calls) = thousand_calls(|| {
        let p = Prompt::decode(&bytes, None, rate, channels, &limits()).expect("decodes");
        let pl = player(&p);
        (p, pl)
    });
    drop(calls);
    let kib = |b: isize| b as f64 / 1024.0;
    eprintln!(
        "memory: one prompt of {:.2} s at 8 kHz mono holds {:.1} KiB of samples",
        prompt.duration().as_secs_f64(),
        kib(prompt.memory_bytes() as isize)
    );
    eprintln!(
        "memory: 1,000 calls, clones of one prompt and a Player each: {:.0} KiB ({:.2} KiB per call)",
        kib(players_only),
        kib(players_only) / 1000.0
    );
    eprintln!(
        "memory: 1,000 calls through one PromptCache (its one copy included): {:.0} KiB \
         ({:.2} KiB per call)",
        kib(shared),
        kib(shared) / 1000.0
    );
    eprintln!(
        "memory: 1,000 calls each decoding its own copy: {:.0} KiB ({:.2} KiB per call); \
         {:.1} times the cached figure",
        kib(separate),
        kib(separate) / 1000.0,
        separate as f64 / shared as f64
    );
}

fn config() -> Criterion<ThreadTime> {
    Criterion::default().with_measurement(ThreadTime)
}

criterion_group! {
    name = benches;
    config = config();
    targets = memory, play, decode
}
criterion_main!(benches);
