//! Our own acoustic echo canceller: a partitioned-block frequency-domain adaptive filter
//! (multidelay block filter, MDF) long enough for an office's reverberation, run as two
//! filters so that the near end's speech cannot disturb the one that is heard, and a
//! residual-echo suppressor sized by the leakage it measures.
//!
//! - **Filter.** 10 ms blocks, overlap-save with FFTs of 20 ms; the echo path is modelled by
//!   `M` partitions of 10 ms each (400 ms by default, from no delay on), updated every block
//!   with the gradient constrained to 10 ms of taps (J.-S. Soo and K. K. Pang, "Multidelay
//!   block frequency domain adaptive filter", IEEE Trans. ASSP 38(2), 1990). The update of
//!   each bin is normalised by the far end's power in that bin over the whole filter, and
//!   shared among the partitions partly in proportion to their magnitudes.
//! - **Two paths.** A *background* filter adapts at a fixed step whenever the far end is
//!   active; it converges and tracks path changes as fast as a normalised filter can, and
//!   in double talk it is led astray by the near end. The *foreground* filter, whose error
//!   is what leaves, never adapts: it takes the background's coefficients when the
//!   background's error energy, averaged over about 50 ms, is 0.8 of the foreground's or
//!   less (half or less while double talk is detected), and the background is put back to
//!   the foreground when its error is four times larger (the two-path scheme of Speex's
//!   echo canceller, with a plainer test). A background adapting in double talk can lower
//!   its error by cancelling part of the near end, so the margin is wide whenever the near
//!   end may be talking (`double_talk_neither_stops_nor_disturbs_a_converged_filter`).
//! - **Double talk.** The microphone's power against the foreground's echo estimate,
//!   broadband: more than twice it, in this block or smoothed over about 30 ms, is the near
//!   end talking, held for 300 ms. The echo estimate keeps its level through a change of
//!   echo path (the room's response changes its detail, not its energy), so a misadjusted
//!   filter alone does not look like double talk.
//! - **Leakage.** Outside double talk, per band (eight of equal width) the share of the
//!   echo estimate's power left in the error, tracked within about 50 ms; in double talk it
//!   stays as it was.
//! - **Suppressor.** A short-time spectral gain on the foreground's output (sine windows,
//!   20 ms, half overlapped, so 10 ms of delay) removes a residual echo estimated as the
//!   band's leakage times the echo estimate's power, that power held with a decay of about
//!   1 dB per 10 ms (the reverberation, a moved delay). Outside double talk the residual
//!   is taken `overestimate` times and from the largest of the two bins either side: what
//!   is left of the echo goes (40 dB at most). In double talk it is taken once, bin by bin:
//!   the near end passes almost untouched and only the residual's estimate is cut.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::echo::{EchoCanceller, EchoMetrics};
use super::engine::VoiceError;

/// The rates, in Hz, [`MdfEchoCanceller`] runs at.
pub const MDF_RATES: [u32; 4] = [8000, 16_000, 32_000, 48_000];

/// Render frames held between `analyze_render` and `process_capture` (160 ms); past it the
/// oldest is dropped.
const RENDER_FRAMES: usize = 16;

/// Far-end mean square (full scale 1.0) from which a block counts as far-end activity:
/// -60 dBov.
const FAR_ACTIVE: f32 = 1e-6;

/// How [`MdfEchoCanceller`] is set up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MdfConfig {
    /// The echo path modelled, in ms from no delay on (rounded up to 10 ms partitions);
    /// 50 to 1000. Default 400: an office's direct path after up to 100 ms of device delay,
    /// and 300 ms of its reverberation (an RT60 of 400 ms down by 45 dB).
    pub filter_ms: u32,
    /// The background filter's step (normalised), 0.05 to 1. Default 0.7.
    pub max_step: f32,
    /// Runs the residual-echo suppressor. Default on.
    pub suppressor: bool,
    /// The suppressor's deepest cut in dB (a positive number), 0 to 60. Default 40.
    pub max_suppression_db: f32,
    /// How many times the estimated residual echo the suppressor removes, 0.5 to 10.
    /// Default 4.
    pub overestimate: f32,
}

