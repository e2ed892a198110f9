//! [`DigitCollector`]: gathers a caller's digits until a terminator, a digit count or a
//! timeout ends the collection, on the host's time.
//!
//! Digits from RFC 4733, in-band detection and signalling (SIP INFO) are accepted alike.
//! Driven like the rest of the crate: [`start`](DigitCollector::start), feed digits with
//! [`push_digit`](DigitCollector::push_digit), call
//! [`handle_timeout`](DigitCollector::handle_timeout) at
//! [`poll_timeout`](DigitCollector::poll_timeout), read [`poll_result`](DigitCollector::poll_result).
//!
//! Timing rules:
//! - A deadline is inclusive: at `now == deadline` it has expired. A digit pushed at or after
//!   a deadline that has not yet been handled does not count: the timeout ends the collection
//!   first (the digit is then ignored).
//! - When several deadlines have passed, the earliest is the reason; on a tie the overall
//!   timeout wins.
//! - Digits pushed while no collection runs (before `start`, after the result) are ignored,
//!   not kept for the next collection ([`Push::Ignored`]); a host that wants type-ahead starts
//!   the next collection before the caller may press keys.

use core::fmt;
use core::time::Duration;

use super::Digit;
use crate::error::{Error, Result};
use crate::time::Instant;

/// Most digits one collection gathers.
pub const MAX_COLLECT_DIGITS: usize = 64;

/// Where a digit came from. Every source is accepted alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigitSource {
    /// An RFC 4733 telephone-event.
    Rfc4733,
    /// The in-band DTMF detector.
    InBand,
    /// Call signalling, e.g. SIP INFO.
    Signalling,
}

impl DigitSource {
    /// `rfc4733`, `in_band` or `signalling`, as events and the bindings name it.
    pub const fn name(self) -> &'static str {
        match self {
            DigitSource::Rfc4733 => "rfc4733",
            DigitSource::InBand => "in_band",
            DigitSource::Signalling => "signalling",
        }
    }
}

/// A set of keys that end a collection (e.g. `#`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Terminators(u16);

impl Terminators {
    /// No terminator.
    pub const NONE: Terminators = Terminators(0);
    /// `#` alone, the usual choice.
    pub const HASH: Terminators = Terminators(1 << Digit::Hash as u16);

    /// The set of `digits`.
    pub fn of(digits: &[Digit]) -> Terminators {
        Terminators(digits.iter().fold(0, |set, &d| set | 1 << d as u16))
    }

    /// The set of the keys in `text` (e.g. `"#*"`); an error names a character that is not a
    /// DTMF key.
    pub fn parse(text: &str) -> Result<Terminators> {
        let mut set = 0;
        for c in text.chars() {
            set |= 1 << Digit::from_char(c)? as u16;
        }
        Ok(Terminators(set))
    }

