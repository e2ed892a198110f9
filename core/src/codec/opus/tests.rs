//! Tests of the Opus wrapper: round trips, loss handling, configuration limits and the
//! measured bit rates behind them.

use super::*;
use crate::Error;
use crate::codec::{Codec, Decoder, Encoder};

/// The crate's seeded generator, so every run sees the same signal, with a uniform draw.
struct Noise(crate::rng::SeededRng);

impl Noise {
    fn new(seed: u64) -> Self {
        Noise(crate::rng::SeededRng::new(seed))
    }
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }
    /// Uniform in [-1, 1).
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// Vowel formants (F1, F2, F3) in Hz, roughly /a/, /i/, /u/, /e/, /o/.
const VOWELS: [[f64; 3]; 5] = [
    [730.0, 1090.0, 2440.0],
    [270.0, 2290.0, 3010.0],
    [300.0, 870.0, 2240.0],
    [530.0, 1840.0, 2480.0],
    [570.0, 840.0, 2410.0],
];

/// A two-pole resonator at `freq` Hz with `bandwidth` Hz.
struct Resonator {
    y1: f64,
    y2: f64,
}

impl Resonator {
    fn step(&mut self, x: f64, freq: f64, bandwidth: f64, rate: f64) -> f64 {
        let r = (-core::f64::consts::PI * bandwidth / rate).exp();
        let theta = 2.0 * core::f64::consts::PI * freq / rate;
        let y = (1.0 - r) * x + 2.0 * r * theta.cos() * self.y1 - r * r * self.y2;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}

/// Scales `segment` to `rms` (relative to full scale) under a raised-sine envelope.
fn shape(segment: &mut [f64], rms: f64, flatness: f64) {
    let power = segment.iter().map(|x| x * x).sum::<f64>() / segment.len().max(1) as f64;
    let gain = rms / power.sqrt().max(1e-12);
    let len = segment.len() as f64;
    for (k, x) in segment.iter_mut().enumerate() {
        let env = (core::f64::consts::PI * (k as f64 + 0.5) / len)
            .sin()
            .powf(flatness);
        *x *= gain * env;
    }
}

/// Deterministic speech-like audio at `rate`: syllables of a pulse-train voice through
/// moving formants, with fricative noise, short gaps and a pause every eight syllables.
/// Each segment is scaled to a fixed level, so the signal is alike at every rate: vowels
/// near -20 dBFS RMS, fricatives 12 dB lower.
pub(super) fn speech_like(rate: u32, seconds: f64, seed: u64) -> Vec<i16> {
    let fs = f64::from(rate);
    let n = (fs * seconds) as usize;
    let mut noise = Noise::new(seed);
    let mut out: Vec<f64> = Vec::with_capacity(n + rate as usize);
    let mut formants = [
        Resonator { y1: 0.0, y2: 0.0 },
        Resonator { y1: 0.0, y2: 0.0 },
        Resonator { y1: 0.0, y2: 0.0 },
    ];
    let mut hiss = Resonator { y1: 0.0, y2: 0.0 };
    let mut phase = 0.0f64;
    let mut glottal = 0.0f64;
    // The glottal pulse's spectral tilt: a one-pole low-pass at 400 Hz.
    let tilt = (-2.0 * core::f64::consts::PI * 400.0 / fs).exp();
    let mut syllable = 0usize;
    let base_f0 = 95.0 + 60.0 * (seed % 3) as f64;
    while out.len() < n {
        // One syllable: optional fricative, voiced nucleus, gap.
        if noise.next().is_multiple_of(3) {
            let len = (fs * (0.04 + 0.04 * noise.uniform().abs())) as usize;
            let mut segment: Vec<f64> = (0..len)
                .map(|_| hiss.step(noise.uniform(), (0.3 * fs).min(5000.0), 3000.0, fs))
                .collect();
            shape(&mut segment, 0.025, 1.0);
            out.extend(segment);
        }
        let len = (fs * (0.16 + 0.12 * noise.uniform().abs())) as usize;
        let from = VOWELS[(noise.next() % 5) as usize];
        let to = VOWELS[(noise.next() % 5) as usize];
        let f0_offset = 20.0 * noise.uniform();
        let start = out.len();
        let mut segment: Vec<f64> = (0..len)
            .map(|k| {
                let t = (start + k) as f64 / fs;
                let frac = k as f64 / len as f64;
                let f0 = base_f0 + f0_offset + 25.0 * (2.0 * core::f64::consts::PI * 0.7 * t).sin()
                    - 15.0 * frac;
                phase += f0 / fs;
                let pulse = if phase >= 1.0 {
                    phase -= 1.0;
                    1.0
                } else {
                    0.0
                };
                glottal = tilt * glottal + pulse;
                let mut x = glottal + 0.01 * noise.uniform();
                for (j, res) in formants.iter_mut().enumerate() {
                    let f = (from[j] + (to[j] - from[j]) * frac).min(0.45 * fs);
                    x = res.step(x, f, 60.0 + 40.0 * j as f64, fs);
                }
                x
            })
            .collect();
        shape(&mut segment, 0.1, 0.6);
        out.extend(segment);
        let gap = if syllable % 8 == 7 {
            (fs * 0.25) as usize
        } else {
            (fs * (0.03 + 0.05 * noise.uniform().abs())) as usize
        };
        out.extend((0..gap).map(|_| 0.0005 * noise.uniform()));
        syllable += 1;
    }
    out.truncate(n);
    out.iter()
        .map(|x| (x * 32767.0).round().clamp(-32768.0, 32767.0) as i16)
        .collect()
}

/// Interleaves one signal per channel.
pub(super) fn interleave(channels: &[Vec<i16>]) -> Vec<i16> {
    let len = channels.iter().map(Vec::len).min().unwrap_or(0);
    (0..len)
        .flat_map(|i| channels.iter().map(move |c| c[i]))
        .collect()
}

/// Speech-like audio with `channels` different voices.
pub(super) fn speech_channels(rate: u32, seconds: f64, channels: u16) -> Vec<i16> {
    let voices: Vec<Vec<i16>> = (0..u64::from(channels))
        .map(|c| speech_like(rate, seconds, 7 + c))
        .collect();
    interleave(&voices)
}

/// Encodes `pcm` frame by frame; returns the packets.
pub(super) fn encode_all(encoder: &mut OpusEncoder, pcm: &[i16]) -> Vec<Vec<u8>> {
    let frame = encoder.frame_len();
    let mut out = vec![0u8; encoder.max_payload_len(frame)];
    pcm.chunks_exact(frame)
        .map(|chunk| {
            let n = encoder.encode(chunk, &mut out).expect("encode");
            out[..n].to_vec()
        })
        .collect()
}

/// Average bit rate of `packets`, each `frame_ms` long, in bit/s.
pub(super) fn bitrate_of(packets: &[Vec<u8>], frame_ms: u8) -> f64 {
    let bytes: usize = packets.iter().map(Vec::len).sum();
    bytes as f64 * 8.0 / (packets.len() as f64 * f64::from(frame_ms) / 1000.0)
}

/// Decodes every packet; returns the concatenated PCM.
pub(super) fn decode_all(decoder: &mut OpusDecoder, packets: &[Vec<u8>]) -> Vec<i16> {
    let mut out = vec![0i16; decoder.max_decoded_len(1)];
    let mut pcm = Vec::new();
    for packet in packets {
        let n = decoder.decode(packet, &mut out).expect("decode");
        pcm.extend_from_slice(&out[..n]);
    }
    pcm
}

/// One channel of interleaved audio, every `step`-th sample from `phase`.
fn channel(pcm: &[i16], channels: usize, which: usize, step: usize, phase: usize) -> Vec<f64> {
    pcm.iter()
        .skip(which)
        .step_by(channels)
        .skip(phase)
        .step_by(step)
        .map(|&x| f64::from(x))
        .collect()
}

fn correlation_at(reference: &[f64], decoded: &[f64], lag: usize, len: usize) -> f64 {
    let (mut xy, mut xx, mut yy) = (0.0, 0.0, 0.0);
    for (x, y) in reference.iter().zip(&decoded[lag..]).take(len) {
        xy += x * y;
        xx += x * x;
        yy += y * y;
    }
    xy / (xx * yy).sqrt().max(1e-9)
}

/// The normalised correlation of `decoded` with `reference` at the codec delay that
/// maximises it (searched up to `max_lag` samples on the first second), and that delay.
fn aligned_correlation(reference: &[f64], decoded: &[f64], max_lag: usize) -> (f64, usize) {
    let probe = reference.len().min(decoded.len()).min(max_lag * 50) - max_lag;
    let lag = (0..max_lag)
        .max_by(|&a, &b| {
            correlation_at(reference, decoded, a, probe)
                .total_cmp(&correlation_at(reference, decoded, b, probe))
        })
        .unwrap_or(0);
    let len = reference.len().min(decoded.len() - lag);
    (correlation_at(reference, decoded, lag, len), lag)
}

/// Signal-to-noise ratio in dB of `decoded` against `reference` at `lag`.
fn snr_db(reference: &[f64], decoded: &[f64], lag: usize) -> f64 {
    let (mut signal, mut noise) = (0.0, 0.0);
    for (x, y) in reference.iter().zip(&decoded[lag..]) {
        signal += x * x;
        noise += (x - y) * (x - y);
    }
    10.0 * (signal / noise.max(1e-9)).log10()
}

/// Encodes `pcm` at `rate` with `config` and decodes it at the same rate; returns, per
/// channel, the aligned correlation and SNR against the input.
fn round_trip(rate: u32, channels: u16, config: OpusConfig, pcm: &[i16]) -> Vec<(f64, f64)> {
    let mut encoder = OpusEncoder::new(rate, channels, config).unwrap();
    let packets = encode_all(&mut encoder, pcm);
    let mut decoder = OpusDecoder::new(rate, channels).unwrap();
    let decoded = decode_all(&mut decoder, &packets);
    let ch = usize::from(channels);
    (0..ch)
        .map(|c| {
            let reference = channel(pcm, ch, c, 1, 0);
            let decoded = channel(&decoded, ch, c, 1, 0);
            let (corr, lag) = aligned_correlation(&reference, &decoded, rate as usize / 50);
            (corr, snr_db(&reference, &decoded, lag))
        })
        .collect()
}

/// A wideband stream played at 8 kHz (12 kHz for super-wideband) is the same audio as
/// the wideband decode resampled by the band-limited resampler, up to the top of the
/// narrow band where the two filters differ.
#[test]
fn narrowband_output_of_a_wideband_stream_matches_the_resampled_wideband_output() {
    for (stream_rate, out_rate, channels) in [(16_000, 8000, 1u16), (24_000, 12_000, 2)] {
        let pcm = speech_channels(stream_rate, 3.0, channels);
        let mut encoder = OpusEncoder::new(stream_rate, channels, OpusConfig::default()).unwrap();
        let packets = encode_all(&mut encoder, &pcm);
        let wide = decode_all(
            &mut OpusDecoder::new(stream_rate, channels).unwrap(),
            &packets,
        );
        let narrow = decode_all(&mut OpusDecoder::new(out_rate, channels).unwrap(), &packets);
        assert_eq!(narrow.len() * 2, wide.len());
        let mut resampler = crate::dsp::Resampler::with_quality(
            stream_rate,
            out_rate,
            channels,
            crate::dsp::Quality::Wideband,
        )
        .unwrap();
        let mut reference = vec![0i16; resampler.max_output_len(wide.len())];
        let n = resampler.process(&wide, &mut reference).unwrap();
        reference.truncate(n);
        let ch = usize::from(channels);
        for c in 0..ch {
            let ours = channel(&narrow, ch, c, 1, 0);
            let theirs = channel(&reference, ch, c, 1, 0);
            // Align ours to the resampler's output, whose delay is longer.
            let (corr, lag) = aligned_correlation(&ours, &theirs, out_rate as usize / 25);
            let snr = snr_db(&ours, &theirs, lag);
            println!(
                "{stream_rate} -> {out_rate} Hz ch{c}: correlation {corr:.5}, SNR {snr:.1} dB, lag {lag}"
            );
            assert!(corr > 0.999 && snr > 30.0, "{corr:.5}, {snr:.1} dB");
        }
    }
}

#[test]
fn speech_round_trips_at_every_rate_and_channel_count() {
    for &rate in &ENCODER_RATES {
        for channels in [1u16, 2] {
            let pcm = speech_channels(rate, 2.0, channels);
            let config = OpusConfig {
                bitrate: 24_000 * u32::from(channels),
                ..OpusConfig::default()
            };
            for (c, (corr, snr)) in round_trip(rate, channels, config, &pcm)
                .into_iter()
                .enumerate()
            {
                println!(
                    "speech {rate} Hz ch{c}/{channels}: correlation {corr:.3}, SNR {snr:.1} dB"
                );
                assert!(
                    corr >= 0.92 && snr >= 8.0,
                    "{rate} Hz channel {c} of {channels}: correlation {corr:.3}, SNR {snr:.1} dB"
                );
            }
        }
    }
}

#[test]
fn a_tone_round_trips_with_a_usable_snr() {
    for &rate in &ENCODER_RATES {
        for channels in [1u16, 2] {
            let tone: Vec<i16> = (0..rate as usize)
                .map(|i| {
                    let t = i as f64 / f64::from(rate);
                    (8000.0 * (2.0 * core::f64::consts::PI * 440.0 * t).sin()) as i16
                })
                .collect();
            let pcm = interleave(&vec![tone; usize::from(channels)]);
            let config = OpusConfig {
                bitrate: 32_000 * u32::from(channels),
                ..OpusConfig::default()
            };
            for (c, (corr, snr)) in round_trip(rate, channels, config, &pcm)
                .into_iter()
                .enumerate()
            {
                println!("tone {rate} Hz ch{c}/{channels}: correlation {corr:.4}, SNR {snr:.1} dB");
                assert!(
                    corr >= 0.99 && snr >= 25.0,
                    "{rate} Hz ch {c}: {corr:.4}, {snr:.1} dB"
                );
            }
        }
    }
}

/// Checks every configuration of a grid at `rate` on 5 s of speech-like audio: the ones
/// the validation lets through must average within 10% of their target; prints the table.
fn bitrate_grid(rate: u32) {
    let seconds = 5.0;
    let mono = speech_channels(rate, seconds, 1);
    let stereo = speech_channels(rate, seconds, 2);
    let mut cases = Vec::new();
    for channels in [1u16, 2] {
        for bitrate in [12_000u32, 16_000, 24_000, 32_000, 64_000] {
            for cbr in [true, false] {
                cases.push((OpusApplication::Voip, channels, bitrate, cbr, 20u8));
            }
            cases.push((OpusApplication::Audio, channels, bitrate, false, 20));
        }
        cases.push((OpusApplication::Audio, channels, 24_000, true, 20));
        cases.push((OpusApplication::Voip, channels, 16_000, true, 10));
        cases.push((OpusApplication::Voip, channels, 16_000, true, 60));
        let (_, max) = bitrate_range(rate, channels);
        cases.push((OpusApplication::Voip, channels, max, true, 60));
    }
    let mut measured = 0;
    for (application, channels, bitrate, cbr, frame_ms) in cases {
        let config = OpusConfig {
            application,
            bitrate,
            cbr,
            frame_ms,
            ..OpusConfig::default()
        };
        let label = format!(
            "{rate:>5} Hz {channels} ch {application:?} {} {frame_ms} ms {:>3} kbit/s",
            if cbr { "CBR" } else { "VBR" },
            bitrate / 1000
        );
        let mut encoder = match OpusEncoder::new(rate, channels, config) {
            Ok(encoder) => encoder,
            Err(e) => {
                println!("{label}: rejected");
                // Only VBR outside its measured range and stereo below 8 kbit/s per
                // channel are refused in this grid.
                assert!(
                    !cbr || bitrate < bitrate_range(rate, channels).0,
                    "{label} rejected: {e}"
                );
                continue;
            }
        };
        let pcm = if channels == 1 { &mono } else { &stereo };
        let packets = encode_all(&mut encoder, pcm);
        let actual = bitrate_of(&packets, frame_ms);
        let error = actual / f64::from(bitrate) - 1.0;
        println!(
            "{label}: {:.1} kbit/s ({:+.1}%)",
            actual / 1000.0,
            100.0 * error
        );
        assert!(error.abs() <= 0.10, "{label}: {actual:.0} bit/s");
        measured += 1;
    }
    assert!(
        measured >= 14,
        "only {measured} configurations measured at {rate} Hz"
    );
}

#[test]
fn bitrate_holds_within_10_percent_at_48_khz() {
    bitrate_grid(48_000);
}

#[test]
fn bitrate_holds_within_10_percent_at_24_khz() {
    bitrate_grid(24_000);
}

#[test]
fn bitrate_holds_within_10_percent_at_16_khz() {
    bitrate_grid(16_000);
}

#[test]
fn bitrate_holds_within_10_percent_at_12_khz() {
    bitrate_grid(12_000);
}

#[test]
fn bitrate_holds_within_10_percent_at_8_khz() {
    bitrate_grid(8000);
}

/// The evidence for refusing variable bit rate: what the library does when asked anyway.
#[test]
#[ignore = "measures configurations the validation refuses; run with --nocapture to see them"]
fn variable_bit_rate_misses_its_target_where_it_is_refused() {
    for &rate in &ENCODER_RATES {
        let pcm = speech_channels(rate, 5.0, 1);
        let mut line = format!("{rate:>5} Hz mono Voip VBR 20 ms:");
        for bitrate in [12_000u32, 16_000, 24_000, 32_000, 64_000] {
            let mut inner =
                opus_rs::OpusEncoder::new(rate as i32, 1, opus_rs::Application::Voip).unwrap();
            inner.bitrate_bps = bitrate as i32;
            inner.use_cbr = false;
            let frame = rate as usize / 50;
            let mut out = vec![0u8; 4000];
            let bytes: usize = pcm
                .chunks_exact(frame)
                .map(|chunk| inner.encode_i16(chunk, frame, &mut out).unwrap())
                .sum();
            let actual = bytes as f64 * 8.0 / 5.0;
            line += &format!(
                " {}k {:+.0}%",
                bitrate / 1000,
                100.0 * (actual / f64::from(bitrate) - 1.0)
            );
        }
        println!("{line}");
    }
}

#[test]
fn configuration_errors_name_the_parameter_and_the_allowed_range() {
    let check = |config: OpusConfig, rate: u32, channels: u16, expected: &str| {
        let err = OpusEncoder::new(rate, channels, config).unwrap_err();
        assert_eq!(err.to_string(), expected);
        assert_eq!(config.validate(rate, channels).unwrap_err(), err);
    };
    let base = OpusConfig::default();
    check(
        OpusConfig {
            complexity: 11,
            ..base
        },
        48_000,
        1,
        "invalid argument: opus complexity 11 is out of range; allowed 0 to 10",
    );
    check(
        OpusConfig {
            expected_loss_percent: 101,
            ..base
        },
        48_000,
        1,
        "invalid argument: opus expected_loss_percent 101 is out of range; allowed 0 to 100",
    );
    check(
        OpusConfig {
            frame_ms: 5,
            ..base
        },
        48_000,
        1,
        "invalid argument: opus frame_ms 5 is not supported; allowed 10, 20, 40 or 60",
    );
    check(
        OpusConfig {
            bitrate: 12_000,
            ..base
        },
        16_000,
        2,
        "invalid argument: opus bitrate 12000 bit/s is out of range at 16000 Hz with 2 channel(s); allowed 16000 to 128000",
    );
    check(
        OpusConfig {
            bitrate: 200_000,
            ..base
        },
        48_000,
        1,
        "invalid argument: opus bitrate 200000 bit/s is out of range at 48000 Hz with 1 channel(s); allowed 8000 to 128000",
    );
    check(
        OpusConfig { cbr: false, ..base },
        16_000,
        1,
        "invalid argument: opus variable bit rate (cbr: false) is not allowed with Voip at 16000 Hz and 24000 bit/s: the encoder misses the target by more than 10% there; use cbr: true, or Audio at 24000 or 48000 Hz with at least 32000 bit/s per channel",
    );
    check(
        OpusConfig {
            inband_fec: true,
            ..base
        },
        48_000,
        2,
        "invalid argument: opus inband_fec at 48000 Hz with 2 channel(s) needs at least 48000 bit/s; got 24000 (below that the Hybrid encoder of opus-rs 0.1.40 can panic)",
    );
    assert!(
        OpusConfig {
            inband_fec: true,
            bitrate: 40_000,
            ..base
        }
        .validate(24_000, 1)
        .is_ok()
    );
    assert!(
        OpusConfig {
            inband_fec: true,
            ..base
        }
        .validate(16_000, 2)
        .is_ok()
    );
    let audio_vbr = OpusConfig {
        application: OpusApplication::Audio,
        cbr: false,
        bitrate: 64_000,
        ..base
    };
    assert!(audio_vbr.validate(48_000, 2).is_ok());
    assert!(audio_vbr.validate(16_000, 1).is_err());
    assert!(
        OpusConfig {
            bitrate: 63_999,
            ..audio_vbr
        }
        .validate(24_000, 2)
        .is_err()
    );
    // The default holds everywhere the encoder runs.
    for &rate in &ENCODER_RATES {
        for channels in [1, 2] {
            assert!(OpusConfig::default().validate(rate, channels).is_ok());
        }
    }
}

#[test]
fn options_fill_in_the_defaults_and_say_what_does_not_apply() {
    let options = OpusOptions {
        bitrate: Some(32_000),
        application: Some(OpusApplication::from_name("AUDIO").unwrap()),
        ..OpusOptions::default()
    };
    assert_eq!(
        options.resolve(Codec::Opus, None).unwrap(),
        OpusConfig {
            bitrate: 32_000,
            application: OpusApplication::Audio,
            ..OpusConfig::default()
        }
    );
    assert_eq!(
        OpusOptions::default().resolve(Codec::Pcmu, None).unwrap(),
        OpusConfig::default()
    );
    assert_eq!(
        options.resolve(Codec::Pcmu, None).unwrap_err().to_string(),
        "invalid argument: application, bitrate only apply to the opus codec; got PCMU"
    );
    let framed = OpusOptions {
        frame_ms: Some(40),
        ..OpusOptions::default()
    };
    assert_eq!(
        framed
            .resolve(Codec::Opus, Some("ptime"))
            .unwrap_err()
            .to_string(),
        "invalid argument: opus frame_ms does not apply here: ptime sets the opus frame duration"
    );
    assert_eq!(framed.resolve(Codec::Opus, None).unwrap().frame_ms, 40);
    let all = OpusOptions::from(OpusConfig::default());
    assert_eq!(all.given().len(), 7);
    assert_eq!(
        all.resolve(Codec::Opus, None).unwrap(),
        OpusConfig::default()
    );
    assert_eq!(
        OpusApplication::from_name("music").unwrap_err().to_string(),
        "invalid argument: opus application \"music\" is not known; allowed \"voip\" or \"audio\""
    );
    for app in OpusApplication::ALL {
        assert_eq!(OpusApplication::from_name(app.name()).unwrap(), app);
    }
}

#[test]
fn codecs_without_concealment_or_fec_say_so() {
    let mut cn = crate::codec::new_decoder(Codec::Cn, 8000, 1).unwrap();
    let mut out = [0i16; 160];
    assert_eq!(
        cn.conceal(160, &mut out).unwrap_err().to_string(),
        "CN has no loss concealment"
    );
    let mut pcmu = crate::codec::new_decoder(Codec::Pcmu, 8000, 1).unwrap();
    assert_eq!(
        pcmu.decode_fec(&[0; 160], 160, &mut out)
            .unwrap_err()
            .to_string(),
        "PCMU has no in-band FEC"
    );
    // Opus conceals through the trait object as well.
    let mut opus = crate::codec::new_decoder(Codec::Opus, 8000, 1).unwrap();
    assert_eq!(opus.conceal(160, &mut out).unwrap(), 160);
}

#[test]
fn codec_entry_follows_rfc_7587() {
    assert_eq!(Codec::from_name("OPUS").unwrap(), Codec::Opus);
    assert_eq!(Codec::Opus.name(), "opus");
    assert_eq!(Codec::Opus.static_payload_type(), None);
    for rate in [8000, 16_000, 48_000] {
        assert_eq!(Codec::Opus.rtp_clock_rate(rate), 48_000);
    }
    assert_eq!(
        Codec::Opus.sample_rates(),
        &[48_000, 24_000, 16_000, 12_000, 8000]
    );
    assert_eq!(Codec::Opus.max_channels(), 2);
    assert!(Codec::ALL.contains(&Codec::Opus));
}

#[test]
fn factories_build_opus_with_the_default_configuration() {
    for &rate in &ENCODER_RATES {
        let encoder = crate::codec::new_encoder(Codec::Opus, rate, 2).unwrap();
        assert_eq!(
            (encoder.codec(), encoder.sample_rate(), encoder.channels()),
            (Codec::Opus, rate, 2)
        );
    }
    for &rate in &DECODER_RATES {
        for channels in [1, 2] {
            let decoder = crate::codec::new_decoder(Codec::Opus, rate, channels).unwrap();
            assert_eq!(
                (decoder.sample_rate(), decoder.channels()),
                (rate, channels)
            );
        }
    }
    assert_eq!(
        crate::codec::new_decoder(Codec::Opus, 32_000, 1)
            .err()
            .unwrap()
            .to_string(),
        "opus does not run at 32000 Hz; supported rates: 48000, 24000, 16000, 12000, 8000"
    );
    assert_eq!(
        crate::codec::new_encoder(Codec::Opus, 44_100, 1)
            .err()
            .unwrap()
            .to_string(),
        "opus does not run at 44100 Hz; supported rates: 48000, 24000, 16000, 12000, 8000"
    );
    assert!(crate::codec::new_encoder(Codec::Opus, 48_000, 3).is_err());
}

#[test]
fn the_encoder_takes_exactly_one_frame_and_needs_room_for_a_packet() {
    let mut encoder = OpusEncoder::new(16_000, 2, OpusConfig::default()).unwrap();
    assert_eq!(encoder.frame_len(), 640);
    let mut out = vec![0u8; encoder.max_payload_len(640)];
    assert_eq!(
        encoder.encode(&[0; 320], &mut out).unwrap_err().to_string(),
        "invalid argument: the opus encoder takes 20 ms frames: 640 interleaved samples at 16000 Hz with 2 channel(s); got 320"
    );
    assert!(encoder.encode(&[0; 641], &mut out).is_err());
    assert!(matches!(
        encoder.encode(&[0; 640], &mut out[..10]),
        Err(Error::Codec(
            crate::error::CodecError::OutputTooSmall { .. }
        ))
    ));
    // CBR: every 20 ms packet of 24 kbit/s is 60 bytes.
    assert_eq!(encoder.encode(&[0; 640], &mut out).unwrap(), 60);
}

#[test]
fn reconfiguring_changes_the_rate_but_not_the_application() {
    let mut encoder = OpusEncoder::new(48_000, 1, OpusConfig::default()).unwrap();
    let pcm = speech_like(48_000, 0.2, 3);
    let mut out = vec![0u8; encoder.max_payload_len(960)];
    assert_eq!(encoder.encode(&pcm[..960], &mut out).unwrap(), 60);
    let faster = OpusConfig {
        bitrate: 64_000,
        frame_ms: 10,
        ..OpusConfig::default()
    };
    encoder.reconfigure(faster).unwrap();
    assert_eq!(encoder.config(), &faster);
    assert_eq!(encoder.encode(&pcm[960..1440], &mut out).unwrap(), 80);
    assert!(
        encoder
            .reconfigure(OpusConfig {
                complexity: 12,
                ..faster
            })
            .is_err()
    );
    assert_eq!(encoder.config(), &faster);
    let err = encoder
        .reconfigure(OpusConfig {
            application: OpusApplication::Audio,
            ..faster
        })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument: opus application cannot change from Voip to Audio on a running encoder; build a new one"
    );
}

