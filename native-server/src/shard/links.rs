//! Operations that link endpoints of one shard: bridges, conferences, and moving an
//! endpoint to another shard so that it can be linked with endpoints there.

use std::sync::Arc;

use mediacore::Instant;
use mediacore::mixer::ConferenceConfig;
use serde::Serialize;
use tracing::info;

use super::bridge::{self, BridgeLeg, BridgeMode, LegStats, PeerFormat};
use super::ops::{MediaOp, MediaReply, RecordingDone, RecordingStart};
use super::room::{ConferenceSnapshot, Role, Room, SeatChange};
use super::{EndpointKey, Shard, ShardSession};
use crate::error::ApiError;
use crate::events::{EventBus, ServerEvent};
use crate::media::Recordings;

/// An operation on the links between a shard's endpoints.
pub enum LinkOp {
    /// Bridge endpoints `a` and `b` (or change the mode of their bridge).
    Bridge {
        /// The bridge's id.
        id: String,
        /// One leg.
        a: EndpointKey,
        /// The other.
        b: EndpointKey,
        /// How audio is carried.
        mode: BridgeMode,
    },
    /// End a bridge; both endpoints go on alone.
    Unbridge {
        /// One leg.
        a: EndpointKey,
        /// The other.
        b: EndpointKey,
        /// `deleted` or `endpoint_deleted`.
        reason: &'static str,
    },
    /// Counters of a bridge's legs.
    BridgeStats {
        /// One leg.
        a: EndpointKey,
        /// The other.
        b: EndpointKey,
    },
    /// A recording operation on a bridge, applied to leg `a` (its remote on the first
    /// channel, what it is sent, leg `b`'s audio, on the second); a pass-through bridge
    /// turns to transcoding so that both legs' audio is decoded.
    BridgeRecord {
        /// The leg recorded.
        a: EndpointKey,
        /// The other.
        b: EndpointKey,
        /// `RecordStart`, `RecordPause`, `RecordResume` or `RecordStop`.
        op: MediaOp,
    },
    /// Create an empty conference.
    RoomCreate {
        /// Its id.
        id: String,
        /// How it mixes.
        config: ConferenceConfig,
        /// Where its events go.
        bus: EventBus,
        /// The recordings folder.
        recordings: Arc<Recordings>,
    },
    /// Move an endpoint's session into a conference.
    RoomJoin {
        /// The conference.
        room: String,
        /// The endpoint.
        key: EndpointKey,
        /// Its role.
        role: Role,
        /// Start muted.
        muted: bool,
        /// Start deaf.
        deaf: bool,
    },
    /// Change a participant.
    RoomChange {
        /// The conference.
        room: String,
        /// The endpoint.
        key: EndpointKey,
        /// What changes.
        change: SeatChange,
    },
    /// Take an endpoint out of a conference.
    RoomLeave {
        /// The conference.
        room: String,
        /// The endpoint.
        key: EndpointKey,
        /// `removed` or `endpoint_deleted`.
        reason: &'static str,
    },
    /// End a conference; its participants go on alone.
    RoomClose {
        /// The conference.
        room: String,
    },
    /// A conference's state.
    RoomSnapshot {
        /// The conference.
        room: String,
    },
    /// Start recording a conference's mix.
    RoomRecordStart {
        /// The conference.
        room: String,
        /// The recording.
        start: Box<RecordingStart>,
    },
    /// Pause (`true`) or resume a conference's recording.
    RoomRecordPause {
        /// The conference.
        room: String,
        /// Pause rather than resume.
        pause: bool,
    },
    /// Complete a conference's recording.
    RoomRecordStop {
        /// The conference.
        room: String,
    },
}

impl core::fmt::Debug for LinkOp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let name = match self {
            LinkOp::Bridge { .. } => "Bridge",
            LinkOp::Unbridge { .. } => "Unbridge",
            LinkOp::BridgeStats { .. } => "BridgeStats",
            LinkOp::BridgeRecord { .. } => "BridgeRecord",
            LinkOp::RoomCreate { .. } => "RoomCreate",
            LinkOp::RoomJoin { .. } => "RoomJoin",
            LinkOp::RoomChange { .. } => "RoomChange",
            LinkOp::RoomLeave { .. } => "RoomLeave",
            LinkOp::RoomClose { .. } => "RoomClose",
            LinkOp::RoomSnapshot { .. } => "RoomSnapshot",
            LinkOp::RoomRecordStart { .. } => "RoomRecordStart",
            LinkOp::RoomRecordPause { .. } => "RoomRecordPause",
            LinkOp::RoomRecordStop { .. } => "RoomRecordStop",
        };
        f.write_str(name)
    }
}

/// What a link operation answers.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkReply {
    /// Done.
    Done,
    /// A bridge's mode and the counters of its legs `a` and `b`.
    Bridge(BridgeMode, [LegStats; 2]),
    /// What a media operation on the bridge answered.
    Media(MediaReply),
    /// A conference's state.
    Room(ConferenceSnapshot),
    /// A completed recording.
    Recording(RecordingDone),
}

