//! RFC 4733 telephone-events (DTMF over RTP): the 4-byte payload ([`TelephoneEvent`]), a
//! sender that turns queued digits into event packets ([`TelephoneEventSender`]) and a
//! receiver that turns event packets into digit starts and ends ([`TelephoneEventReceiver`]).
//!
//! Both are sans-IO. The sender is driven by the RTP timestamp of the session's audio clock,
//! so durations are in units of the negotiated clock (8000 Hz for PCMU/PCMA/G.722, 48000 Hz
//! for Opus). The receiver takes each packet's arrival [`Instant`] and header fields, and ends
//! events whose end packets were all lost by [`TelephoneEventReceiver::handle_timeout`].

use crate::dtmf::Digit;
use crate::error::{Error, Result, RtpError};
use crate::time::{Instant, TimestampExtender};
use alloc_free::FixedQueue;
use core::time::Duration;

/// RFC 4733 §2.3: every event block is four bytes.
pub const EVENT_BLOCK_LEN: usize = 4;

/// RFC 4733 §2.5.1.3: the largest duration one segment of an event can report.
pub const MAX_SEGMENT_DURATION: u32 = 0xFFFF;

/// RFC 4733 §2.5.1.4: the final packet of an event (and of each segment) is sent three times.
pub const FINAL_PACKET_TRANSMISSIONS: u8 = 3;

/// The largest volume value: RFC 4733 §2.3.4 power levels run from 0 to -63 dBm0.
pub const MAX_VOLUME: u8 = 63;

/// One RFC 4733 §2.3 event block: event code, end bit, volume and duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TelephoneEvent {
    /// The event code (RFC 4733 §2.3.1): 0-15 are the DTMF keys (see [`Digit`]); other codes
    /// are carried through unchanged.
    pub event: u8,
    /// The E bit (RFC 4733 §2.3.2): this block reports the end of the event.
    pub end: bool,
    /// The power level in dBm0 below 0, 0 to 63 (RFC 4733 §2.3.4); larger is quieter.
    pub volume: u8,
    /// Time since the event (segment) began, in units of the RTP clock (RFC 4733 §2.3.5).
    pub duration: u16,
}

impl TelephoneEvent {
    /// Reads the first event block of `payload`.
    ///
    /// RFC 4733 §2.3.3: the reserved R bit is ignored. Further blocks, if any, can be read
    /// with [`TelephoneEvent::blocks`].
    pub fn parse(payload: &[u8]) -> Result<TelephoneEvent> {
        check_payload_len(payload.len())?;
        Ok(Self::from_block([
            payload[0], payload[1], payload[2], payload[3],
        ]))
    }

    /// Every 4-byte block of `payload` in order (RFC 4733 §2.5.1.5 allows more than one).
    pub fn blocks(payload: &[u8]) -> Result<impl Iterator<Item = TelephoneEvent> + '_> {
        check_payload_len(payload.len())?;
        Ok(payload
            .chunks_exact(EVENT_BLOCK_LEN)
            .map(|b| Self::from_block([b[0], b[1], b[2], b[3]])))
    }

    fn from_block(b: [u8; 4]) -> TelephoneEvent {
        TelephoneEvent {
            event: b[0],
            end: b[1] & 0x80 != 0,
            volume: b[1] & 0x3F,
            duration: u16::from_be_bytes([b[2], b[3]]),
        }
    }

    /// The block as it goes on the wire; the R bit is zero (RFC 4733 §2.3.3).
    pub fn to_bytes(&self) -> [u8; 4] {
        let d = self.duration.to_be_bytes();
        let flags = if self.end { 0x80 } else { 0 } | (self.volume & 0x3F);
        [self.event, flags, d[0], d[1]]
    }

    /// Writes the block to the start of `out` and returns its length (4).
    ///
    /// Fails if `out` is shorter than 4 bytes or the volume is above 63.
    pub fn write(&self, out: &mut [u8]) -> Result<usize> {
        if self.volume > MAX_VOLUME {
            return Err(Error::InvalidArgument(format!(
                "telephone-event volume {} is out of range; expected 0 to 63 (dBm0 below 0)",
                self.volume
            )));
        }
        let Some(dst) = out.get_mut(..EVENT_BLOCK_LEN) else {
            return Err(RtpError::PacketTooLarge {
                needed: EVENT_BLOCK_LEN,
                capacity: out.len(),
            }
            .into());
        };
        dst.copy_from_slice(&self.to_bytes());
        Ok(EVENT_BLOCK_LEN)
    }

    /// The DTMF key of this event, `None` for event codes 16 and up.
    pub fn digit(&self) -> Option<Digit> {
        Digit::from_event_code(self.event)
    }
}

fn check_payload_len(len: usize) -> Result<()> {
    if len < EVENT_BLOCK_LEN {
        return Err(RtpError::Truncated {
            needed: EVENT_BLOCK_LEN,
            actual: len,
        }
        .into());
    }
    if !len.is_multiple_of(EVENT_BLOCK_LEN) {
        return Err(RtpError::PayloadNotAligned {
            len,
            unit: EVENT_BLOCK_LEN,
        }
        .into());
    }
    Ok(())
}

/// Accepts the RTP clock rates a telephone-event stream can be negotiated at.
fn check_clock_rate(clock_rate: u32) -> Result<()> {
    if (1000..=192_000).contains(&clock_rate) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "telephone-event clock rate {clock_rate} Hz is out of range; expected 1000 to 192000 \
             (8000 for PCMU/PCMA/G.722, 48000 for Opus)"
        )))
    }
}

/// `d` in ticks of a `clock_rate` Hz clock, rounded to the nearest tick.
fn ticks(d: Duration, clock_rate: u32) -> u64 {
    let t = (d.as_nanos() * u128::from(clock_rate) + 500_000_000) / 1_000_000_000;
    u64::try_from(t).unwrap_or(u64::MAX)
}

/// `ticks` of a `clock_rate` Hz clock in milliseconds, rounded to the nearest.
fn ticks_to_ms(ticks: u64, clock_rate: u32) -> u64 {
    let rate = u128::from(clock_rate.max(1));
    let ms = (u128::from(ticks) * 1000 + rate / 2) / rate;
    u64::try_from(ms).unwrap_or(u64::MAX)
}

mod alloc_free {
    //! A queue with a fixed capacity that never grows.

    use std::collections::VecDeque;

    /// A FIFO that holds at most the capacity it was built with and never reallocates.
    #[derive(Debug, Clone)]
    pub(super) struct FixedQueue<T> {
        items: VecDeque<T>,
        capacity: usize,
    }

    impl<T> FixedQueue<T> {
        pub(super) fn new(capacity: usize) -> Self {
            FixedQueue {
                items: VecDeque::with_capacity(capacity),
                capacity,
            }
        }

        /// Appends `item`; when full, drops the oldest and returns true.
        pub(super) fn push_dropping_oldest(&mut self, item: T) -> bool {
            let dropped = self.items.len() >= self.capacity;
            if dropped {
                self.items.pop_front();
            }
            self.items.push_back(item);
            dropped
        }

