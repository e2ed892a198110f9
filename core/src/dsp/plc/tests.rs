use super::*;
use crate::error::{DspError, Error, FrameError};
use proptest::prelude::*;

const TAU: f64 = core::f64::consts::TAU;

/// `len` frames of `channels` interleaved tones, channel `c` at `freqs[c]` Hz.
fn tones(rate: u32, freqs: &[f64], amplitude: f64, start: usize, len: usize) -> Vec<i16> {
    (start..start + len)
        .flat_map(|i| {
            freqs.iter().map(move |f| {
                (amplitude * (TAU * f * i as f64 / f64::from(rate)).sin()).round() as i16
            })
        })
        .collect()
}

/// A voiced-like signal: pulses every `period` samples, each ringing a 700 Hz resonance.
fn pulse_train(rate: u32, period: f64, start: usize, len: usize) -> Vec<i16> {
    (start..start + len)
        .map(|i| {
            let phase = i as f64 % period;
            let t = phase / f64::from(rate);
            (9000.0 * (-t * 400.0).exp() * (TAU * 700.0 * t).sin()).round() as i16
        })
        .collect()
}

/// Normalised cross-correlation of two equal-length signals (1 means equal up to a gain).
fn similarity(a: &[i16], b: &[i16]) -> f64 {
    let dot = |x: &[i16], y: &[i16]| -> f64 {
        x.iter()
            .zip(y)
            .map(|(&p, &q)| f64::from(p) * f64::from(q))
            .sum()
    };
    dot(a, b) / (dot(a, a) * dot(b, b)).sqrt().max(1.0)
}

