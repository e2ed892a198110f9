//! RFC 4733 telephone-events (DTMF over RTP): the 4-byte payload ([`TelephoneEvent`]), a
//! sender that turns queued digits into event packets ([`TelephoneEventSender`]) and a
//! receiver that turns event packets into digit starts and ends ([`TelephoneEventReceiver`]).
//!
//! Both are sans-IO. The sender is driven by the RTP timestamp of the session's audio clock,
//! so durations are in units of the negotiated clock (8000 Hz for PCMU/PCMA/G.722, 48000 Hz
//! for Opus). The receiver takes each packet's arrival [`Instant`](crate::Instant) and header fields, and ends
//! events whose end packets were all lost by [`TelephoneEventReceiver::handle_timeout`].

use crate::dtmf::Digit;
use crate::error::{Error, Result, RtpError};
use crate::time::TimestampExtender;
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
pub(crate) fn check_clock_rate(clock_rate: u32) -> Result<()> {
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
pub(crate) fn ticks_to_ms(ticks: u64, clock_rate: u32) -> u64 {
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

#[path = "event_receiver.rs"]
mod receiver;
pub use receiver::{DtmfEvent, EndReason, ReceiverConfig, ReceiverStats, TelephoneEventReceiver};

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
