//! [`JitterBuffer`]: the playout engine of the receive path.
//!
//! Packets go in as they arrive ([`JitterBuffer::insert`]); the host pulls audio at its own
//! pace ([`JitterBuffer::pull`]), and the host's clock only enters as `now`. Between the
//! two sit a [`PacketStore`] keyed by the RTP timestamp extended to 64 bits, the
//! [`DelayEstimator`] and the stream's decoder, which decodes each packet when its turn
//! comes into a short queue of samples that the pulls drain.
//!
//! **Delay.** Audio with timestamp `t` handled at `p` is `p - (t + fastest transit)` late:
//! its delay beyond what the fastest recent packet needed. A packet is decoded at the pull
//! that first needs it, and what must hold is its delay then, the *decode delay*, against
//! the estimator's target (a high quantile of recent arrival jitter, within the configured
//! bounds; delay spikes are kept out of it). Decode delays move in steps of one pull, so
//! the buffer keeps them between the target and one pull above it, and trims the audio
//! that would make the listener wait beyond that. Changes are made by time stretching
//! ([`TimeStretch`]): a period taken out (accelerate) or repeated (expand), in a pause
//! whenever the delay can wait for one, in speech only when it cannot (far too long after a
//! spike, or falling under the target). A talkspurt after intended silence simply starts
//! at its target time. A fixed buffer ([`JitterMode::Fixed`]) holds the initial delay and
//! corrects drift by dropping whole packets instead.
//!
//! **Loss.** When a packet's turn comes and it is missing, the buffer rebuilds it from the
//! next packet's in-band FEC (Opus) or has the decoder conceal it, 10 ms at a time. Once
//! FEC has rebuilt a loss, the target holds one packet more, so that the packet after a
//! loss is usually there in time to do it again. When
//! nothing at all has arrived (an underrun) concealment stands in while the timeline waits:
//! if the missing packets then turn up, playout resumes with them, a little later than
//! planned, rather than dropping them; past 100 ms of concealment the buffer goes quiet
//! and starts again at the target delay when packets return.
//!
//! **Intended silence.** After a comfort-noise (RFC 3389) packet the buffer plays comfort
//! noise until speech returns, and a gap before a packet with the marker bit (a new
//! talkspurt, RFC 3551 §4.1) is silence the sender meant: neither is concealed or counted
//! as loss.
//!
//! **Timelines.** Sequence and timestamp wrap are absorbed by the 64-bit extension. A
//! timestamp that jumps away from where the arrival time says the stream should be, or a
//! new SSRC, moves the stream's timeline so that it carries on where the old one was; a
//! straggler from before the jump still finds its place.
//!
//! Every buffer is allocated in [`JitterBuffer::new`]; memory per stream is constant.

use core::time::Duration;

use crate::codec::cn::{NoiseGenerator, Sid};
use crate::codec::{Codec, Decoder};
use crate::dsp::TimeStretch;
use crate::error::{Error, Result};
use crate::jitter::{
    DelayEstimator, Insert, JitterConfig, JitterMode, JitterStats, PacketKind, PacketStore,
    StoredPacket,
};
use crate::rtp::RtpPacket;
use crate::time::{Instant, SequenceExtender, TimestampExtender};

/// Longest packet the buffer decodes, and longest single pull it serves in one step.
pub const MAX_PACKET: Duration = Duration::from_millis(120);
/// Concealment, comfort noise and silence are made in steps of this length.
const STEP_MS: u64 = 10;
/// After this much concealment with nothing received the buffer stops and waits for
/// packets again.
const MAX_UNDERRUN_CONCEAL_MS: u64 = 100;
/// Bring decodes a pull forward only when the next one would still be this much above the
/// target.
const ACCELERATE_MARGIN_US: i64 = 2_000;
/// A fixed buffer drops a packet when it is this much more than a packet late.
const FIXED_DROP_MARGIN_US: i64 = 10_000;
/// Decodes are kept at least this far above the target: expand before the next decode's
/// delay comes closer, since below the target packets start to come too late.
const EXPAND_MARGIN_US: i64 = 2_000;
/// Expanding by less than this below the target stretches only pauses and background
/// noise, speech itself only when the delay is further off.
const VOICED_EXPAND_US: i64 = 5_000;
/// Speech itself is shortened only when the delay is this far above the target (beyond
/// the pull it may be off by anyway), as after a delay spike. Otherwise the buffer waits
/// for a pause: a period taken out of the middle of a word is heard (and costs PESQ far
/// more than the same change between sentences).
const VOICED_ACCELERATE_US: i64 = 60_000;
/// A timestamp this far from where arrival times place the stream is a jump of the
/// sender's timeline rather than jitter.
const JUMP: Duration = Duration::from_secs(1);
/// Seed of the comfort-noise generator (its noise need not differ between streams).
const NOISE_SEED: u64 = 0x6a69_7474_6572;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for the first packet to reach the target delay. Packets before `floor`
    /// (audio already played) are late.
    Buffering { floor: Option<u64> },
    /// Playing; `stalled_at` is where the timeline stood when it ran out of packets.
    Playing { stalled_at: Option<u64> },
}

