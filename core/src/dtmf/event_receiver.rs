//! [`TelephoneEventReceiver`]: RFC 4733 telephone-event packets in, digit starts and ends
//! out (see the parent module).

use super::alloc_free::FixedQueue;
use super::{MAX_SEGMENT_DURATION, TelephoneEvent, check_clock_rate, ticks_to_ms};
use crate::dtmf::Digit;
use crate::error::{Error, Result};
use crate::time::{Instant, TimestampExtender};
use core::time::Duration;

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
