//! G.722 encode and decode cost for one second of speech-like 16 kHz audio, next to
//! SpanDSP's G.722 on the same input measured in the same run.
//!
//! The SpanDSP figure comes from `tests/oracles/spandsp_g722.c`, compiled here with `cc`
//! against `libspandsp-dev`; when either is missing the bench says so and measures only
//! ours.

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mediacore::codec::g722::{G722Decoder, G722Encoder, Mode, SAMPLE_RATE};
use mediacore::{Decoder, Encoder};

/// One second of 16 kHz audio: a speech-like mix of tones and noise across the band.
fn signal() -> Vec<i16> {
    let rate = SAMPLE_RATE as f32;
    (0..SAMPLE_RATE as usize)
        .map(|i| {
            let t = i as f32 / rate;
            let tau = 2.0 * std::f32::consts::PI;
            let syllable = 0.5 + 0.5 * (t * tau * 4.0).sin();
            let v = ((t * tau * 180.0).sin() * 9_000.0
                + (t * tau * 1_370.0).sin() * 4_000.0
                + (t * tau * 3_100.0).sin() * 1_500.0)
                * syllable
                + ((i * 7919) % 2001) as f32
                - 1000.0;
            v as i16
        })
        .collect()
}

fn g722(c: &mut Criterion) {
    let pcm = signal();
    let mut payload = vec![0u8; pcm.len() / 2];
    G722Encoder::new()
        .encode(&pcm, &mut payload)
        .expect("encode");
    let mut out = vec![0i16; pcm.len()];

    let mut group = c.benchmark_group("g722");
    group.throughput(Throughput::Elements(pcm.len() as u64));
    group.bench_function("encode_1s", |b| {
        b.iter(|| {
            let mut encoder = G722Encoder::new();
            encoder
                .encode(black_box(&pcm), &mut payload)
                .expect("encode")
        });
    });
    group.bench_function("decode_1s", |b| {
        b.iter(|| {
            let mut decoder = G722Decoder::new(Mode::Kbit64);
            decoder
                .decode(black_box(&payload), &mut out)
                .expect("decode")
        });
    });
    group.finish();

    match common::build_helper("spandsp_g722", "spandsp", "libspandsp-dev") {
        Ok(exe) => {
            let pcm_bytes: Vec<u8> = pcm.iter().flat_map(|s| s.to_le_bytes()).collect();
            for (name, mode, input) in [
                ("encode_1s", "time-encode", &pcm_bytes),
                ("decode_1s", "time-decode", &payload),
            ] {
                let args = [mode.to_owned(), "2000".to_owned()];
                match common::helper_figure(&exe, &args, input, 0) {
                    Ok(ns) => eprintln!("g722/spandsp_{name}: {:.1} µs per run", ns / 1000.0),
                    Err(e) => eprintln!("g722/spandsp_{name}: not measured: {e}"),
                }
            }
            let _ = std::fs::remove_file(exe);
        }
        Err(e) => eprintln!("g722/spandsp: not measured: {e}"),
    }
}

criterion_group!(benches, g722);
criterion_main!(benches);
