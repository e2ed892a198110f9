//! Unit tests of the resampler: quality (tones, speech-like audio), framing, errors.

use super::*;
use crate::Error;

fn tone(rate: u32, freq: f64, amplitude: f64, frames: usize, channels: u16) -> Vec<i16> {
    let mut out = Vec::with_capacity(frames * usize::from(channels));
    for n in 0..frames {
        for c in 0..channels {
            // A different frequency per channel catches swapped or mixed channels.
            let f = freq * (1.0 - 0.3 * f64::from(c));
            let t = n as f64 / f64::from(rate);
            out.push((amplitude * (2.0 * std::f64::consts::PI * f * t).sin()).round() as i16);
        }
    }
    out
}

/// Runs `input` through `r` in `frame`-sized pieces, then flushes.
fn run(r: &mut Resampler, input: &[i16], frame: usize) -> Vec<i16> {
    let mut out = Vec::new();
    let mut buf = vec![0i16; r.max_output_len(frame)];
    for piece in input.chunks(frame) {
        let n = r.process(piece, &mut buf).unwrap();
        out.extend_from_slice(&buf[..n]);
    }
    let mut tail = vec![0i16; r.max_flush_len()];
    assert!(r.flush_len() <= tail.len());
    let n = r.flush(&mut tail).unwrap();
    out.extend_from_slice(&tail[..n]);
    out
}

