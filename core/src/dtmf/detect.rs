//! [`DtmfDetector`]: in-band DTMF detection in 8 kHz or 16 kHz mono audio (ITU-T Q.24 as
//! commonly implemented), and muting of the detected tones in a delayed copy of the audio.
//!
//! Other sample rates go through [`crate::dsp`]'s resampler first: the detector is tuned
//! for, and accepts, only 8000 and 16000 Hz.
//!
//! # How it works
//!
//! The audio is cut into 5 ms sub-blocks. For each of the eight Q.23 frequencies a Goertzel
//! filter gives the sub-block's complex spectrum value, and the sub-block's energy is
//! summed. Every 5 ms the last four sub-blocks are combined into the spectrum of a 20 ms
//! window (rectangular, 50 Hz resolution), and that window is classified as one digit or
//! none by these tests, all of which must pass:
//!
//! - the strongest row and the strongest column are each at least [`MIN_TONE_DBM0`];
//! - twist: the column is at most [`NORMAL_TWIST_DB`] below the row and at most
//!   [`REVERSE_TWIST_DB`] above it;
//! - frequency: each tone's frequency, measured from the phase its spectrum value turns
//!   through between overlapping windows, is within [`MAX_DEVIATION`] of nominal (the
//!   midpoint of Q.24's 1.5% must-accept and 3.5% must-reject);
//! - relative peak: every other frequency of the same group is at least [`REL_PEAK_DB`]
//!   below the winner;
//! - relative energy: the two tones, measured at their own frequency, carry at least
//!   [`MIN_TONE_SHARE`] of the window's energy (speech and music spread theirs over many
//!   harmonics);
//! - second harmonics: the window's spectrum at twice each tone's frequency is at least
//!   [`HARMONIC_DB`] below the tone (voiced speech has strong harmonics; DTMF has none).
//!
//! A digit starts after [`ON_WINDOWS`] consecutive windows agree (so 40 ms of tone is
//! found and 20 ms is not) and ends after [`OFF_WINDOWS`] windows without it (so a 10 ms
//! dropout is bridged and a 40 ms pause separates two digits). It is reported once, when it
//! ends, with its start and duration in milliseconds of audio since the detector started.
//!
//! # Levels
//!
//! 0 dBm0 is a sine of peak amplitude 22,832, 3.14 dB below a full-scale 16-bit sine: the
//! G.711 A-law convention (ITU-T G.711 Table 5; µ-law's is 3.17 dB), with 16-bit linear
//! samples read as G.711's 13-bit range shifted up by three bits. Two tones of 0 dBm0 each
//! add up to more than full scale and clip; they are still detected.
//!
//! # Muting
//!
//! [`DtmfDetector::process_muted`] copies the audio to an output delayed by
//! [`MUTE_DELAY_MS`], zeroing the span from a digit's estimated start (less 5 ms) to its
//! last detected window (plus 5 ms). The detector cannot know the future: a digit is only
//! certain [`ON_WINDOWS`] windows after its tone began, so the output lags the input by
//! that latency plus a margin. Audio that never becomes a digit is passed unchanged.

use crate::dtmf::digit::{COLUMN_HZ, Digit, ROW_HZ};
use crate::error::{Error, Result};

