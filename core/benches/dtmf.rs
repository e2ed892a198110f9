//! In-band DTMF detection cost for one second of 8 kHz audio, next to SpanDSP's `dtmf_rx`
//! on the same input measured in the same run (and ours at 16 kHz for reference).
//!
//! The input is speech-like audio with two DTMF digits in it, so both the quiet path and
//! the tone path are exercised. The SpanDSP figure comes from `tests/oracles/spandsp_dtmf.c`
//! (`time` mode: 20 ms calls, fresh receiver per round), compiled here with `cc -O2` against
//! `libspandsp-dev`; when either is missing the bench says so and measures only ours.

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mediacore::dtmf::{Digit, DtmfDetector};

/// One second at `rate`: a speech-like mix, with digits 5 and # (60 ms each) in it.
fn signal(rate: u32) -> Vec<i16> {
    let r = f64::from(rate);
    let tau = std::f64::consts::TAU;
    (0..rate as usize)
        .map(|i| {
            let t = i as f64 / r;
            let syllable = 0.5 + 0.5 * (t * tau * 4.0).sin();
            let mut v = ((t * tau * 180.0).sin() * 6_000.0
                + (t * tau * 540.0).sin() * 2_500.0
                + (t * tau * 2_100.0).sin() * 1_000.0)
                * syllable
                + ((i * 7919) % 2001) as f64
                - 1000.0;
            for (digit, at) in [(Digit::D5, 0.3), (Digit::Hash, 0.7)] {
                if (at..at + 0.06).contains(&t) {
                    let (low, high) = digit.frequencies();
                    v = 7_000.0 * ((t * tau * low).sin() + (t * tau * high).sin());
                }
            }
            v as i16
        })
        .collect()
}

fn dtmf(c: &mut Criterion) {
    let mut group = c.benchmark_group("dtmf");
    for rate in [8000u32, 16000] {
        let pcm = signal(rate);
        group.throughput(Throughput::Elements(pcm.len() as u64));
        group.bench_function(format!("detect_1s_{}k_ours", rate / 1000), |b| {
            b.iter(|| {
                let mut detector = DtmfDetector::new(rate).expect("supported rate");
                for frame in black_box(&pcm).chunks(rate as usize / 50) {
                    detector.process(frame);
                }
                detector.flush();
                let mut n = 0;
                while detector.poll_digit().is_some() {
                    n += 1;
                }
                assert_eq!(n, 2);
            });
        });
    }
    // SpanDSP, timed by criterion as ours is: for `iters` iterations the helper runs `iters`
    // rounds and its own clock times them, without process start-up.
    match common::build_helper("spandsp_dtmf", "spandsp", "libspandsp-dev") {
        Ok(exe) => {
            let bytes: Vec<u8> = signal(8000).iter().flat_map(|s| s.to_le_bytes()).collect();
            let rounds = |n: u64| ["time".to_owned(), n.to_string()];
            match common::helper_figure(&exe, &rounds(1), &bytes, 0) {
                Ok(_) => {
                    group.throughput(Throughput::Elements(8000));
                    group.bench_function("detect_1s_8k_spandsp", |b| {
                        b.iter_custom(|iters| {
                            let ns = common::helper_figure(&exe, &rounds(iters), &bytes, 0)
                                .expect("SpanDSP helper");
                            Duration::from_nanos((ns * iters as f64) as u64)
                        });
                    });
                }
                Err(e) => eprintln!("dtmf/spandsp: not measured: {e}"),
            }
            group.finish();
            let _ = std::fs::remove_file(exe);
        }
        Err(e) => {
            group.finish();
            eprintln!("dtmf/spandsp: not measured: {e}");
        }
    }
}

criterion_group!(benches, dtmf);
criterion_main!(benches);
