//! What a [`MediaSession`](super::MediaSession) reports: its [`Event`]s, the quality
//! estimate they carry, and its counters.

use core::time::Duration;

use crate::dtmf::{Collected, Digit, DigitSource};
use crate::ivr::PlayCollectResult;
use crate::playback::PlaybackEvent;
use crate::record::{RecordLimit, RecordingSummary};
use crate::time::Instant;

use super::VoiceDirection;

/// An estimate of the call's quality as heard here, by the ITU-T G.107 E-model.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct QualityReport {
    /// Transmission rating R (93.2 for a perfect narrowband call; below 50 nearly all
    /// users are dissatisfied).
    pub r: f64,
    /// Mean opinion score estimated from R, 1 to 4.5.
    pub mos: f64,
    /// Packets lost in the period, in percent (by sequence number).
    pub packet_loss_percent: f64,
    /// G.107's burst ratio of those losses: 1 for random loss, above 1 for bursts.
    pub burst_ratio: f64,
    /// Mouth-to-ear delay the estimate assumes: half the RTCP round trip (0 before one is
    /// measured), one packet time of packetisation and the jitter buffer's delay.
    pub one_way_delay: Duration,
    /// The jitter buffer's share of it.
    pub jitter_buffer_delay: Duration,
    /// Packets the period covers.
    pub packets: u64,
}

/// Something that happened in a session, drained with [`MediaSession::poll_event`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// The first valid RTP packet arrived from this synchronisation source.
    RemoteSourceStarted {
        /// The sender's SSRC.
        ssrc: u32,
    },
    /// The sender's SSRC changed; receive state was reset for the new source.
    RemoteSourceChanged {
        /// The SSRC heard before.
        old: u32,
        /// The SSRC heard now.
        new: u32,
    },
    /// No valid RTP arrived for the configured timeout.
    RtpTimeout {
        /// How long the session has been without RTP.
        silent_for: Duration,
    },
    /// RTP arrived again after an [`Event::RtpTimeout`].
    RtpResumed,
    /// The remote source left the session with an RTCP BYE (RFC 3550 §6.6).
    RemoteBye {
        /// The SSRC that left.
        ssrc: u32,
        /// The reason it gave, if any.
        reason: Option<String>,
    },
    /// The periodic call-quality estimate for the packets received since the last one.
    Quality(QualityReport),
    /// An RFC 4733 telephone-event began (its end comes as [`Event::Dtmf`]).
    DtmfStarted {
        /// The key.
        digit: Digit,
    },
    /// A DTMF digit ended: from a telephone-event, from the in-band detector, or given by
    /// the host with [`MediaSession::push_signalled_digit`].
    Dtmf {
        /// The key.
        digit: Digit,
        /// How long it lasted, in ms (0 for signalled digits).
        duration_ms: u64,
        /// Where it came from.
        source: DigitSource,
    },
    /// A digit collection started with [`MediaSession::collect_digits`] ended.
    DigitsCollected(Collected),
    /// A prompt from [`MediaSession::play_prompt`] or [`MediaSession::enqueue_prompt`]
    /// started, finished or was interrupted.
    Playback(PlaybackEvent),
    /// A play-and-collect started with [`MediaSession::play_and_collect`] ended.
    PlayCollectDone(PlayCollectResult),
    /// The recording reached a limit: it is complete up to it and records no more; collect
    /// it with [`MediaSession::stop_recording`].
    RecordingLimitReached {
        /// Which limit.
        limit: RecordLimit,
        /// The recording at that point.
        summary: RecordingSummary,
    },
    /// The recording's target failed: the file holds what was written up to its last
    /// checkpoint, and nothing more is recorded.
    RecordingFailed {
        /// What went wrong.
        message: String,
    },
    /// A voice activity detector heard talk start: the local talker on
    /// [`VoiceDirection::Capture`], the remote one on [`VoiceDirection::Playout`].
    TalkStarted {
        /// Whose VAD.
        direction: VoiceDirection,
        /// Media time of the first 10 ms judged to be speech.
        at: Instant,
    },
    /// Talk stopped: the VAD's hangover after the last speech ran out.
    TalkStopped {
        /// Whose VAD.
        direction: VoiceDirection,
        /// Media time of the end of the last speech plus the hangover.
        at: Instant,
    },
}

impl Event {
    /// A stable snake_case name for the event kind, used by the bindings and the server.
    pub const fn name(&self) -> &'static str {
        match self {
            Event::RemoteSourceStarted { .. } => "remote_source_started",
            Event::RemoteSourceChanged { .. } => "remote_source_changed",
            Event::RtpTimeout { .. } => "rtp_timeout",
            Event::RtpResumed => "rtp_resumed",
            Event::RemoteBye { .. } => "remote_bye",
            Event::Quality(_) => "quality",
            Event::DtmfStarted { .. } => "dtmf_started",
            Event::Dtmf { .. } => "dtmf",
            Event::DigitsCollected(_) => "digits_collected",
            Event::Playback(PlaybackEvent::Started { .. }) => "playback_started",
            Event::Playback(PlaybackEvent::Finished { .. }) => "playback_finished",
            Event::Playback(PlaybackEvent::Interrupted { .. }) => "playback_interrupted",
            Event::PlayCollectDone(_) => "play_collect_done",
            Event::RecordingLimitReached { .. } => "recording_limit_reached",
            Event::RecordingFailed { .. } => "recording_failed",
            Event::TalkStarted { .. } => "talk_started",
            Event::TalkStopped { .. } => "talk_stopped",
        }
    }
}

/// Counters kept by a session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SessionStats {
    /// Valid RTP packets accepted.
    pub packets_received: u64,
    /// Payload bytes in accepted packets.
    pub bytes_received: u64,
    /// Datagrams rejected: malformed, wrong payload type or oversized.
    pub packets_rejected: u64,
    /// Packets dropped because they were duplicates or arrived after their audio's turn
    /// to play had passed.
    pub packets_late: u64,
    /// Packets the sender's sequence numbers show were never received.
    pub packets_lost: u64,
    /// RTP packets produced for sending.
    pub packets_sent: u64,
    /// Payload bytes in packets produced.
    pub bytes_sent: u64,
    /// Outgoing packets dropped because the host did not drain them in time.
    pub packets_send_dropped: u64,
    /// Times playout ran out of received packets while playing.
    pub playout_underruns: u64,
    /// Received samples dropped (whole packets, or packets the full jitter buffer pushed
    /// out) to keep the delay bounded.
    pub playout_samples_dropped: u64,
    /// Events dropped because the host did not drain them in time.
    pub events_dropped: u64,
}

impl SessionStats {
    /// Every counter with its field name, in declaration order, for hosts that build
    /// dictionaries or JSON objects without naming each field again.
    pub fn fields(&self) -> [(&'static str, u64); 11] {
        [
            ("packets_received", self.packets_received),
            ("bytes_received", self.bytes_received),
            ("packets_rejected", self.packets_rejected),
            ("packets_late", self.packets_late),
            ("packets_lost", self.packets_lost),
            ("packets_sent", self.packets_sent),
            ("bytes_sent", self.bytes_sent),
            ("packets_send_dropped", self.packets_send_dropped),
            ("playout_underruns", self.playout_underruns),
            ("playout_samples_dropped", self.playout_samples_dropped),
            ("events_dropped", self.events_dropped),
        ]
    }
}
