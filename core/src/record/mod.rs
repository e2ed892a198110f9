//! Call recording to any `Write + Seek`: WAV (through `hound`) or Ogg Opus, one leg, two legs
//! in stereo or mixed to mono, placed on the media timeline so legs stay aligned.
//!
//! - `config`: [`RecordConfig`], layouts, formats, pause modes, limits and metadata.
//! - `leg`, `timeline`: each leg's frames resampled and placed by their `now` (gaps become
//!   silence, drift is cut back), committed no later than [`MAX_LAG`] behind `now`.
//! - `recorder`: [`Recorder`], the state machine hosts drive; `sink`: the file behind it.
//! - `wav` with `riff`: hound's WAV with a `LIST`/`INFO` metadata chunk slipped in;
//!   `ogg_opus`: RFC 7845 pages; `metadata`: the facts as bytes for both.
//!
//! `now` is media time: the host clock's reading at which the frame's first sample plays
//! (for a media server's tick, the tick's scheduled time), not when the host got to the
//! frame. Jitter within the tolerance (one frame or 20 ms) is absorbed; a larger jump is a
//! gap (silence) or an overrun (audio dropped), as the timeline rules in `leg` say.
//!
//! The file is valid at every moment: a WAV header's sizes are patched and Ogg pages are
//! written at least every [`RecordConfig::checkpoint_interval`] (1 s at most) of committed
//! audio, and nothing reaches the target in between. A killed process loses what was not
//! yet committed (at most [`MAX_LAG`] while a leg is silent), at most one interval more,
//! and with Ogg Opus the 20 ms packet being filled.
//!
//! ```
//! use std::io::Cursor;
//! use core::time::Duration;
//! use mediacore::record::{RecordConfig, RecordLayout, Recorder};
//! use mediacore::{AudioFrame, Instant};
//!
//! let mut config = RecordConfig::new(RecordLayout::Stereo, 8000);
//! config.metadata.start_time = "2026-11-21T10:00:00Z".into();
//! let mut recorder = Recorder::new(Cursor::new(Vec::new()), config, Instant::ZERO)?;
//! let frame = AudioFrame::silence(8000, 1, Duration::from_millis(20))?;
//! let mut now = Instant::ZERO;
//! for _ in 0..50 {
//!     recorder.write(now, 0, &frame)?; // caller
//!     recorder.write(now, 1, &frame)?; // callee
//!     while let Some(_event) = recorder.poll_event() {} // limits
//!     now = now + Duration::from_millis(20);
//!     if recorder.poll_timeout().is_some_and(|at| at <= now) {
//!         recorder.handle_timeout(now)?;
//!     }
//! }
//! let (file, summary) = recorder.finish(now)?;
//! assert_eq!(summary.duration, Duration::from_secs(1));
//! assert_eq!(file.into_inner().len() as u64, summary.bytes);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod error;
mod leg;
mod metadata;
mod ogg_opus;
mod recorder;
mod riff;
mod sink;
mod timeline;
mod wav;

pub use config::{
    MAX_CHECKPOINT_INTERVAL, MIN_CHECKPOINT_INTERVAL, PauseMode, RecordConfig, RecordFormat,
    RecordLayout, RecordingMetadata,
};
pub use error::RecordError;
pub use recorder::Recorder;
pub use sink::{RecordEvent, RecordLimit, RecordingSummary};
pub use timeline::MAX_LAG;

#[cfg(test)]
mod ogg_tests;
#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod timeline_tests;
