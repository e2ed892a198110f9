//! Comfort noise (RFC 3389): the SID payload, its analysis from background audio, and a
//! generator that plays noise of the signalled level and spectrum.
//!
//! A SID payload is one noise-level byte (`-dBov`, 0..=127, where 0 dBov is the RMS of a
//! full-scale square wave) followed by optional reflection coefficients of an all-pole model
//! of the noise, one byte each. The estimator fits that model to a stretch of background
//! (autocorrelation and the Levinson-Durbin recursion); the generator drives the model's
//! synthesis filter with seeded white noise scaled so that the output has the signalled level.
//!
//! Reflection coefficients have the sign of the G.711 Appendix II model that RFC 3389 carries,
//! as bcg729 reads and writes them: the synthesis filter is `y[n] = e[n] + sum a_j y[n-j]`
//! with `a_i = k_i` at step `i` of the recursion, so `k_1 = r(1)/r(0)` is positive for
//! low-pass noise. ffmpeg's `comfortnoise` coder uses the opposite sign
//! (`tests/tests/cn_interop.rs` shows both).

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
/// RFC 3389 §3.2: a coefficient's byte is `k * 2^15 / 258 + 127`, so one step is 258/2^15.
const REFLECTION_STEP: f64 = 258.0 / 32768.0;
/// RFC 3389 §3.2: bytes run from 0 (k = -127 steps) to 254 (k = +127 steps); 127 is zero.
const MAX_REFLECTION_BYTE: u8 = 254;

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

    /// Parses a payload. Fails only when it is empty. The unused top bit of the level byte
    /// is ignored (RFC 3389 §3.1). Coefficients past [`MAX_ORDER`] are dropped, which RFC 3389
    /// §3 allows a decoder ("may reduce the model order"), and byte 255, past the range the
    /// RFC defines, reads as 254 so that every coefficient stays inside (-1, 1).
    pub fn parse(payload: &[u8]) -> Result<Self, RtpError> {
        let (&level, coefficients) = payload.split_first().ok_or(RtpError::Truncated {
            needed: 1,
            actual: 0,
        })?;
        let coefficients = &coefficients[..coefficients.len().min(MAX_ORDER)];
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

    /// Writes the payload into `out`, returning its length. A level past
    /// [`MIN_LEVEL_DBOV`] is written as that lowest level.
    pub fn write(&self, out: &mut [u8]) -> Result<usize> {
        if out.len() < self.len() {
            return Err(CodecError::OutputTooSmall {
                needed: self.len(),
                capacity: out.len(),
            }
            .into());
        }
        out[0] = self.level.min(MIN_LEVEL_DBOV);
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

/// RFC 3389 §3.2: one byte per coefficient, uniform over (-1, 1) in steps of 258/2^15,
/// byte 127 standing for zero.
fn quantize(k: f64) -> u8 {
    ((k / REFLECTION_STEP).round() + 127.0).clamp(0.0, f64::from(MAX_REFLECTION_BYTE)) as u8
}

fn dequantize(q: u8) -> f64 {
    (f64::from(q.min(MAX_REFLECTION_BYTE)) - 127.0) * REFLECTION_STEP
}

/// Fits a [`Sid`] to background audio: its level and an all-pole model of its spectrum.
///
/// The level is that of the samples as given. The model is fitted to them under a Hann
/// window: the autocorrelation of an unwindowed block carries the leakage of its abrupt ends,
/// which fills a low-passed noise's empty upper band to some 30 to 40 dB under its peak.
pub fn estimate(samples: &[i16], order: usize) -> Sid {
    let order = order.min(MAX_ORDER).min(samples.len().saturating_sub(1));
    let mut energy = 0.0f64;
    let mut r = [0.0f64; MAX_ORDER + 1];
    // The last `order + 1` windowed samples, newest at `recent[n % (MAX_ORDER + 1)]`.
    let mut recent = [0.0f64; MAX_ORDER + 1];
    let len = samples.len() as f64;
    for (n, &s) in samples.iter().enumerate() {
        let x = f64::from(s);
        energy += x * x;
        let phase = std::f64::consts::TAU * (n as f64 + 0.5) / len;
        let windowed = x * (0.5 - 0.5 * phase.cos());
        recent[n % (MAX_ORDER + 1)] = windowed;
        for (lag, slot) in r.iter_mut().enumerate().take(order.min(n) + 1) {
            *slot += windowed * recent[(n - lag) % (MAX_ORDER + 1)];
        }
    }
    let rms = if samples.is_empty() {
        0.0
    } else {
        (energy / len).sqrt()
    };
    let level = if rms <= 0.0 {
        MIN_LEVEL_DBOV
    } else {
        (-20.0 * (rms / FULL_SCALE).log10())
            .round()
            .clamp(0.0, f64::from(MIN_LEVEL_DBOV)) as u8
    };
    let mut sid = Sid::white(level);
    if r[0] <= 0.0 || order == 0 {
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
///
/// The synthesis filter runs as a lattice on the reflection coefficients themselves. A
/// direct form built from them loses stability to rounding once the poles crowd the unit
/// circle (order 10 with every coefficient at 254 is enough), and then plays full scale
/// until its state turns to NaN; a lattice with every |k| < 1 cannot.
#[derive(Debug, Clone)]
pub struct NoiseGenerator {
    rng: SeededRng,
    reflection: [f64; MAX_ORDER],
    order: usize,
    gain: f64,
    /// Backward prediction errors b_0..b_{order-1} of the previous sample.
    backward: [f64; MAX_ORDER],
}

impl NoiseGenerator {
    /// A generator, silent until [`NoiseGenerator::update`] is called.
    pub fn new(seed: u64) -> Self {
        NoiseGenerator {
            rng: SeededRng::new(seed),
            reflection: [0.0; MAX_ORDER],
            order: 0,
            gain: 0.0,
            backward: [0.0; MAX_ORDER],
        }
    }

    /// Takes new noise parameters; the filter's memory carries on so there is no click.
    pub fn update(&mut self, sid: &Sid) {
        let ks = sid.reflection();
        self.reflection = [0.0; MAX_ORDER];
        self.reflection[..ks.len()].copy_from_slice(ks);
        // Stages past the new order restart from rest if the order grows again.
        self.backward[ks.len()..].fill(0.0);
        self.order = ks.len();
        // Output variance of 1/A(z) driven by white noise of variance s^2 is
        // s^2 / prod(1 - k^2); uniform noise on [-1, 1) has variance 1/3.
        let shaping: f64 = ks.iter().map(|k| 1.0 - k * k).product();
        self.gain = sid.rms() * (3.0 * shaping).sqrt();
    }

    /// Fills `out` with noise.
    pub fn generate(&mut self, out: &mut [i16]) {
        let order = self.order;
        let ks = &self.reflection[..order];
        let mut forward = [0.0f64; MAX_ORDER];
        for o in out.iter_mut() {
            // Down the lattice: f_{i-1}[n] = f_i[n] + k_i b_{i-1}[n-1], from f_M = excitation.
            let mut f = (self.rng.next_u32() as f64 / 2_147_483_648.0 - 1.0) * self.gain;
            for i in (0..order).rev() {
                f += ks[i] * self.backward[i];
                forward[i] = f;
            }
            // And back up: b_i[n] = b_{i-1}[n-1] - k_i f_{i-1}[n], with b_0[n] = f_0[n] = y.
            for i in (1..order).rev() {
                self.backward[i] = self.backward[i - 1] - ks[i - 1] * forward[i - 1];
            }
            if order > 0 {
                self.backward[0] = f;
            }
            *o = f.round().clamp(-32768.0, 32767.0) as i16;
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
