//! Time stretching of decoded speech by whole pitch periods (WSOLA), for the jitter buffer.
//!
//! The playout engine changes its delay by playing speech faster or slower instead of
//! dropping or inserting frames, as WebRTC NetEq's Accelerate and PreemptiveExpand do.
//! [`TimeStretch::accelerate`] removes one pitch period from a stretch of audio and
//! [`TimeStretch::expand`] inserts one, each by overlap-adding two adjacent periods with a
//! linear cross-fade as long as the period, so the waveform stays continuous.
//!
//! The period is the lag between 2.5 and 15 ms with the highest normalised
//! cross-correlation between the span after the first 2 ms and the span one lag later:
//! searched on a copy summed down to about 4 kHz, then refined at the full rate around the
//! best coarse lag and around whole multiples of it (a fractional period, 61.5 samples say,
//! repeats more exactly over two periods than over one). The audio is stretched when that correlation is at least 0.9 (voiced
//! speech), or whatever it is when the analysed span is quiet (below -48 dBFS RMS: pauses,
//! background noise), in which case the longest period that fits is taken. Otherwise the
//! input is passed on unchanged. The first and last 2 ms of the input are never changed, so
//! the result joins what was played before and what comes after.

use crate::error::{Error, Result};

/// The sample rates the stage runs at.
const RATES: core::ops::RangeInclusive<u32> = 8000..=48_000;
/// The shortest pitch period searched, 2.5 ms (400 Hz), in tenths of a millisecond.
const PITCH_MIN_TENTH_MS: usize = 25;
/// The longest pitch period searched, 15 ms (66.7 Hz).
const PITCH_MAX_MS: usize = 15;
/// The least input worked on: one 20 ms packet, room for periods up to 8 ms (125 Hz and
/// up); longer input allows longer periods, the whole range from 34 ms on. A buffer
/// running at low delay has no more than the packet in hand when it needs to expand.
const MIN_INPUT_MS: usize = 20;
/// Samples left unchanged at each end of the input.
const GUARD_MS: usize = 2;
/// The rate of the coarse pitch search (approximately: the decimation factor is whole).
const COARSE_RATE: u32 = 4000;
/// The normalised cross-correlation at which two adjacent periods count as alike (voiced).
const CORRELATION_THRESHOLD: f64 = 0.9;
/// Below this RMS level (-48 dBFS) the analysed span is quiet and stretched regardless.
const QUIET_RMS: f64 = 130.0;

/// What one accelerate/expand call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stretch {
    /// Samples written to the start of the output: input length - `removed` + `inserted`.
    pub produced: usize,
    /// Samples taken out (one pitch period), 0 when the input was passed on unchanged.
    pub removed: usize,
    /// Samples put in (one pitch period), 0 when the input was passed on unchanged.
    pub inserted: usize,
}

/// A WSOLA time stretcher for mono `i16` audio at 8 to 48 kHz.
///
/// It keeps no audio between calls; its only state is scratch space sized at construction,
/// so nothing is allocated after [`TimeStretch::new`].
///
/// ```
/// use mediacore::dsp::TimeStretch;
///
/// let mut ts = TimeStretch::new(8000)?;
/// let input = [0i16; 480]; // silence: always shortened
/// let mut out = [0i16; 480 + 120];
/// let done = ts.accelerate(&input, &mut out)?;
/// assert_eq!(done.produced, input.len() - done.removed);
/// assert!(done.removed > 0);
/// let done = ts.expand(&input, &mut out)?;
/// assert_eq!(done.produced, input.len() + done.inserted);
/// # Ok::<(), mediacore::Error>(())
/// ```
#[derive(Clone)]
pub struct TimeStretch {
    sample_rate: u32,
    pitch_min: usize,
    pitch_max: usize,
    min_input: usize,
    guard: usize,
    /// Full-rate samples summed into one coarse sample.
    step: usize,
    /// Prefix sums of the squared samples of the analysed span: `energy[i]` covers `..i`.
    energy: Vec<i64>,
    /// The analysed span in sums of `step` samples.
    coarse: Vec<i64>,
    /// Prefix sums of the squared coarse samples.
    coarse_energy: Vec<i64>,
    /// Correlation two periods need to count as alike; above 1, only quiet input is
    /// stretched.
    voiced_threshold: f64,
    /// The most one call may remove or insert.
    max_change: usize,
}