#[test]
fn packet_durations_follow_the_toc() {
    // Hybrid fullband 20 ms, one frame.
    assert_eq!(packet_samples(&[15 << 3, 0], 48_000).unwrap(), 960);
    // SILK wideband 60 ms, two frames (code 1).
    assert_eq!(packet_samples(&[(11 << 3) | 1], 16_000).unwrap(), 1920);
    // CELT 2.5 ms, code 3 with 48 frames: 120 ms.
    assert_eq!(packet_samples(&[(16 << 3) | 3, 48], 24_000).unwrap(), 2880);
    let err = |payload: &[u8]| packet_samples(payload, 48_000).unwrap_err().to_string();
    assert_eq!(err(&[]), "malformed opus packet: empty packet");
    assert_eq!(
        err(&[3]),
        "malformed opus packet: code 3 packet without a frame count"
    );
    assert_eq!(
        err(&[3, 0]),
        "malformed opus packet: code 3 packet with zero frames"
    );
    // SILK 60 ms times three is 180 ms.
    assert_eq!(
        err(&[(3 << 3) | 3, 3]),
        "malformed opus packet: packet longer than 120 ms"
    );
}

/// Decodes `packets` with packet `lost` missing, replaced by `recover`.
fn decode_with_loss(
    packets: &[Vec<u8>],
    lost: usize,
    rate: u32,
    recover: impl Fn(&mut OpusDecoder, &[u8], &mut [i16]) -> usize,
) -> Vec<i16> {
    let mut decoder = OpusDecoder::new(rate, 1).unwrap();
    let mut out = vec![0i16; decoder.max_decoded_len(1)];
    let mut pcm = Vec::new();
    for (i, packet) in packets.iter().enumerate() {
        let n = if i == lost {
            recover(&mut decoder, &packets[i + 1], &mut out)
        } else {
            decoder.decode(packet, &mut out).unwrap()
        };
        pcm.extend_from_slice(&out[..n]);
    }
    pcm
}

