//! Tests of [`MdfEchoCanceller`](super::MdfEchoCanceller): convergence on a synthetic echo
//! path, the double-talk step, the refusals and determinism.

use super::echo::EchoCanceller;
use super::engine::VoiceError;
use super::mdf::{MDF_RATES, MdfConfig, MdfEchoCanceller};

/// Seeded uniform noise in [-1, 1).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 11) as f64 / (1u64 << 52) as f64 - 1.0) as f32
    }
}

/// White noise at about -25 dBov.
fn noise(seed: u64, len: usize) -> Vec<f32> {
    let mut rng = Lcg(seed);
    (0..len).map(|_| 0.1 * rng.next()).collect()
}

/// `far` through a 25 ms delay, a direct path and two reflections (the echo), plus `near`.
fn mic(rate: u32, far: &[f32], near: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let d = rate as usize / 40;
    let taps = [(d, 0.5), (d + 7, -0.2), (d + rate as usize / 200, 0.1)];
    let echo: Vec<f32> = (0..far.len())
        .map(|i| {
            taps.iter()
                .filter(|(at, _)| *at <= i)
                .map(|(at, g)| g * far[i - at])
                .sum()
        })
        .collect();
    let mic = echo.iter().zip(near).map(|(e, n)| e + n).collect();
    (echo, mic)
}

/// Runs `mic` through `aec` in 10 ms frames with `far` as the render.
fn run(aec: &mut MdfEchoCanceller, far: &[f32], mic: &[f32]) -> Vec<f32> {
    let n = aec.sample_rate() as usize / 100;
    let mut out = mic.to_vec();
    for (f, o) in far.chunks(n).zip(out.chunks_mut(n)) {
        aec.analyze_render(f).unwrap();
        aec.process_capture(o).unwrap();
    }
    out
}

fn power(x: &[f32]) -> f32 {
    x.iter().map(|s| s * s).sum::<f32>() / x.len().max(1) as f32
}

fn db(ratio: f32) -> f32 {
    10.0 * ratio.log10()
}

fn linear() -> MdfConfig {
    MdfConfig {
        suppressor: false,
        ..MdfConfig::default()
    }
}

#[test]
fn the_filter_converges_on_a_white_far_end_at_every_rate() {
    for rate in MDF_RATES {
        let r = rate as usize;
        let far = noise(5, 4 * r);
        let silence = vec![0.0; far.len()];
        let (echo, mic) = mic(rate, &far, &silence);
        let mut aec = MdfEchoCanceller::with_config(rate, linear()).unwrap();
        let out = run(&mut aec, &far, &mic);
        let erle = db(power(&echo[3 * r..]) / power(&out[3 * r..]));
        assert!(erle > 17.0, "{rate} Hz: linear ERLE {erle:.1} dB after 3 s");
        let metrics = aec.metrics();
        assert_eq!(
            metrics.delay_ms,
            Some(20),
            "{rate} Hz: the 25 ms path's partition"
        );
        assert!(metrics.erle_db.unwrap() > 12.0, "{rate} Hz: {metrics:?}");
    }
}

#[test]
fn the_suppressor_adds_to_the_erle_and_leaves_a_lone_near_end_10_ms_late() {
    let rate = 16_000;
    let r = rate as usize;
    let far = noise(5, 4 * r);
    let silence = vec![0.0; far.len()];
    let (echo, mic) = mic(rate, &far, &silence);
    let mut plain = MdfEchoCanceller::with_config(rate, linear()).unwrap();
    let mut full = MdfEchoCanceller::new(rate).unwrap();
    let (a, b) = (run(&mut plain, &far, &mic), run(&mut full, &far, &mic));
    let (erle_a, erle_b) = (
        db(power(&echo[3 * r..]) / power(&a[3 * r..])),
        db(power(&echo[3 * r..]) / power(&b[3 * r..])),
    );
    assert!(erle_b > erle_a + 0.5, "{erle_b:.1} vs {erle_a:.1} dB");
    // No far end: the near end alone comes out 10 ms later, otherwise untouched.
    let near = noise(9, r);
    let quiet = vec![0.0; r];
    let mut aec = MdfEchoCanceller::new(rate).unwrap();
    let out = run(&mut aec, &quiet, &near);
    let lag = r / 100;
    let err = out[lag..]
        .iter()
        .zip(&near)
        .map(|(o, x)| (o - x).abs())
        .fold(0.0f32, f32::max);
    assert!(err < 1e-4, "near end altered by {err}");
}