/// The kinds of audio the queue is filled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fill {
    Concealed,
    ComfortNoise,
    Silence,
}

/// Adaptive jitter buffer and playout engine; see the module documentation.
///
/// ```
/// use core::time::Duration;
/// use mediacore::codec::{self, Codec};
/// use mediacore::jitter::{JitterBuffer, JitterConfig, PacketKind};
/// use mediacore::rtp::{RtpHeader, RtpPacket};
/// use mediacore::Instant;
///
/// let decoder = codec::new_decoder(Codec::Pcmu, 8000, 1)?;
/// let mut jb = JitterBuffer::new(JitterConfig::default(), decoder)?;
/// let mut datagram = [0u8; 172];
/// let mut speaker = [0i16; 160];
/// for i in 0..50u32 {
///     let now = Instant::from_millis(u64::from(i) * 20);
///     // 20 ms PCMU packets, every third one 15 ms late.
///     let header = RtpHeader {
///         sequence_number: i as u16,
///         timestamp: i * 160,
///         ssrc: 0x1234,
///         ..RtpHeader::default()
///     };
///     let n = header.write(&[0xff; 160], &mut datagram)?;
///     let arrival = now + Duration::from_millis(if i % 3 == 0 { 15 } else { 0 });
///     jb.insert(arrival, &RtpPacket::parse(&datagram[..n])?, PacketKind::Audio)?;
///     jb.pull(now, &mut speaker);
/// }
/// assert!(jb.stats().samples_decoded > 0);
/// assert!(jb.target_delay() >= Duration::from_millis(15));
/// # Ok::<(), mediacore::Error>(())
/// ```
pub struct JitterBuffer {
    config: JitterConfig,
    decoder: Box<dyn Decoder>,
    sample_rate: u32,
    /// The decoder's channel count: samples are interleaved in `queue` and `scratch`.
    channels: usize,
    clock_rate: u32,
    store: PacketStore,
    estimator: DelayEstimator,
    stretch: Option<TimeStretch>,
    noise: NoiseGenerator,
    // Arrival side.
    ssrc: Option<u32>,
    sequence: SequenceExtender,
    timestamp: TimestampExtender,
    /// Added to extended timestamps to place them on the buffer's timeline.
    offset: i64,
    /// The offset before the last re-anchoring, for stragglers.
    previous_offset: Option<i64>,
    /// Timeline position and arrival of the newest packet.
    newest: Option<(u64, Instant)>,
    target_us: i64,
    // Playout side.
    state: State,
    /// Timeline position of the first sample after the queue's content.
    next_ts: u64,
    /// Decoded samples not yet played: `queue[..queued]`.
    queue: Vec<i16>,
    queued: usize,
    scratch: Vec<i16>,
    /// Duration of the last decoded packet, in timestamp units.
    last_packet_ticks: u64,
    /// Last decoded packet was comfort noise; play noise until speech returns.
    in_dtx: bool,
    /// Concealment made in a row with nothing received, in samples.
    underrun_samples: usize,
    /// Interleaved samples at the end of the queue that are underrun concealment, given
    /// back if the missing packets turn up.
    stall_tail: usize,
    fec_supported: bool,
    /// A loss was rebuilt from in-band FEC: the sender sends it.
    fec_seen: bool,
    conceal_supported: bool,
    playout_delay_us: Option<i64>,
    /// Length of the last pull, in µs and in samples per channel.
    pull_us: i64,
    pull_samples: usize,
    /// Interleaved samples the pull under way still takes from the queue.
    pull_need: usize,
    stats: JitterStats,
}