    /// Whether `digit` is in the set.
    pub const fn contains(self, digit: Digit) -> bool {
        self.0 & (1 << digit as u16) != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// What a collection wants. Timeouts of `None` are off; zero timeouts are errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectConfig {
    /// Fewest digits for a valid result ([`Collected::is_valid`]); 0 to `max_digits`. It does
    /// not change when the collection ends.
    pub min_digits: usize,
    /// The collection ends as soon as it holds this many digits; 1 to
    /// [`MAX_COLLECT_DIGITS`].
    pub max_digits: usize,
    /// Keys that end the collection; the terminator is reported apart, not among the
    /// digits.
    pub terminators: Terminators,
    /// From `start` to the first digit.
    pub first_digit_timeout: Option<Duration>,
    /// From each digit to the next.
    pub inter_digit_timeout: Option<Duration>,
    /// From `start` to the end, whatever the digits.
    pub overall_timeout: Option<Duration>,
}

impl Default for CollectConfig {
    /// 1 to 20 digits ended by `#`, 5 s for the first digit, 3 s between digits, no overall
    /// limit.
    fn default() -> Self {
        CollectConfig {
            min_digits: 1,
            max_digits: 20,
            terminators: Terminators::HASH,
            first_digit_timeout: Some(Duration::from_secs(5)),
            inter_digit_timeout: Some(Duration::from_secs(3)),
            overall_timeout: None,
        }
    }
}

impl CollectConfig {
    /// Checks the counts and timeouts; an error says which is wrong.
    pub fn validate(&self) -> Result<()> {
        if self.max_digits == 0 || self.max_digits > MAX_COLLECT_DIGITS {
            return Err(Error::InvalidArgument(format!(
                "max_digits {} is out of range; expected 1 to {MAX_COLLECT_DIGITS}",
                self.max_digits
            )));
        }
        if self.min_digits > self.max_digits {
            return Err(Error::InvalidArgument(format!(
                "min_digits {} is greater than max_digits {}",
                self.min_digits, self.max_digits
            )));
        }
        for (name, timeout) in [
            ("first_digit_timeout", self.first_digit_timeout),
            ("inter_digit_timeout", self.inter_digit_timeout),
            ("overall_timeout", self.overall_timeout),
        ] {
            if timeout == Some(Duration::ZERO) {
                return Err(Error::InvalidArgument(format!(
                    "{name} is zero; give a positive duration, or None for no timeout"
                )));
            }
        }
        Ok(())
    }
}

/// Why a collection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CollectReason {
    /// A terminator key was pressed.
    Terminator,
    /// `max_digits` digits were collected.
    MaxDigits,
    /// No digit came within `first_digit_timeout`.
    FirstDigitTimeout,
    /// No further digit came within `inter_digit_timeout`.
    InterDigitTimeout,
    /// `overall_timeout` passed.
    OverallTimeout,
    /// [`DigitCollector::cancel`] was called.
    Cancelled,
}

impl CollectReason {
    /// The reason in snake_case (`terminator`, `max_digits`, `first_digit_timeout`,
    /// `inter_digit_timeout`, `overall_timeout`, `cancelled`), as events and the bindings
    /// name it.
    pub const fn name(self) -> &'static str {
        match self {
            CollectReason::Terminator => "terminator",
            CollectReason::MaxDigits => "max_digits",
            CollectReason::FirstDigitTimeout => "first_digit_timeout",
            CollectReason::InterDigitTimeout => "inter_digit_timeout",
            CollectReason::OverallTimeout => "overall_timeout",
            CollectReason::Cancelled => "cancelled",
        }
    }
}

/// Collected digits, held inline so that a result never allocates.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digits {
    digits: [Digit; MAX_COLLECT_DIGITS],
    len: usize,
}

impl Digits {
    const EMPTY: Digits = Digits {
        digits: [Digit::D0; MAX_COLLECT_DIGITS],
        len: 0,
    };

    /// The digits in order.
    pub fn as_slice(&self) -> &[Digit] {
        &self.digits[..self.len]
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Default for Digits {
    /// No digits.
    fn default() -> Self {
        Digits::EMPTY
    }
}

impl fmt::Display for Digits {
    /// The keys as text, e.g. `1234`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_slice().iter().try_for_each(|d| write!(f, "{d}"))
    }
}

impl fmt::Debug for Digits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digits({self})")
    }
}

/// The result of one collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collected {
    /// The digits, without the terminator.
    pub digits: Digits,
    /// Why the collection ended.
    pub reason: CollectReason,
    /// The terminator key, when `reason` is [`CollectReason::Terminator`].
    pub terminator: Option<Digit>,
    /// When the collection ended: the digit's time, the deadline for timeouts, or the
    /// `now` of `cancel`.
    pub ended_at: Instant,
    /// Whether at least `min_digits` digits were collected.
    pub min_digits_met: bool,
}

impl Collected {
    /// Whether the result is usable: at least `min_digits` digits and not cancelled.
    pub fn is_valid(&self) -> bool {
        self.min_digits_met && self.reason != CollectReason::Cancelled
    }
}

/// What [`DigitCollector::push_digit`] did with a digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Push {
    /// Added; the collection goes on.
    Accepted,
    /// It ended the collection (terminator or `max_digits`); the result is ready.
    Completed,
    /// No collection was running (or a deadline had already passed), so it was ignored.
    Ignored,
}