impl Default for MdfConfig {
    fn default() -> Self {
        MdfConfig {
            filter_ms: 400,
            max_step: 0.7,
            suppressor: true,
            max_suppression_db: 40.0,
            overestimate: 4.0,
        }
    }
}

impl MdfConfig {
    fn validate(&self) -> Result<(), VoiceError> {
        let bad = |name: &'static str, value: String, expected: &str| {
            Err(VoiceError::InvalidParameter {
                name,
                value,
                expected: expected.to_owned(),
            })
        };
        if !(50..=1000).contains(&self.filter_ms) {
            return bad("filter_ms", self.filter_ms.to_string(), "50 to 1000 ms");
        }
        if !(0.05..=1.0).contains(&self.max_step) {
            return bad("max_step", self.max_step.to_string(), "0.05 to 1");
        }
        if !(0.0..=60.0).contains(&self.max_suppression_db) {
            return bad(
                "max_suppression_db",
                self.max_suppression_db.to_string(),
                "0 to 60 dB",
            );
        }
        if !(0.5..=10.0).contains(&self.overestimate) {
            return bad("overestimate", self.overestimate.to_string(), "0.5 to 10");
        }
        Ok(())
    }
}

/// A two-path partitioned-block frequency-domain adaptive filter and a residual-echo
/// suppressor, as an [`EchoCanceller`] (see the module docs).
///
/// Runs at 8, 16, 32 or 48 kHz on 10 ms frames; adds 10 ms of delay (the suppressor's
/// overlap). Everything is allocated at construction; deterministic; no clock, no thread.
pub struct MdfEchoCanceller {
    config: MdfConfig,
    rate: u32,
    /// Samples in a block (10 ms).
    n: usize,
    /// Bins of a 2n-point real FFT.
    bins: usize,
    /// Partitions.
    m: usize,
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    scratch: Vec<Complex<f32>>,
    /// A 2n-sample time buffer and a spectrum, both working space.
    time: Vec<f32>,
    spectrum: Vec<Complex<f32>>,

    /// Render frames waiting, `RENDER_FRAMES` of `n`, a ring.
    render: Vec<f32>,
    render_start: usize,
    render_len: usize,
    /// The previous render block (the first half of the next FFT).
    far_prev: Vec<f32>,
    /// Far-end spectra, newest at `x_head`, partition `p` at `(x_head + p) % m`: `m * bins`.
    x: Vec<Complex<f32>>,
    x_head: usize,
    /// The background filter (adapting every block), partition by partition: `m * bins`.
    w: Vec<Complex<f32>>,
    /// The foreground filter (the one heard), a copy of the background taken whenever the
    /// background has shown itself better: `m * bins`.
    wf: Vec<Complex<f32>>,
    /// Per bin: the far end's power over the filter, and this block's step over it.
    far_power: Vec<f32>,
    step: Vec<f32>,
    /// The background's echo estimate and error of this block, time domain.
    yb: Vec<f32>,
    eb: Vec<f32>,
    /// The foreground's and the background's error energies, averaged over about 50 ms.
    fore_energy: f32,
    back_energy: f32,
    /// Times the foreground has taken the background's coefficients.
    copies: u64,
    /// Proportionate share of the step per partition (sums to 1).
    gain: Vec<f32>,
    /// The echo estimate and the error of this block, time domain.
    y: Vec<f32>,
    e: Vec<f32>,
    /// Spectra of the zero-padded error and echo estimate.
    e_spec: Vec<Complex<f32>>,
    y_spec: Vec<Complex<f32>>,
    /// Per band: the leakage (the share of the echo estimate's power left in the error),
    /// and the smoothed powers of the microphone, the echo estimate and the error.
    eta: [f32; BANDS],
    band_mic: [f32; BANDS],
    band_echo: [f32; BANDS],
    band_error: [f32; BANDS],
    /// Blocks left of double talk (the near end heard).
    near_hold: u32,
    /// Blocks of far-end activity seen (for the first convergence).
    far_blocks: u32,

