//! G.722 against SpanDSP, which passes the ITU-T test sequences: our encoder must produce
//! SpanDSP's octets and our decoder SpanDSP's samples, bit for bit, in all three modes.
//!
//! One step differs on purpose. SpanDSP 0.0.6 (the Debian package) casts each receive QMF
//! sum to 16 bits, so a decoded signal past full scale wraps around to the opposite sign;
//! later SpanDSP releases saturate there, and so do we. The oracle therefore recomputes
//! those two sums from SpanDSP's own filter state, checks that their truncation is exactly
//! what SpanDSP 0.0.6 returned, and hands us their saturation (see
//! `tests/oracles/spandsp_g722.c`). Every other step is SpanDSP's arithmetic unchanged.
//!
//! Signals: synthetic speech (espeak-ng, resampled by sox without dither), seeded white
//! noise, swept sines, silence, and full-scale and clipping inputs that drive the predictor
//! and the QMF into saturation. Decoding is also checked on random octets, which are all
//! valid G.722 and reach states an encoder never produces.

use std::path::PathBuf;
use std::sync::OnceLock;

use mediacore::codec::g722::{G722Decoder, G722Encoder, Mode};
use mediacore::rng::SeededRng;
use mediacore::{Decoder, Encoder};
use mediacore_tests::oracle::{build_c_oracle, espeak_speech, run, s16le_bytes, s16le_samples};

const RATE: f64 = 16_000.0;
const MODES: [Mode; 3] = [Mode::Kbit64, Mode::Kbit56, Mode::Kbit48];

fn spandsp() -> &'static str {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| build_c_oracle("spandsp_g722", "spandsp", "libspandsp-dev"))
        .to_str()
        .expect("utf-8 path")
}

fn spandsp_encode(pcm: &[i16]) -> Vec<u8> {
    run(spandsp(), &["encode"], &s16le_bytes(pcm), "libspandsp-dev")
}

/// SpanDSP's decoder at `mode`'s bit rate: `decode` saturates the receive QMF output (see the
/// module comment), `decode-raw` returns exactly what SpanDSP 0.0.6's `g722_decode()` does.
fn spandsp_decode(command: &str, mode: Mode, octets: &[u8]) -> Vec<i16> {
    let rate = mode.bit_rate().to_string();
    s16le_samples(&run(spandsp(), &[command, &rate], octets, "libspandsp-dev"))
}

/// Encodes in 20 ms frames (320 samples), as a session does.
fn our_encode(pcm: &[i16]) -> Vec<u8> {
    let mut encoder = G722Encoder::new();
    let mut out = vec![0u8; pcm.len() / 2];
    let mut written = 0;
    for frame in pcm.chunks(320) {
        written += encoder.encode(frame, &mut out[written..]).expect("encode");
    }
    assert_eq!(written, out.len());
    out
}

/// Decodes in 20 ms packets (160 octets).
fn our_decode(mode: Mode, octets: &[u8]) -> Vec<i16> {
    let mut decoder = G722Decoder::new(mode);
    let mut out = vec![0i16; 2 * octets.len()];
    let mut written = 0;
    for packet in octets.chunks(160) {
        written += decoder.decode(packet, &mut out[written..]).expect("decode");
    }
    assert_eq!(written, out.len());
    out
}

/// The engine's seeded generator, so every run sees the same noise.
struct Noise(SeededRng);

impl Noise {
    fn new(seed: u64) -> Self {
        Noise(SeededRng::new(seed))
    }
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn sample(&mut self) -> i16 {
        (self.next() >> 48) as u16 as i16
    }
    fn octets(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| (self.next() >> 56) as u8).collect()
    }
}

/// About three seconds of synthetic speech, 16 kHz mono.
fn speech() -> Vec<i16> {
    espeak_speech(
        16_000,
        "The quick brown fox jumps over the lazy dog. Seven kilohertz audio, sixty four kilobits.",
    )
}

fn tone(freq: f64, amplitude: f64, seconds: f64) -> Vec<i16> {
    (0..(seconds * RATE) as usize)
        .map(|i| (amplitude * (std::f64::consts::TAU * freq * i as f64 / RATE).sin()) as i16)
        .collect()
}

/// A logarithmic sweep from `from` to `to` Hz.
fn sweep(from: f64, to: f64, amplitude: f64, seconds: f64) -> Vec<i16> {
    let n = (seconds * RATE) as usize;
    let k = (to / from).ln() / seconds;
    (0..n)
        .map(|i| {
            let t = i as f64 / RATE;
            let phase = std::f64::consts::TAU * from * ((k * t).exp() - 1.0) / k;
            (amplitude * phase.sin()) as i16
        })
        .collect()
}

fn square(freq: f64, seconds: f64) -> Vec<i16> {
    let half = RATE / freq / 2.0;
    (0..(seconds * RATE) as usize)
        .map(|i| {
            if ((i as f64 / half) as u64).is_multiple_of(2) {
                i16::MAX
            } else {
                i16::MIN
            }
        })
        .collect()
}