/// Sub-block length: 5 ms.
const SUB_MS: u64 = 5;
/// Sub-blocks in one analysis window (20 ms).
const WINDOW_SUBS: usize = 4;
/// Past windows kept for the frequency measurement (the longest lag).
const MAX_LAG: usize = 2;
/// Windows (5 ms apart) that must agree before a digit starts.
pub const ON_WINDOWS: u32 = 4;
/// Windows (5 ms apart) without the digit that end it.
pub const OFF_WINDOWS: u32 = 9;
/// Lowest level of each tone, in dBm0 (Q.24 asks for -36 accepted and -55 rejected).
pub const MIN_TONE_DBM0: f32 = -45.0;
/// How far the column may be weaker than the row ("normal twist"; Q.24: accept 8 dB).
pub const NORMAL_TWIST_DB: f32 = 9.5;
/// How far the column may be stronger than the row ("reverse twist"; Q.24: accept 4 dB).
pub const REVERSE_TWIST_DB: f32 = 5.5;
/// Largest accepted frequency deviation of each tone, as a fraction of nominal.
pub const MAX_DEVIATION: f32 = 0.02;
/// How far every other frequency of a group must be below the group's tone, in dB.
pub const REL_PEAK_DB: f32 = 10.0;
/// The smallest share of a window's energy the two tones must carry.
pub const MIN_TONE_SHARE: f32 = 0.75;
/// How far the second harmonic of each tone must be below the tone, in dB.
pub const HARMONIC_DB: f32 = 18.0;
/// A row's second harmonic is tested only this far from the column tone (three 20 ms bins).
const HARMONIC_CLEARANCE_HZ: f32 = 150.0;
/// How long [`DtmfDetector::process_muted`] delays its output, in milliseconds.
pub const MUTE_DELAY_MS: u64 = 50;
/// Digits held for [`DtmfDetector::poll_digit`]; past that the oldest is dropped.
pub const QUEUE_CAPACITY: usize = 256;

/// Peak amplitude of a 0 dBm0 sine in 16-bit linear PCM (3.14 dB below full scale).
pub const DBM0_PEAK: f32 = 22_832.0;

/// Where a detected digit's tone began and ended, in windows (see the calibration test).
const START_OFFSET_MS: u64 = 18;
const END_OFFSET_MS: u64 = 2;
/// Margin around a muted tone.
const MUTE_GUARD_MS: u64 = 5;

/// A digit found in the audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetectedDigit {
    /// Which key.
    pub digit: Digit,
    /// When its tone began, in milliseconds of audio since the detector started.
    pub start_ms: u64,
    /// How long the tone lasted, in milliseconds.
    pub duration_ms: u64,
}

/// One Goertzel filter and what turns its state into a spectrum value.
#[derive(Debug, Clone, Copy)]
struct Bin {
    /// 2 cos ω.
    coef: f32,
    cos: f32,
    sin: f32,
    /// e^{-jω(H-1)}: refers a sub-block's value to the sub-block's first sample.
    tail: (f32, f32),
    /// e^{-jωH}: the turn of a steady nominal tone over one sub-block.
    step: (f32, f32),
    /// Nominal frequency in Hz.
    hz: f32,
}

impl Bin {
    fn new(hz: f64, rate: u32, sub_len: usize) -> Bin {
        let w = 2.0 * core::f64::consts::PI * hz / f64::from(rate);
        let tail = -w * (sub_len as f64 - 1.0);
        let step = -w * sub_len as f64;
        Bin {
            coef: (2.0 * w.cos()) as f32,
            cos: w.cos() as f32,
            sin: w.sin() as f32,
            tail: (tail.cos() as f32, tail.sin() as f32),
            step: (step.cos() as f32, step.sin() as f32),
            hz: hz as f32,
        }
    }
}

type C = (f32, f32);

fn mul(a: C, b: C) -> C {
    (a.0 * b.0 - a.1 * b.1, a.0 * b.1 + a.1 * b.0)
}

fn norm(a: C) -> f32 {
    a.0 * a.0 + a.1 * a.1
}

/// Frequencies analysed: the four rows, the four columns, then their second harmonics.
const BINS: usize = 16;

/// A digit being heard.
#[derive(Debug, Clone, Copy)]
struct Active {
    digit: Digit,
    start: u64,
    last_end: u64,
}

