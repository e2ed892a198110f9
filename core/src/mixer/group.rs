//! An encoding group: the participants of a conference who share a codec, sample rate and
//! packet time. The common mix is converted to their rate and encoded once per packet for
//! all of them; each member who hears a mix of its own is encoded apart, with frames cut at
//! the same boundaries so that a member can switch between the two at any tick. The encoders
//! for members' own mixes are lent from a pool the group keeps (a talker holds one while it
//! talks), so a room of a thousand needs a few, not a thousand.
//!
//! A tick of `T` samples (at the group's rate) fills the frame in progress from position
//! `pos`; each time the frame reaches `F` samples it is complete (a packet time ends) and,
//! when a member takes the common payload, encoded. `T` and `F` are whole multiples of
//! 10 ms, so a tick completes at most `T / 10 ms` frames.

use core::time::Duration;

use super::coder::Coder;
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
    /// The frame in progress, filled up to `pos`.
    pub(super) frame_pcm: Vec<i16>,
    /// The last [`HISTORY`] frames completed, a ring whose newest is at `newest`.
    history: Vec<Vec<i16>>,
    newest: usize,
    /// Position in the frame in progress at the start of this tick.
    pub(super) pos: usize,
    encoder: Coder,
    /// Encoders for members' own mixes, not lent out now.
    spare: Vec<Coder>,
    /// Converters from the group's rate to the mix rate for members whose audio is mixed,
    /// and back for members who hear their own mix, not lent out now. A member holds one only
    /// while it needs it: a room of listeners holds none (each is about 12 KiB).
    spare_to_mix: Vec<Resampler>,
    spare_from_mix: Vec<Resampler>,
    mix_rate: u32,
    stateful: bool,
    /// Whether the last completed frame was encoded.
    encoded_last: bool,
    /// One payload per frame completed in this tick, whether it was encoded, and whether a
    /// member takes it.
    payloads: Vec<Vec<u8>>,
    payload_len: Vec<usize>,
    encoded: Vec<bool>,
    /// Whether each frame completed in this tick is silent.
    quiet: Vec<bool>,
    pub(super) need: Vec<bool>,
    /// Scratch for the payloads of frames coded only to move an encoder's state on.
    scratch: Vec<u8>,
}

/// Frames of the common mix kept for an encoder taking over a stream to code first.
const HISTORY: usize = 4;