impl core::fmt::Debug for JitterBuffer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("JitterBuffer")
            .field("config", &self.config)
            .field("codec", &self.decoder.codec())
            .field("state", &self.state)
            .field("stored", &self.store.len())
            .field("queued", &self.queued)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl JitterBuffer {
    /// A buffer playing through `decoder` (mono or stereo, any of its rates).
    ///
    /// Fails when the configuration's delays are out of order or its capacity is zero.
    pub fn new(config: JitterConfig, decoder: Box<dyn Decoder>) -> Result<Self> {
        let sample_rate = decoder.sample_rate();
        let codec = decoder.codec();
        let clock_rate = codec.rtp_clock_rate(sample_rate);
        let estimator = DelayEstimator::new(config.delay, clock_rate)?;
        let channels = usize::from(decoder.channels().max(1));
        let max_packet = samples_for(sample_rate, MAX_PACKET) * channels;
        let max_payload = largest_payload(codec, decoder.as_ref(), max_packet);
        let store = PacketStore::new(config.capacity, max_payload)?;
        let stretch = match (config.mode, channels) {
            (JitterMode::Adaptive, 1) => Some(TimeStretch::new(sample_rate)?),
            _ => None,
        };
        let max_period = stretch.as_ref().map_or(0, TimeStretch::max_period);
        // Leftover of a pull, up to two packets decoded for stretching, and an expansion.
        let queue_len = 3 * max_packet + 2 * max_period;
        let target_us = config.delay.initial_delay.as_micros() as i64;
        Ok(JitterBuffer {
            sample_rate,
            channels,
            clock_rate,
            store,
            estimator,
            stretch,
            noise: NoiseGenerator::new(NOISE_SEED),
            ssrc: None,
            sequence: SequenceExtender::new(),
            timestamp: TimestampExtender::new(),
            offset: 0,
            previous_offset: None,
            newest: None,
            target_us,
            state: State::Buffering { floor: None },
            next_ts: 0,
            queue: vec![0; queue_len],
            queued: 0,
            scratch: vec![0; queue_len.max(decoder.max_decoded_len(max_payload))],
            last_packet_ticks: ticks_for(clock_rate, Duration::from_millis(20)),
            in_dtx: false,
            underrun_samples: 0,
            stall_tail: 0,
            fec_supported: true,
            fec_seen: false,
            conceal_supported: true,
            playout_delay_us: None,
            pull_us: 0,
            pull_samples: 0,
            pull_need: 0,
            stats: JitterStats::default(),
            decoder,
            config,
        })
    }

    /// The settings.
    pub fn config(&self) -> &JitterConfig {
        &self.config
    }

    /// Counters so far.
    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    /// The delay the buffer aims for now.
    pub fn target_delay(&self) -> Duration {
        Duration::from_micros(self.target_us as u64)
    }

    /// The delay of the audio the last pull ended with, beyond what the fastest recent
    /// packet needed; `None` when playout had not started or the sender was silent.
    pub fn playout_delay(&self) -> Option<Duration> {
        self.playout_delay_us
            .map(|us| Duration::from_micros(us.max(0) as u64))
    }

    /// Packets waiting in the store.
    pub fn packets_stored(&self) -> usize {
        self.store.len()
    }

    /// Decoded samples waiting to be pulled.
    pub fn samples_queued(&self) -> usize {
        self.queued
    }

    /// Whether playout has started (and not stopped after an underrun).
    pub fn is_playing(&self) -> bool {
        matches!(self.state, State::Playing { .. })
    }

    /// The decoder's sample rate.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Drops every packet and queued sample and forgets the network; the next packet starts
    /// a new stream.
    pub fn reset(&mut self) {
        self.store.clear();
        self.estimator.reset();
        self.ssrc = None;
        self.sequence.reset();
        self.timestamp.reset();
        self.offset = 0;
        self.previous_offset = None;
        self.newest = None;
        self.target_us = self.config.delay.initial_delay.as_micros() as i64;
        self.state = State::Buffering { floor: None };
        self.queued = 0;
        self.in_dtx = false;
        self.underrun_samples = 0;
        self.stall_tail = 0;
        self.fec_seen = false;
        self.playout_delay_us = None;
    }

    /// Says the sender is not sending audio for now (an RFC 4733 telephone-event is under
    /// way, with the audio it replaces): the gap until its next audio packet is intended
    /// silence, played as comfort noise (silence unless a CN packet set a level), not
    /// concealed as loss.
    pub fn mark_silence(&mut self) {
        self.in_dtx = true;
    }

    /// Takes a received packet. Returns what became of it; a payload larger than any
    /// packet of 120 ms is an error and changes nothing.
    pub fn insert(
        &mut self,
        now: Instant,
        packet: &RtpPacket<'_>,
        kind: PacketKind,
    ) -> Result<Insert> {
        let payload = packet.payload();
        let max_payload = self.store.max_payload();
        if payload.len() > max_payload
            || (kind == PacketKind::Audio
                && self.decoder.max_decoded_len(payload.len()) > self.scratch.len())
        {
            return Err(crate::error::RtpError::PayloadTooLarge {
                len: payload.len(),
                max: max_payload,
            }
            .into());
        }
        let ssrc = packet.ssrc();
        if self.ssrc.is_some_and(|s| s != ssrc) {
            // A new source: its sequence numbers and timestamps start a new timeline.
            self.sequence.reset();
            self.timestamp.reset();
            self.previous_offset = None;
        }
        let new_source = self.ssrc != Some(ssrc);
        self.ssrc = Some(ssrc);
        let sequence = self.sequence.extend(u64::from(packet.sequence_number()));
        let extended = self.timestamp.extend(u64::from(packet.timestamp()));
        let position = self.place(now, extended, new_source);
        let stored = StoredPacket {
            timestamp: position,
            sequence,
            marker: packet.marker(),
            arrival: now,
            comfort_noise: kind == PacketKind::ComfortNoise,
            payload,
        };
        let floor = match self.state {
            State::Buffering { floor } => floor,
            State::Playing { stalled_at } => Some(stalled_at.unwrap_or(self.next_ts)),
        };
        let outcome = self.store.insert(stored, floor)?;
        match outcome {
            Insert::Duplicate => {
                self.stats.packets_duplicate += 1;
                return Ok(outcome);
            }
            Insert::Late => self.stats.packets_late += 1,
            Insert::Overflow => self.stats.packets_overflow += 1,
            Insert::StoredDroppingOldest => {
                self.stats.packets_overflow += 1;
                self.stats.packets_inserted += 1;
            }
            Insert::Stored => self.stats.packets_inserted += 1,
        }
        self.estimator.on_packet(now, position);
        self.target_us = match self.config.mode {
            // With in-band FEC in the stream, one packet more: the packet after a loss
            // carries its redundancy, and it has to be there when the loss is played.
            JitterMode::Adaptive if self.fec_seen => {
                let max = self.config.delay.max_delay.as_micros() as i64;
                (self.estimator.target_delay().as_micros() as i64
                    + self.ticks_to_us(self.last_packet_ticks))
                .min(max)
            }
            JitterMode::Adaptive => self.estimator.target_delay().as_micros() as i64,
            JitterMode::Fixed => self.config.delay.initial_delay.as_micros() as i64,
        };
        if self.newest.is_none_or(|(t, _)| position >= t) {
            self.newest = Some((position, now));
        }
        Ok(outcome)
    }

    /// Places an extended timestamp on the buffer's timeline, re-anchoring the timeline
    /// when it jumped or the source changed.
    fn place(&mut self, now: Instant, extended: u64, new_source: bool) -> u64 {
        let at = |offset: i64| (extended as i64).saturating_add(offset).max(0) as u64;
        let Some((newest, newest_arrival)) = self.newest else {
            return at(self.offset);
        };
        // Where the stream should be now, judging by how long ago its newest packet came.
        let elapsed = now.saturating_duration_since(newest_arrival);
        let expected = newest + ticks_for(self.clock_rate, elapsed);
        let jump = ticks_for(self.clock_rate, JUMP.max(self.config.delay.max_delay * 2));
        let near = |position: u64| position.abs_diff(expected) <= jump;
        if !new_source {
            if near(at(self.offset)) {
                return at(self.offset);
            }
            if let Some(previous) = self.previous_offset
                && near(at(previous))
            {
                return at(previous);
            }
        }
        // Carry the new timeline on from where the old one is now, after the newest packet
        // of the old one.
        let expected = expected.max(newest + self.last_packet_ticks);
        self.previous_offset = (!new_source).then_some(self.offset);
        self.offset = expected as i64 - extended as i64;
        self.estimator.rebase();
        self.stats.resyncs += 1;
        expected
    }

    /// Fills `out` with the next audio to play (interleaved, at the decoder's rate and
    /// channel count), silence when there is none.
    pub fn pull(&mut self, now: Instant, out: &mut [i16]) {
        let channels = self.channels;
        self.pull_samples = out.len() / channels;
        self.pull_us = self.pull_samples as i64 * 1_000_000 / i64::from(self.sample_rate);
        let mut written = 0;
        let max_step = self.queue.len() / 3;
        while written < out.len() {
            let want = (out.len() - written).min(max_step);
            // Every round adds audio to the queue; the bound only guards against a
            // decoder that returns nothing forever.
            let mut rounds = 0;
            while self.queued < want && rounds < 64 {
                self.pull_need = want;
                self.produce(now);
                rounds += 1;
            }
            let n = want.min(self.queued);
            out[written..written + n].copy_from_slice(&self.queue[..n]);
            self.queue.copy_within(n..self.queued, 0);
            self.queued -= n;
            self.stall_tail = self.stall_tail.min(self.queued);
            if n < want {
                out[written + n..written + want].fill(0);
                self.stats.samples_silence += ((want - n) / channels) as u64;
            }
            written += want;
        }
        // The delay of the audio this pull ended with: what follows it in the queue, up to
        // `next_ts`, plays right after it.
        self.playout_delay_us = match self.state {
            State::Playing { .. } if !self.in_dtx => {
                let ahead = self.pull_us as u64
                    + (self.queued / channels) as u64 * 1_000_000 / u64::from(self.sample_rate);
                self.estimator
                    .playout_delay_us(now + Duration::from_micros(ahead), self.next_ts)
            }
            _ => None,
        };
    }

    /// Adds some audio to the queue: decoded, rebuilt, concealed, comfort noise or silence.
    fn produce(&mut self, now: Instant) {
        let step = self.step_ticks();
        if let State::Buffering { floor } = self.state {
            if let Some(floor) = floor {
                self.stats.packets_late += self.store.discard_before(floor) as u64;
            }
            self.discard_too_old(now);
            match self.store.first().map(|p| p.timestamp) {
                Some(first) if self.ready(now, first) => {
                    if floor.is_some_and(|f| first < self.next_ts && first >= f) {
                        // Packets held up during an underrun, played after all.
                        self.stats.resumed_late += 1;
                    }
                    self.state = State::Playing { stalled_at: None };
                    self.next_ts = first;
                    self.underrun_samples = 0;
                }
                _ => {
                    self.fill(Fill::Silence, step);
                    return;
                }
            }
        }
        let State::Playing { stalled_at } = self.state else {
            return;
        };

        // Packets that arrived during an underrun resume playout where it stopped, as long
        // as that keeps the delay within its bound.
        if let Some(stalled_at) = stalled_at
            && let Some(first) = self.store.first().map(|p| p.timestamp)
            && first < self.next_ts
        {
            self.discard_too_old(now);
            if let Some(first) = self.store.first().map(|p| p.timestamp)
                && first >= stalled_at
                && first < self.next_ts
            {
                // Concealment not yet played gives way to the real audio.
                let channels = self.channels;
                self.queued -= self.stall_tail;
                self.stats.samples_concealed -= (self.stall_tail / channels) as u64;
                self.stall_tail = 0;
                self.next_ts = first;
                self.stats.resumed_late += 1;
            }
        }
        self.stats.packets_late += self.store.discard_before(self.next_ts) as u64;

        let Some((first, marker, comfort_noise)) = self
            .store
            .first()
            .map(|p| (p.timestamp, p.marker, p.comfort_noise))
        else {
            // Nothing to play.
            if self.in_dtx {
                self.fill(Fill::ComfortNoise, step);
                self.next_ts += step;
                return;
            }
            if stalled_at.is_none() {
                self.stats.underruns += 1;
                self.state = State::Playing {
                    stalled_at: Some(self.next_ts),
                };
            }
            let limit = samples_for(
                self.sample_rate,
                Duration::from_millis(MAX_UNDERRUN_CONCEAL_MS),
            );
            if self.underrun_samples >= limit {
                // Give up waiting: go quiet and start again when packets return.
                self.state = State::Buffering {
                    floor: Some(stalled_at.unwrap_or(self.next_ts)),
                };
                self.stall_tail = 0;
                self.fill(Fill::Silence, step);
                return;
            }
            let added = self.fill(Fill::Concealed, step);
            self.underrun_samples += added;
            self.stall_tail += added * self.channels;
            self.next_ts += step;
            return;
        };

        if first == self.next_ts {
            self.state = State::Playing { stalled_at: None };
            self.decode_first(now, comfort_noise);
            return;
        }

        // A gap before the next packet.
        let gap = first - self.next_ts;
        if self.in_dtx || marker || comfort_noise {
            // Silence the sender meant: start the next talkspurt at its target delay.
            if self.ready(now, first) {
                self.next_ts = first;
                self.state = State::Playing { stalled_at: None };
                self.decode_first(now, comfort_noise);
            } else {
                let kind = if self.in_dtx {
                    Fill::ComfortNoise
                } else {
                    Fill::Silence
                };
                self.fill(kind, step);
                self.next_ts = (self.next_ts + step).min(first);
            }
            return;
        }

        // Lost packets: rebuild from FEC when the next packet is right after the missing one.
        if gap == self.last_packet_ticks && self.fec_supported && self.try_fec(gap) {
            return;
        }
        self.fill(Fill::Concealed, step.min(gap));
        self.next_ts += step.min(gap);
    }

    /// Whether audio at `position`, decoded now, has waited its target delay.
    fn ready(&self, now: Instant, position: u64) -> bool {
        self.estimator
            .playout_delay_us(now, position)
            .is_some_and(|d| d >= self.target_us)
    }

    /// Drops stored packets that could only be played more than the maximum delay late.
    fn discard_too_old(&mut self, now: Instant) {
        let max = self.config.delay.max_delay.as_micros() as i64;
        while let Some(first) = self.store.first().map(|p| p.timestamp) {
            match self.estimator.playout_delay_us(now, first) {
                Some(d) if d > max => {
                    self.store.pop_first();
                    self.stats.packets_late += 1;
                }
                _ => break,
            }
        }
    }

    /// Decodes the first stored packet (at `next_ts`) into the queue, then keeps the
    /// delay on target.
    fn decode_first(&mut self, now: Instant, comfort_noise: bool) {
        if comfort_noise {
            if let Some(Ok(sid)) = self.store.first().map(|p| Sid::parse(p.payload)) {
                self.noise.update(&sid);
            }
            self.store.pop_first();
            self.in_dtx = true;
            self.underrun_samples = 0;
            let step = self.step_ticks();
            self.fill(Fill::ComfortNoise, step);
            self.next_ts += step;
            return;
        }
        if let Some((decoded, packet_ts)) = self.decode_packet() {
            self.adjust_delay(now, decoded, packet_ts);
        }
    }

    /// Decodes the first stored packet (an audio one at `next_ts`) onto the queue. Returns
    /// the samples added and the packet's timestamp; a packet the decoder refuses is
    /// concealed instead and gives `None`.
    fn decode_packet(&mut self) -> Option<(usize, u64)> {
        let packet = self.store.first()?;
        let packet_ts = packet.timestamp;
        let room = self.queue.len() - self.queued;
        // Straight onto the queue when it surely fits (one copy and one buffer less to touch
        // per packet); through the scratch buffer otherwise.
        let direct = self.decoder.max_decoded_len(packet.payload.len()) <= room;
        let result = if direct {
            self.decoder
                .decode(packet.payload, &mut self.queue[self.queued..])
        } else {
            self.decoder.decode(packet.payload, &mut self.scratch)
        };
        self.store.pop_first();
        let decoded = match result {
            Ok(n) if n > 0 && n <= room => n,
            _ => {
                // A packet the decoder refused is as good as lost.
                self.stats.decode_errors += 1;
                let step = self.step_ticks();
                self.fill(Fill::Concealed, step);
                self.next_ts += step;
                return None;
            }
        };
        self.in_dtx = false;
        self.underrun_samples = 0;
        self.stall_tail = 0;
        let channels = self.channels;
        if !direct {
            self.queue[self.queued..self.queued + decoded]
                .copy_from_slice(&self.scratch[..decoded]);
        }
        self.queued += decoded;
        self.stats.samples_decoded += (decoded / channels) as u64;
        let ticks = self.samples_to_ticks(decoded / channels);
        self.last_packet_ticks = ticks;
        self.next_ts += ticks;
        Some((decoded, packet_ts))
    }

    /// Keeps the delay on target after a packet was decoded into the queue.
    ///
    /// A packet is decoded at the pull that first needs it, so what must hold is its delay
    /// then (`now`), its *decode delay*, against the target (a quantile of arrival
    /// jitter). Decode delays only come in steps of one pull: removing audio from the
    /// queue brings the next decode forward only once the queue, after this pull, holds
    /// less than the next whole number of pulls. Audio beyond that (the *room*) plays
    /// before the next packet without bringing its decode forward: it is delay the
    /// listener hears that protects nothing, and it is trimmed away in pauses. Whole
    /// steps are taken when the next packet's decode delay would still be on target one
    /// pull earlier (accelerate), or is below it (expand, one pull later).
    fn adjust_delay(&mut self, now: Instant, decoded: usize, packet_ts: u64) {
        let channels = self.channels;
        let Some(decode_delay) = self.estimator.playout_delay_us(now, packet_ts) else {
            return;
        };
        match self.config.mode {
            JitterMode::Fixed => {
                // The delay heard, against the fixed delay and half a pull: drop the
                // packet when it is more than a packet and a margin over.
                let before = ((self.queued - decoded) / channels) as u64;
                let starts =
                    now + Duration::from_micros(before * 1_000_000 / u64::from(self.sample_rate));
                let heard = self
                    .estimator
                    .playout_delay_us(starts, packet_ts)
                    .unwrap_or(decode_delay);
                let packet_us = self.ticks_to_us(self.last_packet_ticks);
                let over = heard - self.target_us - self.pull_us / 2;
                if over > packet_us + FIXED_DROP_MARGIN_US {
                    self.queued -= decoded;
                    self.stats.samples_dropped += (decoded / channels) as u64;
                }
            }
            JitterMode::Adaptive => {
                let max = self.config.delay.max_delay.as_micros() as i64;
                if decode_delay > max + FIXED_DROP_MARGIN_US {
                    // Far beyond what time stretching can bring back soon.
                    self.queued -= decoded;
                    self.stats.samples_dropped += (decoded / channels) as u64;
                    return;
                }
                // Samples per channel left after this pull, and the pull's length.
                let Some(slack) = self.queued.checked_sub(self.pull_need) else {
                    return; // more packets are needed for this pull; adjust on the last
                };
                let slack = slack / channels;
                let pull = self.pull_samples.max(1);
                let room = slack % pull;
                let us = |samples: usize| samples as i64 * 1_000_000 / i64::from(self.sample_rate);
                // The next packet is decoded after the pulls the slack covers.
                let next_decode = now + Duration::from_micros(us((slack / pull + 1) * pull) as u64);
                let Some(next) = self.estimator.playout_delay_us(next_decode, self.next_ts) else {
                    return;
                };
                let error = next - self.target_us;
                let pull_us = us(pull);
                let ms = |n: i64| (n * i64::from(self.sample_rate) / 1000) as usize;
                let error = error - EXPAND_MARGIN_US;
                if error < 0 {
                    // One pull later: enough to fill the rest of this pull's step.
                    self.stretch_queue(false, error < -VOICED_EXPAND_US, pull - room + ms(1));
                } else if error >= pull_us + ACCELERATE_MARGIN_US {
                    // Earlier by as many pulls as stay on target (and the room).
                    let steps = (error - ACCELERATE_MARGIN_US) / pull_us;
                    let voiced = error > pull_us + VOICED_ACCELERATE_US;
                    self.stretch_queue(true, voiced, room + steps as usize * pull);
                } else if room >= ms(3) {
                    // On target: trim the room in a pause, keeping the step.
                    self.stretch_queue(true, false, room - ms(1));
                }
            }
        }
    }

    /// Accelerates (or expands) what is queued, decoding the next packet first when the
    /// queue is too short to find a pitch period in.
    fn stretch_queue(&mut self, accelerate: bool, voiced: bool, limit: usize) {
        let Some(stretch) = self.stretch.as_mut() else {
            return;
        };
        stretch.set_voiced(voiced);
        let min_input = stretch.min_input();
        // The full pitch range needs two 15 ms periods and the 2 ms guards: decode the next
        // packet too when it is there.
        let preferred = 2 * stretch.max_period() + min_input / 5;
        let next_is_audio = self
            .store
            .first()
            .is_some_and(|p| p.timestamp == self.next_ts && !p.comfort_noise);
        if self.queued < preferred && next_is_audio && self.decode_packet().is_none() {
            return;
        }
        if self.queued < min_input {
            return;
        }
        let Some(stretch) = self.stretch.as_mut() else {
            return;
        };
        if accelerate {
            // What this pull takes must stay: nothing more may be needed from packets that
            // have not arrived.
            let channels = self.channels;
            let spare = self.queued.saturating_sub(self.pull_need) / channels;
            if spare < stretch.sample_rate() as usize * 5 / 2000 {
                return;
            }
            stretch.set_max_change(limit.min(spare));
        } else {
            stretch.set_max_change(limit);
        }
        let queued = self.queued;
        let input = &self.queue[..queued];
        let result = if accelerate {
            stretch.accelerate(input, &mut self.scratch)
        } else {
            let room = self.queue.len().min(self.scratch.len());
            if queued + stretch.max_period() > room {
                return;
            }
            stretch.expand(input, &mut self.scratch)
        };
        if let Ok(done) = result
            && done.produced <= self.queue.len()
            && done.removed + done.inserted > 0
        {
            self.queue[..done.produced].copy_from_slice(&self.scratch[..done.produced]);
            self.queued = done.produced;
            self.stats.samples_accelerated += done.removed as u64;
            self.stats.samples_expanded += done.inserted as u64;
        }
    }

    /// Rebuilds the missing `gap` ticks from the first stored packet's in-band FEC.
    fn try_fec(&mut self, gap: u64) -> bool {
        let Some(packet) = self.store.first() else {
            return false;
        };
        let samples = self.ticks_to_samples(gap);
        let channels = self.channels;
        if samples * channels > self.queue.len() - self.queued {
            return false;
        }
        match self
            .decoder
            .decode_fec(packet.payload, samples, &mut self.scratch)
        {
            Ok(n) if n > 0 => {
                let n = n.min(self.queue.len() - self.queued);
                self.queue[self.queued..self.queued + n].copy_from_slice(&self.scratch[..n]);
                self.queued += n;
                self.stats.samples_fec += (n / channels) as u64;
                self.fec_seen = true;
                self.next_ts += gap;
                self.underrun_samples = 0;
                true
            }
            Ok(_) => false,
            Err(Error::Codec(crate::error::CodecError::Unsupported { .. })) => {
                self.fec_supported = false;
                false
            }
            Err(_) => false,
        }
    }

    /// Appends `ticks` worth of concealment, comfort noise or silence; returns samples per
    /// channel added.
    fn fill(&mut self, kind: Fill, ticks: u64) -> usize {
        let channels = self.channels;
        let samples = self.ticks_to_samples(ticks).max(1);
        let n = (samples * channels).min(self.queue.len() - self.queued);
        let samples = n / channels;
        let n = samples * channels;
        let out = &mut self.queue[self.queued..self.queued + n];
        let kind = match kind {
            Fill::Concealed if self.conceal_supported => {
                match self.decoder.conceal(samples, &mut self.scratch) {
                    Ok(m) if m >= n => {
                        out.copy_from_slice(&self.scratch[..n]);
                        Fill::Concealed
                    }
                    Err(Error::Codec(crate::error::CodecError::Unsupported { .. })) => {
                        self.conceal_supported = false;
                        out.fill(0);
                        Fill::Concealed
                    }
                    _ => {
                        out.fill(0);
                        Fill::Concealed
                    }
                }
            }
            Fill::Concealed => {
                out.fill(0);
                Fill::Concealed
            }
            Fill::ComfortNoise if channels == 1 => {
                self.noise.generate(out);
                Fill::ComfortNoise
            }
            other => {
                out.fill(0);
                other
            }
        };
        self.queued += n;
        let counter = match kind {
            Fill::Concealed => &mut self.stats.samples_concealed,
            Fill::ComfortNoise => &mut self.stats.samples_comfort_noise,
            Fill::Silence => &mut self.stats.samples_silence,
        };
        *counter += samples as u64;
        samples
    }

    fn step_ticks(&self) -> u64 {
        ticks_for(self.clock_rate, Duration::from_millis(STEP_MS))
    }

    fn samples_to_ticks(&self, samples: usize) -> u64 {
        samples as u64 * u64::from(self.clock_rate) / u64::from(self.sample_rate)
    }

    fn ticks_to_samples(&self, ticks: u64) -> usize {
        (ticks * u64::from(self.sample_rate) / u64::from(self.clock_rate)) as usize
    }

    fn ticks_to_us(&self, ticks: u64) -> i64 {
        (ticks * 1_000_000 / u64::from(self.clock_rate)) as i64
    }
}

/// Samples (per channel) in `duration` at `rate`.
fn samples_for(rate: u32, duration: Duration) -> usize {
    (u128::from(rate) * duration.as_micros() / 1_000_000) as usize
}

/// Timestamp units in `duration` on a `clock_rate` clock.
fn ticks_for(clock_rate: u32, duration: Duration) -> u64 {
    (u128::from(clock_rate) * duration.as_micros() / 1_000_000) as u64
}

/// The largest payload whose audio fits in `max_samples` (Opus frames carry up to 1275
/// bytes each, and a packet of several frames is still within one MTU).
fn largest_payload(codec: Codec, decoder: &dyn Decoder, max_samples: usize) -> usize {
    if codec == Codec::Opus {
        return 1500;
    }
    let (mut lo, mut hi) = (1usize, 1usize << 20);
    if decoder.max_decoded_len(lo) > max_samples {
        return 1;
    }
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if decoder.max_decoded_len(mid) <= max_samples {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}
