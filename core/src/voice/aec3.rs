//! WebRTC's AEC3 driven block by block through `sonora-aec3`, with its configuration in
//! reach.
//!
//! sonora's `AudioProcessing` builds AEC3 with a fixed configuration. Here the block
//! processor is built directly with an [`EchoCanceller3Config`] of the caller's choice, and
//! this module does what sonora's wrapper would have done around it: the framing (10 ms
//! frames into 4 ms blocks and back), the scaling to `i16` units, the saturation flag and
//! the capture high-pass filter.

use sonora_aec3::block::Block;
use sonora_aec3::block_processor::BlockProcessor;
use sonora_aec3::common::BLOCK_SIZE;
pub use sonora_aec3::config::EchoCanceller3Config;

use super::echo::{EchoCanceller, EchoMetrics};
use super::engine::VoiceError;

/// The one rate AEC3 runs at without a band split.
pub const AEC3_RATE: u32 = 16_000;

/// Samples in 10 ms at [`AEC3_RATE`].
const FRAME: usize = AEC3_RATE as usize / 100;

/// 10 ms is 2.5 blocks: the output lags the input by half a block so that every 10 ms in
/// gives 10 ms out.
const LATENCY: usize = BLOCK_SIZE / 2;

/// Capacity of the output queue: what one frame can leave plus what it can add.
const QUEUE: usize = LATENCY + FRAME + BLOCK_SIZE;

/// AEC3 works on `i16`-scaled samples; the trait's are 1.0 at full scale.
const SCALE: f32 = 32768.0;

/// WebRTC flags the capture as saturated from this magnitude (in `i16` units) on.
const SATURATION: f32 = 32700.0;

/// WebRTC's AEC3 (through `sonora-aec3`) as an [`EchoCanceller`] at 16 kHz, with any
/// [`EchoCanceller3Config`].
///
/// Delay search, linear filter, residual echo suppressor and comfort noise are AEC3's;
/// the capture is high-passed first (as WebRTC does with AEC3). Runs at 16 kHz only: a
/// [`VoiceProcessor`](super::VoiceProcessor) given `processing_rate: Some(16000)` resamples
/// other session rates to it. Adds 2 ms of delay (half a 4 ms block). The framing here
/// allocates nothing per frame; AEC3 itself still builds small vectors per block inside
/// `sonora-aec3`.
///
/// With WebRTC's default configuration it behaves as [`SonoraEchoCanceller`] does; no
/// configuration measured so far keeps the near end at PESQ 3.0 in double talk without
/// losing the single-talk ERLE or the recovery after an echo-path change (see
/// docs/BENCHMARKS.md, "Voice processing"), so it is not the default engine.
///
/// [`SonoraEchoCanceller`]: super::SonoraEchoCanceller
#[derive(Debug)]
pub struct Aec3EchoCanceller {
    config: EchoCanceller3Config,
    processor: Box<BlockProcessor>,
    high_pass: HighPass,
    /// The render block being filled, and how many samples it holds.
    render: Block,
    render_fill: usize,
    /// The capture block being filled, and how many samples it holds.
    capture: Block,
    capture_fill: usize,
    /// Processed capture waiting to leave, oldest first: `queue[..queued]`.
    queue: [f32; QUEUE],
    queued: usize,
    saturated: bool,
}

impl Aec3EchoCanceller {
    /// An AEC3 at `sample_rate` Hz (which must be 16000) with WebRTC's default
    /// configuration.
    pub fn new(sample_rate: u32) -> Result<Self, VoiceError> {
        Self::with_config(sample_rate, EchoCanceller3Config::default())
    }

    /// An AEC3 at `sample_rate` Hz (which must be 16000) with `config`, whose values are
    /// first clamped to AEC3's ranges ([`EchoCanceller3Config::validate`]).
    pub fn with_config(
        sample_rate: u32,
        mut config: EchoCanceller3Config,
    ) -> Result<Self, VoiceError> {
        if sample_rate != AEC3_RATE {
            return Err(VoiceError::UnsupportedEngineRate {
                stage: "the AEC3 echo canceller",
                requested: sample_rate,
                supported: "16000",
            });
        }
        config.validate();
        let mut aec = Aec3EchoCanceller {
            processor: Box::new(BlockProcessor::new(&config, AEC3_RATE as usize, 1, 1)),
            config,
            high_pass: HighPass::new(AEC3_RATE),
            render: Block::new(1, 1),
            render_fill: 0,
            capture: Block::new(1, 1),
            capture_fill: 0,
            queue: [0.0; QUEUE],
            queued: 0,
            saturated: false,
        };
        aec.clear_framing();
        Ok(aec)
    }

