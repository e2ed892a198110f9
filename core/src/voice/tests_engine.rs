//! Unit tests of the voice pipeline: settings, frame shapes, stage order and switching,
//! resampling around the engines, and echo removal on a synthetic echo path.

use std::sync::{Arc, Mutex};

use super::*;

/// Deterministic white noise at about -20 dBov.
fn noise(len: usize, mut seed: u32) -> Vec<i16> {
    (0..len)
        .map(|_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            ((seed >> 16) as i32 - 32768) as i16 / 6
        })
        .collect()
}

fn power(x: &[i16]) -> f64 {
    x.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / x.len().max(1) as f64
}

#[test]
fn settings_out_of_range_are_refused_with_what_was_expected() {
    assert!(matches!(
        VoiceProcessor::new(VoiceConfig::new(44_100)),
        Err(VoiceError::UnsupportedSampleRate {
            requested: 44_100,
            ..
        })
    ));
    let mut config = VoiceConfig::new(16_000);
    config.processing_rate = Some(12_000);
    assert!(matches!(
        VoiceProcessor::new(config),
        Err(VoiceError::InvalidParameter {
            name: "processing_rate",
            ..
        })
    ));
    for (target, ok) in [
        (-26.0, true),
        (0.0, false),
        (f32::NAN, false),
        (-61.0, false),
    ] {
        let mut config = VoiceConfig::new(8000);
        config.gain.target_level_dbov = target;
        assert_eq!(VoiceProcessor::new(config).is_ok(), ok, "target {target}");
    }
    let err = GainConfig {
        max_gain_db: -1.0,
        ..GainConfig::default()
    }
    .validate()
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "max_gain_db = -1 is out of range; expected a number from 0 to 60"
    );
    assert!(SonoraNoiseSuppressor::new(22_050, NoiseLevel::High).is_err());
}

#[test]
fn processing_rate_defaults_to_the_session_rate_or_the_next_engine_rate() {
    for (session, engine) in [
        (8000, 8000),
        (12_000, 16_000),
        (16_000, 16_000),
        (24_000, 32_000),
        (32_000, 32_000),
        (48_000, 48_000),
    ] {
        let voice = VoiceProcessor::new(VoiceConfig::new(session)).unwrap();
        assert_eq!(voice.processing_rate(), engine);
        assert_eq!(voice.resampling_delay() == 0, session == engine);
    }
}

#[test]
fn a_frame_that_is_not_whole_10_ms_is_refused_and_left_alone() {
    let mut voice = VoiceProcessor::new(VoiceConfig::new(16_000)).unwrap();
    let mut frame = noise(250, 1);
    let before = frame.clone();
    let err = voice.process_capture(&mut frame).unwrap_err();
    assert_eq!(
        err,
        VoiceError::FrameLength {
            len: 250,
            sample_rate: 16_000,
            per_10ms: 160
        }
    );
    assert_eq!(frame, before);
    assert!(voice.process_render(&frame).is_err());
    // The processor still works afterwards.
    let mut ok = noise(320, 2);
    voice.process_capture(&mut ok).unwrap();
}

#[test]
fn with_every_stage_off_the_capture_is_untouched() {
    let mut config = VoiceConfig::new(48_000);
    config.echo_cancellation = false;
    config.noise_suppression = false;
    config.gain_control = false;
    let mut voice = VoiceProcessor::new(config).unwrap();
    let input = noise(960 * 5, 3);
    let mut frame = input.clone();
    voice.process_render(&input).unwrap();
    voice.process_capture(&mut frame).unwrap();
    assert_eq!(frame, input);
    assert_eq!(voice.echo_metrics(), None);
    assert_eq!(voice.gain_metrics(), None);
}

#[test]
fn twenty_ms_frames_give_the_same_output_as_ten_ms_frames() {
    let far = noise(16_000, 4);
    let mic: Vec<i16> = noise(16_000, 5)
        .iter()
        .zip(&far)
        .map(|(n, f)| n / 8 + f / 3)
        .collect();
    let run = |frame_len: usize| {
        // AEC3 aligns capture with the render frames that arrived before it, so with echo
        // cancellation the result depends on how render and capture interleave; the other
        // stages see only the capture and must not depend on the framing.
        let mut config = VoiceConfig::new(16_000);
        config.echo_cancellation = false;
        let mut voice = VoiceProcessor::new(config).unwrap();
        let mut out = mic.clone();
        for (f, m) in far.chunks(frame_len).zip(out.chunks_mut(frame_len)) {
            voice.process_render(f).unwrap();
            voice.process_capture(m).unwrap();
        }
        out
    };
    let (ten, twenty) = (run(160), run(320));
    assert!(power(&ten) > 1.0e4, "the signal survives");
    assert!(ten == twenty, "outputs differ");
}

