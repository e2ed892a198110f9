//! The capture-side voice pipeline: echo cancellation, then noise suppression, then gain
//! control, on session frames of any whole number of 10 ms.

use crate::dsp::Resampler;

use super::echo::{EchoCanceller, EchoMetrics, SonoraEchoCanceller};
pub use super::engine_config::VoiceError;
use super::engine_config::{EchoEngine, VoiceConfig};
use super::gain::{GainController, GainMetrics, SonoraGainController};
use super::mdf::MdfEchoCanceller;
use super::noise::{NoiseSuppressor, SonoraNoiseSuppressor};

/// Runs AEC → NS → AGC over a session's microphone frames, with the far end's audio as the
/// echo reference.
///
/// The session gives each frame it plays out to [`process_render`](Self::process_render)
/// and each microphone frame to [`process_capture`](Self::process_capture), which cleans
/// it in place. Frames are mono `i16` at the session rate, any whole number of 10 ms; the
/// engines work on 10 ms at the processing rate, resampled to and from when the two rates
/// differ. Each stage can be turned off and on while the call runs; turning one never
/// disturbs the others. All buffers are allocated at construction. (The default echo
/// canceller, sonora's AEC3, still allocates inside itself per frame; see
/// [`SonoraEchoCanceller`].)
///
/// ```
/// use mediacore::voice::{VoiceConfig, VoiceProcessor};
///
/// let mut voice = VoiceProcessor::new(VoiceConfig::new(8000))?;
/// let played = [0i16; 160]; // 20 ms sent to the loudspeaker
/// let mut mic = [0i16; 160]; // the same 20 ms from the microphone
/// voice.process_render(&played)?;
/// voice.process_capture(&mut mic)?;
/// # Ok::<(), mediacore::voice::VoiceError>(())
/// ```
pub struct VoiceProcessor {
    sample_rate: u32,
    processing_rate: u32,
    /// Samples in 10 ms at the session rate.
    session_chunk: usize,
    echo: Box<dyn EchoCanceller>,
    noise: Box<dyn NoiseSuppressor>,
    gain: Box<dyn GainController>,
    echo_on: bool,
    noise_on: bool,
    gain_on: bool,
    /// Present when the processing rate is not the session rate.
    resampling: Option<Box<Resampling>>,
    /// One 10 ms frame at the processing rate.
    samples: Vec<f32>,
}

/// Converters around the engines, and their `i16` frame at the processing rate.
struct Resampling {
    capture_in: Resampler,
    capture_out: Resampler,
    render_in: Resampler,
    engine_frame: Vec<i16>,
}

impl core::fmt::Debug for VoiceProcessor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VoiceProcessor")
            .field("sample_rate", &self.sample_rate)
            .field("processing_rate", &self.processing_rate)
            .field("echo_cancellation", &self.echo_on)
            .field("noise_suppression", &self.noise_on)
            .field("gain_control", &self.gain_on)
            .finish_non_exhaustive()
    }
}

impl VoiceProcessor {
    /// A processor with the echo canceller `config` names (sonora's AEC3 by default), sonora's
    /// noise suppressor and the AGC2-based gain controller.
    pub fn new(config: VoiceConfig) -> Result<Self, VoiceError> {
        let rate = config.validate()?;
        let echo: Box<dyn EchoCanceller> = match config.echo_engine {
            EchoEngine::Aec3 => Box::new(SonoraEchoCanceller::new(rate)?),
            EchoEngine::Mdf => Box::new(MdfEchoCanceller::new(rate)?),
        };
        Self::with_engines(
            config.clone(),
            echo,
            Box::new(SonoraNoiseSuppressor::new(rate, config.noise_level)?),
            Box::new(SonoraGainController::new(rate, config.gain)?),
        )
    }

