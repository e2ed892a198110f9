//! Voice activity detection on labelled speech, and comfort noise matched to the background,
//! at 8, 16 and 48 kHz.
//!
//! Corpus: six espeak-ng sentences (sox to each rate, no dither) after a 1 s lead, each
//! followed by 1.5 s of pause; 27 s in all. The background runs through the whole stream:
//! digital silence, white noise, pink noise (-3 dB per octave from 25 Hz) or speech-shaped
//! noise (white noise through an all-pole fit of the corpus's long-term spectrum: stationary
//! noise with the spectrum of babble), each 15 and 20 dB under the active speech level (the
//! mean power of the speech frames). The detector runs on 10 ms frames with its defaults
//! (threshold 0.5, 200 ms hangover).
//!
//! Labels, from the clean sentences alone: a 10 ms frame inside a sentence is speech when
//! its energy is within 30 dB of the sentence's loudest frame; quieter frames inside a
//! sentence (gaps between words, breath, fading ends) count neither way. Every frame of the
//! lead and the pauses is noise. The detector's first 0.5 s is not scored. "noise flagged"
//! leaves out the 200 ms after each sentence, where the hangover holds voice by design;
//! "raw" counts them too. Multi-talker babble (eight time-shifted copies of the corpus) is
//! printed but not asserted: it is speech, and the detector says so.
//!
//! Floors asserted: at least 95% of speech frames detected, at most 5% of noise frames
//! flagged; comfort noise fitted to the background during the pauses within 2 dB of its
//! level and 3 dB of its spectral tilt. Figures: docs/BENCHMARKS.md, "VAD, levels and comfort
//! noise", from `cargo test --release -p mediacore-tests --test voice_vad -- --nocapture`.

use std::sync::OnceLock;

use core::time::Duration;
use mediacore::Instant;
use mediacore::codec::cn::{NoiseGenerator, estimate};
use mediacore::rng::SeededRng;
use mediacore::voice::{
    BackgroundConfig, BackgroundNoise, EarshotVad, LevelMeter, MeterConfig, VadConfig,
    VoiceDetector,
};
use mediacore_tests::alloc_count::{CountingAllocator, allocations};
use mediacore_tests::oracle::espeak_speech;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const SENTENCES: [&str; 6] = [
    "The quick brown fox jumps over the lazy dog.",
    "Please hold the line while we connect your call.",
    "Your account balance is four hundred and twelve dollars.",
    "Press one for sales, two for support, or stay on the line.",
    "She sells sea shells by the sea shore.",
    "Thank you for calling, goodbye.",
];
/// Frames in the lead, in each pause, and left unscored at the start.
const LEAD: usize = 100;
const PAUSE: usize = 150;
const UNSCORED: usize = 50;
/// A speech frame is within this many dB of its sentence's loudest frame.
const SPEECH_WITHIN_DB: f64 = 30.0;
/// The detector's default hangover, in frames: the margin left out of "noise flagged".
const HANGOVER_FRAMES: usize = 20;
/// How long, in frames, a decision may trail the audio: earshot looks at 48 ms windows
/// (three 16 ms blocks), and a 10 ms step waits up to one more block.
const LAG_FRAMES: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Label {
    Speech,
    /// Inside a sentence but quiet: not scored.
    Weak,
    /// Lead or pause; frames since the end of the last sentence (`usize::MAX` in the lead).
    Noise {
        after_speech: usize,
    },
}

struct Corpus {
    clean: Vec<i16>,
    labels: Vec<Label>,
    /// Mean power of the speech frames.
    active_power: f64,
}

fn power(x: &[i16]) -> f64 {
    x.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / x.len().max(1) as f64
}

fn db(p: f64) -> f64 {
    10.0 * (p / (32767.0 * 32767.0)).log10()
}