    /// Suppressor: sine window (2n), last block of error and echo estimate, overlap-add
    /// tail (n), smoothed powers per bin.
    window: Vec<f32>,
    e_prev: Vec<f32>,
    y_prev: Vec<f32>,
    overlap: Vec<f32>,
    pf_error: Vec<f32>,
    pf_echo: Vec<f32>,

    /// Metrics: smoothed capture, output, far-end and echo-estimate powers in far-end
    /// activity, and the partition holding most of the filter's energy.
    in_power: f32,
    out_power: f32,
    far_level: f32,
    echo_level: f32,
    peak_partition: usize,
}

impl core::fmt::Debug for MdfEchoCanceller {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MdfEchoCanceller")
            .field("config", &self.config)
            .field("sample_rate", &self.rate)
            .field("partitions", &self.m)
            .field("leakage", &self.leakage())
            .finish_non_exhaustive()
    }
}

/// Leakage at construction: the filter knows nothing yet.
const ETA_START: f32 = 1.0;
/// Bounds of the leakage estimate (a misadjusted filter leaves at most a few times the
/// echo estimate's power in its error).
const ETA_MIN: f32 = 1e-4;
const ETA_MAX: f32 = 4.0;
/// How far the leakage moves towards this block's error-to-echo-estimate ratio, per block
/// of single talk (about 50 ms to follow a path change).
const ETA_RATE: f32 = 0.2;
/// Smoothing of the band powers the leakage and the double-talk detector use (about 30 ms).
const BAND_SMOOTHING: f32 = 0.7;
/// Double talk: the microphone holds more than this many times the echo estimate's power.
const NEAR_RATIO: f32 = 2.0;
/// Blocks double talk is held after the microphone last showed it (300 ms).
const NEAR_HOLD: u32 = 30;
/// Per-block decay of the echo estimate's power the suppressor takes the residual from
/// (about 1 dB per 10 ms), so that the residual covers the reverberation and a delay that
/// has moved.
const ECHO_RELEASE: f32 = 0.8;
/// Bins either side whose echo estimate a bin's residual takes the largest of, in single
/// talk.
const SPREAD: usize = 2;
/// How many times the estimated residual the suppressor removes in double talk.
const DT_OVERESTIMATE: f32 = 1.0;
/// Blocks of far-end activity before the leakage estimate is taken (until then it stays
/// at `ETA_START`).
const LEAKAGE_WARMUP: u32 = 25;
/// The foreground takes the background when the background's averaged error energy is at
/// most this share of the foreground's: in single talk, and in double talk.
const COPY_SINGLE_TALK: f32 = 0.8;
const COPY_DOUBLE_TALK: f32 = 0.5;
/// The background is put back to the foreground when its averaged error energy is this
/// many times the foreground's.
const RESET_RATIO: f32 = 4.0;
/// Bands of the leakage estimate, equal in width.
const BANDS: usize = 8;
/// The share of the step given in proportion to the partitions' magnitudes.
const PROPORTION: f32 = 0.8;

impl MdfEchoCanceller {
    /// An echo canceller at `sample_rate` Hz (one of [`MDF_RATES`]) with the default
    /// [`MdfConfig`].
    pub fn new(sample_rate: u32) -> Result<Self, VoiceError> {
        Self::with_config(sample_rate, MdfConfig::default())
    }

