//! The recording's timeline: output positions from the host's `now`, pause bookkeeping,
//! how far output may be committed, and the legs mixed into the recording's channels.
//!
//! Output position `k` plays at `start + skipped + k / rate`, where `skipped` is the time
//! paused in [`PauseMode::Skip`]. Output is committed up to where every live leg has
//! audio (*ready*), but never lags `now` by more than [`MAX_LAG`] (*due*): a leg that is
//! late or silent gets silence there, so a missing leg never stops the recording. A leg
//! that has ended does not hold anything back.

use core::time::Duration;

use super::leg::Leg;
use super::{PauseMode, RecordError, RecordLayout};
use crate::{AudioFrame, Instant};

/// How far committed output may lag `now` while a leg is late or silent.
pub const MAX_LAG: Duration = Duration::from_millis(200);

/// Full scale of the mixed-mono sum below which it passes unchanged (3/4 of `i16`).
const KNEE: i32 = 24_576;

/// The legs of a recording and the position up to which their audio is committed.
#[derive(Debug)]
pub(crate) struct Timeline {
    rate: u32,
    layout: RecordLayout,
    mode: PauseMode,
    legs: Vec<Leg>,
    start: Instant,
    skipped: Duration,
    paused_at: Option<Instant>,
    committed: u64,
    left: Vec<i16>,
    right: Vec<i16>,
}

impl Timeline {
    /// A timeline starting at `start`, mixing in pieces of at most `chunk` frames.
    pub(crate) fn new(
        layout: RecordLayout,
        rate: u32,
        mode: PauseMode,
        start: Instant,
        chunk: usize,
    ) -> Self {
        // Room for the lag bound and a few frames before a FIFO grows.
        let capacity = rate as usize / 2;
        Timeline {
            rate,
            layout,
            mode,
            legs: (0..layout.legs())
                .map(|i| Leg::new(i, rate, capacity))
                .collect(),
            start,
            skipped: Duration::ZERO,
            paused_at: None,
            committed: 0,
            left: vec![0; chunk],
            right: vec![0; chunk],
        }
    }

    /// The position up to which output is committed.
    pub(crate) fn committed(&self) -> u64 {
        self.committed
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused_at.is_some()
    }

    /// Whether time stands still: paused in `Skip` mode.
    pub(crate) fn is_frozen(&self) -> bool {
        self.is_paused() && self.mode == PauseMode::Skip
    }

    pub(crate) fn leg(&self, leg: usize) -> Option<&Leg> {
        self.legs.get(leg)
    }

    /// The output position that plays at `now` (frozen while paused in `Skip` mode).
    pub(crate) fn position(&self, now: Instant) -> u64 {
        let now = match (self.paused_at, self.mode) {
            (Some(at), PauseMode::Skip) => at.min(now),
            _ => now,
        };
        let elapsed = now
            .saturating_duration_since(self.start)
            .saturating_sub(self.skipped);
        (u128::from(self.rate) * elapsed.as_micros() / 1_000_000) as u64
    }

    /// When output position `position` plus `lag` plays.
    pub(crate) fn instant_of(&self, position: u64, lag: Duration) -> Instant {
        let micros = (u128::from(position) * 1_000_000).div_ceil(u128::from(self.rate));
        let at = Duration::from_micros(u64::try_from(micros).unwrap_or(u64::MAX));
        self.start + self.skipped + at + lag
    }

    /// Where every live leg has audio; all legs' furthest point when none is live.
    fn ready(&self) -> u64 {
        let ends = self.legs.iter().map(|l| (l.is_ended(), l.buffered()));
        let live = ends
            .clone()
            .filter(|(ended, _)| !ended)
            .map(|(_, b)| b)
            .min();
        let buffered = live.unwrap_or_else(|| ends.map(|(_, b)| b).max().unwrap_or(0));
        self.committed + buffered
    }

    /// How far output must be committed by `now`.
    fn due(&self, now: Instant) -> u64 {
        match (self.paused_at, self.mode) {
            (Some(_), PauseMode::Skip) => self.committed,
            (Some(_), PauseMode::Silence) => self.position(now),
            (None, _) => self.position(now).saturating_sub(self.frames(MAX_LAG)),
        }
    }

    /// The lag allowed before a checkpoint falls due.
    pub(crate) fn lag(&self) -> Duration {
        if self.is_paused() {
            Duration::ZERO
        } else {
            MAX_LAG
        }
    }

    /// The position to commit up to at `now`.
    pub(crate) fn target(&self, now: Instant) -> u64 {
        self.ready().max(self.due(now))
    }

    fn frames(&self, duration: Duration) -> u64 {
        (u128::from(self.rate) * duration.as_nanos() / 1_000_000_000) as u64
    }

