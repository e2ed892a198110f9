//! One participant of a [`Conference`](super::Conference): its session, its audio on the
//! way to the mix (playout cut into ticks, converted to the mix rate while it is mixed) and
//! on the way back (its own mix converted to its rate, frames encoded for it alone, or the
//! group's common payload).

use core::time::Duration;

use super::coder::Coder;
use super::group::Group;
use crate::dsp::Resampler;
use crate::error::Result;
use crate::frame::samples_in;
use crate::session::MediaSession;
use crate::time::Instant;

pub(super) struct Member {
    /// `None` once the participant has left (until the mix drops it).
    pub(super) session: Option<MediaSession>,
    pub(super) group: usize,
    rate: u32,
    /// Samples per tick at the member's rate.
    tick: usize,
    /// Playout pulled a packet time at a time, waiting to be cut into ticks.
    fifo: Vec<i16>,
    fifo_len: usize,
    /// Two ticks at the member's rate: this one (the half `current` names) and the one
    /// before.
    native: Vec<i16>,
    current: usize,
    /// The converter to the mix rate, lent by the group while the member's audio is mixed
    /// (it converted the previous tick: its state follows the stream).
    to_mix: Option<Resampler>,
    /// The converter from the mix rate, lent by the group while the member hears its own mix.
    from_mix: Option<Resampler>,
    /// Whether the member heard the common mix in the previous tick.
    heard_shared: bool,
    /// This tick's own mix at the member's rate, and whether the member hears it (or
    /// silence) rather than the common mix.
    own: Vec<i16>,
    pub(super) hears_own: bool,
    /// The encoder lent by the group while the member hears its own mix.
    encoder: Option<Coder>,
    /// The member's frame in progress and whether it differs from the common one.
    frame: Vec<i16>,
    pending: bool,
    /// Joined during the frame in progress: what came before is silence for it.
    fresh: bool,
    /// Its receiver has decoded common payloads: an encoder taking over first codes the
    /// frame before, to bring its state near the receiver's.
    heard_common: bool,
    /// Frames it may still code with its own encoder, from the common mix, after its own
    /// mix ended. A stateful codec's receiver follows the encoder that coded what it
    /// decodes, and two encoders do not come to the same state by coding the same audio; so
    /// the common payloads take over only when the two encoders code a frame alike, or in a
    /// silent frame (the receiver's decoder settles in the silence that usually follows),
    /// or after `settle_max` frames at the latest.
    settle: u32,
    settle_max: u32,
    payload: Vec<u8>,
}

/// How long a member's own encoder may go on coding the common mix after its own mix ended,
/// waiting for a quiet frame to hand over to the common encoder in.
const SETTLE_MAX: Duration = Duration::from_secs(5);

/// What delivering one tick to a member did.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Delivered {
    pub(super) own_encodes: u64,
    pub(super) shared_sends: u64,
}

