//! Native cost of a session's voice pipelines per 10 ms frame, the figure that
//! `scripts/bench.sh voice-wasm` puts next to the same loop in WASM
//! (bindings-wasm/bench/voice_cost.mjs).
//!
//! One call step per 10 ms: the far end's packet in, `pull_playout` (the echo reference),
//! `push_capture` of a microphone that holds the far end's echo and a near-end tone, the
//! packets out. Measured with the capture pipeline (AEC, NS, AGC, VAD, level meter) and the
//! playout VAD and meter on, and with voice off; the difference is the pipelines' cost.
//! Prints one line per rate: `rate on_us off_us` (microseconds per 10 ms, median of 5 runs).

use std::time::Instant as Clock;

use mediacore::{AudioFrame, Codec, Instant, MediaSession, SessionConfig, VoiceSettings};

/// Seconds of call per run.
const SECONDS: usize = 3;

fn config(codec: Codec, voice: bool, seed: u64) -> SessionConfig {
    let mut settings = VoiceSettings::default();
    if voice {
        let c = &mut settings.capture;
        (c.echo_cancellation, c.noise_suppression, c.gain_control) = (true, true, true);
        (c.vad, c.level_meter) = (true, true);
        (settings.playout.vad, settings.playout.level_meter) = (true, true);
    }
    SessionConfig {
        seed,
        ptime: core::time::Duration::from_millis(10),
        rtcp: None,
        quality_interval: None,
        voice: settings,
        ..SessionConfig::new(codec)
    }
}

/// The far end's signal and the microphone's at `rate`: a gliding tone pair with noise,
/// and its 40 ms echo at -10 dB under a near-end tone.
fn signals(rate: usize) -> (Vec<i16>, Vec<i16>) {
    let n = rate * SECONDS;
    let mut seed = 0x1234_5678u32;
    let far: Vec<f64> = (0..n)
        .map(|i| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let t = i as f64 / rate as f64;
            let f = 180.0 + 60.0 * (t * 3.0).sin();
            (t * f * std::f64::consts::TAU).sin() * 6000.0 + f64::from(seed >> 16) * 0.02 - 655.0
        })
        .collect();
    let delay = rate / 25;
    let mic = (0..n)
        .map(|i| {
            let t = i as f64 / rate as f64;
            let echo = if i >= delay {
                far[i - delay] * 0.3
            } else {
                0.0
            };
            (echo + (t * 310.0 * std::f64::consts::TAU).sin() * 1500.0) as i16
        })
        .collect();
    (far.iter().map(|&x| x as i16).collect(), mic)
}

/// Microseconds per 10 ms step of a call with `voice` on or off.
fn run(codec: Codec, rate: usize, voice: bool) -> f64 {
    let (far_pcm, mic) = signals(rate);
    let step = rate / 100;
    let mut far = MediaSession::new(config(codec, false, 2)).expect("far end");
    let packets: Vec<Vec<u8>> = far_pcm
        .chunks_exact(step)
        .enumerate()
        .map(|(i, f)| {
            let now = Instant::from_micros(i as u64 * 10_000);
            far.push_capture(now, &AudioFrame::new(f.to_vec(), rate as u32, 1).unwrap())
                .unwrap();
            far.poll_transmit(now)
                .expect("one packet per frame")
                .to_vec()
        })
        .collect();
    let frames: Vec<AudioFrame> = mic
        .chunks_exact(step)
        .map(|f| AudioFrame::new(f.to_vec(), rate as u32, 1).unwrap())
        .collect();
    let mut runs: Vec<f64> = (0..5)
        .map(|_| {
            let mut near = MediaSession::new(config(codec, voice, 1)).expect("near end");
            let start = Clock::now();
            for (i, (packet, frame)) in packets.iter().zip(&frames).enumerate() {
                let now = Instant::from_micros(i as u64 * 10_000);
                near.handle_rtp(now, packet).unwrap();
                std::hint::black_box(near.pull_playout(now));
                near.push_capture(now, frame).unwrap();
                while near.poll_transmit(now).is_some() {}
                while near.poll_event().is_some() {}
            }
            start.elapsed().as_secs_f64() * 1e6 / frames.len() as f64
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[2]
}

fn main() {
    for (codec, rate) in [(Codec::Pcmu, 8000), (Codec::G722, 16_000)] {
        let on = run(codec, rate, true);
        let off = run(codec, rate, false);
        println!("{rate} {on:.1} {off:.1}");
    }
}