    /// An echo canceller at `sample_rate` Hz (one of [`MDF_RATES`]) set up by `config`.
    pub fn with_config(sample_rate: u32, config: MdfConfig) -> Result<Self, VoiceError> {
        if !MDF_RATES.contains(&sample_rate) {
            return Err(VoiceError::UnsupportedEngineRate {
                stage: "the MDF echo canceller",
                requested: sample_rate,
                supported: "8000, 16000, 32000, 48000",
            });
        }
        config.validate()?;
        let n = sample_rate as usize / 100;
        let bins = n + 1;
        let m = config.filter_ms.div_ceil(10) as usize;
        let mut planner = RealFftPlanner::<f32>::new();
        let forward = planner.plan_fft_forward(2 * n);
        let inverse = planner.plan_fft_inverse(2 * n);
        let scratch_len = forward.get_scratch_len().max(inverse.get_scratch_len());
        let zero = Complex::new(0.0, 0.0);
        let window = (0..2 * n)
            .map(|i| (core::f32::consts::PI * (i as f32 + 0.5) / (2 * n) as f32).sin())
            .collect();
        let mut aec = MdfEchoCanceller {
            config,
            rate: sample_rate,
            n,
            bins,
            m,
            forward,
            inverse,
            scratch: vec![zero; scratch_len],
            time: vec![0.0; 2 * n],
            spectrum: vec![zero; bins],
            render: vec![0.0; RENDER_FRAMES * n],
            render_start: 0,
            render_len: 0,
            far_prev: vec![0.0; n],
            x: vec![zero; m * bins],
            x_head: 0,
            w: vec![zero; m * bins],
            wf: vec![zero; m * bins],
            far_power: vec![0.0; bins],
            step: vec![0.0; bins],
            yb: vec![0.0; n],
            eb: vec![0.0; n],
            fore_energy: 0.0,
            back_energy: 0.0,
            copies: 0,
            gain: vec![1.0 / m as f32; m],
            y: vec![0.0; n],
            e: vec![0.0; n],
            e_spec: vec![zero; bins],
            y_spec: vec![zero; bins],
            eta: [ETA_START; BANDS],
            band_mic: [0.0; BANDS],
            band_echo: [0.0; BANDS],
            band_error: [0.0; BANDS],
            near_hold: 0,
            far_blocks: 0,
            window,
            e_prev: vec![0.0; n],
            y_prev: vec![0.0; n],
            overlap: vec![0.0; n],
            pf_error: vec![0.0; bins],
            pf_echo: vec![0.0; bins],
            in_power: 0.0,
            out_power: 0.0,
            far_level: 0.0,
            echo_level: 0.0,
            peak_partition: 0,
        };
        aec.reset();
        Ok(aec)
    }

    /// The settings this canceller runs with.
    pub fn config(&self) -> MdfConfig {
        self.config
    }

    /// The current leakage estimate: the share of the echo estimate's power that the
    /// filter is estimated to leave in its output (1 before it has learnt anything).
    pub fn leakage(&self) -> f32 {
        self.eta.iter().sum::<f32>() / BANDS as f32
    }

    /// How many times the foreground filter (the one heard) has taken the background's
    /// coefficients since construction or [`reset`](EchoCanceller::reset).
    pub fn foreground_updates(&self) -> u64 {
        self.copies
    }

    /// The leakage band of bin `k`.
    fn band(&self, k: usize) -> usize {
        (k * BANDS / self.bins).min(BANDS - 1)
    }

    fn check(&self, frame: &[f32], what: &'static str) -> Result<(), VoiceError> {
        if frame.len() != self.n {
            return Err(VoiceError::EngineFrameLength {
                len: frame.len(),
                expected: self.n,
            });
        }
        if let Some(bad) = frame.iter().find(|s| !s.is_finite()) {
            return Err(VoiceError::InvalidParameter {
                name: what,
                value: bad.to_string(),
                expected: "finite samples".to_owned(),
            });
        }
        Ok(())
    }

    /// `time` into `out` (the forward FFT; `time` is used up).
    fn fft(&mut self, into_e: bool) -> Result<(), VoiceError> {
        let out = if into_e {
            &mut self.e_spec
        } else {
            &mut self.y_spec
        };
        self.forward
            .process_with_scratch(&mut self.time, out, &mut self.scratch)
            .map_err(|_| VoiceError::Engine("the MDF forward FFT refused its buffers"))
    }

    /// Takes the oldest waiting render frame into `time[n..]` (silence when none waits).
    fn next_render_into_time(&mut self) {
        let n = self.n;
        self.time[..n].copy_from_slice(&self.far_prev);
        if self.render_len == 0 {
            self.time[n..].fill(0.0);
        } else {
            let at = self.render_start * n;
            self.time[n..].copy_from_slice(&self.render[at..at + n]);
            self.render_start = (self.render_start + 1) % RENDER_FRAMES;
            self.render_len -= 1;
        }
        self.far_prev.copy_from_slice(&self.time[n..]);
    }

