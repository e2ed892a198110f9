//! Two endpoints of one shard bridged together: what one leg's remote says goes to the other
//! leg's remote.
//!
//! - Pass-through (both legs run the same codec at the same rate and packet time): an audio
//!   packet received on one leg is not decoded; its payload waits in the other leg's relay
//!   queue and goes out on that leg's frame clock through its own session (its SSRC,
//!   sequence numbers and timestamps, its payload type), so each remote sees one clean
//!   stream. A frame with nothing to relay (lost, late, the sender silent) sends nothing and
//!   moves the RTP clock on ([`MediaSession::skip_frame`]), so the timing is kept.
//! - Transcoding: each frame, the playout of one leg, converted to the other leg's rate, is
//!   the other leg's capture (prompts played on a leg still mix over it).
//!
//! RFC 4733 digits received on one leg are never relayed as packets: the digit the session
//! reports ends up queued with `send_dtmf` on the other leg, which sends it on its own clock
//! with its own payload type.

use std::collections::VecDeque;

use mediacore::dsp::Resampler;
use mediacore::rtp::RtpPacket;
use mediacore::{Instant, MediaSession};
use serde::Serialize;
use tracing::{debug, warn};

use super::{EndpointKey, ShardSession};

/// Payloads waiting in a relay queue; past this the oldest is dropped (and counted), so a
/// remote whose clock runs fast cannot build up delay.
const RELAY_CAPACITY: usize = 8;
/// Converted audio a leg keeps waiting for capture, in packet times of the slower leg; past
/// this the oldest samples are dropped.
const INBOX_FRAMES: usize = 4;

/// How a bridge carries audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BridgeMode {
    /// Payloads relayed without decoding.
    Passthrough,
    /// Decoded on one leg, converted to the other's rate and encoded there.
    Transcode,
}

impl BridgeMode {
    /// The mode's name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            BridgeMode::Passthrough => "passthrough",
            BridgeMode::Transcode => "transcode",
        }
    }
}

/// What `GET /v1/bridges/{id}` reports for one leg.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LegStats {
    /// Payloads received on this leg and queued for the other (pass-through).
    pub relayed: u64,
    /// Payloads dropped from this leg's relay queue: it was full, or they came late or twice.
    pub relay_dropped: u64,
    /// Frames this leg sent nothing for because the other leg had nothing to relay.
    pub frames_skipped: u64,
    /// RFC 4733 digits received on this leg and sent on the other.
    pub digits_forwarded: u64,
}

/// One payload on its way from a leg to the other.
#[derive(Debug)]
struct Relayed {
    sequence: u16,
    payload: Vec<u8>,
}

/// A bridged endpoint's side of the bridge.
#[derive(Debug)]
pub(crate) struct BridgeLeg {
    pub(crate) bridge: String,
    pub(crate) peer: EndpointKey,
    pub(crate) mode: BridgeMode,
    /// Transcoding: this leg's playout at the peer's rate, for the peer.
    outbox: Vec<i16>,
    /// Transcoding: the peer's audio at this leg's rate, waiting to be captured.
    inbox: VecDeque<i16>,
    inbox_capacity: usize,
    /// Converts this leg's playout to the peer's rate, when the rates differ.
    to_peer: Option<Resampler>,
    converted: Vec<i16>,
    /// Pass-through: payloads received here for the peer, and the peer's waiting to go out.
    relay_out: VecDeque<Relayed>,
    relay_in: VecDeque<Relayed>,
    /// The sequence number of the last payload queued from the peer, to drop late ones.
    last_in: Option<u16>,
    /// Digits received here, for the peer.
    digits_out: String,
    pub(crate) stats: LegStats,
}

/// What a leg needs to know about the other.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PeerFormat {
    pub(crate) sample_rate: u32,
    pub(crate) frame_samples: usize,
}

impl BridgeLeg {
    /// The side of bridge `bridge` of a leg running `session`, bridged to `peer`.
    pub(crate) fn new(
        bridge: String,
        peer: EndpointKey,
        mode: BridgeMode,
        session: &MediaSession,
        other: PeerFormat,
    ) -> mediacore::Result<Self> {
        let rate = session.sample_rate();
        let to_peer = if rate == other.sample_rate {
            None
        } else {
            Some(Resampler::new(rate, other.sample_rate, 1)?)
        };
        let converted_len = to_peer
            .as_ref()
            .map_or(0, |r| r.max_output_len(session.frame_samples()));
        // The peer's frames at this leg's rate.
        let peer_frame = (other.frame_samples as u64 * u64::from(rate)
            / u64::from(other.sample_rate.max(1))) as usize;
        let inbox_capacity = INBOX_FRAMES * peer_frame.max(session.frame_samples());
        Ok(BridgeLeg {
            bridge,
            peer,
            mode,
            outbox: Vec::with_capacity(converted_len.max(session.frame_samples()) * 2),
            inbox: VecDeque::with_capacity(inbox_capacity),
            inbox_capacity,
            to_peer,
            converted: vec![0; converted_len],
            relay_out: VecDeque::with_capacity(RELAY_CAPACITY),
            relay_in: VecDeque::with_capacity(RELAY_CAPACITY),
            last_in: None,
            digits_out: String::new(),
            stats: LegStats::default(),
        })
    }