impl core::fmt::Debug for TimeStretch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TimeStretch")
            .field("sample_rate", &self.sample_rate)
            .field("pitch_min", &self.pitch_min)
            .field("pitch_max", &self.pitch_max)
            .finish_non_exhaustive()
    }
}

/// Which way a call stretches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Accelerate,
    Expand,
}

impl TimeStretch {
    /// Mono, 8000..=48000 Hz (any rate in that range; error otherwise).
    pub fn new(sample_rate: u32) -> Result<Self> {
        if !RATES.contains(&sample_rate) {
            return Err(Error::InvalidArgument(format!(
                "time stretching runs at 8000 to 48000 Hz; got {sample_rate} Hz"
            )));
        }
        let rate = sample_rate as usize;
        let pitch_max = rate * PITCH_MAX_MS / 1000;
        let step = (sample_rate / COARSE_RATE).max(1) as usize;
        let coarse_len = 2 * pitch_max / step;
        Ok(TimeStretch {
            sample_rate,
            pitch_min: (rate * PITCH_MIN_TENTH_MS).div_ceil(10_000),
            pitch_max,
            min_input: rate * MIN_INPUT_MS / 1000,
            guard: rate * GUARD_MS / 1000,
            step,
            energy: vec![0; 2 * pitch_max + 1],
            coarse: vec![0; coarse_len],
            coarse_energy: vec![0; coarse_len + 1],
            voiced_threshold: CORRELATION_THRESHOLD,
            max_change: usize::MAX,
        })
    }

    /// The sample rate in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Least input length (samples) accelerate/expand work on: 20 ms worth.
    pub fn min_input(&self) -> usize {
        self.min_input
    }

    /// Longest period that can be removed/inserted (samples), so callers size `out` as
    /// `input.len() + max_period()` for expand. Periods longer than `(input.len() - 4 ms) / 2`
    /// are not found, so 15 ms needs 34 ms of input.
    pub fn max_period(&self) -> usize {
        self.pitch_max
    }

    /// Limits how much one call removes or inserts to `samples` (never less than the
    /// shortest period, 2.5 ms): quiet input is changed by at most that much and a voiced
    /// period longer than it is left alone. A caller that needs only a few milliseconds
    /// more or less delay does not overshoot by a whole 15 ms period.
    pub fn set_max_change(&mut self, samples: usize) {
        self.max_change = samples;
    }

    /// Whether periodic (voiced) input may be stretched, or only quiet input (pauses,
    /// background noise, where a removed or repeated period is least audible). Voiced
    /// stretching is on after [`TimeStretch::new`].
    pub fn set_voiced(&mut self, voiced: bool) {
        self.voiced_threshold = if voiced {
            CORRELATION_THRESHOLD
        } else {
            f64::INFINITY
        };
    }

    /// Shortens `input` by one pitch period when the signal allows; writes the result to the
    /// start of `out` (`out.len() >= input.len()`, else [`Error::InvalidArgument`]) and
    /// returns what it did. When input is shorter than [`TimeStretch::min_input`], or the
    /// signal is not periodic enough and not quiet, it copies input unchanged (`removed` 0).
    pub fn accelerate(&mut self, input: &[i16], out: &mut [i16]) -> Result<Stretch> {
        if out.len() < input.len() {
            return Err(Error::InvalidArgument(format!(
                "time stretch accelerate needs an output of at least the input's {} samples; \
                 got {}",
                input.len(),
                out.len()
            )));
        }
        Ok(self.stretch(Direction::Accelerate, input, out))
    }

    /// Lengthens `input` by one pitch period the same way
    /// (`out.len() >= input.len() + max_period()`, else [`Error::InvalidArgument`]).
    pub fn expand(&mut self, input: &[i16], out: &mut [i16]) -> Result<Stretch> {
        let needed = input.len().saturating_add(self.pitch_max);
        if out.len() < needed {
            return Err(Error::InvalidArgument(format!(
                "time stretch expand needs an output of the input's {} samples plus \
                 max_period() {}; got {}",
                input.len(),
                self.pitch_max,
                out.len()
            )));
        }
        Ok(self.stretch(Direction::Expand, input, out))
    }