    /// Places `frame` on `leg` at the position of `now`.
    pub(crate) fn place(
        &mut self,
        leg: usize,
        now: Instant,
        frame: &AudioFrame,
    ) -> Result<(), RecordError> {
        let p = self.position(now);
        let committed = self.committed;
        match self.legs.get_mut(leg) {
            Some(l) => l.write(p, frame, committed),
            None => Ok(()),
        }
    }

    /// Hangs up `leg`.
    pub(crate) fn end_leg(&mut self, leg: usize) -> Result<(), RecordError> {
        self.legs.get_mut(leg).map_or(Ok(()), Leg::end)
    }

    /// Readies a commit up to `target`: legs whose audio ends before it stop their stream,
    /// so what they hold is out and silence follows.
    pub(crate) fn prepare(&mut self, target: u64) -> Result<(), RecordError> {
        for leg in &mut self.legs {
            if self.committed + leg.buffered() < target {
                leg.close()?;
            }
        }
        Ok(())
    }

    /// Commits the next `out.len() / channels` frames into `out`, interleaved.
    pub(crate) fn pull(&mut self, out: &mut [i16]) {
        let n = out.len() / usize::from(self.layout.channels());
        match self.layout {
            RecordLayout::Mono => self.legs[0].take(out),
            RecordLayout::Stereo => {
                self.legs[0].take(&mut self.left[..n]);
                self.legs[1].take(&mut self.right[..n]);
                for (pair, (&l, &r)) in out
                    .chunks_exact_mut(2)
                    .zip(self.left.iter().zip(&self.right))
                {
                    pair[0] = l;
                    pair[1] = r;
                }
            }
            RecordLayout::MixedMono => {
                self.legs[0].take(&mut self.left[..n]);
                self.legs[1].take(&mut self.right[..n]);
                for (dst, (&a, &b)) in out.iter_mut().zip(self.left.iter().zip(&self.right)) {
                    *dst = soft_sum(a, b);
                }
            }
        }
        self.committed += n as u64;
    }

    /// Starts a pause at `now`: streams end, audio meant to play after `now` is dropped.
    /// Returns the position to commit up to before pausing.
    pub(crate) fn begin_pause(&mut self, now: Instant) -> Result<u64, RecordError> {
        let at = self.position(now).max(self.committed);
        let mut result = Ok(());
        for leg in &mut self.legs {
            result = result.and(leg.close());
            leg.truncate(at - self.committed);
        }
        self.paused_at = Some(now);
        result.map(|()| at)
    }

    /// Ends a pause at `now`; in `Skip` mode the paused time leaves the timeline.
    pub(crate) fn end_pause(&mut self, now: Instant) {
        if let Some(at) = self.paused_at.take()
            && self.mode == PauseMode::Skip
        {
            self.skipped += now.saturating_duration_since(at);
        }
    }

    /// Ends every stream and returns the position that covers all audio and `now`.
    pub(crate) fn finish_target(&mut self, now: Instant) -> Result<u64, RecordError> {
        let mut result = Ok(());
        for leg in &mut self.legs {
            result = result.and(leg.close());
        }
        let furthest = self.committed + self.legs.iter().map(Leg::buffered).max().unwrap_or(0);
        let now_at = if self.is_paused() {
            self.due(now)
        } else {
            self.position(now)
        };
        let end = furthest.max(now_at);
        result.map(|()| end)
    }
}

/// Two legs summed; sums past [`KNEE`] are compressed so that the largest possible sum
/// lands on full scale instead of clipping.
fn soft_sum(a: i16, b: i16) -> i16 {
    let sum = i32::from(a) + i32::from(b);
    let magnitude = sum.abs();
    if magnitude <= KNEE {
        return sum as i16;
    }
    let over = magnitude - KNEE;
    let squeezed = KNEE + over * (i32::from(i16::MAX) - KNEE) / (65_536 - KNEE);
    (squeezed * sum.signum()) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soft_sum_passes_small_sums_and_never_wraps() {
        assert_eq!(soft_sum(1000, -300), 700);
        assert_eq!(soft_sum(12_000, 12_000), 24_000);
        assert_eq!(soft_sum(i16::MAX, i16::MAX), 32_766);
        assert_eq!(soft_sum(i16::MIN, i16::MIN), -32_767);
        let mut last = i16::MIN;
        for s in (-65_536..=65_534).step_by(97) {
            let a = (s / 2) as i16;
            let b = (s - s / 2) as i16;
            let y = soft_sum(a, b);
            assert!(y >= last, "monotonic at {s}");
            last = y;
        }
    }
}