/// Mean correlation with the clean decode over the voiced frames of `packets` that are lost
/// one at a time and recovered by concealment and by FEC; and how often FEC differed.
fn loss_recovery(packets: &[Vec<u8>], rate: u32) -> (f64, f64, usize, usize) {
    let frame = rate as usize / 50;
    let mut clean = OpusDecoder::new(rate, 1).unwrap();
    let reference: Vec<f64> = decode_all(&mut clean, packets)
        .iter()
        .map(|&x| f64::from(x))
        .collect();
    let (mut plc_sum, mut fec_sum, mut differs, mut losses) = (0.0, 0.0, 0, 0);
    for lost in (10..packets.len() - 1).step_by(13) {
        let window = lost * frame..(lost + 1) * frame;
        let energy: f64 = reference[window.clone()].iter().map(|x| x * x).sum();
        if energy < 1e5 * frame as f64 {
            continue; // a gap: nothing to rebuild
        }
        let plc = decode_with_loss(packets, lost, rate, |d, _, out| {
            d.conceal(frame, out).unwrap()
        });
        let fec = decode_with_loss(packets, lost, rate, |d, next, out| {
            d.decode_fec(next, frame, out).unwrap()
        });
        assert_eq!((plc.len(), fec.len()), (reference.len(), reference.len()));
        let segment =
            |x: &[i16]| -> Vec<f64> { x[window.clone()].iter().map(|&v| f64::from(v)).collect() };
        plc_sum += correlation_at(&reference[window.clone()], &segment(&plc), 0, frame);
        fec_sum += correlation_at(&reference[window.clone()], &segment(&fec), 0, frame);
        differs += usize::from(plc[window.clone()] != fec[window.clone()]);
        losses += 1;
    }
    assert!(losses >= 5, "{rate} Hz: only {losses} voiced losses");
    (
        plc_sum / losses as f64,
        fec_sum / losses as f64,
        differs,
        losses,
    )
}

