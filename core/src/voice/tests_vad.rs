use core::time::Duration;

use super::*;
use crate::rng::SeededRng;
use crate::voice::EarshotVad;

fn ms(n: u64) -> Instant {
    Instant::from_millis(n)
}

fn drain(vad: &mut impl VoiceDetector) -> Vec<VadEvent> {
    std::iter::from_fn(|| vad.poll_event()).collect()
}

#[test]
fn hangover_holds_voice_then_stops_at_its_end() {
    let mut t = TalkTracker::new(Duration::from_millis(30));
    let decisions = [false, true, true, false, false, false, false, false];
    let active: Vec<bool> = decisions
        .iter()
        .enumerate()
        .map(|(i, &s)| t.update(ms(10 * i as u64), s))
        .collect();
    // Speech in blocks 1 and 2, then three blocks of hangover (3, 4, 5).
    assert_eq!(
        active,
        [false, true, true, true, true, true, false, false],
        "{active:?}"
    );
    assert_eq!(t.poll_event(), Some(VadEvent::TalkStart { at: ms(10) }));
    // Last speech ends at 30 ms; 30 ms of hangover.
    assert_eq!(t.poll_event(), Some(VadEvent::TalkStop { at: ms(60) }));
    assert_eq!(t.poll_event(), None);
}

#[test]
fn zero_hangover_stops_on_the_next_block_and_hangover_rounds_up() {
    let mut t = TalkTracker::new(Duration::ZERO);
    assert!(t.update(ms(0), true));
    assert!(!t.update(ms(10), false));
    assert_eq!(t.poll_event(), Some(VadEvent::TalkStart { at: ms(0) }));
    assert_eq!(t.poll_event(), Some(VadEvent::TalkStop { at: ms(10) }));

    // 25 ms is three blocks.
    let mut t = TalkTracker::new(Duration::from_millis(25));
    t.update(ms(0), true);
    let held = (1..10).take_while(|&i| t.update(ms(10 * i), false)).count();
    assert_eq!(held, 3);
}

#[test]
fn a_speech_block_inside_the_hangover_extends_it_without_events() {
    let mut t = TalkTracker::new(Duration::from_millis(50));
    t.update(ms(0), true);
    t.update(ms(10), false);
    t.update(ms(20), true);
    for i in 3..8 {
        assert!(t.update(ms(10 * i), false), "block {i}");
    }
    assert!(!t.update(ms(80), false));
    assert_eq!(t.poll_event(), Some(VadEvent::TalkStart { at: ms(0) }));
    assert_eq!(t.poll_event(), Some(VadEvent::TalkStop { at: ms(80) }));
    assert_eq!(t.poll_event(), None);
}

#[test]
fn a_full_queue_merges_short_gaps_and_keeps_events_alternating() {
    let mut t = TalkTracker::new(Duration::ZERO);
    for i in 0..101 {
        t.update(ms(10 * i), i % 2 == 0);
    }
    let events: Vec<VadEvent> = std::iter::from_fn(|| t.poll_event()).collect();
    assert!(events.len() <= 16, "{}", events.len());
    assert!(matches!(events[0], VadEvent::TalkStart { at } if at == ms(0)));
    for pair in events.windows(2) {
        let alternate = matches!(
            pair,
            [VadEvent::TalkStart { .. }, VadEvent::TalkStop { .. }]
                | [VadEvent::TalkStop { .. }, VadEvent::TalkStart { .. }]
        );
        assert!(alternate, "{pair:?}");
    }
    // The last block (100) was speech: the last event is a start, and voice is active.
    assert!(t.is_active());
    assert!(matches!(events.last(), Some(VadEvent::TalkStart { .. })));
    // And the queue works normally once drained.
    t.update(ms(1010), false);
    assert_eq!(t.poll_event(), Some(VadEvent::TalkStop { at: ms(1010) }));
}

