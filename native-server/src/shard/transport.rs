//! The transport side of an endpoint's session in its shard: RTCP in and out (on port + 1
//! or multiplexed on the RTP port), payload type rewriting on the way out, hold (the
//! negotiated direction), the RTP inactivity watch, and SDP updates that change any of it
//! or replace the session.

use std::net::SocketAddr;

use mediacore::sdp::Direction;
use mediacore::{AudioFrame, Instant, MediaSession};
use serde::Serialize;
use tracing::{debug, info, warn};

use super::ShardSession;
use crate::events::ServerEvent;
use crate::sdp::{PayloadRewrite, Transport};

/// RFC 5761 §4: a datagram whose second byte is 192-223 (RTCP packet types SR 200 to
/// APP 204, and the range RTP must avoid) is RTCP when RTP and RTCP share a port.
pub(crate) fn is_rtcp(datagram: &[u8]) -> bool {
    datagram.len() >= 8 && (192..=223).contains(&datagram[1])
}

/// `datagram` with its payload type changed as `rewrite` says (the marker bit kept), copied
/// into `buf` only when it changes.
pub(crate) fn rewrite_payload_type<'a>(
    rewrite: &PayloadRewrite,
    datagram: &'a [u8],
    buf: &'a mut Vec<u8>,
) -> &'a [u8] {
    if rewrite.is_empty() || datagram.len() < 2 {
        return datagram;
    }
    let pt = datagram[1] & 0x7f;
    let to = rewrite.map(pt);
    if to == pt {
        return datagram;
    }
    buf.clear();
    buf.extend_from_slice(datagram);
    buf[1] = (datagram[1] & 0x80) | (to & 0x7f);
    buf
}

/// A change to an endpoint from an SDP exchange, applied between ticks.
pub struct SessionUpdate {
    /// A session built for a new codec, payload type or packet time; `None` keeps the one
    /// running.
    pub session: Option<MediaSession>,
    /// Destinations, rtcp-mux and direction.
    pub transport: Transport,
    /// Payload types to change on the way out.
    pub rewrite: PayloadRewrite,
}

/// What `GET /v1/endpoints/{id}` says about the transport.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransportSnapshot {
    /// Where RTCP goes (`null` until known).
    pub rtcp_sending_to: Option<SocketAddr>,
    /// Whether `rtp_timeout` was published and no RTP came since.
    pub rtp_timed_out: bool,
}

impl ShardSession {
    /// One RTCP datagram: the first valid compound latches the RTCP source (with rtcp-mux
    /// the RTP source already is); others are ignored.
    pub(super) fn receive_rtcp(&mut self, at: Instant, from: SocketAddr, data: &[u8]) {
        if !self.transport.rtcp_mux && self.rtcp_latched.is_some_and(|source| source != from) {
            self.ignored_source += 1;
            debug!(endpoint = %self.id, %from, "ignored RTCP from a source other than the latched one");
            return;
        }
        self.rtcp_received += 1;
        match self.session.handle_rtcp(at, data) {
            Ok(()) => {
                if !self.transport.rtcp_mux && self.rtcp_latched.is_none() {
                    self.rtcp_latched = Some(from);
                }
            }
            Err(e) => debug!(endpoint = %self.id, %from, error = %e, "ignored invalid RTCP"),
        }
        self.drain_events(at);
    }

    /// Where RTCP goes: the SDP's (or JSON's) address, else the latched RTCP source, else
    /// the RTP destination (muxed) or the port above it.
    fn rtcp_destination(&self) -> Option<SocketAddr> {
        if let Some(dest) = self.transport.rtcp_remote {
            return Some(dest);
        }
        let rtp = self.transport.remote.or(self.latched);
        if self.transport.rtcp_mux {
            return rtp;
        }
        self.rtcp_latched.or_else(|| {
            rtp.and_then(|a| a.port().checked_add(1).map(|p| SocketAddr::new(a.ip(), p)))
        })
    }

    /// Sends the RTCP compounds the session has due (reports, or the BYE after `close`).
    /// RTCP keeps flowing on hold (RFC 3264 §5.1: an inactive stream still sends RTCP).
    pub(super) fn send_rtcp(&mut self, now: Instant) {
        let dest = self.rtcp_destination();
        let socket = if self.transport.rtcp_mux {
            &self.socket
        } else {
            &self.rtcp_socket
        };
        while let Some(compound) = self.session.poll_rtcp(now) {
            let Some(dest) = dest else { continue };
            if let Err(e) = socket.try_send_to(compound, dest) {
                self.send_errors += 1;
                debug!(endpoint = %self.id, %dest, error = %e, "could not send RTCP");
            }
        }
    }

    /// Sends one RTCP compound built elsewhere (a conference's participant's session).
    pub(super) fn send_rtcp_datagram(&mut self, compound: &[u8]) {
        let Some(dest) = self.rtcp_destination() else {
            return;
        };
        let socket = if self.transport.rtcp_mux {
            &self.socket
        } else {
            &self.rtcp_socket
        };
        if let Err(e) = socket.try_send_to(compound, dest) {
            self.send_errors += 1;
            debug!(endpoint = %self.id, %dest, error = %e, "could not send RTCP");
        }
    }

    /// An RTCP compound from `from` was valid: with separate ports, latch its source.
    pub(super) fn rtcp_accepted(&mut self, from: SocketAddr) {
        self.rtcp_received += 1;
        if !self.transport.rtcp_mux && self.rtcp_latched.is_none() {
            self.rtcp_latched = Some(from);
        }
    }