#[test]
fn in_band_fec_is_decoded_from_the_next_packet() {
    for rate in [16_000u32, 48_000] {
        let pcm = speech_like(rate, 3.0, 11);
        let with_fec = OpusConfig {
            bitrate: 40_000,
            inband_fec: true,
            expected_loss_percent: 20,
            ..OpusConfig::default()
        };
        for config in [
            with_fec,
            OpusConfig {
                inband_fec: false,
                ..with_fec
            },
        ] {
            let mut encoder = OpusEncoder::new(rate, 1, config).unwrap();
            let packets = encode_all(&mut encoder, &pcm);
            let (plc, fec, differs, losses) = loss_recovery(&packets, rate);
            println!(
                "{rate} Hz, FEC {}: correlation with the clean frame: PLC {plc:.2}, FEC {fec:.2}; \
                 FEC differs from PLC in {differs} of {losses}",
                config.inband_fec
            );
            if config.inband_fec {
                assert!(
                    differs * 10 >= losses * 8,
                    "{rate} Hz: LBRR used in {differs} of {losses}"
                );
            } else {
                // Without LBRR, FEC decoding is concealment.
                assert_eq!(differs, 0, "{rate} Hz");
                assert_eq!(plc, fec);
            }
            if config.inband_fec {
                assert!(fec >= plc + 0.05, "{rate} Hz: FEC {fec:.2}, PLC {plc:.2}");
            }
        }
    }
}