    /// A processor with engines of the caller's choice, each running at the processing
    /// rate that `config` gives ([`VoiceConfig::validate`]).
    pub fn with_engines(
        config: VoiceConfig,
        echo: Box<dyn EchoCanceller>,
        noise: Box<dyn NoiseSuppressor>,
        gain: Box<dyn GainController>,
    ) -> Result<Self, VoiceError> {
        let rate = config.validate()?;
        for (stage, engine) in [
            ("the echo canceller", echo.sample_rate()),
            ("the noise suppressor", noise.sample_rate()),
            ("the gain controller", gain.sample_rate()),
        ] {
            if engine != rate {
                return Err(VoiceError::EngineRateMismatch {
                    stage,
                    engine,
                    expected: rate,
                });
            }
        }
        let resampling = if rate == config.sample_rate {
            None
        } else {
            let converter = |from, to| {
                Resampler::new(from, to, 1)
                    .map_err(|_| VoiceError::Engine("the resampler refused a voice rate"))
            };
            Some(Box::new(Resampling {
                capture_in: converter(config.sample_rate, rate)?,
                capture_out: converter(rate, config.sample_rate)?,
                render_in: converter(config.sample_rate, rate)?,
                engine_frame: vec![0; rate as usize / 100],
            }))
        };
        Ok(VoiceProcessor {
            sample_rate: config.sample_rate,
            processing_rate: rate,
            session_chunk: config.sample_rate as usize / 100,
            echo,
            noise,
            gain,
            echo_on: config.echo_cancellation,
            noise_on: config.noise_suppression,
            gain_on: config.gain_control,
            resampling,
            samples: vec![0.0; rate as usize / 100],
        })
    }

    /// The session rate in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The rate the engines run at, in Hz.
    pub fn processing_rate(&self) -> u32 {
        self.processing_rate
    }

    /// Session samples by which resampling around the engines delays the capture (0 when
    /// the engines run at the session rate). The engines add their own few samples.
    pub fn resampling_delay(&self) -> usize {
        self.resampling.as_ref().map_or(0, |r| {
            r.capture_in.delay() * self.sample_rate as usize / self.processing_rate as usize
                + r.capture_out.delay()
        })
    }

    /// Whether echo cancellation runs.
    pub fn echo_cancellation(&self) -> bool {
        self.echo_on
    }

    /// Whether noise suppression runs.
    pub fn noise_suppression(&self) -> bool {
        self.noise_on
    }

    /// Whether gain control runs.
    pub fn gain_control(&self) -> bool {
        self.gain_on
    }

    /// Turns echo cancellation on or off. Turned on again, it starts afresh (it heard no
    /// far end meanwhile) and converges again within about a second of far-end speech.
    pub fn set_echo_cancellation(&mut self, on: bool) {
        if on && !self.echo_on {
            self.echo.reset();
            self.restart_resampling_if_idle();
        }
        self.echo_on = on;
    }

    /// Turns noise suppression on or off; turned on again, it keeps its noise estimate.
    pub fn set_noise_suppression(&mut self, on: bool) {
        if on && !self.noise_on {
            self.restart_resampling_if_idle();
        }
        self.noise_on = on;
    }

    /// Turns gain control on or off; turned on again, it keeps its level estimate and gain.
    pub fn set_gain_control(&mut self, on: bool) {
        if on && !self.gain_on {
            self.restart_resampling_if_idle();
        }
        self.gain_on = on;
    }

    /// The echo canceller's own metrics (ERLE, delay), when it is on.
    pub fn echo_metrics(&self) -> Option<EchoMetrics> {
        self.echo_on.then(|| self.echo.metrics())
    }

    /// The gain controller's state, when it is on.
    pub fn gain_metrics(&self) -> Option<GainMetrics> {
        self.gain_on.then(|| self.gain.metrics())
    }

    /// Forgets everything every stage learnt, as after construction (a new call).
    pub fn reset(&mut self) {
        self.echo.reset();
        self.noise.reset();
        self.gain.reset();
        self.reset_resampling();
    }