#[derive(Debug, Clone, Copy)]
struct Running {
    config: CollectConfig,
    started_at: Instant,
    last_digit_at: Option<Instant>,
    digits: Digits,
}

impl Running {
    /// The earliest deadline and its reason; the overall timeout wins ties.
    fn deadline(&self) -> Option<(Instant, CollectReason)> {
        let overall = self
            .config
            .overall_timeout
            .map(|t| (self.started_at + t, CollectReason::OverallTimeout));
        let digit = match self.last_digit_at {
            None => self
                .config
                .first_digit_timeout
                .map(|t| (self.started_at + t, CollectReason::FirstDigitTimeout)),
            Some(at) => self
                .config
                .inter_digit_timeout
                .map(|t| (at + t, CollectReason::InterDigitTimeout)),
        };
        match (overall, digit) {
            (Some(o), Some(d)) => Some(if o.0 <= d.0 { o } else { d }),
            (o, d) => o.or(d),
        }
    }
}

/// Collects digits per a [`CollectConfig`]; one collection at a time.
///
/// ```
/// use core::time::Duration;
/// use mediacore::Instant;
/// use mediacore::dtmf::{CollectConfig, CollectReason, DigitCollector, DigitSource, Digit};
///
/// let mut collector = DigitCollector::new();
/// collector.start(Instant::ZERO, CollectConfig::default())?;
/// collector.push_digit(Instant::from_millis(900), Digit::D4, DigitSource::Rfc4733);
/// collector.push_digit(Instant::from_millis(1500), Digit::D2, DigitSource::InBand);
/// // Nothing more: the inter-digit timeout (3 s) ends the collection.
/// assert_eq!(collector.poll_timeout(), Some(Instant::from_millis(4500)));
/// collector.handle_timeout(Instant::from_millis(4500));
/// let result = collector.poll_result().unwrap();
/// assert_eq!(result.digits.to_string(), "42");
/// assert_eq!(result.reason, CollectReason::InterDigitTimeout);
/// # Ok::<(), mediacore::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct DigitCollector {
    running: Option<Running>,
    result: Option<Collected>,
}

impl DigitCollector {
    /// An idle collector.
    pub fn new() -> Self {
        DigitCollector::default()
    }

    /// Starts a collection at `now`. Any running collection and any unread result are
    /// dropped. An invalid `config` is an error and leaves the collector as it was.
    pub fn start(&mut self, now: Instant, config: CollectConfig) -> Result<()> {
        config.validate()?;
        self.result = None;
        self.running = Some(Running {
            config,
            started_at: now,
            last_digit_at: None,
            digits: Digits::EMPTY,
        });
        Ok(())
    }

    /// Whether a collection is running.
    pub fn is_collecting(&self) -> bool {
        self.running.is_some()
    }

    /// Feeds one digit received at `now` from `source`.
    pub fn push_digit(&mut self, now: Instant, digit: Digit, source: DigitSource) -> Push {
        // Sources are accepted alike.
        let _ = source;
        self.handle_timeout(now);
        let Some(running) = &mut self.running else {
            return Push::Ignored;
        };
        if running.config.terminators.contains(digit) {
            self.finish(now, CollectReason::Terminator, Some(digit));
            return Push::Completed;
        }
        running.digits.digits[running.digits.len] = digit;
        running.digits.len += 1;
        running.last_digit_at = Some(now);
        if running.digits.len >= running.config.max_digits {
            self.finish(now, CollectReason::MaxDigits, None);
            return Push::Completed;
        }
        Push::Accepted
    }