#[test]
fn concealment_durations_are_checked_and_the_stream_goes_on() {
    let mut decoder = OpusDecoder::new(48_000, 2).unwrap();
    let mut out = vec![0i16; decoder.max_decoded_len(1)];
    // Before any packet, concealment is silence.
    assert_eq!(decoder.conceal(960, &mut out).unwrap(), 1920);
    assert!(out[..1920].iter().all(|&s| s == 0));
    assert_eq!(
        decoder.conceal(100, &mut out).unwrap_err().to_string(),
        "invalid argument: opus can conceal 120 to 5760 samples per channel in steps of 120 (2.5 ms at 48000 Hz); got 100"
    );
    assert!(decoder.conceal(0, &mut out).is_err());
    assert!(decoder.conceal(5880, &mut out).is_err());
    assert!(decoder.conceal(960, &mut out[..100]).is_err());
    assert!(decoder.decode_fec(&[], 960, &mut out).is_ok());
    assert!(decoder.decode_fec(&[3], 960, &mut out).is_err());
    // After a loss, packets decode as before.
    let pcm = speech_channels(48_000, 0.2, 2);
    let mut encoder = OpusEncoder::new(48_000, 2, OpusConfig::default()).unwrap();
    let packets = encode_all(&mut encoder, &pcm);
    assert_eq!(decoder.decode(&packets[0], &mut out).unwrap(), 1920);
    assert_eq!(decoder.conceal(480, &mut out).unwrap(), 960);
    assert_eq!(decoder.decode(&packets[2], &mut out).unwrap(), 1920);
    assert_eq!(
        decoder.decode(&[], &mut out).unwrap_err().to_string(),
        "malformed opus packet: empty payload (call Decoder::conceal for a lost packet)"
    );
    // A TOC without frame data is a frame the sender did not code: concealed.
    assert_eq!(
        decoder.decode(&[packets[3][0] & !3], &mut out).unwrap(),
        1920
    );
    assert!(matches!(
        decoder.decode(&packets[4], &mut out[..1000]),
        Err(Error::Codec(crate::error::CodecError::OutputTooSmall {
            needed: 1920,
            capacity: 1000
        }))
    ));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn arbitrary_bytes_never_panic_the_decoder(
            packets in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..1400), 1..6),
            rate in proptest::sample::select(DECODER_RATES.to_vec()),
            channels in 1u16..=2,
        ) {
            let mut decoder = OpusDecoder::new(rate, channels).unwrap();
            let mut out = vec![0i16; decoder.max_decoded_len(1)];
            for packet in &packets {
                if let Ok(n) = decoder.decode(packet, &mut out) {
                    let expected = packet_samples(packet, rate).unwrap() * usize::from(channels);
                    prop_assert_eq!(n, expected);
                }
                let _ = decoder.decode_fec(packet, rate as usize / 50, &mut out);
                prop_assert!(decoder.conceal(rate as usize / 100, &mut out).is_ok());
            }
        }
    }
}

