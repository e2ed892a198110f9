//! Phase-continuous sine oscillators and the voice that sums up to [`MAX_TONES`] of them.
//!
//! Phases are 32-bit fixed-point accumulators, so a tone never drifts and the state after
//! each sample depends only on how many samples came before: output is the same for any
//! chunking of the calls that pull it.

use super::dbm0_to_amplitude;
use super::plan::{MAX_TONES, ToneSet};

/// One turn of the phase accumulator.
const TURN: f64 = 4_294_967_296.0;

/// A sine at a fixed frequency and amplitude.
#[derive(Debug, Clone, Copy, Default)]
struct Oscillator {
    phase: u32,
    step: u32,
    amplitude: f64,
}

impl Oscillator {
    /// Starts at phase zero, so a tone begins at a zero crossing.
    fn new(frequency_hz: f64, sample_rate: u32, amplitude: f64) -> Self {
        // Plans are checked to stay below Nyquist, so the step is below 2^31.
        let step = (frequency_hz / f64::from(sample_rate) * TURN).round();
        Oscillator {
            phase: 0,
            step: step.clamp(0.0, TURN - 1.0) as u32,
            amplitude,
        }
    }

    fn next(&mut self) -> f64 {
        let value = (f64::from(self.phase) * (core::f64::consts::TAU / TURN)).sin();
        self.phase = self.phase.wrapping_add(self.step);
        value * self.amplitude
    }
}

/// The sum of the tones of one [`ToneSet`], optionally amplitude-modulated.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Voice {
    oscillators: [Oscillator; MAX_TONES],
    count: usize,
    /// The modulating sine (amplitude 1) and the depth as a fraction.
    modulator: Option<(Oscillator, f64)>,
}

impl Voice {
    /// A voice that plays silence.
    pub(crate) fn silent() -> Self {
        Voice::default()
    }

    /// A voice for `set` at `sample_rate`, every oscillator at phase zero.
    pub(crate) fn new(set: &ToneSet, sample_rate: u32) -> Self {
        let mut voice = Voice::silent();
        for (slot, tone) in voice.oscillators.iter_mut().zip(set.tones()) {
            *slot = Oscillator::new(
                tone.frequency_hz,
                sample_rate,
                dbm0_to_amplitude(tone.level_dbm0),
            );
        }
        voice.count = set.tones().len();
        voice.modulator = set.modulation().map(|m| {
            (
                Oscillator::new(m.frequency_hz, sample_rate, 1.0),
                m.depth_percent / 100.0,
            )
        });
        voice
    }

    /// The next sample, rounded and saturated to 16 bits.
    pub(crate) fn next_sample(&mut self) -> i16 {
        let mut sum = 0.0;
        for oscillator in &mut self.oscillators[..self.count] {
            sum += oscillator.next();
        }
        if let Some((modulator, depth)) = &mut self.modulator {
            // Envelope between 1 − 2m/(1+m) and 1: the peak never exceeds the carriers' own.
            sum *= (1.0 + *depth * modulator.next()) / (1.0 + *depth);
        }
        sum.round().clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16
    }
}
