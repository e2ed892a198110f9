//! Crash safety: a process recording a known signal in real time (`record_child`, driven by
//! the wall clock) is killed with SIGKILL mid-recording; sox, ffmpeg and opusdec then read
//! the file it left, which holds the signal, sample for sample for WAV, up to the last
//! checkpoint: at least everything recorded up to one `checkpoint_interval` (1 s) before the
//! last progress line the process printed.

mod record_common;

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mediacore_tests::oracle::{s16le_samples, scratch_dir};
use record_common::{best_correlation, channel, ffmpeg_pcm, opusdec, sox_info, sox_stat_seconds};

/// What the killed process left: the file, the signal it sent (stereo, 8 kHz), the last
/// duration it reported, and the wall time from its start to the kill.
struct Killed {
    path: PathBuf,
    reference: Vec<i16>,
    reported: Duration,
    elapsed: Duration,
}

/// Runs `record_child` for `format` and kills it once it reports `kill_at` recorded.
fn record_and_kill(format: &str, kill_at: Duration) -> Killed {
    let path = scratch_dir("record-crash").join(format!("call.{format}"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_record_child"))
        .arg(&path)
        .args([format, "20"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start record_child");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut started = None;
    let mut reported = Duration::ZERO;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("a progress line");
        if line == "started" {
            started = Some(Instant::now());
        } else if let Some(ms) = line.strip_prefix("recorded ") {
            reported = Duration::from_millis(ms.parse().expect("milliseconds"));
            if reported >= kill_at {
                child.kill().expect("SIGKILL");
                break;
            }
        }
    }
    let elapsed = started.expect("the child started").elapsed();
    let status = child.wait().expect("wait for the child");
    assert_eq!(
        status.signal(),
        Some(9),
        "the child died of SIGKILL, not {status:?}"
    );
    let reference = std::fs::read(format!("{}.ref", path.display())).expect("reference");
    Killed {
        path,
        reference: s16le_samples(&reference),
        reported,
        elapsed,
    }
}

/// Checks that `seconds` of audio in the file cover the reported progress less the
/// checkpoint interval, and prints how it compares to wall time.
fn check_length(what: &str, killed: &Killed, seconds: f64) {
    let reported = killed.reported.as_secs_f64();
    println!(
        "{what}: killed after {:.3} s of wall time, {reported:.3} s reported; the file holds {seconds:.3} s",
        killed.elapsed.as_secs_f64()
    );
    assert!(
        seconds >= reported - 1.0,
        "{what}: {seconds:.3} s in the file, {reported:.3} s reported"
    );
    assert!(
        seconds <= reported + 0.05,
        "{what}: more audio than was recorded"
    );
    // The recorder commits within the lag bound (0.2 s) of the clock.
    assert!(
        seconds >= killed.elapsed.as_secs_f64() - 1.3,
        "{what}: {seconds:.3} s in the file after {:.3} s",
        killed.elapsed.as_secs_f64()
    );
}

#[test]
fn a_killed_wav_recording_plays_up_to_its_last_checkpoint() {
    for kill_at in [Duration::from_millis(2500), Duration::from_millis(3770)] {
        let killed = record_and_kill("wav", kill_at);
        let (channels, rate, frames) = sox_info(&killed.path);
        assert_eq!((channels, rate), (2, 8000));
        let seconds = frames as f64 / 8000.0;
        check_length("WAV (sox --i)", &killed, seconds);
        assert!((sox_stat_seconds(&killed.path) - seconds).abs() < 1e-6);
        let (pcm, _) = ffmpeg_pcm(&killed.path, 2, 8000);
        assert_eq!(pcm.len() as u64, frames * 2, "ffmpeg reads as much as sox");
        assert!(
            pcm == killed.reference[..pcm.len()],
            "the file holds exactly the signal that was sent"
        );
    }
}

#[test]
fn a_killed_ogg_opus_recording_plays_up_to_its_last_checkpoint() {
    let killed = record_and_kill("ogg", Duration::from_millis(3300));
    let (theirs, _) = opusdec(&killed.path, 8000);
    check_length(
        "Ogg Opus (opusdec)",
        &killed,
        theirs.len() as f64 / 16_000.0,
    );
    let (ffmpeg, _) = ffmpeg_pcm(&killed.path, 2, 8000);
    check_length("Ogg Opus (ffmpeg)", &killed, ffmpeg.len() as f64 / 16_000.0);
    for (decoder, pcm) in [("opusdec", &theirs), ("ffmpeg", &ffmpeg)] {
        for c in 0..2 {
            let decoded = channel(pcm, 2, c);
            let sent = channel(&killed.reference[..pcm.len()], 2, c);
            let (corr, lag) = best_correlation(&sent, &decoded, 4);
            println!("{decoder} channel {c}: correlation {corr:.3} at lag {lag}");
            assert!(corr >= 0.9, "{decoder} channel {c}: correlation {corr:.3}");
        }
    }
}
