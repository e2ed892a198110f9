//! Behaviour of the tone generators, measured: frequencies and levels by a Goertzel written
//! here (not the generator's own code), cadences to the sample, chunking, the grammar.

use proptest::prelude::*;

use super::*;
use crate::dtmf::{COLUMN_HZ, Digit, ROW_HZ};

const RATES: [u32; 3] = [8000, 16_000, 48_000];

/// Peak amplitude of the component of `samples` at `hz` (Goertzel, 2|X(f)|/N).
fn goertzel(samples: &[i16], hz: f64, rate: u32) -> f64 {
    let w = core::f64::consts::TAU * hz / f64::from(rate);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    2.0 * power.max(0.0).sqrt() / samples.len() as f64
}

fn level_at(samples: &[i16], hz: f64, rate: u32) -> f64 {
    amplitude_to_dbm0(goertzel(samples, hz, rate))
}

fn render(plan: &str, rate: u32, samples: usize) -> Vec<i16> {
    let plan = TonePlan::parse(plan).unwrap();
    let mut generator = ToneGenerator::new(plan, rate).unwrap();
    let mut out = vec![0; samples];
    generator.fill(&mut out);
    out
}

/// The expected samples of `tones` (Hz, dBm0) from phase zero, computed directly.
fn reference(tones: &[(f64, f64)], rate: u32, len: usize) -> Vec<i16> {
    (0..len)
        .map(|k| {
            let t = k as f64 / f64::from(rate);
            let v: f64 = tones
                .iter()
                .map(|&(hz, dbm0)| {
                    dbm0_to_amplitude(dbm0) * (core::f64::consts::TAU * hz * t).sin()
                })
                .sum();
            v.round() as i16
        })
        .collect()
}

fn assert_close(got: &[i16], want: &[i16], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 2,
            "{what}: sample {i} is {g}, expected {w}"
        );
    }
}

#[test]
fn dbm0_scale_matches_g711_convention() {
    // +3.14 dBm0 is full scale; 0 dBm0 a peak of 22 827.
    assert!((dbm0_to_amplitude(DBM0_FULL_SCALE_SINE) - 32768.0).abs() < 1e-9);
    assert!((dbm0_to_amplitude(0.0) - 22_827.06).abs() < 0.01);
    assert!((amplitude_to_dbm0(dbm0_to_amplitude(-17.5)) + 17.5).abs() < 1e-9);
    let sine = reference(&[(1000.0, -10.0)], 8000, 8000);
    assert!((power_dbm0(&sine) + 10.0).abs() < 0.01);
    assert_eq!(power_dbm0(&[]), f64::NEG_INFINITY);
}

#[test]
fn dtmf_digits_have_their_frequencies_and_levels_at_every_rate() {
    let options = DtmfOptions {
        level_dbm0: -12.0,
        twist_db: 3.0,
        duration_ms: 500,
        gap_ms: 0,
    };
    for rate in RATES {
        for digit in Digit::ALL {
            let pcm = generate_dtmf(&digit.to_string(), rate, &options).unwrap();
            assert_eq!(pcm.len(), rate as usize / 2);
            let (low, high) = digit.frequencies();
            let l = level_at(&pcm, low, rate);
            let h = level_at(&pcm, high, rate);
            assert!((l + 12.0).abs() < 0.1, "{digit} at {rate}: low {l}");
            assert!((h + 9.0).abs() < 0.1, "{digit} at {rate}: high {h}");
            // The other six DTMF frequencies are absent.
            for hz in ROW_HZ.iter().chain(&COLUMN_HZ) {
                if *hz != low && *hz != high {
                    let other = level_at(&pcm, *hz, rate);
                    assert!(other < -50.0, "{digit} at {rate}: {hz} Hz at {other}");
                }
            }
            // Power is the sum of the two tones'.
            let expected = 10.0 * (10f64.powf(-1.2) + 10f64.powf(-0.9)).log10();
            assert!((power_dbm0(&pcm) - expected).abs() < 0.1);
        }
    }
}

