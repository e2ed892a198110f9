//! Comfort noise (RFC 3389): the SID payload, its analysis from background audio, and a
//! generator that plays noise of the signalled level and spectrum.
//!
//! A SID payload is one noise-level byte (`-dBov`, 0..=127, where 0 dBov is the RMS of a
//! full-scale square wave) followed by optional reflection coefficients of an all-pole model
//! of the noise, one byte each. The estimator fits that model to a stretch of background
//! (autocorrelation and the Levinson-Durbin recursion); the generator drives the model's
//! synthesis filter with seeded white noise scaled so that the output has the signalled level.

use super::{Codec, CodecInfo, Decoder, Encoder};
use crate::error::{CodecError, Result, RtpError};
use crate::rng::SeededRng;

/// Highest model order carried or used.
pub const MAX_ORDER: usize = 16;
/// Model order the estimator fits by default.
pub const DEFAULT_ORDER: usize = 10;
/// RFC 3389 §3.1: levels run from 0 to -127 dBov.
pub const MIN_LEVEL_DBOV: u8 = 127;
/// Full scale, the reference for dBov.
const FULL_SCALE: f64 = 32767.0;
/// Audio produced per decoded SID payload by the [`Decoder`] interface.
const FRAME_MS: u32 = 20;

/// The content of one comfort-noise payload.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sid {
    /// Noise level as a positive number of dB below overload: 30 means -30 dBov.
    pub level: u8,
    order: usize,
    reflection: [f64; MAX_ORDER],
}

impl Sid {
    /// A SID for white noise at `-level` dBov (no spectral information).
    pub fn white(level: u8) -> Self {
        Sid {
            level: level.min(MIN_LEVEL_DBOV),
            order: 0,
            reflection: [0.0; MAX_ORDER],
        }
    }

    /// The reflection coefficients of the noise model, each in (-1, 1).
    pub fn reflection(&self) -> &[f64] {
        &self.reflection[..self.order]
    }

    /// Parses a payload. Fails when it is empty or carries more than [`MAX_ORDER`]
    /// coefficients; the unused top bit of the level byte is ignored (RFC 3389 §3.1).
    pub fn parse(payload: &[u8]) -> Result<Self, RtpError> {
        let (&level, coefficients) = payload.split_first().ok_or(RtpError::Truncated {
            needed: 1,
            actual: 0,
        })?;
        if coefficients.len() > MAX_ORDER {
            return Err(RtpError::PayloadTooLarge {
                len: payload.len(),
                max: MAX_ORDER + 1,
            });
        }
        let mut reflection = [0.0; MAX_ORDER];
        for (k, &q) in reflection.iter_mut().zip(coefficients) {
            *k = dequantize(q);
        }
        Ok(Sid {
            level: level & 0x7F,
            order: coefficients.len(),
            reflection,
        })
    }

    /// Bytes [`Sid::write`] produces.
    pub fn len(&self) -> usize {
        1 + self.order
    }

    /// Always false: a SID holds at least its level byte.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Writes the payload into `out`, returning its length.
    pub fn write(&self, out: &mut [u8]) -> Result<usize> {
        if out.len() < self.len() {
            return Err(CodecError::OutputTooSmall {
                needed: self.len(),
                capacity: out.len(),
            }
            .into());
        }
        out[0] = self.level & 0x7F;
        for (o, &k) in out[1..].iter_mut().zip(self.reflection()) {
            *o = quantize(k);
        }
        Ok(self.len())
    }

    /// The RMS amplitude the level stands for, in 16-bit sample units.
    pub fn rms(&self) -> f64 {
        FULL_SCALE * 10f64.powf(-f64::from(self.level) / 20.0)
    }
}

/// One byte per coefficient, uniform over (-1, 1): byte 127 is zero.
fn quantize(k: f64) -> u8 {
    (k * 128.0 + 127.0).round().clamp(0.0, 255.0) as u8
}

fn dequantize(q: u8) -> f64 {
    (f64::from(q) - 127.0) / 128.0
}

