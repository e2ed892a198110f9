//! The timeline against synthetic traces: gaps become silence of their length, a leg that
//! runs ahead is cut back, resampled legs line up, and two drifting, jittery, lossy legs
//! stay aligned over an hour.

use core::time::Duration;
use std::io::Cursor;

use super::tests::{at, frame, level, read_wav};
use super::*;
use crate::rng::SeededRng;
use crate::{AudioFrame, Instant};

fn recorder(layout: RecordLayout, rate: u32) -> Recorder<Cursor<Vec<u8>>> {
    Recorder::new(
        Cursor::new(Vec::new()),
        RecordConfig::new(layout, rate),
        Instant::ZERO,
    )
    .unwrap()
}

fn channel(samples: &[i16], channels: usize, which: usize) -> Vec<i16> {
    samples
        .iter()
        .skip(which)
        .step_by(channels)
        .copied()
        .collect()
}

#[test]
fn gaps_from_loss_and_dtx_become_silence_of_their_length() {
    let mut r = recorder(RecordLayout::Mono, 8000);
    // 20 ms frames numbered 1 to 100; 10 to 14 (DTX, 100 ms), 40 (one lost frame) and 60
    // to 61 are missing.
    for i in 1..=100u64 {
        if (10..15).contains(&i) || i == 40 || (60..62).contains(&i) {
            continue;
        }
        r.write(at((i - 1) * 20), 0, &level(8000, i as i16, 20))
            .unwrap();
    }
    let (target, summary) = r.finish(at(2000)).unwrap();
    assert_eq!(summary.duration, Duration::from_secs(2));
    let samples = read_wav(&target.into_inner()).1;
    for i in 1..=100u64 {
        let span = &samples[(i as usize - 1) * 160..i as usize * 160];
        let missing = (10..15).contains(&i) || (60..62).contains(&i);
        let expected = match i {
            // One lost frame is within the tolerance: frames 41 and 42 follow 39 seamlessly,
            // and the third frame 20 ms off (43) makes it a shift: silence puts 43 in place.
            40 | 41 => i as i16 + 1,
            42 => 0,
            _ if missing => 0,
            _ => i as i16,
        };
        assert!(
            span.iter().all(|&s| s == expected),
            "frame {i}: {:?}",
            &span[..4]
        );
    }
}

#[test]
fn a_leg_running_ahead_is_cut_back_to_its_now() {
    let mut r = recorder(RecordLayout::Mono, 8000);
    // A sender whose frames hold 22 ms each while its `now` advances 20 ms.
    for i in 0..500u64 {
        r.write(at(i * 20), 0, &level(8000, (i % 1000) as i16 + 1, 22))
            .unwrap();
        let ahead = r.duration().as_millis() as i64 - (i as i64 + 1) * 20;
        assert!(ahead <= 2 + 22 + 22, "frame {i}: {ahead} ms ahead");
    }
    let (target, summary) = r.finish(at(10_000)).unwrap();
    let ahead = summary.duration.as_millis() as i64 - 10_000;
    assert!((0..=44).contains(&ahead), "{ahead} ms ahead at the end");
    let samples = read_wav(&target.into_inner()).1;
    // Frame i is found within a tolerance of where its `now` puts it.
    for i in (0..500u64).step_by(7) {
        let value = (i % 1000) as i16 + 1;
        let first = samples.iter().position(|&s| s == value);
        if let Some(first) = first {
            let off = first as i64 - (i * 160) as i64;
            assert!(off.abs() <= 176 + 8, "frame {i} is {off} samples off");
        }
    }
}

/// Index of the first sample past half of `level`.
fn step_at(signal: &[i16], level: i16) -> usize {
    signal
        .iter()
        .position(|&s| s > level / 2)
        .expect("the step")
}

#[test]
fn legs_at_different_rates_line_up_after_resampling() {
    for out_rate in [8000, 16_000, 48_000] {
        let mut r = recorder(RecordLayout::Stereo, out_rate);
        // A step from 0 to 10000 at exactly 500 ms on both legs: leg 0 at 48 kHz in 10 ms
        // frames, leg 1 at 8 kHz in 20 ms frames.
        for ms in (0..1000u64).step_by(10) {
            let step = |rate: u32, len: u64| -> AudioFrame {
                let n = (rate as u64 * len / 1000) as usize;
                let from = (rate as u64 * ms / 1000) as usize;
                let edge = rate as usize / 2;
                frame(
                    rate,
                    (from..from + n)
                        .map(|k| if k >= edge { 10_000 } else { 0 })
                        .collect(),
                )
            };
            r.write(at(ms), 0, &step(48_000, 10)).unwrap();
            if ms % 20 == 0 {
                r.write(at(ms), 1, &step(8000, 20)).unwrap();
            }
        }
        let (target, _) = r.finish(at(1000)).unwrap();
        let samples = read_wav(&target.into_inner()).1;
        let expected = out_rate as usize / 2;
        // A step between two 8 kHz samples crosses half way between them once band-limited:
        // up to half an 8 kHz sample early.
        let slack = (out_rate / 8000) as i64;
        for leg in 0..2 {
            let found = step_at(&channel(&samples, 2, leg), 10_000);
            let off = found as i64 - expected as i64;
            assert!(
                off.abs() <= slack,
                "{out_rate} Hz leg {leg}: step {off} samples off"
            );
        }
    }
}

/// One leg's sender: a clock `ppm` off the host's, 20 ms frames of its own clock's samples,
/// an 8-sample pulse at each marker time of the host's clock.
struct Sender {
    ppm: f64,
    produced: u64,
}