        pub(super) fn pop(&mut self) -> Option<T> {
            self.items.pop_front()
        }

        pub(super) fn len(&self) -> usize {
            self.items.len()
        }

        pub(super) fn capacity(&self) -> usize {
            self.capacity
        }

        pub(super) fn clear(&mut self) {
            self.items.clear();
        }
    }
}

// ---------------------------------------------------------------------------------------
// Sender
// ---------------------------------------------------------------------------------------

/// How a [`TelephoneEventSender`] times its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderConfig {
    /// The negotiated telephone-event clock rate in Hz: 8000 with PCMU/PCMA/G.722, 48000 with
    /// Opus. It must be the clock of the timestamps given to [`TelephoneEventSender::poll`].
    pub clock_rate: u32,
    /// Time between update packets. RFC 4733 §2.5.1.2 asks for updates at a regular
    /// interval; [`SenderConfig::new`] uses the audio packet time, so that one event packet
    /// takes the place of one audio packet.
    pub interval: Duration,
    /// How long each queued digit lasts.
    pub digit_duration: Duration,
    /// Silence between the end of one digit and the start of the next.
    pub gap: Duration,
    /// Volume in dBm0 below 0 (RFC 4733 §2.3.4), 0 to 63.
    pub volume: u8,
    /// How many digits may wait in the queue.
    pub queue_capacity: usize,
}

impl SenderConfig {
    /// Defaults for a stream whose audio packets are `ptime` apart: updates every `ptime`,
    /// 100 ms digits, 100 ms gaps, volume 10 (-10 dBm0), a queue of 64 digits.
    pub fn new(clock_rate: u32, ptime: Duration) -> Self {
        SenderConfig {
            clock_rate,
            interval: ptime,
            digit_duration: Duration::from_millis(100),
            gap: Duration::from_millis(100),
            volume: 10,
            queue_capacity: 64,
        }
    }
}

/// One telephone-event packet to send: the payload and the RTP header fields it needs.
///
/// The payload type and SSRC are the session's; the sequence number is the session's next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPacket {
    /// The RTP marker bit: set on the first packet of an event only (RFC 4733 §2.5.1.2).
    pub marker: bool,
    /// The RTP timestamp: the start of the event, or of its segment (RFC 4733 §2.5.1.3).
    pub timestamp: u32,
    /// The event block carried.
    pub event: TelephoneEvent,
    /// The payload bytes: `event` on the wire.
    pub payload: [u8; EVENT_BLOCK_LEN],
}

/// The event being sent.
#[derive(Debug, Clone, Copy)]
struct Sending {
    code: u8,
    /// Extended timestamp of the event's start.
    start: u64,
    /// Total duration in ticks.
    total: u64,
    /// Index of the last update tick processed, if any.
    last_tick: Option<u64>,
    /// The final packet, once sent, and how many more times to send it.
    final_repeats: Option<(EventPacket, u8)>,
    /// A segment-end packet still to be repeated, and how many more times.
    segment_repeats: Option<(EventPacket, u8)>,
}

/// Turns queued digits into RFC 4733 event packets, paced by the session's RTP clock.
///
/// Call [`TelephoneEventSender::poll`] with the RTP timestamp the next audio packet would
/// carry, once per audio packet interval, and send every packet it returns until `None`.
/// While [`TelephoneEventSender::is_active`] is true the session sends no audio.
///
/// Each event: the first packet has the marker bit; every packet carries the event's start
/// timestamp and the duration so far, growing by one interval per update (RFC 4733
/// §2.5.1.2); the last has the E bit and is sent three times, one interval apart (§2.5.1.4).
/// An event longer than 0xFFFF ticks (1.365 s at 48 kHz) is split into segments: each
/// segment ends with a 0xFFFF-tick packet sent three times, and the next segment carries the
/// timestamp at which the previous one ended, without the marker bit (§2.5.1.3).
#[derive(Debug, Clone)]
pub struct TelephoneEventSender {
    config: SenderConfig,
    interval: u64,
    total: u64,
    gap: u64,
    clock: TimestampExtender,
    queue: FixedQueue<u8>,
    sending: Option<Sending>,
    /// The earliest extended timestamp at which the next event may start.
    next_start: u64,
    out: FixedQueue<EventPacket>,
}