/// A frame whose samples are all within this (about -72 dBFS) is silent.
const QUIET: u16 = 8;

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
    /// A group whose pool starts with `spares` encoders (the talkers a room mixes at once,
    /// and one more).
    pub(super) fn new(key: GroupKey, mix_rate: u32, tick: Duration, spares: usize) -> Result<Self> {
        let frame = samples_in(key.sample_rate, key.ptime);
        let tick_len = samples_in(key.sample_rate, tick);
        let encoder = Coder::new(&key)?;
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
            history: vec![vec![0; frame]; HISTORY],
            newest: 0,
            pos: 0,
            stateful: key.is_stateful(),
            encoder,
            spare: (0..spares)
                .map(|_| Coder::new(&key))
                .collect::<Result<_>>()?,
            spare_to_mix: (0..spares)
                .map(|_| Resampler::new(key.sample_rate, mix_rate, 1))
                .collect::<Result<_>>()?,
            spare_from_mix: (0..spares)
                .map(|_| Resampler::new(mix_rate, key.sample_rate, 1))
                .collect::<Result<_>>()?,
            mix_rate,
            encoded_last: false,
            payloads: vec![vec![0; max_payload]; completions],
            payload_len: vec![0; completions],
            encoded: vec![false; completions],
            quiet: vec![false; completions],
            need: vec![false; completions],
            scratch: vec![0; max_payload],
        })
    }

    /// The largest payload one packet time can take.
    pub(super) fn max_payload(&self) -> usize {
        self.payloads[0].len()
    }

    /// Starts afresh when the first member joins an empty group.
    pub(super) fn restart(&mut self) {
        self.resampler.reset();
        self.pos = 0;
        self.frame_pcm.fill(0);
        for h in &mut self.history {
            h.fill(0);
        }
        self.encoded_last = false;
    }

    /// Lends an encoder for a member's own mix (a new one when the pool is empty: the room
    /// has more own mixes at once than ever before). When the member's receiver has been
    /// decoding the common payloads (`continues`) and the codec has state, the encoder is
    /// first brought to where the common encoder is. Returns it and the frames it coded to
    /// get there.
    pub(super) fn lend(&mut self, continues: bool) -> Result<(Coder, u64)> {
        let mut coder = match self.spare.pop() {
            Some(c) => c,
            None => Coder::new(&self.key)?,
        };
        if !continues || !self.stateful || coder.follow(&self.encoder) {
            return Ok((coder, 0));
        }
        let coded = prime(&self.history, self.newest, &mut self.scratch, &mut coder)?;
        Ok((coder, coded))
    }

    /// Takes back a lent encoder.
    pub(super) fn give_back(&mut self, coder: Coder) {
        self.spare.push(coder);
    }

    /// Lends a converter to the mix rate (a new one when the pool is empty), reset: the
    /// borrower primes it with the tick before.
    pub(super) fn lend_to_mix(&mut self) -> Result<Resampler> {
        lend_resampler(&mut self.spare_to_mix, self.key.sample_rate, self.mix_rate)
    }

    /// Lends a converter from the mix rate, reset; see [`Group::lend_to_mix`].
    pub(super) fn lend_from_mix(&mut self) -> Result<Resampler> {
        lend_resampler(
            &mut self.spare_from_mix,
            self.mix_rate,
            self.key.sample_rate,
        )
    }

    /// Takes back a converter to the mix rate.
    pub(super) fn give_back_to_mix(&mut self, r: Resampler) {
        self.spare_to_mix.push(r);
    }

    /// Takes back a converter from the mix rate.
    pub(super) fn give_back_from_mix(&mut self, r: Resampler) {
        self.spare_from_mix.push(r);
    }

    /// The most samples converting a member's tick (`tick` samples at the group's rate) to
    /// the mix, or a tick of the mix (`mix_tick` samples) back, can write.
    pub(super) fn max_converted(&self, mix_tick: usize) -> usize {
        // The group's own converter goes the same way as the members' from the mix.
        let to_mix = self
            .spare_to_mix
            .first()
            .map_or(0, |r| r.max_output_len(self.tick));
        to_mix.max(self.resampler.max_output_len(mix_tick))
    }

    /// Frames this tick completes.
    pub(super) fn completions(&self) -> usize {
        (self.pos + self.tick) / self.frame
    }

    /// Converts this tick's common mix to the group's rate.
    pub(super) fn convert(&mut self, shared: &[i16]) -> Result<()> {
        self.resampler.process(shared, &mut self.tick_pcm)?;
        Ok(())
    }

    /// Adds this tick to the frame in progress and encodes each completed frame a member
    /// takes; returns how many frames it encoded.
    pub(super) fn assemble(&mut self) -> Result<u64> {
        let (mut pos, mut off, mut k) = (self.pos, 0, 0);
        let mut encoded = 0;
        while off < self.tick {
            let n = (self.frame - pos).min(self.tick - off);
            self.frame_pcm[pos..pos + n].copy_from_slice(&self.tick_pcm[off..off + n]);
            pos += n;
            off += n;
            if pos == self.frame {
                self.encoded[k] = self.need[k];
                self.quiet[k] = self.frame_pcm.iter().all(|s| s.unsigned_abs() <= QUIET);
                if self.need[k] {
                    if self.stateful && !self.encoded_last {
                        // The encoder skipped frames nobody took: catch up on the last ones.
                        encoded += prime(
                            &self.history,
                            self.newest,
                            &mut self.scratch,
                            &mut self.encoder,
                        )?;
                    }
                    self.payload_len[k] = self
                        .encoder
                        .encode(&self.frame_pcm, &mut self.payloads[k])?;
                    encoded += 1;
                }
                self.encoded_last = self.need[k];
                self.need[k] = false;
                self.newest = (self.newest + 1) % HISTORY;
                self.history[self.newest].copy_from_slice(&self.frame_pcm);
                k += 1;
                pos = 0;
            }
        }
        Ok(encoded)
    }

    /// The payload of the `k`th frame completed in this tick, if it was encoded.
    pub(super) fn payload(&self, k: usize) -> Option<&[u8]> {
        self.encoded[k].then(|| &self.payloads[k][..self.payload_len[k]])
    }

    /// Whether the `k`th frame completed in this tick is silent.
    pub(super) fn is_quiet(&self, k: usize) -> bool {
        self.quiet[k]
    }

    /// Moves the frame position past this tick.
    pub(super) fn advance(&mut self) {
        self.pos = (self.pos + self.tick) % self.frame;
    }
}

/// Codes the frames of `history` (a ring whose newest is at `newest`), oldest first, with
/// `coder`, for their effect on its state; returns how many.
fn prime(
    history: &[Vec<i16>],
    newest: usize,
    scratch: &mut [u8],
    coder: &mut Coder,
) -> Result<u64> {
    for i in 1..=history.len() {
        coder.encode(&history[(newest + i) % history.len()], scratch)?;
    }
    Ok(history.len() as u64)
}

fn lend_resampler(pool: &mut Vec<Resampler>, from: u32, to: u32) -> Result<Resampler> {
    match pool.pop() {
        Some(mut r) => {
            r.reset();
            Ok(r)
        }
        None => Resampler::new(from, to, 1),
    }
}
