//! What the recorder's conformance and crash tests share: sox, ffmpeg, ffprobe, opusdec
//! and opusinfo run on a recording file, and signal comparison.

#![allow(dead_code)] // each test binary uses its own part

use std::path::Path;
use std::process::Command;

use mediacore_tests::oracle::s16le_samples;

/// Runs `program` with `args`; returns (stdout, stderr) and panics with stderr on failure,
/// naming the Debian package when the program is missing.
pub fn tool(program: &str, args: &[&str], package: &str) -> (Vec<u8>, String) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} ({e}); install the Debian package `{package}`")
        });
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{program} {args:?} failed: {stderr}");
    (out.stdout, stderr)
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// `sox --i` on a file: (channels, rate, samples per channel).
pub fn sox_info(path: &Path) -> (u16, u32, u64) {
    let field = |flag: &str| -> String {
        let (out, _) = tool("sox", &["--i", flag, path_str(path)], "sox");
        String::from_utf8_lossy(&out).trim().to_owned()
    };
    (
        field("-c").parse().expect("channels"),
        field("-r").parse().expect("rate"),
        field("-s").parse().expect("samples"),
    )
}

/// `sox <file> -n stat`: the "Length (seconds)" it reports after reading all the audio.
pub fn sox_stat_seconds(path: &Path) -> f64 {
    let (_, stderr) = tool("sox", &[path_str(path), "-n", "stat"], "sox");
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("Length (seconds):"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no length in sox stat output: {stderr}"))
}

/// ffmpeg's decoding of a file as interleaved 16-bit PCM with `channels` at `rate`, and
/// what it printed as warnings.
pub fn ffmpeg_pcm(path: &Path, channels: u16, rate: u32) -> (Vec<i16>, String) {
    let (channels, rate) = (channels.to_string(), rate.to_string());
    let args = [
        "-v",
        "warning",
        "-nostdin",
        "-i",
        path_str(path),
        "-f",
        "s16le",
        "-ac",
        &channels,
        "-ar",
        &rate,
        "-",
    ];
    let (out, stderr) = tool("ffmpeg", &args, "ffmpeg");
    (s16le_samples(&out), stderr)
}

/// `ffprobe -show_format -show_streams` as JSON.
pub fn ffprobe(path: &Path) -> serde_json::Value {
    let args = [
        "-v",
        "error",
        "-show_format",
        "-show_streams",
        "-of",
        "json",
        path_str(path),
    ];
    let (out, _) = tool("ffprobe", &args, "ffmpeg");
    serde_json::from_slice(&out).expect("ffprobe prints JSON")
}

/// A tag of ffprobe's format or first stream, looked up without regard to case.
pub fn tag(probe: &serde_json::Value, key: &str) -> Option<String> {
    let sources = [&probe["format"]["tags"], &probe["streams"][0]["tags"]];
    sources.iter().find_map(|tags| {
        tags.as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.as_str().map(str::to_owned))
    })
}

/// `opusdec` on a file, to 16-bit PCM at `rate` without dither, and its messages.
pub fn opusdec(path: &Path, rate: u32) -> (Vec<i16>, String) {
    let rate = rate.to_string();
    let args = ["--no-dither", "--rate", &rate, path_str(path), "-"];
    let (out, stderr) = tool("opusdec", &args, "opus-tools");
    (s16le_samples(&out), stderr)
}

/// One channel of interleaved samples, as floats.
pub fn channel(pcm: &[i16], channels: usize, which: usize) -> Vec<f64> {
    pcm.iter()
        .skip(which)
        .step_by(channels)
        .map(|&s| f64::from(s))
        .collect()
}

/// Normalised correlation of `a` and `b` with `b` shifted by `lag` samples.
pub fn correlation_at(a: &[f64], b: &[f64], lag: isize) -> f64 {
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (i, &x) in a.iter().enumerate() {
        let j = i as isize + lag;
        if j < 0 || j as usize >= b.len() {
            continue;
        }
        let y = b[j as usize];
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    if aa == 0.0 || bb == 0.0 {
        return 0.0;
    }
    ab / (aa * bb).sqrt()
}

/// The best correlation within `max_lag` samples either way, and its lag.
pub fn best_correlation(a: &[f64], b: &[f64], max_lag: isize) -> (f64, isize) {
    (-max_lag..=max_lag)
        .map(|lag| (correlation_at(a, b, lag), lag))
        .fold((f64::MIN, 0), |best, c| if c.0 > best.0 { c } else { best })
}
