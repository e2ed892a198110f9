//! Conferences in a shard: a core [`Conference`] whose participants are endpoints of the
//! shard.
//!
//! Joining moves the endpoint's running session into the conference
//! ([`Conference::add_session`]): its remote source, counters and timers go with it; the
//! endpoint keeps its sockets, latching, destinations and payload type rewriting, and holds
//! an idle stand-in session until the conference hands the real one back (leaving, the
//! conference closing, the endpoint being deleted). The shard ticks the conference with its
//! own tick and sends what it transmits from each participant's sockets.

use std::collections::HashMap;
use std::sync::Arc;

use mediacore::mixer::{
    Conference, ConferenceConfig, ConferenceEvent, ConferenceStats, ParticipantId,
    ParticipantOptions, SpeakerEvent,
};
use mediacore::{Codec, Instant, MediaSession, SessionConfig};
use serde::{Deserialize, Serialize};
use tracing::{debug, info, warn};

use super::ops::{ActiveRecording, RecordingDone, RecordingStart, RecordingStatus};
use super::{Arrival, EndpointKey, Inbound, ShardSession, send_datagram};
use crate::error::ApiError;
use crate::events::{EventBus, ServerEvent};
use crate::media::Recordings;

/// What a participant is in a conference.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Heard and hears (the default).
    #[default]
    Speaker,
    /// Hears only (listen-only in the mixer: never mixed, never the active speaker).
    Listener,
    /// A speaker the B2BUA marks as running the conference; mixed like a speaker.
    Moderator,
}

/// One participant, as `GET /v1/conferences/{id}` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParticipantSnapshot {
    /// The endpoint.
    pub endpoint: String,
    /// Its role.
    pub role: Role,
    /// Whether it is muted (not heard).
    pub muted: bool,
    /// Whether it is deaf (hears nothing).
    pub deaf: bool,
    /// Whether it talks now (level above the threshold past the attack time).
    pub talking: bool,
    /// Its level over the last tick in dBov (`null` before the first tick).
    pub level_dbov: Option<f32>,
}

/// A conference's live state, as `GET /v1/conferences/{id}` answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConferenceSnapshot {
    /// The mix rate.
    pub sample_rate: u32,
    /// Participants in the order they joined.
    pub participants: Vec<ParticipantSnapshot>,
    /// The endpoint that is the active speaker, if any.
    pub active_speaker: Option<String>,
    /// The mix recording under way, if any.
    pub recording: Option<RecordingStatus>,
    /// The mixer's counters.
    pub stats: ConferenceStats,
}

/// A participant's place.
#[derive(Debug)]
struct Seat {
    key: EndpointKey,
    endpoint: String,
    participant: ParticipantId,
    role: Role,
}

/// A conference and its participants' endpoints.
pub(crate) struct Room {
    id: String,
    conference: Conference,
    seats: Vec<Seat>,
    recording: Option<ActiveRecording>,
    bus: EventBus,
    recordings: Arc<Recordings>,
}

impl core::fmt::Debug for Room {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Room")
            .field("id", &self.id)
            .field("seats", &self.seats)
            .finish_non_exhaustive()
    }
}

/// Changes to a participant; `None` keeps what is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeatChange {
    /// The new role.
    pub role: Option<Role>,
    /// Mute or unmute.
    pub muted: Option<bool>,
    /// Deafen or let hear.
    pub deaf: Option<bool>,
}

/// The session an endpoint holds while its own is in a conference: never driven.
fn stand_in() -> mediacore::Result<MediaSession> {
    MediaSession::new(SessionConfig {
        rtcp: None,
        telephone_event_payload_type: None,
        ..SessionConfig::new(Codec::Pcmu)
    })
}

fn not_seated(room: &str, endpoint: &str) -> ApiError {
    ApiError::NotFound(format!(
        "endpoint {endpoint:?} is not a participant of conference {room:?}"
    ))
}

impl Room {
    /// An empty conference `id` mixing at `config`.
    pub(crate) fn new(
        id: String,
        config: ConferenceConfig,
        bus: EventBus,
        recordings: Arc<Recordings>,
    ) -> Result<Self, ApiError> {
        Ok(Room {
            id,
            conference: Conference::new(config)?,
            seats: Vec::new(),
            recording: None,
            bus,
            recordings,
        })
    }

    fn seat(&self, participant: ParticipantId) -> Option<&Seat> {
        self.seats.iter().find(|s| s.participant == participant)
    }

