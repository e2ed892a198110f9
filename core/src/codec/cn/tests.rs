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

/// One coefficient step of RFC 3389 §3.2.
const STEP: f64 = 258.0 / 32768.0;

/// The payload as [`Sid::write`] gives it back after [`Sid::parse`]: top bit of the level
/// cleared, at most [`MAX_ORDER`] coefficients, byte 255 read as 254.
fn normalized(payload: &[u8]) -> Vec<u8> {
    let mut out = vec![payload[0] & 0x7F];
    out.extend(payload[1..].iter().take(MAX_ORDER).map(|&b| b.min(254)));
    out
}

#[test]
fn payloads_round_trip_and_bad_ones_are_errors() {
    let sid = Sid::parse(&[30, 127, 254, 0]).unwrap();
    assert_eq!(sid.level, 30);
    assert_eq!(sid.reflection(), &[0.0, 127.0 * STEP, -127.0 * STEP][..]);
    let mut out = [0u8; 4];
    assert_eq!(sid.write(&mut out).unwrap(), 4);
    assert_eq!(out, [30, 127, 254, 0]);
    // The unused top bit is ignored.
    assert_eq!(Sid::parse(&[0x80 | 40]).unwrap().level, 40);
    assert!(matches!(Sid::parse(&[]), Err(RtpError::Truncated { .. })));
    assert!(sid.write(&mut [0u8; 2]).is_err());
}

#[test]
fn coefficient_bytes_step_by_258_over_2_15_as_rfc_3389_says() {
    // RFC 3389 §3.2: byte = k * 2^15 / 258 + 127. A scale of 1/128 (what this coder used
    // before) reads byte 191 as 0.5 instead of 0.5039 and writes 0.75 as 223 instead of 222.
    let sid = Sid::parse(&[20, 191, 63, 128]).unwrap();
    assert_eq!(sid.reflection(), &[64.0 * STEP, -64.0 * STEP, STEP][..]);
    let mut three_quarters = Sid::white(20);
    three_quarters.order = 2;
    three_quarters.reflection[..2].copy_from_slice(&[0.75, -0.75]);
    let mut out = [0u8; 3];
    three_quarters.write(&mut out).unwrap();
    assert_eq!(out, [20, 127 + 95, 127 - 95]);
}

#[test]
fn byte_255_reads_as_254_and_still_plays_noise() {
    // 255 is past the RFC's range and would stand for k = 1.008, an unstable filter. Read
    // as k = 1 (the 1/128 scale), the generator's gain was zero: a SID of -30 dBov played
    // silence for ever.
    let top = Sid::parse(&[30, 255]).unwrap();
    assert_eq!(top, Sid::parse(&[30, 254]).unwrap());
    assert!(top.reflection()[0] < 1.0);
    let mut cn = ComfortNoise::new(8000, 1);
    let mut out = vec![0i16; 8000];
    for frame in out.chunks_mut(160) {
        cn.decode(&[30, 255], frame).unwrap();
    }
    assert!(rms(&out) > 1.0, "a -30 dBov SID played silence");
}

#[test]
fn strongly_coloured_noise_writes_only_bytes_the_rfc_defines() {
    // Brown noise (integrated white noise) fits k1 close to 1. At the old 1/128 scale
    // 0.999 became byte 255, which RFC 3389 decoders read as k > 1 and ffmpeg as k = 1.
    let mut y = 0.0f64;
    let brown: Vec<i16> = white(-30.0, 8000, 11)
        .iter()
        .map(|&s| {
            y = 0.9995 * y + f64::from(s);
            (y / 4.0) as i16
        })
        .collect();
    let sid = estimate(&brown, DEFAULT_ORDER);
    assert!(sid.reflection()[0] > 0.99, "k1 {}", sid.reflection()[0]);
    let mut out = [0u8; 1 + DEFAULT_ORDER];
    sid.write(&mut out).unwrap();
    assert!(out[1..].iter().all(|&b| b <= 254), "{out:?}");
    assert_eq!(out[1], 254);
}

#[test]
fn higher_model_orders_are_truncated_not_rejected() {
    // RFC 3389 §3 leaves the order to the encoder and lets the decoder drop coefficients.
    let payload: Vec<u8> = std::iter::once(35).chain(100..121).collect();
    let sid = Sid::parse(&payload).unwrap();
    assert_eq!(sid.reflection().len(), MAX_ORDER);
    assert_eq!(sid, Sid::parse(&payload[..1 + MAX_ORDER]).unwrap());
    let mut cn = ComfortNoise::new(8000, 2);
    assert_eq!(cn.decode(&payload, &mut [0i16; 160]).unwrap(), 160);
}

