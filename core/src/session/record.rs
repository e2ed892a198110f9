//! Recording a [`MediaSession`]: the remote party as heard (leg 0) and what the session sends
//! (leg 1: captured audio or prompts), on the session's media timeline.
//!
//! With [`RecordLayout::Stereo`](crate::record::RecordLayout::Stereo) the remote party is the
//! left channel and the local side the right; `MixedMono` sums both; `Mono` keeps the remote
//! party only. Frames the session does not send (while RFC 4733 events go out) are silence.

use core::fmt;
use std::io::{Cursor, Seek, SeekFrom, Write};

use super::{Event, MediaSession};
use crate::error::{Error, Result};
use crate::record::{RecordConfig, RecordError, RecordEvent, Recorder, RecordingSummary};
use crate::time::Instant;

/// A file-like target a host records into (a file, a socket with seeking, ...).
pub trait RecordStream: Write + Seek + Send {}

impl<T: Write + Seek + Send> RecordStream for T {}

/// Where a session's recording goes: memory (handed back as bytes) or the host's stream.
pub enum RecordTarget {
    /// A growing buffer; [`RecordTarget::into_bytes`] gives the file.
    Memory(Cursor<Vec<u8>>),
    /// Anything `Write + Seek + Send`.
    Stream(Box<dyn RecordStream>),
}

impl RecordTarget {
    /// An empty in-memory target.
    pub fn memory() -> Self {
        RecordTarget::Memory(Cursor::new(Vec::new()))
    }

    /// The recorded file, for a memory target.
    pub fn into_bytes(self) -> Option<Vec<u8>> {
        match self {
            RecordTarget::Memory(cursor) => Some(cursor.into_inner()),
            RecordTarget::Stream(_) => None,
        }
    }
}

impl fmt::Debug for RecordTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordTarget::Memory(c) => {
                write!(f, "RecordTarget::Memory({} bytes)", c.get_ref().len())
            }
            RecordTarget::Stream(_) => f.write_str("RecordTarget::Stream"),
        }
    }
}

impl Write for RecordTarget {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            RecordTarget::Memory(c) => c.write(buf),
            RecordTarget::Stream(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            RecordTarget::Memory(c) => c.flush(),
            RecordTarget::Stream(s) => s.flush(),
        }
    }
}

impl Seek for RecordTarget {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        match self {
            RecordTarget::Memory(c) => c.seek(pos),
            RecordTarget::Stream(s) => s.seek(pos),
        }
    }
}

/// The leg of the remote party, as heard.
pub const LEG_REMOTE: usize = 0;
/// The leg of what the session sends.
pub const LEG_LOCAL: usize = 1;

impl MediaSession {
    /// Starts recording the call at `now` into `target`; see the module docs for the legs.
    /// Fails for a bad configuration, a target that refuses the headers, or a recording
    /// already running.
    pub fn start_recording(
        &mut self,
        now: Instant,
        config: RecordConfig,
        target: RecordTarget,
    ) -> Result<()> {
        if self.recorder.is_some() {
            return Err(Error::InvalidArgument(
                "this session is already recording; stop that recording first".into(),
            ));
        }
        self.recorder = Some(Box::new(Recorder::new(target, config, now)?));
        Ok(())
    }

    /// Whether a recording runs (paused or not, or stopped at a limit but not yet
    /// collected with [`stop_recording`](Self::stop_recording)).
    pub fn is_recording(&self) -> bool {
        self.recorder.is_some()
    }

    /// Pauses the recording (skipping or silence, per its configuration).
    pub fn pause_recording(&mut self, now: Instant) -> Result<()> {
        self.running_recorder()?.pause(now);
        Ok(())
    }

    /// Resumes a paused recording.
    pub fn resume_recording(&mut self, now: Instant) -> Result<()> {
        self.running_recorder()?.resume(now);
        Ok(())
    }

    /// Completes the recording and hands back its target and a summary.
    pub fn stop_recording(&mut self, now: Instant) -> Result<(RecordTarget, RecordingSummary)> {
        let recorder = self.recorder.take().ok_or_else(not_recording)?;
        Ok(recorder.finish(now)?)
    }

    /// Moves the recording under way to `other`, a session that takes this one's place in
    /// the same call on the same media timeline (a host rebuilds a session when the codec
    /// changes). The file goes on without a break: the recorder converts frames of any
    /// rate to the recording's. Fails, changing nothing, when this session does not record
    /// or `other` already does.
    pub fn move_recording_to(&mut self, other: &mut MediaSession) -> Result<()> {
        if other.recorder.is_some() {
            return Err(Error::InvalidArgument(
                "the receiving session is already recording".into(),
            ));
        }
        other.recorder = Some(self.recorder.take().ok_or_else(not_recording)?);
        Ok(())
    }

    /// How much the recording holds so far.
    pub fn recording_duration(&self) -> Option<core::time::Duration> {
        self.recorder.as_deref().map(Recorder::duration)
    }

    fn running_recorder(&mut self) -> Result<&mut Recorder<RecordTarget>> {
        self.recorder.as_deref_mut().ok_or_else(not_recording)
    }

    /// Gives the frame just played to the remote party's leg.
    pub(super) fn record_received(&mut self, now: Instant) {
        let Some(recorder) = self.recorder.as_mut() else {
            return;
        };
        if recorder.is_stopped() {
            return;
        }
        let result = recorder.write(now, LEG_REMOTE, &self.playout_frame);
        self.recording_outcome(result);
    }

    /// Gives the frame about to be encoded to the local leg, when the layout has one.
    pub(super) fn record_sent(&mut self, now: Instant) {
        let Some(recorder) = self.recorder.as_mut() else {
            return;
        };
        if LEG_LOCAL >= recorder.config().layout.legs() || recorder.is_stopped() {
            return;
        }
        self.record_frame
            .samples_mut()
            .copy_from_slice(&self.capture_buf);
        let result = recorder.write(now, LEG_LOCAL, &self.record_frame);
        self.recording_outcome(result);
    }

    pub(super) fn recording_timeout(&mut self, now: Instant) {
        if let Some(recorder) = self.recorder.as_mut()
            && !recorder.is_stopped()
        {
            let result = recorder.handle_timeout(now);
            self.recording_outcome(result);
        }
    }

    pub(super) fn recording_poll_timeout(&self) -> Option<Instant> {
        self.recorder.as_deref().and_then(Recorder::poll_timeout)
    }

    fn recording_outcome(&mut self, result: core::result::Result<(), RecordError>) {
        if let Err(e) = result {
            self.push_event(Event::RecordingFailed {
                message: e.to_string(),
            });
        }
        while let Some(event) = self.recorder.as_deref_mut().and_then(Recorder::poll_event) {
            let RecordEvent::LimitReached { limit, summary } = event;
            self.push_event(Event::RecordingLimitReached { limit, summary });
        }
    }
}

fn not_recording() -> Error {
    Error::InvalidArgument("this session is not recording".into())
}
