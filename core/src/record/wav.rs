//! The WAV side of a recording: 16-bit PCM written by `hound` through a [`RiffTarget`] that
//! adds the metadata chunk, in batches of one checkpoint.
//!
//! Hound's `WavWriter` owns its writer and hands it back to no one, so none is kept: at
//! each checkpoint a writer is opened on `&mut RiffTarget` with `WavWriter::new_append`
//! (which reads the header back from the target's copy), writes the audio collected since
//! the last checkpoint and is finalized, which patches both sizes and flushes. Between
//! checkpoints nothing reaches the target, so it always holds a complete, valid file.

use std::io::{Seek, SeekFrom, Write};

use super::RecordError;
use super::config::RecordConfig;
use super::metadata;
use super::riff::{RiffTarget, VIEW_HEADER_LEN};

/// Bytes per sample: 16-bit PCM.
const SAMPLE_BYTES: u64 = 2;

/// Hound's view of the header past the RIFF size field counts 36 bytes into its `u32` file
/// size, so its data may not pass `u32::MAX - 36` (less the inserted chunk).
const RIFF_FIXED: u64 = 36;

/// Writes a WAV recording; see the module docs.
#[derive(Debug)]
pub(crate) struct WavSink<W> {
    target: RiffTarget<W>,
    channels: usize,
    /// Interleaved samples since the last checkpoint.
    pending: Vec<i16>,
    /// Frames (samples per channel) on the target.
    written: u64,
    /// The most frames the file may hold: `max_bytes` or the format's 4 GiB.
    max_frames: u64,
    header_len: u64,
}

/// The smallest `max_bytes` that holds the header and one frame of audio.
pub(crate) fn min_bytes(config: &RecordConfig) -> u64 {
    header_len(config) + SAMPLE_BYTES * u64::from(config.channels())
}

fn header_len(config: &RecordConfig) -> u64 {
    VIEW_HEADER_LEN + metadata::riff_info_chunk(&config.metadata).len() as u64
}

impl<W: Write + Seek> WavSink<W> {
    /// Writes the header (with the metadata) to `target` at its current position.
    pub(crate) fn new(target: W, config: &RecordConfig) -> Result<Self, RecordError> {
        let channels = usize::from(config.channels());
        let block = SAMPLE_BYTES * channels as u64;
        let per_checkpoint = config.frames_in(config.checkpoint_interval) as usize * channels;
        let chunk = metadata::riff_info_chunk(&config.metadata);
        let inserted = chunk.len() as u64;
        let mut target = RiffTarget::new(target, chunk, per_checkpoint * 2)?;
        let spec = hound::WavSpec {
            channels: config.channels(),
            sample_rate: config.sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        hound::WavWriter::new(&mut target, spec)?.finalize()?;
        let header_len = VIEW_HEADER_LEN + inserted;
        let format_max = (u64::from(u32::MAX) - RIFF_FIXED - inserted) / block;
        let byte_max = config
            .max_bytes
            .map_or(u64::MAX, |max| max.saturating_sub(header_len) / block);
        Ok(WavSink {
            target,
            channels,
            pending: Vec::with_capacity(per_checkpoint + channels),
            written: 0,
            max_frames: format_max.min(byte_max),
            header_len,
        })
    }

    /// Takes interleaved audio; returns how many frames fit under the size limits (the
    /// rest is refused).
    pub(crate) fn push(&mut self, samples: &[i16]) -> Result<usize, RecordError> {
        let offered = samples.len() / self.channels;
        let room = self.max_frames.saturating_sub(self.frames());
        let take = usize::try_from(room).unwrap_or(usize::MAX).min(offered);
        let take_samples = take * self.channels;
        if self.pending.len() + take_samples > self.pending.capacity() {
            self.checkpoint()?;
        }
        self.pending.extend_from_slice(&samples[..take_samples]);
        Ok(take)
    }

    /// Writes the collected audio through hound and patches the header's sizes.
    pub(crate) fn checkpoint(&mut self) -> Result<(), RecordError> {
        let frames = (self.pending.len() / self.channels) as u64;
        let result = self.write_pending();
        self.pending.clear();
        if result.is_ok() {
            self.written += frames;
        }
        result
    }

    fn write_pending(&mut self) -> Result<(), RecordError> {
        self.target.seek(SeekFrom::Start(0))?;
        let mut writer = hound::WavWriter::new_append(&mut self.target)?;
        for &sample in &self.pending {
            writer.write_sample(sample)?;
        }
        writer.finalize()?;
        Ok(())
    }

    /// Frames recorded, those waiting for the next checkpoint included.
    pub(crate) fn frames(&self) -> u64 {
        self.written + (self.pending.len() / self.channels) as u64
    }

    /// The file's size once the waiting audio is written.
    pub(crate) fn bytes(&self) -> u64 {
        self.header_len + self.frames() * SAMPLE_BYTES * self.channels as u64
    }

    /// The target as of the last checkpoint.
    pub(crate) fn target(&self) -> &W {
        self.target.get_ref()
    }

    /// Writes what is left and returns the target, positioned at the end of the file.
    pub(crate) fn finish(mut self) -> Result<W, RecordError> {
        self.checkpoint()?;
        Ok(self.target.into_inner()?)
    }
}