fn rms(x: &[i16]) -> f64 {
    (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

/// Signal-to-noise ratio in dB of `got` against `want`.
fn snr_db(want: &[i16], got: &[i16]) -> f64 {
    assert_eq!(want.len(), got.len());
    let signal: f64 = want.iter().map(|&v| f64::from(v).powi(2)).sum();
    let noise: f64 = want
        .iter()
        .zip(got)
        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
        .sum();
    // Infinite when the output is bit-exact.
    10.0 * (signal / noise).log10()
}

#[test]
fn unsupported_rates_and_channels_are_typed_errors() {
    let err = Resampler::new(11_025, 8000, 1).unwrap_err();
    assert_eq!(
        err,
        Error::Dsp(DspError::UnsupportedSampleRate {
            requested: 11_025,
            supported: SUPPORTED_RATES_TEXT,
        })
    );
    assert_eq!(
        err.to_string(),
        "the resampler does not run at 11025 Hz; supported rates: \
         8000, 12000, 16000, 24000, 32000, 44100, 48000"
    );
    assert!(matches!(
        Resampler::new(8000, 0, 1),
        Err(Error::Dsp(DspError::UnsupportedSampleRate {
            requested: 0,
            ..
        }))
    ));
    for channels in [0, 3] {
        let err = Resampler::new(8000, 16_000, channels).unwrap_err();
        assert!(matches!(
            err,
            Error::Dsp(DspError::UnsupportedChannels { requested, .. }) if requested == channels
        ));
    }
    assert_eq!(
        Resampler::new(8000, 8000, 3).unwrap_err().to_string(),
        "the resampler does not support 3 channels; supported: 1 or 2"
    );
}

#[test]
fn misuse_is_a_typed_error_that_consumes_nothing() {
    let mut r = Resampler::new(16_000, 8000, 2).unwrap();
    let mut out = [0i16; 320];
    assert_eq!(
        r.process(&[0; 3], &mut out),
        Err(Error::Frame(FrameError::PartialSample {
            len: 3,
            channels: 2
        }))
    );
    let input = tone(16_000, 440.0, 8000.0, 320, 2);
    assert_eq!(
        r.process(&input, &mut out[..100]),
        Err(Error::Dsp(DspError::OutputTooSmall {
            needed: 320,
            capacity: 100
        }))
    );
    let mut fresh = Resampler::new(16_000, 8000, 2).unwrap();
    let mut want = [0i16; 320];
    fresh.process(&input, &mut want).unwrap();
    assert_eq!(r.process(&input, &mut out), Ok(320));
    assert_eq!(out, want, "the failed call left the state untouched");
    assert!(matches!(
        r.flush(&mut []),
        Err(Error::Dsp(DspError::OutputTooSmall { .. }))
    ));

    let wrong_rate = AudioFrame::silence(8000, 2, core::time::Duration::from_millis(20));
    assert_eq!(
        r.process_frame(&wrong_rate.unwrap(), &mut out),
        Err(Error::Frame(FrameError::SampleRateMismatch {
            got: 8000,
            expected: 16_000
        }))
    );
    let mono = AudioFrame::silence(16_000, 1, core::time::Duration::from_millis(20));
    assert!(matches!(
        r.process_frame(&mono.unwrap(), &mut out),
        Err(Error::Frame(FrameError::ChannelMismatch { got: 1, .. }))
    ));
}

#[test]
fn equal_rates_copy() {
    let mut r = Resampler::new(44_100, 44_100, 2).unwrap();
    let input = tone(44_100, 1000.0, 20_000.0, 882, 2);
    let mut out = vec![0i16; r.max_output_len(input.len())];
    assert_eq!(r.process(&input, &mut out).unwrap(), input.len());
    assert_eq!(out, input);
    assert_eq!((r.delay(), r.flush_len(), r.block_frames()), (0, 0, 1));
    assert_eq!(r.process(&[1, 2], &mut out).unwrap(), 2);
}

#[test]
fn twenty_ms_in_gives_twenty_ms_out_for_every_pair() {
    for &rate_in in &SUPPORTED_RATES {
        for &rate_out in &SUPPORTED_RATES {
            for channels in 1..=2u16 {
                let mut r = Resampler::new(rate_in, rate_out, channels).unwrap();
                let frame = vec![0i16; (rate_in / 50 * u32::from(channels)) as usize];
                let want = (rate_out / 50 * u32::from(channels)) as usize;
                assert_eq!(r.max_output_len(frame.len()), want, "{rate_in}->{rate_out}");
                let mut out = vec![0i16; want];
                for _ in 0..3 {
                    assert_eq!(r.process(&frame, &mut out).unwrap(), want);
                }
            }
        }
    }
}

fn every_configuration() -> impl Iterator<Item = (u32, u32, u16, Quality)> {
    let qualities = [Quality::LowDelay, Quality::Wideband];
    SUPPORTED_RATES.into_iter().flat_map(move |rate_in| {
        SUPPORTED_RATES.into_iter().flat_map(move |rate_out| {
            (1..=2u16).flat_map(move |ch| qualities.map(|q| (rate_in, rate_out, ch, q)))
        })
    })
}

#[test]
fn a_one_khz_tone_passes_every_pair_at_60_db_snr() {
    for (rate_in, rate_out, channels, quality) in every_configuration() {
        let mut r = Resampler::with_quality(rate_in, rate_out, channels, quality).unwrap();
        let ch = usize::from(channels);
        let input = tone(rate_in, 1000.0, 16_000.0, rate_in as usize / 2, channels);
        let out = run(&mut r, &input, rate_in as usize / 50 * ch);
        let aligned = &out[r.delay() * ch..];
        let want = tone(rate_out, 1000.0, 16_000.0, aligned.len() / ch, channels);
        // Compare away from the edges, where the input starts and stops abruptly.
        let edge = (rate_out as usize / 50) * ch;
        let range = edge..aligned.len() - edge;
        let snr = snr_db(&want[range.clone()], &aligned[range]);
        assert!(
            snr >= 60.0,
            "{rate_in}->{rate_out} x{channels} {quality:?}: {snr:.1} dB"
        );
    }
}

/// Gain in dB of a `freq` tone through `rate_in` -> `rate_out`, in the steady state.
fn gain_db(rate_in: u32, rate_out: u32, quality: Quality, freq: f64) -> f64 {
    let mut r = Resampler::with_quality(rate_in, rate_out, 1, quality).unwrap();
    let input = tone(rate_in, freq, 16_000.0, rate_in as usize, 1);
    let out = run(&mut r, &input, rate_in as usize / 50);
    let (a, b) = (rate_out as usize / 4, rate_out as usize * 3 / 4);
    // An all-zero output counts as 1/100 of a step: below what 16 bits can show.
    20.0 * (rms(&out[a..b]).max(0.01) / rms(&input[rate_in as usize / 4..])).log10()
}

#[test]
fn passband_and_stopband_edges_at_8_khz() {
    for (quality, flat_to) in [(Quality::LowDelay, 3400.0), (Quality::Wideband, 3850.0)] {
        for freq in [300.0, 1000.0, 2500.0, flat_to] {
            let up = gain_db(8000, 48_000, quality, freq);
            let down = gain_db(48_000, 8000, quality, freq);
            assert!(
                up.abs() <= 0.3 && down.abs() <= 0.3,
                "{quality:?} {freq} Hz: {up:.2}, {down:.2} dB"
            );
        }
        // Just above 4 kHz would fold back to just below it.
        for freq in [4100.0, 4500.0, 7000.0, 20_000.0] {
            let down = gain_db(48_000, 8000, quality, freq);
            assert!(
                down <= -80.0,
                "{quality:?}: {freq} Hz folds back at {down:.1} dB"
            );
        }
    }
}

#[test]
fn a_6_khz_tone_is_removed_going_from_48_to_8_khz() {
    let mut r = Resampler::new(48_000, 8000, 1).unwrap();
    let input = tone(48_000, 6000.0, 16_000.0, 48_000, 1);
    let out = run(&mut r, &input, 960);
    // Skip the start-up transient and the flushed tail.
    let steady = rms(&out[r.delay() + 160..out.len() - 320]);
    // All zeros means every sample rounded from below half a step: bound it by that.
    let attenuation = 20.0 * (rms(&input) / steady.max(0.5)).log10();
    let bound = if steady == 0.0 { "at least " } else { "" };
    println!("6 kHz through 48 -> 8 kHz: attenuated by {bound}{attenuation:.1} dB");
    assert!(attenuation >= 60.0, "only {attenuation:.1} dB");
}

/// 8 kHz -> 48 kHz -> 8 kHz, aligned by both reported delays.
fn round_trip_snr(input: &[i16]) -> f64 {
    let mut up = Resampler::new(8000, 48_000, 1).unwrap();
    let mut down = Resampler::new(48_000, 8000, 1).unwrap();
    let high = run(&mut up, input, 160);
    let back = run(&mut down, &high, 960);
    assert_eq!(up.delay() % 6, 0, "the up delay is whole 8 kHz samples");
    let delay = up.delay() / 6 + down.delay();
    let aligned = &back[delay..delay + input.len()];
    snr_db(
        &input[160..input.len() - 160],
        &aligned[160..input.len() - 160],
    )
}

#[test]
fn a_one_khz_tone_survives_8_48_8_khz() {
    let snr = round_trip_snr(&tone(8000, 1000.0, 16_000.0, 8000, 1));
    println!("1 kHz through 8 -> 48 -> 8 kHz: SNR {snr:.1} dB");
    assert!(snr >= 40.0, "{snr:.1} dB");
}

/// A voiced-speech stand-in: a gliding 100-180 Hz pitch with harmonics falling 6 dB per
/// octave up to 3.4 kHz, under a 4 Hz syllable envelope.
fn speech_like(frames: usize) -> Vec<i16> {
    let mut phase = 0.0f64;
    (0..frames)
        .map(|n| {
            let t = n as f64 / 8000.0;
            let f0 = 140.0 + 40.0 * (2.0 * std::f64::consts::PI * 0.7 * t).sin();
            phase += 2.0 * std::f64::consts::PI * f0 / 8000.0;
            let mut v = 0.0;
            let mut k = 1.0;
            while k * f0 <= 3400.0 {
                v += (k * phase).sin() / k;
                k += 1.0;
            }
            let envelope = 0.55 - 0.45 * (2.0 * std::f64::consts::PI * 4.0 * t).cos();
            (6000.0 * envelope * v).round() as i16
        })
        .collect()
}

#[test]
fn speech_like_audio_survives_8_48_8_khz() {
    let snr = round_trip_snr(&speech_like(16_000));
    println!("speech-like through 8 -> 48 -> 8 kHz: SNR {snr:.1} dB");
    assert!(snr >= 40.0, "{snr:.1} dB");
}

#[test]
fn output_does_not_depend_on_how_input_is_cut() {
    let input = speech_like(8000);
    let stereo: Vec<i16> = input.iter().flat_map(|&s| [s, s / 2]).collect();
    for (rate_in, rate_out, channels, quality) in [
        (8000, 48_000, 1u16, Quality::LowDelay),
        (44_100, 16_000, 2, Quality::LowDelay),
        (16_000, 8000, 2, Quality::Wideband),
    ] {
        let signal = if channels == 1 { &input } else { &stereo };
        let ch = usize::from(channels);
        let mut r = Resampler::with_quality(rate_in, rate_out, channels, quality).unwrap();
        let whole = run(&mut r, signal, signal.len());
        for frame in [rate_in as usize / 50, 1, 7, 113, rate_in as usize / 100 + 1] {
            assert_eq!(run(&mut r, signal, frame * ch), whole, "frames of {frame}");
        }
        // Irregular sizes, including empty calls.
        let mut out = Vec::new();
        let mut buf = vec![0i16; r.max_output_len(signal.len())];
        let mut rest = &signal[..];
        for size in [0usize, 3, 0, 500, 1, 2000].iter().cycle() {
            let (now, later) = rest.split_at((size * ch).min(rest.len()));
            let n = r.process(now, &mut buf).unwrap();
            out.extend_from_slice(&buf[..n]);
            rest = later;
            if rest.is_empty() {
                break;
            }
        }
        let mut tail = vec![0i16; r.flush_len()];
        r.flush(&mut tail).unwrap();
        out.extend_from_slice(&tail);
        assert_eq!(out, whole);
    }
}

#[test]
fn flush_completes_the_stream_and_resets() {
    let mut r = Resampler::new(8000, 48_000, 1).unwrap();
    let input = tone(8000, 1000.0, 16_000.0, 1234, 1);
    let out = run(&mut r, &input, 160);
    assert_eq!(out.len(), r.delay() + 1234 * 6);
    // The last input samples, which never filled a block, are in the flushed tail.
    let aligned = &out[r.delay()..];
    let want = tone(48_000, 1000.0, 16_000.0, aligned.len(), 1);
    let end = aligned.len() - 240;
    let snr = snr_db(&want[end - 960..end], &aligned[end - 960..end]);
    assert!(snr >= 40.0, "{snr:.1} dB");
    // flush reset: a second run gives the same output.
    assert_eq!(run(&mut r, &input, 160), out);
}

#[test]
fn reset_forgets_waiting_input_and_filter_state() {
    let mut r = Resampler::new(16_000, 12_000, 1).unwrap();
    let input = tone(16_000, 700.0, 10_000.0, 320, 1);
    let mut out = vec![0i16; r.max_output_len(input.len())];
    r.process(&input, &mut out).unwrap();
    r.process(&input[..50], &mut out).unwrap();
    r.reset();
    let mut fresh = Resampler::new(16_000, 12_000, 1).unwrap();
    assert_eq!(run(&mut r, &input, 320), run(&mut fresh, &input, 320));
}

#[test]
fn full_scale_input_saturates_instead_of_wrapping() {
    let mut r = Resampler::new(8000, 16_000, 1).unwrap();
    let square: Vec<i16> = (0..1600)
        .map(|n| {
            if (n / 20) % 2 == 0 {
                i16::MAX
            } else {
                i16::MIN
            }
        })
        .collect();
    let out = run(&mut r, &square, 160);
    // Gibbs overshoot exceeds full scale; saturation keeps the sign of every peak.
    let delay = r.delay();
    for (n, &s) in out[delay..delay + 3200].iter().enumerate() {
        let want_positive = (n / 40) % 2 == 0;
        let centre = n % 40 >= 10 && n % 40 < 30;
        if centre {
            assert_eq!(s > 0, want_positive, "sample {n} is {s}");
        }
    }
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn arbitrary_input_never_panics(
            rate_in in proptest::sample::select(SUPPORTED_RATES.to_vec()),
            rate_out in proptest::sample::select(SUPPORTED_RATES.to_vec()),
            channels in 1u16..=2,
            pieces in proptest::collection::vec(
                proptest::collection::vec(any::<i16>(), 0..1500), 0..6),
        ) {
            let mut r = Resampler::new(rate_in, rate_out, channels).unwrap();
            let mut out = vec![0i16; r.max_output_len(1500).max(r.max_flush_len())];
            let mut frames_in = 0usize;
            let mut frames_out = 0usize;
            let ch = usize::from(channels);
            for piece in &pieces {
                let expected = r.output_len(piece.len());
                prop_assert!(expected <= r.max_output_len(piece.len()));
                match r.process(piece, &mut out) {
                    Ok(n) => {
                        prop_assert_eq!(n, expected);
                        frames_in += piece.len() / ch;
                        frames_out += n / ch;
                    }
                    Err(e) => {
                        prop_assert!(piece.len() % ch != 0, "unexpected {}", e);
                    }
                }
            }
            let n = r.flush(&mut out).unwrap();
            frames_out += n / ch;
            let want = (frames_in * rate_out as usize).div_ceil(rate_in as usize);
            prop_assert_eq!(frames_out - r.delay(), want);
        }
    }
}

#[test]
fn any_rate_converts_odd_rates_on_time_and_refuses_what_has_no_small_ratio() {
    for (rate_in, rate_out) in [
        (22_050, 8000),
        (11_025, 16_000),
        (96_000, 48_000),
        (7350, 8000),
    ] {
        let mut r = Resampler::any_rate(rate_in, rate_out, 1).unwrap();
        let input = tone(rate_in, 1000.0, 10_000.0, rate_in as usize, 1);
        let out = run(&mut r, &input, 441);
        let delay = r.delay();
        assert_eq!(
            out.len() - delay,
            rate_out as usize,
            "{rate_in} -> {rate_out}"
        );
        let want = tone(rate_out, 1000.0, 10_000.0, rate_out as usize, 1);
        let middle = rate_out as usize / 10..rate_out as usize * 9 / 10;
        let got = &out[delay..];
        let snr = snr_db(&want[middle.clone()], &got[middle]);
        assert!(snr > 55.0, "{rate_in} -> {rate_out}: {snr:.1} dB");
    }
    assert!(Resampler::any_rate(8000, 8000, 2).unwrap().delay() == 0);
    let prime = Resampler::any_rate(99_991, 8000, 1)
        .unwrap_err()
        .to_string();
    assert!(prime.contains("small whole ratio"), "{prime}");
    let low = Resampler::any_rate(500, 8000, 1).unwrap_err().to_string();
    assert!(low.contains("1000 to 384000"), "{low}");
    assert!(Resampler::any_rate(22_050, 8000, 3).is_err());
}
