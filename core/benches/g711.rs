//! G.711 encode and decode cost per sample, next to a plain copy of the same samples
//! measured in the same run (the ratio is what `docs/BENCHMARKS.md` reports).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mediacore::{Codec, new_decoder, new_encoder};

/// One second of 8 kHz audio: a speech-like mix of tones spanning the whole range.
fn signal() -> Vec<i16> {
    (0..8000)
        .map(|i| {
            let t = i as f32 / 8000.0;
            let v = (t * 2.0 * std::f32::consts::PI * 220.0).sin() * 12_000.0
                + (t * 2.0 * std::f32::consts::PI * 1_370.0).sin() * 6_000.0
                + ((i * 7919) % 2001) as f32
                - 1000.0;
            v as i16
        })
        .collect()
}

fn g711(c: &mut Criterion) {
    let pcm = signal();
    let mut group = c.benchmark_group("g711");
    group.throughput(Throughput::Elements(pcm.len() as u64));

    let mut copy_out = vec![0i16; pcm.len()];
    group.bench_function("copy_i16", |b| {
        b.iter(|| copy_out.copy_from_slice(black_box(&pcm)));
    });

    for codec in [Codec::Pcmu, Codec::Pcma] {
        let mut encoder = new_encoder(codec, 8000, 1).expect("G.711 encoder");
        let mut decoder = new_decoder(codec, 8000, 1).expect("G.711 decoder");
        let mut payload = vec![0u8; pcm.len()];
        encoder.encode(&pcm, &mut payload).expect("encode");
        let mut out = vec![0i16; pcm.len()];
        group.bench_function(format!("encode_{}", codec.name()), |b| {
            b.iter(|| {
                encoder
                    .encode(black_box(&pcm), &mut payload)
                    .expect("encode")
            });
        });
        group.bench_function(format!("decode_{}", codec.name()), |b| {
            b.iter(|| {
                decoder
                    .decode(black_box(&payload), &mut out)
                    .expect("decode")
            });
        });
    }
    group.finish();
}

criterion_group!(benches, g711);
criterion_main!(benches);
