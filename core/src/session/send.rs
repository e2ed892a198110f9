//! The send path of a [`MediaSession`]: captured audio framed, prompts laid over it, encoded
//! (or a frame encoded elsewhere), telephone-events in its place, packetized and queued.

use super::MediaSession;
use super::voice::Silence;
use crate::error::{Error, FrameError, Result};
use crate::frame::AudioFrame;
use crate::time::Instant;

impl MediaSession {
    /// Takes captured audio (any length) at the session's rate, mono; every full ptime
    /// frame is encoded and queued for [`MediaSession::poll_transmit`].
    pub fn push_capture(&mut self, now: Instant, frame: &AudioFrame) -> Result<()> {
        let expected_rate = self.encoder.sample_rate();
        if frame.sample_rate() != expected_rate {
            return Err(FrameError::SampleRateMismatch {
                got: frame.sample_rate(),
                expected: expected_rate,
            }
            .into());
        }
        if frame.channels() != 1 {
            return Err(FrameError::ChannelMismatch {
                got: frame.channels(),
                expected: 1,
            }
            .into());
        }
        let mut input = frame.samples();
        let mut consumed = 0;
        while !input.is_empty() {
            let n = (self.frame_samples - self.capture_len).min(input.len());
            self.capture_buf[self.capture_len..self.capture_len + n].copy_from_slice(&input[..n]);
            self.capture_len += n;
            consumed += n;
            input = &input[n..];
            if self.capture_len == self.frame_samples {
                self.capture_len = 0;
                let captured_at = self.capture_time(now, consumed);
                self.send_frame(now, captured_at)?;
            }
        }
        Ok(())
    }

    /// When the first sample of the frame just completed was captured, taking `now` as the
    /// time of the first sample given to this call, of which `consumed` ended the frame.
    fn capture_time(&self, now: Instant, consumed: usize) -> Instant {
        let rate = i128::from(self.encoder.sample_rate());
        let offset_us = (consumed as i128 - self.frame_samples as i128) * 1_000_000 / rate;
        let at = i128::from(now.as_micros()) + offset_us;
        Instant::from_micros(u64::try_from(at).unwrap_or(0))
    }

    /// Sends one ptime frame of capture: through the capture voice pipeline, then as a
    /// telephone-event, a prompt, comfort noise or the encoded audio. A failure of the
    /// voice pipeline (an engine's internal one) is reported after the frame is sent.
    fn send_frame(&mut self, now: Instant, captured_at: Instant) -> Result<()> {
        let voice = self.capture_voice(captured_at);
        if self.send_telephone_event(now)? {
            return voice;
        }
        let prompted = self.mix_prompts(now);
        self.record_sent(now);
        if !prompted && matches!(self.comfort_noise(now)?, Silence::Handled) {
            return voice;
        }
        let len = self
            .encoder
            .encode(&self.capture_buf, &mut self.encode_buf)?;
        self.send_payload(now, len)?;
        voice
    }

    /// Sends one ptime frame that was encoded elsewhere with this session's codec, rate and
    /// ptime (a conference encodes the mix that many participants hear once and gives each
    /// their copy), in place of captured audio. RFC 4733 events being sent take its place;
    /// prompts and the recording's local leg do not see it. Fails for an empty payload or
    /// one larger than the codec's largest frame.
    pub fn send_encoded(&mut self, now: Instant, payload: &[u8]) -> Result<()> {
        if payload.is_empty() || payload.len() > self.encode_buf.len() {
            return Err(Error::InvalidArgument(format!(
                "an encoded frame of {} bytes does not fit this session's codec ({} bytes at \
                 most, and not empty)",
                payload.len(),
                self.encode_buf.len()
            )));
        }
        if self.send_telephone_event(now)? {
            return Ok(());
        }
        self.encode_buf[..payload.len()].copy_from_slice(payload);
        self.send_payload(now, payload.len())
    }

    /// Sends no audio for one ptime frame, as a relay does when the leg it forwards from
    /// had nothing for this frame (lost, late, or silent); the RTP clock moves on by a frame,
    /// so the receiver sees the gap in timestamps (RFC 3550 §5.1) and the next frame plays
    /// in time. An RFC 4733 event being sent goes out in its place, so digits queued with
    /// [`MediaSession::send_dtmf`] are sent while the other leg is silent.
    pub fn skip_frame(&mut self, now: Instant) -> Result<()> {
        if self.send_telephone_event(now)? {
            return Ok(());
        }
        let ticks = self.frame_ticks();
        self.packetizer.skip(ticks);
        Ok(())
    }

    /// Sends a telephone-event packet (or holds the audio back between an event's packets)
    /// in place of this frame; returns whether the frame's audio is to be left out.
    fn send_telephone_event(&mut self, now: Instant) -> Result<bool> {
        let ticks = self.frame_ticks();
        // A telephone-event packet goes out in place of this frame's audio (RFC 4733 §2.5.1).
        if let (Some(sender), Some(pt)) = (
            self.event_sender.as_mut(),
            self.config.telephone_event_payload_type,
        ) {
            let audio_ts = self.packetizer.next_timestamp();
            if let Some(event) = sender.poll(audio_ts) {
                let slot = self.transmit.slot();
                let written = self.packetizer.packetize_other(
                    pt,
                    event.timestamp,
                    &event.payload,
                    event.marker,
                    slot,
                )?;
                self.transmit.commit(written);
                self.packetizer.skip(ticks);
                self.rtcp
                    .on_rtp_sent(now, event.payload.len(), self.packetizer.next_timestamp());
                self.stats.packets_sent += 1;
                self.stats.bytes_sent += event.payload.len() as u64;
                return Ok(true);
            }
            if sender.is_active() {
                // Between an event's packets: still no audio.
                self.packetizer.skip(ticks);
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// RTP clock ticks of one ptime frame.
    pub(super) fn frame_ticks(&self) -> u32 {
        (self.frame_samples as u64 * u64::from(self.clock_rate)
            / u64::from(self.encoder.sample_rate())) as u32
    }

    /// Packetizes and queues the first `len` bytes of `encode_buf`.
    fn send_payload(&mut self, now: Instant, len: usize) -> Result<()> {
        let ticks = self.frame_ticks();
        // RFC 3551 §4.1: the marker bit flags the first packet of a talkspurt: the first
        // packet sent, and the first after comfort noise (RFC 3389 §4).
        let marker = self.take_talkspurt_start() || !self.sent_first;
        let slot = self.transmit.slot();
        let written = self
            .packetizer
            .packetize(&self.encode_buf[..len], ticks, marker, slot)?;
        self.transmit.commit(written);
        self.rtcp
            .on_rtp_sent(now, len, self.packetizer.next_timestamp());
        self.sent_first = true;
        self.stats.packets_sent += 1;
        self.stats.bytes_sent += len as u64;
        Ok(())
    }

    /// The next datagram to send, oldest first; `None` when there is nothing to send.
    #[must_use]
    pub fn poll_transmit(&mut self, _now: Instant) -> Option<&[u8]> {
        self.transmit.pop()
    }
}