    fn endpoint_of(&self, participant: Option<ParticipantId>) -> Option<String> {
        participant
            .and_then(|p| self.seat(p))
            .map(|s| s.endpoint.clone())
    }

    fn options(role: Role, muted: bool, deaf: bool) -> ParticipantOptions {
        ParticipantOptions {
            muted,
            deaf,
            listen_only: role == Role::Listener,
            ..ParticipantOptions::default()
        }
    }

    /// Moves `endpoint`'s session into the conference; on refusal it stays with the
    /// endpoint, which goes on alone.
    pub(crate) fn join(
        &mut self,
        now: Instant,
        key: EndpointKey,
        endpoint: &mut ShardSession,
        role: Role,
        muted: bool,
        deaf: bool,
    ) -> Result<(), ApiError> {
        if let Some(r) = &endpoint.recording {
            return Err(ApiError::Conflict(format!(
                "endpoint {:?} is recording {:?}; stop that recording before it joins a \
                 conference (record the conference instead)",
                endpoint.id, r.name
            )));
        }
        let idle = stand_in()?;
        // Prompts given to the session are not sent in a conference: stop them here, where
        // their events still name the endpoint.
        endpoint.session.stop_playback();
        endpoint.session.cancel_play_and_collect(now);
        endpoint.moh = None;
        endpoint.drain_events(now);
        let session = core::mem::replace(&mut endpoint.session, idle);
        match self
            .conference
            .add_session(session, Self::options(role, muted, deaf))
        {
            Ok(participant) => {
                endpoint.room = Some(self.id.clone());
                self.seats.push(Seat {
                    key,
                    endpoint: endpoint.id.clone(),
                    participant,
                    role,
                });
                info!(endpoint = %endpoint.id, conference = %self.id, participant = participant.get(), "joined the conference");
                Ok(())
            }
            Err(rejected) => {
                endpoint.session = rejected.session;
                Err(ApiError::Conflict(format!(
                    "endpoint {:?} cannot join conference {:?}: {}",
                    endpoint.id, self.id, rejected.error
                )))
            }
        }
    }

    /// Changes a participant's role, mute or deafness.
    pub(crate) fn change(&mut self, key: EndpointKey, change: SeatChange) -> Result<(), ApiError> {
        let i = self
            .seats
            .iter()
            .position(|s| s.key == key)
            .ok_or_else(|| {
                ApiError::NotFound(format!(
                    "the endpoint is not a participant of conference {:?}",
                    self.id
                ))
            })?;
        let participant = self.seats[i].participant;
        let mut options = self
            .conference
            .options(participant)
            .cloned()
            .unwrap_or_default();
        if let Some(role) = change.role {
            self.seats[i].role = role;
            options.listen_only = role == Role::Listener;
        }
        if let Some(muted) = change.muted {
            options.muted = muted;
        }
        if let Some(deaf) = change.deaf {
            options.deaf = deaf;
        }
        self.conference.set_options(participant, options)?;
        Ok(())
    }

    /// Hands the participant's session back to its endpoint, which goes on alone.
    pub(crate) fn leave(
        &mut self,
        now: Instant,
        key: EndpointKey,
        endpoint: &mut ShardSession,
        reason: &'static str,
    ) -> Result<(), ApiError> {
        let i = self
            .seats
            .iter()
            .position(|s| s.key == key)
            .ok_or_else(|| not_seated(&self.id, &endpoint.id))?;
        let session = self
            .conference
            .remove_participant(now, self.seats[i].participant)?;
        endpoint.session = session;
        endpoint.room = None;
        if endpoint.next_frame.is_some() {
            endpoint.next_frame = Some(now);
        }
        // Speaker events of the leaving participant still name it.
        self.drain_events(now, &mut HashMap::new());
        let seat = self.seats.remove(i);
        self.bus.publish(ServerEvent::ConferenceLeft {
            conference: self.id.clone(),
            endpoint: seat.endpoint,
            reason,
        });
        info!(endpoint = %endpoint.id, conference = %self.id, reason, "left the conference");
        Ok(())
    }

    /// The endpoints seated, in the order they joined.
    pub(crate) fn keys(&self) -> Vec<EndpointKey> {
        self.seats.iter().map(|s| s.key).collect()
    }