/// A stage that records its name into a shared log and scales the frame.
struct Recorder {
    name: &'static str,
    rate: u32,
    log: Arc<Mutex<Vec<&'static str>>>,
    scale: f32,
}

impl Recorder {
    fn record(&self, frame: &mut [f32]) {
        self.log.lock().unwrap().push(self.name);
        frame.iter_mut().for_each(|x| *x *= self.scale);
    }
}

impl EchoCanceller for Recorder {
    fn sample_rate(&self) -> u32 {
        self.rate
    }
    fn analyze_render(&mut self, _render: &[f32]) -> Result<(), VoiceError> {
        self.log.lock().unwrap().push("render");
        Ok(())
    }
    fn process_capture(&mut self, capture: &mut [f32]) -> Result<(), VoiceError> {
        self.record(capture);
        Ok(())
    }
    fn reset(&mut self) {
        self.log.lock().unwrap().push("aec reset");
    }
}

impl NoiseSuppressor for Recorder {
    fn sample_rate(&self) -> u32 {
        self.rate
    }
    fn process(&mut self, frame: &mut [f32]) -> Result<(), VoiceError> {
        self.record(frame);
        Ok(())
    }
    fn reset(&mut self) {}
}

impl GainController for Recorder {
    fn sample_rate(&self) -> u32 {
        self.rate
    }
    fn process(&mut self, frame: &mut [f32]) -> Result<(), VoiceError> {
        self.record(frame);
        Ok(())
    }
    fn metrics(&self) -> GainMetrics {
        GainMetrics::default()
    }
    fn reset(&mut self) {}
}

fn recorders(rate: u32) -> (VoiceProcessor, Arc<Mutex<Vec<&'static str>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let stage = |name, scale| Recorder {
        name,
        rate,
        log: log.clone(),
        scale,
    };
    let voice = VoiceProcessor::with_engines(
        VoiceConfig::new(rate),
        Box::new(stage("aec", 1.0)),
        Box::new(stage("ns", 1.0)),
        Box::new(stage("agc", 2.0)),
    )
    .unwrap();
    (voice, log)
}

#[test]
fn stages_run_in_order_per_10_ms_and_switch_independently() {
    let (mut voice, log) = recorders(8000);
    let mut frame = vec![1000i16; 160];
    voice.process_render(&frame.clone()).unwrap();
    voice.process_capture(&mut frame).unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        ["render", "render", "aec", "ns", "agc", "aec", "ns", "agc"]
    );
    assert!(frame.iter().all(|&s| s == 2000), "the gain stage's output");

    log.lock().unwrap().clear();
    voice.set_noise_suppression(false);
    voice.set_echo_cancellation(false);
    let mut frame = vec![1000i16; 80];
    voice.process_render(&frame.clone()).unwrap();
    voice.process_capture(&mut frame).unwrap();
    assert_eq!(*log.lock().unwrap(), ["agc"]);

    // Echo cancellation comes back afresh; the others were never reset.
    log.lock().unwrap().clear();
    voice.set_echo_cancellation(true);
    voice.process_capture(&mut frame).unwrap();
    assert_eq!(*log.lock().unwrap(), ["aec reset", "aec", "agc"]);
}

#[test]
fn engines_at_another_rate_are_refused() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let stage = |rate| Recorder {
        name: "x",
        rate,
        log: log.clone(),
        scale: 1.0,
    };
    let err = VoiceProcessor::with_engines(
        VoiceConfig::new(16_000),
        Box::new(stage(16_000)),
        Box::new(stage(8000)),
        Box::new(stage(16_000)),
    )
    .unwrap_err();
    assert_eq!(
        err,
        VoiceError::EngineRateMismatch {
            stage: "the noise suppressor",
            engine: 8000,
            expected: 16_000
        }
    );
}

