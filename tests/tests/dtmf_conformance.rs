//! In-band DTMF detection against ITU-T Q.24 as commonly implemented, as a grid of generated
//! tone pairs: our detector must pass every case at 8 kHz and at 16 kHz; SpanDSP's
//! (`dtmf_rx`, Debian `libspandsp-dev` 0.0.6, 8 kHz only) runs the 8 kHz grid and its score
//! is printed beside ours (`cargo test -p mediacore-tests --test dtmf_conformance --
//! --nocapture` shows the table that docs/BENCHMARKS.md quotes).
//!
//! For each of the sixteen digits: the nominal pair; each tone off by ±1.5% (detect) and
//! ±3.5% (reject); normal twist of 8 dB (high group weaker) and reverse twist of 4 dB at a
//! high and a low level; levels from 0 to -36 dBm0 per tone (detect) and -55 and -60
//! (reject); 40 ms (detect) and 20 ms (reject) tones; two tones 40 ms long separated by a
//! 40 ms pause (two digits, the same digit twice or two different ones); a 10 ms dropout in
//! a tone (one digit); and white Gaussian noise at 15 dB S/N (signal power of both tones
//! against the noise over the whole band of the rate). Tones start at seeded phases and at
//! a fraction of a millisecond that varies by case. 0 dBm0 is a sine of peak 22,832, 3.14 dB
//! below full scale (see `mediacore::dtmf::detect`); two tones at 0 dBm0 clip.

use std::collections::BTreeMap;

use mediacore::dtmf::{Digit, DtmfDetector};
use mediacore::rng::SeededRng;
use mediacore_tests::alloc_count::{CountingAllocator, allocations};
use mediacore_tests::oracle::spandsp_dtmf_digits;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const DBM0_PEAK: f64 = 22_832.0;
/// Ordinary tone length of the grid, outside the duration cases.
const TONE_MS: f64 = 50.0;

/// One tone pair of a case: frequencies, levels and length.
#[derive(Clone, Copy)]
struct Pair {
    low_hz: f64,
    high_hz: f64,
    low_dbm0: f64,
    high_dbm0: f64,
    ms: f64,
}

impl Pair {
    fn nominal(d: Digit) -> Pair {
        let (low_hz, high_hz) = d.frequencies();
        Pair {
            low_hz,
            high_hz,
            low_dbm0: -10.0,
            high_dbm0: -10.0,
            ms: TONE_MS,
        }
    }
}

/// What a case sounds like: pairs and gaps (ms) in turn, then noise at an S/N, if any.
struct Case {
    axis: &'static str,
    label: String,
    parts: Vec<(Pair, f64)>,
    snr_db: Option<f64>,
    expect: String,
}