#[test]
fn levels_past_127_write_as_the_lowest_level() {
    // The field is public; masking 200 to seven bits wrote -72 dBov for -200.
    let mut sid = Sid::white(0);
    sid.level = 200;
    let mut out = [0u8; 1];
    sid.write(&mut out).unwrap();
    assert_eq!(out, [MIN_LEVEL_DBOV]);
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
    fn any_payload_decodes_to_a_frame_or_is_empty(payload in proptest::collection::vec(any::<u8>(), 0..40)) {
        let mut cn = ComfortNoise::new(8000, 3);
        let mut out = [0i16; 160];
        match cn.decode(&payload, &mut out) {
            Ok(n) => prop_assert_eq!(n, 160),
            Err(e) => {
                prop_assert!(payload.is_empty());
                prop_assert_eq!(e, crate::Error::Rtp(RtpError::Truncated { needed: 1, actual: 0 }));
            }
        }
    }

    #[test]
    fn parse_then_write_gives_the_payload_back(payload in proptest::collection::vec(any::<u8>(), 1..40)) {
        let sid = Sid::parse(&payload).unwrap();
        let mut out = [0u8; 1 + MAX_ORDER];
        let n = sid.write(&mut out).unwrap();
        prop_assert_eq!(n, sid.len());
        prop_assert_eq!(&out[..n], &normalized(&payload)[..]);
        prop_assert_eq!(Sid::parse(&out[..n]).unwrap(), sid);
    }

    #[test]
    fn any_sid_plays_noise_no_louder_than_it_says(
        payload in proptest::collection::vec(any::<u8>(), 1..20),
        seed in any::<u64>(),
    ) {
        // From a silent start the filter's output power rises towards the signalled power
        // and never past it on average; a second of it more than 13 dB above would take a
        // deviation far beyond chance. Without coefficients the noise is uniform, so its
        // peak is bounded outright.
        let sid = Sid::parse(&payload).unwrap();
        let mut cn = ComfortNoise::new(8000, seed);
        let mut out = vec![0i16; 8000];
        for frame in out.chunks_mut(160) {
            prop_assert_eq!(cn.decode(&payload, frame).unwrap(), 160);
        }
        let power = out.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / out.len() as f64;
        prop_assert!(power <= 20.0 * sid.rms().powi(2) + 1.0, "power {} for {:?}", power, sid);
        if sid.reflection().is_empty() {
            let peak = out.iter().map(|&s| f64::from(s).abs()).fold(0.0, f64::max);
            prop_assert!(peak <= sid.rms() * 3f64.sqrt() + 0.5, "peak {} for {:?}", peak, sid);
        }
    }

    #[test]
    fn estimation_of_any_audio_is_a_valid_payload(pcm in proptest::collection::vec(any::<i16>(), 0..400)) {
        let sid = estimate(&pcm, DEFAULT_ORDER);
        let mut out = [0u8; 1 + MAX_ORDER];
        let n = sid.write(&mut out).unwrap();
        prop_assert!(out[0] <= MIN_LEVEL_DBOV);
        prop_assert!(out[1..n].iter().all(|&b| b <= 254));
        let parsed = Sid::parse(&out[..n]).unwrap();
        prop_assert_eq!(parsed.level, sid.level);
        for (q, k) in parsed.reflection().iter().zip(sid.reflection()) {
            prop_assert!((q - k).abs() <= STEP / 2.0 + 1e-12, "{} quantized to {}", k, q);
        }
        prop_assert!(sid.reflection().iter().all(|k| k.abs() < 1.0));
    }
}

#[test]
fn extreme_coefficients_stay_stable_and_the_next_sid_plays_normally() {
    // Every coefficient at an end of the range puts the poles right at the unit circle.
    // The direct-form filter this generator used lost stability to rounding from order 8
    // on: full-scale noise, then a NaN state that silenced every later SID.
    for pattern in [[254u8, 254], [0, 0], [254, 0], [0, 254]] {
        for order in [8, 10, MAX_ORDER] {
            let mut extreme = vec![30u8];
            extreme.extend(pattern.iter().cycle().take(order));
            let mut cn = ComfortNoise::new(8000, 5);
            let mut out = vec![0i16; 80_000];
            for frame in out.chunks_mut(160) {
                cn.decode(&extreme, frame).unwrap();
            }
            let peak = out.iter().map(|s| s.unsigned_abs()).max().unwrap();
            assert!(peak < 8000, "{pattern:?} x{order}: peak {peak} at -30 dBov");
            let mut after = vec![0i16; 8000];
            for frame in after.chunks_mut(160) {
                cn.decode(&[30, 127, 127], frame).unwrap();
            }
            let level = dbov(&after[1600..]);
            assert!(
                (level + 30.0).abs() < 1.0,
                "{pattern:?} x{order}: the next SID plays {level:.1} dBov"
            );
        }
    }
}

/// The model's power response at `omega` (radians per sample), in dB, up to a constant.
fn model_db(sid: &Sid, omega: f64) -> f64 {
    let mut a = [0.0f64; MAX_ORDER + 1];
    for (i, &k) in sid.reflection().iter().enumerate() {
        let i = i + 1;
        let previous = a;
        a[i] = k;
        for j in 1..i {
            a[j] = previous[j] - k * previous[i - j];
        }
    }
    let (mut re, mut im) = (1.0, 0.0);
    for (j, &aj) in a.iter().enumerate().skip(1) {
        re -= aj * (omega * j as f64).cos();
        im += aj * (omega * j as f64).sin();
    }
    -10.0 * (re * re + im * im).log10()
}

#[test]
fn a_steep_low_pass_keeps_its_empty_upper_band() {
    // Four one-pole low-passes: from 1 rad/sample up the noise is 73 dB and more under its
    // bottom. Fitted without a window, the model filled that band up to 42 dB under.
    let mut y = [0.0f64; 4];
    let noise: Vec<i16> = white(-10.0, 640 * 4, 21)
        .iter()
        .map(|&s| {
            let mut x = f64::from(s);
            for y in &mut y {
                *y = 0.9 * *y + 0.1 * x;
                x = *y;
            }
            x.round() as i16
        })
        .collect();
    for frame in noise.chunks(640).skip(1) {
        let sid = estimate(frame, DEFAULT_ORDER);
        let bottom = model_db(&sid, 0.05);
        for omega in [1.0, 1.6, 2.4, std::f64::consts::PI] {
            let depth = bottom - model_db(&sid, omega);
            assert!(
                depth > 55.0,
                "at {omega} rad the model is only {depth:.1} dB under its bottom"
            );
        }
    }
}