#[test]
fn resampled_processing_keeps_frame_lengths_and_the_signal() {
    // 48 kHz session processed at 16 kHz by a pass-through gain of 1: the output is the
    // input, delayed by the two converters, band-limited to 8 kHz.
    let rate = 48_000;
    let (mut voice, _log) = {
        let log = Arc::new(Mutex::new(Vec::new()));
        let stage = |name| Recorder {
            name,
            rate: 16_000,
            log: log.clone(),
            scale: 1.0,
        };
        let mut config = VoiceConfig::new(rate);
        config.processing_rate = Some(16_000);
        let v = VoiceProcessor::with_engines(
            config,
            Box::new(stage("aec")),
            Box::new(stage("ns")),
            Box::new(stage("agc")),
        )
        .unwrap();
        (v, log)
    };
    let input: Vec<i16> = (0..rate as usize)
        .map(|i| ((i as f32 * 1000.0 * std::f32::consts::TAU / rate as f32).sin() * 8000.0) as i16)
        .collect();
    let mut out = input.clone();
    for frame in out.chunks_mut(960) {
        voice.process_capture(frame).unwrap();
    }
    let delay = voice.resampling_delay();
    assert!(delay > 0 && delay < 960, "delay {delay}");
    let aligned = &out[delay + 960..];
    let reference = &input[960..input.len() - delay];
    let error: Vec<i16> = aligned
        .iter()
        .zip(reference)
        .map(|(a, b)| a.saturating_sub(*b))
        .collect();
    let snr = 10.0 * (power(reference) / power(&error)).log10();
    assert!(
        snr > 40.0,
        "1 kHz through 48 -> 16 -> 48 kHz: SNR {snr:.1} dB"
    );
}

#[test]
fn aec3_removes_a_simple_echo_of_noise() {
    // White-noise far end; the microphone hears it 30 ms later through a short decaying
    // path, 10 dB down. After 3 s of adaptation the echo is at least 20 dB lower.
    let rate = 16_000u32;
    let far = noise(rate as usize * 5, 6);
    let path = [0.3f32, -0.12, 0.05, 0.02];
    let delay = 480;
    let mic: Vec<i16> = (0..far.len())
        .map(|i| {
            path.iter()
                .enumerate()
                .filter(|(k, _)| i >= delay + k * 7)
                .map(|(k, g)| f32::from(far[i - delay - k * 7]) * g)
                .sum::<f32>() as i16
        })
        .collect();
    let mut config = VoiceConfig::new(rate);
    config.noise_suppression = false;
    config.gain_control = false;
    let mut voice = VoiceProcessor::new(config).unwrap();
    let mut out = mic.clone();
    for (f, m) in far.chunks(320).zip(out.chunks_mut(320)) {
        voice.process_render(f).unwrap();
        voice.process_capture(m).unwrap();
    }
    let tail = rate as usize * 3..;
    let erle = 10.0 * (power(&mic[tail.clone()]) / power(&out[tail]).max(1e-3)).log10();
    assert!(erle > 20.0, "ERLE {erle:.1} dB");
    let metrics = voice.echo_metrics().unwrap();
    assert!(
        metrics.erle_db.is_some() && metrics.delay_ms.is_some(),
        "{metrics:?}"
    );
}

#[test]
fn the_echo_engine_is_chosen_by_config_and_named() {
    for engine in EchoEngine::ALL {
        assert_eq!(EchoEngine::from_name(engine.name()).unwrap(), engine);
    }
    let err = EchoEngine::from_name("nlms").unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown echo engine \"nlms\"; expected \"aec3\" or \"mdf\""
    );
    // Nothing played: our MDF passes the near end through 10 ms late and otherwise untouched
    // (AEC3 high-passes it), so the engine asked for is the one that runs.
    let mut config = VoiceConfig::new(16_000);
    config.noise_suppression = false;
    config.gain_control = false;
    config.echo_engine = EchoEngine::Mdf;
    let mut voice = VoiceProcessor::new(config).unwrap();
    let near = noise(16_000, 3);
    let mut out = near.clone();
    for frame in out.chunks_mut(160) {
        voice.process_capture(frame).unwrap();
    }
    let worst = out[160..]
        .iter()
        .zip(&near)
        .map(|(o, n)| (i32::from(*o) - i32::from(*n)).abs())
        .max()
        .unwrap();
    assert!(worst <= 1, "the near end altered by {worst}");
}