#[test]
fn dtmf_tone_and_gap_are_exact_to_the_sample() {
    let options = DtmfOptions {
        duration_ms: 65,
        gap_ms: 45,
        ..DtmfOptions::default()
    };
    for rate in RATES {
        let pcm = generate_dtmf("5#", rate, &options).unwrap();
        let on = 65 * rate as usize / 1000;
        let off = 45 * rate as usize / 1000;
        assert_eq!(pcm.len(), 2 * (on + off));
        for (i, digit) in [Digit::D5, Digit::Hash].into_iter().enumerate() {
            let start = i * (on + off);
            let (low, high) = digit.frequencies();
            let want = reference(&[(low, -10.0), (high, -8.0)], rate, on);
            assert_close(
                &pcm[start..start + on],
                &want,
                &format!("{digit} at {rate}"),
            );
            assert!(pcm[start + on..start + on + off].iter().all(|&s| s == 0));
        }
    }
}

#[test]
fn dtmf_errors_say_what_is_wrong() {
    let err = generate_dtmf("12x4", 8000, &DtmfOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("'x' at index 2"), "{err}");
    let loud = DtmfOptions {
        level_dbm0: 0.0,
        twist_db: 0.0,
        ..DtmfOptions::default()
    };
    let err = generate_dtmf("1", 8000, &loud).unwrap_err().to_string();
    assert!(err.contains("clip"), "{err}");
    let err = generate_dtmf("1", 4000, &DtmfOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("4000 Hz"), "{err}");
    for bad in [
        DtmfOptions {
            duration_ms: 0,
            ..DtmfOptions::default()
        },
        DtmfOptions {
            gap_ms: MAX_DTMF_DURATION_MS + 1,
            ..DtmfOptions::default()
        },
        DtmfOptions {
            level_dbm0: f64::NAN,
            ..DtmfOptions::default()
        },
        DtmfOptions {
            twist_db: 11.0,
            ..DtmfOptions::default()
        },
    ] {
        assert!(bad.validate().is_err(), "{bad:?}");
    }
    assert!(
        generate_dtmf("", 8000, &DtmfOptions::default())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn dtmf_generator_streams_a_queue_identically_for_any_chunking() {
    let whole = generate_dtmf("147*0#ABCD", 16_000, &DtmfOptions::default()).unwrap();
    for chunk in [1, 7, 160, 320, 1021] {
        let mut generator = DtmfGenerator::new(16_000, DtmfOptions::default()).unwrap();
        generator.push_str("147*").unwrap();
        let mut out = Vec::new();
        let mut buf = vec![0i16; chunk];
        let mut queued_rest = false;
        while out.len() < whole.len() {
            // Queue the rest while the first digits play: the queue is a stream.
            if !queued_rest && out.len() > 3000 {
                generator.push_str("0#").unwrap();
                generator.push(Digit::A).unwrap();
                generator.push_str("bcd").unwrap();
                queued_rest = true;
            }
            let n = generator.fill(&mut buf);
            assert!(n > 0, "chunk {chunk}: idle too early");
            out.extend_from_slice(&buf[..n]);
        }
        assert_eq!(out, whole, "chunk {chunk}");
        assert!(generator.is_idle());
        assert_eq!(generator.fill(&mut buf), 0);
        assert!(buf.iter().all(|&s| s == 0));
    }
}

#[test]
fn dtmf_generator_queue_is_bounded_and_clearable() {
    let mut generator = DtmfGenerator::with_capacity(8000, DtmfOptions::default(), 3).unwrap();
    assert_eq!(generator.push_str("123").unwrap(), 3);
    assert!(generator.push(Digit::D4).is_err());
    assert!(generator.push_str("4").is_err());
    assert_eq!(generator.pending(), 3);
    let mut frame = [0i16; 160];
    generator.fill(&mut frame);
    assert_eq!(generator.current_digit(), Some(Digit::D1));
    assert_eq!(generator.pending(), 2);
    assert!(generator.push_str("9x").is_err());
    assert_eq!(generator.pending(), 2, "a bad string queues nothing");
    generator.clear();
    assert!(generator.is_idle());
    assert_eq!(generator.fill(&mut frame), 0);
}

#[test]
fn call_progress_cadences_are_exact_to_the_sample_at_every_rate() {
    // (plan, tones with levels, on ms, off ms)
    type Case = (TonePlan, &'static [(f64, f64)], usize, usize);
    let cases: [Case; 4] = [
        (
            TonePlan::call_progress(ToneRegion::Us, CallProgressTone::Busy),
            &[(480.0, -24.0), (620.0, -24.0)],
            500,
            500,
        ),
        (
            TonePlan::call_progress(ToneRegion::Us, CallProgressTone::Congestion),
            &[(480.0, -24.0), (620.0, -24.0)],
            250,
            250,
        ),
        (
            TonePlan::call_progress(ToneRegion::Europe, CallProgressTone::Ringback),
            &[(425.0, -10.0)],
            1000,
            4000,
        ),
        (
            TonePlan::call_progress(ToneRegion::Europe, CallProgressTone::Congestion),
            &[(425.0, -10.0)],
            200,
            200,
        ),
    ];
    for (plan, tones, on_ms, off_ms) in cases {
        for rate in RATES {
            let on = on_ms * rate as usize / 1000;
            let off = off_ms * rate as usize / 1000;
            let mut generator = ToneGenerator::new(plan.clone(), rate).unwrap();
            let mut out = vec![0i16; 3 * (on + off)];
            assert_eq!(generator.fill(&mut out), out.len());
            let want = reference(tones, rate, on);
            for cycle in 0..3 {
                let start = cycle * (on + off);
                assert_close(&out[start..start + on], &want, &format!("{plan} at {rate}"));
                assert!(out[start + on..start + on + off].iter().all(|&s| s == 0));
            }
            for &(hz, dbm0) in tones {
                let measured = level_at(&out[..on], hz, rate);
                assert!(
                    (measured - dbm0).abs() < 0.1,
                    "{plan}: {hz} Hz at {measured}"
                );
            }
        }
    }
}

#[test]
fn continuous_tones_never_end_and_keep_their_level() {
    for rate in RATES {
        for region in [ToneRegion::Us, ToneRegion::Europe] {
            let plan = TonePlan::call_progress(region, CallProgressTone::Dial);
            assert_eq!(plan.duration_ms(), None);
            let mut generator = ToneGenerator::new(plan.clone(), rate).unwrap();
            let mut out = vec![0i16; rate as usize];
            for _ in 0..3 {
                assert_eq!(generator.fill(&mut out), out.len());
            }
            assert!(!generator.is_finished());
            for tone in plan.parts()[0].sound.tones() {
                let measured = level_at(&out, tone.frequency_hz, rate);
                assert!(
                    (measured - tone.level_dbm0).abs() < 0.1,
                    "{plan}: {measured}"
                );
            }
        }
    }
}

#[test]
fn output_is_identical_for_any_chunking() {
    let plan = "!350+440/100,!0/100,440@-6*15%50/333,0/77,1209+697/151;repeat=3";
    for rate in RATES {
        let len = rate as usize * 3;
        let whole = render(plan, rate, len);
        let mut generator = ToneGenerator::new(TonePlan::parse(plan).unwrap(), rate).unwrap();
        let mut out = vec![0i16; len];
        let mut at = 0;
        let mut step = 1usize;
        while at < len {
            let n = step.min(len - at);
            generator.fill(&mut out[at..at + n]);
            at += n;
            step = (step * 7 + 3) % 997 + 1; // sizes from 1 to 997
        }
        assert_eq!(out, whole, "at {rate} Hz");
    }
}

#[test]
fn once_parts_play_once_and_repeat_counts_end_the_plan() {
    let plan = TonePlan::parse("!1000/10,0/10,500/10;repeat=2").unwrap();
    assert_eq!(plan.loop_start(), 1);
    assert_eq!(plan.duration_ms(), Some(10 + 2 * 20));
    let mut generator = ToneGenerator::new(plan, 8000).unwrap();
    let mut out = vec![1i16; 8000];
    assert_eq!(generator.fill(&mut out), 400);
    assert!(generator.is_finished());
    assert!(out[400..].iter().all(|&s| s == 0));
    // Intro: 1000 Hz; then silence, 500 Hz; silence, 500 Hz.
    assert!(level_at(&out[..80], 1000.0, 8000) > -14.0);
    assert!(out[80..160].iter().all(|&s| s == 0));
    assert!(level_at(&out[160..240], 500.0, 8000) > -14.0);
    assert!(out[240..320].iter().all(|&s| s == 0));
    assert_eq!(out[160..240], out[320..400]);
    generator.restart();
    let mut again = vec![0i16; 8000];
    assert_eq!(generator.fill(&mut again), 400);
    assert_eq!(again, out);
    // All once-parts: played once, whatever the repeat.
    let plan = TonePlan::parse("!950/330,!1400/330,!1800/330").unwrap();
    assert_eq!(plan.duration_ms(), Some(990));
    let mut generator = ToneGenerator::new(plan, 16_000).unwrap();
    assert_eq!(generator.fill(&mut vec![0; 32_000]), 990 * 16);
}

#[test]
fn modulation_makes_sidebands_and_keeps_the_peak() {
    let rate = 8000;
    let out = render("425@-10*25", rate, rate as usize);
    let carrier = goertzel(&out, 425.0, rate);
    let lower = goertzel(&out, 400.0, rate);
    let upper = goertzel(&out, 450.0, rate);
    // (1 + m sin)/(1 + m) with m = 0.9: carrier 1/1.9, each sideband m/2/1.9.
    let a = dbm0_to_amplitude(-10.0);
    assert!((carrier - a / 1.9).abs() / (a / 1.9) < 0.01, "{carrier}");
    for side in [lower, upper] {
        assert!(
            (side - a * 0.45 / 1.9).abs() / (a * 0.45 / 1.9) < 0.01,
            "{side}"
        );
    }
    let peak = out
        .iter()
        .map(|s| f64::from(s.unsigned_abs()))
        .fold(0.0, f64::max);
    assert!(peak <= a + 1.0);
}

#[test]
fn builtin_plans_parse_and_match_their_sources() {
    // Written out apart from the table: (region, tone, [(Hz...)], level, [on, off...]).
    type Row = (
        ToneRegion,
        CallProgressTone,
        &'static [f64],
        f64,
        &'static [u32],
    );
    let rows: [Row; 10] = [
        (
            ToneRegion::Us,
            CallProgressTone::Dial,
            &[350.0, 440.0],
            -13.0,
            &[],
        ),
        (
            ToneRegion::Us,
            CallProgressTone::Ringback,
            &[440.0, 480.0],
            -19.0,
            &[2000, 4000],
        ),
        (
            ToneRegion::Us,
            CallProgressTone::Busy,
            &[480.0, 620.0],
            -24.0,
            &[500, 500],
        ),
        (
            ToneRegion::Us,
            CallProgressTone::Congestion,
            &[480.0, 620.0],
            -24.0,
            &[250, 250],
        ),
        (
            ToneRegion::Us,
            CallProgressTone::CallWaiting,
            &[440.0],
            -13.0,
            &[300, 9700],
        ),
        (
            ToneRegion::Europe,
            CallProgressTone::Dial,
            &[425.0],
            -10.0,
            &[],
        ),
        (
            ToneRegion::Europe,
            CallProgressTone::Ringback,
            &[425.0],
            -10.0,
            &[1000, 4000],
        ),
        (
            ToneRegion::Europe,
            CallProgressTone::Busy,
            &[425.0],
            -10.0,
            &[500, 500],
        ),
        (
            ToneRegion::Europe,
            CallProgressTone::Congestion,
            &[425.0],
            -10.0,
            &[200, 200],
        ),
        (
            ToneRegion::Europe,
            CallProgressTone::CallWaiting,
            &[425.0],
            -10.0,
            &[200, 600, 200, 3000],
        ),
    ];
    for (region, tone, hz, level, cadence) in rows {
        let plan = TonePlan::call_progress(region, tone);
        assert_eq!(plan.repeat(), Repeat::Forever);
        if cadence.is_empty() {
            assert_eq!(plan.parts().len(), 1);
            assert_eq!(plan.parts()[0].duration_ms, None);
        } else {
            let durations: Vec<u32> = plan.parts().iter().filter_map(|p| p.duration_ms).collect();
            assert_eq!(durations, cadence, "{region:?} {tone:?}");
        }
        for (i, part) in plan.parts().iter().enumerate() {
            // Tone, silence, tone, silence...
            assert_eq!(part.sound.is_silence(), i % 2 == 1, "{region:?} {tone:?}");
            for (t, &f) in part.sound.tones().iter().zip(hz) {
                assert_eq!((t.frequency_hz, t.level_dbm0), (f, level));
            }
        }
        for rate in RATES {
            ToneGenerator::new(plan.clone(), rate).unwrap();
        }
    }
    for tone in CallProgressTone::ALL {
        let _ = TonePlan::call_progress(ToneRegion::Us, tone);
    }
}

#[test]
fn plans_round_trip_through_text() {
    for text in [
        "350+440",
        "480+620/500,0/500",
        "!350+440/100,!0/100,350+440",
        "425*15/1000,0/4000",
        "425 * 15 % 40.5 / 1000 , 0 / 4000 ; repeat = 3",
        "1400@-20.25/500,0/15000;repeat=3;level=-3",
        "!950/330,!1400/330,!1800/330,0",
        "400+450/400,0/200,400+450/400,0/2000",
        "1+2+3+20000@3.14/1",
    ] {
        let plan = TonePlan::parse(text).unwrap();
        let canonical = plan.to_string();
        let again = TonePlan::parse(&canonical).unwrap();
        assert_eq!(again, plan, "{text} -> {canonical}");
        assert_eq!(again.to_string(), canonical);
    }
    assert_eq!(
        TonePlan::parse("480+620/500,0/500;level=-24;repeat=2")
            .unwrap()
            .to_string(),
        "480@-24+620@-24/500,0/500;repeat=2"
    );
    assert_eq!(
        TonePlan::parse("425*15").unwrap().to_string(),
        "425@-13*15%90"
    );
    let plan: TonePlan = "440/300,0/9700".parse().unwrap();
    assert_eq!(plan.duration_ms(), None);
    let louder = plan.with_level_offset(3.0).unwrap();
    assert_eq!(louder.parts()[0].sound.tones()[0].level_dbm0, -10.0);
    assert!(plan.with_level_offset(20.0).is_err());
}

#[test]
fn parse_errors_say_what_and_where() {
    let cases: [(&str, usize, &str); 22] = [
        ("", 0, "expected a frequency"),
        ("   ", 3, "expected a frequency"),
        ("480+/500", 4, "expected a frequency"),
        ("480+620/", 8, "expected a duration"),
        ("480+620/500,0/x", 14, "expected a duration"),
        ("480+620/0", 8, "duration 0 is out of range"),
        ("480+620/3600001", 8, "out of range"),
        ("30000", 0, "30000 Hz is out of range"),
        ("0.5", 0, "0.5 Hz is out of range"),
        ("0+440", 0, "\"0\" is silence"),
        ("0@-10", 0, "\"0\" is silence"),
        ("440@-100", 4, "level -100 dBm0 is out of range"),
        ("440@", 4, "expected a level"),
        ("1+2+3+4+5", 8, "more than 4 tones"),
        ("440*", 4, "expected a modulation frequency"),
        ("440*15%150", 7, "depth 150% is out of range"),
        ("440,0/100", 0, "plays forever"),
        ("440/100,!0/100", 8, "'!' (play once)"),
        ("440/100;repeat=0", 15, "repeat count 0 is out of range"),
        ("440/100;loop=2", 8, "expected an option"),
        ("440/100 x", 8, "expected ','"),
        ("4.", 2, "expected digits after '.'"),
    ];
    for (text, position, reason) in cases {
        let err = TonePlan::parse(text).unwrap_err();
        assert_eq!(err.position, position, "{text:?}: {err}");
        assert!(err.reason.contains(reason), "{text:?}: {err}");
    }
    let long = "440/1,".repeat(MAX_PARTS) + "0/1";
    let err = TonePlan::parse(&long).unwrap_err();
    assert!(err.reason.contains("more than 64 parts"), "{err}");
    let err: crate::Error = "440/x".parse::<TonePlan>().unwrap_err();
    assert!(err.to_string().contains("at byte 4"), "{err}");
    // Plans are checked against the rate they play at.
    let plan = TonePlan::parse("5000").unwrap();
    let err = ToneGenerator::new(plan.clone(), 8000)
        .unwrap_err()
        .to_string();
    assert!(err.contains("below 4000"), "{err}");
    assert!(ToneGenerator::new(plan, 16_000).is_ok());
    assert!(ToneGenerator::new(TonePlan::parse("440").unwrap(), 0).is_err());
}

#[test]
fn plans_built_in_code_are_checked() {
    let tone = ToneSet::new(&[Tone::new(440.0, -13.0)]).unwrap();
    assert!(TonePlan::new(vec![], Repeat::Forever).is_err());
    assert!(TonePlan::new(vec![TonePart::timed(tone, 0)], Repeat::Forever).is_err());
    assert!(TonePlan::new(vec![TonePart::timed(tone, 10)], Repeat::Times(0)).is_err());
    assert!(
        TonePlan::new(
            vec![TonePart::continuous(tone), TonePart::silence(10)],
            Repeat::Forever
        )
        .is_err()
    );
    assert!(
        TonePlan::new(
            vec![TonePart::silence(10), TonePart::timed(tone, 10).once()],
            Repeat::Forever
        )
        .is_err()
    );
    assert!(ToneSet::new(&[Tone::new(440.0, 5.0)]).is_err());
    assert!(ToneSet::new(&[Tone::new(f64::NAN, -10.0)]).is_err());
    assert!(ToneSet::new(&[Tone::new(440.0, -10.0); 5]).is_err());
    let modulation = Modulation {
        frequency_hz: 15.0,
        depth_percent: 90.0,
    };
    assert!(ToneSet::SILENCE.modulated(modulation).is_err());
    let plan = TonePlan::new(
        vec![
            TonePart::timed(tone.modulated(modulation).unwrap(), 100).once(),
            TonePart::silence(100),
        ],
        Repeat::Times(2),
    )
    .unwrap();
    assert_eq!(plan.to_string(), "!440@-13*15%90/100,0/100;repeat=2");
}

fn plan_text() -> impl Strategy<Value = String> {
    let tone = (1u32..4000, prop::option::of(-40i32..0)).prop_map(|(hz, level)| match level {
        Some(l) => format!("{hz}@{l}"),
        None => format!("{hz}"),
    });
    let sound = prop_oneof![
        Just("0".to_string()),
        (
            prop::collection::vec(tone, 1..=MAX_TONES),
            prop::option::of((1u32..100, 0u32..=100))
        )
            .prop_map(|(tones, m)| {
                let mut s = tones.join("+");
                if let Some((hz, depth)) = m {
                    s += &format!("*{hz}%{depth}");
                }
                s
            }),
    ];
    let part = (any::<bool>(), sound, 1u32..400);
    (
        prop::collection::vec(part, 1..8),
        any::<bool>(),
        prop::option::of(1u32..4),
    )
        .prop_map(|(parts, endless, repeat)| {
            let n = parts.len();
            let mut once = true;
            let mut text: Vec<String> = Vec::new();
            for (i, (bang, sound, ms)) in parts.into_iter().enumerate() {
                once &= bang;
                let mut p = if once { format!("!{sound}") } else { sound };
                if !(endless && i + 1 == n) {
                    p += &format!("/{ms}");
                }
                text.push(p);
            }
            let mut text = text.join(",");
            if let Some(r) = repeat {
                text += &format!(";repeat={r}");
            }
            text
        })
}

proptest! {
    #[test]
    fn the_parser_never_panics(text in ".{0,64}") {
        let _ = TonePlan::parse(&text);
    }

    #[test]
    fn the_parser_never_panics_on_near_miss_plans(
        text in "[0-9!+*%@/,;.=a-z -]{0,48}"
    ) {
        if let Ok(plan) = TonePlan::parse(&text) {
            prop_assert_eq!(TonePlan::parse(&plan.to_string()).unwrap(), plan);
        }
    }

    #[test]
    fn valid_plans_round_trip_and_play(text in plan_text(), chunk in 1usize..500) {
        let plan = TonePlan::parse(&text).unwrap();
        prop_assert_eq!(TonePlan::parse(&plan.to_string()).unwrap(), plan.clone());
        let mut generator = ToneGenerator::new(plan.clone(), 8000).unwrap();
        let mut whole = vec![0i16; 4000];
        let produced = generator.fill(&mut whole);
        if let Some(ms) = plan.duration_ms() {
            prop_assert_eq!(produced as u64, (ms * 8).min(4000));
        } else {
            prop_assert_eq!(produced, 4000);
        }
        generator.restart();
        let mut pieces = vec![0i16; 4000];
        for slice in pieces.chunks_mut(chunk) {
            generator.fill(slice);
        }
        prop_assert_eq!(pieces, whole);
    }
}

#[test]
fn plans_by_name_or_text_and_unknown_names_listed() {
    use super::{CallProgressTone, TonePlan, ToneRegion, generate_tone};
    for region in ToneRegion::ALL {
        for tone in CallProgressTone::ALL {
            let name = format!("{}/{}", region.name(), tone.name()).to_uppercase();
            assert_eq!(
                TonePlan::named_or_parse(&name).unwrap(),
                TonePlan::call_progress(region, tone)
            );
        }
    }
    assert_eq!(
        TonePlan::named_or_parse("425/200,0/200")
            .unwrap()
            .parts()
            .len(),
        2
    );
    let err = TonePlan::named_or_parse("us/howler")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("us/dial") && err.contains("europe/call_waiting"),
        "{err}"
    );
    let err = TonePlan::named_or_parse("480+620/500,0/x")
        .unwrap_err()
        .to_string();
    assert!(err.contains("byte 14"), "{err}");
    assert!(generate_tone("us/dial", 8000, 3_600_001).is_err());
    assert_eq!(
        generate_tone("europe/busy", 16_000, 250).unwrap().len(),
        4000
    );
}
