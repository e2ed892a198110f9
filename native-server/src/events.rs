//! Server events: what sessions report (DTMF, prompts, collected digits, recordings, RTP
//! timeouts, quality) as JSON objects for `GET /v1/events`.
//!
//! Shards publish into one broadcast channel with a bounded buffer. Publishing never waits: a
//! subscriber that falls behind by more than the buffer loses the oldest events and is told
//! how many (`{"type": "lagged", "missed": n}`).

use serde::Serialize;
use tokio::sync::{broadcast, watch};

use crate::shard::{QualitySnapshot, RecordingDone};

/// Events buffered for subscribers; a subscriber further behind misses the oldest.
pub const EVENT_BUFFER: usize = 1024;

/// One event, serialized as `{"type": "<snake_case>", "endpoint": "ep-1", ...}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ServerEvent {
    /// A DTMF digit ended.
    Dtmf {
        /// The endpoint.
        endpoint: String,
        /// The key: `0`-`9`, `*`, `#`, `A`-`D`.
        digit: String,
        /// How long it lasted.
        duration_ms: u64,
        /// `rfc4733`, `in_band` or `signalling`.
        source: &'static str,
    },
    /// A prompt started to play.
    PlaybackStarted {
        /// The endpoint.
        endpoint: String,
        /// The id `play` or `moh/start` answered with.
        playback_id: u64,
    },
    /// A prompt played to its end.
    PlaybackFinished {
        /// The endpoint.
        endpoint: String,
        /// The playback.
        playback_id: u64,
    },
    /// A prompt was stopped, replaced or interrupted by a digit, or dropped from the queue.
    PlaybackInterrupted {
        /// The endpoint.
        endpoint: String,
        /// The playback.
        playback_id: u64,
        /// `stopped`, `replaced` or `dtmf`.
        reason: &'static str,
        /// The digit, when `reason` is `dtmf`.
        digit: Option<String>,
        /// Whether any of it was played.
        started: bool,
    },
    /// A digit collection (`collect`) ended.
    DigitsCollected {
        /// The endpoint.
        endpoint: String,
        /// The digits, without the terminator.
        digits: String,
        /// `terminator`, `max_digits`, `first_digit_timeout`, `inter_digit_timeout`,
        /// `overall_timeout` or `cancelled`.
        reason: &'static str,
        /// The terminator key, if one ended it.
        terminator: Option<String>,
        /// At least `min_digits` digits and not cancelled.
        valid: bool,
    },
    /// A play-and-collect ended.
    PlayCollectDone {
        /// The endpoint.
        endpoint: String,
        /// `digits`, `terminator`, `timeout`, `max_retries` or `cancelled`.
        reason: &'static str,
        /// Whether the entry is one to act on (`digits` or `terminator`).
        success: bool,
        /// The last attempt's digits.
        digits: String,
        /// The terminator key, if one ended the last attempt.
        terminator: Option<String>,
        /// Attempts made.
        attempts: u32,
    },
    /// A recording was completed: stopped, at a limit, with its endpoint or at shutdown.
    RecordingDone {
        /// The endpoint.
        endpoint: String,
        /// `stopped`, `max_duration`, `max_bytes`, `endpoint_deleted` or `shutdown`.
        reason: &'static str,
        /// The recording.
        #[serde(flatten)]
        recording: RecordingDone,
    },
    /// A recording's file failed; it holds what was written up to the last checkpoint.
    RecordingFailed {
        /// The endpoint.
        endpoint: String,
        /// The recording's name.
        name: String,
        /// What went wrong.
        message: String,
    },
    /// No RTP arrived for the session's timeout (30 s).
    RtpTimeout {
        /// The endpoint.
        endpoint: String,
        /// How long it has been silent.
        silent_ms: u64,
    },
    /// RTP arrived again after a timeout.
    RtpResumed {
        /// The endpoint.
        endpoint: String,
    },
    /// The remote sent an RTCP BYE (RFC 3550 §6.6): its stream ended.
    RemoteBye {
        /// The endpoint.
        endpoint: String,
        /// The SSRC that left.
        ssrc: u32,
        /// The reason it gave, if any.
        reason: Option<String>,
    },
    /// The periodic E-model estimate (every 5 s while RTP arrives).
    Quality {
        /// The endpoint.
        endpoint: String,
        /// The estimate.
        #[serde(flatten)]
        quality: QualitySnapshot,
    },
    /// A bridge ended: deleted, or one of its endpoints was deleted; the endpoints left go
    /// on alone.
    BridgeEnded {
        /// The bridge.
        bridge: String,
        /// Its endpoints (those still there).
        endpoints: Vec<String>,
        /// `deleted` or `endpoint_deleted`.
        reason: &'static str,
    },
    /// A participant of a conference started talking.
    TalkStarted {
        /// The conference.
        conference: String,
        /// The participant's endpoint.
        endpoint: String,
    },
    /// A participant of a conference stopped talking (or was muted, made a listener, left).
    TalkStopped {
        /// The conference.
        conference: String,
        /// The participant's endpoint.
        endpoint: String,
    },
    /// The loudest talker of a conference changed.
    ActiveSpeaker {
        /// The conference.
        conference: String,
        /// The new active speaker's endpoint; `null` when nobody talks.
        endpoint: Option<String>,
    },
    /// An endpoint left a conference and goes on alone.
    ConferenceLeft {
        /// The conference.
        conference: String,
        /// The endpoint.
        endpoint: String,
        /// `removed`, `conference_deleted`, `endpoint_deleted` or `shutdown`.
        reason: &'static str,
    },
    /// A conference's mix recording was completed.
    ConferenceRecordingDone {
        /// The conference.
        conference: String,
        /// `stopped`, `max_duration`, `max_bytes`, `conference_deleted` or `shutdown`.
        reason: &'static str,
        /// The recording.
        #[serde(flatten)]
        recording: RecordingDone,
    },
    /// A conference's recording file failed.
    ConferenceRecordingFailed {
        /// The conference.
        conference: String,
        /// The recording's name.
        name: String,
        /// What went wrong.
        message: String,
    },
    /// The endpoint was released (`deleted`) or the server stopped (`shutdown`).
    EndpointClosed {
        /// The endpoint.
        endpoint: String,
        /// `deleted` or `shutdown`.
        reason: &'static str,
    },
}