/// In-band DTMF detector for 8 kHz or 16 kHz mono `i16` audio.
///
/// Feed audio in chunks of any size with [`process`](Self::process) (or
/// [`process_muted`](Self::process_muted)), then drain [`poll_digit`](Self::poll_digit).
/// Call [`flush`](Self::flush) at the end of a recording to report a digit still sounding.
///
/// ```
/// use mediacore::dtmf::{Digit, DtmfDetector};
///
/// let rate = 8000;
/// let (low, high) = Digit::D5.frequencies();
/// let tone: Vec<i16> = (0..rate / 10)
///     .map(|n| {
///         let t = f64::from(n) / f64::from(rate);
///         let v = (2.0 * std::f64::consts::PI * low * t).sin()
///             + (2.0 * std::f64::consts::PI * high * t).sin();
///         (v * 5000.0) as i16
///     })
///     .chain(std::iter::repeat(0).take(800))
///     .collect();
/// let mut detector = DtmfDetector::new(rate).unwrap();
/// detector.process(&tone);
/// let found = detector.poll_digit().unwrap();
/// assert_eq!(found.digit, Digit::D5);
/// assert!(found.duration_ms.abs_diff(100) <= 10);
/// assert_eq!(detector.poll_digit(), None);
/// ```
#[derive(Debug, Clone)]
pub struct DtmfDetector {
    rate: u32,
    sub_len: usize,
    bins: [Bin; BINS],
    s1: [f32; BINS],
    s2: [f32; BINS],
    energy: f32,
    filled: usize,
    /// Spectrum values of the last sub-blocks, oldest first after `head`.
    subs: [[C; BINS]; WINDOW_SUBS],
    sub_energy: [f32; WINDOW_SUBS],
    head: usize,
    /// Window spectra: `windows[0]` the newest, then one and two windows back.
    windows: [[C; 8]; MAX_LAG + 1],
    /// Sub-blocks completed since the start.
    sub_count: u64,
    /// Tone power of a tone at [`MIN_TONE_DBM0`] (mean square).
    min_power: f32,
    run: Option<Digit>,
    run_len: u32,
    run_first_end: u64,
    active: Option<Active>,
    misses: u32,
    queue: [Option<DetectedDigit>; QUEUE_CAPACITY],
    queue_head: usize,
    queue_len: usize,
    dropped: u64,
    /// Delay line of `process_muted`, and the spans (in samples) to zero.
    delay: Box<[i16]>,
    delay_pos: usize,
    mute: [(u64, u64); 2],
    /// Samples taken since the start.
    samples: u64,
}

impl DtmfDetector {
    /// A detector for `sample_rate` Hz audio; 8000 and 16000 are supported.
    pub fn new(sample_rate: u32) -> Result<DtmfDetector> {
        if sample_rate != 8000 && sample_rate != 16000 {
            return Err(Error::InvalidArgument(format!(
                "the DTMF detector does not run at {sample_rate} Hz; expected 8000 or 16000 \
                 (resample other rates first)"
            )));
        }
        let sub_len = (u64::from(sample_rate) * SUB_MS / 1000) as usize;
        let mut hz = [0.0f64; BINS];
        for i in 0..4 {
            hz[i] = ROW_HZ[i];
            hz[4 + i] = COLUMN_HZ[i];
            hz[8 + i] = 2.0 * ROW_HZ[i];
            hz[12 + i] = 2.0 * COLUMN_HZ[i];
        }
        let bins = hz.map(|f| Bin::new(f, sample_rate, sub_len));
        let amp = DBM0_PEAK * 10f32.powf(MIN_TONE_DBM0 / 20.0);
        let delay_len = (u64::from(sample_rate) * MUTE_DELAY_MS / 1000) as usize;
        Ok(DtmfDetector {
            rate: sample_rate,
            sub_len,
            bins,
            s1: [0.0; BINS],
            s2: [0.0; BINS],
            energy: 0.0,
            filled: 0,
            subs: [[(0.0, 0.0); BINS]; WINDOW_SUBS],
            sub_energy: [0.0; WINDOW_SUBS],
            head: 0,
            windows: [[(0.0, 0.0); 8]; MAX_LAG + 1],
            sub_count: 0,
            min_power: amp * amp / 2.0,
            run: None,
            run_len: 0,
            run_first_end: 0,
            active: None,
            misses: 0,
            queue: [None; QUEUE_CAPACITY],
            queue_head: 0,
            queue_len: 0,
            dropped: 0,
            delay: vec![0; delay_len].into_boxed_slice(),
            delay_pos: 0,
            mute: [(0, 0); 2],
            samples: 0,
        })
    }