impl core::fmt::Debug for Member {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Member")
            .field("session", &self.session)
            .field("group", &self.group)
            .field("hears_own", &self.hears_own)
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl Member {
    /// A member of group `group`, whose payloads take at most `max_payload` bytes.
    pub(super) fn new(
        session: MediaSession,
        group: usize,
        max_payload: usize,
        tick: Duration,
    ) -> Self {
        let rate = session.sample_rate();
        let frame = session.frame_samples();
        let tick_len = samples_in(rate, tick);
        let payload = vec![0; max_payload];
        Member {
            group,
            rate,
            tick: tick_len,
            fifo: vec![0; tick_len + frame],
            fifo_len: 0,
            native: vec![0; 2 * tick_len],
            current: 0,
            to_mix: None,
            from_mix: None,
            heard_shared: false,
            own: vec![0; tick_len],
            hears_own: true,
            encoder: None,
            frame: vec![0; frame],
            pending: false,
            fresh: true,
            heard_common: false,
            settle: 0,
            settle_max: (SETTLE_MAX.as_micros() / session.config().ptime.as_micros().max(1)) as u32,
            payload,
            session: Some(session),
        }
    }

    /// Pulls playout until a tick is there and makes it the current tick; `at` is when the
    /// tick starts playing. Returns the tick's samples.
    pub(super) fn pull_tick(&mut self, at: Instant) -> &[i16] {
        let t = self.tick;
        self.current ^= 1;
        let range = self.current * t..(self.current + 1) * t;
        let Some(session) = self.session.as_mut() else {
            self.native[range.clone()].fill(0);
            return &self.native[range];
        };
        if self.fifo_len == 0 && self.frame.len() == t {
            // One packet time per tick: straight through.
            self.native[range.clone()].copy_from_slice(session.pull_playout(at).samples());
            return &self.native[range];
        }
        while self.fifo_len < t {
            // Each packet time plays where the audio already waiting ends.
            let ahead =
                Duration::from_micros(self.fifo_len as u64 * 1_000_000 / u64::from(self.rate));
            let frame = session.pull_playout(at + ahead).samples();
            self.fifo[self.fifo_len..self.fifo_len + frame.len()].copy_from_slice(frame);
            self.fifo_len += frame.len();
        }
        self.native[range.clone()].copy_from_slice(&self.fifo[..t]);
        self.fifo.copy_within(t..self.fifo_len, 0);
        self.fifo_len -= t;
        &self.native[range]
    }

    /// Converts the current tick to the mix rate into `out`; a converter that did not run
    /// in the previous tick (lent now) first takes that tick, so its output joins on without
    /// a gap.
    pub(super) fn convert_to_mix(
        &mut self,
        group: &mut Group,
        out: &mut [i16],
        scratch: &mut [i16],
    ) -> Result<()> {
        let t = self.tick;
        let (now, before) = (self.current * t, (self.current ^ 1) * t);
        let to_mix = match &mut self.to_mix {
            Some(r) => r,
            None => {
                let r = self.to_mix.insert(group.lend_to_mix()?);
                r.process(&self.native[before..before + t], scratch)?;
                r
            }
        };
        to_mix.process(&self.native[now..now + t], out)?;
        Ok(())
    }

    /// The member's audio is not mixed this tick: its converter goes back to the group.
    pub(super) fn skip_mix(&mut self, group: &mut Group) {
        if let Some(r) = self.to_mix.take() {
            group.give_back_to_mix(r);
        }
    }

    /// Takes what the member hears this tick: its own mix at the mix rate (`Some`), or the
    /// common mix (`None`); `previous_shared` is the common mix of the previous tick.
    pub(super) fn hear(
        &mut self,
        group: &mut Group,
        own: Option<&[i16]>,
        previous_shared: &[i16],
        scratch: &mut [i16],
    ) -> Result<()> {
        match own {
            None => {
                self.hears_own = false;
                self.give_back_from_mix(group);
                self.heard_shared = true;
                return Ok(());
            }
            Some(mix) => {
                let from_mix = match &mut self.from_mix {
                    Some(r) => r,
                    None => {
                        let r = self.from_mix.insert(group.lend_from_mix()?);
                        if self.heard_shared {
                            // Continue from the common mix it heard: no gap at the switch.
                            r.process(previous_shared, scratch)?;
                        }
                        r
                    }
                };
                from_mix.process(mix, &mut self.own)?;
            }
        }
        self.hears_own = true;
        self.heard_shared = false;
        Ok(())
    }

    fn give_back_from_mix(&mut self, group: &mut Group) {
        if let Some(r) = self.from_mix.take() {
            group.give_back_from_mix(r);
        }
    }

    /// Gives its encoder and converters back to the group (it left).
    pub(super) fn release(&mut self, group: &mut Group) {
        if let Some(e) = self.encoder.take() {
            group.give_back(e);
        }
        self.skip_mix(group);
        self.give_back_from_mix(group);
    }

    /// Hears silence this tick.
    pub(super) fn hear_nothing(&mut self, group: &mut Group) {
        self.own.fill(0);
        self.hears_own = true;
        self.give_back_from_mix(group);
        self.heard_shared = false;
    }

    /// Before the group assembles its frames: starts a frame of the member's own when it
    /// hears its own mix, and marks the common frames it will take.
    pub(super) fn prepare(&mut self, group: &mut Group) -> Result<u64> {
        let mut encodes = 0;
        if (self.hears_own || self.settle > 0) && !self.pending {
            self.pending = true;
            let pos = group.pos;
            if self.fresh {
                self.frame[..pos].fill(0);
            } else {
                self.frame[..pos].copy_from_slice(&group.frame_pcm[..pos]);
            }
            if self.encoder.is_none() {
                let (coder, coded) = group.lend(self.heard_common)?;
                self.encoder = Some(coder);
                encodes += coded;
            }
        }
        self.fresh = false;
        if !self.hears_own {
            // The common payloads: to send, or to compare with while settling.
            let completions = group.completions();
            group.need[..completions].fill(true);
        }
        Ok(encodes)
    }

    /// After the group assembled its frames: fills the member's frame and sends each frame
    /// this tick completes, its own or the group's payload; gives the encoder back once it
    /// hears the common mix again.
    pub(super) fn deliver(&mut self, group: &mut Group, at: Instant) -> Result<Delivered> {
        let mut done = Delivered::default();
        let Some(session) = self.session.as_mut() else {
            return Ok(done);
        };
        if !self.pending && !self.hears_own && group.completions() == 0 {
            return Ok(done);
        }
        let (f, t) = (group.frame, group.tick);
        let (mut pos, mut off, mut k) = (group.pos, 0, 0);
        while off < t {
            let n = (f - pos).min(t - off);
            if self.pending {
                let src = if self.hears_own {
                    &self.own[off..off + n]
                } else {
                    &group.tick_pcm[off..off + n]
                };
                self.frame[pos..pos + n].copy_from_slice(src);
            }
            pos += n;
            off += n;
            if pos == f {
                if self.pending {
                    let encoder = match self.encoder.as_mut() {
                        Some(e) => e,
                        None => {
                            let (coder, coded) = group.lend(self.heard_common)?;
                            done.own_encodes += coded;
                            self.encoder.insert(coder)
                        }
                    };
                    let len = encoder.encode(&self.frame, &mut self.payload)?;
                    session.send_encoded(at, &self.payload[..len])?;
                    done.own_encodes += 1;
                    if self.hears_own {
                        self.settle = self.settle_max;
                    } else if group.payload(k) == Some(&self.payload[..len]) || group.is_quiet(k) {
                        // The common stream can take over from here without a glitch.
                        self.settle = 0;
                    } else {
                        self.settle = self.settle.saturating_sub(1);
                    }
                    if self.settle == 0
                        && !self.hears_own
                        && let Some(e) = self.encoder.take()
                    {
                        group.give_back(e);
                    }
                } else {
                    // Marked as needed in `prepare`, so encoded.
                    session.send_encoded(at, group.payload(k).unwrap_or_default())?;
                    done.shared_sends += 1;
                    self.heard_common = true;
                    if let Some(e) = self.encoder.take() {
                        group.give_back(e);
                    }
                }
                k += 1;
                pos = 0;
                self.pending = (self.hears_own || self.settle > 0) && off < t;
            }
        }
        Ok(done)
    }
}