    /// Splices `input` into `out`, which the callers checked is long enough.
    fn stretch(&mut self, direction: Direction, input: &[i16], out: &mut [i16]) -> Stretch {
        let n = input.len();
        let Some(period) = self.choose_period(input) else {
            out[..n].copy_from_slice(input);
            return Stretch {
                produced: n,
                removed: 0,
                inserted: 0,
            };
        };
        // choose_period keeps guard + 2 * period + guard <= n.
        let (s, p) = (self.guard, period);
        let first = &input[s..s + p];
        let second = &input[s + p..s + 2 * p];
        match direction {
            Direction::Accelerate => {
                // Before, the first period fading into the second, after.
                out[..s].copy_from_slice(&input[..s]);
                crossfade(first, second, &mut out[s..s + p]);
                out[s + p..n - p].copy_from_slice(&input[s + 2 * p..]);
                Stretch {
                    produced: n - p,
                    removed: p,
                    inserted: 0,
                }
            }
            Direction::Expand => {
                // Before and the first period, the second fading into the first, the second
                // and after.
                out[..s + p].copy_from_slice(&input[..s + p]);
                crossfade(second, first, &mut out[s + p..s + 2 * p]);
                out[s + 2 * p..n + p].copy_from_slice(&input[s + p..]);
                Stretch {
                    produced: n + p,
                    removed: 0,
                    inserted: p,
                }
            }
        }
    }

    /// The period to remove or insert after the guard, or `None` to leave `input` as it is.
    /// A returned period `p` satisfies `pitch_min <= p` and `2 * guard + 2 * p <= input.len()`.
    fn choose_period(&mut self, input: &[i16]) -> Option<usize> {
        if input.len() < self.min_input {
            return None;
        }
        // min_input (20 ms) > 2 * guard (4 ms), so this does not underflow.
        let longest = ((input.len() - 2 * self.guard) / 2).min(self.pitch_max);
        if longest < self.pitch_min {
            return None;
        }
        let span = &input[self.guard..self.guard + 2 * longest];
        for (i, &x) in span.iter().enumerate() {
            let x = i64::from(x);
            self.energy[i + 1] = self.energy[i] + x * x;
        }
        let mean_square = self.energy[span.len()] as f64 / span.len() as f64;
        let quiet = mean_square < QUIET_RMS * QUIET_RMS;
        if !quiet && self.voiced_threshold > 1.0 {
            // Only quiet input may change: no pitch to look for.
            return None;
        }
        match self.search(span, longest) {
            Some((lag, r)) if r >= self.voiced_threshold && lag <= self.max_change => Some(lag),
            _ if quiet => Some(longest.min(self.max_change.max(self.pitch_min))),
            _ => None,
        }
    }

    /// The lag in `pitch_min..=longest` whose two adjacent periods at the start of `span`
    /// (`2 * longest` samples, prefix energies in `self.energy`) correlate best, with that
    /// normalised correlation.
    fn search(&mut self, span: &[i16], longest: usize) -> Option<(usize, f64)> {
        let step = self.step;
        let (lo, hi) = (self.pitch_min.div_ceil(step), longest / step);
        let coarse_len = 2 * hi;
        for (k, chunk) in span.chunks_exact(step).take(coarse_len).enumerate() {
            let sum: i64 = chunk.iter().map(|&x| i64::from(x)).sum();
            self.coarse[k] = sum;
            self.coarse_energy[k + 1] = self.coarse_energy[k] + sum * sum;
        }
        let coarse = &self.coarse[..coarse_len];
        let ce = &self.coarse_energy;
        let mut best: Option<(usize, f64)> = None;
        for lag in lo.max(1)..=hi {
            let dot: i64 = coarse[..lag]
                .iter()
                .zip(&coarse[lag..2 * lag])
                .map(|(&a, &b)| a * b)
                .sum();
            let r = normalised(dot, ce[lag], ce[2 * lag] - ce[lag]);
            if best.is_none_or(|(_, b)| r > b) {
                best = Some((lag, r));
            }
        }
        let (coarse_lag, _) = best?;
        let from = (coarse_lag * step).saturating_sub(step).max(self.pitch_min);
        let to = (coarse_lag * step + step).min(longest);
        let mut best = self.refine(span, from, to, None);
        // A fractional period matches better over two or three periods than over one: try
        // whole multiples of the best lag, m samples either side.
        if let Some((lag, _)) = best {
            for m in 2..=longest / lag {
                best = self.refine(span, m * lag - m, (m * lag + m).min(longest), best);
            }
        }
        best
    }

