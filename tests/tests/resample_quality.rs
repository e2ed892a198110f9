//! The resampler on real speech, against sox as an outside reference, and without
//! allocating on the per-frame path.
//!
//! Speech is synthesized by espeak-ng and brought to 8 kHz by sox (without dither); a missing
//! espeak-ng or sox fails the test with the package to install.

use mediacore::dsp::{Quality, Resampler, SUPPORTED_RATES};
use mediacore_tests::alloc_count::{CountingAllocator, allocations};
use mediacore_tests::oracle::{espeak_speech, run, s16le_bytes, s16le_samples};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// About four seconds of synthetic speech at `rate`, mono.
fn speech(rate: u32) -> Vec<i16> {
    espeak_speech(
        rate,
        "Please hold while we connect your call. Press five to speak to an agent, \
             or stay on the line.",
    )
}

/// `input` through `r` in 20 ms frames, then flushed, with the first `delay()` frames dropped:
/// aligned with the input.
fn resample(r: &mut Resampler, input: &[i16]) -> Vec<i16> {
    let frame = r.input_rate() as usize / 50;
    let mut out = Vec::new();
    let mut buf = vec![0i16; r.max_output_len(frame).max(r.max_flush_len())];
    for piece in input.chunks(frame) {
        let n = r.process(piece, &mut buf).expect("resample");
        out.extend_from_slice(&buf[..n]);
    }
    let n = r.flush(&mut buf).expect("flush");
    out.extend_from_slice(&buf[..n]);
    out.split_off(r.delay())
}

/// Signal-to-noise ratio in dB of `got` against `want`, over `want`'s length.
fn snr_db(want: &[i16], got: &[i16]) -> f64 {
    let signal: f64 = want.iter().map(|&v| f64::from(v).powi(2)).sum();
    let noise: f64 = want
        .iter()
        .zip(got)
        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
        .sum();
    // Infinite when the output is bit-exact.
    10.0 * (signal / noise).log10()
}

/// `speech` band-limited by sox to the 300-3400 Hz telephone channel (ITU-T G.712).
fn telephone_band(speech: &[i16]) -> Vec<i16> {
    s16le_samples(&run(
        "sox",
        &[
            "-D", "-t", "raw", "-r", "8000", "-c", "1", "-e", "signed", "-b", "16", "-", "-t",
            "raw", "-", "sinc", "300-3400",
        ],
        &s16le_bytes(speech),
        "sox",
    ))
}

/// SNR in dB of `input` after 8 -> 48 -> 8 kHz at `quality`, aligned by the reported delays.
fn round_trip_snr(input: &[i16], quality: Quality) -> f64 {
    let mut up = Resampler::with_quality(8000, 48_000, 1, quality).unwrap();
    let mut down = Resampler::with_quality(48_000, 8000, 1, quality).unwrap();
    let back = resample(&mut down, &resample(&mut up, input));
    assert_eq!(back.len(), input.len());
    snr_db(input, &back)
}

#[test]
fn telephone_band_speech_survives_8_to_48_to_8_khz() {
    let input = telephone_band(&speech(8000));
    for quality in [Quality::LowDelay, Quality::Wideband] {
        let snr = round_trip_snr(&input, quality);
        println!("telephone-band speech, 8 -> 48 -> 8 kHz, {quality:?}: SNR {snr:.1} dB");
        assert!(snr >= 40.0, "{quality:?}: {snr:.1} dB");
    }
}

#[test]
fn full_band_speech_survives_8_to_48_to_8_khz_when_wideband() {
    // Whatever sox left up to 4 kHz. The low-delay passband ends near 3.4 kHz, so the
    // speech energy above it is lost twice; the wideband one reaches 3.85 kHz.
    let input = speech(8000);
    let wide = round_trip_snr(&input, Quality::Wideband);
    let low = round_trip_snr(&input, Quality::LowDelay);
    println!("full-band speech, 8 -> 48 -> 8 kHz: Wideband SNR {wide:.1} dB, LowDelay {low:.1} dB");
    assert!(wide >= 40.0, "Wideband: {wide:.1} dB");
    assert!(low >= 20.0, "LowDelay: {low:.1} dB");
}

#[test]
fn upsampled_speech_matches_sox() {
    // Telephone-band speech, so that the comparison is within both passbands.
    let input = telephone_band(&speech(8000));
    // sox's `rate` is linear phase and removes its own delay, so the outputs line up.
    let theirs = s16le_samples(&run(
        "sox",
        &[
            "-D", "-t", "raw", "-r", "8000", "-c", "1", "-e", "signed", "-b", "16", "-", "-t",
            "raw", "-r", "48000", "-", "rate", "-v",
        ],
        &s16le_bytes(&input),
        "sox",
    ));
    for quality in [Quality::LowDelay, Quality::Wideband] {
        let ours = resample(
            &mut Resampler::with_quality(8000, 48_000, 1, quality).unwrap(),
            &input,
        );
        let n = ours.len().min(theirs.len());
        let snr = snr_db(&theirs[..n], &ours[..n]);
        println!("speech 8 -> 48 kHz, {quality:?}, against sox rate -v: SNR {snr:.1} dB");
        assert!(snr >= 40.0, "{quality:?}: {snr:.1} dB");
    }
}

#[test]
fn the_per_frame_path_does_not_allocate() {
    for &rate_in in &SUPPORTED_RATES {
        for &rate_out in &SUPPORTED_RATES {
            for (channels, quality) in [(1, Quality::LowDelay), (2, Quality::Wideband)] {
                let mut r = Resampler::with_quality(rate_in, rate_out, channels, quality).unwrap();
                let frame = vec![1000i16; (rate_in / 50 * u32::from(channels)) as usize];
                let mut out = vec![0i16; r.max_output_len(frame.len()).max(r.max_flush_len())];
                let before = allocations();
                for _ in 0..10 {
                    r.process(&frame, &mut out).unwrap();
                    r.process(&frame[..frame.len() / 3 / 2 * 2], &mut out)
                        .unwrap();
                }
                r.flush(&mut out).unwrap();
                r.reset();
                let after = allocations();
                assert_eq!(
                    after, before,
                    "{rate_in} -> {rate_out} Hz x{channels} allocated"
                );
            }
        }
    }
}
