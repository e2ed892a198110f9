//! A host that records a known two-leg signal through `mediacore::record::Recorder` into a
//! file, in real time, for `tests/tests/record_crash.rs` to kill with SIGKILL mid-way.
//!
//! Usage: `record_child <file> <wav|ogg> <seconds>`
//!
//! Before recording it writes the whole signal it will send, interleaved 16-bit
//! little-endian stereo at 8 kHz (leg 0 left), to `<file>.ref`. Then it prints `started`
//! and sends both legs' 20 ms frames at 8 kHz as the wall clock reaches them. Like a media
//! server's tick, each frame's `now` is its media time (tick `k` plays at `k` x 20 ms), not
//! the moment the process got to it. After each tick it prints `recorded <ms>`: the
//! recorder's duration so far, flushed at once so the test sees each line as it is printed.

use std::io::{BufWriter, Write};
use std::time::{Duration, Instant as WallClock};

use mediacore::record::{RecordConfig, RecordFormat, RecordLayout, Recorder};
use mediacore::{AudioFrame, Instant};

const RATE: u32 = 8000;
const FRAME: usize = 160;

/// Sample `i` of leg `leg`: two tones under a slow swell, different per leg, so that any
/// misplaced or missing stretch shows.
fn signal(leg: usize, i: usize) -> i16 {
    let t = i as f64 / f64::from(RATE);
    let (a, b) = if leg == 0 {
        (440.0, 660.0)
    } else {
        (1250.0, 310.0)
    };
    let swell = 0.6 + 0.4 * (std::f64::consts::TAU * 0.7 * t + leg as f64).sin();
    let tone = (std::f64::consts::TAU * a * t).sin() + 0.5 * (std::f64::consts::TAU * b * t).sin();
    (tone * swell * 8000.0) as i16
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, format, seconds] = args.as_slice() else {
        eprintln!("usage: record_child <file> <wav|ogg> <seconds>");
        std::process::exit(2);
    };
    let seconds: u64 = seconds.parse().expect("seconds");
    let frames = seconds as usize * 50;
    let reference: Vec<u8> = (0..frames * FRAME)
        .flat_map(|i| [signal(0, i), signal(1, i)])
        .flat_map(i16::to_le_bytes)
        .collect();
    std::fs::write(format!("{path}.ref"), reference).expect("write the reference");

    let mut config = RecordConfig::new(RecordLayout::Stereo, RATE);
    config.format = match format.as_str() {
        "wav" => RecordFormat::Wav,
        "ogg" => RecordFormat::OggOpus { bitrate: 32_000 },
        other => panic!("unknown format {other}"),
    };
    config.metadata.start_time = "2026-11-21T10:00:00Z".into();
    config.metadata.call_id = Some("crash-test".into());
    let file = std::fs::File::create(path).expect("create the recording");
    let clock = WallClock::now();
    let mut recorder = Recorder::new(file, config, Instant::ZERO).expect("start recording");
    let mut out = BufWriter::new(std::io::stdout().lock());
    writeln!(out, "started")
        .and_then(|()| out.flush())
        .expect("stdout");
    for k in 0..frames {
        let due = Duration::from_millis(k as u64 * 20);
        if let Some(wait) = due.checked_sub(clock.elapsed()) {
            std::thread::sleep(wait);
        }
        let at = Instant::from_millis(k as u64 * 20);
        for leg in 0..2 {
            let pcm = (k * FRAME..(k + 1) * FRAME)
                .map(|i| signal(leg, i))
                .collect();
            let frame = AudioFrame::new(pcm, RATE, 1).expect("frame");
            recorder.write(at, leg, &frame).expect("record");
        }
        if recorder.poll_timeout().is_some_and(|t| t <= at) {
            recorder.handle_timeout(at).expect("timeout");
        }
        let ms = recorder.duration().as_millis();
        writeln!(out, "recorded {ms}")
            .and_then(|()| out.flush())
            .expect("stdout");
    }
    recorder
        .finish(Instant::from_millis(frames as u64 * 20))
        .expect("finish");
    writeln!(out, "finished")
        .and_then(|()| out.flush())
        .expect("stdout");
}
