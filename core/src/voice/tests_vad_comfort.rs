use super::*;
use crate::codec::cn::NoiseGenerator;
use crate::rng::SeededRng;
use crate::voice::level::power_dbov;

/// Seeded noise at `rms`, shaped by the one-pole filter `y = x + pole * y[-1]`.
fn coloured(len: usize, pole: f64, rms: f64, seed: u64) -> Vec<i16> {
    let mut rng = SeededRng::new(seed);
    let mut y = 0.0;
    let raw: Vec<f64> = (0..len)
        .map(|_| {
            y = (rng.next_u32() as f64 / 2_147_483_648.0 - 1.0) + pole * y;
            y
        })
        .collect();
    let scale = rms / (raw.iter().map(|v| v * v).sum::<f64>() / len as f64).sqrt();
    raw.iter().map(|v| (v * scale).round() as i16).collect()
}

/// Spectral tilt in dB: the power of the sum of neighbouring samples (the low half of the
/// band) over that of their difference (the high half).
fn tilt_db(x: &[i16]) -> f64 {
    let (mut low, mut high) = (0.0, 0.0);
    for w in x.windows(2) {
        let (a, b) = (f64::from(w[0]), f64::from(w[1]));
        low += (a + b) * (a + b);
        high += (a - b) * (a - b);
    }
    10.0 * (low / high).log10()
}

/// Background with loud voiced bursts over it (700 ms in every second), fed without a VAD.
fn with_bursts(background: &[i16], rate: u32) -> Vec<i16> {
    background
        .iter()
        .enumerate()
        .map(|(n, &b)| {
            let t = n as f64 / f64::from(rate);
            if t.fract() < 0.7 {
                let buzz = (t * std::f64::consts::TAU * 150.0).sin() * 8000.0;
                b.saturating_add(buzz as i16)
            } else {
                b
            }
        })
        .collect()
}

#[test]
fn comfort_noise_from_the_estimate_matches_level_and_tilt_of_the_background() {
    for (rate, pole, rms) in [
        (8000u32, 0.0, 100.0),  // white, -50.3 dBov
        (8000, 0.9, 300.0),     // low-passed, -40.8 dBov
        (16_000, -0.6, 1000.0), // high-passed, -30.3 dBov
        (48_000, 0.95, 30.0),   // strongly low-passed, -60.7 dBov
    ] {
        let background = coloured(rate as usize * 4, pole, rms, 11);
        let input = with_bursts(&background, rate);
        let mut estimator = BackgroundNoise::new(BackgroundConfig::new(rate)).expect("valid");
        for frame in input.chunks_exact(rate as usize / 50) {
            estimator.process(frame, false).expect("20 ms frames");
        }
        let sid = estimator.sid().expect("background was heard");
        let mut generator = NoiseGenerator::new(5);
        generator.update(&sid);
        let mut comfort = vec![0i16; rate as usize * 2];
        generator.generate(&mut comfort);
        let want = power_dbov(mean_power(&background));
        let got = power_dbov(mean_power(&comfort));
        assert!(
            (got - want).abs() <= 2.0,
            "{rate} Hz pole {pole}: background {want:.2} dBov, comfort noise {got:.2} dBov"
        );
        let (want_tilt, got_tilt) = (tilt_db(&background), tilt_db(&comfort));
        assert!(
            (got_tilt - want_tilt).abs() <= 3.0,
            "{rate} Hz pole {pole}: tilt {want_tilt:.1} dB, comfort noise {got_tilt:.1} dB"
        );
    }
}

#[test]
fn voice_frames_are_never_kept_and_nothing_is_fitted_before_50_ms() {
    let rate = 8000;
    let mut estimator = BackgroundNoise::new(BackgroundConfig::new(rate)).expect("valid");
    let quiet = coloured(80, 0.0, 50.0, 1);
    assert_eq!(estimator.process(&quiet, true), Ok(0));
    assert!(estimator.sid().is_none());
    assert_eq!(estimator.level_dbov(), None);
    for _ in 0..4 {
        assert_eq!(estimator.process(&quiet, false), Ok(1));
    }
    assert!(!estimator.is_ready());
    assert!(estimator.sid().is_none());
    assert_eq!(estimator.process(&quiet, false), Ok(1));
    let sid = estimator.sid().expect("50 ms heard");
    assert!((f64::from(sid.level) - 56.3).abs() <= 0.6, "{}", sid.level);
    let level = estimator.level_dbov().expect("some background");
    assert!((level + 56.3).abs() < 0.1, "{level}");
    // A loud frame far above the floor is not background.
    assert_eq!(estimator.process(&[8000; 80], false), Ok(0));
    estimator.reset();
    assert!(estimator.sid().is_none());
    assert_eq!(estimator.floor_dbov(), crate::voice::level::SILENCE_DBOV);
}

#[test]
fn background_parameters_and_frames_are_checked() {
    assert!(matches!(
        BackgroundNoise::new(BackgroundConfig::new(11_025)),
        Err(VadError::UnsupportedSampleRate { .. })
    ));
    let mut c = BackgroundConfig::new(8000);
    c.order = 17;
    assert!(BackgroundNoise::new(c).is_err());
    let mut c = BackgroundConfig::new(8000);
    c.margin_db = f64::NAN;
    assert!(BackgroundNoise::new(c).is_err());
    let mut c = BackgroundConfig::new(8000);
    c.history = Duration::from_millis(20);
    assert!(BackgroundNoise::new(c).is_err());
    c.history = Duration::from_secs(6);
    assert!(BackgroundNoise::new(c).is_err());
    let mut estimator = BackgroundNoise::new(BackgroundConfig::new(8000)).expect("valid");
    assert!(matches!(
        estimator.process(&[0; 81], false),
        Err(VadError::FrameLength { len: 81, .. })
    ));
}
