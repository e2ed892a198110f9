use super::tests::pcmu_pair as pair;
use super::*;
use crate::record::{RecordConfig, RecordFormat, RecordLayout, RecordLimit};
use std::io::Cursor;

fn sine(rate: u32, hz: f32, amplitude: f32, n: usize, from: usize) -> Vec<i16> {
    (from..from + n)
        .map(|i| ((i as f32 * hz * core::f32::consts::TAU / rate as f32).sin() * amplitude) as i16)
        .collect()
}

/// `a` sends 440 Hz and `b` 1000 Hz for `frames` 20 ms frames, both ways; `b` records.
fn converse(a: &mut MediaSession, b: &mut MediaSession, frames: usize) -> Vec<Event> {
    let mut events = Vec::new();
    for i in 0..frames {
        let now = Instant::from_millis(i as u64 * 20);
        let from = i * 160;
        a.push_capture(
            now,
            &AudioFrame::new(sine(8000, 440.0, 8000.0, 160, from), 8000, 1).unwrap(),
        )
        .unwrap();
        b.push_capture(
            now,
            &AudioFrame::new(sine(8000, 1000.0, 4000.0, 160, from), 8000, 1).unwrap(),
        )
        .unwrap();
        while let Some(d) = a.poll_transmit(now) {
            let d = d.to_vec();
            b.handle_rtp(now, &d).unwrap();
        }
        while let Some(d) = b.poll_transmit(now) {
            let d = d.to_vec();
            a.handle_rtp(now, &d).unwrap();
        }
        let _ = a.pull_playout(now);
        let _ = b.pull_playout(now);
        b.handle_timeout(now);
        while let Some(e) = b.poll_event() {
            events.push(e);
        }
    }
    events
}

/// Energy of `x` at `hz` (a single-bin DFT), normalised by length.
fn tone_level(x: &[i16], rate: f32, hz: f32) -> f32 {
    let (mut re, mut im) = (0.0f32, 0.0f32);
    for (i, &s) in x.iter().enumerate() {
        let phase = i as f32 * hz * core::f32::consts::TAU / rate;
        re += f32::from(s) * phase.cos();
        im += f32::from(s) * phase.sin();
    }
    2.0 * (re * re + im * im).sqrt() / x.len() as f32
}

#[test]
fn a_stereo_recording_holds_the_remote_party_left_and_the_local_side_right() {
    let (mut a, mut b) = pair();
    let mut config = RecordConfig::new(RecordLayout::Stereo, 8000);
    config.metadata.call_id = Some("call-1".into());
    b.start_recording(Instant::ZERO, config, RecordTarget::memory())
        .unwrap();
    assert!(b.is_recording());
    let again = b.start_recording(
        Instant::ZERO,
        RecordConfig::new(RecordLayout::Mono, 8000),
        RecordTarget::memory(),
    );
    assert!(again.unwrap_err().to_string().contains("already recording"));
    converse(&mut a, &mut b, 150);
    let (target, summary) = b.stop_recording(Instant::from_millis(3000)).unwrap();
    assert!(!b.is_recording());
    assert_eq!(summary.channels, 2);
    assert!(
        (summary.duration.as_millis() as i64 - 3000).abs() <= 20,
        "{summary:?}"
    );
    let bytes = target.into_bytes().unwrap();
    let mut reader = hound::WavReader::new(Cursor::new(bytes)).unwrap();
    let samples: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
    let left: Vec<i16> = samples.iter().step_by(2).copied().collect();
    let right: Vec<i16> = samples.iter().skip(1).step_by(2).copied().collect();
    // Past the jitter buffer's start, the left channel is a's 440 Hz and the right b's own
    // 1000 Hz, each without the other.
    let (l, r) = (&left[8000..20_000], &right[8000..20_000]);
    assert!(
        tone_level(l, 8000.0, 440.0) > 7000.0,
        "{}",
        tone_level(l, 8000.0, 440.0)
    );
    assert!(tone_level(l, 8000.0, 1000.0) < 100.0);
    assert!(tone_level(r, 8000.0, 1000.0) > 3500.0);
    assert!(tone_level(r, 8000.0, 440.0) < 100.0);
    assert!(b.stop_recording(Instant::from_millis(3000)).is_err());
    assert!(b.pause_recording(Instant::from_millis(3000)).is_err());
}

