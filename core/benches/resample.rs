//! Resampler cost per 20 ms mono frame, 48 -> 8 kHz and 8 -> 48 kHz, at both qualities, next
//! to a plain copy of the same input samples measured in the same run (the ratio is what to
//! report). Wideband converts 40 ms blocks, so its time per frame is an average over two.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mediacore::dsp::{Quality, Resampler};

/// 20 ms of speech-like audio at `rate`: two tones and a little deterministic noise.
fn frame(rate: u32) -> Vec<i16> {
    let n = rate as usize / 50;
    (0..n)
        .map(|i| {
            let t = i as f32 / rate as f32;
            let v = (t * 2.0 * std::f32::consts::PI * 220.0).sin() * 12_000.0
                + (t * 2.0 * std::f32::consts::PI * 1_370.0).sin() * 6_000.0
                + ((i * 7919) % 2001) as f32
                - 1000.0;
            v as i16
        })
        .collect()
}

fn resample(c: &mut Criterion) {
    for (rate_in, rate_out) in [(48_000, 8000), (8000, 48_000)] {
        let input = frame(rate_in);
        let mut group = c.benchmark_group(format!(
            "resample_{}k_to_{}k",
            rate_in / 1000,
            rate_out / 1000
        ));
        group.throughput(Throughput::Elements(input.len() as u64));

        let mut copy_out = vec![0i16; input.len()];
        group.bench_function("copy_i16_20ms", |b| {
            b.iter(|| copy_out.copy_from_slice(black_box(&input)));
        });

        for quality in [Quality::LowDelay, Quality::Wideband] {
            let mut r =
                Resampler::with_quality(rate_in, rate_out, 1, quality).expect("supported rates");
            let mut out = vec![0i16; r.max_output_len(input.len())];
            group.bench_function(format!("resample_20ms_{quality:?}"), |b| {
                b.iter(|| r.process(black_box(&input), &mut out).expect("resample"));
            });
        }
        group.finish();
    }
}

criterion_group!(benches, resample);
criterion_main!(benches);
