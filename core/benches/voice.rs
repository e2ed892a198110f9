//! Cost per 10 ms of the capture pipeline (AEC → NS → AGC, with the far end's 10 ms given as
//! the echo reference) at 8, 16 and 48 kHz, next to each stage alone, our own MDF echo
//! canceller in place of AEC3 (`ours_aec_mdf`) and to sonora's own
//! `AudioProcessing` running the same three stages in one instance (measured in the same
//! run; the ratio is what to report).
//!
//! The signals are deterministic: a far end of two gliding tones with noise, and a capture
//! that holds it as a 40 ms delayed, attenuated echo plus a near-end tone, so the echo
//! canceller adapts and the VAD sees voiced-like frames.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use mediacore::voice::{
    MdfEchoCanceller, SonoraGainController, SonoraNoiseSuppressor, VoiceConfig, VoiceProcessor,
};
use sonora::config::{
    AdaptiveDigital, EchoCanceller, GainController2, MaxProcessingRate, NoiseSuppression,
    NoiseSuppressionLevel,
};
use sonora::{AudioProcessing, Config, StreamConfig};

/// One second of far end and capture at `rate`.
fn signals(rate: u32) -> (Vec<i16>, Vec<i16>) {
    let n = rate as usize;
    let mut seed = 0x1234_5678u32;
    let far: Vec<f32> = (0..n)
        .map(|i| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let t = i as f32 / rate as f32;
            let f = 180.0 + 60.0 * (t * 3.0).sin();
            (t * f * std::f32::consts::TAU).sin() * 6000.0
                + (t * 3.1 * f * std::f32::consts::TAU).sin() * 2500.0
                + ((seed >> 16) as f32 - 32768.0) * 0.02
        })
        .collect();
    let delay = rate as usize / 25;
    let capture = (0..n)
        .map(|i| {
            let t = i as f32 / rate as f32;
            let echo = if i >= delay {
                far[i - delay] * 0.3
            } else {
                0.0
            };
            (echo + (t * 310.0 * std::f32::consts::TAU).sin() * 1500.0) as i16
        })
        .collect();
    (far.iter().map(|&x| x as i16).collect(), capture)
}

fn voice(c: &mut Criterion) {
    for rate in [8000u32, 16_000, 48_000] {
        let (far, capture) = signals(rate);
        let chunk = rate as usize / 100;
        let mut group = c.benchmark_group(format!("voice_{}k_10ms", rate / 1000));
        let stages: [(&str, bool, bool, bool); 4] = [
            ("aec_ns_agc", true, true, true),
            ("aec", true, false, false),
            ("ns", false, true, false),
            ("agc", false, false, true),
        ];
        for (name, echo, noise, gain) in stages {
            let mut config = VoiceConfig::new(rate);
            config.echo_cancellation = echo;
            config.noise_suppression = noise;
            config.gain_control = gain;
            let mut voice = VoiceProcessor::new(config).expect("supported rate");
            let mut frame = vec![0i16; chunk];
            let mut at = 0;
            group.bench_function(format!("ours_{name}"), |b| {
                b.iter(|| {
                    at = (at + chunk) % far.len();
                    frame.copy_from_slice(&capture[at..at + chunk]);
                    voice
                        .process_render(black_box(&far[at..at + chunk]))
                        .unwrap();
                    voice.process_capture(black_box(&mut frame)).unwrap();
                });
            });
        }

        // Our MDF echo canceller alone, in place of AEC3 (compare with `ours_aec`).
        let mut config = VoiceConfig::new(rate);
        config.noise_suppression = false;
        config.gain_control = false;
        let processing = config.validate().expect("supported rate");
        let mut voice = VoiceProcessor::with_engines(
            config.clone(),
            Box::new(MdfEchoCanceller::new(processing).expect("supported rate")),
            Box::new(SonoraNoiseSuppressor::new(processing, config.noise_level).expect("rate")),
            Box::new(SonoraGainController::new(processing, config.gain).expect("rate")),
        )
        .expect("engines at the processing rate");
        let mut frame = vec![0i16; chunk];
        let mut at = 0;
        group.bench_function("ours_aec_mdf", |b| {
            b.iter(|| {
                at = (at + chunk) % far.len();
                frame.copy_from_slice(&capture[at..at + chunk]);
                voice
                    .process_render(black_box(&far[at..at + chunk]))
                    .unwrap();
                voice.process_capture(black_box(&mut frame)).unwrap();
            });
        });

        // The reference: one sonora AudioProcessing with all three stages.
        let stream = StreamConfig::new(rate, 1);
        let mut config = Config {
            echo_canceller: Some(EchoCanceller::default()),
            noise_suppression: Some(NoiseSuppression {
                level: NoiseSuppressionLevel::High,
                ..NoiseSuppression::default()
            }),
            gain_controller2: Some(GainController2 {
                adaptive_digital: Some(AdaptiveDigital::default()),
                ..GainController2::default()
            }),
            ..Config::default()
        };
        config.pipeline.maximum_internal_processing_rate = MaxProcessingRate::Rate48kHz;
        let mut apm = AudioProcessing::builder()
            .config(config)
            .capture_config(stream)
            .render_config(stream)
            .build();
        let (mut inp, mut out, mut render_out) =
            (vec![0f32; chunk], vec![0f32; chunk], vec![0f32; chunk]);
        let far_f: Vec<f32> = far.iter().map(|&x| f32::from(x) / 32768.0).collect();
        let mut at = 0;
        group.bench_function("sonora_apm_aec_ns_agc", |b| {
            b.iter(|| {
                at = (at + chunk) % far.len();
                for (y, x) in inp.iter_mut().zip(&capture[at..at + chunk]) {
                    *y = f32::from(*x) / 32768.0;
                }
                apm.process_render_f32(&[&far_f[at..at + chunk]], &mut [&mut render_out])
                    .unwrap();
                apm.process_capture_f32(&[&inp], &mut [&mut out]).unwrap();
            });
        });
        group.finish();
    }
}

criterion_group!(benches, voice);
criterion_main!(benches);