    /// Ends the collection if a deadline has passed at `now`; harmless at any other time.
    pub fn handle_timeout(&mut self, now: Instant) {
        let expired = self
            .running
            .as_ref()
            .and_then(Running::deadline)
            .filter(|&(at, _)| at <= now);
        if let Some((at, reason)) = expired {
            self.finish(at, reason, None);
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called; `None` when idle or
    /// when no timeout is set.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.running
            .as_ref()
            .and_then(Running::deadline)
            .map(|(at, _)| at)
    }

    /// Ends a running collection with [`CollectReason::Cancelled`] and the digits so far;
    /// returns whether one was running.
    pub fn cancel(&mut self, now: Instant) -> bool {
        if self.running.is_none() {
            return false;
        }
        self.finish(now, CollectReason::Cancelled, None);
        true
    }

    /// The result of the last collection, once; `None` while collecting or when already
    /// read.
    #[must_use]
    pub fn poll_result(&mut self) -> Option<Collected> {
        self.result.take()
    }

    fn finish(&mut self, at: Instant, reason: CollectReason, terminator: Option<Digit>) {
        if let Some(running) = self.running.take() {
            self.result = Some(Collected {
                digits: running.digits,
                reason,
                terminator,
                ended_at: at,
                min_digits_met: running.digits.len >= running.config.min_digits,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Instant {
        Instant::from_millis(n)
    }

    fn config() -> CollectConfig {
        CollectConfig {
            min_digits: 2,
            max_digits: 4,
            terminators: Terminators::parse("#*").unwrap(),
            first_digit_timeout: Some(Duration::from_millis(5000)),
            inter_digit_timeout: Some(Duration::from_millis(2000)),
            overall_timeout: Some(Duration::from_millis(10_000)),
        }
    }

    fn started(at: u64) -> DigitCollector {
        let mut c = DigitCollector::new();
        c.start(ms(at), config()).unwrap();
        c
    }

    #[test]
    fn a_terminator_ends_the_collection_and_is_reported_apart() {
        let mut c = started(0);
        assert_eq!(
            c.push_digit(ms(100), Digit::D1, DigitSource::Rfc4733),
            Push::Accepted
        );
        assert_eq!(c.poll_result(), None);
        assert_eq!(
            c.push_digit(ms(200), Digit::D2, DigitSource::InBand),
            Push::Accepted
        );
        assert_eq!(
            c.push_digit(ms(300), Digit::Hash, DigitSource::Signalling),
            Push::Completed
        );
        let r = c.poll_result().unwrap();
        assert_eq!(r.digits.to_string(), "12");
        assert_eq!(r.digits.as_slice(), [Digit::D1, Digit::D2]);
        assert_eq!(r.reason, CollectReason::Terminator);
        assert_eq!(r.terminator, Some(Digit::Hash));
        assert_eq!(r.ended_at, ms(300));
        assert!(r.is_valid());
        assert_eq!(c.poll_result(), None, "a result is read once");
        assert!(!c.is_collecting());
        assert_eq!(c.poll_timeout(), None);
    }

    #[test]
    fn a_terminator_before_min_digits_ends_with_an_invalid_result() {
        let mut c = started(0);
        c.push_digit(ms(100), Digit::D1, DigitSource::Rfc4733);
        c.push_digit(ms(200), Digit::Star, DigitSource::Rfc4733);
        let r = c.poll_result().unwrap();
        assert_eq!(r.reason, CollectReason::Terminator);
        assert_eq!(r.terminator, Some(Digit::Star));
        assert!(!r.min_digits_met);
        assert!(!r.is_valid());
    }

    #[test]
    fn max_digits_ends_the_collection_at_once() {
        let mut c = started(0);
        for (i, d) in [Digit::D9, Digit::D8, Digit::D7].into_iter().enumerate() {
            let push = c.push_digit(ms(100 * i as u64), d, DigitSource::InBand);
            assert_eq!(push, Push::Accepted);
        }
        assert_eq!(
            c.push_digit(ms(400), Digit::A, DigitSource::InBand),
            Push::Completed
        );
        let r = c.poll_result().unwrap();
        assert_eq!(
            (r.digits.to_string().as_str(), r.reason),
            ("987A", CollectReason::MaxDigits)
        );
        assert_eq!(r.terminator, None);
        // After completion digits are ignored, not queued for the next collection.
        assert_eq!(
            c.push_digit(ms(500), Digit::D1, DigitSource::InBand),
            Push::Ignored
        );
        c.start(ms(600), config()).unwrap();
        c.cancel(ms(700));
        assert!(c.poll_result().unwrap().digits.is_empty());
    }

    #[test]
    fn the_first_digit_timeout_expires_exactly_at_its_deadline() {
        let mut c = started(1000);
        assert_eq!(c.poll_timeout(), Some(ms(6000)));
        c.handle_timeout(ms(5999));
        assert!(c.is_collecting(), "one millisecond early does nothing");
        c.handle_timeout(ms(6000));
        let r = c.poll_result().unwrap();
        assert_eq!(r.reason, CollectReason::FirstDigitTimeout);
        assert_eq!(r.ended_at, ms(6000));
        assert!(r.digits.is_empty());
        assert!(!r.is_valid());
    }

    #[test]
    fn a_digit_at_the_deadline_loses_to_the_timeout() {
        let mut c = started(0);
        assert_eq!(
            c.push_digit(ms(5000), Digit::D1, DigitSource::Rfc4733),
            Push::Ignored
        );
        assert_eq!(
            c.poll_result().unwrap().reason,
            CollectReason::FirstDigitTimeout
        );
        // One microsecond earlier, it counts.
        let mut c = started(0);
        let just_before = Instant::from_micros(4_999_999);
        assert_eq!(
            c.push_digit(just_before, Digit::D1, DigitSource::Rfc4733),
            Push::Accepted
        );
        assert_eq!(c.poll_timeout(), Some(just_before + Duration::from_secs(2)));
    }

    #[test]
    fn the_inter_digit_timeout_runs_from_the_last_digit() {
        let mut c = started(0);
        c.push_digit(ms(1000), Digit::D1, DigitSource::Rfc4733);
        assert_eq!(c.poll_timeout(), Some(ms(3000)));
        c.push_digit(ms(2500), Digit::D2, DigitSource::Rfc4733);
        assert_eq!(c.poll_timeout(), Some(ms(4500)));
        c.handle_timeout(ms(4499));
        assert_eq!(c.poll_result(), None);
        c.handle_timeout(ms(4500));
        let r = c.poll_result().unwrap();
        assert_eq!(r.reason, CollectReason::InterDigitTimeout);
        assert_eq!(r.digits.to_string(), "12");
        assert!(r.is_valid());
    }

    #[test]
    fn the_overall_timeout_caps_a_slow_caller() {
        // A digit every 1.5 s never lets the inter-digit timeout (2 s) expire.
        let mut c = DigitCollector::new();
        c.start(
            ms(0),
            CollectConfig {
                max_digits: 64,
                ..config()
            },
        )
        .unwrap();
        for t in (1500..10_000).step_by(1500) {
            assert_eq!(
                c.push_digit(ms(t), Digit::D5, DigitSource::Signalling),
                Push::Accepted
            );
        }
        // Last digit at 9000: inter-digit deadline 11 000, overall 10 000.
        assert_eq!(c.poll_timeout(), Some(ms(10_000)));
        c.handle_timeout(ms(10_000));
        let r = c.poll_result().unwrap();
        assert_eq!(r.reason, CollectReason::OverallTimeout);
        assert_eq!(r.digits.len(), 6);
    }

    #[test]
    fn a_late_wakeup_reports_the_earliest_deadline_and_ties_go_to_overall() {
        let mut c = started(0);
        c.push_digit(ms(1000), Digit::D1, DigitSource::Rfc4733);
        c.handle_timeout(ms(60_000));
        let r = c.poll_result().unwrap();
        assert_eq!(r.reason, CollectReason::InterDigitTimeout);
        assert_eq!(r.ended_at, ms(3000));
        let mut c = DigitCollector::new();
        let tie = CollectConfig {
            overall_timeout: Some(Duration::from_millis(5000)),
            ..config()
        };
        c.start(ms(0), tie).unwrap();
        c.handle_timeout(ms(5000));
        assert_eq!(
            c.poll_result().unwrap().reason,
            CollectReason::OverallTimeout
        );
    }

    #[test]
    fn cancel_returns_the_digits_so_far() {
        let mut c = started(0);
        assert!(!DigitCollector::new().cancel(ms(0)));
        c.push_digit(ms(100), Digit::D3, DigitSource::InBand);
        assert!(c.cancel(ms(150)));
        let r = c.poll_result().unwrap();
        assert_eq!(r.reason, CollectReason::Cancelled);
        assert_eq!(r.digits.to_string(), "3");
        assert_eq!(r.ended_at, ms(150));
        assert!(!r.is_valid());
        assert!(!c.cancel(ms(200)));
        c.handle_timeout(ms(100_000)); // spurious: harmless
        assert_eq!(c.poll_result(), None);
    }

    #[test]
    fn restart_drops_the_running_collection_and_the_unread_result() {
        let mut c = started(0);
        c.push_digit(ms(100), Digit::D1, DigitSource::InBand);
        c.start(ms(200), config()).unwrap();
        c.push_digit(ms(300), Digit::D2, DigitSource::InBand);
        c.push_digit(ms(400), Digit::D3, DigitSource::InBand);
        c.push_digit(ms(500), Digit::Hash, DigitSource::InBand);
        // An unread result is dropped by the next start.
        c.start(ms(600), config()).unwrap();
        assert_eq!(c.poll_result(), None);
        assert_eq!(c.poll_timeout(), Some(ms(5600)));
        c.push_digit(ms(700), Digit::D4, DigitSource::InBand);
        c.push_digit(ms(800), Digit::Hash, DigitSource::InBand);
        assert_eq!(c.poll_result().unwrap().digits.to_string(), "4");
    }

    #[test]
    fn no_timeouts_and_no_terminators_wait_for_max_digits() {
        let mut c = DigitCollector::new();
        let open = CollectConfig {
            min_digits: 0,
            max_digits: 2,
            terminators: Terminators::NONE,
            first_digit_timeout: None,
            inter_digit_timeout: None,
            overall_timeout: None,
        };
        c.start(ms(0), open).unwrap();
        assert_eq!(c.poll_timeout(), None);
        c.push_digit(ms(1), Digit::Hash, DigitSource::InBand);
        assert_eq!(
            c.push_digit(ms(u64::MAX / 1000), Digit::Star, DigitSource::InBand),
            Push::Completed
        );
        assert_eq!(c.poll_result().unwrap().digits.to_string(), "#*");
    }

    #[test]
    fn configs_are_validated_with_clear_errors() {
        let mut c = started(0);
        let cases = [
            (
                CollectConfig {
                    min_digits: 5,
                    max_digits: 4,
                    ..config()
                },
                "min_digits 5 is greater than max_digits 4",
            ),
            (
                CollectConfig {
                    max_digits: 0,
                    min_digits: 0,
                    ..config()
                },
                "max_digits 0 is out of range",
            ),
            (
                CollectConfig {
                    max_digits: MAX_COLLECT_DIGITS + 1,
                    ..config()
                },
                "out of range",
            ),
            (
                CollectConfig {
                    first_digit_timeout: Some(Duration::ZERO),
                    ..config()
                },
                "first_digit_timeout is zero",
            ),
            (
                CollectConfig {
                    inter_digit_timeout: Some(Duration::ZERO),
                    ..config()
                },
                "inter_digit_timeout is zero",
            ),
            (
                CollectConfig {
                    overall_timeout: Some(Duration::ZERO),
                    ..config()
                },
                "overall_timeout is zero",
            ),
        ];
        for (bad, message) in cases {
            let err = c.start(ms(1), bad).unwrap_err().to_string();
            assert!(err.contains(message), "{err}");
        }
        assert!(
            c.is_collecting(),
            "a rejected start leaves the running collection"
        );
        assert_eq!(c.poll_timeout(), Some(ms(5000)));
        assert!(CollectConfig::default().validate().is_ok());
        assert!(Terminators::parse("#x").is_err());
        assert!(Terminators::parse("").unwrap().is_empty());
        assert!(Terminators::of(&[Digit::Star]).contains(Digit::Star));
        assert!(!Terminators::HASH.contains(Digit::Star));
    }
}