    fn clear_framing(&mut self) {
        self.render_fill = 0;
        self.capture_fill = 0;
        self.queue = [0.0; QUEUE];
        self.queued = LATENCY;
        self.high_pass.reset();
        self.saturated = false;
    }

    fn check_len(len: usize) -> Result<(), VoiceError> {
        if len == FRAME {
            Ok(())
        } else {
            Err(VoiceError::EngineFrameLength {
                len,
                expected: FRAME,
            })
        }
    }
}

impl EchoCanceller for Aec3EchoCanceller {
    fn sample_rate(&self) -> u32 {
        AEC3_RATE
    }

    fn analyze_render(&mut self, render: &[f32]) -> Result<(), VoiceError> {
        Self::check_len(render.len())?;
        let mut rest = render;
        while !rest.is_empty() {
            let take = (BLOCK_SIZE - self.render_fill).min(rest.len());
            let (now, later) = rest.split_at(take);
            let block = &mut self.render.view_mut(0, 0)[self.render_fill..self.render_fill + take];
            for (y, x) in block.iter_mut().zip(now) {
                *y = finite(*x) * SCALE;
            }
            self.render_fill += take;
            rest = later;
            if self.render_fill == BLOCK_SIZE {
                self.processor.buffer_render(&self.render);
                self.render_fill = 0;
            }
        }
        Ok(())
    }

    fn process_capture(&mut self, capture: &mut [f32]) -> Result<(), VoiceError> {
        Self::check_len(capture.len())?;
        // As WebRTC: saturation is judged on the capture as it came, before the high-pass.
        self.saturated = capture.iter().any(|x| (x * SCALE).abs() >= SATURATION);
        let mut start = 0;
        while start < capture.len() {
            let take = (BLOCK_SIZE - self.capture_fill).min(capture.len() - start);
            let block =
                &mut self.capture.view_mut(0, 0)[self.capture_fill..self.capture_fill + take];
            for (y, x) in block.iter_mut().zip(&capture[start..start + take]) {
                *y = self.high_pass.process(finite(*x) * SCALE);
            }
            self.capture_fill += take;
            start += take;
            if self.capture_fill == BLOCK_SIZE {
                self.processor
                    .process_capture(false, self.saturated, None, &mut self.capture);
                self.processor.update_echo_leakage_status(false);
                let out = &mut self.queue[self.queued..self.queued + BLOCK_SIZE];
                out.copy_from_slice(self.capture.view(0, 0));
                self.queued += BLOCK_SIZE;
                self.capture_fill = 0;
            }
        }
        // Invariant: LATENCY primed samples plus whole blocks always cover the frame, since
        // every frame boundary falls on a block boundary or half way through one.
        if self.queued < FRAME {
            return Err(VoiceError::Engine("the AEC3 framing fell behind"));
        }
        for (y, x) in capture.iter_mut().zip(&self.queue[..FRAME]) {
            *y = (x / SCALE).clamp(-1.0, 1.0);
        }
        self.queue.copy_within(FRAME..self.queued, 0);
        self.queued -= FRAME;
        Ok(())
    }

    fn metrics(&self) -> EchoMetrics {
        let m = self.processor.get_metrics();
        let finite = |v: f64| v.is_finite().then_some(v as f32);
        EchoMetrics {
            erl_db: finite(m.echo_return_loss),
            erle_db: finite(m.echo_return_loss_enhancement),
            delay_ms: u32::try_from(m.delay_ms).ok(),
        }
    }

    // Rebuilds AEC3 from the configuration: it allocates, as construction does.
    fn reset(&mut self) {
        *self.processor = BlockProcessor::new(&self.config, AEC3_RATE as usize, 1, 1);
        self.clear_framing();
    }
}

/// `x`, or silence for NaN and infinities (which would poison AEC3's state for good).
fn finite(x: f32) -> f32 {
    if x.is_finite() { x } else { 0.0 }
}

