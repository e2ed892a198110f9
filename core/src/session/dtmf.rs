//! DTMF in a [`MediaSession`]: sending telephone-events, reporting digits from every source
//! and collecting them.

use super::{Event, MediaSession};
use crate::dtmf::{CollectConfig, Digit, DigitSource, DtmfEvent};
use crate::error::{Error, Result};
use crate::time::Instant;

impl MediaSession {
    /// Queues DTMF digits (`0-9`, `*`, `#`, `A-D`) to send as RFC 4733 telephone-events,
    /// each as long as [`SessionConfig::dtmf`](super::SessionConfig::dtmf) says and with its gap after, in place of the
    /// captured audio: keep calling
    /// [`MediaSession::push_capture`] (with silence if there is nothing to say) while they go
    /// out. Fails, queueing nothing, on a character that is not a digit, a full queue, or a
    /// session without a telephone-event payload type.
    pub fn send_dtmf(&mut self, digits: &str) -> Result<()> {
        match self.event_sender.as_mut() {
            Some(sender) => sender.queue(digits),
            None => Err(Error::InvalidArgument(
                "this session has no telephone-event payload type to send DTMF with".into(),
            )),
        }
    }

    /// Whether telephone-events are being sent (the captured audio is held back meanwhile).
    pub fn is_sending_dtmf(&self) -> bool {
        self.event_sender
            .as_ref()
            .is_some_and(|s| s.is_active() || s.queued() > 0)
    }

    /// Starts collecting digits (from telephone-events, in-band detection and
    /// [`MediaSession::push_signalled_digit`] alike); the result comes as
    /// [`Event::DigitsCollected`]. A collection under way is replaced.
    pub fn collect_digits(&mut self, now: Instant, config: CollectConfig) -> Result<()> {
        self.collector.start(now, config)
    }

    /// Ends the digit collection under way, if any, with reason `Cancelled`.
    pub fn cancel_digit_collection(&mut self, now: Instant) {
        if self.collector.cancel(now) {
            self.drain_collector();
        }
    }

    /// A digit the call's signalling carried (e.g. SIP INFO): reported as [`Event::Dtmf`]
    /// and given to the digit collection like any other.
    pub fn push_signalled_digit(&mut self, now: Instant, digit: Digit) {
        self.digit(now, digit, 0, DigitSource::Signalling);
    }

    pub(super) fn digit(
        &mut self,
        now: Instant,
        digit: Digit,
        duration_ms: u64,
        source: DigitSource,
    ) {
        self.push_event(Event::Dtmf {
            digit,
            duration_ms,
            source,
        });
        // A play-and-collect takes the digit; otherwise a collection does, and the digit
        // stops an interruptible prompt (barge-in).
        if !self.ivr.push_digit(now, digit) {
            self.collector.push_digit(now, digit, source);
            self.drain_collector();
            self.player.barge_in(digit);
        }
        self.drain_prompts();
    }

    pub(super) fn drain_collector(&mut self) {
        while let Some(result) = self.collector.poll_result() {
            self.push_event(Event::DigitsCollected(result));
        }
    }

    pub(super) fn drain_telephone_events(&mut self, now: Instant) {
        while let Some(event) = self.event_receiver.as_mut().and_then(|r| r.poll_event()) {
            match event {
                DtmfEvent::DigitStarted {
                    digit: Some(digit), ..
                } => self.push_event(Event::DtmfStarted { digit }),
                DtmfEvent::DigitEnded {
                    digit: Some(digit),
                    duration_ms,
                    ..
                } => self.digit(now, digit, duration_ms, DigitSource::Rfc4733),
                // Events other than the sixteen keys (flash, tones…) are not reported yet.
                _ => {}
            }
        }
    }
}