    /// The background's step per bin: the configured step over the far end's power in the
    /// bin (normalised least mean squares, bin by bin).
    fn update_step(&mut self) {
        // Regularisation: a far end at -80 dBov in every bin.
        let floor = 2.0 * self.n as f32 * 1e-8;
        let scale = self.config.max_step / (2 * self.n) as f32;
        for k in 0..self.bins {
            self.step[k] = scale / (self.far_power[k] + floor);
        }
    }

    /// The echo estimate of the foreground (or background) filter into `time[n..]`,
    /// unscaled.
    fn estimate(&mut self, foreground: bool) -> Result<(), VoiceError> {
        let (bins, m) = (self.bins, self.m);
        let w = if foreground { &self.wf } else { &self.w };
        self.spectrum.fill(Complex::new(0.0, 0.0));
        for p in 0..m {
            let (xp, wp) = (((self.x_head + p) % m) * bins, p * bins);
            for k in 0..bins {
                self.spectrum[k] += w[wp + k] * self.x[xp + k];
            }
        }
        self.spectrum[0].im = 0.0;
        self.spectrum[bins - 1].im = 0.0;
        self.inverse
            .process_with_scratch(&mut self.spectrum, &mut self.time, &mut self.scratch)
            .map_err(|_| VoiceError::Engine("the MDF inverse FFT refused its buffers"))
    }

    /// Whether the background has shown itself better than the foreground (copy it), or
    /// much worse (start it again from the foreground), from the two errors' energies
    /// averaged over about 50 ms. The background must be 3 dB better: in double talk the
    /// near end dominates both errors, so their energies differ by little, and a background
    /// led astray by the near end is worse, not better.
    fn compare_filters(&mut self) {
        let (mut sff, mut sbb) = (0.0f32, 0.0f32);
        for i in 0..self.n {
            sff += self.e[i] * self.e[i];
            sbb += self.eb[i] * self.eb[i];
        }
        let a = 0.8;
        self.fore_energy = a * self.fore_energy + (1.0 - a) * sff;
        self.back_energy = a * self.back_energy + (1.0 - a) * sbb;
        let margin = if self.near_hold > 0 {
            COPY_DOUBLE_TALK
        } else {
            COPY_SINGLE_TALK
        };
        let background_better = self.back_energy < margin * self.fore_energy;
        if background_better {
            self.wf.copy_from_slice(&self.w);
            self.copies += 1;
        } else if self.back_energy > RESET_RATIO * self.fore_energy {
            // The background has gone astray (the near end talking): back to the foreground.
            self.w.copy_from_slice(&self.wf);
        } else {
            return;
        }
        self.fore_energy = 0.0;
        self.back_energy = 0.0;
    }

    /// The constrained gradient step on every partition.
    fn adapt(&mut self) -> Result<(), VoiceError> {
        let (n, bins) = (self.n, self.bins);
        for p in 0..self.m {
            let (xp, g) = (((self.x_head + p) % self.m) * bins, self.gain[p]);
            for k in 0..bins {
                self.spectrum[k] = self.x[xp + k].conj() * self.e_spec[k] * (g * self.step[k]);
            }
            self.spectrum[0].im = 0.0;
            self.spectrum[bins - 1].im = 0.0;
            self.inverse
                .process_with_scratch(&mut self.spectrum, &mut self.time, &mut self.scratch)
                .map_err(|_| VoiceError::Engine("the MDF inverse FFT refused its buffers"))?;
            self.time[n..].fill(0.0);
            self.forward
                .process_with_scratch(&mut self.time, &mut self.spectrum, &mut self.scratch)
                .map_err(|_| VoiceError::Engine("the MDF forward FFT refused its buffers"))?;
            let wp = p * bins;
            for k in 0..bins {
                self.w[wp + k] += self.spectrum[k];
            }
        }
        Ok(())
    }

