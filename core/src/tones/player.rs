//! [`ToneGenerator`]: plays a [`TonePlan`] into caller-owned buffers, sample-accurately.

use super::osc::Voice;
use super::plan::{Repeat, TonePlan};
use crate::error::{Error, Result};

/// Lowest sample rate a generator runs at, in Hz.
pub const MIN_SAMPLE_RATE: u32 = 1000;
/// Highest sample rate a generator runs at, in Hz.
pub const MAX_SAMPLE_RATE: u32 = 384_000;

/// Samples in `ms` milliseconds at `sample_rate`, rounded to the nearest (exact at 8, 16,
/// 32 and 48 kHz).
pub(crate) fn ms_to_samples(ms: u32, sample_rate: u32) -> u64 {
    (u64::from(ms) * u64::from(sample_rate) + 500) / 1000
}

/// Checks the rate and that every frequency of `plan` is below its Nyquist frequency.
pub(crate) fn check_rate(plan: &TonePlan, sample_rate: u32) -> Result<()> {
    if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate) {
        return Err(Error::InvalidArgument(format!(
            "sample rate {sample_rate} Hz is out of range; expected {MIN_SAMPLE_RATE} to \
             {MAX_SAMPLE_RATE} Hz"
        )));
    }
    let nyquist = f64::from(sample_rate) / 2.0;
    for part in plan.parts() {
        let modulation = part.sound.modulation().map(|m| m.frequency_hz);
        for hz in part
            .sound
            .tones()
            .iter()
            .map(|t| t.frequency_hz)
            .chain(modulation)
        {
            if hz >= nyquist {
                return Err(Error::InvalidArgument(format!(
                    "{hz} Hz cannot be played at {sample_rate} Hz; frequencies must be below \
                     {nyquist} Hz"
                )));
            }
        }
    }
    Ok(())
}

/// Plays a [`TonePlan`] at one sample rate.
///
/// Every part starts its sines at phase zero and lasts exactly its duration in samples
/// (rounded to the nearest sample at rates where a millisecond is not whole). Output depends
/// only on the number of samples pulled so far, never on how they are split across
/// [`fill`](Self::fill) calls. Nothing allocates after construction.
///
/// ```
/// use mediacore::tones::{CallProgressTone, ToneGenerator, TonePlan, ToneRegion};
///
/// let busy = TonePlan::call_progress(ToneRegion::Europe, CallProgressTone::Busy);
/// let mut generator = ToneGenerator::new(busy, 8000)?;
/// let mut frame = [0i16; 160];
/// assert_eq!(generator.fill(&mut frame), 160); // 20 ms of 425 Hz
/// # Ok::<(), mediacore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ToneGenerator {
    plan: TonePlan,
    sample_rate: u32,
    voice: Voice,
    /// Index of the part playing.
    part: usize,
    /// Samples left in the part; `None` for an endless part.
    remaining: Option<u64>,
    /// Completed passes of the repeated section.
    passes: u32,
    finished: bool,
    position: u64,
}

impl ToneGenerator {
    /// A generator for `plan` at `sample_rate`; an error if the rate is out of range or a
    /// frequency of the plan is not below half of it.
    pub fn new(plan: TonePlan, sample_rate: u32) -> Result<Self> {
        check_rate(&plan, sample_rate)?;
        let mut generator = ToneGenerator {
            plan,
            sample_rate,
            voice: Voice::silent(),
            part: 0,
            remaining: None,
            passes: 0,
            finished: false,
            position: 0,
        };
        generator.restart();
        Ok(generator)
    }

    /// Back to the first sample of the plan.
    pub fn restart(&mut self) {
        self.passes = 0;
        self.finished = false;
        self.position = 0;
        self.enter(0);
    }

    fn enter(&mut self, index: usize) {
        self.part = index;
        let part = &self.plan.parts()[index];
        self.voice = Voice::new(&part.sound, self.sample_rate);
        self.remaining = part
            .duration_ms
            .map(|ms| ms_to_samples(ms, self.sample_rate));
    }

    /// Moves past a finished part: to the next, back to the loop start, or to the end.
    fn advance(&mut self) {
        let next = self.part + 1;
        if next < self.plan.parts().len() {
            self.enter(next);
            return;
        }
        let loop_start = self.plan.loop_start();
        if loop_start < self.plan.parts().len() {
            self.passes = self.passes.saturating_add(1);
            let more = match self.plan.repeat() {
                Repeat::Forever => true,
                Repeat::Times(n) => self.passes < n,
            };
            if more {
                self.enter(loop_start);
                return;
            }
        }
        self.finished = true;
        self.voice = Voice::silent();
    }

    /// Writes the next `out.len()` samples and returns how many of them belong to the plan;
    /// after the plan's end the rest of `out` is zeros.
    pub fn fill(&mut self, out: &mut [i16]) -> usize {
        let mut written = 0;
        while written < out.len() && !self.finished {
            let room = (out.len() - written) as u64;
            let n = self.remaining.map_or(room, |r| r.min(room)) as usize;
            for sample in &mut out[written..written + n] {
                *sample = self.voice.next_sample();
            }
            written += n;
            self.position += n as u64;
            if let Some(r) = &mut self.remaining {
                *r -= n as u64;
                if *r == 0 {
                    self.advance();
                }
            }
        }
        out[written..].fill(0);
        written
    }

    /// Whether the plan has ended (never, for a plan that repeats forever or ends in an
    /// endless part).
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Samples produced since construction or [`restart`](Self::restart).
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The plan being played.
    pub fn plan(&self) -> &TonePlan {
        &self.plan
    }

    /// The sample rate.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }
}

/// Longest audio [`generate_tone`] renders, in milliseconds (one hour).
pub const MAX_RENDER_MS: u64 = 3_600_000;

/// `duration_ms` of the plan `plan` names or describes ([`TonePlan::named_or_parse`]:
/// `us/busy`, `europe/ringback`, or plan text) at `sample_rate`, silence after a plan that
/// ends sooner: the one-call form the bindings offer for test scripts.
///
/// ```
/// let busy = mediacore::tones::generate_tone("us/busy", 8000, 1000)?;
/// assert_eq!(busy.len(), 8000);
/// assert!(busy[..4000].iter().any(|&s| s != 0) && busy[4000..].iter().all(|&s| s == 0));
/// # Ok::<(), mediacore::Error>(())
/// ```
pub fn generate_tone(plan: &str, sample_rate: u32, duration_ms: u64) -> Result<Vec<i16>> {
    if duration_ms > MAX_RENDER_MS {
        return Err(Error::InvalidArgument(format!(
            "tone duration {duration_ms} ms is out of range; expected at most {MAX_RENDER_MS}"
        )));
    }
    let mut generator = ToneGenerator::new(TonePlan::named_or_parse(plan)?, sample_rate)?;
    let mut pcm = vec![0; (duration_ms * u64::from(sample_rate) / 1000) as usize];
    generator.fill(&mut pcm);
    Ok(pcm)
}
