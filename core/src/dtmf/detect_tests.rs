//! Unit and property tests of [`DtmfDetector`].

use super::*;
use crate::rng::SeededRng;
use proptest::prelude::*;

/// `ms` of the pair of `digit` at `dbm0` per tone, starting at phase zero.
fn tone(rate: u32, digit: Digit, dbm0: f32, ms: u64) -> Vec<i16> {
    let (low, high) = digit.frequencies();
    let amp = f64::from(DBM0_PEAK * 10f32.powf(dbm0 / 20.0));
    let n = (u64::from(rate) * ms / 1000) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            let tau = 2.0 * core::f64::consts::PI;
            let v = amp * ((tau * low * t).sin() + (tau * high * t).sin());
            v.round().clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

fn silence(rate: u32, ms: u64) -> Vec<i16> {
    vec![0; (u64::from(rate) * ms / 1000) as usize]
}

fn run(rate: u32, pcm: &[i16]) -> Vec<DetectedDigit> {
    let mut d = DtmfDetector::new(rate).unwrap();
    d.process(pcm);
    d.flush();
    d.digits()
}

#[test]
fn only_8_and_16_khz() {
    for rate in [0, 11025, 44100, 48000] {
        let err = DtmfDetector::new(rate).unwrap_err().to_string();
        assert!(err.contains("8000 or 16000"), "{err}");
    }
    assert_eq!(DtmfDetector::new(16000).unwrap().sample_rate(), 16000);
}

#[test]
fn every_digit_with_its_start_and_duration() {
    for rate in [8000, 16000] {
        let mut pcm = silence(rate, 73);
        let mut expected = Vec::new();
        for (i, d) in Digit::ALL.into_iter().enumerate() {
            let start = pcm.len() as u64 * 1000 / u64::from(rate);
            let ms = 40 + 10 * i as u64;
            pcm.extend(tone(rate, d, -10.0, ms));
            pcm.extend(silence(rate, 60 + i as u64));
            expected.push((d, start, ms));
        }
        let found = run(rate, &pcm);
        assert_eq!(found.len(), 16, "{rate} Hz: {found:?}");
        for (f, (d, start, ms)) in found.iter().zip(expected) {
            assert_eq!(f.digit, d);
            assert!(
                f.start_ms.abs_diff(start) <= 5,
                "{rate} Hz {f:?} want {start}"
            );
            assert!(f.duration_ms.abs_diff(ms) <= 6, "{rate} Hz {f:?} want {ms}");
        }
    }
}

#[test]
fn chunk_size_does_not_matter() {
    let mut pcm = silence(8000, 30);
    for d in Digit::parse_all("159#").unwrap() {
        pcm.extend(tone(8000, d, -20.0, 55));
        pcm.extend(silence(8000, 45));
    }
    let whole = run(8000, &pcm);
    assert_eq!(whole.len(), 4);
    let mut rng = SeededRng::new(5);
    let mut d = DtmfDetector::new(8000).unwrap();
    let mut rest = &pcm[..];
    while !rest.is_empty() {
        let n = (rng.next_u32() as usize % 300).min(rest.len());
        d.process(&rest[..n]);
        rest = &rest[n..];
    }
    d.flush();
    assert_eq!(d.digits(), whole);
}

#[test]
fn long_tone_is_one_digit_and_flush_ends_it() {
    let pcm = tone(16000, Digit::D0, -6.0, 2000);
    let mut d = DtmfDetector::new(16000).unwrap();
    d.process(&pcm);
    assert_eq!(d.poll_digit(), None);
    assert_eq!(d.current_digit(), Some(Digit::D0));
    d.flush();
    let found = d.digits();
    assert_eq!(found.len(), 1);
    assert!(found[0].duration_ms.abs_diff(2000) <= 10, "{found:?}");
    assert_eq!(d.current_digit(), None);
}

#[test]
fn detect_returns_digits_so_far() {
    let mut d = DtmfDetector::new(8000).unwrap();
    let mut pcm = tone(8000, Digit::Star, -10.0, 60);
    pcm.extend(silence(8000, 100));
    let found = d.detect(&pcm);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].digit, Digit::Star);
    assert!(d.detect(&[]).is_empty());
}