impl Sender {
    fn frame(&mut self, k: u64, markers: &[u64]) -> Vec<i16> {
        let scale = 1.0 + self.ppm * 1e-6;
        let end = ((k + 1) as f64 * 160.0 * scale).round() as u64;
        let mut out = vec![0i16; (end - self.produced) as usize];
        for &m in markers {
            let at = (m as f64 * scale).round() as u64;
            for i in at..at + 8 {
                if (self.produced..end).contains(&i) {
                    out[(i - self.produced) as usize] = 20_000;
                }
            }
        }
        self.produced = end;
        out
    }
}

#[test]
fn two_drifting_jittery_lossy_legs_stay_aligned_for_an_hour() {
    const FRAMES: u64 = 3600 * 50;
    let mut r = recorder(RecordLayout::Stereo, 8000);
    let mut rng = SeededRng::new(7);
    let mut senders = [
        Sender {
            ppm: 100.0,
            produced: 0,
        },
        Sender {
            ppm: -100.0,
            produced: 0,
        },
    ];
    // A marker every 10 s (host clock, in 8 kHz samples), 3 ms into the second.
    let markers: Vec<u64> = (1..360).map(|m| m * 80_000 + 24).collect();
    let mut lost_markers = Vec::new();
    for k in 0..FRAMES {
        let near: Vec<u64> = markers
            .iter()
            .copied()
            .filter(|&m| m + 400 >= k * 160 && m <= (k + 3) * 160)
            .collect();
        for (leg, sender) in senders.iter_mut().enumerate() {
            let samples = sender.frame(k, &near);
            // 0.5% loss on each leg, and leg 1 silent (DTX) for 3 s every 5 minutes.
            let lost = rng.next_u32().is_multiple_of(200);
            let dtx = leg == 1 && (k % 15_000) >= 14_850;
            if lost || dtx {
                if samples.contains(&20_000) {
                    lost_markers.push(k);
                }
                continue;
            }
            // Host jitter: up to 8 ms either way.
            let jitter = i64::from(rng.next_u32() % 16_001) - 8000;
            let now = Instant::from_micros((k as i64 * 20_000 + jitter).max(0) as u64);
            r.write(now, leg, &frame(8000, samples)).unwrap();
        }
        if k % 50 == 0 {
            r.handle_timeout(at(k * 20)).unwrap();
        }
    }
    let (target, summary) = r.finish(at(FRAMES * 20)).unwrap();
    let drift = summary.duration.as_millis() as i64 - 3_600_000;
    assert!(drift.abs() <= 20, "recording is {drift} ms off an hour");
    let samples = read_wav(&target.into_inner()).1;
    let legs = [channel(&samples, 2, 0), channel(&samples, 2, 1)];
    let (mut worst_pair, mut worst_abs, mut checked) = (0i64, 0i64, 0);
    for &m in &markers {
        if lost_markers
            .iter()
            .any(|&k| k * 160 <= m + 200 && m <= (k + 1) * 160 + 200)
        {
            continue;
        }
        let window = (m as usize - 800)..(m as usize + 800);
        let found: Vec<Option<usize>> = legs
            .iter()
            .map(|l| {
                l[window.clone()]
                    .iter()
                    .position(|&s| s > 10_000)
                    .map(|p| p + window.start)
            })
            .collect();
        let (Some(a), Some(b)) = (found[0], found[1]) else {
            continue; // a correction dropped the pulse itself
        };
        checked += 1;
        worst_pair = worst_pair.max((a as i64 - b as i64).abs());
        worst_abs = worst_abs
            .max((a as i64 - m as i64).abs())
            .max((b as i64 - m as i64).abs());
    }
    println!(
        "{checked} markers checked: legs within {worst_pair} samples of each other, {worst_abs} of the host's time"
    );
    assert!(checked >= 300, "only {checked} markers found in both legs");
    assert!(
        worst_pair <= 160,
        "legs {worst_pair} samples apart (more than one frame)"
    );
    assert!(
        worst_abs <= 160,
        "a leg {worst_abs} samples off the host's time"
    );
}

#[test]
fn timeouts_alone_advance_the_timeline_and_checkpoint() {
    let mut r = recorder(RecordLayout::Stereo, 8000);
    let mut now = Instant::ZERO;
    let mut wakeups = 0;
    while now < at(5000) {
        let next = r.poll_timeout().expect("a recording wants a timeout");
        assert!(next > now, "the timeout moves on");
        now = next;
        r.handle_timeout(now).unwrap();
        wakeups += 1;
        // The file on the target trails the clock by at most the lag bound and an interval.
        let on_target = read_wav(r.target().get_ref()).1.len() as u64 / 2;
        let behind = now.as_micros() / 125 - on_target;
        assert!(behind <= 8000 + 1600, "{behind} samples behind at {now:?}");
    }
    assert!((5..=6).contains(&wakeups), "{wakeups} wake-ups for 5 s");
    r.pause(now);
    assert!(
        r.poll_timeout().is_some(),
        "silence still runs in Silence mode"
    );
    let mut config = RecordConfig::new(RecordLayout::Mono, 8000);
    config.pause_mode = PauseMode::Skip;
    let mut r = Recorder::new(Cursor::new(Vec::new()), config, Instant::ZERO).unwrap();
    r.pause(at(100));
    assert_eq!(
        r.poll_timeout(),
        None,
        "nothing happens while time is skipped"
    );
    r.resume(at(900));
    let next = r.poll_timeout().unwrap();
    // The pause checkpointed at 0.1 s of media; the next falls an interval later, which
    // plays 0.8 s (the skipped time) later than it would have, plus the lag bound.
    assert_eq!(next, at(100 + 1000 + 800 + 200));
}