    /// Proportionate gains (improved proportionate MDF, after P. Loganathan, A. W. H. Khong
    /// and P. A. Naylor, "A class of sparseness-controlled algorithms for echo cancellation",
    /// IEEE TASLP 17(8), 2009): half shared evenly, half in proportion to each partition's
    /// share of the filter's magnitude, so the direct path and early reverberation learn
    /// faster than the empty delay before them and the faint end of the tail.
    fn update_gains(&mut self) {
        let bins = self.bins;
        let mut total = 0.0;
        for p in 0..self.m {
            let norm = self.w[p * bins..(p + 1) * bins]
                .iter()
                .map(|c| c.norm_sqr())
                .sum::<f32>()
                .sqrt();
            self.gain[p] = norm;
            total += norm;
        }
        let even = (1.0 - PROPORTION) / self.m as f32;
        for g in &mut self.gain {
            *g = if total > 0.0 {
                even + PROPORTION * *g / total
            } else {
                1.0 / self.m as f32
            };
        }
    }

    /// The double-talk detector and the leakage, from this block's band powers of the
    /// microphone (`d_sum`), the foreground's echo estimate and its error. Double talk is
    /// the microphone holding more than `NEAR_RATIO` times the echo estimate, now or
    /// smoothed, held `NEAR_HOLD` blocks; outside it, each band's leakage follows the
    /// ratio of the error's smoothed power to the echo estimate's (skipping a band whose
    /// microphone alone shows the near end). In double talk the leakage stays as it was.
    fn update_leakage(&mut self, d_sum: &[f32; BANDS]) {
        let (mut e_sum, mut y_sum) = ([0.0f32; BANDS], [0.0f32; BANDS]);
        for k in 0..self.bins {
            let b = self.band(k);
            e_sum[b] += self.e_spec[k].norm_sqr();
            y_sum[b] += self.y_spec[k].norm_sqr();
        }
        let a = BAND_SMOOTHING;
        for b in 0..BANDS {
            self.band_mic[b] = a * self.band_mic[b] + (1.0 - a) * d_sum[b];
            self.band_echo[b] = a * self.band_echo[b] + (1.0 - a) * y_sum[b];
            self.band_error[b] = a * self.band_error[b] + (1.0 - a) * e_sum[b];
        }
        // Double talk: the microphone holds clearly more than the echo estimate, broadband,
        // now or in the last `NEAR_HOLD` blocks.
        let (mic, echo): (f32, f32) = (d_sum.iter().sum(), y_sum.iter().sum());
        let (mic_s, echo_s): (f32, f32) = (self.band_mic.iter().sum(), self.band_echo.iter().sum());
        if mic > NEAR_RATIO * echo.max(echo_s) || mic_s > NEAR_RATIO * echo_s {
            self.near_hold = NEAR_HOLD;
        } else {
            self.near_hold = self.near_hold.saturating_sub(1);
        }
        if self.near_hold > 0 || self.far_blocks < LEAKAGE_WARMUP {
            return;
        }
        for b in 0..BANDS {
            let echo = self.band_echo[b];
            if echo <= 1e-9 || d_sum[b] > NEAR_RATIO * y_sum[b].max(echo) {
                continue;
            }
            let ratio = (self.band_error[b] / echo).clamp(ETA_MIN, ETA_MAX);
            self.eta[b] += ETA_RATE * (ratio - self.eta[b]);
        }
    }