    /// Transcoding: keeps one playout frame, converted for the peer.
    pub(super) fn take_playout(&mut self, played: &[i16]) {
        match self.to_peer.as_mut() {
            None => self.outbox.extend_from_slice(played),
            Some(resampler) => match resampler.process(played, &mut self.converted) {
                Ok(n) => self.outbox.extend_from_slice(&self.converted[..n]),
                Err(e) => debug!(error = %e, "could not convert a bridged frame"),
            },
        }
    }

    /// Transcoding: fills `capture` with the peer's audio waiting, silence where there is
    /// not enough yet.
    fn fill_capture(&mut self, capture: &mut [i16]) {
        for sample in capture.iter_mut() {
            *sample = self.inbox.pop_front().unwrap_or(0);
        }
    }

    /// A digit received on this leg, to send on the peer.
    pub(crate) fn forward_digit(&mut self, digit: char) {
        self.digits_out.push(digit);
        self.stats.digits_forwarded += 1;
    }
}

impl ShardSession {
    /// Pass-through: an audio packet of this leg's codec is taken for the peer instead of
    /// the session (validated, latched and counted as RTP); returns whether it was.
    /// Telephone-events and comfort noise still go to the session.
    pub(super) fn relay_receive(&mut self, data: &[u8]) -> bool {
        let Some(leg) = self.bridge.as_mut() else {
            return false;
        };
        if leg.mode != BridgeMode::Passthrough {
            return false;
        }
        let Ok(packet) = RtpPacket::parse(data) else {
            return false;
        };
        if packet.payload_type() != self.session.payload_type() || packet.payload().is_empty() {
            return false;
        }
        if leg.relay_out.len() == RELAY_CAPACITY {
            leg.relay_out.pop_front();
            leg.stats.relay_dropped += 1;
        }
        leg.relay_out.push_back(Relayed {
            sequence: packet.sequence_number(),
            payload: packet.payload().to_vec(),
        });
        leg.stats.relayed += 1;
        true
    }

    /// One frame of a bridged leg (its direction lets it send).
    pub(super) fn bridged_frame(&mut self, now: Instant) {
        let Some(leg) = self.bridge.as_mut() else {
            return;
        };
        let result = match leg.mode {
            BridgeMode::Transcode => {
                leg.fill_capture(self.capture.samples_mut());
                self.session.push_capture(now, &self.capture)
            }
            BridgeMode::Passthrough => match leg.relay_in.pop_front() {
                Some(relayed) => self.session.send_encoded(now, &relayed.payload),
                None => {
                    leg.stats.frames_skipped += 1;
                    self.session.skip_frame(now)
                }
            },
        };
        if let Err(e) = result {
            warn!(endpoint = %self.id, error = %e, "could not send a bridged frame");
        }
    }
}

/// Moves what `from` has for `to`: converted audio, relayed payloads (in sequence order,
/// late and repeated ones dropped) and digits.
pub(super) fn exchange(from: &mut ShardSession, to: &mut ShardSession) {
    let (Some(out), Some(into)) = (from.bridge.as_mut(), to.bridge.as_mut()) else {
        return;
    };
    if !out.outbox.is_empty() {
        into.inbox.extend(out.outbox.drain(..));
        let excess = into.inbox.len().saturating_sub(into.inbox_capacity);
        into.inbox.drain(..excess);
    }
    while let Some(relayed) = out.relay_out.pop_front() {
        let newer = into
            .last_in
            .is_none_or(|last| (relayed.sequence.wrapping_sub(last) as i16) > 0);
        if !newer {
            out.stats.relay_dropped += 1;
            continue;
        }
        into.last_in = Some(relayed.sequence);
        if into.relay_in.len() == RELAY_CAPACITY {
            into.relay_in.pop_front();
            out.stats.relay_dropped += 1;
        }
        into.relay_in.push_back(relayed);
    }
    if !out.digits_out.is_empty() {
        let digits = core::mem::take(&mut out.digits_out);
        if let Err(e) = to.session.send_dtmf(&digits) {
            warn!(endpoint = %to.id, %digits, error = %e, "could not send the bridged digits");
        }
    }
}
