//! Recorder behaviour on in-memory targets, read back with hound's `WavReader`: layouts,
//! metadata, validity at every moment, limits, bad input and failing targets.

use core::time::Duration;
use std::io::{self, Cursor, Seek, SeekFrom, Write};

use super::*;
use crate::{AudioFrame, Instant};

pub(super) fn at(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

pub(super) fn frame(rate: u32, samples: Vec<i16>) -> AudioFrame {
    AudioFrame::new(samples, rate, 1).unwrap()
}

/// `n` samples of a constant.
pub(super) fn level(rate: u32, value: i16, ms: u64) -> AudioFrame {
    frame(rate, vec![value; (rate as u64 * ms / 1000) as usize])
}

/// The spec and samples of a WAV file, checking that its sizes match its length.
pub(super) fn read_wav(bytes: &[u8]) -> (hound::WavSpec, Vec<i16>) {
    let reader = hound::WavReader::new(Cursor::new(bytes)).expect("a valid WAV file");
    let spec = reader.spec();
    let riff = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    assert_eq!(riff + 8, bytes.len(), "RIFF size matches the file");
    let data = reader.len() as usize * 2;
    let samples: Vec<i16> = reader.into_samples().map(Result::unwrap).collect();
    assert_eq!(samples.len() * 2, data);
    assert_eq!(
        samples.len() % usize::from(spec.channels),
        0,
        "whole frames"
    );
    (spec, samples)
}

fn recorder(config: RecordConfig) -> Recorder<Cursor<Vec<u8>>> {
    Recorder::new(Cursor::new(Vec::new()), config, Instant::ZERO).unwrap()
}

fn finish(r: Recorder<Cursor<Vec<u8>>>, now: Instant) -> (Vec<u8>, RecordingSummary) {
    let (target, summary) = r.finish(now).unwrap();
    (target.into_inner(), summary)
}

#[test]
fn a_recorder_can_move_between_threads() {
    fn send<T: Send>() {}
    send::<Recorder<Cursor<Vec<u8>>>>();
    send::<Recorder<crate::RecordTarget>>(); // what a session records into, files included
}

#[test]
fn stereo_puts_each_leg_on_its_channel_sample_for_sample() {
    let mut r = recorder(RecordConfig::new(RecordLayout::Stereo, 8000));
    for i in 0..50u64 {
        let left: Vec<i16> = (0..160).map(|k| (i * 160 + k) as i16).collect();
        let right: Vec<i16> = left.iter().map(|&s| -s).collect();
        r.write(at(i * 20), 0, &frame(8000, left)).unwrap();
        r.write(at(i * 20), 1, &frame(8000, right)).unwrap();
    }
    let (bytes, summary) = finish(r, at(1000));
    let (spec, samples) = read_wav(&bytes);
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 8000, 16)
    );
    assert_eq!(summary.duration, Duration::from_secs(1));
    assert_eq!(summary.bytes, bytes.len() as u64);
    for (k, pair) in samples.chunks(2).enumerate() {
        assert_eq!(pair, [k as i16, -(k as i16)], "frame {k}");
    }
}

#[test]
fn mixed_mono_sums_the_legs_and_mono_takes_one() {
    let mut r = recorder(RecordConfig::new(RecordLayout::MixedMono, 16_000));
    for i in 0..10 {
        r.write(at(i * 20), 0, &level(16_000, 1000, 20)).unwrap();
        r.write(at(i * 20), 1, &level(16_000, 234, 20)).unwrap();
    }
    let (bytes, _) = finish(r, at(200));
    let (spec, samples) = read_wav(&bytes);
    assert_eq!(spec.channels, 1);
    assert_eq!(samples.len(), 3200);
    assert!(samples.iter().all(|&s| s == 1234));

    let mut r = recorder(RecordConfig::new(RecordLayout::Mono, 8000));
    let e = r.write(at(0), 1, &level(8000, 1, 20)).unwrap_err();
    assert_eq!(
        e,
        RecordError::NoSuchLeg {
            leg: 1,
            layout: "mono",
            last: 0
        }
    );
    r.write(at(0), 0, &level(8000, 7, 20)).unwrap();
    let (bytes, _) = finish(r, at(20));
    assert_eq!(read_wav(&bytes).1, vec![7; 160]);
}

#[test]
fn metadata_is_in_the_file_from_its_first_byte() {
    let mut config = RecordConfig::new(RecordLayout::Stereo, 8000);
    config.metadata = RecordingMetadata {
        start_time: "2026-11-21T10:00:00Z".into(),
        call_id: Some("a84b4c76e66710@pc33".into()),
        legs: vec![
            "sip:alice@atlanta.example".into(),
            "sip:bob@biloxi.example".into(),
        ],
        extra: vec![("queue".into(), "support".into())],
    };
    let r = recorder(config);
    let bytes = r.target().get_ref().clone();
    let (_, samples) = read_wav(&bytes);
    assert!(samples.is_empty());
    assert_eq!(&bytes[36..40], b"LIST");
    let text = String::from_utf8_lossy(&bytes);
    for fact in [
        "call_id=a84b4c76e66710@pc33",
        "leg1=sip:bob@biloxi.example",
        "queue=support",
    ] {
        assert!(text.contains(fact), "{fact}");
    }
}