    /// The best of `best` and the lags `from..=to` at the full rate (prefix energies of
    /// `span` in `self.energy`; `2 * to <= span.len()`).
    fn refine(
        &self,
        span: &[i16],
        from: usize,
        to: usize,
        mut best: Option<(usize, f64)>,
    ) -> Option<(usize, f64)> {
        let e = &self.energy;
        for lag in from..=to {
            let dot: i64 = span[..lag]
                .iter()
                .zip(&span[lag..2 * lag])
                .map(|(&a, &b)| i64::from(i32::from(a) * i32::from(b)))
                .sum();
            let r = normalised(dot, e[lag], e[2 * lag] - e[lag]);
            if best.is_none_or(|(_, b)| r > b) {
                best = Some((lag, r));
            }
        }
        best
    }
}

/// `dot / sqrt(ea * eb)`, 0 when either segment is silent.
fn normalised(dot: i64, ea: i64, eb: i64) -> f64 {
    if ea <= 0 || eb <= 0 {
        return 0.0;
    }
    dot as f64 / (ea as f64 * eb as f64).sqrt()
}

/// Writes `from` fading linearly into `to` (all three the same length): the first sample
/// is nearly all `from`, the last nearly all `to`.
fn crossfade(from: &[i16], to: &[i16], out: &mut [i16]) {
    let scale = 1.0 / (out.len() + 1) as f32;
    for (i, ((o, &a), &b)) in out.iter_mut().zip(from).zip(to).enumerate() {
        let w = (i + 1) as f32 * scale;
        let (a, b) = (f32::from(a), f32::from(b));
        // A convex combination of two i16 values stays in range; `as` saturates anyway.
        *o = (a + (b - a) * w).round() as i16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;
    use proptest::prelude::*;

    const TAU: f64 = core::f64::consts::TAU;
    const RATES_TESTED: [u32; 3] = [8000, 16_000, 48_000];

    /// A sum of harmonics of `f0` up to 3.4 kHz with amplitudes `amplitude(f)`, peak 12000.
    fn harmonics(rate: u32, f0: f64, len: usize, amplitude: impl Fn(f64) -> f64) -> Vec<i16> {
        let count = (3400.0 / f0) as usize;
        let raw: Vec<f64> = (0..len)
            .map(|i| {
                let t = i as f64 / f64::from(rate);
                (1..=count)
                    .map(|k| {
                        let f = k as f64 * f0;
                        amplitude(f) * (TAU * f * t + 0.7 * (k * k) as f64).sin()
                    })
                    .sum()
            })
            .collect();
        let peak = raw.iter().fold(1e-9f64, |m, x| m.max(x.abs()));
        raw.iter()
            .map(|x| (x * 12_000.0 / peak).round() as i16)
            .collect()
    }

    /// A 200 Hz tone rich in harmonics (1/k amplitudes).
    fn buzz(rate: u32, len: usize) -> Vec<i16> {
        harmonics(rate, 200.0, len, |f| 200.0 / f)
    }

    /// A vowel-like signal: harmonics of 130 Hz shaped by formants at 700, 1220 and 2600 Hz.
    /// Its period is fractional at every rate tested.
    fn vowel(rate: u32, len: usize) -> Vec<i16> {
        harmonics(rate, 130.0, len, |f| {
            [
                (700.0, 130.0, 1.0),
                (1220.0, 150.0, 0.6),
                (2600.0, 250.0, 0.3),
            ]
            .iter()
            .map(|&(fc, bw, g): &(f64, f64, f64)| g / (1.0 + ((f - fc) / bw).powi(2)))
            .sum::<f64>()
                + 0.02
        })
    }

    /// Uniform white noise with RMS `rms`.
    fn noise(seed: u64, rms: f64, len: usize) -> Vec<i16> {
        let mut rng = SeededRng::new(seed);
        let half = rms * 3f64.sqrt();
        (0..len)
            .map(|_| {
                let u = f64::from(rng.next_u32()) / f64::from(u32::MAX);
                ((u * 2.0 - 1.0) * half).round() as i16
            })
            .collect()
    }

    fn max_step(x: &[i16]) -> i32 {
        x.windows(2)
            .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
            .max()
            .unwrap_or(0)
    }

    /// Asserts `len` is within one sample of a whole number (at least 1) of `period`.
    fn assert_whole_periods(len: usize, period: f64, what: &str) {
        let periods = (len as f64 / period).round();
        assert!(
            periods >= 1.0 && (len as f64 - periods * period).abs() <= 1.0,
            "{what}: {len} samples is not a whole number of {period:.2}-sample periods"
        );
    }

    /// Checks the invariants of every call: counts, unchanged ends, and no click.
    fn check_splice(ts: &TimeStretch, input: &[i16], out: &[i16], done: Stretch, what: &str) {
        assert_eq!(
            done.produced,
            input.len() - done.removed + done.inserted,
            "{what}"
        );
        let out = &out[..done.produced];
        let guard = ts.sample_rate() as usize * GUARD_MS / 1000;
        assert_eq!(out[..guard], input[..guard], "{what}: start changed");
        assert_eq!(
            out[out.len() - guard..],
            input[input.len() - guard..],
            "{what}: end changed"
        );
        let (before, after) = (max_step(input), max_step(out));
        assert!(
            after <= before + before / 20 + 2,
            "{what}: largest step {after}, input's {before}"
        );
    }

    #[test]
    fn periodic_signals_lose_and_gain_whole_periods_without_clicks() {
        for rate in RATES_TESTED {
            let mut ts = TimeStretch::new(rate).unwrap();
            for (name, signal, f0) in [
                ("200 Hz buzz", buzz as fn(u32, usize) -> Vec<i16>, 200.0),
                ("vowel", vowel, 130.0),
            ] {
                let period = f64::from(rate) / f0;
                for ms in [30, 40, 60] {
                    let input = signal(rate, rate as usize * ms / 1000);
                    let mut out = vec![0; input.len() + ts.max_period()];
                    let what = format!("{name}, {ms} ms at {rate} Hz");

                    let done = ts.accelerate(&input, &mut out).unwrap();
                    assert_eq!(done.inserted, 0, "{what}");
                    assert_whole_periods(done.removed, period, &what);
                    check_splice(&ts, &input, &out, done, &format!("accelerate {what}"));

                    let done = ts.expand(&input, &mut out).unwrap();
                    assert_eq!(done.removed, 0, "{what}");
                    assert_whole_periods(done.inserted, period, &what);
                    check_splice(&ts, &input, &out, done, &format!("expand {what}"));
                }
            }
        }
    }

    #[test]
    fn noise_at_speech_level_is_left_unchanged() {
        for rate in RATES_TESTED {
            let mut ts = TimeStretch::new(rate).unwrap();
            for seed in 0..20 {
                let input = noise(seed, 3000.0, rate as usize / 25);
                let mut out = vec![0; input.len() + ts.max_period()];
                let unchanged = Stretch {
                    produced: input.len(),
                    removed: 0,
                    inserted: 0,
                };
                assert_eq!(ts.accelerate(&input, &mut out).unwrap(), unchanged);
                assert_eq!(out[..input.len()], input[..]);
                assert_eq!(ts.expand(&input, &mut out).unwrap(), unchanged);
                assert_eq!(out[..input.len()], input[..]);
            }
        }
    }

    #[test]
    fn quiet_only_mode_leaves_voiced_input_alone_but_still_shortens_pauses() {
        let mut ts = TimeStretch::new(16_000).unwrap();
        let voiced = buzz(16_000, 640);
        let mut out = vec![0i16; 640 + ts.max_period()];
        assert!(ts.accelerate(&voiced, &mut out).unwrap().removed > 0);
        ts.set_voiced(false);
        assert_eq!(ts.accelerate(&voiced, &mut out).unwrap().removed, 0);
        assert_eq!(ts.expand(&voiced, &mut out).unwrap().inserted, 0);
        assert!(ts.accelerate(&[0i16; 640], &mut out).unwrap().removed > 0);
        ts.set_voiced(true);
        assert!(ts.expand(&voiced, &mut out).unwrap().inserted > 0);
        // A 100-sample limit shortens silence by exactly that, and leaves the 200 Hz
        // buzz (80-sample period at 16 kHz, or a multiple) changed by at most it.
        ts.set_max_change(100);
        assert_eq!(ts.accelerate(&[0i16; 640], &mut out).unwrap().removed, 100);
        assert!(ts.accelerate(&voiced, &mut out).unwrap().removed <= 100);
        ts.set_max_change(10);
        assert_eq!(
            ts.accelerate(&[0i16; 640], &mut out).unwrap().removed,
            40,
            "2.5 ms at least"
        );
        assert_eq!(ts.accelerate(&voiced, &mut out).unwrap().removed, 0);
    }

    #[test]
    fn silence_and_quiet_noise_are_stretched_by_the_longest_period_that_fits() {
        for rate in RATES_TESTED {
            let mut ts = TimeStretch::new(rate).unwrap();
            let len = rate as usize / 25; // 40 ms: room for a 15 ms period
            for input in [vec![0; len], noise(7, 40.0, len)] {
                let mut out = vec![0; len + ts.max_period()];
                let done = ts.accelerate(&input, &mut out).unwrap();
                assert_eq!(done.removed, ts.max_period(), "at {rate} Hz");
                check_splice(&ts, &input, &out, done, "quiet accelerate");
                let done = ts.expand(&input, &mut out).unwrap();
                assert_eq!(done.inserted, ts.max_period(), "at {rate} Hz");
                check_splice(&ts, &input, &out, done, "quiet expand");
            }
        }
    }

    #[test]
    fn input_shorter_than_min_input_is_copied_unchanged() {
        for rate in RATES_TESTED {
            let mut ts = TimeStretch::new(rate).unwrap();
            assert_eq!(ts.min_input(), rate as usize * 20 / 1000);
            for input in [buzz(rate, ts.min_input() - 1), vec![0; 10], Vec::new()] {
                let mut out = vec![1; input.len() + ts.max_period()];
                let unchanged = Stretch {
                    produced: input.len(),
                    removed: 0,
                    inserted: 0,
                };
                assert_eq!(ts.accelerate(&input, &mut out).unwrap(), unchanged);
                assert_eq!(out[..input.len()], input[..]);
                assert_eq!(ts.expand(&input, &mut out).unwrap(), unchanged);
                assert_eq!(out[..input.len()], input[..]);
            }
        }
    }

    #[test]
    fn an_output_too_small_is_an_invalid_argument() {
        let mut ts = TimeStretch::new(8000).unwrap();
        assert_eq!(ts.max_period(), 120);
        let input = buzz(8000, 320);
        let mut out = vec![0; 319];
        let err = ts.accelerate(&input, &mut out).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidArgument(m) if m.contains("320")),
            "{err}"
        );
        let mut out = vec![0; 320 + 119];
        let err = ts.expand(&input, &mut out).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidArgument(m) if m.contains("max_period")),
            "{err}"
        );
        // Short input too: the contract does not depend on the signal.
        let err = ts.expand(&[0; 10], &mut [0; 10]).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)));
    }

    #[test]
    fn rates_outside_8_to_48_khz_are_rejected() {
        for rate in [0, 7999, 48_001, 96_000] {
            let err = TimeStretch::new(rate).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidArgument(m) if m.contains(&rate.to_string())),
                "{err}"
            );
        }
        for rate in [8000, 11_025, 22_050, 44_100, 48_000] {
            let ts = TimeStretch::new(rate).unwrap();
            assert_eq!(ts.sample_rate(), rate);
            assert_eq!(ts.max_period(), rate as usize * 15 / 1000);
        }
    }

    proptest! {
        #[test]
        fn any_input_at_any_rate_is_handled(
            rate in RATES,
            input in proptest::collection::vec(any::<i16>(), 0..3000),
            periodic in any::<bool>(),
            extra in 0usize..800,
            short in 0usize..3,
        ) {
            let mut ts = TimeStretch::new(rate).unwrap();
            // Arbitrary samples, or a period of them repeated (so that some calls stretch).
            let input: Vec<i16> = if periodic && !input.is_empty() {
                let p = (input.len() / 8).clamp(1, ts.max_period());
                (0..input.len()).map(|i| input[i % p]).collect()
            } else {
                input
            };
            let n = input.len();
            let mut out = vec![0; (n + extra).saturating_sub(short)];
            for expand in [false, true] {
                let result = if expand {
                    ts.expand(&input, &mut out)
                } else {
                    ts.accelerate(&input, &mut out)
                };
                let needed = if expand { n + ts.max_period() } else { n };
                match result {
                    Err(Error::InvalidArgument(_)) => prop_assert!(out.len() < needed),
                    Err(e) => prop_assert!(false, "unexpected error {e}"),
                    Ok(done) => {
                        prop_assert!(out.len() >= needed);
                        prop_assert_eq!(done.produced, n - done.removed + done.inserted);
                        prop_assert!(done.produced <= out.len());
                        prop_assert!(done.removed <= ts.max_period());
                        prop_assert!(done.inserted <= ts.max_period());
                        prop_assert_eq!(done.inserted == 0, !expand || done.produced == n);
                        prop_assert_eq!(done.removed == 0, expand || done.produced == n);
                        let guard = (rate as usize * GUARD_MS / 1000).min(n);
                        prop_assert_eq!(&out[..guard], &input[..guard]);
                        prop_assert_eq!(
                            &out[done.produced - guard..done.produced],
                            &input[n - guard..]
                        );
                    }
                }
            }
        }
    }
}
