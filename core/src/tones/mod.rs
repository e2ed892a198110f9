//! Tone generation: DTMF digits and cadenced call-progress tones, sample-accurate and
//! allocation-free once built.
//!
//! - [`TonePlan`]: a cadence of parts (tones or silence, each with a duration), with a
//!   play-once intro and a repeated section; built in code, from the compact text form of
//!   [`TonePlan::parse`], or taken from the built-in US and European sets
//!   ([`TonePlan::call_progress`]).
//! - [`ToneGenerator`] plays a plan; [`DtmfGenerator`] plays a queue of digits;
//!   [`generate_dtmf`] renders a digit string in one call.
//!
//! Levels are in dBm0 per tone (see [`dbm0_to_amplitude`] for what that means in 16-bit
//! linear PCM).

mod dtmf;
mod grammar;
mod osc;
mod plan;
mod player;

#[cfg(test)]
mod tests;

pub use dtmf::{
    DTMF_QUEUE_CAPACITY, DtmfGenerator, DtmfOptions, MAX_DTMF_DURATION_MS, generate_dtmf,
};
pub use grammar::PlanParseError;
pub use plan::{
    CallProgressTone, DEFAULT_TONE_LEVEL_DBM0, MAX_FREQUENCY_HZ, MAX_LEVEL_DBM0, MAX_PART_MS,
    MAX_PARTS, MAX_TONES, MIN_FREQUENCY_HZ, MIN_LEVEL_DBM0, Modulation, Repeat, Tone, TonePart,
    TonePlan, ToneRegion, ToneSet,
};
pub use player::{MAX_RENDER_MS, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, ToneGenerator, generate_tone};

/// The level, in dBm0, of the largest sine that 16-bit linear PCM holds (peak 32768).
///
/// ITU-T G.711 puts the A-law coder's overload point at +3.14 dBm0 (µ-law +3.17 dBm0): a sine
/// of +3.14 dBm0 just reaches the largest code, which decodes to full-scale linear PCM. Tools
/// built on G.711 carry the same convention into 16-bit linear audio, e.g. SpanDSP's
/// `DBM0_MAX_SINE_POWER` (`telephony.h`, 3.14, "based on A-law, but u-law is only 0.03dB
/// different"); so do we, so that our levels and theirs agree.
#[allow(clippy::approx_constant)] // G.711's +3.14 dBm0, not π
pub const DBM0_FULL_SCALE_SINE: f64 = 3.14;

/// The peak amplitude, in 16-bit linear units, of a sine at `dbm0` dBm0:
/// `32768 · 10^((dbm0 − 3.14) / 20)`.
///
/// A 0 dBm0 sine has a peak of about 22 827 and an RMS of about 16 141. The level is the
/// power of the sine alone, so two tones at −10 dBm0 each sum to −7 dBm0.
pub fn dbm0_to_amplitude(dbm0: f64) -> f64 {
    32768.0 * 10f64.powf((dbm0 - DBM0_FULL_SCALE_SINE) / 20.0)
}

/// The level in dBm0 of a sine whose peak amplitude is `amplitude` (16-bit linear units);
/// the inverse of [`dbm0_to_amplitude`]. Negative infinity for a zero amplitude.
pub fn amplitude_to_dbm0(amplitude: f64) -> f64 {
    20.0 * (amplitude.abs() / 32768.0).log10() + DBM0_FULL_SCALE_SINE
}

/// The mean power of `samples` in dBm0, on the scale of [`dbm0_to_amplitude`]: a sine of
/// level `L` measures `L`. Negative infinity for silence or an empty slice.
pub fn power_dbm0(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return f64::NEG_INFINITY;
    }
    let energy: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    let mean_square = energy / samples.len() as f64;
    // A full-scale sine has mean square 32768² / 2.
    10.0 * (mean_square / (32768.0 * 32768.0 / 2.0)).log10() + DBM0_FULL_SCALE_SINE
}