fn rms(x: &[i16]) -> f64 {
    (x.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

/// The largest sample-to-sample step of channel `ch` of interleaved `x`.
fn max_step(x: &[i16], channels: usize, ch: usize) -> i32 {
    x.chunks_exact(channels)
        .map(|f| i32::from(f[ch]))
        .collect::<Vec<_>>()
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .max()
        .unwrap_or(0)
}

/// A concealer that has received `signal(start, len)` for 200 ms in 20 ms frames.
fn primed(rate: u32, channels: u16, signal: &dyn Fn(usize, usize) -> Vec<i16>) -> WaveformPlc {
    let mut plc = WaveformPlc::new(rate, channels).unwrap();
    let frame = rate as usize / 50;
    for k in 0..10 {
        let mut pcm = signal(k * frame, frame);
        plc.receive(&mut pcm).unwrap();
    }
    plc
}

#[test]
fn a_periodic_signal_is_continued_closely() {
    type Signal = Box<dyn Fn(usize, usize) -> Vec<i16>>;
    for rate in [8000, 16_000, 48_000] {
        // (name, signal, least similarity over the first 10 ms and over the first 20 ms)
        let signals: [(&str, Signal, f64, f64); 4] = [
            (
                "200 Hz tone",
                Box::new(move |s, n| tones(rate, &[200.0], 10_000.0, s, n)),
                0.99,
                0.98,
            ),
            (
                "130 Hz tone",
                Box::new(move |s, n| tones(rate, &[130.0], 10_000.0, s, n)),
                0.99,
                0.98,
            ),
            (
                "125 Hz pulse train",
                Box::new(move |s, n| pulse_train(rate, f64::from(rate) / 125.0, s, n)),
                0.99,
                0.98,
            ),
            // A period of 58.4 samples at 8 kHz: a whole-sample pitch drifts from it.
            (
                "137 Hz pulse train",
                Box::new(move |s, n| pulse_train(rate, f64::from(rate) / 137.0, s, n)),
                0.95,
                0.85,
            ),
        ];
        for (name, signal, floor_10, floor_20) in &signals {
            for ms in [10, 20, 40] {
                let mut plc = primed(rate, 1, signal.as_ref());
                let start = rate as usize / 5;
                let len = rate as usize * ms / 1000;
                let mut out = vec![0i16; len];
                assert_eq!(plc.conceal(len, &mut out).unwrap(), len);
                let truth = signal(start, len);
                let ten = rate as usize / 100;
                let first = similarity(&out[..ten], &truth[..ten]);
                assert!(
                    first > *floor_10,
                    "{name} at {rate} Hz, first 10 ms of {ms}: {first:.3}"
                );
                let twenty = len.min(2 * ten);
                let both = similarity(&out[..twenty], &truth[..twenty]);
                assert!(
                    both > *floor_20,
                    "{name} at {rate} Hz, first 20 ms of {ms}: {both:.3}"
                );
            }
        }
    }
}

#[test]
fn stereo_channels_are_continued_each_with_its_own_waveform() {
    let signal = |s, n| tones(16_000, &[200.0, 300.0], 8000.0, s, n);
    let mut plc = primed(16_000, 2, &signal);
    let mut out = vec![0i16; 2 * 160];
    assert_eq!(plc.conceal(160, &mut out).unwrap(), 320);
    let truth = signal(3200, 160);
    for ch in 0..2 {
        let pick = |x: &[i16]| x.iter().skip(ch).step_by(2).copied().collect::<Vec<_>>();
        let s = similarity(&pick(&out), &pick(&truth));
        assert!(s > 0.97, "channel {ch}: {s:.3}");
    }
}

#[test]
fn level_holds_for_10_ms_then_falls_20_percent_per_10_ms_to_silence_at_60_ms() {
    let rate = 8000;
    let signal = |s, n| tones(rate, &[250.0], 10_000.0, s, n);
    let mut plc = primed(rate, 1, &signal);
    // Conceal 100 ms in 20 ms calls.
    let mut out = vec![0i16; 800];
    for chunk in out.chunks_mut(160) {
        plc.conceal(160, chunk).unwrap();
    }
    let reference = rms(&signal(0, 1600));
    for block in 0..6 {
        let got = rms(&out[block * 80..(block + 1) * 80]) / reference;
        // Appendix I's gain, sample by sample: 1 up to 10 ms, then linear to 0 at 60 ms.
        let gain = |i: usize| (1.0 - 0.2 * (i as f64 - 80.0).max(0.0) / 80.0).max(0.0);
        let expected = ((block * 80..(block + 1) * 80)
            .map(|i| gain(i).powi(2))
            .sum::<f64>()
            / 80.0)
            .sqrt();
        assert!(
            (got - expected).abs() < 0.04,
            "10 ms block {block}: level {got:.3}, expected {expected:.3}"
        );
    }
    assert!(out[480..].iter().all(|&s| s == 0), "silence from 60 ms on");
    assert_eq!(plc.concealed(), 800);
}

#[test]
fn the_first_concealed_sample_joins_the_last_one_played() {
    // A chirp is never exactly periodic, so the repeated period does not fit by itself.
    let rate = 8000;
    let chirp = |s: usize, n: usize| -> Vec<i16> {
        (s..s + n)
            .map(|i| {
                let t = i as f64 / 8000.0;
                (10_000.0 * (TAU * (150.0 * t + 100.0 * t * t)).sin()).round() as i16
            })
            .collect()
    };
    let mut plc = primed(rate, 1, &chirp);
    let mut out = vec![0i16; 160];
    plc.conceal(160, &mut out).unwrap();
    let mut joined = chirp(1590, 10);
    joined.extend_from_slice(&out);
    let natural = max_step(&chirp(0, 2000), 1, 0);
    let step = max_step(&joined, 1, 0);
    assert!(step <= natural * 3 / 2, "step {step}, natural {natural}");
}

#[test]
fn good_audio_after_a_loss_is_merged_without_a_jump() {
    let rate = 8000;
    let signal = |s, n| tones(rate, &[200.0], 10_000.0, s, n);
    let natural = max_step(&signal(0, 1000), 1, 0);
    for (lost_ms, inverted) in [
        (10, false),
        (20, false),
        (40, true),
        (100, false),
        (100, true),
    ] {
        let mut plc = primed(rate, 1, &signal);
        let lost = 8 * lost_ms;
        let mut played = signal(1590, 10);
        let mut out = vec![0i16; lost];
        plc.conceal(lost, &mut out).unwrap();
        played.extend_from_slice(&out);
        // The packets come back, possibly with the waveform in the opposite phase.
        let mut good = signal(1600 + lost, 160);
        if inverted {
            good.iter_mut().for_each(|s| *s = s.saturating_neg());
        }
        plc.receive(&mut good).unwrap();
        assert_eq!(plc.concealed(), 0);
        played.extend_from_slice(&good);
        let step = max_step(&played, 1, 0);
        let bound = if inverted {
            natural * 2
        } else {
            natural * 5 / 4
        };
        assert!(
            step <= bound,
            "{lost_ms} ms lost (inverted: {inverted}): step {step}, natural {natural}"
        );
        // The merge ends within the frame: its last 10 ms are the packet unchanged.
        let mut expected = signal(1600 + lost + 80, 80);
        if inverted {
            expected.iter_mut().for_each(|s| *s = s.saturating_neg());
        }
        assert_eq!(&played[played.len() - 80..], &expected[..]);
    }
}

#[test]
fn before_any_audio_concealment_is_silence() {
    let mut plc = WaveformPlc::new(48_000, 2).unwrap();
    let mut out = vec![1i16; 960 * 2];
    assert_eq!(plc.conceal(960, &mut out).unwrap(), 1920);
    assert!(out.iter().all(|&s| s == 0));
}

#[test]
fn bad_configurations_durations_and_buffers_are_typed_errors_that_change_nothing() {
    assert_eq!(
        WaveformPlc::new(7999, 1).unwrap_err().to_string(),
        "invalid argument: waveform concealment runs at 8000 to 48000 Hz; got 7999 Hz"
    );
    assert_eq!(
        WaveformPlc::new(8000, 3).unwrap_err(),
        Error::Dsp(DspError::UnsupportedChannels {
            stage: "waveform concealment",
            requested: 3,
            supported: "1 or 2"
        })
    );
    assert!(WaveformPlc::new(8000, 0).is_err());

    let signal = |s, n| tones(8000, &[200.0], 10_000.0, s, n);
    let mut plc = primed(8000, 1, &signal);
    let mut twin = plc.clone();
    let mut out = vec![0i16; 2000];
    assert_eq!(
        plc.conceal(0, &mut out).unwrap_err().to_string(),
        "invalid argument: loss concealment covers 1 to 960 samples per channel (120 ms at 8000 Hz); got 0"
    );
    assert!(matches!(
        plc.conceal(961, &mut out),
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(
        plc.conceal(160, &mut out[..159]).unwrap_err(),
        Error::Dsp(DspError::OutputTooSmall {
            needed: 160,
            capacity: 159
        })
    );
    let mut odd = [0i16; 3];
    let mut stereo = WaveformPlc::new(8000, 2).unwrap();
    assert_eq!(
        stereo.receive(&mut odd).unwrap_err(),
        Error::Frame(FrameError::PartialSample {
            len: 3,
            channels: 2
        })
    );
    // None of that moved the state: the concealment is the one an untouched twin makes.
    let mut a = vec![0i16; 160];
    let mut b = vec![0i16; 160];
    plc.conceal(160, &mut a).unwrap();
    twin.conceal(160, &mut b).unwrap();
    assert_eq!(a, b);
    assert!(similarity(&a, &signal(1600, 160)) > 0.95);
}

#[test]
fn reset_forgets_the_history() {
    let signal = |s, n| tones(8000, &[200.0], 10_000.0, s, n);
    let mut plc = primed(8000, 1, &signal);
    plc.reset();
    let mut out = vec![1i16; 160];
    plc.conceal(160, &mut out).unwrap();
    assert!(out.iter().all(|&s| s == 0));
}

#[derive(Debug, Clone)]
enum Op {
    Receive(Vec<i16>),
    Conceal(usize, usize),
}

fn op(channels: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..400, any::<i16>(), 1u32..2000).prop_map(move |(frames, amp, freq)| {
            let amp = f64::from(amp);
            Op::Receive(
                (0..frames * channels)
                    .map(|i| (amp * (i as f64 * f64::from(freq) / 8000.0).sin()) as i16)
                    .collect(),
            )
        }),
        proptest::collection::vec(any::<i16>(), 0..200)
            .prop_map(move |v| Op::Receive(v[..v.len() - v.len() % channels].to_vec())),
        (0usize..1200, 0usize..2600).prop_map(|(n, room)| Op::Conceal(n, room)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_sequence_of_receives_and_concealments_stays_bounded(
        rate in proptest::sample::select(vec![8000u32, 16_000, 48_000]),
        channels in 1u16..=2,
        ops in proptest::collection::vec(op(2), 1..30),
    ) {
        let c = usize::from(channels);
        let mut plc = WaveformPlc::new(rate, channels).unwrap();
        let mut loudest = 0i32;
        let mut concealed = 0usize;
        for op in ops {
            match op {
                Op::Receive(mut pcm) => {
                    pcm.truncate(pcm.len() - pcm.len() % c);
                    let before = pcm.iter().map(|&s| i32::from(s).abs()).max().unwrap_or(0);
                    loudest = loudest.max(before);
                    plc.receive(&mut pcm).unwrap();
                    // A merge mixes the packet with concealment of what was played.
                    let after = pcm.iter().map(|&s| i32::from(s).abs()).max().unwrap_or(0);
                    prop_assert!(after <= 3 * loudest + 1);
                    if !pcm.is_empty() {
                        concealed = 0;
                    }
                }
                Op::Conceal(n, room) => {
                    let mut out = vec![0i16; room];
                    match plc.conceal(n, &mut out) {
                        Ok(written) => {
                            prop_assert_eq!(written, n * c);
                            let peak = out[..written].iter().map(|&s| i32::from(s).abs()).max().unwrap_or(0);
                            prop_assert!(peak <= 3 * loudest + 1, "peak {} loudest {}", peak, loudest);
                            for (i, frame) in out[..written].chunks_exact(c).enumerate() {
                                if concealed + i >= rate as usize * 60 / 1000 {
                                    prop_assert!(frame.iter().all(|&s| s == 0));
                                }
                            }
                            concealed += n;
                            prop_assert_eq!(plc.concealed(), concealed);
                        }
                        Err(_) => prop_assert!(
                            n == 0 || n > rate as usize * 120 / 1000 || room < n * c
                        ),
                    }
                }
            }
        }
    }
}

/// The formats whose decoders conceal with this stage.
const CODEC_FORMATS: [(crate::Codec, u32, u16); 7] = [
    (crate::Codec::Pcmu, 8000, 1),
    (crate::Codec::Pcma, 8000, 2),
    (crate::Codec::G722, 16_000, 1),
    (crate::Codec::L16, 8000, 1),
    (crate::Codec::L16, 16_000, 2),
    (crate::Codec::L16, 48_000, 1),
    (crate::Codec::L16, 48_000, 2),
];

#[test]
fn decoders_conceal_a_lost_packet_and_merge_into_the_next() {
    use crate::codec::{new_decoder, new_encoder};
    for (codec, rate, channels) in CODEC_FORMATS {
        let c = usize::from(channels);
        let frame = rate as usize / 50;
        let freqs = [200.0, 300.0];
        let pcm = tones(rate, &freqs[..c], 8000.0, 0, frame * 14);
        let mut enc = new_encoder(codec, rate, channels).unwrap();
        let packets: Vec<Vec<u8>> = pcm
            .chunks(frame * c)
            .map(|f| {
                let mut p = vec![0u8; enc.max_payload_len(f.len())];
                let n = enc.encode(f, &mut p).unwrap();
                p.truncate(n);
                p
            })
            .collect();
        let mut clean = new_decoder(codec, rate, channels).unwrap();
        let mut lossy = new_decoder(codec, rate, channels).unwrap();
        let mut a = vec![0i16; frame * c];
        let mut b = vec![0i16; frame * c];
        for (k, packet) in packets.iter().enumerate() {
            clean.decode(packet, &mut a).unwrap();
            match k {
                10 => {
                    assert_eq!(lossy.conceal(frame, &mut b).unwrap(), frame * c);
                    for ch in 0..c {
                        let pick =
                            |x: &[i16]| x.iter().skip(ch).step_by(c).copied().collect::<Vec<_>>();
                        let s = similarity(&pick(&a[..frame / 2 * c]), &pick(&b[..frame / 2 * c]));
                        assert!(
                            s > 0.95,
                            "{codec} {rate} Hz ch {ch}: concealment similarity {s:.3}"
                        );
                    }
                }
                11 => {
                    lossy.decode(packet, &mut b).unwrap();
                    // Merged at the start, the packet itself once the merge is over.
                    assert_ne!(a[..frame / 4 * c], b[..frame / 4 * c], "{codec}: merged");
                    if codec != crate::Codec::G722 {
                        assert_eq!(a[frame / 2 * c..], b[frame / 2 * c..], "{codec} {rate} Hz");
                    }
                }
                _ => {
                    lossy.decode(packet, &mut b).unwrap();
                }
            }
        }
        // Errors in codec terms; the decoder goes on afterwards.
        let mut out = vec![0i16; 6000];
        assert_eq!(
            lossy.conceal(0, &mut out).unwrap_err().to_string(),
            format!(
                "invalid argument: {codec}: loss concealment covers 1 to {} samples per channel \
                 (120 ms at {rate} Hz); got 0",
                rate as usize * 120 / 1000
            )
        );
        assert_eq!(
            lossy.conceal(frame, &mut out[..frame * c - 1]).unwrap_err(),
            Error::Codec(crate::CodecError::OutputTooSmall {
                needed: frame * c,
                capacity: frame * c - 1
            })
        );
        assert_eq!(lossy.conceal(frame, &mut out).unwrap(), frame * c);
    }
}

#[test]
fn decoders_built_beyond_the_stage_say_they_cannot_conceal() {
    use crate::codec::Decoder;
    let mut g711 = crate::codec::g711::G711::new(crate::codec::g711::Law::Mu, 3);
    assert_eq!(
        g711.conceal(160, &mut [0; 480]).unwrap_err().to_string(),
        "PCMU has no loss concealment"
    );
    let mut l16 = crate::codec::l16::L16::new(96_000, 1);
    assert!(l16.conceal(160, &mut [0; 480]).is_err());
    // G.722 follows the concealment with its ADPCM state pair by pair.
    let mut g722 = crate::codec::new_decoder(crate::Codec::G722, 16_000, 1).unwrap();
    assert_eq!(
        g722.conceal(161, &mut [0; 480]).unwrap_err(),
        Error::Frame(FrameError::PartialCodecUnit {
            codec: "G722",
            len: 161,
            unit: 2
        })
    );
    assert_eq!(g722.conceal(160, &mut [0; 480]).unwrap(), 160);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn decoders_take_any_sequence_of_packets_and_losses(
        format in proptest::sample::select(CODEC_FORMATS.to_vec()),
        steps in proptest::collection::vec((any::<bool>(), 1usize..1200, proptest::collection::vec(any::<u8>(), 0..400)), 1..25),
    ) {
        let (codec, rate, channels) = format;
        let c = usize::from(channels);
        let mut dec = crate::codec::new_decoder(codec, rate, channels).unwrap();
        let mut out = vec![0i16; 6000];
        let mut concealed = 0;
        for (lost, n, payload) in steps {
            if lost {
                let max = rate as usize * 120 / 1000;
                match dec.conceal(n, &mut out) {
                    Ok(written) => {
                        prop_assert!(n <= max);
                        prop_assert_eq!(written, n * c);
                        if concealed >= rate as usize * 60 / 1000 {
                            prop_assert!(out[..written].iter().all(|&s| s == 0));
                        }
                        concealed += n;
                    }
                    // G.722 conceals whole pairs.
                    Err(_) => prop_assert!(n > max || (codec == crate::Codec::G722 && n % 2 == 1)),
                }
            } else if let Ok(written) = dec.decode(&payload, &mut out)
                && written > 0 {
                    concealed = 0;
                }
        }
    }
}