    /// Gives the echo canceller what the session plays out: mono `i16` at the session
    /// rate, a whole number of 10 ms. Does nothing while echo cancellation is off.
    pub fn process_render(&mut self, frame: &[i16]) -> Result<(), VoiceError> {
        self.check_len(frame.len())?;
        if !self.echo_on {
            return Ok(());
        }
        for chunk in frame.chunks_exact(self.session_chunk) {
            match self.resampling.as_deref_mut() {
                None => to_f32(chunk, &mut self.samples),
                Some(r) => {
                    resample(&mut r.render_in, chunk, &mut r.engine_frame)?;
                    to_f32(&r.engine_frame, &mut self.samples);
                }
            }
            self.echo.analyze_render(&self.samples)?;
        }
        Ok(())
    }

    /// Cleans a microphone frame in place: mono `i16` at the session rate, a whole number
    /// of 10 ms. With every stage off the frame is left exactly as it was.
    ///
    /// Fails, changing nothing, when the frame is not a whole number of 10 ms.
    pub fn process_capture(&mut self, frame: &mut [i16]) -> Result<(), VoiceError> {
        self.check_len(frame.len())?;
        if !self.any_stage_on() {
            return Ok(());
        }
        for chunk in frame.chunks_exact_mut(self.session_chunk) {
            match self.resampling.as_deref_mut() {
                None => to_f32(chunk, &mut self.samples),
                Some(r) => {
                    resample(&mut r.capture_in, chunk, &mut r.engine_frame)?;
                    to_f32(&r.engine_frame, &mut self.samples);
                }
            }
            if self.echo_on {
                self.echo.process_capture(&mut self.samples)?;
            }
            if self.noise_on {
                self.noise.process(&mut self.samples)?;
            }
            if self.gain_on {
                self.gain.process(&mut self.samples)?;
            }
            match self.resampling.as_deref_mut() {
                None => from_f32(&self.samples, chunk),
                Some(r) => {
                    from_f32(&self.samples, &mut r.engine_frame);
                    resample(&mut r.capture_out, &r.engine_frame, chunk)?;
                }
            }
        }
        // VAD hook: a `voice::vad::VoiceDetector` runs next, on `frame` as it leaves here (the
        // gain controller's output at the session rate, so it sees the level and the noise
        // floor the far end will hear), with the capture time the session holds.
        Ok(())
    }

    fn any_stage_on(&self) -> bool {
        self.echo_on || self.noise_on || self.gain_on
    }

    /// The capture converters idle while every stage is off; their held audio is stale.
    fn restart_resampling_if_idle(&mut self) {
        if !self.any_stage_on() {
            self.reset_resampling();
        }
    }

    fn reset_resampling(&mut self) {
        if let Some(r) = self.resampling.as_deref_mut() {
            r.capture_in.reset();
            r.capture_out.reset();
            r.render_in.reset();
        }
    }

    fn check_len(&self, len: usize) -> Result<(), VoiceError> {
        if len.is_multiple_of(self.session_chunk) {
            Ok(())
        } else {
            Err(VoiceError::FrameLength {
                len,
                sample_rate: self.sample_rate,
                per_10ms: self.session_chunk,
            })
        }
    }
}

/// Converts one 10 ms block; 10 ms in always gives 10 ms out at the telephony rates.
fn resample(
    converter: &mut Resampler,
    input: &[i16],
    output: &mut [i16],
) -> Result<(), VoiceError> {
    match converter.process(input, output) {
        Ok(n) if n == output.len() => Ok(()),
        _ => Err(VoiceError::Engine(
            "the resampler did not turn 10 ms into 10 ms",
        )),
    }
}

fn to_f32(input: &[i16], output: &mut [f32]) {
    for (y, x) in output.iter_mut().zip(input) {
        *y = f32::from(*x) / 32768.0;
    }
}

fn from_f32(input: &[f32], output: &mut [i16]) {
    for (y, x) in output.iter_mut().zip(input) {
        // `as` saturates, and turns NaN into 0.
        *y = (x * 32768.0).round() as i16;
    }
}