    /// The sample rate given to [`new`](Self::new).
    pub fn sample_rate(&self) -> u32 {
        self.rate
    }

    /// Analyses `pcm`, the next samples of the stream; any length, including zero.
    pub fn process(&mut self, pcm: &[i16]) {
        for &x in pcm {
            self.push(x);
        }
    }

    /// Analyses `pcm` like [`process`](Self::process) and writes to `out` the stream delayed
    /// by [`MUTE_DELAY_MS`] with detected DTMF tones zeroed (the first samples of the stream
    /// are preceded by silence). `out` must be as long as `pcm`.
    pub fn process_muted(&mut self, pcm: &[i16], out: &mut [i16]) -> Result<()> {
        if out.len() != pcm.len() {
            return Err(Error::InvalidArgument(format!(
                "the output holds {} samples but the input has {}; expected equal lengths",
                out.len(),
                pcm.len()
            )));
        }
        for (&x, o) in pcm.iter().zip(out.iter_mut()) {
            // The sample leaving the delay line was taken `delay.len()` samples ago.
            let delayed = self.delay.get(self.delay_pos).copied().unwrap_or(0);
            let index = self.samples.wrapping_sub(self.delay.len() as u64);
            let muted = self.samples >= self.delay.len() as u64
                && self
                    .mute
                    .iter()
                    .any(|&(from, to)| index >= from && index < to);
            *o = if muted { 0 } else { delayed };
            if let Some(slot) = self.delay.get_mut(self.delay_pos) {
                *slot = x;
            }
            self.delay_pos += 1;
            if self.delay_pos >= self.delay.len() {
                self.delay_pos = 0;
            }
            self.push(x);
        }
        Ok(())
    }

    /// The next digit whose tone has ended, oldest first.
    #[must_use]
    pub fn poll_digit(&mut self) -> Option<DetectedDigit> {
        if self.queue_len == 0 {
            return None;
        }
        let digit = self.queue[self.queue_head].take();
        self.queue_head = (self.queue_head + 1) % QUEUE_CAPACITY;
        self.queue_len -= 1;
        digit
    }

    /// Every digit completed so far, drained (allocates the returned `Vec`).
    pub fn digits(&mut self) -> Vec<DetectedDigit> {
        core::iter::from_fn(|| self.poll_digit()).collect()
    }

    /// Analyses `pcm` and returns the digits completed so far: the convenience the bindings
    /// offer. Never drops digits, however long `pcm` is.
    pub fn detect(&mut self, pcm: &[i16]) -> Vec<DetectedDigit> {
        let mut found = self.digits();
        // A chunk shorter than the queue can hold at ten digits a second.
        for chunk in pcm.chunks(self.rate as usize * 10) {
            self.process(chunk);
            found.extend(core::iter::from_fn(|| self.poll_digit()));
        }
        found
    }

    /// The digit whose tone is sounding now, if one has been detected and not yet ended.
    pub fn current_digit(&self) -> Option<Digit> {
        self.active.map(|a| a.digit)
    }

    /// Ends a digit still sounding (at the end of a recording) so that it can be polled.
    pub fn flush(&mut self) {
        if let Some(a) = self.active.take() {
            self.finish(a);
        }
        self.run = None;
        self.run_len = 0;
        self.misses = 0;
    }

    /// Digits dropped because more than [`QUEUE_CAPACITY`] waited to be polled.
    pub fn dropped_digits(&self) -> u64 {
        self.dropped
    }

    /// Forgets all audio and digits, as if newly built.
    pub fn reset(&mut self) {
        if let Ok(fresh) = DtmfDetector::new(self.rate) {
            *self = fresh;
        }
    }

