//! Voice activity detection cost per 10 ms frame at 8, 16 and 48 kHz: ours ([`EarshotVad`]:
//! resampling to 16 kHz, band fill, earshot, hangover) next to, in the same run, earshot
//! alone on 16 kHz blocks (scaled to 10 ms) and the RNN VAD of WebRTC's AGC2 as sonora ports
//! it (the engine considered beside earshot; it resamples to 24 kHz itself). Also the level
//! meter and the background-noise estimator per 10 ms, and fitting one SID.
//!
//! Input: one second of a voiced, syllable-modulated signal over noise, so that the scored
//! path is the same as on speech (earshot's cost does not depend on the input).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mediacore::Instant;
use mediacore::voice::{
    BackgroundConfig, BackgroundNoise, EarshotVad, LevelMeter, MeterConfig, VadConfig,
    VoiceDetector,
};

/// One second at `rate`: a 140 Hz voiced buzz with formant-like partials, switched on and
/// off four times a second, over low noise.
fn signal(rate: u32) -> Vec<i16> {
    let r = f64::from(rate);
    let tau = std::f64::consts::TAU;
    let mut state = 1u32;
    (0..rate as usize)
        .map(|i| {
            let t = i as f64 / r;
            let on = if (t * 4.0).fract() < 0.6 { 1.0 } else { 0.0 };
            let voice = (1..12)
                .map(|h| (t * tau * 140.0 * f64::from(h)).sin() / f64::from(h))
                .sum::<f64>();
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = f64::from((state >> 16) as u16) / 65536.0 - 0.5;
            (voice * 4000.0 * on + noise * 300.0) as i16
        })
        .collect()
}

fn vad(c: &mut Criterion) {
    let mut group = c.benchmark_group("vad");
    group.throughput(Throughput::Elements(100)); // frames of 10 ms per second
    for rate in [8000u32, 16_000, 48_000] {
        let pcm = signal(rate);
        let step = rate as usize / 100;
        let mut vad = EarshotVad::new(VadConfig::new(rate)).expect("supported rate");
        group.bench_function(format!("ours_{}k_1s", rate / 1000), |b| {
            b.iter(|| {
                let mut now = Instant::ZERO;
                for frame in black_box(&pcm).chunks_exact(step) {
                    black_box(vad.process(now, frame).expect("10 ms frames"));
                    now = now + core::time::Duration::from_millis(10);
                }
                while vad.poll_event().is_some() {}
            });
        });
        let samples: Vec<f32> = pcm.iter().map(|&s| f32::from(s)).collect();
        let mut rnn = sonora_agc2::vad_wrapper::VoiceActivityDetectorWrapper::with_reset_period(
            i32::MAX / 10 * 10,
            sonora_simd::detect_backend(),
            rate as i32,
        );
        group.bench_function(format!("sonora_rnn_{}k_1s", rate / 1000), |b| {
            b.iter(|| {
                for frame in black_box(&samples).chunks_exact(step) {
                    black_box(rnn.analyze(frame));
                }
            });
        });
    }
    // earshot alone: 62.5 blocks of 16 ms make a second; 62 are timed and scaled to 100
    // frames by the throughput.
    let pcm: Vec<f32> = signal(16_000)
        .iter()
        .map(|&s| f32::from(s) / 32768.0)
        .collect();
    let mut detector = earshot::Detector::default_boxed();
    group.throughput(Throughput::Elements(62 * 100 * 256 / 16_000));
    group.bench_function("earshot_alone_16k_0.992s", |b| {
        b.iter(|| {
            for block in black_box(&pcm).chunks_exact(256) {
                black_box(detector.predict_f32(block));
            }
        });
    });
    group.finish();

    let mut group = c.benchmark_group("levels");
    group.throughput(Throughput::Elements(100));
    for rate in [8000u32, 48_000] {
        let pcm = signal(rate);
        let step = rate as usize / 100;
        let mut meter = LevelMeter::new(rate, MeterConfig::default()).expect("valid");
        group.bench_function(format!("meter_{}k_1s", rate / 1000), |b| {
            b.iter(|| {
                for frame in black_box(&pcm).chunks_exact(step) {
                    black_box(meter.process(frame));
                }
            });
        });
        let mut background = BackgroundNoise::new(BackgroundConfig::new(rate)).expect("valid");
        group.bench_function(format!("background_{}k_1s", rate / 1000), |b| {
            b.iter(|| {
                for frame in black_box(&pcm).chunks_exact(step) {
                    black_box(background.process(frame, false).expect("10 ms frames"));
                }
            });
        });
        group.throughput(Throughput::Elements(1));
        group.bench_function(format!("sid_fit_{}k_400ms", rate / 1000), |b| {
            b.iter(|| black_box(background.sid()));
        });
        group.throughput(Throughput::Elements(100));
    }
    group.finish();
}

criterion_group!(benches, vad);
criterion_main!(benches);