#[test]
fn mute_zeroes_the_tone_and_keeps_the_rest() {
    for rate in [8000u32, 16000] {
        let ms = |m: u64| (u64::from(rate) * m / 1000) as usize;
        // A quiet 300 Hz hum, a digit on top of it for 100 ms, then the hum alone.
        let mut pcm: Vec<i16> = (0..ms(400))
            .map(|i| {
                let t = i as f64 / f64::from(rate);
                (300.0 * (2.0 * core::f64::consts::PI * 300.0 * t).sin()) as i16
            })
            .collect();
        let digit = tone(rate, Digit::D8, -10.0, 100);
        for (p, t) in pcm[ms(150)..].iter_mut().zip(&digit) {
            *p = p.saturating_add(*t);
        }
        let mut d = DtmfDetector::new(rate).unwrap();
        let mut out = vec![1i16; pcm.len()];
        for (chunk, o) in pcm.chunks(97).zip(out.chunks_mut(97)) {
            d.process_muted(chunk, o).unwrap();
        }
        let delay = ms(MUTE_DELAY_MS);
        assert!(out[..delay].iter().all(|&s| s == 0));
        let delayed = |i: usize| out[i + delay];
        // The tone is gone, guard included.
        for i in ms(150)..ms(250) {
            assert_eq!(delayed(i), 0, "{rate} Hz sample {i}");
        }
        // The hum before and after is untouched, apart from the guard.
        for i in (0..ms(140)).chain(ms(262)..pcm.len() - delay) {
            assert_eq!(delayed(i), pcm[i], "{rate} Hz sample {i}");
        }
        assert_eq!(d.digits().len(), 1);
    }
}

#[test]
fn mute_needs_equal_lengths() {
    let mut d = DtmfDetector::new(8000).unwrap();
    let err = d.process_muted(&[0; 10], &mut [0; 9]).unwrap_err();
    assert!(err.to_string().contains("expected equal lengths"), "{err}");
}

#[test]
fn reset_forgets_everything() {
    let mut d = DtmfDetector::new(8000).unwrap();
    d.process(&tone(8000, Digit::D1, -10.0, 100));
    d.reset();
    d.flush();
    assert!(d.digits().is_empty());
}

proptest! {
    #[test]
    fn any_input_never_panics(
        pcm in proptest::collection::vec(any::<i16>(), 0..4000),
        rate in prop_oneof![Just(8000u32), Just(16000u32)],
    ) {
        let mut d = DtmfDetector::new(rate).unwrap();
        let mut out = vec![0; pcm.len()];
        d.process_muted(&pcm, &mut out).unwrap();
        d.flush();
        let found = d.digits();
        for pair in found.windows(2) {
            prop_assert!(pair[0].start_ms + pair[0].duration_ms <= pair[1].start_ms);
        }
    }

    /// Random digits, lengths, gaps, levels and noise: each tone is found once, in order.
    #[test]
    fn each_tone_once_in_time_order(seed in any::<u64>(), rate in prop_oneof![Just(8000u32), Just(16000u32)]) {
        let mut rng = SeededRng::new(seed);
        let mut pcm = silence(rate, u64::from(rng.next_u32() % 50));
        let mut want = Vec::new();
        for _ in 0..6 {
            let d = Digit::ALL[rng.next_u32() as usize % 16];
            let level = -3.0 - (rng.next_u32() % 30) as f32;
            pcm.extend(tone(rate, d, level, 50 + u64::from(rng.next_u32() % 200)));
            pcm.extend(silence(rate, 50 + u64::from(rng.next_u32() % 100)));
            want.push(d);
        }
        for s in pcm.iter_mut() {
            *s = s.saturating_add((rng.next_u32() % 41) as i16 - 20);
        }
        let found = run(rate, &pcm);
        let digits: Vec<Digit> = found.iter().map(|f| f.digit).collect();
        prop_assert_eq!(digits, want);
        for pair in found.windows(2) {
            prop_assert!(pair[0].start_ms + pair[0].duration_ms <= pair[1].start_ms);
        }
    }
}