#[test]
fn double_talk_neither_stops_nor_disturbs_a_converged_filter() {
    let rate = 8000;
    let r = rate as usize;
    let far = noise(5, 8 * r);
    // The near end, as loud as the far end, talks from 4 s on.
    let mut near = vec![0.0; far.len()];
    near[4 * r..].copy_from_slice(&noise(6, 4 * r));
    let (echo, mic) = mic(rate, &far, &near);
    let mut aec = MdfEchoCanceller::with_config(rate, linear()).unwrap();
    let mut out = run(&mut aec, &far[..4 * r], &mic[..4 * r]);
    let converged = aec.foreground_updates();
    assert!(
        converged > 0,
        "the foreground never took the background's filter"
    );
    out.extend(run(&mut aec, &far[4 * r..], &mic[4 * r..]));
    // The background, disturbed by the near end, is never taken for the foreground.
    assert_eq!(aec.foreground_updates(), converged, "copied in double talk");
    // What is left of the echo in double talk: the output minus the near end.
    let residual: Vec<f32> = out[6 * r..]
        .iter()
        .zip(&near[6 * r..])
        .map(|(o, n)| o - n)
        .collect();
    let erle = db(power(&echo[6 * r..]) / power(&residual));
    assert!(erle > 30.0, "ERLE in double talk {erle:.1} dB");
    assert!(aec.leakage() < 0.1, "leakage {}", aec.leakage());
}

#[test]
fn bad_frames_are_refused_and_change_nothing() {
    let mut aec = MdfEchoCanceller::new(8000).unwrap();
    let mut twin = MdfEchoCanceller::new(8000).unwrap();
    assert_eq!(
        aec.process_capture(&mut [0.0; 79]),
        Err(VoiceError::EngineFrameLength {
            len: 79,
            expected: 80
        })
    );
    assert_eq!(
        aec.analyze_render(&[0.0; 160]),
        Err(VoiceError::EngineFrameLength {
            len: 160,
            expected: 80
        })
    );
    let mut bad = [0.1f32; 80];
    bad[3] = f32::NAN;
    assert!(matches!(
        aec.analyze_render(&bad),
        Err(VoiceError::InvalidParameter { .. })
    ));
    bad[3] = f32::INFINITY;
    let before = bad;
    assert!(matches!(
        aec.process_capture(&mut bad),
        Err(VoiceError::InvalidParameter { .. })
    ));
    assert_eq!(bad[..3], before[..3], "the frame is left as it was");
    // Both still work, and identically: the refusals changed no state.
    let far = noise(1, 8000);
    let (_, mic) = mic(8000, &far, &vec![0.0; far.len()]);
    assert_eq!(run(&mut aec, &far, &mic), run(&mut twin, &far, &mic));
}

#[test]
fn rates_and_settings_out_of_range_are_refused() {
    assert!(matches!(
        MdfEchoCanceller::new(11_025),
        Err(VoiceError::UnsupportedEngineRate {
            requested: 11_025,
            ..
        })
    ));
    for config in [
        MdfConfig {
            filter_ms: 20,
            ..MdfConfig::default()
        },
        MdfConfig {
            max_step: 0.0,
            ..MdfConfig::default()
        },
        MdfConfig {
            max_suppression_db: f32::NAN,
            ..MdfConfig::default()
        },
        MdfConfig {
            overestimate: 100.0,
            ..MdfConfig::default()
        },
    ] {
        assert!(matches!(
            MdfEchoCanceller::with_config(16_000, config),
            Err(VoiceError::InvalidParameter { .. })
        ));
    }
}

#[test]
fn runs_are_deterministic_and_reset_starts_afresh() {
    let rate = 16_000;
    let far = noise(3, rate as usize);
    let (_, mic) = mic(rate, &far, &noise(4, far.len()));
    let mut a = MdfEchoCanceller::new(rate).unwrap();
    let first = run(&mut a, &far, &mic);
    a.reset();
    assert_eq!(a.metrics().delay_ms, None);
    assert_eq!(run(&mut a, &far, &mic), first);
    let mut b = MdfEchoCanceller::new(rate).unwrap();
    assert_eq!(run(&mut b, &far, &mic), first);
}

#[test]
fn render_frames_wait_for_their_capture_and_missing_ones_are_silence() {
    let rate = 8000;
    let mut aec = MdfEchoCanceller::new(rate).unwrap();
    // More render than capture (past the queue), then capture with no render: no errors.
    for _ in 0..40 {
        aec.analyze_render(&[0.2; 80]).unwrap();
    }
    for _ in 0..60 {
        let mut frame = [0.01f32; 80];
        aec.process_capture(&mut frame).unwrap();
        assert!(frame.iter().all(|s| s.is_finite()));
    }
}