#[test]
fn a_duration_limit_ends_the_recording_with_one_event_and_a_whole_file() {
    let (mut a, mut b) = pair();
    let mut config = RecordConfig::new(RecordLayout::MixedMono, 16_000);
    config.format = RecordFormat::Wav;
    config.max_duration = Some(core::time::Duration::from_secs(1));
    b.start_recording(Instant::ZERO, config, RecordTarget::memory())
        .unwrap();
    let events = converse(&mut a, &mut b, 100);
    let limits: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::RecordingLimitReached { limit, summary } => Some((*limit, summary.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(limits.len(), 1, "{events:?}");
    assert_eq!(limits[0].0, RecordLimit::Duration);
    assert_eq!(limits[0].1.duration, core::time::Duration::from_secs(1));
    assert_eq!(
        events
            .iter()
            .filter(|e| e.name() == "recording_failed")
            .count(),
        0
    );
    let (target, summary) = b.stop_recording(Instant::from_millis(2000)).unwrap();
    let reader = hound::WavReader::new(Cursor::new(target.into_bytes().unwrap())).unwrap();
    assert_eq!(reader.spec().sample_rate, 16_000);
    assert_eq!(u64::from(reader.duration()), 16_000);
    assert_eq!(summary.duration, core::time::Duration::from_secs(1));
}

#[test]
fn a_recording_moved_to_a_replacing_session_goes_on_in_the_same_file() {
    let (mut a, mut b) = pair();
    b.start_recording(
        Instant::ZERO,
        RecordConfig::new(RecordLayout::Mono, 8000),
        RecordTarget::memory(),
    )
    .unwrap();
    converse(&mut a, &mut b, 50);
    let (mut a2, mut c) = pair();
    let (_, mut busy) = pair();
    busy.start_recording(
        Instant::ZERO,
        RecordConfig::new(RecordLayout::Mono, 8000),
        RecordTarget::memory(),
    )
    .unwrap();
    assert!(b.move_recording_to(&mut busy).is_err());
    assert!(b.is_recording(), "a refused move changes nothing");
    b.move_recording_to(&mut c).unwrap();
    assert!(!b.is_recording() && c.is_recording());
    assert!(b.move_recording_to(&mut c).is_err());
    // The replacing session carries on at the same media time: frames 50 to 99.
    for i in 50..100 {
        let now = Instant::from_millis(i as u64 * 20);
        let tone = sine(8000, 440.0, 8000.0, 160, i * 160);
        a2.push_capture(now, &AudioFrame::new(tone, 8000, 1).unwrap())
            .unwrap();
        while let Some(d) = a2.poll_transmit(now) {
            let d = d.to_vec();
            c.handle_rtp(now, &d).unwrap();
        }
        let _ = c.pull_playout(now);
        c.handle_timeout(now);
    }
    let (target, summary) = c.stop_recording(Instant::from_millis(2000)).unwrap();
    assert!(
        (summary.duration.as_millis() as i64 - 2000).abs() <= 20,
        "{summary:?}"
    );
    let mut reader = hound::WavReader::new(Cursor::new(target.into_bytes().unwrap())).unwrap();
    let samples: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
    // Both halves hold the 440 Hz tone: the first from b, the second from c.
    assert!(tone_level(&samples[4000..7200], 8000.0, 440.0) > 7000.0);
    assert!(tone_level(&samples[12_000..15_200], 8000.0, 440.0) > 7000.0);
}
