//! An encoding group: the participants of a conference who share a codec, sample rate and
//! packet time. The common mix is converted to their rate and encoded once per packet for
//! all of them; each member who hears a mix of its own is encoded apart, with frames cut at
//! the same boundaries so that a member can switch between the two at any tick.
//!
//! A tick of `T` samples (at the group's rate) fills the frame in progress from position
//! `pos`; each time the frame reaches `F` samples it is complete (a packet time ends) and,
//! when a member takes the common payload, encoded. `T` and `F` are whole multiples of
//! 10 ms, so a tick completes at most `T / 10 ms` frames.

use core::time::Duration;

use crate::codec::opus::OpusConfig;
use crate::codec::{self, Codec, Encoder};
use crate::dsp::Resampler;
use crate::error::Result;
use crate::frame::samples_in;
use crate::session::SessionConfig;

/// What members of one group have in common.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct GroupKey {
    pub(super) codec: Codec,
    pub(super) sample_rate: u32,
    pub(super) ptime: Duration,
    /// The Opus settings, for Opus.
    pub(super) opus: Option<OpusConfig>,
}

impl GroupKey {
    pub(super) fn of(config: &SessionConfig, sample_rate: u32) -> Self {
        GroupKey {
            codec: config.codec,
            sample_rate,
            ptime: config.ptime,
            opus: (config.codec == Codec::Opus).then_some(config.opus),
        }
    }

    /// An encoder coding one packet time per call, as the members' sessions would.
    pub(super) fn encoder(&self) -> Result<Box<dyn Encoder>> {
        codec::new_packet_encoder(
            self.codec,
            self.sample_rate,
            1,
            self.ptime,
            self.opus.unwrap_or_default(),
        )
    }

    /// Whether the codec's output depends on what it coded before (ADPCM, Opus), so that an
    /// encoder taking over a stream should first code the frame before.
    pub(super) fn is_stateful(&self) -> bool {
        !matches!(self.codec, Codec::Pcmu | Codec::Pcma | Codec::L16)
    }
}

pub(super) struct Group {
    pub(super) key: GroupKey,
    /// Samples per packet (`F`) and per tick (`T`) at the group's rate.
    pub(super) frame: usize,
    pub(super) tick: usize,
    /// Members present.
    pub(super) members: usize,
    resampler: Resampler,
    /// The common mix of this tick at the group's rate.
    pub(super) tick_pcm: Vec<i16>,
    /// The frame in progress, filled up to `pos`, and the frame before it.
    pub(super) frame_pcm: Vec<i16>,
    pub(super) last_frame: Vec<i16>,
    /// Position in the frame in progress at the start of this tick.
    pub(super) pos: usize,
    encoder: Box<dyn Encoder>,
    stateful: bool,
    /// Whether the last completed frame was encoded.
    encoded_last: bool,
    /// One payload per frame completed in this tick, and which ones a member takes.
    payloads: Vec<Vec<u8>>,
    payload_len: Vec<usize>,
    pub(super) need: Vec<bool>,
}

impl core::fmt::Debug for Group {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Group")
            .field("key", &self.key)
            .field("members", &self.members)
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl Group {
    pub(super) fn new(key: GroupKey, mix_rate: u32, tick: Duration) -> Result<Self> {
        let frame = samples_in(key.sample_rate, key.ptime);
        let tick_len = samples_in(key.sample_rate, tick);
        let encoder = key.encoder()?;
        let max_payload = encoder.max_payload_len(frame);
        let completions = (tick.as_millis() / 10) as usize + 1;
        Ok(Group {
            key,
            frame,
            tick: tick_len,
            members: 0,
            resampler: Resampler::new(mix_rate, key.sample_rate, 1)?,
            tick_pcm: vec![0; tick_len],
            frame_pcm: vec![0; frame],
            last_frame: vec![0; frame],
            pos: 0,
            stateful: key.is_stateful(),
            encoder,
            encoded_last: false,
            payloads: vec![vec![0; max_payload]; completions],
            payload_len: vec![0; completions],
            need: vec![false; completions],
        })
    }

    /// Starts afresh when the first member joins an empty group.
    pub(super) fn restart(&mut self) {
        self.resampler.reset();
        self.pos = 0;
        self.frame_pcm.fill(0);
        self.last_frame.fill(0);
        self.encoded_last = false;
    }

    /// Frames this tick completes.
    pub(super) fn completions(&self) -> usize {
        (self.pos + self.tick) / self.frame
    }

    /// Whether a member taking over from the common payloads should first code the frame
    /// before with its own encoder.
    pub(super) fn is_stateful(&self) -> bool {
        self.stateful
    }

    /// Converts this tick's common mix to the group's rate.
    pub(super) fn convert(&mut self, shared: &[i16]) -> Result<()> {
        self.resampler.process(shared, &mut self.tick_pcm)?;
        Ok(())
    }

    /// Adds this tick to the frame in progress and encodes each completed frame a member
    /// takes; returns how many it encoded.
    pub(super) fn assemble(&mut self) -> Result<u64> {
        let (mut pos, mut off, mut k) = (self.pos, 0, 0);
        let mut encoded = 0;
        while off < self.tick {
            let n = (self.frame - pos).min(self.tick - off);
            self.frame_pcm[pos..pos + n].copy_from_slice(&self.tick_pcm[off..off + n]);
            pos += n;
            off += n;
            if pos == self.frame {
                if self.need[k] {
                    if self.stateful && !self.encoded_last {
                        // The encoder skipped frames nobody took: code the one before first.
                        self.encoder
                            .encode(&self.last_frame, &mut self.payloads[k])?;
                        encoded += 1;
                    }
                    self.payload_len[k] = self
                        .encoder
                        .encode(&self.frame_pcm, &mut self.payloads[k])?;
                    encoded += 1;
                }
                self.encoded_last = self.need[k];
                self.need[k] = false;
                core::mem::swap(&mut self.frame_pcm, &mut self.last_frame);
                k += 1;
                pos = 0;
            }
        }
        Ok(encoded)
    }

    /// The payload of the `k`th frame completed in this tick (encoded when a member took it).
    pub(super) fn payload(&self, k: usize) -> &[u8] {
        &self.payloads[k][..self.payload_len[k]]
    }

    /// Moves the frame position past this tick.
    pub(super) fn advance(&mut self) {
        self.pos = (self.pos + self.tick) % self.frame;
    }
}