fn corpus(rate: u32) -> &'static Corpus {
    static CORPORA: [OnceLock<Corpus>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = match rate {
        8000 => 0,
        16_000 => 1,
        _ => 2,
    };
    CORPORA[slot].get_or_init(|| {
        let step = rate as usize / 100;
        let mut clean = vec![0i16; LEAD * step];
        let mut labels = vec![
            Label::Noise {
                after_speech: usize::MAX
            };
            LEAD
        ];
        let mut speech_power = (0.0, 0usize);
        for text in SENTENCES {
            let s = espeak_speech(rate, text);
            let frames = s.len() / step;
            let powers: Vec<f64> = s.chunks_exact(step).map(power).collect();
            let peak = powers.iter().copied().fold(0.0, f64::max);
            for &p in &powers {
                let speech = p > 0.0 && 10.0 * (peak / p).log10() <= SPEECH_WITHIN_DB;
                labels.push(if speech { Label::Speech } else { Label::Weak });
                if speech {
                    speech_power.0 += p;
                    speech_power.1 += 1;
                }
            }
            clean.extend_from_slice(&s[..frames * step]);
            clean.extend(std::iter::repeat_n(0, PAUSE * step));
            labels.extend((0..PAUSE).map(|after_speech| Label::Noise { after_speech }));
        }
        Corpus {
            clean,
            labels,
            active_power: speech_power.0 / speech_power.1 as f64,
        }
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Noise {
    Silence,
    White,
    Pink,
    SpeechShaped,
    Babble,
}

fn uniform(rng: &mut SeededRng) -> f64 {
    rng.next_u32() as f64 / 2_147_483_648.0 - 1.0
}

/// `len` samples of `kind` at unit RMS (all zero for silence).
fn noise(kind: Noise, rate: u32, len: usize, seed: u64) -> Vec<f64> {
    let mut rng = SeededRng::new(seed);
    let mut out: Vec<f64> = match kind {
        Noise::Silence => return vec![0.0; len],
        Noise::White => (0..len).map(|_| uniform(&mut rng)).collect(),
        Noise::Pink => {
            // Equal power in each two-octave band from 25 Hz: one-pole low-passes of the same
            // white noise, each scaled to unit power, summed.
            let poles: Vec<f64> = (0..8)
                .map(|k| 25.0 * 4f64.powi(k))
                .filter(|&f| f < f64::from(rate) / 2.0)
                .map(|f| (-std::f64::consts::TAU * f / f64::from(rate)).exp())
                .collect();
            let mut state = vec![0.0; poles.len()];
            (0..len)
                .map(|_| {
                    let w = uniform(&mut rng);
                    poles
                        .iter()
                        .zip(&mut state)
                        .map(|(&a, s)| {
                            *s = a * *s + (1.0 - a) * w;
                            *s * ((1.0 + a) / (1.0 - a)).sqrt()
                        })
                        .sum()
                })
                .collect()
        }
        Noise::SpeechShaped => {
            let c = corpus(rate);
            let mut sid = estimate(&c.clean, 12);
            sid.level = 30;
            let mut generator = NoiseGenerator::new(seed);
            generator.update(&sid);
            let mut pcm = vec![0i16; len];
            generator.generate(&mut pcm);
            pcm.iter().map(|&s| f64::from(s)).collect()
        }
        Noise::Babble => {
            let c = &corpus(rate).clean;
            let mut sum = vec![0.0; len];
            for talker in 0..8 {
                let offset = (rng.next_u32() as usize + talker * 7919) % c.len();
                for (j, v) in sum.iter_mut().enumerate() {
                    *v += f64::from(c[(offset + j) % c.len()]);
                }
            }
            sum
        }
    };
    let rms = (out.iter().map(|v| v * v).sum::<f64>() / len as f64).sqrt();
    out.iter_mut().for_each(|v| *v /= rms);
    out
}

/// The corpus over `kind` at `snr` dB under the active speech level, and the noise alone.
fn mixture(rate: u32, kind: Noise, snr: f64) -> (Vec<i16>, Vec<i16>) {
    let c = corpus(rate);
    let gain = c.active_power.sqrt() * 10f64.powf(-snr / 20.0);
    let n: Vec<i16> = noise(kind, rate, c.clean.len(), 17)
        .iter()
        .map(|v| (v * gain).round().clamp(-32768.0, 32767.0) as i16)
        .collect();
    let mix = c
        .clean
        .iter()
        .zip(&n)
        .map(|(&s, &v)| s.saturating_add(v))
        .collect();
    (mix, n)
}

struct Score {
    speech: f64,
    noise: f64,
    noise_raw: f64,
}

/// Runs the detector over `pcm` in 10 ms frames and scores it against the labels; also
/// feeds a background estimator with the detector's verdicts.
fn run(rate: u32, pcm: &[i16], background: &mut BackgroundNoise) -> Score {
    let c = corpus(rate);
    let step = rate as usize / 100;
    let mut vad = EarshotVad::new(VadConfig::new(rate)).expect("supported rate");
    let mut now = Instant::ZERO;
    let (mut speech, mut noise, mut raw) = ([0usize; 2], [0usize; 2], [0usize; 2]);
    for (i, frame) in pcm.chunks_exact(step).enumerate() {
        let active = vad.process(now, frame).expect("10 ms frames");
        background.process(frame, active).expect("10 ms frames");
        while vad.poll_event().is_some() {}
        now = now + Duration::from_millis(10);
        if i < UNSCORED {
            continue;
        }
        match c.labels[i] {
            Label::Speech => {
                speech[0] += 1;
                speech[1] += usize::from(active);
            }
            Label::Weak => {}
            Label::Noise { after_speech } => {
                raw[0] += 1;
                raw[1] += usize::from(active);
                if after_speech >= HANGOVER_FRAMES {
                    noise[0] += 1;
                    noise[1] += usize::from(active);
                }
            }
        }
    }
    let pct = |[n, hit]: [usize; 2]| 100.0 * hit as f64 / n as f64;
    Score {
        speech: pct(speech),
        noise: pct(noise),
        noise_raw: pct(raw),
    }
}

/// Low-half over high-half power of a signal, in dB (sums and differences of neighbours).
fn tilt_db(x: &[i16]) -> f64 {
    let (mut low, mut high) = (0.0, 0.0);
    for w in x.windows(2) {
        let (a, b) = (f64::from(w[0]), f64::from(w[1]));
        low += (a + b) * (a + b);
        high += (a - b) * (a - b);
    }
    10.0 * (low / high).log10()
}

fn vad_and_comfort_noise_at(rate: u32) {
    let c = corpus(rate);
    let speech_frames = c.labels.iter().filter(|l| **l == Label::Speech).count();
    println!(
        "{rate} Hz: {} frames, {speech_frames} speech, active speech level {:.1} dBov",
        c.labels.len(),
        db(c.active_power)
    );
    let mut failures = Vec::new();
    for kind in [
        Noise::Silence,
        Noise::White,
        Noise::Pink,
        Noise::SpeechShaped,
        Noise::Babble,
    ] {
        for snr in [15.0, 20.0] {
            if kind == Noise::Silence && snr == 20.0 {
                continue;
            }
            let (mix, n) = mixture(rate, kind, snr);
            let mut background =
                BackgroundNoise::new(BackgroundConfig::new(rate)).expect("supported rate");
            let s = run(rate, &mix, &mut background);
            let mut line = format!(
                "{rate} Hz {kind:?} {snr} dB: speech {:.1}%, noise flagged {:.1}% (raw {:.1}%)",
                s.speech, s.noise, s.noise_raw
            );
            if kind != Noise::Babble && (s.speech < 95.0 || s.noise > 5.0) {
                failures.push(line.clone());
            }
            if !matches!(kind, Noise::Silence | Noise::Babble) {
                let sid = background.sid().expect("pauses were heard");
                let mut generator = NoiseGenerator::new(9);
                generator.update(&sid);
                let mut comfort = vec![0i16; rate as usize * 2];
                generator.generate(&mut comfort);
                let (want, got) = (db(power(&n)), db(power(&comfort)));
                let (want_tilt, got_tilt) = (tilt_db(&n), tilt_db(&comfort));
                line.push_str(&format!(
                    "; comfort noise {got:.1} dBov for {want:.1}, tilt {got_tilt:.1} dB for {want_tilt:.1}"
                ));
                if (got - want).abs() > 2.0 || (got_tilt - want_tilt).abs() > 3.0 {
                    failures.push(line.clone());
                }
            }
            println!("{line}");
        }
    }
    assert!(
        failures.is_empty(),
        "below the floors:\n{}",
        failures.join("\n")
    );
}

#[test]
fn vad_and_comfort_noise_8k() {
    vad_and_comfort_noise_at(8000);
}

#[test]
fn vad_and_comfort_noise_16k() {
    vad_and_comfort_noise_at(16_000);
}

#[test]
fn vad_and_comfort_noise_48k() {
    vad_and_comfort_noise_at(48_000);
}

#[test]
fn talk_events_bracket_each_sentence() {
    use mediacore::voice::VadEvent::{TalkStart, TalkStop};
    let rate = 16_000;
    let (mix, _) = mixture(rate, Noise::Pink, 15.0);
    let mut vad = EarshotVad::new(VadConfig::new(rate)).expect("16 kHz");
    let mut events = Vec::new();
    let mut now = Instant::ZERO;
    for frame in mix.chunks_exact(320) {
        vad.process(now, frame).expect("20 ms frames");
        events.extend(std::iter::from_fn(|| vad.poll_event()));
        now = now + Duration::from_millis(20);
    }
    // The detector's start-up on noise that begins abruptly is not scored (as above).
    let frame_of = |at: &Instant| (at.as_micros() / 10_000) as usize;
    let first_start = events
        .iter()
        .position(|e| matches!(e, TalkStart { at } if frame_of(at) >= UNSCORED))
        .expect("talk started");
    let events = &events[first_start..];
    // Each sentence is one talk spurt or a few (espeak pauses at commas). Every spurt starts
    // inside a sentence (or within the detector's lag of one) and stops within the hangover
    // and that lag after speech.
    let labels = &corpus(rate).labels;
    let in_sentence = |l: &Label| !matches!(l, Label::Noise { .. });
    assert!(events.len() >= 2 * SENTENCES.len(), "{events:?}");
    for pair in events.chunks(2) {
        let [TalkStart { at: start }, TalkStop { at: stop }] = pair else {
            panic!("events out of order or talk did not stop: {events:?}");
        };
        let (a, b) = (frame_of(start), frame_of(stop));
        assert!(
            labels[a.saturating_sub(LAG_FRAMES)..=a]
                .iter()
                .any(in_sentence),
            "talk started at frame {a}, outside the sentences"
        );
        let ended_recently = match labels[b] {
            Label::Noise { after_speech } => after_speech <= HANGOVER_FRAMES + LAG_FRAMES,
            _ => true,
        };
        assert!(
            ended_recently,
            "talk stopped at frame {b} ({:?}), long after speech",
            labels[b]
        );
    }
    // And every sentence has a talk start inside it.
    let mut spans = Vec::new();
    for (i, l) in labels.iter().enumerate() {
        match (in_sentence(l), spans.last_mut()) {
            (true, Some((_, end))) if *end == i => *end = i + 1,
            (true, _) => spans.push((i, i + 1)),
            _ => {}
        }
    }
    assert_eq!(spans.len(), SENTENCES.len());
    for (from, to) in spans {
        assert!(
            events
                .iter()
                .any(|e| matches!(e, TalkStart { at } if (from..to).contains(&frame_of(at)))),
            "no talk start in frames {from}..{to}: {events:?}"
        );
    }
}

#[test]
fn the_per_frame_paths_allocate_nothing() {
    for rate in [8000u32, 16_000, 48_000] {
        let (mix, _) = mixture(rate, Noise::White, 15.0);
        let step = rate as usize / 50;
        let mut vad = EarshotVad::new(VadConfig::new(rate)).expect("supported");
        let mut meter = LevelMeter::new(rate, MeterConfig::default()).expect("valid");
        let mut background = BackgroundNoise::new(BackgroundConfig::new(rate)).expect("valid");
        let mut now = Instant::ZERO;
        let mut frames = mix.chunks_exact(step);
        let mut one = |frame: &[i16], now: Instant| {
            let active = vad.process(now, frame).expect("20 ms");
            while vad.poll_event().is_some() {}
            meter.process(frame);
            background.process(frame, active).expect("20 ms");
            std::hint::black_box(background.sid());
        };
        for frame in frames.by_ref().take(5) {
            one(frame, now);
            now = now + Duration::from_millis(20);
        }
        let before = allocations();
        for frame in frames.take(500) {
            one(frame, now);
            now = now + Duration::from_millis(20);
        }
        assert_eq!(allocations() - before, 0, "{rate} Hz");
    }
}