#[test]
fn bad_parameters_and_frames_are_typed_errors() {
    assert!(matches!(
        EarshotVad::new(VadConfig::new(11_025)),
        Err(VadError::UnsupportedSampleRate {
            requested: 11_025,
            ..
        })
    ));
    let mut c = VadConfig::new(8000);
    c.threshold = 1.5;
    assert!(matches!(
        EarshotVad::new(c),
        Err(VadError::InvalidParameter { .. })
    ));
    c.threshold = f32::NAN;
    assert!(EarshotVad::new(c).is_err());
    let mut c = VadConfig::new(8000);
    c.hangover = Duration::from_secs(61);
    assert!(EarshotVad::new(c).is_err());

    let mut vad = EarshotVad::new(VadConfig::new(8000)).expect("8 kHz");
    assert_eq!(
        vad.process(ms(0), &[0; 150]),
        Err(VadError::FrameLength {
            len: 150,
            sample_rate: 8000,
            step: 80
        })
    );
    let e: crate::Error = VadError::FrameLength {
        len: 1,
        sample_rate: 8000,
        step: 80,
    }
    .into();
    assert!(e.to_string().contains("10 ms"), "{e}");
    // An empty frame is zero blocks: nothing happens.
    assert_eq!(vad.process(ms(0), &[]), Ok(false));
}

#[test]
fn digital_silence_is_never_voice_at_any_rate() {
    for rate in [8000u32, 16_000, 44_100, 48_000] {
        let mut vad = EarshotVad::new(VadConfig::new(rate)).expect("supported");
        let frame = vec![0i16; rate as usize / 50];
        for i in 0..100 {
            assert_eq!(vad.process(ms(20 * i), &frame), Ok(false), "{rate} Hz");
        }
        assert!(drain(&mut vad).is_empty());
        assert!(vad.probability() < 0.5);
    }
}

fn white(rate: u32, seconds: u32, rms: f64, seed: u64) -> Vec<i16> {
    let mut rng = SeededRng::new(seed);
    // Uniform on [-1, 1) has an RMS of 1/sqrt(3).
    (0..rate * seconds)
        .map(|_| ((rng.next_u32() as f64 / 2_147_483_648.0 - 1.0) * rms * 3f64.sqrt()) as i16)
        .collect()
}

#[test]
fn steady_white_noise_is_not_voice_at_8_and_16_khz() {
    // At 8 kHz this is the band fill's job: without it earshot calls every frame of this
    // speech (scores near 0.7 from -30 dBov up; near 0.2 at -50 dBov).
    for rate in [8000u32, 16_000] {
        let noise = white(rate, 4, 1000.0, 7); // -30 dBov
        let mut vad = EarshotVad::new(VadConfig::new(rate)).expect("supported");
        let step = rate as usize / 100;
        let decisions: Vec<bool> = noise
            .chunks_exact(step)
            .enumerate()
            .map(|(i, f)| vad.process(ms(10 * i as u64), f) == Ok(true))
            .collect();
        // Not counting the detector's first half second.
        let flagged = decisions[50..].iter().filter(|&&d| d).count();
        assert!(flagged <= 17, "{rate} Hz: {flagged} of 350 frames flagged");
    }
}

#[test]
fn frame_size_does_not_change_decisions_and_reset_starts_afresh() {
    let rate = 16_000;
    let mut pcm = white(rate, 2, 200.0, 3);
    // A loud voiced burst in the middle, so there is something to detect.
    for (i, s) in pcm[12_000..20_000].iter_mut().enumerate() {
        let t = i as f64 / f64::from(rate);
        let buzz: f64 = (1..10)
            .map(|h| (t * std::f64::consts::TAU * 130.0 * f64::from(h)).sin() / f64::from(h))
            .sum();
        *s = s.saturating_add((buzz * 6000.0) as i16);
    }
    let run = |vad: &mut EarshotVad, frame_ms: usize| {
        let n = rate as usize * frame_ms / 1000;
        let mut probabilities = Vec::new();
        for (i, f) in pcm.chunks_exact(n).enumerate() {
            vad.process(ms((i * frame_ms) as u64), f)
                .expect("whole frames");
            probabilities.push(vad.probability());
        }
        (drain(vad), probabilities)
    };
    let mut a = EarshotVad::new(VadConfig::new(rate)).expect("16 kHz");
    let mut b = EarshotVad::new(VadConfig::new(rate)).expect("16 kHz");
    let (events_10, _) = run(&mut a, 10);
    let (events_40, _) = run(&mut b, 40);
    assert_eq!(events_10, events_40);
    a.reset();
    let (again, p_again) = run(&mut a, 40);
    let mut fresh = EarshotVad::new(VadConfig::new(rate)).expect("16 kHz");
    let (events_fresh, p_fresh) = run(&mut fresh, 40);
    assert_eq!(again, events_fresh);
    assert_eq!(p_again, p_fresh);
}