/// What `GET /v1/bridges/{id}` says about the bridge's audio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BridgeLegSnapshot {
    /// The endpoint.
    pub endpoint: String,
    /// Its counters.
    #[serde(flatten)]
    pub stats: LegStats,
}

fn gone(what: &str) -> ApiError {
    ApiError::NotFound(format!("{what} is not in this shard any more"))
}

impl Shard {
    /// Applies a link operation at `now`.
    pub(super) fn on_link(&mut self, now: Instant, op: LinkOp) -> Result<LinkReply, ApiError> {
        match op {
            LinkOp::Bridge { id, a, b, mode } => {
                self.bridge(id, a, b, mode).map(|()| LinkReply::Done)
            }
            LinkOp::Unbridge { a, b, reason } => {
                self.unbridge(a, b, reason);
                Ok(LinkReply::Done)
            }
            LinkOp::BridgeStats { a, b } => {
                let stats = |s: Option<&ShardSession>| {
                    s.and_then(|s| s.bridge.as_ref())
                        .map(|l| (l.mode, l.stats))
                        .ok_or_else(|| gone("the bridge"))
                };
                let (mode, sa) = stats(self.sessions.get(&a))?;
                let (_, sb) = stats(self.sessions.get(&b))?;
                Ok(LinkReply::Bridge(mode, [sa, sb]))
            }
            LinkOp::BridgeRecord { a, b, op } => {
                let passthrough = self
                    .sessions
                    .get(&a)
                    .and_then(|s| s.bridge.as_ref())
                    .map(|l| (l.mode == BridgeMode::Passthrough, l.bridge.clone()))
                    .ok_or_else(|| gone("the bridge"))?;
                if matches!(op, MediaOp::RecordStart(_)) && passthrough.0 {
                    self.bridge(passthrough.1, a, b, BridgeMode::Transcode)?;
                }
                let session = self
                    .sessions
                    .get_mut(&a)
                    .ok_or_else(|| gone("the bridge"))?;
                session.apply(now, op).map(LinkReply::Media)
            }
            LinkOp::RoomCreate {
                id,
                config,
                bus,
                recordings,
            } => {
                let room = Room::new(id.clone(), config, bus, recordings)?;
                self.rooms.insert(id, room);
                Ok(LinkReply::Done)
            }
            LinkOp::RoomJoin {
                room,
                key,
                role,
                muted,
                deaf,
            } => {
                let r = self
                    .rooms
                    .get_mut(&room)
                    .ok_or_else(|| gone("the conference"))?;
                let endpoint = self
                    .sessions
                    .get_mut(&key)
                    .ok_or_else(|| gone("the endpoint"))?;
                if endpoint.room.is_some() || endpoint.bridge.is_some() {
                    return Err(ApiError::Conflict(format!(
                        "endpoint {:?} is already bridged or in a conference",
                        endpoint.id
                    )));
                }
                r.join(now, key, endpoint, role, muted, deaf)?;
                Ok(LinkReply::Done)
            }
            LinkOp::RoomChange { room, key, change } => {
                let r = self
                    .rooms
                    .get_mut(&room)
                    .ok_or_else(|| gone("the conference"))?;
                r.change(key, change)?;
                Ok(LinkReply::Done)
            }
            LinkOp::RoomLeave { room, key, reason } => {
                let r = self
                    .rooms
                    .get_mut(&room)
                    .ok_or_else(|| gone("the conference"))?;
                let endpoint = self
                    .sessions
                    .get_mut(&key)
                    .ok_or_else(|| gone("the endpoint"))?;
                r.leave(now, key, endpoint, reason)?;
                Ok(LinkReply::Done)
            }
            LinkOp::RoomClose { room } => {
                self.close_room(now, &room, "conference_deleted")?;
                Ok(LinkReply::Done)
            }
            LinkOp::RoomSnapshot { room } => self
                .rooms
                .get(&room)
                .map(|r| LinkReply::Room(r.snapshot()))
                .ok_or_else(|| gone("the conference")),
            LinkOp::RoomRecordStart { room, start } => {
                let r = self
                    .rooms
                    .get_mut(&room)
                    .ok_or_else(|| gone("the conference"))?;
                r.start_recording(now, *start)?;
                Ok(LinkReply::Done)
            }
            LinkOp::RoomRecordPause { room, pause } => {
                let r = self
                    .rooms
                    .get_mut(&room)
                    .ok_or_else(|| gone("the conference"))?;
                r.pause_recording(now, pause)?;
                Ok(LinkReply::Done)
            }
            LinkOp::RoomRecordStop { room } => {
                let r = self
                    .rooms
                    .get_mut(&room)
                    .ok_or_else(|| gone("the conference"))?;
                if !r.is_recording() {
                    return Err(ApiError::Conflict(format!(
                        "conference {room:?} is not recording; start a recording first"
                    )));
                }
                r.finish_recording(now, "stopped")
                    .map(LinkReply::Recording)
                    .ok_or_else(|| {
                        ApiError::Io(
                            "the recording could not be completed; see the \
                             conference_recording_failed event"
                                .into(),
                        )
                    })
            }
        }
    }

