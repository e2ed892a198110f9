//! [`HalfbandDecimator`]: halves the sample rate of float audio one sample at a time, so
//! every input of an even length gives exactly half as many output samples.
//!
//! The Opus decoder uses it to play 8 and 12 kHz: it decodes at 16 or 24 kHz and decimates,
//! as libopus's own decoder resamples its internal rate down. [`super::Resampler`] (rubato)
//! works in 10 ms blocks, so a 2.5 or 5 ms packet would come out late and in bursts; a
//! codec must return the audio of every packet when it is decoded.
//!
//! The filter is a linear-phase half-band FIR (every second tap but the centre is zero)
//! designed here with a Kaiser window: flat within 0.01 dB up to 21.9% of the input rate
//! (3.5 kHz at 16 kHz in), at least 75 dB down from 28.1% (4.5 kHz), so aliasing folds only
//! above 3.5 kHz of the output band, and no lower than -75 dB. Delay: [`HALFBAND_DELAY`]
//! input samples.

/// Taps of the filter: `4k + 3` so that the outermost taps are non-zero.
const TAPS: usize = 91;

/// How many input samples the output lags the input by (half the filter length).
pub const HALFBAND_DELAY: usize = (TAPS - 1) / 2;

/// Kaiser window shape for about 77 dB of stopband attenuation.
const KAISER_BETA: f64 = 7.5;

/// A 2:1 decimator for up to two interleaved channels of `f32` audio.
#[derive(Debug, Clone)]
pub struct HalfbandDecimator {
    /// The non-zero side taps `h[c - 1], h[c - 3], …` (equal to their mirror images).
    side: Vec<f32>,
    /// The centre tap.
    centre: f32,
    channels: usize,
    /// Per channel, the last `TAPS` inputs, stored twice so any window is contiguous.
    history: Vec<f32>,
    /// Where the next input goes in each channel's ring, `0..TAPS`.
    pos: usize,
    /// Whether the next input completes a pair (and so produces an output).
    odd: bool,
}

impl HalfbandDecimator {
    /// A decimator for `channels` (1 or 2) interleaved channels, starting from silence.
    pub fn new(channels: u16) -> Self {
        let centre_index = (TAPS - 1) / 2;
        let ideal = |n: usize| -> f64 {
            // sinc lowpass with cutoff at a quarter of the input rate.
            let k = n as f64 - centre_index as f64;
            if k == 0.0 {
                0.5
            } else {
                let x = core::f64::consts::FRAC_PI_2 * k;
                x.sin() / (core::f64::consts::PI * k)
            }
        };
        let window = |n: usize| -> f64 {
            let r = 2.0 * n as f64 / (TAPS - 1) as f64 - 1.0;
            bessel_i0(KAISER_BETA * (1.0 - r * r).max(0.0).sqrt()) / bessel_i0(KAISER_BETA)
        };
        let taps: Vec<f64> = (0..TAPS).map(|n| ideal(n) * window(n)).collect();
        // Normalise to unity gain at DC.
        let sum: f64 = taps.iter().sum();
        let side = (1..=centre_index)
            .step_by(2)
            .map(|d| (taps[centre_index - d] / sum) as f32)
            .collect();
        let channels = usize::from(channels.clamp(1, 2));
        HalfbandDecimator {
            side,
            centre: (taps[centre_index] / sum) as f32,
            channels,
            history: vec![0.0; channels * 2 * TAPS],
            pos: 0,
            odd: false,
        }
    }

    /// Forgets the history, as after construction.
    pub fn reset(&mut self) {
        self.history.fill(0.0);
        self.pos = 0;
        self.odd = false;
    }

    /// Decimates interleaved `input` into `output`, returning the interleaved samples
    /// written: half of `input` when it holds an even number of frames. `output` must hold
    /// at least that many (extra input frames are kept track of across calls).
    pub fn process(&mut self, input: &[f32], output: &mut [f32]) -> usize {
        let mut written = 0;
        for frame in input.chunks_exact(self.channels) {
            for (ch, &x) in frame.iter().enumerate() {
                let ring = &mut self.history[ch * 2 * TAPS..(ch + 1) * 2 * TAPS];
                ring[self.pos] = x;
                ring[self.pos + TAPS] = x;
            }
            self.pos = (self.pos + 1) % TAPS;
            if self.odd {
                for ch in 0..self.channels {
                    if let Some(slot) = output.get_mut(written) {
                        *slot = self.filter(ch);
                    }
                    written += 1;
                }
            }
            self.odd = !self.odd;
        }
        written.min(output.len())
    }

    /// The filter output for channel `ch` over the last `TAPS` inputs.
    fn filter(&self, ch: usize) -> f32 {
        // The window, oldest first: the ring from `pos` on.
        let ring = &self.history[ch * 2 * TAPS..(ch + 1) * 2 * TAPS];
        let window = &ring[self.pos..self.pos + TAPS];
        let c = (TAPS - 1) / 2;
        let mut acc = self.centre * window[c];
        for (i, &h) in self.side.iter().enumerate() {
            let d = 2 * i + 1;
            acc += h * (window[c - d] + window[c + d]);
        }
        acc
    }
}

/// The modified Bessel function of the first kind, order zero, by its power series.
fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let half = x / 2.0;
    for k in 1..50 {
        term *= (half / k as f64) * (half / k as f64);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gain in dB of a sine at `freq` (a fraction of the input rate) through the decimator.
    fn gain_db(freq: f64) -> f64 {
        let mut d = HalfbandDecimator::new(1);
        let input: Vec<f32> = (0..8000)
            .map(|n| (2.0 * core::f64::consts::PI * freq * n as f64).sin() as f32)
            .collect();
        let mut out = vec![0.0; 4000];
        assert_eq!(d.process(&input, &mut out), 4000);
        let tail = &out[1000..];
        let rms = (tail
            .iter()
            .map(|&x| f64::from(x) * f64::from(x))
            .sum::<f64>()
            / tail.len() as f64)
            .sqrt();
        20.0 * (rms * 2f64.sqrt()).log10()
    }

    #[test]
    fn passband_is_flat_and_stopband_is_75_db_down() {
        for f in [0.01, 0.05, 0.1, 0.15, 0.2, 0.219] {
            let g = gain_db(f);
            assert!(g.abs() < 0.01, "{f}: {g} dB");
        }
        for f in [0.281, 0.3, 0.35, 0.4, 0.45, 0.49] {
            let g = gain_db(f);
            assert!(g < -75.0, "{f}: {g} dB");
        }
    }

    #[test]
    fn output_is_exactly_half_and_delayed_by_half_the_filter() {
        let mut d = HalfbandDecimator::new(2);
        // An impulse on the left channel at input frame 10 (even, so it lands on an output).
        let mut input = vec![0.0f32; 2 * 200];
        input[2 * 10] = 1.0;
        let mut out = vec![0.0f32; 200];
        // Split unevenly across calls: the result must not depend on it.
        let a = d.process(&input[..2 * 33], &mut out);
        let b = d.process(&input[2 * 33..], &mut out[a..]);
        assert_eq!(a + b, 200);
        let left: Vec<f32> = out.iter().step_by(2).copied().collect();
        let right: Vec<f32> = out.iter().skip(1).step_by(2).copied().collect();
        assert!(right.iter().all(|&x| x == 0.0));
        // The centre tap answers at input frame 10 + HALFBAND_DELAY.
        let peak = left
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .unwrap()
            .0;
        assert_eq!(2 * peak + 1, 10 + HALFBAND_DELAY);
    }
}