    /// The residual-echo suppressor on `e`, writing the (10 ms late) result into `out`.
    fn suppress(&mut self, out: &mut [f32]) -> Result<(), VoiceError> {
        let (n, bins) = (self.n, self.bins);
        for i in 0..n {
            self.time[i] = self.y_prev[i] * self.window[i];
            self.time[n + i] = self.y[i] * self.window[n + i];
        }
        self.fft(false)?;
        for i in 0..n {
            self.time[i] = self.e_prev[i] * self.window[i];
            self.time[n + i] = self.e[i] * self.window[n + i];
        }
        self.fft(true)?;
        self.y_prev.copy_from_slice(&self.y);
        self.e_prev.copy_from_slice(&self.e);
        let floor = 10f32.powf(-self.config.max_suppression_db / 20.0);
        let a = 0.5;
        for k in 0..bins {
            self.pf_error[k] = a * self.pf_error[k] + (1.0 - a) * self.e_spec[k].norm_sqr();
            self.pf_echo[k] = (ECHO_RELEASE * self.pf_echo[k]).max(self.y_spec[k].norm_sqr());
        }
        let double_talk = self.near_hold > 0;
        let (reach, over) = if double_talk {
            (0, DT_OVERESTIMATE)
        } else {
            (SPREAD, self.config.overestimate)
        };
        for k in 0..bins {
            let spread = self.pf_echo[k.saturating_sub(reach)..(k + reach + 1).min(bins)]
                .iter()
                .fold(0.0f32, |m, &v| m.max(v));
            let residual = over * self.eta[self.band(k)] * spread;
            let gain = if self.pf_error[k] > 0.0 {
                (1.0 - residual / self.pf_error[k]).max(floor)
            } else {
                1.0
            };
            self.e_spec[k] *= gain / (2 * n) as f32;
        }
        self.e_spec[0].im = 0.0;
        self.e_spec[bins - 1].im = 0.0;
        self.inverse
            .process_with_scratch(&mut self.e_spec, &mut self.time, &mut self.scratch)
            .map_err(|_| VoiceError::Engine("the MDF inverse FFT refused its buffers"))?;
        for (i, o) in out.iter_mut().enumerate() {
            *o = self.overlap[i] + self.time[i] * self.window[i];
            self.overlap[i] = self.time[n + i] * self.window[n + i];
        }
        Ok(())
    }

    fn process(&mut self, capture: &mut [f32]) -> Result<(), VoiceError> {
        let (n, bins, m) = (self.n, self.bins, self.m);
        // The newest far-end spectrum, and the far end's power per bin over the filter.
        self.next_render_into_time();
        let far_ms = self.time[n..].iter().map(|s| s * s).sum::<f32>() / n as f32;
        let far_active = far_ms > FAR_ACTIVE;
        self.x_head = (self.x_head + m - 1) % m;
        let head = self.x_head * bins;
        self.forward
            .process_with_scratch(
                &mut self.time,
                &mut self.x[head..head + bins],
                &mut self.scratch,
            )
            .map_err(|_| VoiceError::Engine("the MDF forward FFT refused its buffers"))?;
        self.update_gains();
        self.far_power.fill(0.0);
        for p in 0..m {
            let (xp, g) = (((self.x_head + p) % m) * bins, self.gain[p]);
            for k in 0..bins {
                self.far_power[k] += g * self.x[xp + k].norm_sqr();
            }
        }
        let scale = 1.0 / (2 * n) as f32;
        // The background's echo estimate, error and adaptation: only while the far end
        // plays (nothing else reads them).
        if far_active {
            self.estimate(false)?;
            for (i, c) in capture.iter().enumerate() {
                self.yb[i] = self.time[n + i] * scale;
                self.eb[i] = c - self.yb[i];
            }
            self.time[..n].fill(0.0);
            self.time[n..].copy_from_slice(&self.eb);
            self.fft(true)?;
            self.update_step();
            self.adapt()?;
            self.far_blocks = self.far_blocks.saturating_add(1);
        }
        // The foreground's echo estimate and error: what is heard.
        self.estimate(true)?;
        for (i, c) in capture.iter().enumerate() {
            self.y[i] = self.time[n + i] * scale;
            self.e[i] = c - self.y[i];
        }
        if far_active {
            self.compare_filters();
            self.time[..n].fill(0.0);
            self.time[n..].copy_from_slice(capture);
            self.forward
                .process_with_scratch(&mut self.time, &mut self.spectrum, &mut self.scratch)
                .map_err(|_| VoiceError::Engine("the MDF forward FFT refused its buffers"))?;
            let mut d_sum = [0.0f32; BANDS];
            for k in 0..bins {
                d_sum[self.band(k)] += self.spectrum[k].norm_sqr();
            }
            self.time[..n].fill(0.0);
            self.time[n..].copy_from_slice(&self.y);
            self.fft(false)?;
            self.time[..n].fill(0.0);
            self.time[n..].copy_from_slice(&self.e);
            self.fft(true)?;
            self.update_leakage(&d_sum);
        }
        // Metrics before the suppressor's delay: capture in, linear output out.
        let cap_ms = capture.iter().map(|s| s * s).sum::<f32>() / n as f32;
        let y_ms = self.y.iter().map(|s| s * s).sum::<f32>() / n as f32;
        if self.config.suppressor {
            self.suppress(capture)?;
        } else {
            capture.copy_from_slice(&self.e);
        }
        if far_active {
            let out_ms = capture.iter().map(|s| s * s).sum::<f32>() / n as f32;
            let b = 0.05;
            self.in_power = (1.0 - b) * self.in_power + b * cap_ms;
            self.out_power = (1.0 - b) * self.out_power + b * out_ms;
            self.far_level = (1.0 - b) * self.far_level + b * far_ms;
            self.echo_level = (1.0 - b) * self.echo_level + b * y_ms;
            if self.far_blocks.is_multiple_of(10) {
                self.peak_partition = self.strongest_partition();
            }
        }
        Ok(())
    }

