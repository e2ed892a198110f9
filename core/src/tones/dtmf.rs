//! DTMF generation: [`DtmfOptions`], the streaming [`DtmfGenerator`] and [`generate_dtmf`].

use std::collections::VecDeque;

use super::dbm0_to_amplitude;
use super::osc::Voice;
use super::plan::{Tone, ToneSet};
use super::player::{MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, ms_to_samples};
use crate::dtmf::Digit;
use crate::error::{Error, Result};

/// Digits a [`DtmfGenerator`] queues by default.
pub const DTMF_QUEUE_CAPACITY: usize = 256;
/// Longest tone or gap, in milliseconds.
pub const MAX_DTMF_DURATION_MS: u32 = 60_000;
/// Most audio [`generate_dtmf`] renders in one call, in seconds.
const MAX_GENERATED_SECONDS: u64 = 3600;

/// How DTMF digits sound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DtmfOptions {
    /// Level of the low-group (row) tone in dBm0, −60 to 0.
    pub level_dbm0: f64,
    /// Level of the high-group (column) tone relative to the low-group tone, in dB, −10 to
    /// 10. Positive is the usual pre-emphasis (high group louder).
    pub twist_db: f64,
    /// Tone duration per digit in milliseconds, 1 to [`MAX_DTMF_DURATION_MS`].
    pub duration_ms: u32,
    /// Silence after each digit in milliseconds, 0 to [`MAX_DTMF_DURATION_MS`].
    pub gap_ms: u32,
}

impl Default for DtmfOptions {
    /// −10 dBm0 low group, +2 dB twist (−8 dBm0 high group), 100 ms tone, 100 ms gap: well
    /// inside what ITU-T Q.24 receivers accept (0 to −36 dBm0 per tone, tones ≥ 40 ms,
    /// pauses ≥ 40 ms).
    fn default() -> Self {
        DtmfOptions {
            level_dbm0: -10.0,
            twist_db: 2.0,
            duration_ms: 100,
            gap_ms: 100,
        }
    }
}

impl DtmfOptions {
    /// Checks every field; an error names the first that is out of range.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: String| Err(Error::InvalidArgument(what));
        if !(-60.0..=0.0).contains(&self.level_dbm0) {
            return bad(format!(
                "DTMF level {} dBm0 is out of range; expected -60 to 0",
                self.level_dbm0
            ));
        }
        if !(-10.0..=10.0).contains(&self.twist_db) {
            return bad(format!(
                "DTMF twist {} dB is out of range; expected -10 to 10",
                self.twist_db
            ));
        }
        let peak =
            dbm0_to_amplitude(self.level_dbm0) + dbm0_to_amplitude(self.level_dbm0 + self.twist_db);
        if peak > f64::from(i16::MAX) {
            return bad(format!(
                "DTMF at {} dBm0 with {} dB twist would clip (peak {peak:.0} > 32767); \
                 lower the level",
                self.level_dbm0, self.twist_db
            ));
        }
        if !(1..=MAX_DTMF_DURATION_MS).contains(&self.duration_ms) {
            return bad(format!(
                "DTMF duration {} ms is out of range; expected 1 to {MAX_DTMF_DURATION_MS}",
                self.duration_ms
            ));
        }
        if self.gap_ms > MAX_DTMF_DURATION_MS {
            return bad(format!(
                "DTMF gap {} ms is out of range; expected 0 to {MAX_DTMF_DURATION_MS}",
                self.gap_ms
            ));
        }
        Ok(())
    }

    fn tones(&self, digit: Digit) -> ToneSet {
        let (low, high) = digit.frequencies();
        let tones = [
            Tone::new(low, self.level_dbm0),
            Tone::new(high, self.level_dbm0 + self.twist_db),
        ];
        // Validated options keep both levels between −70 dBm0 and the clipping point, and the
        // Q.23 frequencies are in range, so ToneSet accepts them.
        ToneSet::new(&tones).unwrap_or(ToneSet::SILENCE)
    }
}

/// Parses `digits`, naming the position of the first character that is not a digit.
fn parse_digits(digits: &str) -> Result<impl Iterator<Item = Digit> + '_> {
    if let Some((i, c)) = digits
        .char_indices()
        .find(|&(_, c)| Digit::from_char(c).is_err())
    {
        return Err(Error::InvalidArgument(format!(
            "{c:?} at index {i} of the DTMF string is not a DTMF digit; expected 0-9, *, #, A-D"
        )));
    }
    Ok(digits.chars().filter_map(|c| Digit::from_char(c).ok()))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Idle,
    Tone(Digit, u64),
    Gap(u64),
}

/// Plays queued DTMF digits: each digit's tone pair for `duration_ms`, then `gap_ms` of
/// silence; silence when the queue is empty.
///
/// The queue holds up to its capacity; [`push`](Self::push) beyond it is an error. Nothing
/// allocates after construction.
///
/// ```
/// use mediacore::tones::{DtmfGenerator, DtmfOptions};
///
/// let mut generator = DtmfGenerator::new(8000, DtmfOptions::default())?;
/// generator.push_str("12#")?;
/// let mut frame = [0i16; 160];
/// while !generator.is_idle() {
///     generator.fill(&mut frame); // send the frame
/// }
/// # Ok::<(), mediacore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct DtmfGenerator {
    sample_rate: u32,
    options: DtmfOptions,
    queue: VecDeque<Digit>,
    capacity: usize,
    state: State,
    voice: Voice,
}

impl DtmfGenerator {
    /// A generator at `sample_rate` (8000 to 384 000 Hz) with a queue of
    /// [`DTMF_QUEUE_CAPACITY`] digits.
    pub fn new(sample_rate: u32, options: DtmfOptions) -> Result<Self> {
        DtmfGenerator::with_capacity(sample_rate, options, DTMF_QUEUE_CAPACITY)
    }