/// Fits a [`Sid`] to background audio: its level and an all-pole model of its spectrum.
pub fn estimate(samples: &[i16], order: usize) -> Sid {
    let order = order.min(MAX_ORDER).min(samples.len().saturating_sub(1));
    let mut r = [0.0f64; MAX_ORDER + 1];
    for (lag, slot) in r.iter_mut().enumerate().take(order + 1) {
        *slot = samples
            .iter()
            .zip(&samples[lag..])
            .map(|(&a, &b)| f64::from(a) * f64::from(b))
            .sum();
    }
    let energy = r[0];
    let rms = if samples.is_empty() {
        0.0
    } else {
        (energy / samples.len() as f64).sqrt()
    };
    let level = if rms <= 0.0 {
        MIN_LEVEL_DBOV
    } else {
        (-20.0 * (rms / FULL_SCALE).log10())
            .round()
            .clamp(0.0, f64::from(MIN_LEVEL_DBOV)) as u8
    };
    let mut sid = Sid::white(level);
    if energy <= 0.0 || order == 0 {
        return sid;
    }
    // A slight white-noise floor keeps the recursion well conditioned on pure tones.
    r[0] *= 1.0 + 1e-9;
    let mut a = [0.0f64; MAX_ORDER + 1];
    let mut error = r[0];
    for i in 1..=order {
        let acc: f64 = r[i] - (1..i).map(|j| a[j] * r[i - j]).sum::<f64>();
        let k = (acc / error).clamp(-0.999, 0.999);
        let previous = a;
        a[i] = k;
        for j in 1..i {
            a[j] = previous[j] - k * previous[i - j];
        }
        error *= 1.0 - k * k;
        sid.reflection[i - 1] = k;
    }
    sid.order = order;
    sid
}

/// Plays comfort noise described by the last [`Sid`] given, from a seeded generator.
#[derive(Debug, Clone)]
pub struct NoiseGenerator {
    rng: SeededRng,
    /// Direct-form predictor coefficients a[1..=order] of the synthesis filter 1/A(z).
    predictor: [f64; MAX_ORDER + 1],
    order: usize,
    gain: f64,
    history: [f64; MAX_ORDER],
}

impl NoiseGenerator {
    /// A generator, silent until [`NoiseGenerator::update`] is called.
    pub fn new(seed: u64) -> Self {
        NoiseGenerator {
            rng: SeededRng::new(seed),
            predictor: [0.0; MAX_ORDER + 1],
            order: 0,
            gain: 0.0,
            history: [0.0; MAX_ORDER],
        }
    }

    /// Takes new noise parameters; the filter's memory carries on so there is no click.
    pub fn update(&mut self, sid: &Sid) {
        let ks = sid.reflection();
        // Step-up recursion from reflection to predictor coefficients.
        let mut a = [0.0f64; MAX_ORDER + 1];
        for (i, &k) in ks.iter().enumerate() {
            let i = i + 1;
            let previous = a;
            a[i] = k;
            for j in 1..i {
                a[j] = previous[j] - k * previous[i - j];
            }
        }
        self.predictor = a;
        self.order = ks.len();
        // Output variance of 1/A(z) driven by white noise of variance s^2 is
        // s^2 / prod(1 - k^2); uniform noise on [-1, 1) has variance 1/3.
        let shaping: f64 = ks.iter().map(|k| 1.0 - k * k).product();
        self.gain = sid.rms() * (3.0 * shaping).sqrt();
    }

    /// Fills `out` with noise.
    pub fn generate(&mut self, out: &mut [i16]) {
        for o in out.iter_mut() {
            let white = (self.rng.next_u32() as f64 / 2_147_483_648.0 - 1.0) * self.gain;
            let predicted: f64 = (1..=self.order)
                .map(|j| self.predictor[j] * self.history[j - 1])
                .sum();
            let y = white + predicted;
            if self.order > 0 {
                self.history.copy_within(0..self.order - 1, 1);
                self.history[0] = y;
            }
            *o = y.round().clamp(-32768.0, 32767.0) as i16;
        }
    }
}

/// CN behind the [`Encoder`]/[`Decoder`] traits: encoding analyses the given audio into one
/// SID payload; decoding takes a SID payload and plays 20 ms of its noise.
#[derive(Debug, Clone)]
pub struct ComfortNoise {
    sample_rate: u32,
    order: usize,
    generator: NoiseGenerator,
}

impl ComfortNoise {
    /// A CN coder at `sample_rate`, fitting models of [`DEFAULT_ORDER`].
    pub fn new(sample_rate: u32, seed: u64) -> Self {
        ComfortNoise {
            sample_rate,
            order: DEFAULT_ORDER,
            generator: NoiseGenerator::new(seed),
        }
    }

    fn frame_samples(&self) -> usize {
        (self.sample_rate * FRAME_MS / 1000) as usize
    }
}

impl CodecInfo for ComfortNoise {
    fn codec(&self) -> Codec {
        Codec::Cn
    }

    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn channels(&self) -> u16 {
        1
    }
}

impl Encoder for ComfortNoise {
    fn max_payload_len(&self, _samples: usize) -> usize {
        1 + self.order
    }

    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize> {
        estimate(pcm, self.order).write(out)
    }
}

impl Decoder for ComfortNoise {
    fn max_decoded_len(&self, _payload_len: usize) -> usize {
        self.frame_samples()
    }

    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize> {
        let sid = Sid::parse(payload)?;
        let n = self.frame_samples();
        if out.len() < n {
            return Err(CodecError::OutputTooSmall {
                needed: n,
                capacity: out.len(),
            }
            .into());
        }
        self.generator.update(&sid);
        self.generator.generate(&mut out[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests;