    fn strongest_partition(&self) -> usize {
        let energy = |p: &usize| -> f32 {
            self.wf[p * self.bins..(p + 1) * self.bins]
                .iter()
                .map(|c| c.norm_sqr())
                .sum()
        };
        (0..self.m)
            .max_by(|a, b| energy(a).total_cmp(&energy(b)))
            .unwrap_or(0)
    }
}

impl EchoCanceller for MdfEchoCanceller {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn analyze_render(&mut self, render: &[f32]) -> Result<(), VoiceError> {
        self.check(render, "render sample")?;
        let n = self.n;
        if self.render_len == RENDER_FRAMES {
            self.render_start = (self.render_start + 1) % RENDER_FRAMES;
            self.render_len -= 1;
        }
        let at = ((self.render_start + self.render_len) % RENDER_FRAMES) * n;
        self.render[at..at + n].copy_from_slice(render);
        self.render_len += 1;
        Ok(())
    }

    fn process_capture(&mut self, capture: &mut [f32]) -> Result<(), VoiceError> {
        self.check(capture, "capture sample")?;
        self.process(capture)
    }

    fn metrics(&self) -> EchoMetrics {
        let db = |a: f32, b: f32| (a > 0.0 && b > 0.0).then(|| 10.0 * (a / b).log10());
        EchoMetrics {
            erl_db: db(self.far_level, self.echo_level),
            erle_db: db(self.in_power, self.out_power),
            delay_ms: (self.far_blocks > 0).then(|| self.peak_partition as u32 * 10),
        }
    }

    fn reset(&mut self) {
        let zero = Complex::new(0.0, 0.0);
        self.render_start = 0;
        self.render_len = 0;
        self.far_prev.fill(0.0);
        self.x.fill(zero);
        self.x_head = 0;
        self.w.fill(zero);
        self.wf.fill(zero);
        self.far_power.fill(0.0);
        self.step.fill(0.0);
        self.yb.fill(0.0);
        self.eb.fill(0.0);
        self.fore_energy = 0.0;
        self.back_energy = 0.0;
        self.copies = 0;
        self.gain.fill(1.0 / self.m as f32);
        self.eta = [ETA_START; BANDS];
        self.band_mic = [0.0; BANDS];
        self.band_echo = [0.0; BANDS];
        self.band_error = [0.0; BANDS];
        self.near_hold = 0;
        self.far_blocks = 0;
        self.e_prev.fill(0.0);
        self.y_prev.fill(0.0);
        self.overlap.fill(0.0);
        self.pf_error.fill(0.0);
        self.pf_echo.fill(0.0);
        self.in_power = 0.0;
        self.out_power = 0.0;
        self.far_level = 0.0;
        self.echo_level = 0.0;
        self.peak_partition = 0;
    }
}