impl TelephoneEventSender {
    /// A sender with `config`, or an error naming the first setting that is out of range.
    pub fn new(config: SenderConfig) -> Result<Self> {
        check_clock_rate(config.clock_rate)?;
        let interval = ticks(config.interval, config.clock_rate);
        if interval == 0 || interval > u64::from(MAX_SEGMENT_DURATION) {
            return Err(Error::InvalidArgument(format!(
                "telephone-event interval {:?} is out of range; expected 1 tick to 0xFFFF ticks of \
                 the {} Hz clock",
                config.interval, config.clock_rate
            )));
        }
        let total = ticks(config.digit_duration, config.clock_rate);
        if total == 0 || config.digit_duration > Duration::from_secs(600) {
            return Err(Error::InvalidArgument(format!(
                "digit duration {:?} is out of range; expected at least one tick and at most 600 s",
                config.digit_duration
            )));
        }
        if config.gap > Duration::from_secs(60) {
            return Err(Error::InvalidArgument(format!(
                "inter-digit gap {:?} is out of range; expected at most 60 s",
                config.gap
            )));
        }
        if config.volume > MAX_VOLUME {
            return Err(Error::InvalidArgument(format!(
                "telephone-event volume {} is out of range; expected 0 to 63 (dBm0 below 0)",
                config.volume
            )));
        }
        if config.queue_capacity == 0 || config.queue_capacity > 4096 {
            return Err(Error::InvalidArgument(format!(
                "digit queue capacity {} is out of range; expected 1 to 4096",
                config.queue_capacity
            )));
        }
        Ok(TelephoneEventSender {
            interval,
            total,
            gap: ticks(config.gap, config.clock_rate),
            clock: TimestampExtender::new(),
            queue: FixedQueue::new(config.queue_capacity),
            sending: None,
            next_start: 0,
            out: FixedQueue::new(4),
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SenderConfig {
        &self.config
    }

    /// Queues the keys of `digits` (`0`-`9`, `*`, `#`, `A`-`D`, either case). Nothing is
    /// queued if a character is not a key or the queue cannot take them all.
    pub fn queue(&mut self, digits: &str) -> Result<()> {
        let mut count = 0;
        for c in digits.chars() {
            Digit::from_char(c)?;
            count += 1;
        }
        self.check_room(count)?;
        for c in digits.chars() {
            if let Ok(d) = Digit::from_char(c) {
                self.queue.push_dropping_oldest(d.event_code());
            }
        }
        Ok(())
    }

    /// Queues `digits`; nothing is queued if the queue cannot take them all.
    pub fn queue_digits(&mut self, digits: &[Digit]) -> Result<()> {
        self.check_room(digits.len())?;
        for d in digits {
            self.queue.push_dropping_oldest(d.event_code());
        }
        Ok(())
    }

    /// Queues one event by code (RFC 4733 §3 codes, or any registered event), timed like a
    /// digit.
    pub fn queue_event(&mut self, code: u8) -> Result<()> {
        self.check_room(1)?;
        self.queue.push_dropping_oldest(code);
        Ok(())
    }

    fn check_room(&self, count: usize) -> Result<()> {
        let free = self.queue.capacity() - self.queue.len();
        if count > free {
            return Err(Error::InvalidArgument(format!(
                "{count} digits do not fit in the DTMF queue; {free} of {} places are free",
                self.queue.capacity()
            )));
        }
        Ok(())
    }

    /// Digits waiting, not counting the one being sent.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Drops the digits waiting; the event being sent still ends normally.
    pub fn clear(&mut self) {
        self.queue.clear();
    }

    /// True from the first packet of an event to the last copy of its final packet: the
    /// session sends event packets instead of audio meanwhile.
    pub fn is_active(&self) -> bool {
        self.sending.is_some() || self.out.len() > 0
    }

    /// The next packet due at `now`, the RTP timestamp of the session's audio clock (the
    /// timestamp its next audio packet would carry). Call until it returns `None`.
    ///
    /// Updates are due every interval from the event's start. If calls come late, the
    /// packets of the latest due update are sent and the updates skipped in between are not.
    /// Drain this before deciding to send audio: a call that yields a packet starts or
    /// continues an event, and [`is_active`](Self::is_active) says so afterwards.
    #[must_use]
    pub fn poll(&mut self, now: u32) -> Option<EventPacket> {
        if let Some(p) = self.out.pop() {
            return Some(p);
        }
        let now = self.clock.extend(u64::from(now));
        self.advance(now);
        self.out.pop()
    }

    /// Fills `out` with the packets due at `now` (extended).
    fn advance(&mut self, now: u64) {
        if self.sending.is_none() {
            if now < self.next_start {
                return;
            }
            let Some(code) = self.queue.pop() else {
                return;
            };
            self.sending = Some(Sending {
                code,
                start: now,
                total: self.total,
                last_tick: None,
                final_repeats: None,
                segment_repeats: None,
            });
        }
        // The state is present: it was set above or on an earlier call.
        let Some(mut s) = self.sending.take() else {
            return;
        };
        let tick = (now.saturating_sub(s.start)) / self.interval;
        if s.last_tick.is_some_and(|last| tick <= last) {
            self.sending = Some(s);
            return;
        }
        let previous = s.last_tick;
        s.last_tick = Some(tick);
        if let Some((packet, left)) = s.segment_repeats.take() {
            self.out.push_dropping_oldest(packet);
            if left > 1 {
                s.segment_repeats = Some((packet, left - 1));
            }
        }
        if let Some((packet, left)) = s.final_repeats {
            self.out.push_dropping_oldest(packet);
            if left > 1 {
                s.final_repeats = Some((packet, left - 1));
                self.sending = Some(s);
            } else {
                self.next_start = s.start.saturating_add(s.total).saturating_add(self.gap);
            }
            return;
        }
        let seg_len = u64::from(MAX_SEGMENT_DURATION);
        let elapsed = (tick + 1).saturating_mul(self.interval).min(s.total);
        let segment = (elapsed - 1) / seg_len;
        let end = elapsed == s.total;
        let previous_elapsed = previous.map(|p| (p + 1).saturating_mul(self.interval).min(s.total));
        let previous_segment = previous_elapsed.map(|e| (e - 1) / seg_len);
        let previous_was_segment_end = previous_elapsed == Some(segment * seg_len);
        if let Some(prev) = previous_segment
            && segment > prev
            && !previous_was_segment_end
        {
            // RFC 4733 §2.5.1.3: the segment that just ended reports the maximum duration,
            // without the E bit; §2.5.1.4: that packet goes out three times.
            let seg_end = self.packet(&s, segment - 1, MAX_SEGMENT_DURATION, false, false);
            self.out.push_dropping_oldest(seg_end);
            s.segment_repeats = Some((seg_end, FINAL_PACKET_TRANSMISSIONS - 1));
        }
        let duration = elapsed - segment * seg_len;
        let duration = u16::try_from(duration).unwrap_or(u16::MAX);
        let packet = self.packet(&s, segment, u32::from(duration), previous.is_none(), end);
        self.out.push_dropping_oldest(packet);
        if end {
            s.final_repeats = Some((packet, FINAL_PACKET_TRANSMISSIONS - 1));
            // A segment end still repeating is overtaken by the event's end.
            s.segment_repeats = None;
        } else if u32::from(duration) == MAX_SEGMENT_DURATION {
            s.segment_repeats = Some((packet, FINAL_PACKET_TRANSMISSIONS - 1));
        }
        self.sending = Some(s);
    }

    fn packet(
        &self,
        s: &Sending,
        segment: u64,
        duration: u32,
        marker: bool,
        end: bool,
    ) -> EventPacket {
        let event = TelephoneEvent {
            event: s.code,
            end,
            volume: self.config.volume,
            duration: u16::try_from(duration).unwrap_or(u16::MAX),
        };
        let start = s
            .start
            .wrapping_add(segment.wrapping_mul(u64::from(MAX_SEGMENT_DURATION)));
        EventPacket {
            marker,
            timestamp: start as u32,
            event,
            payload: event.to_bytes(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Receiver
// ---------------------------------------------------------------------------------------

/// How a [`TelephoneEventReceiver`] reads its stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiverConfig {
    /// The negotiated telephone-event clock rate in Hz (8000, or 48000 with Opus).
    pub clock_rate: u32,
    /// An event with no packet for this long is ended with the last duration seen (its end
    /// packets were lost).
    pub end_timeout: Duration,
    /// How many [`DtmfEvent`]s may wait for [`TelephoneEventReceiver::poll_event`]; past
    /// this the oldest is dropped and counted in [`ReceiverStats::events_dropped`].
    pub queue_capacity: usize,
}

impl ReceiverConfig {
    /// Defaults: a 300 ms end timeout (six missing updates at the common 50 ms interval) and
    /// a queue of 64 events.
    pub fn new(clock_rate: u32) -> Self {
        ReceiverConfig {
            clock_rate,
            end_timeout: Duration::from_millis(300),
            queue_capacity: 64,
        }
    }
}

/// Why an event was reported as ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum EndReason {
    /// A packet with the E bit arrived (RFC 4733 §2.3.2).
    EndBit,
    /// No packet arrived for the end timeout; the end packets were lost.
    Timeout,
    /// The same source started a new event first.
    NextEvent,
    /// More sources sent events than the receiver tracks; the least recent was dropped.
    SourceDropped,
}

/// What a [`TelephoneEventReceiver`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum DtmfEvent {
    /// An event began: reported on the first packet seen of it, marker bit or not.
    DigitStarted {
        /// The sending source.
        ssrc: u32,
        /// The event's RTP timestamp (its start), which with `ssrc` identifies it.
        timestamp: u32,
        /// The RFC 4733 event code.
        event: u8,
        /// The DTMF key, `None` for event codes 16 and up.
        digit: Option<Digit>,
        /// Volume in dBm0 below 0.
        volume: u8,
        /// Arrival of the packet that revealed it.
        at: Instant,
    },
    /// An event ended.
    DigitEnded {
        /// The sending source.
        ssrc: u32,
        /// The event's RTP timestamp (its start).
        timestamp: u32,
        /// The RFC 4733 event code.
        event: u8,
        /// The DTMF key, `None` for event codes 16 and up.
        digit: Option<Digit>,
        /// Total duration in ticks of the negotiated clock, over all segments.
        duration: u64,
        /// Total duration in milliseconds.
        duration_ms: u64,
        /// How the end was learnt.
        reason: EndReason,
        /// Arrival of the packet (or the time of the timeout) that ended it.
        at: Instant,
    },
}

/// Counters of a [`TelephoneEventReceiver`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ReceiverStats {
    /// Packets handed in.
    pub packets: u64,
    /// Packets rejected as malformed.
    pub malformed: u64,
    /// Packets of events already ended or older than the newest event (duplicates,
    /// retransmitted end packets, late arrivals).
    pub stale: u64,
    /// Events dropped because the event queue was full.
    pub events_dropped: u64,
}

/// The event a source is sending.
#[derive(Debug, Clone, Copy)]
struct Active {
    timestamp: u32,
    start: u64,
    /// Extended timestamp of the newest segment.
    segment: u64,
    event: u8,
    /// The longest total duration reported, in ticks from `start`.
    duration: u64,
    last_arrival: Instant,
}

#[derive(Debug, Clone)]
struct Source {
    ssrc: u32,
    clock: TimestampExtender,
    /// Extended timestamp of the newest event or segment accepted.
    newest: u64,
    active: Option<Active>,
    last_arrival: Instant,
}

/// How many sources are tracked at once; a further one displaces the least recent.
const MAX_SOURCES: usize = 4;
/// How many reported (SSRC, timestamp) keys are remembered to refuse reporting them again.
const RECENT_KEYS: usize = 64;
/// RFC 4733 §2.5.1.3 continuation: segments of one event may be this many apart, to
/// bridge segments whose packets were all lost.
const MAX_SEGMENT_SKIP: u64 = 4;
/// A timestamp this far (seconds of the clock) behind the newest event is a discontinuity
/// in the sender's clock, not a late packet.
const DISCONTINUITY_SECONDS: u64 = 10;

/// Turns received telephone-event packets into [`DtmfEvent`]s.
///
/// An event is identified by (SSRC, RTP timestamp). Each is reported started once, on the
/// first packet seen of it (the marker bit is not needed, so lost first packets lose
/// nothing), and ended once: by a packet with the E bit, by the next event of the same
/// source, or by [`handle_timeout`](Self::handle_timeout) when no packet came for the end
/// timeout. Without an end packet the duration is the longest one seen in any packet of
/// the event: a lower bound, not extrapolated, because a tone may have stopped right after.
/// Duplicates, retransmitted end packets and reordered updates change nothing once
/// reported; packets of an event older than the source's newest are ignored, so digits are
/// never reported out of order. Segments of a long event (RFC 4733 §2.5.1.3) — same event
/// code, timestamp a multiple of 0xFFFF after the previous segment's, the event not ended —
/// are one event whose duration is the total.
///
/// Bounds: up to four sources at once, and the last 64 (SSRC, timestamp) keys reported are
/// remembered so that a timestamp discontinuity (a jump back of more than 10 s of the
/// clock, treated as the sender's clock restarting) cannot re-report them.
#[derive(Debug, Clone)]
pub struct TelephoneEventReceiver {
    config: ReceiverConfig,
    discontinuity: u64,
    sources: Vec<Source>,
    recent: [(u32, u32); RECENT_KEYS],
    recent_len: usize,
    recent_next: usize,
    events: FixedQueue<DtmfEvent>,
    stats: ReceiverStats,
}

impl TelephoneEventReceiver {
    /// A receiver with `config`, or an error naming the setting out of range.
    pub fn new(config: ReceiverConfig) -> Result<Self> {
        check_clock_rate(config.clock_rate)?;
        if config.end_timeout.is_zero() || config.end_timeout > Duration::from_secs(60) {
            return Err(Error::InvalidArgument(format!(
                "telephone-event end timeout {:?} is out of range; expected more than 0 and at \
                 most 60 s",
                config.end_timeout
            )));
        }
        if config.queue_capacity < 3 || config.queue_capacity > 4096 {
            return Err(Error::InvalidArgument(format!(
                "DTMF event queue capacity {} is out of range; expected 3 to 4096 (one packet \
                 can end one event and start and end another)",
                config.queue_capacity
            )));
        }
        Ok(TelephoneEventReceiver {
            discontinuity: u64::from(config.clock_rate) * DISCONTINUITY_SECONDS,
            sources: Vec::with_capacity(MAX_SOURCES),
            recent: [(0, 0); RECENT_KEYS],
            recent_len: 0,
            recent_next: 0,
            events: FixedQueue::new(config.queue_capacity),
            stats: ReceiverStats::default(),
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ReceiverConfig {
        &self.config
    }

    /// The counters so far.
    pub fn stats(&self) -> ReceiverStats {
        self.stats
    }

    /// Takes one telephone-event packet: its arrival time, RTP header fields and payload.
    ///
    /// Neither the sequence number nor the marker bit is needed: packets of an event are
    /// ordered by their cumulative duration, events by their timestamp, and a start is
    /// reported on the first packet seen whether or not it has the marker. The first event block is read
    /// (its start is the RTP timestamp); further blocks are not tracked. A malformed
    /// payload is an error and changes nothing.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        ssrc: u32,
        sequence: u16,
        timestamp: u32,
        marker: bool,
        payload: &[u8],
    ) -> Result<()> {
        let _ = (sequence, marker);
        self.stats.packets += 1;
        let block = match TelephoneEvent::parse(payload) {
            Ok(b) => b,
            Err(e) => {
                self.stats.malformed += 1;
                return Err(e);
            }
        };
        let index = self.source_index(now, ssrc);
        let ts = self.sources[index].clock.extend(u64::from(timestamp));
        let source = &mut self.sources[index];
        source.last_arrival = now;
        if let Some(mut a) = source.active {
            let seg_len = u64::from(MAX_SEGMENT_DURATION);
            if ts == a.segment && block.event == a.event {
                let total = a.segment - a.start + u64::from(block.duration);
                a.duration = a.duration.max(total);
                a.last_arrival = now;
                source.active = Some(a);
                if block.end {
                    self.end(index, now, EndReason::EndBit);
                }
                return Ok(());
            }
            if ts > a.segment
                && block.event == a.event
                && (ts - a.segment).is_multiple_of(seg_len)
                && (ts - a.segment) / seg_len <= MAX_SEGMENT_SKIP
            {
                a.segment = ts;
                a.duration = a.duration.max(ts - a.start + u64::from(block.duration));
                a.last_arrival = now;
                source.active = Some(a);
                source.newest = source.newest.max(ts);
                self.remember(ssrc, timestamp);
                if block.end {
                    self.end(index, now, EndReason::EndBit);
                }
                return Ok(());
            }
            if ts <= a.segment && a.segment - ts <= self.discontinuity {
                // An earlier segment, or another code at this timestamp: nothing new.
                self.stats.stale += 1;
                return Ok(());
            }
        }
        if self.is_recent(ssrc, timestamp) {
            self.stats.stale += 1;
            return Ok(());
        }
        let source = &mut self.sources[index];
        let mut ts = ts;
        if ts <= source.newest {
            if source.newest - ts <= self.discontinuity {
                self.stats.stale += 1;
                return Ok(());
            }
            // The sender's clock restarted: a new timeline from this packet.
            source.clock.reset();
            ts = source.clock.extend(u64::from(timestamp));
        }
        if source.active.is_some() {
            self.end(index, now, EndReason::NextEvent);
        }
        let source = &mut self.sources[index];
        source.newest = ts;
        source.active = Some(Active {
            timestamp,
            start: ts,
            segment: ts,
            event: block.event,
            duration: u64::from(block.duration),
            last_arrival: now,
        });
        self.remember(ssrc, timestamp);
        self.push(DtmfEvent::DigitStarted {
            ssrc,
            timestamp,
            event: block.event,
            digit: block.digit(),
            volume: block.volume,
            at: now,
        });
        if block.end {
            self.end(index, now, EndReason::EndBit);
        }
        Ok(())
    }

    /// Ends every event whose last packet is `end_timeout` old at `now`. Early or repeated
    /// calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        for i in 0..self.sources.len() {
            if let Some(a) = self.sources[i].active
                && now >= a.last_arrival + self.config.end_timeout
            {
                self.end(i, now, EndReason::Timeout);
            }
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called, if an event is
    /// in progress.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.sources
            .iter()
            .filter_map(|s| s.active.map(|a| a.last_arrival + self.config.end_timeout))
            .min()
    }

    /// The next event, oldest first.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<DtmfEvent> {
        self.events.pop()
    }

    /// True while some source's event has started and not ended.
    pub fn is_active(&self) -> bool {
        self.sources.iter().any(|s| s.active.is_some())
    }

    /// Ends every event in progress now (e.g. when the stream stops) and forgets all sources.
    pub fn reset(&mut self, now: Instant) {
        for i in 0..self.sources.len() {
            self.end(i, now, EndReason::SourceDropped);
        }
        self.sources.clear();
    }

    fn source_index(&mut self, now: Instant, ssrc: u32) -> usize {
        if let Some(i) = self.sources.iter().position(|s| s.ssrc == ssrc) {
            return i;
        }
        let fresh = Source {
            ssrc,
            clock: TimestampExtender::new(),
            newest: 0,
            active: None,
            last_arrival: now,
        };
        if self.sources.len() < MAX_SOURCES {
            self.sources.push(fresh);
            return self.sources.len() - 1;
        }
        let oldest = self
            .sources
            .iter()
            .enumerate()
            .min_by_key(|(_, s)| s.last_arrival)
            .map_or(0, |(i, _)| i);
        self.end(oldest, now, EndReason::SourceDropped);
        self.sources[oldest] = fresh;
        oldest
    }

    fn end(&mut self, index: usize, now: Instant, reason: EndReason) {
        let Some(source) = self.sources.get_mut(index) else {
            return;
        };
        let Some(a) = source.active.take() else {
            return;
        };
        let ssrc = source.ssrc;
        self.push(DtmfEvent::DigitEnded {
            ssrc,
            timestamp: a.timestamp,
            event: a.event,
            digit: Digit::from_event_code(a.event),
            duration: a.duration,
            duration_ms: ticks_to_ms(a.duration, self.config.clock_rate),
            reason,
            at: now,
        });
    }

    fn push(&mut self, event: DtmfEvent) {
        if self.events.push_dropping_oldest(event) {
            self.stats.events_dropped += 1;
        }
    }

    fn remember(&mut self, ssrc: u32, timestamp: u32) {
        self.recent[self.recent_next] = (ssrc, timestamp);
        self.recent_next = (self.recent_next + 1) % RECENT_KEYS;
        self.recent_len = (self.recent_len + 1).min(RECENT_KEYS);
    }

    fn is_recent(&self, ssrc: u32, timestamp: u32) -> bool {
        self.recent[..self.recent_len].contains(&(ssrc, timestamp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ev(event: u8, end: bool, duration: u16) -> TelephoneEvent {
        TelephoneEvent {
            event,
            end,
            volume: 10,
            duration,
        }
    }

    fn ms(n: u64) -> Instant {
        Instant::from_millis(n)
    }

    fn receiver(rate: u32) -> TelephoneEventReceiver {
        TelephoneEventReceiver::new(ReceiverConfig::new(rate)).unwrap()
    }

    fn feed(rx: &mut TelephoneEventReceiver, now: Instant, ssrc: u32, ts: u32, e: TelephoneEvent) {
        rx.handle_packet(now, ssrc, 0, ts, false, &e.to_bytes())
            .unwrap();
    }

    fn drain(rx: &mut TelephoneEventReceiver) -> Vec<DtmfEvent> {
        core::iter::from_fn(|| rx.poll_event()).collect()
    }

    /// (digit char, duration ms, reason) of each ended event, and the count of starts.
    fn summary(events: &[DtmfEvent]) -> (usize, Vec<(char, u64, EndReason)>) {
        let starts = events
            .iter()
            .filter(|e| matches!(e, DtmfEvent::DigitStarted { .. }))
            .count();
        let ends = events
            .iter()
            .filter_map(|e| match *e {
                DtmfEvent::DigitEnded {
                    digit,
                    duration_ms,
                    reason,
                    ..
                } => Some((digit.map_or('?', Digit::as_char), duration_ms, reason)),
                DtmfEvent::DigitStarted { .. } => None,
            })
            .collect();
        (starts, ends)
    }

    /// The packets of one 100 ms digit at 8 kHz with 20 ms updates: five updates, the last
    /// with E, then two more copies of it.
    fn digit_packets(code: u8) -> Vec<TelephoneEvent> {
        let mut v: Vec<_> = (1..=5).map(|k| ev(code, k == 5, 160 * k)).collect();
        v.push(ev(code, true, 800));
        v.push(ev(code, true, 800));
        v
    }

    #[test]
    fn the_payload_parses_and_writes_per_rfc_4733_section_2_3() {
        let e = TelephoneEvent::parse(&[11, 0x80 | 0x40 | 0x0A, 0x03, 0x20]).unwrap();
        assert_eq!(e, ev(11, true, 800), "the reserved bit is ignored");
        assert_eq!(e.digit(), Some(Digit::Hash));
        let mut out = [0u8; 6];
        assert_eq!(e.write(&mut out).unwrap(), 4);
        assert_eq!(
            out[..4],
            [11, 0x8A, 0x03, 0x20],
            "the reserved bit is written as 0"
        );
        let other = TelephoneEvent::parse(&[32, 0x3F, 0xFF, 0xFF]).unwrap();
        assert_eq!((other.event, other.digit(), other.volume), (32, None, 63));
        assert_eq!(other.duration, 0xFFFF);

        let err = TelephoneEvent::parse(&[1, 2, 3]).unwrap_err();
        assert_eq!(
            err,
            RtpError::Truncated {
                needed: 4,
                actual: 3
            }
            .into()
        );
        assert!(err.to_string().contains("4 bytes needed"), "{err}");
        assert!(TelephoneEvent::parse(&[]).is_err());
        let err = TelephoneEvent::parse(&[1, 2, 3, 4, 5]).unwrap_err();
        assert!(err.to_string().contains("4-byte units"), "{err}");

        let two = [1, 0x8A, 0, 160, 2, 0x0A, 0, 80];
        assert_eq!(
            TelephoneEvent::parse(&two).unwrap(),
            TelephoneEvent::parse(&two[..4]).unwrap()
        );
        let all: Vec<_> = TelephoneEvent::blocks(&two).unwrap().collect();
        assert_eq!(all, [ev(1, true, 160), ev(2, false, 80)]);

        assert!(e.write(&mut [0u8; 3]).is_err());
        let loud = TelephoneEvent { volume: 64, ..e };
        let err = loud.write(&mut out).unwrap_err().to_string();
        assert!(err.contains("volume 64"), "{err}");
    }

    fn sender(rate: u32, ptime_ms: u64) -> TelephoneEventSender {
        TelephoneEventSender::new(SenderConfig::new(rate, Duration::from_millis(ptime_ms))).unwrap()
    }

    /// Polls once per `step` ticks from `ts0` for `n` steps; (step index, packet).
    fn run_sender(
        tx: &mut TelephoneEventSender,
        ts0: u32,
        step: u32,
        n: u32,
    ) -> Vec<(u32, EventPacket)> {
        let mut out = Vec::new();
        for i in 0..n {
            while let Some(p) = tx.poll(ts0.wrapping_add(i * step)) {
                out.push((i, p));
            }
        }
        out
    }

    #[test]
    fn the_sender_sends_marker_first_growing_durations_and_the_end_three_times() {
        let mut tx = sender(8000, 20);
        assert!(!tx.is_active());
        tx.queue("5").unwrap();
        let mut seen = Vec::new();
        let mut active = Vec::new();
        for i in 0..12u32 {
            while let Some(p) = tx.poll(1000 + i * 160) {
                seen.push((i, p));
            }
            active.push(tx.is_active());
        }
        let expect: [(u32, bool, u16, bool); 7] = [
            (0, true, 160, false),
            (1, false, 320, false),
            (2, false, 480, false),
            (3, false, 640, false),
            (4, false, 800, true),
            (5, false, 800, true),
            (6, false, 800, true),
        ];
        assert_eq!(seen.len(), expect.len(), "{seen:?}");
        for ((i, p), (ei, marker, duration, end)) in seen.iter().zip(expect) {
            assert_eq!(*i, ei);
            assert_eq!(p.marker, marker, "marker only on the first packet");
            assert_eq!(
                p.timestamp, 1000,
                "every packet carries the start timestamp"
            );
            assert_eq!(p.event.event, 5);
            assert_eq!(p.event.duration, duration);
            assert_eq!(p.event.end, end);
            assert_eq!(p.event.volume, 10);
            assert_eq!(p.payload, p.event.to_bytes());
        }
        assert_eq!(
            active,
            [
                true, true, true, true, true, true, false, false, false, false, false, false
            ],
            "active from the first packet to the last copy of the end"
        );
    }

    #[test]
    fn the_sender_spaces_digits_by_the_gap_and_honours_its_settings() {
        let config = SenderConfig {
            interval: Duration::from_millis(50),
            digit_duration: Duration::from_millis(120),
            gap: Duration::from_millis(200),
            volume: 20,
            queue_capacity: 3,
            ..SenderConfig::new(8000, Duration::from_millis(20))
        };
        let mut tx = TelephoneEventSender::new(config).unwrap();
        tx.queue("1*").unwrap();
        assert_eq!(tx.queued(), 2);
        let err = tx.queue("23").unwrap_err().to_string();
        assert!(err.contains("1 of 3"), "{err}");
        assert!(tx.queue("x").is_err());
        assert_eq!(tx.queued(), 2, "a refused queue call adds nothing");
        // Polled every 20 ms; updates are due every 50 ms (400 ticks).
        let packets = run_sender(&mut tx, 0, 160, 60);
        let first: Vec<_> = packets.iter().filter(|(_, p)| p.timestamp == 0).collect();
        let durations: Vec<_> = first.iter().map(|(_, p)| p.event.duration).collect();
        assert_eq!(durations, [400, 800, 960, 960, 960]);
        let at: Vec<_> = first.iter().map(|(i, _)| *i).collect();
        assert_eq!(
            at,
            [0, 3, 5, 8, 10],
            "sent on the first poll at or after each 50 ms"
        );
        assert!(
            first
                .iter()
                .all(|(_, p)| p.event.volume == 20 && p.event.event == 1)
        );
        let second: Vec<_> = packets.iter().filter(|(_, p)| p.timestamp != 0).collect();
        // 120 ms tone + 200 ms gap = 2560 ticks, on the 160-tick poll grid.
        assert_eq!(second[0].1.timestamp, 2560);
        assert!(second[0].1.marker);
        assert_eq!(second[0].1.event.event, 10);
        assert_eq!(second.len(), 5);

        for bad in [
            SenderConfig {
                clock_rate: 0,
                ..SenderConfig::new(8000, Duration::from_millis(20))
            },
            SenderConfig::new(8000, Duration::ZERO),
            SenderConfig {
                volume: 64,
                ..SenderConfig::new(8000, Duration::from_millis(20))
            },
            SenderConfig {
                queue_capacity: 0,
                ..SenderConfig::new(8000, Duration::from_millis(20))
            },
            SenderConfig {
                digit_duration: Duration::ZERO,
                ..SenderConfig::new(8000, Duration::from_millis(20))
            },
        ] {
            assert!(TelephoneEventSender::new(bad).is_err());
        }
    }

    #[test]
    fn a_long_event_at_48_khz_is_split_into_segments_of_0xffff() {
        let config = SenderConfig {
            digit_duration: Duration::from_secs(3),
            ..SenderConfig::new(48_000, Duration::from_millis(20))
        };
        let mut tx = TelephoneEventSender::new(config).unwrap();
        tx.queue("0").unwrap();
        let start = u32::MAX - 50_000; // and across the timestamp wrap
        let packets = run_sender(&mut tx, start, 960, 200);
        let seg = |k: u32| start.wrapping_add(k * 0xFFFF);
        assert!(
            packets
                .iter()
                .all(|(_, p)| [seg(0), seg(1), seg(2)].contains(&p.timestamp))
        );
        assert_eq!(packets.iter().filter(|(_, p)| p.marker).count(), 1);
        assert!(packets[0].1.marker);
        for k in 0..2 {
            let ends: Vec<_> = packets
                .iter()
                .filter(|(_, p)| p.timestamp == seg(k) && p.event.duration == 0xFFFF)
                .collect();
            assert_eq!(ends.len(), 3, "segment {k} ends three times: {ends:?}");
            assert!(ends.iter().all(|(_, p)| !p.event.end));
            let steps: Vec<_> = ends.iter().map(|(i, _)| *i).collect();
            assert_eq!(steps[1] - steps[0], 1);
            assert_eq!(steps[2] - steps[1], 1);
        }
        // 65535 ticks at 48 kHz = 1.365 s: the first segment ends on the 69th update.
        let first_end = packets
            .iter()
            .find(|(_, p)| p.event.duration == 0xFFFF)
            .unwrap();
        assert_eq!(first_end.0, 68);
        let next = packets.iter().find(|(_, p)| p.timestamp == seg(1)).unwrap();
        assert_eq!(
            (next.0, next.1.marker, next.1.event.duration),
            (68, false, (69 * 960 - 0xFFFF) as u16)
        );
        let finals: Vec<_> = packets.iter().filter(|(_, p)| p.event.end).collect();
        assert_eq!(finals.len(), 3);
        assert!(
            finals.iter().all(|(_, p)| p.timestamp == seg(2)
                && u32::from(p.event.duration) == 144_000 - 2 * 0xFFFF)
        );
        // Within a segment, durations grow by one interval per update.
        let mid: Vec<_> = packets
            .iter()
            .filter(|(_, p)| p.timestamp == seg(1) && p.event.duration != 0xFFFF)
            .map(|(_, p)| p.event.duration)
            .collect();
        assert!(mid.windows(2).all(|w| w[1] == w[0] + 960), "{mid:?}");
    }

    fn round_trip(rate: u32, ptime_ms: u32, digits: &str, digit_ms: u64) -> Vec<DtmfEvent> {
        let config = SenderConfig {
            digit_duration: Duration::from_millis(digit_ms),
            ..SenderConfig::new(rate, Duration::from_millis(u64::from(ptime_ms)))
        };
        let mut tx = TelephoneEventSender::new(config).unwrap();
        tx.queue(digits).unwrap();
        let mut rx = receiver(rate);
        let step = rate / 1000 * ptime_ms;
        let mut events = Vec::new();
        for i in 0..2000u32 {
            let now = ms(u64::from(i * ptime_ms));
            let mut seq = 0u16;
            while let Some(p) = tx.poll(7 + i * step) {
                seq = seq.wrapping_add(1);
                rx.handle_packet(now, 0xABCD, seq, p.timestamp, p.marker, &p.payload)
                    .unwrap();
            }
            rx.handle_timeout(now);
            events.extend(core::iter::from_fn(|| rx.poll_event()));
        }
        events
    }

    #[test]
    fn sender_to_receiver_gives_exact_durations_at_8_and_48_khz() {
        for (rate, ptime) in [(8000, 20), (8000, 50), (48_000, 20), (48_000, 10)] {
            let events = round_trip(rate, ptime, "1#9A", 100);
            let (starts, ends) = summary(&events);
            assert_eq!(starts, 4);
            assert_eq!(
                ends,
                [
                    ('1', 100, EndReason::EndBit),
                    ('#', 100, EndReason::EndBit),
                    ('9', 100, EndReason::EndBit),
                    ('A', 100, EndReason::EndBit)
                ],
                "{rate} Hz, {ptime} ms"
            );
        }
        let events = round_trip(48_000, 20, "7", 3000);
        assert_eq!(summary(&events), (1, vec![('7', 3000, EndReason::EndBit)]));
        let events = round_trip(8000, 20, "77", 10_000);
        assert_eq!(
            summary(&events),
            (
                2,
                vec![
                    ('7', 10_000, EndReason::EndBit),
                    ('7', 10_000, EndReason::EndBit)
                ]
            )
        );
    }

    #[test]
    fn a_digit_whose_first_packets_are_lost_is_still_reported() {
        let mut rx = receiver(8000);
        for (k, p) in digit_packets(3).into_iter().enumerate().skip(2) {
            feed(&mut rx, ms(20 * k as u64), 1, 5000, p);
        }
        let events = drain(&mut rx);
        assert!(matches!(
            events[0],
            DtmfEvent::DigitStarted {
                digit: Some(Digit::D3),
                timestamp: 5000,
                ssrc: 1,
                ..
            }
        ));
        assert_eq!(summary(&events), (1, vec![('3', 100, EndReason::EndBit)]));
    }

    #[test]
    fn a_digit_whose_end_packets_are_lost_ends_by_timeout() {
        let mut rx = receiver(8000);
        for (k, p) in digit_packets(4).into_iter().enumerate().take(4) {
            feed(&mut rx, ms(20 * k as u64), 1, 5000, p);
        }
        assert_eq!(summary(&drain(&mut rx)), (1, vec![]));
        assert_eq!(rx.poll_timeout(), Some(ms(60 + 300)));
        rx.handle_timeout(ms(359));
        assert!(rx.poll_event().is_none(), "not before the timeout");
        rx.handle_timeout(ms(360));
        assert_eq!(
            summary(&drain(&mut rx)),
            (0, vec![('4', 80, EndReason::Timeout)])
        );
        assert_eq!(rx.poll_timeout(), None);
        // The end packets arriving after all change nothing.
        feed(&mut rx, ms(400), 1, 5000, ev(4, true, 800));
        assert!(rx.poll_event().is_none());
    }

    #[test]
    fn duplicated_and_reordered_packets_report_one_digit() {
        let mut rx = receiver(8000);
        let p = digit_packets(6);
        let order = [1, 0, 1, 3, 2, 4, 2, 5, 4, 6, 0, 3, 6];
        for (k, &i) in order.iter().enumerate() {
            feed(&mut rx, ms(20 * k as u64), 9, 100, p[i]);
        }
        assert_eq!(
            summary(&drain(&mut rx)),
            (1, vec![('6', 100, EndReason::EndBit)])
        );
        assert!(!rx.is_active());
        assert!(rx.stats().stale >= 5, "{:?}", rx.stats());
    }

    #[test]
    fn repeated_identical_digits_are_each_reported() {
        let mut rx = receiver(8000);
        for n in 0..3u32 {
            for (k, p) in digit_packets(1).into_iter().enumerate() {
                feed(
                    &mut rx,
                    ms(u64::from(n) * 300 + 20 * k as u64),
                    1,
                    1000 + n * 2400,
                    p,
                );
            }
        }
        let (starts, ends) = summary(&drain(&mut rx));
        assert_eq!(starts, 3);
        assert_eq!(ends, vec![('1', 100, EndReason::EndBit); 3]);
    }

    #[test]
    fn events_across_the_timestamp_wrap_are_reported_in_order() {
        let mut rx = receiver(8000);
        let starts = [u32::MAX - 1000, u32::MAX - 100, 1500];
        for (n, &ts) in starts.iter().enumerate() {
            for (k, p) in digit_packets(n as u8).into_iter().enumerate() {
                feed(&mut rx, ms(n as u64 * 300 + 20 * k as u64), 1, ts, p);
            }
        }
        // A late duplicate from before the wrap is not a new digit.
        feed(&mut rx, ms(1000), 1, starts[0], ev(0, true, 800));
        let (n, ends) = summary(&drain(&mut rx));
        assert_eq!(n, 3);
        let digits: String = ends.iter().map(|e| e.0).collect();
        assert_eq!(digits, "012");
    }

    #[test]
    fn a_new_event_ends_the_previous_one_and_late_older_events_are_ignored() {
        let mut rx = receiver(8000);
        feed(&mut rx, ms(0), 1, 1000, ev(2, false, 160));
        feed(&mut rx, ms(20), 1, 1000, ev(2, false, 320));
        feed(&mut rx, ms(40), 1, 1800, ev(3, false, 160));
        // A packet of an event older than the newest, first seen now: not reported.
        feed(&mut rx, ms(60), 1, 1400, ev(4, false, 160));
        feed(&mut rx, ms(80), 1, 1800, ev(3, true, 480));
        let events = drain(&mut rx);
        assert_eq!(
            summary(&events),
            (
                2,
                vec![
                    ('2', 40, EndReason::NextEvent),
                    ('3', 60, EndReason::EndBit)
                ]
            )
        );
    }

    #[test]
    fn sources_are_separate_and_other_event_codes_pass_through() {
        let mut rx = receiver(48_000);
        feed(&mut rx, ms(0), 1, 1000, ev(32, false, 960));
        feed(&mut rx, ms(0), 2, 1000, ev(5, false, 960));
        feed(&mut rx, ms(20), 2, 1000, ev(5, true, 4800));
        feed(&mut rx, ms(20), 1, 1000, ev(32, true, 9600));
        let events = drain(&mut rx);
        assert_eq!(
            summary(&events),
            (
                2,
                vec![('5', 100, EndReason::EndBit), ('?', 200, EndReason::EndBit)]
            )
        );
        assert!(events.iter().any(|e| matches!(
            e,
            DtmfEvent::DigitEnded {
                ssrc: 1,
                event: 32,
                digit: None,
                duration: 9600,
                ..
            }
        )));
        let err = rx
            .handle_packet(ms(30), 1, 0, 5, false, &[1, 2])
            .unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
        assert_eq!(rx.stats().malformed, 1);
        assert!(
            TelephoneEventReceiver::new(ReceiverConfig {
                clock_rate: 7,
                ..ReceiverConfig::new(8000)
            })
            .is_err()
        );
    }

    #[test]
    fn a_long_event_whose_segments_arrive_with_losses_is_one_digit() {
        let mut rx = receiver(48_000);
        // Segment 0 from 0, segment 1 from 0xFFFF (its first packets lost), segment 2 end.
        feed(&mut rx, ms(0), 1, 0, ev(9, false, 960));
        feed(&mut rx, ms(1360), 1, 0, ev(9, false, 0xFFFF));
        feed(&mut rx, ms(1400), 1, 0xFFFF, ev(9, false, 2880));
        feed(&mut rx, ms(1410), 1, 0, ev(9, false, 0xFFFF));
        feed(&mut rx, ms(3000), 1, 2 * 0xFFFF, ev(9, true, 12_930));
        feed(&mut rx, ms(3020), 1, 2 * 0xFFFF, ev(9, true, 12_930));
        assert_eq!(
            summary(&drain(&mut rx)),
            (1, vec![('9', 3000, EndReason::EndBit)])
        );
    }

    /// One arbitrary packet: SSRC from a small set, timestamps near a few bases or random.
    fn arb_packet() -> impl Strategy<Value = (u64, u32, u32, bool, Vec<u8>)> {
        let ts = prop_oneof![
            (0u32..6).prop_map(|k| 1000 + k * 800),
            (0u32..4).prop_map(|k| (u32::MAX - 500).wrapping_add(k * 400)),
            (0u32..3).prop_map(|k| k * 0xFFFF),
            any::<u32>(),
        ];
        let payload = prop_oneof![
            (0u8..20, any::<bool>(), 0u16..3000)
                .prop_map(|(e, end, d)| ev(e, end, d).to_bytes().to_vec()),
            proptest::collection::vec(any::<u8>(), 0..12),
        ];
        (0u64..400_000, 1u32..4, ts, any::<bool>(), payload)
    }

    proptest! {
        #[test]
        fn any_packet_sequence_reports_each_event_at_most_once(
            packets in proptest::collection::vec(arb_packet(), 0..60),
            rate in prop_oneof![Just(8000u32), Just(48_000u32)],
        ) {
            let mut rx = receiver(rate);
            let mut now = 0u64;
            let mut started = std::collections::HashSet::new();
            let mut ended = std::collections::HashSet::new();
            let mut check = |rx: &mut TelephoneEventReceiver| {
                while let Some(e) = rx.poll_event() {
                    match e {
                        DtmfEvent::DigitStarted { ssrc, timestamp, .. } => {
                            assert!(started.insert((ssrc, timestamp)), "started twice: {e:?}");
                        }
                        DtmfEvent::DigitEnded { ssrc, timestamp, .. } => {
                            assert!(started.contains(&(ssrc, timestamp)), "ended unstarted: {e:?}");
                            assert!(ended.insert((ssrc, timestamp)), "ended twice: {e:?}");
                        }
                    }
                }
            };
            for (step, ssrc, ts, marker, payload) in packets {
                now += step;
                let t = Instant::from_micros(now);
                let _ = rx.handle_packet(t, ssrc, 0, ts, marker, &payload);
                check(&mut rx);
                if step % 3 == 0 {
                    rx.handle_timeout(t);
                    check(&mut rx);
                }
                if let Some(at) = rx.poll_timeout() {
                    prop_assert!(at > t || step % 3 != 0);
                }
            }
            rx.handle_timeout(Instant::from_micros(now + 10_000_000));
            check(&mut rx);
            prop_assert!(!rx.is_active());
            prop_assert_eq!(started.len(), ended.len());
        }
    }
}
