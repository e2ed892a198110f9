//! Voice activity detection: is someone talking in this frame, and when did talk start or stop.
//!
//! A [`VoiceDetector`] takes mono `i16` frames of any whole number of 10 ms, says whether voice
//! is active after the hangover, and queues [`VadEvent::TalkStart`] / [`VadEvent::TalkStop`]
//! for [`VoiceDetector::poll_event`]. The engine behind it can be swapped; the shared part,
//! hangover and events on a 10 ms grid, is [`TalkTracker`].
//!
//! The default engine is [`EarshotVad`](super::vad_earshot::EarshotVad), a neural detector
//! fed at 16 kHz through [`crate::dsp::Resampler`].
//!
//! ```
//! use core::time::Duration;
//! use mediacore::Instant;
//! use mediacore::voice::{EarshotVad, VadConfig, VadEvent, VoiceDetector};
//!
//! let mut vad = EarshotVad::new(VadConfig::new(8000))?;
//! let frame = [0i16; 160]; // 20 ms at 8 kHz
//! let mut now = Instant::ZERO;
//! for _ in 0..5 {
//!     let talking = vad.process(now, &frame)?;
//!     assert!(!talking);
//!     while let Some(event) = vad.poll_event() {
//!         match event {
//!             VadEvent::TalkStart { at } | VadEvent::TalkStop { at } => { let _ = at; }
//!         }
//!     }
//!     now = now + Duration::from_millis(20);
//! }
//! # Ok::<(), mediacore::voice::VadError>(())
//! ```

use core::time::Duration;

use thiserror::Error;

use crate::time::Instant;

/// The analysis grid: decisions are made per 10 ms of audio.
pub const VAD_STEP: Duration = Duration::from_millis(10);

/// Hangover of [`VadConfig::new`]: voice stays active this long after the last speech.
pub const DEFAULT_HANGOVER: Duration = Duration::from_millis(200);

/// Speech-score threshold of [`VadConfig::new`].
pub const DEFAULT_THRESHOLD: f32 = 0.5;

/// The longest hangover accepted (a minute; anything longer is a mistake in units).
pub const MAX_HANGOVER: Duration = Duration::from_secs(60);

/// Events queued per detector before short gaps are merged (see [`TalkTracker`]).
const EVENT_QUEUE: usize = 16;

/// Errors from voice activity detection, level metering and comfort-noise estimation.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum VadError {
    /// The stage does not run at the requested sample rate.
    #[error("{stage} does not run at {requested} Hz; supported rates: {supported}")]
    UnsupportedSampleRate {
        /// The stage that was asked.
        stage: &'static str,
        /// The rate that was asked for.
        requested: u32,
        /// The rates that work, as text.
        supported: &'static str,
    },
    /// A frame whose length is not a whole number of 10 ms blocks.
    #[error(
        "a frame of {len} samples at {sample_rate} Hz is not a whole number of 10 ms ({step} samples)"
    )]
    FrameLength {
        /// Samples given.
        len: usize,
        /// The stage's rate.
        sample_rate: u32,
        /// Samples in 10 ms.
        step: usize,
    },
    /// A configuration value outside its range.
    #[error("{name} is out of range; expected {expected}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Its valid range, as text.
        expected: &'static str,
    },
}

/// A change of talk state, stamped with media time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VadEvent {
    /// Voice became active in the 10 ms block starting `at`.
    TalkStart {
        /// Start of the first block judged to be speech.
        at: Instant,
    },
    /// Voice stopped: the hangover after the last speech ran out at `at`.
    TalkStop {
        /// End of the last speech block plus the hangover.
        at: Instant,
    },
}

/// Settings shared by every engine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VadConfig {
    /// Input sample rate in Hz.
    pub sample_rate: u32,
    /// How long voice stays active after the last block judged to be speech; bridges the
    /// short pauses inside a sentence and keeps weak word endings. Rounded up to 10 ms.
    pub hangover: Duration,
    /// Speech score (0 to 1) at or above which a block is speech.
    pub threshold: f32,
    /// Seed of any randomness the engine uses (the band fill of narrowband input).
    pub seed: u64,
}

impl VadConfig {
    /// Defaults at `sample_rate`: [`DEFAULT_HANGOVER`], [`DEFAULT_THRESHOLD`], seed 0.
    pub fn new(sample_rate: u32) -> Self {
        VadConfig {
            sample_rate,
            hangover: DEFAULT_HANGOVER,
            threshold: DEFAULT_THRESHOLD,
            seed: 0,
        }
    }