    /// Makes `a` and `b` the legs of bridge `id` with `mode` (replacing their legs if they
    /// already are).
    fn bridge(
        &mut self,
        id: String,
        a: EndpointKey,
        b: EndpointKey,
        mode: BridgeMode,
    ) -> Result<(), ApiError> {
        if a == b {
            return Err(ApiError::InvalidField(
                "a bridge needs two different endpoints".into(),
            ));
        }
        let [Some(sa), Some(sb)] = self.sessions.get_disjoint_mut([&a, &b]) else {
            return Err(gone("an endpoint of the bridge"));
        };
        for s in [&*sa, &*sb] {
            let other_bridge = s.bridge.as_ref().is_some_and(|l| l.bridge != id);
            if s.room.is_some() || other_bridge {
                return Err(ApiError::Conflict(format!(
                    "endpoint {:?} is already bridged or in a conference",
                    s.id
                )));
            }
        }
        let format = |s: &ShardSession| PeerFormat {
            sample_rate: s.session.sample_rate(),
            frame_samples: s.session.frame_samples(),
        };
        let leg_a = BridgeLeg::new(id.clone(), b, mode, &sa.session, format(sb))?;
        let leg_b = BridgeLeg::new(id.clone(), a, mode, &sb.session, format(sa))?;
        for (s, mut leg) in [(sa, leg_a), (sb, leg_b)] {
            leg.stats = s.bridge.take().map(|l| l.stats).unwrap_or_default();
            s.bridge = Some(leg);
            s.capture.samples_mut().fill(0);
            // A bridged leg always sends: its frame clock runs from now if it waited.
            if s.next_frame.is_none() {
                s.next_frame = Some(self.clock.now());
            }
        }
        self.bridges.insert(id.clone(), (a, b));
        info!(bridge = %id, mode = mode.as_str(), "endpoints bridged");
        Ok(())
    }

    /// Ends the bridge of `a` and `b`, if there is one; both go on alone, sending silence.
    pub(super) fn unbridge(&mut self, a: EndpointKey, b: EndpointKey, reason: &'static str) {
        let mut id = None;
        let mut bus = None;
        let mut endpoints = Vec::with_capacity(2);
        for key in [a, b] {
            if let Some(s) = self.sessions.get_mut(&key) {
                endpoints.push(s.id.clone());
                bus = Some(s.bus.clone());
                if let Some(leg) = s.bridge.take() {
                    id = Some(leg.bridge);
                }
                s.capture.samples_mut().fill(0);
            }
        }
        if let Some(id) = id {
            self.bridges.remove(&id);
            info!(bridge = %id, reason, "bridge ended");
            if let Some(bus) = bus {
                bus.publish(ServerEvent::BridgeEnded {
                    bridge: id,
                    endpoints,
                    reason,
                });
            }
        }
    }

    /// Ends conference `room`: its recording is completed and every participant goes on
    /// alone.
    pub(super) fn close_room(
        &mut self,
        now: Instant,
        room: &str,
        reason: &'static str,
    ) -> Result<(), ApiError> {
        let mut r = self
            .rooms
            .remove(room)
            .ok_or_else(|| gone("the conference"))?;
        r.finish_recording(now, reason);
        for key in r.keys() {
            if let Some(endpoint) = self.sessions.get_mut(&key) {
                let _ = r.leave(now, key, endpoint, reason);
            }
        }
        info!(conference = %room, reason, "conference ended");
        Ok(())
    }

    /// Takes endpoint `key` out of its bridge or conference, before it is removed.
    pub(super) fn unlink(&mut self, now: Instant, key: EndpointKey) {
        let Some(s) = self.sessions.get(&key) else {
            return;
        };
        if let Some(peer) = s.bridge.as_ref().map(|l| l.peer) {
            self.unbridge(key, peer, "endpoint_deleted");
        }
        if let Some(room) = self.sessions.get(&key).and_then(|s| s.room.clone())
            && let (Some(r), Some(endpoint)) =
                (self.rooms.get_mut(&room), self.sessions.get_mut(&key))
        {
            let _ = r.leave(now, key, endpoint, "endpoint_deleted");
        }
    }

    /// Runs the bridges: for each, one leg's frames, what it has for the other, the other's
    /// frames, what that one has for the first.
    pub(super) fn tick_bridges(&mut self, now: Instant) {
        for &(a, b) in self.bridges.values() {
            if let [Some(sa), Some(sb)] = self.sessions.get_disjoint_mut([&a, &b]) {
                sa.on_tick(now);
                bridge::exchange(sa, sb);
                sb.on_tick(now);
                bridge::exchange(sb, sa);
            }
        }
    }

    /// After a datagram for bridged endpoint `key`: what it has for its peer goes over now
    /// (relayed payloads, digits).
    pub(super) fn after_bridged_datagram(&mut self, key: EndpointKey) {
        let Some(peer) = self
            .sessions
            .get(&key)
            .and_then(|s| s.bridge.as_ref())
            .map(|l| l.peer)
        else {
            return;
        };
        if key != peer
            && let [Some(from), Some(to)] = self.sessions.get_disjoint_mut([&key, &peer])
        {
            bridge::exchange(from, to);
        }
    }
}
