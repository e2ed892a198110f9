//! [`Recorder`]: the driver-facing state machine that takes each leg's frames with their
//! `now`, commits them along the timeline into the file, checkpoints, pauses and stops at
//! its limits.

use core::time::Duration;
use std::io::{Seek, Write};

use super::sink::{RecordEvent, RecordLimit, RecordingSummary, Sink};
use super::timeline::Timeline;
use super::{RecordConfig, RecordError};
use crate::{AudioFrame, Instant};

/// Frames mixed and handed to the file at a time.
const CHUNK: u64 = 1024;

/// Why a recording stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stop {
    Limit(RecordLimit),
    Failed(String),
}

/// Records a call's legs into a WAV or Ogg Opus file on any `Write + Seek`.
///
/// Driven like every state machine of the crate: [`write`](Self::write) each leg's frames
/// with the media time they play at, call [`handle_timeout`](Self::handle_timeout) when
/// [`poll_timeout`](Self::poll_timeout) says, drain [`poll_event`](Self::poll_event), and
/// [`finish`](Self::finish) to get the target back. The file on the target is valid at
/// every moment; see the [module docs](super) for the timeline and what a crash keeps.
#[derive(Debug)]
pub struct Recorder<W: Write + Seek> {
    config: RecordConfig,
    timeline: Timeline,
    sink: Sink<W>,
    mix: Vec<i16>,
    /// Committed position of the last checkpoint, and the frames between two.
    checkpointed: u64,
    interval: u64,
    /// The most frames `max_duration` allows.
    max_frames: u64,
    stopped: Option<Stop>,
    event: Option<RecordEvent>,
}

impl<W: Write + Seek> Recorder<W> {
    /// Starts a recording at `now` into `target` from its current position; the headers
    /// and metadata are written at once.
    pub fn new(target: W, config: RecordConfig, now: Instant) -> Result<Self, RecordError> {
        config.validate()?;
        let sink = Sink::new(target, &config)?;
        let channels = usize::from(config.channels());
        let timeline = Timeline::new(
            config.layout,
            config.sample_rate,
            config.pause_mode,
            now,
            CHUNK as usize,
        );
        let interval = config.frames_in(config.checkpoint_interval).max(1);
        let max_frames = config
            .max_duration
            .map_or(u64::MAX, |d| config.frames_in(d));
        Ok(Recorder {
            mix: vec![0; CHUNK as usize * channels],
            config,
            timeline,
            sink,
            checkpointed: 0,
            interval,
            max_frames,
            stopped: None,
            event: None,
        })
    }

    /// The configuration recorded with.
    pub fn config(&self) -> &RecordConfig {
        &self.config
    }

    /// Records `frame` on `leg`; `now` is the media time its first sample plays at (see
    /// the [module docs](super)), which places it on the timeline.
    ///
    /// Any rate the resampler takes and any channel count (averaged to mono) is accepted.
    /// While paused the frame is checked and dropped. Fails without changing anything for a
    /// leg the layout lacks, a leg that has ended, a rate that cannot be converted, or a
    /// stopped recording; a failing target stops the recording.
    pub fn write(
        &mut self,
        now: Instant,
        leg: usize,
        frame: &AudioFrame,
    ) -> Result<(), RecordError> {
        self.check_running()?;
        let l = self.timeline.leg(leg).ok_or(RecordError::NoSuchLeg {
            leg,
            layout: self.config.layout.name(),
            last: self.config.layout.legs() - 1,
        })?;
        l.check(frame)?;
        self.advance(now)?;
        if self.timeline.is_paused() || self.stopped.is_some() {
            return Ok(());
        }
        let placed = self.timeline.place(leg, now, frame);
        placed.map_err(|e| self.fail(e))?;
        self.advance(now)
    }

    /// Leg `leg` hung up at `now`: what it sent stays, silence follows, the other legs go
    /// on. Does nothing for a leg the layout lacks or a stopped recording.
    pub fn end_leg(&mut self, now: Instant, leg: usize) {
        if self.stopped.is_some() {
            return;
        }
        let _ = self.advance(now);
        if let Err(e) = self.timeline.end_leg(leg) {
            self.fail(e);
        }
        let _ = self.advance(now);
    }

    /// Pauses at `now`: audio meant to play later is dropped, frames are ignored until
    /// [`resume`](Self::resume), and the time is skipped or recorded as silence as
    /// [`RecordConfig::pause_mode`] says. The file is checkpointed.
    pub fn pause(&mut self, now: Instant) {
        if self.stopped.is_some() || self.timeline.is_paused() {
            return;
        }
        let _ = self.advance(now);
        match self.timeline.begin_pause(now) {
            Ok(at) => {
                let _ = self.commit_to(at);
            }
            Err(e) => {
                self.fail(e);
            }
        }
        if self.stopped.is_none() {
            let _ = self.checkpoint();
        }
    }

    /// Resumes at `now`; frames are placed by their `now` again.
    pub fn resume(&mut self, now: Instant) {
        if !self.timeline.is_paused() {
            return;
        }
        let _ = self.advance(now);
        self.timeline.end_pause(now);
    }

    /// Whether the recording is paused.
    pub fn is_paused(&self) -> bool {
        self.timeline.is_paused()
    }