    /// Checks the ranges that do not depend on the engine.
    pub fn validate(&self) -> Result<(), VadError> {
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(VadError::InvalidParameter {
                name: "VAD threshold",
                expected: "0.0 to 1.0",
            });
        }
        if self.hangover > MAX_HANGOVER {
            return Err(VadError::InvalidParameter {
                name: "VAD hangover",
                expected: "at most 60 s",
            });
        }
        Ok(())
    }
}

/// A voice activity detector: one per stream, driven frame by frame with the frame's time.
///
/// Object-safe, so a capture pipeline can hold a `Box<dyn VoiceDetector>` and swap engines.
pub trait VoiceDetector: Send {
    /// The input rate in Hz.
    fn sample_rate(&self) -> u32;

    /// Analyses one mono frame of a whole number of 10 ms whose first sample was captured
    /// at `now`; returns whether voice is active at its end (hangover included). Talk
    /// changes inside the frame are queued for [`poll_event`](Self::poll_event).
    ///
    /// A frame of another length is refused and changes nothing.
    fn process(&mut self, now: Instant, frame: &[i16]) -> Result<bool, VadError>;

    /// Whether voice is active (hangover included) after the last frame.
    fn is_active(&self) -> bool;

    /// The engine's speech score (0 to 1) of the last 10 ms block analysed.
    fn probability(&self) -> f32;

    /// The next talk event, oldest first, until none is left.
    #[must_use]
    fn poll_event(&mut self) -> Option<VadEvent>;

    /// Forgets the stream: state, hangover and queued events. For a new call or device.
    fn reset(&mut self);
}

/// Checks that `len` samples at `sample_rate` are whole 10 ms blocks; returns the block size.
pub(crate) fn check_frame(len: usize, sample_rate: u32) -> Result<usize, VadError> {
    let step = sample_rate as usize / 100;
    if step == 0 || !len.is_multiple_of(step) {
        return Err(VadError::FrameLength {
            len,
            sample_rate,
            step,
        });
    }
    Ok(step)
}

/// Hangover and talk events on the 10 ms grid, for any engine's per-block decisions.
///
/// Voice turns active on the first speech block and stays active until `hangover` has passed
/// without one. Events wait in a queue of 16; should a caller let it fill, a new event that
/// undoes the newest queued one (a stop then a start again) removes it instead, so short gaps
/// are merged and starts and stops still alternate.
#[derive(Debug, Clone)]
pub struct TalkTracker {
    hangover_blocks: u32,
    /// Blocks of hangover left; 0 when voice is inactive.
    remaining: u32,
    active: bool,
    queue: [Option<VadEvent>; EVENT_QUEUE],
    head: usize,
    len: usize,
}

impl TalkTracker {
    /// A tracker, inactive, holding voice `hangover` (rounded up to 10 ms) after speech.
    pub fn new(hangover: Duration) -> Self {
        let step = VAD_STEP.as_micros();
        let blocks = hangover
            .as_micros()
            .min(MAX_HANGOVER.as_micros())
            .div_ceil(step);
        TalkTracker {
            hangover_blocks: blocks as u32,
            remaining: 0,
            active: false,
            queue: [None; EVENT_QUEUE],
            head: 0,
            len: 0,
        }
    }

    /// Takes the decision for the 10 ms block starting `at`; returns whether voice is active
    /// during it.
    pub fn update(&mut self, at: Instant, speech: bool) -> bool {
        if speech {
            if !self.active {
                self.active = true;
                self.push(VadEvent::TalkStart { at });
            }
            // This block, then the hangover.
            self.remaining = self.hangover_blocks + 1;
        }
        if self.active {
            if self.remaining == 0 {
                self.active = false;
                self.push(VadEvent::TalkStop { at });
            } else {
                self.remaining -= 1;
            }
        }
        self.active
    }

    /// Whether voice is active after the last block.
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// The oldest queued event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<VadEvent> {
        if self.len == 0 {
            return None;
        }
        let event = self.queue[self.head].take();
        self.head = (self.head + 1) % EVENT_QUEUE;
        self.len -= 1;
        event
    }

    /// Inactive, nothing queued.
    pub fn reset(&mut self) {
        self.remaining = 0;
        self.active = false;
        self.queue = [None; EVENT_QUEUE];
        self.head = 0;
        self.len = 0;
    }

    fn push(&mut self, event: VadEvent) {
        if self.len == EVENT_QUEUE {
            // Full: the newest queued event is the opposite of this one; drop both.
            self.len -= 1;
            self.queue[(self.head + self.len) % EVENT_QUEUE] = None;
            return;
        }
        self.queue[(self.head + self.len) % EVENT_QUEUE] = Some(event);
        self.len += 1;
    }
}

#[cfg(test)]
#[path = "tests_vad.rs"]
mod tests;
