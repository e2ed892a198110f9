//! One stage of `sonora`'s audio processing (WebRTC APM) on its own, for the default echo
//! canceller and noise suppressor.
//!
//! Each stage gets its own `AudioProcessing` with only that stage enabled, so that turning
//! one stage off or on never re-initialises another (sonora re-initialises every submodule
//! when the set of enabled ones changes) and a disabled stage costs nothing. The price is
//! one more band split and merge per frame at 32 and 48 kHz.

use sonora::config::MaxProcessingRate;
use sonora::{AudioProcessing, Config, StreamConfig};

use super::engine::VoiceError;

/// The sample rates, in Hz, at which the sonora stages run without resampling.
pub const SONORA_RATES: [u32; 4] = [8000, 16_000, 32_000, 48_000];

/// A `sonora` `AudioProcessing` with one stage enabled, on mono 10 ms frames.
#[derive(Debug)]
pub(crate) struct SonoraStage {
    apm: AudioProcessing,
    stream: StreamConfig,
    /// A copy of the capture frame: sonora reads and writes separate buffers.
    input: Vec<f32>,
    /// Where sonora copies the render frame back; unused.
    render_out: Vec<f32>,
}

impl SonoraStage {
    /// A stage at `sample_rate` (one of [`SONORA_RATES`]) running `config`.
    pub(crate) fn new(
        stage: &'static str,
        sample_rate: u32,
        mut config: Config,
    ) -> Result<Self, VoiceError> {
        check_rate(stage, sample_rate)?;
        // Full band at 48 kHz rather than 32 kHz processing with an upsampled top band.
        config.pipeline.maximum_internal_processing_rate = MaxProcessingRate::Rate48kHz;
        config.pipeline.multi_channel_capture = false;
        config.pipeline.multi_channel_render = false;
        let stream = StreamConfig::new(sample_rate, 1);
        let apm = AudioProcessing::builder()
            .config(config)
            .capture_config(stream)
            .render_config(stream)
            .build();
        let len = stream.num_frames();
        Ok(SonoraStage {
            apm,
            stream,
            input: vec![0.0; len],
            render_out: vec![0.0; len],
        })
    }

    /// The stage's rate in Hz.
    pub(crate) fn sample_rate(&self) -> u32 {
        self.stream.sample_rate_hz()
    }

    /// Processes one 10 ms capture frame in place.
    pub(crate) fn capture(&mut self, frame: &mut [f32]) -> Result<(), VoiceError> {
        self.check_len(frame.len())?;
        self.input.copy_from_slice(frame);
        self.apm
            .process_capture_f32(&[&self.input], &mut [frame])
            .map_err(|e| VoiceError::Engine(engine_message(e)))
    }

    /// Gives one 10 ms render (far-end) frame to the stage.
    pub(crate) fn render(&mut self, frame: &[f32]) -> Result<(), VoiceError> {
        self.check_len(frame.len())?;
        self.apm
            .process_render_f32(&[frame], &mut [&mut self.render_out])
            .map_err(|e| VoiceError::Engine(engine_message(e)))
    }

    /// The engine's statistics (echo return loss and its enhancement, delay).
    pub(crate) fn statistics(&self) -> &sonora::AudioProcessingStats {
        self.apm.statistics()
    }

    /// Forgets everything learnt (filters, noise estimates), as after construction.
    pub(crate) fn reset(&mut self) {
        let s = self.stream;
        self.apm.initialize(s, s, s, s);
    }

    fn check_len(&self, len: usize) -> Result<(), VoiceError> {
        let expected = self.stream.num_frames();
        if len == expected {
            Ok(())
        } else {
            Err(VoiceError::EngineFrameLength { len, expected })
        }
    }
}

/// Refuses rates the sonora stages do not run at.
pub(crate) fn check_rate(stage: &'static str, sample_rate: u32) -> Result<(), VoiceError> {
    if SONORA_RATES.contains(&sample_rate) {
        Ok(())
    } else {
        Err(VoiceError::UnsupportedEngineRate {
            stage,
            requested: sample_rate,
            supported: "8000, 16000, 32000, 48000",
        })
    }
}

fn engine_message(e: sonora::Error) -> &'static str {
    match e {
        sonora::Error::InvalidSampleRate { .. } => "sonora refused the sample rate",
        sonora::Error::InvalidChannelCount { .. } => "sonora refused the channel count",
        sonora::Error::ChannelMismatch { .. } => "sonora found mismatched channel counts",
        sonora::Error::StreamParameterClamped => "sonora clamped a stream parameter",
    }
}