/// A second-order Butterworth high-pass (bilinear transform), to take DC and rumble off the
/// capture before AEC3 as WebRTC's capture high-pass does.
#[derive(Debug, Clone)]
struct HighPass {
    b: [f32; 3],
    a: [f32; 2],
    x: [f32; 2],
    y: [f32; 2],
}

impl HighPass {
    /// Corner frequency in Hz.
    const CORNER_HZ: f32 = 80.0;

    fn new(rate: u32) -> Self {
        let k = (core::f32::consts::PI * Self::CORNER_HZ / rate as f32).tan();
        let q = core::f32::consts::FRAC_1_SQRT_2;
        let norm = 1.0 / (1.0 + k / q + k * k);
        HighPass {
            b: [norm, -2.0 * norm, norm],
            a: [2.0 * (k * k - 1.0) * norm, (1.0 - k / q + k * k) * norm],
            x: [0.0; 2],
            y: [0.0; 2],
        }
    }

    // Rebuilds AEC3 from the configuration: it allocates, as construction does.
    fn reset(&mut self) {
        self.x = [0.0; 2];
        self.y = [0.0; 2];
    }

    fn process(&mut self, x: f32) -> f32 {
        let y = self.b[0] * x + self.b[1] * self.x[0] + self.b[2] * self.x[1]
            - self.a[0] * self.y[0]
            - self.a[1] * self.y[1];
        self.x = [x, self.x[0]];
        self.y = [y, self.y[0]];
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeded noise in [-0.5, 0.5).
    fn noise(seed: &mut u32) -> f32 {
        *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (*seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
    }

    #[test]
    fn runs_at_16_khz_on_10_ms_frames_only() {
        assert!(matches!(
            Aec3EchoCanceller::new(8000),
            Err(VoiceError::UnsupportedEngineRate {
                requested: 8000,
                ..
            })
        ));
        let mut aec = Aec3EchoCanceller::new(16_000).unwrap();
        assert_eq!(aec.sample_rate(), 16_000);
        let mut short = [0.0f32; 100];
        assert_eq!(
            aec.process_capture(&mut short),
            Err(VoiceError::EngineFrameLength {
                len: 100,
                expected: 160
            })
        );
        assert!(aec.analyze_render(&short).is_err());
        // Still usable, and NaN comes out as silence rather than poisoning the state.
        let mut frame = [f32::NAN; 160];
        aec.analyze_render(&frame).unwrap();
        aec.process_capture(&mut frame).unwrap();
        assert!(frame.iter().all(|x| x.is_finite()));
    }

    #[test]
    fn passes_the_capture_through_half_a_block_late_before_any_render() {
        let mut aec = Aec3EchoCanceller::new(16_000).unwrap();
        let mut seed = 5;
        let tone: Vec<f32> = (0..1600).map(|_| 0.3 * noise(&mut seed)).collect();
        let mut out = tone.clone();
        for frame in out.chunks_mut(FRAME) {
            aec.process_capture(frame).unwrap();
        }
        let score = |lag: usize| -> f32 {
            tone.iter()
                .zip(&out[lag..])
                .skip(320)
                .map(|(a, b)| a * b)
                .sum()
        };
        let best = (0..64)
            .max_by(|&a, &b| score(a).total_cmp(&score(b)))
            .unwrap();
        assert_eq!(best, LATENCY);
    }

    #[test]
    fn cancels_a_delayed_echo_of_noise() {
        let mut aec = Aec3EchoCanceller::new(16_000).unwrap();
        let mut seed = 1;
        let far: Vec<f32> = (0..16_000 * 4).map(|_| 0.2 * noise(&mut seed)).collect();
        let delay = 16 * 30; // 30 ms
        let mic: Vec<f32> = (0..far.len())
            .map(|n| n.checked_sub(delay).map_or(0.0, |m| 0.5 * far[m]))
            .collect();
        let mut out = mic.clone();
        for (f, m) in far.chunks(FRAME).zip(out.chunks_mut(FRAME)) {
            aec.analyze_render(f).unwrap();
            aec.process_capture(m).unwrap();
        }
        let power = |x: &[f32]| x.iter().map(|v| v * v).sum::<f32>();
        let last = 16_000;
        let erle =
            10.0 * (power(&mic[mic.len() - last..]) / power(&out[out.len() - last..])).log10();
        assert!(erle > 25.0, "ERLE {erle} dB");
        assert!(aec.metrics().delay_ms.is_some());
    }
}