    /// A generator whose queue holds `capacity` digits (at least 1).
    pub fn with_capacity(sample_rate: u32, options: DtmfOptions, capacity: usize) -> Result<Self> {
        options.validate()?;
        // The highest DTMF tone, 1633 Hz, must be below Nyquist.
        if !(8000.max(MIN_SAMPLE_RATE)..=MAX_SAMPLE_RATE).contains(&sample_rate) {
            return Err(Error::InvalidArgument(format!(
                "DTMF sample rate {sample_rate} Hz is out of range; expected 8000 to \
                 {MAX_SAMPLE_RATE} Hz"
            )));
        }
        if capacity == 0 {
            return Err(Error::InvalidArgument(
                "a DTMF queue of capacity 0; expected at least 1".into(),
            ));
        }
        Ok(DtmfGenerator {
            sample_rate,
            options,
            queue: VecDeque::with_capacity(capacity),
            capacity,
            state: State::Idle,
            voice: Voice::silent(),
        })
    }

    /// Queues one digit; an error if the queue is full.
    pub fn push(&mut self, digit: Digit) -> Result<()> {
        if self.queue.len() >= self.capacity {
            return Err(Error::InvalidArgument(format!(
                "the DTMF queue is full ({} digits); wait for it to drain",
                self.capacity
            )));
        }
        self.queue.push_back(digit);
        Ok(())
    }

    /// Queues every digit of `digits` (e.g. `"123#"`), or none of them if one is not a digit
    /// or they do not all fit; returns how many were queued.
    pub fn push_str(&mut self, digits: &str) -> Result<usize> {
        let count = parse_digits(digits)?.count();
        if self.queue.len() + count > self.capacity {
            return Err(Error::InvalidArgument(format!(
                "{count} digits do not fit in the DTMF queue ({} of {} free)",
                self.capacity - self.queue.len(),
                self.capacity
            )));
        }
        for digit in parse_digits(digits)? {
            self.queue.push_back(digit);
        }
        Ok(count)
    }

    /// Writes the next `out.len()` samples; returns how many belong to a digit's tone or
    /// gap (the rest, once the queue is empty, are zeros).
    pub fn fill(&mut self, out: &mut [i16]) -> usize {
        let mut written = 0;
        while written < out.len() {
            let remaining = match &mut self.state {
                State::Idle => match self.queue.pop_front() {
                    Some(digit) => {
                        self.voice = Voice::new(&self.options.tones(digit), self.sample_rate);
                        let n = ms_to_samples(self.options.duration_ms, self.sample_rate);
                        self.state = State::Tone(digit, n);
                        continue;
                    }
                    None => break,
                },
                State::Tone(_, r) | State::Gap(r) => r,
            };
            let n = (*remaining).min((out.len() - written) as u64) as usize;
            *remaining -= n as u64;
            let done = *remaining == 0;
            for sample in &mut out[written..written + n] {
                *sample = self.voice.next_sample();
            }
            written += n;
            if done {
                self.state = match self.state {
                    State::Tone(..) => {
                        self.voice = Voice::silent();
                        State::Gap(ms_to_samples(self.options.gap_ms, self.sample_rate))
                    }
                    _ => State::Idle,
                };
            }
        }
        out[written..].fill(0);
        written
    }

    /// Whether nothing is playing or queued.
    pub fn is_idle(&self) -> bool {
        self.state == State::Idle && self.queue.is_empty()
    }

    /// The digit whose tone is sounding, if any.
    pub fn current_digit(&self) -> Option<Digit> {
        match self.state {
            State::Tone(digit, _) => Some(digit),
            _ => None,
        }
    }

    /// Digits queued and not yet started.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Drops the queue and stops the digit playing, at once.
    pub fn clear(&mut self) {
        self.queue.clear();
        self.state = State::Idle;
        self.voice = Voice::silent();
    }

    /// The options in use.
    pub fn options(&self) -> &DtmfOptions {
        &self.options
    }

    /// The sample rate.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }
}

/// Renders `digits` (e.g. `"123#"`; `a`-`d` in either case) as 16-bit PCM at
/// `sample_rate`: each digit's tone for `duration_ms`, then `gap_ms` of silence, so the
/// result is `digits × (duration + gap)` long.
///
/// An error names the first character that is not a DTMF digit, or the option that is out
/// of range; at most one hour of audio is rendered per call.
///
/// ```
/// use mediacore::tones::{DtmfOptions, generate_dtmf};
///
/// let pcm = generate_dtmf("12#", 8000, &DtmfOptions::default())?;
/// assert_eq!(pcm.len(), 3 * (800 + 800));
/// assert!(generate_dtmf("12x", 8000, &DtmfOptions::default()).is_err());
/// # Ok::<(), mediacore::Error>(())
/// ```
pub fn generate_dtmf(digits: &str, sample_rate: u32, options: &DtmfOptions) -> Result<Vec<i16>> {
    let count = parse_digits(digits)?.count();
    let mut generator = DtmfGenerator::with_capacity(sample_rate, *options, count.max(1))?;
    let per_digit = ms_to_samples(options.duration_ms, sample_rate)
        + ms_to_samples(options.gap_ms, sample_rate);
    let total = per_digit.saturating_mul(count as u64);
    if total > MAX_GENERATED_SECONDS * u64::from(sample_rate) {
        return Err(Error::InvalidArgument(format!(
            "{count} digits would make more than {MAX_GENERATED_SECONDS} s of audio"
        )));
    }
    generator.push_str(digits)?;
    let mut pcm = vec![0i16; total as usize];
    generator.fill(&mut pcm);
    Ok(pcm)
}