    /// What `GET /v1/conferences/{id}` shows.
    pub(crate) fn snapshot(&self) -> ConferenceSnapshot {
        let mixer = self.conference.mixer();
        ConferenceSnapshot {
            sample_rate: self.conference.config().sample_rate,
            participants: self
                .seats
                .iter()
                .map(|s| {
                    let options = self.conference.options(s.participant);
                    ParticipantSnapshot {
                        endpoint: s.endpoint.clone(),
                        role: s.role,
                        muted: options.is_some_and(|o| o.muted),
                        deaf: options.is_some_and(|o| o.deaf),
                        talking: self.conference.is_talking(s.participant),
                        level_dbov: mixer.level_dbov(s.participant),
                    }
                })
                .collect(),
            active_speaker: self.endpoint_of(self.conference.active_speaker()),
            recording: self.recording.as_ref().map(|r| RecordingStatus {
                name: r.name.clone(),
                paused: r.paused,
                duration_ms: self
                    .conference
                    .recording_duration()
                    .map_or(0, |d| d.as_millis() as u64),
            }),
            stats: self.conference.stats(),
        }
    }

    /// The participant's session, for its endpoint's snapshot.
    pub(crate) fn session(&self, key: EndpointKey) -> Option<&MediaSession> {
        let seat = self.seats.iter().find(|s| s.key == key)?;
        self.conference.session(seat.participant)
    }

    /// A datagram for participant `key`, whose endpoint is `endpoint`.
    pub(crate) fn receive(&mut self, endpoint: &mut ShardSession, datagram: &Inbound) {
        let Some(participant) = self
            .seats
            .iter()
            .find(|s| s.key == datagram.key)
            .map(|s| s.participant)
        else {
            return;
        };
        let (at, from, data) = (datagram.at, datagram.from, &datagram.data[..]);
        match endpoint.classify(from, data, datagram.rtcp) {
            Some(Arrival::Rtp) => match self.conference.handle_rtp(at, participant, data) {
                Ok(()) => endpoint.rtp_accepted(at, from),
                Err(e) => {
                    debug!(endpoint = %endpoint.id, %from, error = %e, "ignored invalid RTP datagram");
                }
            },
            Some(Arrival::Rtcp) => {
                if !endpoint.transport.rtcp_mux
                    && endpoint.rtcp_latched.is_some_and(|source| source != from)
                {
                    endpoint.ignored_source += 1;
                    return;
                }
                match self.conference.handle_rtcp(at, participant, data) {
                    Ok(()) => endpoint.rtcp_accepted(from),
                    Err(e) => {
                        debug!(endpoint = %endpoint.id, %from, error = %e, "ignored invalid RTCP")
                    }
                }
            }
            None => {}
        }
    }

    /// Runs the conference's ticks due by `now` and sends what it transmits.
    pub(crate) fn on_tick(
        &mut self,
        now: Instant,
        sessions: &mut HashMap<EndpointKey, ShardSession>,
    ) {
        self.conference.tick(now);
        while let Some((participant, datagram)) = self.conference.poll_transmit(now) {
            let Some(endpoint) = self
                .seats
                .iter()
                .find(|s| s.participant == participant)
                .and_then(|s| sessions.get_mut(&s.key))
            else {
                continue;
            };
            // On hold (sendonly from the remote's side, inactive) nothing is sent.
            if !endpoint.transport.direction.sends() {
                continue;
            }
            send_datagram(
                &endpoint.id,
                &endpoint.socket,
                endpoint.transport.remote.or(endpoint.latched),
                &endpoint.rewrite,
                &mut endpoint.rewritten,
                &mut endpoint.send_errors,
                datagram,
            );
        }
        while let Some((participant, compound)) = self.conference.poll_rtcp(now) {
            if let Some(endpoint) = self
                .seats
                .iter()
                .find(|s| s.participant == participant)
                .and_then(|s| sessions.get_mut(&s.key))
            {
                endpoint.send_rtcp_datagram(compound);
            }
        }
        for seat in &self.seats {
            if let Some(endpoint) = sessions.get_mut(&seat.key) {
                endpoint.check_rtp_timeout(now);
            }
        }
        self.drain_events(now, sessions);
    }