    /// Valid RTP arrived: the inactivity watch restarts (and says so after a timeout).
    pub(super) fn rtp_arrived(&mut self, at: Instant) {
        self.last_rtp = Some(at);
        if self.timed_out {
            self.timed_out = false;
            self.bus.publish(ServerEvent::RtpResumed {
                endpoint: self.id.clone(),
            });
        }
    }

    /// Publishes `rtp_timeout` once when no RTP came for the limit, counted from the first
    /// packet or from the end of a hold. On hold (any direction but sendrecv) the remote
    /// may send nothing, so nothing is watched.
    pub(super) fn check_rtp_timeout(&mut self, now: Instant) {
        let (Some(limit), Some(last)) = (self.rtp_timeout, self.last_rtp) else {
            return;
        };
        if self.timed_out || self.transport.direction != Direction::SendRecv {
            return;
        }
        let silent_for = now.saturating_duration_since(last);
        if silent_for >= limit {
            self.timed_out = true;
            self.events += 1;
            warn!(endpoint = %self.id, silent_ms = silent_for.as_millis() as u64, "no RTP received");
            self.bus.publish(ServerEvent::RtpTimeout {
                endpoint: self.id.clone(),
                silent_ms: silent_for.as_millis() as u64,
            });
        }
    }

    /// Applies an SDP update.
    ///
    /// A replacing session takes over the recording (same file, same timeline) and the frame
    /// clock; prompts, music on hold and digit collections of the old one are stopped
    /// (their `playback_interrupted` and `digits_collected` events say so) and its RTCP BYE
    /// is sent. A new remote address drops the latched sources so that the new one can
    /// latch. Coming off hold restarts the inactivity watch.
    pub(super) fn update(&mut self, now: Instant, update: SessionUpdate) {
        if let Some(mut next) = update.session {
            match AudioFrame::silence(next.sample_rate(), 1, next.config().ptime) {
                Ok(capture) => {
                    self.session.stop_playback();
                    self.session.cancel_play_and_collect(now);
                    self.session.cancel_digit_collection(now);
                    self.moh = None;
                    if self.session.is_recording()
                        && let Err(e) = self.session.move_recording_to(&mut next)
                    {
                        warn!(endpoint = %self.id, error = %e, "the recording could not follow the new session");
                    }
                    self.drain_events(now);
                    self.session.close(now);
                    self.send_rtcp(now);
                    self.session = next;
                    self.ptime = self.session.config().ptime;
                    self.capture = capture;
                    info!(endpoint = %self.id, codec = %self.session.codec(), payload_type = self.session.payload_type(), "session rebuilt for the new media");
                }
                Err(e) => {
                    warn!(endpoint = %self.id, error = %e, "the new session cannot run; keeping the old one");
                }
            }
        }
        let before = self.transport;
        self.transport = update.transport;
        self.rewrite = update.rewrite;
        if before.remote != self.transport.remote {
            self.latched = None;
            self.rtcp_latched = None;
        }
        let was_watched = before.direction == Direction::SendRecv;
        if !was_watched
            && self.transport.direction == Direction::SendRecv
            && self.last_rtp.is_some()
        {
            self.last_rtp = Some(now);
        }
        if self.next_frame.is_none() && !self.echo {
            self.next_frame = Some(now);
        }
        info!(endpoint = %self.id, direction = self.transport.direction.as_str(), remote = ?self.transport.remote, rtcp_mux = self.transport.rtcp_mux, "endpoint updated");
    }

    pub(super) fn transport_snapshot(&self) -> TransportSnapshot {
        TransportSnapshot {
            rtcp_sending_to: self.rtcp_destination(),
            rtp_timed_out: self.timed_out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdp::MediaPlan;
    use core::time::Duration;
    use mediacore::Codec;

    #[test]
    fn rtcp_is_told_from_rtp_by_the_second_byte() {
        // An RR (201) and an SR (200), against PCMU (0), with the marker (128) and PT 96.
        let rr = [0x81, 201, 0, 7, 0, 0, 0, 1];
        assert!(is_rtcp(&rr));
        assert!(is_rtcp(&[0x80, 200, 0, 6, 0, 0, 0, 1]));
        assert!(!is_rtcp(&[0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]));
        assert!(!is_rtcp(&[0x80, 128, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]));
        assert!(!is_rtcp(&[0x80, 96 | 0x80, 0, 1, 0, 0, 0, 0]));
        assert!(!is_rtcp(&[0x81, 201]));
    }

    #[test]
    fn payload_types_are_rewritten_keeping_the_marker() {
        let plan = MediaPlan {
            send_payload_type: 111,
            telephone_event: Some((97, 101)),
            ..MediaPlan::direct(Codec::Opus, Some(96), Duration::from_millis(20))
        };
        let rewrite = plan.send_rewrite();
        let mut buf = Vec::new();
        let audio = [0x80, 0x80 | 96, 1, 2, 3];
        assert_eq!(
            rewrite_payload_type(&rewrite, &audio, &mut buf),
            [0x80, 0x80 | 111, 1, 2, 3]
        );
        let event = [0x80, 97, 9];
        assert_eq!(
            rewrite_payload_type(&rewrite, &event, &mut buf),
            [0x80, 101, 9]
        );
        let other = [0x80, 13, 0];
        assert_eq!(rewrite_payload_type(&rewrite, &other, &mut buf), other);
        let none = PayloadRewrite::default();
        assert_eq!(rewrite_payload_type(&none, &audio, &mut buf), audio);
        assert_eq!(rewrite_payload_type(&rewrite, &[0x80], &mut buf), [0x80]);
    }
}
