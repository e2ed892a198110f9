//! Time as data: the host's monotonic clock and RTP media clocks.
//!
//! The core never reads a clock. Hosts pass an [`Instant`] into every time-dependent call;
//! RTP timestamps are extended to 64 bits by [`TimestampExtender`] and carried with their
//! clock rate as [`MediaTime`], which is a different thing from an audio sample rate.

use core::ops::{Add, Sub};
use core::time::Duration;

/// A point on the host's monotonic clock, in microseconds since an origin the host chooses.
///
/// Only differences between instants of one host carry meaning. Serialized as the number of
/// microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Instant(u64);

impl Instant {
    /// The origin of the host's clock.
    pub const ZERO: Instant = Instant(0);

    /// An instant `micros` microseconds after the host's origin.
    pub const fn from_micros(micros: u64) -> Self {
        Instant(micros)
    }

    /// An instant `millis` milliseconds after the host's origin.
    pub const fn from_millis(millis: u64) -> Self {
        Instant(millis.saturating_mul(1000))
    }

    /// Microseconds since the host's origin.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Time elapsed from `earlier` to `self`, or zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, rhs: Duration) -> Instant {
        let micros = u64::try_from(rhs.as_micros()).unwrap_or(u64::MAX);
        Instant(self.0.saturating_add(micros))
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, rhs: Duration) -> Instant {
        let micros = u64::try_from(rhs.as_micros()).unwrap_or(u64::MAX);
        Instant(self.0.saturating_sub(micros))
    }
}

/// A position on an RTP media clock: ticks at `clock_rate` Hz, extended past 32 bits.
///
/// RFC 3550 §5.1: the RTP timestamp counts at the payload format's clock rate, which is not
/// always the audio sample rate (G.722 samples at 16 kHz on an 8 kHz clock; Opus always
/// uses 48 kHz).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MediaTime {
    ticks: u64,
    clock_rate: u32,
}

impl MediaTime {
    /// `ticks` on a clock running at `clock_rate` Hz. A zero clock rate is treated as 1 Hz.
    pub const fn new(ticks: u64, clock_rate: u32) -> Self {
        let clock_rate = if clock_rate == 0 { 1 } else { clock_rate };
        MediaTime { ticks, clock_rate }
    }

    /// The extended tick count.
    pub const fn ticks(self) -> u64 {
        self.ticks
    }

    /// The clock rate in Hz.
    pub const fn clock_rate(self) -> u32 {
        self.clock_rate
    }

    /// The low 32 bits, as carried in an RTP header.
    pub const fn rtp_timestamp(self) -> u32 {
        self.ticks as u32
    }

    /// This position as a duration from tick zero.
    pub fn as_duration(self) -> Duration {
        let rate = u64::from(self.clock_rate);
        let secs = self.ticks / rate;
        let rem = self.ticks % rate;
        Duration::from_secs(secs) + Duration::from_nanos(rem * 1_000_000_000 / rate)
    }
}

/// Extends a wrapping `BITS`-bit counter (RTP timestamps, sequence numbers) to 64 bits.
///
/// Each new value is placed at the 64-bit position nearest the previous highest one, so a
/// value that goes backwards by less than half the counter's range (reordering) stays
/// behind, and one that wraps from the maximum to 0 moves forward. The first value is
/// placed at `2^BITS`, so that a slightly earlier value arriving next needs no negative
/// position.
#[derive(Debug, Clone, Copy, Default)]
pub struct WrapExtender<const BITS: u32> {
    highest: Option<u64>,
}

/// Extends 32-bit RTP timestamps (RFC 3550 §5.1).
pub type TimestampExtender = WrapExtender<32>;
/// Extends 16-bit RTP sequence numbers (RFC 3550 §5.1, appendix A.1).
pub type SequenceExtender = WrapExtender<16>;

impl<const BITS: u32> WrapExtender<BITS> {
    /// An extender that has seen no value yet.
    pub const fn new() -> Self {
        WrapExtender { highest: None }
    }

    /// Extends `value`, whose bits above `BITS` are ignored.
    pub fn extend(&mut self, value: u64) -> u64 {
        let span = 1u64 << BITS;
        let low = value & (span - 1);
        let ext = match self.highest {
            None => span | low,
            Some(highest) => extend_near(highest, low, span),
        };
        if self.highest.is_none_or(|h| ext > h) {
            self.highest = Some(ext);
        }
        ext
    }

    /// Forget history; the next value starts a new timeline.
    pub fn reset(&mut self) {
        self.highest = None;
    }
}

/// The value congruent to `low` modulo `span` that lies nearest `reference`.
fn extend_near(reference: u64, low: u64, span: u64) -> u64 {
    let half = span / 2;
    let base = reference & !(span - 1);
    let candidate = base | low;
    if candidate > reference && candidate - reference > half && candidate >= span {
        candidate - span
    } else if candidate < reference && reference - candidate > half {
        candidate + span
    } else {
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_extend_across_wrap_and_reordering() {
        let mut ext = TimestampExtender::new();
        let a = ext.extend(0xFFFF_FF00);
        let b = ext.extend(0x0000_0060);
        assert_eq!(b - a, 0x160);
        let c = ext.extend(0xFFFF_FFA0);
        assert_eq!(
            c,
            a + 0xA0,
            "a reordered pre-wrap timestamp stays before the wrap"
        );
        let d = ext.extend(0x0000_00C0);
        assert_eq!(d, b + 0x60);
    }

    #[test]
    fn sequence_numbers_extend_across_many_wraps() {
        let mut ext = SequenceExtender::new();
        let first = ext.extend(0);
        let mut seq: u16 = 0;
        for i in 1..300_000u64 {
            seq = seq.wrapping_add(1);
            assert_eq!(ext.extend(u64::from(seq)), first + i);
        }
    }

    #[test]
    fn instant_arithmetic_saturates() {
        let t = Instant::from_millis(5);
        assert_eq!((t + Duration::from_millis(20)).as_micros(), 25_000);
        assert_eq!(t - Duration::from_secs(1), Instant::ZERO);
        assert_eq!(
            Instant::from_millis(30).saturating_duration_since(t),
            Duration::from_millis(25)
        );
        assert_eq!(
            t.saturating_duration_since(Instant::from_millis(30)),
            Duration::ZERO
        );
    }

    #[test]
    fn media_time_converts_on_its_own_clock() {
        let t = MediaTime::new(8000 * 3 + 4000, 8000);
        assert_eq!(t.as_duration(), Duration::from_millis(3500));
        assert_eq!(
            MediaTime::new(u64::from(u32::MAX) + 5, 48_000).rtp_timestamp(),
            4
        );
    }
}