    /// Publishes the conference's events; a participant's session events go through its
    /// endpoint (DTMF, RTP timeouts, quality...).
    fn drain_events(&mut self, now: Instant, sessions: &mut HashMap<EndpointKey, ShardSession>) {
        while let Some(event) = self.conference.poll_event() {
            let conference = self.id.clone();
            let published = match event {
                ConferenceEvent::Speaker(SpeakerEvent::TalkStarted { participant }) => {
                    let Some(endpoint) = self.endpoint_of(Some(participant)) else {
                        continue;
                    };
                    ServerEvent::TalkStarted {
                        conference,
                        endpoint,
                    }
                }
                ConferenceEvent::Speaker(SpeakerEvent::TalkStopped { participant }) => {
                    let Some(endpoint) = self.endpoint_of(Some(participant)) else {
                        continue;
                    };
                    ServerEvent::TalkStopped {
                        conference,
                        endpoint,
                    }
                }
                ConferenceEvent::Speaker(SpeakerEvent::ActiveSpeaker { participant }) => {
                    ServerEvent::ActiveSpeaker {
                        conference,
                        endpoint: self.endpoint_of(participant),
                    }
                }
                ConferenceEvent::Session { participant, event } => {
                    if let Some(endpoint) = self
                        .seat(participant)
                        .and_then(|s| sessions.get_mut(&s.key))
                    {
                        endpoint.events += 1;
                        endpoint.on_event(now, event);
                    }
                    continue;
                }
                ConferenceEvent::RecordingLimitReached { limit, .. } => {
                    let reason = match limit {
                        mediacore::record::RecordLimit::Duration => "max_duration",
                        _ => "max_bytes",
                    };
                    self.finish_recording(now, reason);
                    continue;
                }
                ConferenceEvent::RecordingFailed { message } => {
                    let Some(recording) = self.recording.take() else {
                        continue;
                    };
                    let _ = self.conference.stop_recording(now);
                    self.recordings.finished(&recording.path);
                    warn!(conference = %self.id, recording = %recording.name, %message, "conference recording failed");
                    ServerEvent::ConferenceRecordingFailed {
                        conference,
                        name: recording.name,
                        message,
                    }
                }
                ConferenceEvent::MediaFailed {
                    participant,
                    message,
                } => {
                    debug!(conference = %self.id, participant = ?participant, %message, "conference media failed in a tick");
                    continue;
                }
                other => {
                    debug!(conference = %self.id, event = other.name(), "conference event");
                    continue;
                }
            };
            self.bus.publish(published);
        }
    }

    /// Starts recording the mix.
    pub(crate) fn start_recording(
        &mut self,
        now: Instant,
        start: RecordingStart,
    ) -> Result<(), ApiError> {
        if let Some(r) = &self.recording {
            return Err(ApiError::Conflict(format!(
                "conference {:?} is already recording {:?}; stop that recording first",
                self.id, r.name
            )));
        }
        let RecordingStart {
            name,
            path,
            config,
            target,
        } = start;
        self.conference.start_recording(now, config, target)?;
        info!(conference = %self.id, recording = %name, "conference recording started");
        self.recording = Some(ActiveRecording {
            name,
            path,
            paused: false,
        });
        Ok(())
    }

    /// Pauses or resumes the mix recording.
    pub(crate) fn pause_recording(&mut self, now: Instant, pause: bool) -> Result<(), ApiError> {
        let recording = self.recording.as_mut().ok_or_else(|| {
            ApiError::Conflict(format!(
                "conference {:?} is not recording; start a recording first",
                self.id
            ))
        })?;
        if pause {
            self.conference.pause_recording(now)?;
        } else {
            self.conference.resume_recording(now)?;
        }
        recording.paused = pause;
        Ok(())
    }

    /// Completes the mix recording and publishes `conference_recording_done` (or
    /// `conference_recording_failed`).
    pub(crate) fn finish_recording(
        &mut self,
        now: Instant,
        reason: &'static str,
    ) -> Option<RecordingDone> {
        let recording = self.recording.take()?;
        let result = super::ops::flushed(self.conference.stop_recording(now));
        self.recordings.finished(&recording.path);
        match result {
            Ok(summary) => {
                let done = super::ops::recording_done(&recording, &summary);
                info!(conference = %self.id, recording = %done.name, duration_ms = done.duration_ms, reason, "conference recording completed");
                self.bus.publish(ServerEvent::ConferenceRecordingDone {
                    conference: self.id.clone(),
                    reason,
                    recording: done.clone(),
                });
                Some(done)
            }
            Err(e) => {
                warn!(conference = %self.id, recording = %recording.name, error = %e, "conference recording could not be completed");
                self.bus.publish(ServerEvent::ConferenceRecordingFailed {
                    conference: self.id.clone(),
                    name: recording.name,
                    message: e.to_string(),
                });
                None
            }
        }
    }

    /// Whether the mix is being recorded.
    pub(crate) fn is_recording(&self) -> bool {
        self.recording.is_some()
    }
}