/// Encodes test signals with every allowed configuration of a grid and returns the ones
/// that panicked inside the library.
fn panicking_configurations(
    rates: &[u32],
    fec_modes: &[(bool, u8)],
    complexities: &[u8],
    frames: &[u8],
    bitrate_step: usize,
    seconds: f64,
) -> Vec<String> {
    let mut noise = Noise::new(99);
    let mut failures = Vec::new();
    for &rate in rates {
        for channels in [1u16, 2] {
            let n = (f64::from(rate) * seconds) as usize * usize::from(channels);
            let white: Vec<i16> = (0..n).map(|_| (noise.uniform() * 30000.0) as i16).collect();
            let square: Vec<i16> = (0..n)
                .map(|i| {
                    if (i / 37).is_multiple_of(2) {
                        i16::MAX
                    } else {
                        i16::MIN
                    }
                })
                .collect();
            let speech = speech_channels(rate, seconds, channels);
            let (lo, hi) = bitrate_range(rate, channels);
            let mut bitrates: Vec<u32> = (lo..=hi.min(72_000 * u32::from(channels)))
                .step_by(bitrate_step)
                .collect();
            bitrates.extend([hi, MIN_HYBRID_FEC_BITRATE, MIN_HYBRID_FEC_BITRATE + 8000]);
            for (signal, pcm) in [("speech", &speech), ("white", &white), ("square", &square)] {
                for &(inband_fec, expected_loss_percent) in fec_modes {
                    for &complexity in complexities {
                        for &frame_ms in frames {
                            for &bitrate in &bitrates {
                                for (application, cbr) in [
                                    (OpusApplication::Voip, true),
                                    (OpusApplication::Audio, true),
                                    (OpusApplication::Audio, false),
                                ] {
                                    let config = OpusConfig {
                                        application,
                                        bitrate,
                                        complexity,
                                        cbr,
                                        inband_fec,
                                        expected_loss_percent,
                                        frame_ms,
                                    };
                                    let Ok(mut encoder) = OpusEncoder::new(rate, channels, config)
                                    else {
                                        continue;
                                    };
                                    let run = std::panic::catch_unwind(
                                        std::panic::AssertUnwindSafe(|| {
                                            encode_all(&mut encoder, pcm);
                                        }),
                                    );
                                    if run.is_err() {
                                        failures.push(format!(
                                            "{rate} Hz {channels} ch {signal}: {config:?}"
                                        ));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    failures
}

/// Where the Hybrid encoder can panic with FEC (see `MIN_HYBRID_FEC_BITRATE`), every allowed
/// configuration around the limit encodes.
#[test]
fn allowed_configurations_do_not_panic_around_the_fec_limit() {
    let failures =
        panicking_configurations(&[48_000], &[(true, 30)], &[0, 10], &[10, 20], 100_000, 0.3);
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The full sweep behind the limits: every rate, complexity and frame duration, bit rates in
/// steps of 2 kbit/s. Run it in release with overflow checks:
/// `CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true cargo test -p mediacore --release --lib
/// every_allowed_configuration -- --ignored` (about an hour on one core).
#[test]
#[ignore = "takes about an hour; see the doc comment"]
fn every_allowed_configuration_encodes_without_panicking() {
    let failures = panicking_configurations(
        &ENCODER_RATES,
        &[(false, 0), (true, 5), (true, 30), (true, 100)],
        &[0, 5, 10],
        &[10, 20, 40, 60],
        2000,
        1.0,
    );
    assert!(failures.is_empty(), "{failures:#?}");
}