#[test]
fn the_target_is_a_valid_file_after_every_call() {
    let mut config = RecordConfig::new(RecordLayout::Stereo, 16_000);
    config.checkpoint_interval = Duration::from_millis(100);
    let mut r = recorder(config);
    let mut checkpoints = 0;
    let mut last_len = 0;
    for i in 0..100 {
        r.write(at(i * 20), 0, &level(8000, 100, 20)).unwrap();
        if i % 3 != 0 {
            r.write(at(i * 20), 1, &level(48_000, -100, 20)).unwrap();
        }
        let bytes = r.target().get_ref();
        let (_, samples) = read_wav(bytes);
        if bytes.len() != last_len {
            checkpoints += 1;
            last_len = bytes.len();
        }
        // Never more than one interval (and the lag bound) behind what was given.
        let held = r.duration().as_millis() as i64 - (samples.len() / 2) as i64 / 16;
        assert!((0..=100).contains(&held), "{held} ms not yet on the target");
    }
    assert!(checkpoints >= 18, "{checkpoints} checkpoints in 2 s");
}

#[test]
fn a_late_leg_gets_silence_and_an_ended_leg_holds_nothing_back() {
    let mut r = recorder(RecordConfig::new(RecordLayout::Stereo, 8000));
    for i in 0..50 {
        r.write(at(i * 20), 0, &level(8000, 500, 20)).unwrap();
        let behind = (i + 1) * 20 - r.duration().as_millis() as u64;
        assert!(behind <= 220, "committed {behind} ms behind the leg");
    }
    r.end_leg(at(1000), 1);
    r.write(at(1000), 0, &level(8000, 500, 20)).unwrap();
    assert_eq!(
        r.duration(),
        Duration::from_millis(1020),
        "nothing waits for leg 1"
    );
    assert_eq!(
        r.write(at(1020), 1, &level(8000, 1, 20)),
        Err(RecordError::LegEnded { leg: 1 })
    );
    r.end_leg(at(1020), 0);
    let (bytes, summary) = finish(r, at(1500));
    assert_eq!(
        summary.duration,
        Duration::from_millis(1500),
        "time still runs"
    );
    let (_, samples) = read_wav(&bytes);
    assert!(samples[..2 * 8160].chunks(2).all(|p| p == [500, 0]));
    assert!(samples[2 * 8160..].iter().all(|&s| s == 0));
}

#[test]
fn pause_skips_or_records_silence() {
    for mode in [PauseMode::Skip, PauseMode::Silence] {
        let mut config = RecordConfig::new(RecordLayout::Mono, 8000);
        config.pause_mode = mode;
        let mut r = recorder(config);
        for i in 0..100u64 {
            let t = at(i * 20);
            match i {
                25 => r.pause(t),
                75 => r.resume(t),
                _ => {}
            }
            r.write(t, 0, &level(8000, 1000, 20)).unwrap();
            assert_eq!(r.is_paused(), (25..75).contains(&i));
        }
        let (bytes, summary) = finish(r, at(2000));
        let (_, samples) = read_wav(&bytes);
        let expected = match mode {
            PauseMode::Skip => [(4000, 1000)].as_slice(),
            PauseMode::Silence => [(4000, 1000), (8000, 0), (4000, 1000)].as_slice(),
        };
        let mut runs = Vec::new();
        for &s in &samples {
            match runs.last_mut() {
                Some((n, v)) if *v == s => *n += 1,
                _ => runs.push((1, s)),
            }
        }
        if mode == PauseMode::Skip {
            assert_eq!(runs, [(8000, 1000)], "{mode:?}");
        } else {
            assert_eq!(runs, expected, "{mode:?}");
        }
        assert_eq!(summary.duration.as_millis() as usize, samples.len() / 8);
    }
}

#[test]
fn the_duration_limit_stops_once_with_a_complete_file() {
    let mut config = RecordConfig::new(RecordLayout::Stereo, 8000);
    config.max_duration = Some(Duration::from_millis(1010));
    let mut r = recorder(config);
    let mut events = Vec::new();
    for i in 0..100 {
        let was_stopped = r.is_stopped();
        let result = r.write(at(i * 20), 0, &level(8000, 9, 20));
        // Leg 1 is silent, so output lags by the bound: the limit falls at 1.21 s.
        assert_eq!(was_stopped, i > 61, "at {i}");
        if was_stopped {
            assert!(
                matches!(result, Err(RecordError::Stopped { .. })),
                "{result:?}"
            );
        }
        events.extend(std::iter::from_fn(|| r.poll_event()));
    }
    assert!(r.is_stopped());
    assert_eq!(r.poll_timeout(), None);
    assert_eq!(events.len(), 1);
    let RecordEvent::LimitReached { limit, summary } = &events[0];
    assert_eq!(*limit, RecordLimit::Duration);
    assert_eq!(summary.duration, Duration::from_millis(1010));
    let on_target = r.target().get_ref().clone();
    assert_eq!(
        read_wav(&on_target).1.len(),
        2 * 8080,
        "complete at the limit"
    );
    let (bytes, last) = finish(r, at(5000));
    assert_eq!(bytes, on_target);
    assert_eq!(&last, summary);
}

