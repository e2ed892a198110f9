use super::*;
use proptest::prelude::*;

fn rms(x: &[i16]) -> f64 {
    (x.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

fn dbov(x: &[i16]) -> f64 {
    20.0 * (rms(x) / FULL_SCALE).log10()
}

/// Share of energy in the first difference: near 2 for high-pass noise, near 0 for low-pass.
fn brightness(x: &[i16]) -> f64 {
    let diff: f64 = x
        .windows(2)
        .map(|w| (f64::from(w[1]) - f64::from(w[0])).powi(2))
        .sum();
    diff / x.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>()
}

fn white(level_dbov: f64, n: usize, seed: u64) -> Vec<i16> {
    let mut g = NoiseGenerator::new(seed);
    g.update(&Sid::white((-level_dbov) as u8));
    let mut out = vec![0i16; n];
    g.generate(&mut out);
    out
}

fn low_pass(x: &[i16]) -> Vec<i16> {
    let mut y = 0.0f64;
    x.iter()
        .map(|&s| {
            y = 0.9 * y + 0.1 * f64::from(s);
            (y * 3.0) as i16
        })
        .collect()
}

#[test]
fn payloads_round_trip_and_bad_ones_are_errors() {
    let sid = Sid::parse(&[30, 127, 255, 0]).unwrap();
    assert_eq!(sid.level, 30);
    assert_eq!(sid.reflection(), &[0.0, 1.0, -127.0 / 128.0][..]);
    let mut out = [0u8; 4];
    assert_eq!(sid.write(&mut out).unwrap(), 4);
    assert_eq!(out, [30, 127, 255, 0]);
    // The unused top bit is ignored.
    assert_eq!(Sid::parse(&[0x80 | 40]).unwrap().level, 40);
    assert!(matches!(Sid::parse(&[]), Err(RtpError::Truncated { .. })));
    assert!(matches!(
        Sid::parse(&[0; 18]),
        Err(RtpError::PayloadTooLarge { .. })
    ));
    assert!(sid.write(&mut [0u8; 2]).is_err());
}

#[test]
fn generated_noise_has_the_signalled_level() {
    for level in [20u8, 40, 60] {
        let mut g = NoiseGenerator::new(7);
        g.update(&Sid::white(level));
        let mut out = vec![0i16; 16_000];
        g.generate(&mut out);
        let got = dbov(&out);
        assert!(
            (got + f64::from(level)).abs() < 0.5,
            "level {level}: got {got:.2} dBov"
        );
    }
}

#[test]
fn estimate_then_generate_keeps_level_and_spectral_tilt() {
    for (name, background) in [
        ("white", white(-35.0, 8000, 3)),
        ("low-pass", low_pass(&white(-20.0, 8000, 4))),
    ] {
        let sid = estimate(&background, DEFAULT_ORDER);
        assert_eq!(sid.reflection().len(), DEFAULT_ORDER);
        let mut g = NoiseGenerator::new(9);
        g.update(&sid);
        let mut out = vec![0i16; 8000];
        g.generate(&mut out);
        let (want, got) = (dbov(&background), dbov(&out));
        assert!(
            (want - got).abs() < 1.5,
            "{name}: level {want:.1} vs {got:.1} dBov"
        );
        let (bw, bg) = (brightness(&background), brightness(&out));
        assert!(
            (bw - bg).abs() < 0.25,
            "{name}: brightness {bw:.2} vs {bg:.2}"
        );
    }
}

#[test]
fn silence_estimates_to_the_lowest_level_and_the_codec_traits_work() {
    assert_eq!(estimate(&[0; 160], DEFAULT_ORDER).level, MIN_LEVEL_DBOV);
    let mut cn = ComfortNoise::new(16_000, 1);
    let background = white(-30.0, 320, 5);
    let mut payload = [0u8; 1 + DEFAULT_ORDER];
    let n = cn.encode(&background, &mut payload).unwrap();
    assert_eq!(n, 1 + DEFAULT_ORDER);
    let mut out = [0i16; 320];
    assert_eq!(cn.decode(&payload[..n], &mut out).unwrap(), 320);
    assert!((dbov(&out) + 30.0).abs() < 3.0);
    assert!(cn.decode(&payload[..n], &mut [0i16; 10]).is_err());
}

proptest! {
    #[test]
    fn any_payload_decodes_to_bounded_noise_or_an_error(payload in proptest::collection::vec(any::<u8>(), 0..24)) {
        let mut cn = ComfortNoise::new(8000, 3);
        let mut out = [0i16; 160];
        match cn.decode(&payload, &mut out) {
            Ok(n) => prop_assert_eq!(n, 160),
            Err(_) => prop_assert!(payload.is_empty() || payload.len() > MAX_ORDER + 1),
        }
    }

    #[test]
    fn estimation_of_any_audio_is_a_valid_payload(pcm in proptest::collection::vec(any::<i16>(), 0..400)) {
        let sid = estimate(&pcm, DEFAULT_ORDER);
        let mut out = [0u8; 1 + MAX_ORDER];
        let n = sid.write(&mut out).unwrap();
        prop_assert!(Sid::parse(&out[..n]).is_ok());
        prop_assert!(sid.reflection().iter().all(|k| k.abs() < 1.0));
    }
}