/// Every test signal, named.
fn signals() -> Vec<(&'static str, Vec<i16>)> {
    let speech = speech();
    let clipped: Vec<i16> = speech.iter().map(|&s| s.saturating_mul(8)).collect();
    let mut noise = Noise::new(0x6722_5EED);
    let white: Vec<i16> = (0..32_000).map(|_| noise.sample()).collect();
    let quiet_white: Vec<i16> = (0..32_000).map(|_| noise.sample() >> 6).collect();
    let nyquist: Vec<i16> = (0..16_000)
        .map(|i| if i % 2 == 0 { i16::MAX } else { i16::MIN })
        .collect();
    let steps: Vec<i16> = (0..16_000)
        .map(|i| match (i / 400) % 4 {
            0 => i16::MAX,
            1 => 0,
            2 => i16::MIN,
            _ => 0,
        })
        .collect();
    let impulses: Vec<i16> = (0..16_000)
        .map(|i| if i % 331 == 0 { i16::MAX } else { 0 })
        .collect();
    vec![
        ("speech", speech),
        ("speech x8, clipped", clipped),
        ("white noise, full scale", white),
        ("white noise, -36 dBFS", quiet_white),
        (
            "sweep 20 Hz-8 kHz, -6 dBFS",
            sweep(20.0, 8000.0, 16_384.0, 2.0),
        ),
        (
            "sweep 20 Hz-8 kHz, full scale",
            sweep(20.0, 8000.0, 32_767.0, 2.0),
        ),
        ("silence", vec![0; 16_000]),
        ("sine 1 kHz, full scale", tone(1000.0, 32_767.0, 1.0)),
        ("sine 7 kHz, full scale", tone(7000.0, 32_767.0, 1.0)),
        ("square 440 Hz, full scale", square(440.0, 1.0)),
        ("square 3 kHz, full scale", square(3000.0, 1.0)),
        ("alternating extremes", nyquist),
        ("full-scale steps", steps),
        ("impulses", impulses),
        ("constant minimum", vec![i16::MIN; 8000]),
    ]
}

fn first_difference<T: PartialEq + std::fmt::Debug>(ours: &[T], theirs: &[T]) -> Option<String> {
    if ours.len() != theirs.len() {
        return Some(format!(
            "lengths differ: {} vs {}",
            ours.len(),
            theirs.len()
        ));
    }
    let count = ours.iter().zip(theirs).filter(|(a, b)| a != b).count();
    let first = ours.iter().zip(theirs).position(|(a, b)| a != b)?;
    let end = (first + 4).min(ours.len());
    Some(format!(
        "{count} differ, first at {first}: ours {:?}, SpanDSP {:?}",
        &ours[first..end],
        &theirs[first..end]
    ))
}

#[test]
fn encoder_matches_spandsp_bit_for_bit() {
    let mut failures = Vec::new();
    for (name, pcm) in signals() {
        let ours = our_encode(&pcm);
        let theirs = spandsp_encode(&pcm);
        assert_eq!(theirs.len(), pcm.len() / 2, "{name}: SpanDSP output length");
        if let Some(diff) = first_difference(&ours, &theirs) {
            failures.push(format!("{name}: {diff}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn decoder_matches_spandsp_on_encoded_signals_in_every_mode() {
    let mut failures = Vec::new();
    for (name, pcm) in signals() {
        let octets = spandsp_encode(&pcm);
        for mode in MODES {
            let ours = our_decode(mode, &octets);
            let theirs = spandsp_decode("decode", mode, &octets);
            if let Some(diff) = first_difference(&ours, &theirs) {
                failures.push(format!("{name}, {mode:?}: {diff}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn decoder_matches_spandsp_on_random_octets_in_every_mode() {
    let mut noise = Noise::new(0xD3C0_DE72_2000_0001);
    let mut streams: Vec<(String, Vec<u8>)> = (0..4)
        .map(|i| (format!("random stream {i}"), noise.octets(16_000)))
        .collect();
    // Octets drawn from a few extreme codes push the predictor and the QMF to their limits.
    let extremes = [0x04u8, 0x20, 0x3C, 0x3D, 0x24, 0xC4, 0xE0, 0x1F, 0xFF, 0x00];
    streams.push((
        "extreme codes".into(),
        (0..16_000)
            .map(|_| extremes[(noise.next() % extremes.len() as u64) as usize])
            .collect(),
    ));
    streams.push(("constant 0x24".into(), vec![0x24; 8000]));
    streams.push(("constant 0x3C".into(), vec![0x3C; 8000]));
    streams.push((
        "every octet".into(),
        (0..=255u8).cycle().take(8192).collect(),
    ));

    let mut failures = Vec::new();
    for (name, octets) in &streams {
        for mode in MODES {
            let ours = our_decode(mode, octets);
            let theirs = spandsp_decode("decode", mode, octets);
            if let Some(diff) = first_difference(&ours, &theirs) {
                failures.push(format!("{name}, {mode:?}: {diff}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn spandsp_differs_from_us_only_where_its_output_wrapped() {
    // Speech within full scale never reaches the wrap, so there SpanDSP 0.0.6's own output
    // is ours exactly; a full-scale square wave does, and only there do we differ.
    let mut speech = speech();
    speech.truncate(32_000);
    let octets = spandsp_encode(&speech);
    for mode in MODES {
        assert_eq!(
            our_decode(mode, &octets),
            spandsp_decode("decode-raw", mode, &octets),
            "speech, {mode:?}"
        );
    }
    let octets = spandsp_encode(&square(440.0, 1.0));
    let ours = our_decode(Mode::Kbit64, &octets);
    let raw = spandsp_decode("decode-raw", Mode::Kbit64, &octets);
    let differing: Vec<(i16, i16)> = ours
        .iter()
        .zip(&raw)
        .filter(|(a, b)| a != b)
        .map(|(&a, &b)| (a, b))
        .collect();
    assert!(
        !differing.is_empty(),
        "the square wave should overload the QMF"
    );
    for (ours, raw) in differing {
        assert!(
            ours == i16::MAX || ours == i16::MIN,
            "we give {ours} where SpanDSP 0.0.6 gives {raw}: not a saturated sample"
        );
    }
}