fn gauss(rng: &mut SeededRng) -> f64 {
    let u1 = ((rng.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
    let u2 = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

impl Case {
    fn render(&self, rate: u32, seed: u64) -> Vec<i16> {
        let rate_f = f64::from(rate);
        let mut rng = SeededRng::new(seed);
        let lead = 30.0 + (seed % 17) as f64 * 0.29;
        let mut pcm = vec![0.0f64; (lead * rate_f / 1000.0) as usize];
        let mut power = 0.0;
        for (pair, gap) in &self.parts {
            let n = (pair.ms * rate_f / 1000.0).round() as usize;
            let phases = [rng.next_u32(), rng.next_u32()]
                .map(|r| f64::from(r) / f64::from(u32::MAX) * std::f64::consts::TAU);
            let tones = [
                (pair.low_hz, pair.low_dbm0, phases[0]),
                (pair.high_hz, pair.high_dbm0, phases[1]),
            ];
            for i in 0..n {
                let t = i as f64 / rate_f;
                pcm.push(
                    tones
                        .iter()
                        .map(|&(hz, dbm0, phase)| {
                            DBM0_PEAK
                                * 10f64.powf(dbm0 / 20.0)
                                * (std::f64::consts::TAU * hz * t + phase).sin()
                        })
                        .sum(),
                );
            }
            power = tones
                .iter()
                .map(|&(_, dbm0, _)| (DBM0_PEAK * 10f64.powf(dbm0 / 20.0)).powi(2) / 2.0)
                .sum();
            pcm.extend(std::iter::repeat_n(0.0, (gap * rate_f / 1000.0) as usize));
        }
        pcm.extend(std::iter::repeat_n(0.0, (100.0 * rate_f / 1000.0) as usize));
        if let Some(snr) = self.snr_db {
            let sigma = (power / 10f64.powf(snr / 10.0)).sqrt();
            for s in pcm.iter_mut() {
                *s += sigma * gauss(&mut rng);
            }
        }
        pcm.iter()
            .map(|s| s.round().clamp(-32768.0, 32767.0) as i16)
            .collect()
    }
}

fn grid() -> Vec<Case> {
    let mut cases = Vec::new();
    for (di, d) in Digit::ALL.into_iter().enumerate() {
        let c = d.as_char().to_string();
        let one = |axis, label: String, pair: Pair, expect: &str| Case {
            axis,
            label: format!("{d} {label}"),
            parts: vec![(pair, 0.0)],
            snr_db: None,
            expect: expect.to_owned(),
        };
        cases.push(one(
            "nominal",
            "-10 dBm0 50 ms".into(),
            Pair::nominal(d),
            &c,
        ));
        for (group, high) in [("low", false), ("high", true)] {
            for (dev, expect) in [(1.5, &c[..]), (-1.5, &c), (3.5, ""), (-3.5, "")] {
                let mut p = Pair::nominal(d);
                let hz = if high { &mut p.high_hz } else { &mut p.low_hz };
                *hz *= 1.0 + dev / 100.0;
                let axis = if expect.is_empty() {
                    "frequency ±3.5% rejected"
                } else {
                    "frequency ±1.5% detected"
                };
                cases.push(one(axis, format!("{group} tone {dev:+}%"), p, expect));
            }
        }
        for (label, low, high) in [
            ("normal twist 8 dB", -6.0, -14.0),
            ("normal twist 8 dB, low level", -28.0, -36.0),
            ("reverse twist 4 dB", -14.0, -10.0),
            ("reverse twist 4 dB, low level", -36.0, -32.0),
        ] {
            let mut p = Pair::nominal(d);
            p.low_dbm0 = low;
            p.high_dbm0 = high;
            cases.push(one("twist", format!("{label} ({low}/{high} dBm0)"), p, &c));
        }
        for (level, expect) in [
            (0.0, &c[..]),
            (-3.0, &c),
            (-10.0, &c),
            (-20.0, &c),
            (-30.0, &c),
            (-36.0, &c),
            (-55.0, ""),
            (-60.0, ""),
        ] {
            let mut p = Pair::nominal(d);
            p.low_dbm0 = level;
            p.high_dbm0 = level;
            let axis = if expect.is_empty() {
                "level -55, -60 dBm0 rejected"
            } else {
                "level 0 to -36 dBm0 detected"
            };
            cases.push(one(axis, format!("{level} dBm0 per tone"), p, expect));
        }
        for (ms, expect) in [(40.0, &c[..]), (20.0, "")] {
            let mut p = Pair::nominal(d);
            p.ms = ms;
            let axis = if expect.is_empty() {
                "20 ms tone rejected"
            } else {
                "40 ms tone detected"
            };
            cases.push(one(axis, format!("{ms} ms"), p, expect));
        }
        let next = Digit::ALL[(di + 5) % 16];
        for second in [d, next] {
            let mut a = Pair::nominal(d);
            a.ms = 40.0;
            let mut b = Pair::nominal(second);
            b.ms = 40.0;
            cases.push(Case {
                axis: "40 ms pause separates",
                label: format!("{d} 40 ms, pause 40 ms, {second} 40 ms"),
                parts: vec![(a, 40.0), (b, 0.0)],
                snr_db: None,
                expect: format!("{d}{second}"),
            });
        }
        cases.push(Case {
            axis: "10 ms dropout bridged",
            label: format!("{d} 50 ms, dropout 10 ms, 50 ms"),
            parts: vec![(Pair::nominal(d), 10.0), (Pair::nominal(d), 0.0)],
            snr_db: None,
            expect: c.clone(),
        });
        for (level, seeds) in [(-10.0, 3), (-30.0, 1)] {
            for seed in 0..seeds {
                let mut p = Pair::nominal(d);
                p.low_dbm0 = level;
                p.high_dbm0 = level;
                cases.push(Case {
                    axis: "white noise at 15 dB S/N",
                    label: format!("{d} {level} dBm0, noise seed {seed}"),
                    parts: vec![(p, 0.0)],
                    snr_db: Some(15.0),
                    expect: c.clone(),
                });
            }
        }
    }
    cases
}

fn ours(rate: u32, pcm: &[i16]) -> String {
    let mut detector = DtmfDetector::new(rate).expect("8 or 16 kHz");
    detector.process(pcm);
    detector.flush();
    detector
        .digits()
        .iter()
        .map(|d| d.digit.as_char())
        .collect()
}

#[test]
fn the_q24_grid_ours_at_8_and_16_khz_and_spandsp_at_8_khz() {
    let cases = grid();
    // axis -> [ours 8k, ours 16k, SpanDSP 8k] passes, and the case count.
    let mut table: BTreeMap<&str, ([usize; 3], usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    let pcm8: Vec<Vec<i16>> = (0..cases.len())
        .map(|i| cases[i].render(8000, i as u64))
        .collect();
    let theirs = spandsp_dtmf_digits(&pcm8);
    assert_eq!(theirs.len(), cases.len(), "SpanDSP answered every case");
    for (i, case) in cases.iter().enumerate() {
        let row = table.entry(case.axis).or_default();
        row.1 += 1;
        for (k, rate) in [8000u32, 16000].into_iter().enumerate() {
            let pcm = if rate == 8000 {
                pcm8[i].clone()
            } else {
                case.render(rate, i as u64)
            };
            let got = ours(rate, &pcm);
            if got == case.expect {
                row.0[k] += 1;
            } else {
                failures.push(format!(
                    "ours at {rate} Hz, {}: found {got:?}, expected {:?}",
                    case.label, case.expect
                ));
            }
        }
        if theirs[i] == case.expect {
            row.0[2] += 1;
        } else {
            println!(
                "SpanDSP, {}: found {:?}, expected {:?}",
                case.label, theirs[i], case.expect
            );
        }
    }
    println!("| case | cases | ours, 8 kHz | ours, 16 kHz | SpanDSP, 8 kHz |");
    println!("|---|---|---|---|---|");
    let mut total = [0usize; 3];
    for (axis, (pass, n)) in &table {
        println!("| {axis} | {n} | {} | {} | {} |", pass[0], pass[1], pass[2]);
        for k in 0..3 {
            total[k] += pass[k];
        }
    }
    println!(
        "| all | {} | {} | {} | {} |",
        cases.len(),
        total[0],
        total[1],
        total[2]
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// After construction, processing, muting and polling allocate nothing.
#[test]
fn the_detector_does_not_allocate_per_call() {
    for rate in [8000u32, 16000] {
        let cases = grid();
        let pcm: Vec<i16> = (0..40)
            .flat_map(|i| cases[i].render(rate, i as u64))
            .collect();
        let mut out = vec![0i16; pcm.len()];
        let mut detector = DtmfDetector::new(rate).expect("8 or 16 kHz");
        let mut found = 0;
        let before = allocations();
        for (chunk, o) in pcm
            .chunks(rate as usize / 50)
            .zip(out.chunks_mut(rate as usize / 50))
        {
            detector.process_muted(chunk, o).expect("equal lengths");
            detector.process(&[]);
            while detector.poll_digit().is_some() {
                found += 1;
            }
        }
        detector.flush();
        while detector.poll_digit().is_some() {
            found += 1;
        }
        assert_eq!(allocations(), before, "{rate} Hz");
        assert!(found > 30, "{rate} Hz: {found} digits");
    }
}