    fn push(&mut self, x: i16) {
        let x = f32::from(x);
        for i in 0..BINS {
            let s = x + self.bins[i].coef * self.s1[i] - self.s2[i];
            self.s2[i] = self.s1[i];
            self.s1[i] = s;
        }
        self.energy += x * x;
        self.samples += 1;
        self.filled += 1;
        if self.filled == self.sub_len {
            self.end_sub_block();
        }
    }

    fn end_sub_block(&mut self) {
        let slot = self.head;
        for i in 0..BINS {
            let b = &self.bins[i];
            let y = (self.s1[i] - b.cos * self.s2[i], b.sin * self.s2[i]);
            self.subs[slot][i] = mul(y, b.tail);
            self.s1[i] = 0.0;
            self.s2[i] = 0.0;
        }
        self.sub_energy[slot] = self.energy;
        self.energy = 0.0;
        self.filled = 0;
        self.head = (self.head + 1) % WINDOW_SUBS;
        self.sub_count += 1;
        self.windows.rotate_right(1);
        self.windows[0] = core::array::from_fn(|i| self.window_value(i, self.bins[i].step));
        let found = self.classify();
        self.track(found);
    }

    /// The window's spectrum value at bin `i`, with sub-blocks turned by `step` each.
    fn window_value(&self, i: usize, step: C) -> C {
        let mut acc = (0.0, 0.0);
        // Horner from the newest sub-block: Y = X0 + step (X1 + step (X2 + step X3)).
        for k in (0..WINDOW_SUBS).rev() {
            let x = self.subs[(self.head + k) % WINDOW_SUBS][i];
            acc = mul(acc, step);
            acc = (acc.0 + x.0, acc.1 + x.1);
        }
        acc
    }

    /// Mean square of a window value of bin power `p`.
    fn power(&self, p: f32) -> f32 {
        let n = (self.sub_len * WINDOW_SUBS) as f32;
        2.0 * p / (n * n)
    }

    /// The digit the newest window holds, if it passes every test.
    fn classify(&self) -> Option<Digit> {
        let n = (self.sub_len * WINDOW_SUBS) as f32;
        let mean_square = self.sub_energy.iter().sum::<f32>() / n;
        if mean_square < 2.0 * self.min_power {
            return None;
        }
        let now = &self.windows[0];
        let strongest = |range: core::ops::Range<usize>| {
            let mut best = range.start;
            for i in range {
                if norm(now[i]) > norm(now[best]) {
                    best = i;
                }
            }
            best
        };
        let row = strongest(0..4);
        let col = strongest(4..8);
        let (pr, hr, fr) = self.tone(row)?;
        let (pc, hc, fc) = self.tone(col)?;
        if pr < self.min_power || pc < self.min_power {
            return None;
        }
        if pr > pc * db(NORMAL_TWIST_DB) || pc > pr * db(REVERSE_TWIST_DB) {
            return None;
        }
        if pr + pc < MIN_TONE_SHARE * mean_square {
            return None;
        }
        let peak = db(REL_PEAK_DB);
        for (i, &value) in now.iter().enumerate() {
            if i == row || i == col {
                continue;
            }
            let p = self.power(norm(value));
            if p * peak > if i < 4 { pr } else { pc } {
                return None;
            }
        }
        let harmonic = db(HARMONIC_DB);
        // A row's second harmonic can lie within 60 Hz of a column (2 x 697 = 1394 Hz, next
        // to 1336 Hz), where the column tone itself would fail the test.
        let row_harmonic_clear = (2.0 * fr - fc).abs() >= HARMONIC_CLEARANCE_HZ;
        if (row_harmonic_clear && hr * harmonic > pr) || hc * harmonic > pc {
            return None;
        }
        Digit::at(row, col - 4)
    }

