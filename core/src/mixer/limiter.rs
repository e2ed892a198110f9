//! The soft limiter every mix goes through on its way from 32-bit sums to 16-bit samples.
//!
//! - Below the threshold nothing changes: while the gain is 1 and the peaks stay under
//!   [`THRESHOLD`], samples pass bit for bit.
//! - Above it a smoothed gain brings the peaks down: it falls at once (within 1 ms, ramped
//!   across the millisecond) and recovers slowly (time constant [`RELEASE`]), so a loud room
//!   is turned down rather than distorted.
//! - A soft knee is the safety net for what the falling gain has not caught yet: above the
//!   threshold, samples are bent smoothly towards full scale and never reach it. Nothing is
//!   ever hard-clipped.

use core::time::Duration;

/// Peaks above this (about -2.5 dBFS) are limited.
pub const THRESHOLD: f32 = 24_576.0;

/// The largest magnitude the knee can give; full scale itself is never reached.
const CEILING: f32 = 32_766.0;

/// How fast the gain recovers after a loud passage: its time constant.
pub const RELEASE: Duration = Duration::from_millis(150);

/// A gain this close to 1 is taken as 1, so the exact path resumes after a release.
const UNITY_SNAP: f32 = 0.999;

/// Per-rate constants shared by every limiter of a mix.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LimiterParams {
    /// Samples per gain step: 1 ms.
    block: usize,
    /// The share of the way to the target gain one release step goes.
    release: f32,
}

impl LimiterParams {
    pub(crate) fn new(sample_rate: u32) -> Self {
        let block = (sample_rate as usize / 1000).max(1);
        let step = block as f64 / f64::from(sample_rate);
        LimiterParams {
            block,
            release: (1.0 - (-step / RELEASE.as_secs_f64()).exp()) as f32,
        }
    }
}

/// One output's limiter: the gain it has reached.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Limiter {
    gain: f32,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter { gain: 1.0 }
    }
}

impl Limiter {
    /// The gain reached, 1 when not limiting.
    #[cfg(test)]
    pub(crate) fn gain(&self) -> f32 {
        self.gain
    }

    /// Writes `input` times `gain` (the listener's output gain, at most +12 dB), limited,
    /// to `out` (as long as `input`).
    pub(crate) fn process(&mut self, p: LimiterParams, input: &[i32], gain: f32, out: &mut [i16]) {
        for (block, o) in input.chunks(p.block).zip(out.chunks_mut(p.block)) {
            let peak = block.iter().map(|x| x.unsigned_abs()).max().unwrap_or(0) as f32 * gain;
            let target = if peak > THRESHOLD {
                THRESHOLD / peak
            } else {
                1.0
            };
            let mut next = if target < self.gain {
                target
            } else {
                self.gain + (target - self.gain) * p.release
            };
            if next > UNITY_SNAP {
                next = 1.0;
            }
            if self.gain == 1.0 && next == 1.0 && gain == 1.0 {
                // Every sample is within the threshold: exact.
                for (o, &x) in o.iter_mut().zip(block) {
                    *o = x as i16;
                }
            } else {
                let step = (next - self.gain) / block.len() as f32;
                for (n, (o, &x)) in o.iter_mut().zip(block).enumerate() {
                    let g = self.gain + step * (n + 1) as f32;
                    *o = soft_knee(x as f32 * gain * g);
                }
            }
            self.gain = next;
        }
    }
}

/// `y` rounded to a sample; above the threshold bent towards (never reaching) full scale
/// with a continuous slope.
fn soft_knee(y: f32) -> i16 {
    let magnitude = y.abs();
    let bent = if magnitude <= THRESHOLD {
        magnitude
    } else {
        let range = CEILING - THRESHOLD;
        let u = (magnitude - THRESHOLD) / range;
        (THRESHOLD + range * u / (1.0 + u)).min(CEILING)
    };
    // Rounds half away from zero; `bent` is at most CEILING, so the cast is exact.
    (bent + 0.5).copysign(y) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(limiter: &mut Limiter, input: &[i32], gain: f32) -> Vec<i16> {
        let mut out = vec![0; input.len()];
        limiter.process(LimiterParams::new(16_000), input, gain, &mut out);
        out
    }

    #[test]
    fn below_the_threshold_samples_pass_unchanged() {
        let input: Vec<i32> = (0..3200)
            .map(|i| ((i as f32 * 0.07).sin() * 24_000.0) as i32)
            .collect();
        let mut l = Limiter::default();
        let out = run(&mut l, &input, 1.0);
        assert!(out.iter().zip(&input).all(|(&o, &i)| i32::from(o) == i));
        assert_eq!(l.gain(), 1.0);
    }

    #[test]
    fn a_loud_sum_is_turned_down_not_clipped() {
        // Ten full-scale sines in phase: ten times full scale.
        let input: Vec<i32> = (0..16_000)
            .map(|i| ((i as f32 * 0.05).sin() * 327_670.0) as i32)
            .collect();
        let mut l = Limiter::default();
        let out = run(&mut l, &input, 1.0);
        assert!(out.iter().all(|&s| s.unsigned_abs() <= CEILING as u16));
        // After the first millisecond the peaks sit at the threshold.
        let settled = out[320..].iter().map(|s| s.unsigned_abs()).max().unwrap();
        assert!(
            (24_000..=25_000).contains(&settled),
            "settled peak {settled}"
        );
        assert!(l.gain() < 0.08);
    }

    #[test]
    fn the_gain_recovers_after_a_loud_passage_and_becomes_exact_again() {
        let loud: Vec<i32> = (0..1600)
            .map(|i| if i % 2 == 0 { 90_000 } else { -90_000 })
            .collect();
        let mut l = Limiter::default();
        run(&mut l, &loud, 1.0);
        assert!(l.gain() < 0.3);
        let quiet: Vec<i32> = (0..24_000).map(|i| (i % 200) - 100).collect();
        let out = run(&mut l, &quiet, 1.0);
        assert_eq!(l.gain(), 1.0);
        let tail = 24_000 - 320;
        assert!(
            out[tail..]
                .iter()
                .zip(&quiet[tail..])
                .all(|(&o, &i)| i32::from(o) == i)
        );
    }

    #[test]
    fn the_knee_is_continuous_and_bounded() {
        assert_eq!(soft_knee(1000.4), 1000);
        assert_eq!(soft_knee(-1000.6), -1001);
        assert_eq!(soft_knee(THRESHOLD), THRESHOLD as i16);
        assert!(soft_knee(THRESHOLD + 10.0) >= THRESHOLD as i16 + 9);
        assert_eq!(soft_knee(1e12), CEILING as i16);
        assert_eq!(soft_knee(-1e12), -(CEILING as i16));
        let mut last = soft_knee(0.0);
        for i in 1..100_000 {
            let s = soft_knee(i as f32);
            assert!(s >= last && s - last <= 1);
            last = s;
        }
    }

    #[test]
    fn an_output_gain_scales_the_mix() {
        let input = vec![1000; 320];
        let mut l = Limiter::default();
        let out = run(&mut l, &input, 0.5);
        assert!(out.iter().all(|&s| s == 500));
    }
}