impl ServerEvent {
    /// Whether the event is about endpoint `id` (a bridge's event is about both legs).
    pub fn involves(&self, id: &str) -> bool {
        match self {
            ServerEvent::BridgeEnded { endpoints, .. } => endpoints.iter().any(|e| e == id),
            _ => self.endpoint() == id,
        }
    }

    /// The endpoint the event is about: the first leg for a bridge's, empty for a
    /// conference's own (recordings, or no active speaker).
    pub fn endpoint(&self) -> &str {
        match self {
            ServerEvent::Dtmf { endpoint, .. }
            | ServerEvent::PlaybackStarted { endpoint, .. }
            | ServerEvent::PlaybackFinished { endpoint, .. }
            | ServerEvent::PlaybackInterrupted { endpoint, .. }
            | ServerEvent::DigitsCollected { endpoint, .. }
            | ServerEvent::PlayCollectDone { endpoint, .. }
            | ServerEvent::RecordingDone { endpoint, .. }
            | ServerEvent::RecordingFailed { endpoint, .. }
            | ServerEvent::RtpTimeout { endpoint, .. }
            | ServerEvent::RtpResumed { endpoint }
            | ServerEvent::RemoteBye { endpoint, .. }
            | ServerEvent::Quality { endpoint, .. }
            | ServerEvent::EndpointClosed { endpoint, .. }
            | ServerEvent::TalkStarted { endpoint, .. }
            | ServerEvent::TalkStopped { endpoint, .. }
            | ServerEvent::ConferenceLeft { endpoint, .. } => endpoint,
            ServerEvent::ActiveSpeaker { endpoint, .. } => endpoint.as_deref().unwrap_or(""),
            ServerEvent::BridgeEnded { endpoints, .. } => {
                endpoints.first().map_or("", String::as_str)
            }
            ServerEvent::ConferenceRecordingDone { .. }
            | ServerEvent::ConferenceRecordingFailed { .. } => "",
        }
    }
}

/// The channel shards publish events into and event streams subscribe to.
#[derive(Debug, Clone)]
pub struct EventBus {
    events: broadcast::Sender<ServerEvent>,
    closed: watch::Sender<bool>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus::new()
    }
}

impl EventBus {
    /// A bus buffering [`EVENT_BUFFER`] events.
    pub fn new() -> Self {
        EventBus {
            events: broadcast::channel(EVENT_BUFFER).0,
            closed: watch::channel(false).0,
        }
    }

    /// Sends `event` to every subscriber; never waits (no subscriber is not an error).
    pub fn publish(&self, event: ServerEvent) {
        let _ = self.events.send(event);
    }

    /// A new subscription and a flag that turns `true` when the server stops.
    pub fn subscribe(&self) -> (broadcast::Receiver<ServerEvent>, watch::Receiver<bool>) {
        (self.events.subscribe(), self.closed.subscribe())
    }

    /// Tells every stream that no more events come (server shutdown).
    pub fn close(&self) {
        self.closed.send_replace(true);
    }
}