    /// Bin `i`'s tone power and second-harmonic power (mean squares), measured at the tone's
    /// own frequency, and that frequency; `None` when it is too far from nominal.
    fn tone(&self, i: usize) -> Option<(f32, f32, f32)> {
        let b = self.bins[i];
        // Lag between the windows compared: long for rows (finer), short for columns so
        // that a 3.5% deviation (57 Hz at 1633 Hz) stays inside ±1 / (2 lag).
        let lag = if i < 4 { 2 } else { 1 };
        let now = self.windows[0][i];
        let then = self.windows[lag][i];
        if norm(now) == 0.0 || norm(then) == 0.0 {
            return None;
        }
        // now · conj(then) · e^{-jω·lag·H} turns by the deviation δ over lag sub-blocks.
        let mut turn = mul(now, (then.0, -then.1));
        for _ in 0..lag {
            turn = mul(turn, b.step);
        }
        let phase = turn.1.atan2(turn.0);
        let seconds = (lag * self.sub_len) as f32 / self.rate as f32;
        let deviation_hz = phase / (2.0 * core::f32::consts::PI * seconds);
        if deviation_hz.abs() > MAX_DEVIATION * b.hz {
            return None;
        }
        // Re-sum the window at the measured frequency so that the deviation costs no level.
        let w = 2.0 * core::f32::consts::PI * deviation_hz * self.sub_len as f32 / self.rate as f32;
        let step = mul(b.step, (w.cos(), -w.sin()));
        let power = self.power(norm(self.window_value(i, step)));
        let h = self.bins[8 + i];
        let hstep = mul(h.step, ((2.0 * w).cos(), -(2.0 * w).sin()));
        let harmonic = self.power(norm(self.window_value(8 + i, hstep)));
        Some((power, harmonic, b.hz + deviation_hz))
    }

    /// Advances the digit state machine by one window.
    fn track(&mut self, found: Option<Digit>) {
        let end = self.sub_count * self.sub_len as u64;
        if found.is_some() && found == self.run {
            self.run_len = self.run_len.saturating_add(1);
        } else {
            self.run = found;
            self.run_len = u32::from(found.is_some());
            self.run_first_end = end;
        }
        let confirmed = self.run.filter(|_| self.run_len >= ON_WINDOWS);
        if let Some(mut a) = self.active {
            if found == Some(a.digit) {
                self.misses = 0;
                a.last_end = end;
                self.active = Some(a);
                self.mute[1].1 = end + self.ms_to_samples(MUTE_GUARD_MS);
                return;
            }
            self.misses += 1;
            let replaced = confirmed.is_some_and(|d| d != a.digit);
            if self.misses < OFF_WINDOWS && !replaced {
                return;
            }
            self.active = None;
            self.finish(a);
        }
        if let Some(digit) = confirmed
            && self.active.is_none()
        {
            let start = self
                .run_first_end
                .saturating_sub(self.ms_to_samples(START_OFFSET_MS));
            self.active = Some(Active {
                digit,
                start,
                last_end: end,
            });
            self.misses = 0;
            let guard = self.ms_to_samples(MUTE_GUARD_MS);
            self.mute[0] = self.mute[1];
            self.mute[1] = (start.saturating_sub(guard), end + guard);
        }
    }

    fn finish(&mut self, a: Active) {
        let end = a.last_end.saturating_sub(self.ms_to_samples(END_OFFSET_MS));
        let digit = DetectedDigit {
            digit: a.digit,
            start_ms: self.samples_to_ms(a.start),
            duration_ms: self.samples_to_ms(end.saturating_sub(a.start)),
        };
        if self.queue_len == QUEUE_CAPACITY {
            self.queue_head = (self.queue_head + 1) % QUEUE_CAPACITY;
            self.queue_len -= 1;
            self.dropped += 1;
        }
        let tail = (self.queue_head + self.queue_len) % QUEUE_CAPACITY;
        self.queue[tail] = Some(digit);
        self.queue_len += 1;
    }

    fn ms_to_samples(&self, ms: u64) -> u64 {
        ms * u64::from(self.rate) / 1000
    }

    fn samples_to_ms(&self, samples: u64) -> u64 {
        samples * 1000 / u64::from(self.rate)
    }
}

/// The power ratio of `decibels`.
fn db(decibels: f32) -> f32 {
    10f32.powf(decibels / 10.0)
}

#[cfg(test)]
#[path = "detect_tests.rs"]
mod tests;