    /// Advances the timeline to `now` (late or silent legs get silence past the lag bound)
    /// and checkpoints when due. Spurious calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), RecordError> {
        if self.stopped.is_some() {
            return Ok(());
        }
        self.advance(now)
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called at the latest for the
    /// next checkpoint (or the duration limit) to happen if no frame arrives; `None` when
    /// stopped or paused in [`PauseMode::Skip`](super::PauseMode::Skip).
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.stopped.is_some() || self.timeline.is_frozen() {
            return None;
        }
        let next = (self.checkpointed + self.interval).min(self.max_frames);
        Some(self.timeline.instant_of(next, self.timeline.lag()))
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<RecordEvent> {
        self.event.take()
    }

    /// Audio recorded so far, including what waits for the next checkpoint.
    pub fn duration(&self) -> Duration {
        frames_to_duration(self.sink.frames(), self.config.sample_rate)
    }

    /// The file's size once what was recorded so far reaches the target.
    pub fn bytes_written(&self) -> u64 {
        self.sink.bytes()
    }

    /// Whether a limit was reached or the target failed; nothing more is recorded.
    pub fn is_stopped(&self) -> bool {
        self.stopped.is_some()
    }

    /// The target as of the last checkpoint (a valid file), e.g. to upload it while
    /// recording.
    pub fn target(&self) -> &W {
        self.sink.target()
    }

    /// Records everything up to `now` (and all audio already given), completes the file and
    /// hands the target back, positioned at the file's end.
    pub fn finish(mut self, now: Instant) -> Result<(W, RecordingSummary), RecordError> {
        if self.stopped.is_none() {
            self.advance(now)?;
            let end = self.timeline.finish_target(now).map_err(|e| self.fail(e))?;
            self.commit_to(end)?;
        }
        self.sink.finish_stream()?;
        let summary = self.summary();
        let target = self.sink.finish()?;
        Ok((target, summary))
    }

    fn summary(&self) -> RecordingSummary {
        RecordingSummary {
            duration: self.duration(),
            bytes: self.sink.bytes(),
            sample_rate: self.config.sample_rate,
            channels: self.config.channels(),
            format: self.config.format,
        }
    }

    fn check_running(&self) -> Result<(), RecordError> {
        match &self.stopped {
            None => Ok(()),
            Some(stop) => Err(RecordError::Stopped {
                cause: self.describe(stop),
            }),
        }
    }

    fn describe(&self, stop: &Stop) -> String {
        match stop {
            Stop::Limit(RecordLimit::Duration) => format!(
                "the duration limit of {:?} was reached",
                self.config.max_duration.unwrap_or_default()
            ),
            Stop::Limit(RecordLimit::Size) => match self.config.max_bytes {
                Some(max) => format!("the size limit of {max} bytes was reached"),
                None => "the WAV format's 4 GiB limit was reached".to_owned(),
            },
            Stop::Failed(message) => format!("the target failed: {message}"),
        }
    }

    /// Stops the recording for `error` and returns it.
    fn fail(&mut self, error: RecordError) -> RecordError {
        if self.stopped.is_none() {
            self.stopped = Some(Stop::Failed(error.to_string()));
        }
        error
    }

    fn advance(&mut self, now: Instant) -> Result<(), RecordError> {
        let target = self.timeline.target(now);
        self.commit_to(target)
    }

    /// Mixes and hands to the file everything up to `target` (within the limits),
    /// checkpointing on the way.
    fn commit_to(&mut self, target: u64) -> Result<(), RecordError> {
        let target = target.min(self.max_frames);
        if self.stopped.is_some() || target <= self.timeline.committed() {
            return Ok(());
        }
        self.timeline.prepare(target).map_err(|e| self.fail(e))?;
        let channels = usize::from(self.config.channels());
        while self.timeline.committed() < target {
            let at = self.timeline.committed();
            let next_checkpoint = self.checkpointed + self.interval;
            let n = (target - at).min(CHUNK).min(next_checkpoint - at) as usize;
            let out = &mut self.mix[..n * channels];
            self.timeline.pull(out);
            let taken = self.sink.push(out).map_err(|e| self.fail(e))?;
            if taken < n {
                return self.reach(RecordLimit::Size);
            }
            if self.timeline.committed() >= next_checkpoint {
                self.checkpoint()?;
            }
        }
        if self.timeline.committed() >= self.max_frames {
            return self.reach(RecordLimit::Duration);
        }
        Ok(())
    }

    fn checkpoint(&mut self) -> Result<(), RecordError> {
        self.sink.checkpoint().map_err(|e| self.fail(e))?;
        self.checkpointed = self.timeline.committed();
        Ok(())
    }

    /// Completes the file at a limit and reports it once.
    fn reach(&mut self, limit: RecordLimit) -> Result<(), RecordError> {
        self.sink.finish_stream().map_err(|e| self.fail(e))?;
        self.stopped = Some(Stop::Limit(limit));
        self.event = Some(RecordEvent::LimitReached {
            limit,
            summary: self.summary(),
        });
        Ok(())
    }
}

fn frames_to_duration(frames: u64, rate: u32) -> Duration {
    let nanos = u128::from(frames) * 1_000_000_000 / u128::from(rate);
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}