#[test]
fn the_size_limit_keeps_the_file_within_max_bytes() {
    let mut config = RecordConfig::new(RecordLayout::Mono, 8000);
    config.max_bytes = Some(10_001);
    let header = super::wav::min_bytes(&config) - 2;
    let mut r = recorder(config);
    let mut stopped_at = None;
    for i in 0..100 {
        if r.write(at(i * 20), 0, &level(8000, 3, 20)).is_err() && stopped_at.is_none() {
            stopped_at = Some(i);
        }
    }
    let Some(RecordEvent::LimitReached { limit, summary }) = r.poll_event() else {
        panic!("no limit event");
    };
    assert_eq!(limit, RecordLimit::Size);
    assert!(stopped_at.is_some());
    let (bytes, _) = finish(r, at(2000));
    assert_eq!(summary.bytes, bytes.len() as u64);
    assert_eq!(bytes.len() as u64, header + (10_001 - header) / 2 * 2);
}

#[test]
fn bad_settings_are_refused_with_the_setting_named() {
    let base = RecordConfig::new(RecordLayout::Stereo, 8000);
    let cases: Vec<(RecordConfig, &str)> = vec![
        (
            RecordConfig {
                sample_rate: 11_025,
                ..base.clone()
            },
            "sample_rate",
        ),
        (
            RecordConfig {
                format: RecordFormat::OggOpus { bitrate: 24_000 },
                sample_rate: 32_000,
                ..base.clone()
            },
            "sample_rate",
        ),
        (
            RecordConfig {
                format: RecordFormat::OggOpus { bitrate: 1000 },
                ..base.clone()
            },
            "format.bitrate",
        ),
        (
            RecordConfig {
                checkpoint_interval: Duration::from_secs(2),
                ..base.clone()
            },
            "checkpoint_interval",
        ),
        (
            RecordConfig {
                max_duration: Some(Duration::from_micros(10)),
                ..base.clone()
            },
            "max_duration",
        ),
        (
            RecordConfig {
                max_bytes: Some(50),
                ..base.clone()
            },
            "max_bytes",
        ),
    ];
    for (config, field) in cases {
        let e = Recorder::new(Cursor::new(Vec::new()), config, Instant::ZERO).unwrap_err();
        assert!(
            matches!(&e, RecordError::InvalidConfig { field: f, .. } if *f == field),
            "{e}"
        );
    }
}

#[test]
fn bad_frames_are_refused_and_change_nothing() {
    let mut r = recorder(RecordConfig::new(RecordLayout::Stereo, 8000));
    r.write(at(0), 0, &level(8000, 5, 20)).unwrap();
    let odd = AudioFrame::new(vec![1; 220], 11_025, 1).unwrap();
    let e = r.write(at(20), 0, &odd).unwrap_err();
    assert!(e.to_string().contains("11025 Hz on leg 0"), "{e}");
    assert!(r.write(at(20), 2, &level(8000, 5, 20)).is_err());
    r.end_leg(at(20), 7); // no such leg: nothing happens
    let stereo = AudioFrame::new([10, 30].repeat(160), 8000, 2).unwrap();
    r.write(at(20), 0, &stereo).unwrap();
    let (bytes, _) = finish(r, at(40));
    let left: Vec<i16> = read_wav(&bytes).1.chunks(2).map(|p| p[0]).collect();
    assert_eq!(
        left,
        [vec![5; 160], vec![20; 160]].concat(),
        "stereo frames are averaged"
    );
}

/// A target that fails every write once `budget` bytes have gone through.
struct Failing {
    inner: Cursor<Vec<u8>>,
    budget: usize,
}

impl Write for Failing {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.len() > self.budget {
            return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
        }
        self.budget -= data.len();
        self.inner.write(data)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for Failing {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.inner.seek(to)
    }
}

#[test]
fn a_failing_target_stops_the_recording_with_a_readable_file() {
    let mut config = RecordConfig::new(RecordLayout::Mono, 8000);
    config.checkpoint_interval = Duration::from_millis(100);
    let target = Failing {
        inner: Cursor::new(Vec::new()),
        budget: 5000,
    };
    let mut r = Recorder::new(target, config, Instant::ZERO).unwrap();
    let mut failure = None;
    for i in 0..100 {
        if let Err(e) = r.write(at(i * 20), 0, &level(8000, 1, 20)) {
            failure.get_or_insert(e);
        }
    }
    let failure = failure.expect("the target fills up");
    assert!(matches!(
        failure,
        RecordError::Io {
            kind: io::ErrorKind::StorageFull,
            ..
        }
    ));
    assert!(r.is_stopped());
    let e = r.write(at(2000), 0, &level(8000, 1, 20)).unwrap_err();
    assert!(e.to_string().contains("disk full"), "{e}");
    let bytes = r.target().inner.get_ref().clone();
    let (_, samples) = read_wav(&bytes);
    assert!(
        samples.len() >= 1600,
        "checkpoints before the failure are kept"
    );
}
