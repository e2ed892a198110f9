//! Where committed audio goes: a WAV or an Ogg Opus file, behind one interface, and the
//! summary and event types that describe a recording.

use core::time::Duration;
use std::io::{Seek, Write};

use super::RecordError;
use super::config::{RecordConfig, RecordFormat};
use super::ogg_opus::OggOpusSink;
use super::wav::WavSink;

/// Which limit stopped a recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordLimit {
    /// [`RecordConfig::max_duration`] was reached.
    Duration,
    /// [`RecordConfig::max_bytes`], or the WAV format's 4 GiB, was reached.
    Size,
}

/// What a recording holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingSummary {
    /// Audio recorded (paused time included in [`super::PauseMode::Silence`]).
    pub duration: Duration,
    /// Size of the file.
    pub bytes: u64,
    /// The recording's rate in Hz.
    pub sample_rate: u32,
    /// Channels of the recording.
    pub channels: u16,
    /// How it is stored.
    pub format: RecordFormat,
}

/// Something that happened to a recording, for the host to act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordEvent {
    /// A limit was reached: the file is complete and valid up to it, and nothing more is
    /// recorded. Emitted once.
    LimitReached {
        /// Which limit.
        limit: RecordLimit,
        /// The recording at that point.
        summary: RecordingSummary,
    },
}

/// The file being written.
#[derive(Debug)]
pub(crate) enum Sink<W: Write + Seek> {
    Wav(WavSink<W>),
    Ogg(OggOpusSink<W>),
}

impl<W: Write + Seek> Sink<W> {
    /// Writes the file's headers to `target`.
    pub(crate) fn new(target: W, config: &RecordConfig) -> Result<Self, RecordError> {
        Ok(match config.format {
            RecordFormat::Wav => Sink::Wav(WavSink::new(target, config)?),
            RecordFormat::OggOpus { .. } => Sink::Ogg(OggOpusSink::new(target, config)?),
        })
    }

    /// Takes interleaved audio; returns the frames that fit under the size limits.
    pub(crate) fn push(&mut self, samples: &[i16]) -> Result<usize, RecordError> {
        match self {
            Sink::Wav(s) => s.push(samples),
            Sink::Ogg(s) => s.push(samples),
        }
    }

    /// Makes the target a valid file holding everything taken so far (for Ogg, up to the
    /// last whole packet).
    pub(crate) fn checkpoint(&mut self) -> Result<(), RecordError> {
        match self {
            Sink::Wav(s) => s.checkpoint(),
            Sink::Ogg(s) => s.checkpoint(),
        }
    }

    /// Completes the file; it takes nothing more.
    pub(crate) fn finish_stream(&mut self) -> Result<(), RecordError> {
        match self {
            Sink::Wav(s) => s.checkpoint(),
            Sink::Ogg(s) => s.finish_stream(),
        }
    }

    /// Frames taken.
    pub(crate) fn frames(&self) -> u64 {
        match self {
            Sink::Wav(s) => s.frames(),
            Sink::Ogg(s) => s.frames(),
        }
    }

    /// The file's size once what was taken is written.
    pub(crate) fn bytes(&self) -> u64 {
        match self {
            Sink::Wav(s) => s.bytes(),
            Sink::Ogg(s) => s.bytes(),
        }
    }

    /// The target as of the last checkpoint.
    pub(crate) fn target(&self) -> &W {
        match self {
            Sink::Wav(s) => s.target(),
            Sink::Ogg(s) => s.target(),
        }
    }

    /// Completes the file and returns the target.
    pub(crate) fn finish(self) -> Result<W, RecordError> {
        match self {
            Sink::Wav(s) => s.finish(),
            Sink::Ogg(s) => s.finish(),
        }
    }
}
