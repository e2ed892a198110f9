//! Bridges and conferences over the endpoints: which endpoint is linked to what, moving an
//! endpoint to the shard of the ones it is linked with, and the operations the API routes
//! call.
//!
//! An endpoint is in at most one bridge or conference. Every participant of a link is
//! driven by one shard, so that one tick moves audio between them without locks: bridging
//! moves the second endpoint to the first one's shard, joining moves the endpoint to the
//! conference's shard ([`Endpoints::move_endpoint`]). Link operations take turns (one
//! lock held across each).

use std::collections::HashMap;

use mediacore::mixer::ConferenceConfig;
use mediacore::sdp::{CodecCapability, EventSet, PayloadMap, passthrough};
use serde::Serialize;
use tracing::info;

use super::{Endpoints, Route};
use crate::error::ApiError;
use crate::sdp::MediaPlan;
use crate::shard::{
    BridgeLegSnapshot, BridgeMode, ConferenceSnapshot, EndpointKey, LinkOp, LinkReply, MediaOp,
    MediaReply, RecordingStart, Role, SeatChange,
};

/// What an endpoint is linked to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Link {
    Bridge(String),
    Conference(String),
}

#[derive(Debug, Clone)]
struct BridgeEntry {
    endpoints: [String; 2],
    shard: usize,
    mode: BridgeMode,
    /// What the request asked for (`None`: pass-through when possible).
    requested: Option<BridgeMode>,
}

#[derive(Debug, Clone)]
struct ConferenceEntry {
    shard: usize,
    members: Vec<String>,
}

/// The registry of bridges and conferences.
#[derive(Debug, Default)]
pub(super) struct Links {
    next: u64,
    bridges: HashMap<String, BridgeEntry>,
    conferences: HashMap<String, ConferenceEntry>,
    member_of: HashMap<String, Link>,
}

impl Links {
    fn next_id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}-{}", self.next)
    }

    fn check_free(&self, endpoint: &str) -> Result<(), ApiError> {
        match self.member_of.get(endpoint) {
            None => Ok(()),
            Some(Link::Bridge(b)) => Err(ApiError::Conflict(format!(
                "endpoint {endpoint:?} is already in bridge {b:?}; delete that bridge first"
            ))),
            Some(Link::Conference(c)) => Err(ApiError::Conflict(format!(
                "endpoint {endpoint:?} is already in conference {c:?}; take it out first"
            ))),
        }
    }
}

/// A validated `POST /v1/bridges`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeRequest {
    /// The two endpoints.
    pub endpoints: [String; 2],
    /// `None`: pass-through when the legs allow it, else transcoding.
    pub mode: Option<BridgeMode>,
}

/// A bridge, as the bridge routes answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BridgeDescription {
    /// The bridge's id.
    pub id: String,
    /// Its two endpoints; recordings put the first on the left channel.
    pub endpoints: [String; 2],
    /// `passthrough` or `transcode`.
    pub mode: BridgeMode,
    /// The media shard that drives both.
    pub shard: usize,
    /// Each leg's counters, in the order of `endpoints`.
    pub legs: Vec<BridgeLegSnapshot>,
}

/// A validated `POST /v1/conferences`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConferenceRequest {
    /// How the conference mixes.
    pub config: ConferenceConfig,
}

/// A validated `POST /v1/conferences/{id}/participants`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinRequest {
    /// The endpoint.
    pub endpoint: String,
    /// Its role.
    pub role: Role,
    /// Start muted.
    pub muted: bool,
    /// Start deaf.
    pub deaf: bool,
}

/// A conference, as the conference routes answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConferenceDescription {
    /// The conference's id.
    pub id: String,
    /// The media shard that drives it and its participants.
    pub shard: usize,
    /// Its live state.
    #[serde(flatten)]
    pub state: ConferenceSnapshot,
}

fn no_bridge(id: &str) -> ApiError {
    ApiError::NotFound(format!("no bridge with id {id:?}"))
}

fn no_conference(id: &str) -> ApiError {
    ApiError::NotFound(format!("no conference with id {id:?}"))
}

/// The payload types a leg receives and sends, as core's pass-through check reads them.
fn payload_map(plan: &MediaPlan) -> PayloadMap {
    let mut map = PayloadMap::new();
    let audio = CodecCapability::for_codec(plan.codec);
    map.insert_recv(plan.payload_type, audio.clone());
    map.insert_send(audio, plan.send_payload_type);
    let clock = plan.codec.rtp_clock_rate(plan.sample_rate);
    if let (Some((ours, theirs)), Ok(te)) = (
        plan.telephone_event,
        CodecCapability::telephone_event(clock, EventSet::DTMF),
    ) {
        map.insert_recv(ours, te.clone());
        map.insert_send(te, theirs);
    }
    map
}

/// Whether legs `a` and `b` can relay each other's payloads: core's pass-through check on
/// their payload types (same formats whatever the numbers) and the same rate and packet time,
/// since payloads are sent on the receiving leg's frame clock.
fn can_pass(a: &MediaPlan, b: &MediaPlan) -> bool {
    a.codec == b.codec
        && a.sample_rate == b.sample_rate
        && a.ptime == b.ptime
        && passthrough(&payload_map(a), &payload_map(b)).is_some()
}

impl Endpoints {
    /// The session keys of a bridge's two endpoints.
    fn leg_keys(&self, entry: &BridgeEntry) -> Result<[EndpointKey; 2], ApiError> {
        let [a, b] = &entry.endpoints;
        Ok([self.key_and_shard(a)?.0, self.key_and_shard(b)?.0])
    }

    pub(super) fn key_and_shard(&self, id: &str) -> Result<(EndpointKey, usize), ApiError> {
        self.table()
            .get(id)
            .map(|e| (e.key, e.info.shard))
            .ok_or_else(|| ApiError::EndpointNotFound(id.to_owned()))
    }

    async fn plan(&self, id: &str) -> Result<MediaPlan, ApiError> {
        let negotiation = self
            .table()
            .get(id)
            .map(|e| e.negotiation.clone())
            .ok_or_else(|| ApiError::EndpointNotFound(id.to_owned()))?;
        let state = negotiation.lock().await;
        Ok(state.plan.clone())
    }

    /// Moves endpoint `id` (not linked) to shard `to`: the shard it leaves hands its session
    /// over, with what was queued for it, and forwards what still comes until the receive
    /// tasks send to the new shard.
    pub(super) async fn move_endpoint(&self, id: &str, to: usize) -> Result<(), ApiError> {
        let (key, from) = self.key_and_shard(id)?;
        if from == to {
            return Ok(());
        }
        let moved = self.shards[from].move_to(key, &self.shards[to]).await?;
        if !moved {
            return Err(ApiError::Conflict(format!(
                "endpoint {id:?} could not be moved to media shard {to}; try again"
            )));
        }
        self.shards[from].unassign();
        self.shards[to].assign();
        let mut table = self.table();
        if let Some(entry) = table.get_mut(id) {
            entry.info.shard = to;
            entry.route.send_replace(Route::to(&self.shards[to]));
        }
        info!(endpoint = %id, from, to, "endpoint moved to another media shard");
        Ok(())
    }

    /// Bridges two endpoints.
    pub async fn create_bridge(
        &self,
        request: BridgeRequest,
    ) -> Result<BridgeDescription, ApiError> {
        let [a, b] = &request.endpoints;
        if a == b {
            return Err(ApiError::InvalidField(format!(
                "endpoints names {a:?} twice; a bridge needs two different endpoints"
            )));
        }
        let mut links = self.links.lock().await;
        let (_, shard) = self.key_and_shard(a)?;
        self.key_and_shard(b)?;
        links.check_free(a)?;
        links.check_free(b)?;
        let mode = self.bridge_mode(a, b, request.mode).await?;
        self.move_endpoint(b, shard).await?;
        let id = links.next_id("br");
        self.link_bridge(&id, a, b, shard, mode).await?;
        links.bridges.insert(
            id.clone(),
            BridgeEntry {
                endpoints: request.endpoints.clone(),
                shard,
                mode,
                requested: request.mode,
            },
        );
        for e in &request.endpoints {
            links.member_of.insert(e.clone(), Link::Bridge(id.clone()));
        }
        info!(bridge = %id, a = %a, b = %b, mode = mode.as_str(), "bridge created");
        drop(links);
        self.describe_bridge(&id).await
    }

    async fn bridge_mode(
        &self,
        a: &str,
        b: &str,
        requested: Option<BridgeMode>,
    ) -> Result<BridgeMode, ApiError> {
        let possible = can_pass(&self.plan(a).await?, &self.plan(b).await?);
        match requested {
            Some(BridgeMode::Passthrough) if !possible => Err(ApiError::InvalidField(format!(
                "mode passthrough needs both endpoints on the same codec, rate and packet \
                 time; {a:?} and {b:?} differ, use transcode"
            ))),
            Some(mode) => Ok(mode),
            None if possible => Ok(BridgeMode::Passthrough),
            None => Ok(BridgeMode::Transcode),
        }
    }

    async fn link_bridge(
        &self,
        id: &str,
        a: &str,
        b: &str,
        shard: usize,
        mode: BridgeMode,
    ) -> Result<(), ApiError> {
        let (ka, _) = self.key_and_shard(a)?;
        let (kb, _) = self.key_and_shard(b)?;
        self.shards[shard]
            .link(LinkOp::Bridge {
                id: id.to_owned(),
                a: ka,
                b: kb,
                mode,
            })
            .await?;
        Ok(())
    }

    /// After an SDP update of endpoint `id`: a bridge it is in is set up again for the
    /// media now negotiated (rates, pass-through or not). A conference participant's
    /// codec cannot change (`check_sdp_change` refused it).
    pub(super) async fn relink_after_sdp(&self, id: &str) -> Result<(), ApiError> {
        let mut links = self.links.lock().await;
        let Some(Link::Bridge(bridge)) = links.member_of.get(id).cloned() else {
            return Ok(());
        };
        let Some(entry) = links.bridges.get(&bridge).cloned() else {
            return Ok(());
        };
        let [a, b] = &entry.endpoints;
        let requested = entry.requested.or(match entry.mode {
            // A recording made it transcode; it stays so.
            BridgeMode::Transcode => Some(BridgeMode::Transcode),
            BridgeMode::Passthrough => None,
        });
        let mode = match self.bridge_mode(a, b, requested).await {
            Ok(mode) => mode,
            Err(_) => BridgeMode::Transcode,
        };
        self.link_bridge(&bridge, a, b, entry.shard, mode).await?;
        if let Some(e) = links.bridges.get_mut(&bridge) {
            e.mode = mode;
        }
        Ok(())
    }

    /// Whether an SDP update of endpoint `id` may go ahead: a conference participant
    /// keeps its codec, rate and packet time (its session is the conference's).
    pub(super) async fn check_sdp_change(&self, id: &str, rebuilds: bool) -> Result<(), ApiError> {
        if !rebuilds {
            return Ok(());
        }
        match self.links.lock().await.member_of.get(id) {
            Some(Link::Conference(c)) => Err(ApiError::Conflict(format!(
                "endpoint {id:?} is in conference {c:?}; take it out before changing its \
                 codec, rate or packet time"
            ))),
            _ => Ok(()),
        }
    }

    /// One bridge.
    pub async fn describe_bridge(&self, id: &str) -> Result<BridgeDescription, ApiError> {
        let entry = self
            .links
            .lock()
            .await
            .bridges
            .get(id)
            .cloned()
            .ok_or_else(|| no_bridge(id))?;
        let [ka, kb] = self.leg_keys(&entry)?;
        let reply = self.shards[entry.shard]
            .link(LinkOp::BridgeStats { a: ka, b: kb })
            .await?;
        let LinkReply::Bridge(mode, [sa, sb]) = reply else {
            return Err(ApiError::Io("the shard answered out of turn".into()));
        };
        Ok(BridgeDescription {
            id: id.to_owned(),
            endpoints: entry.endpoints.clone(),
            mode,
            shard: entry.shard,
            legs: vec![
                BridgeLegSnapshot {
                    endpoint: entry.endpoints[0].clone(),
                    stats: sa,
                },
                BridgeLegSnapshot {
                    endpoint: entry.endpoints[1].clone(),
                    stats: sb,
                },
            ],
        })
    }

    /// Every bridge, oldest first.
    pub async fn list_bridges(&self) -> Result<Vec<BridgeDescription>, ApiError> {
        let mut ids: Vec<String> = self.links.lock().await.bridges.keys().cloned().collect();
        ids.sort_by_key(|id| id_number(id));
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            match self.describe_bridge(&id).await {
                Ok(d) => out.push(d),
                Err(ApiError::NotFound(_) | ApiError::EndpointNotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Ends a bridge; both endpoints go on alone.
    pub async fn delete_bridge(&self, id: &str) -> Result<BridgeDescription, ApiError> {
        let description = self.describe_bridge(id).await?;
        let mut links = self.links.lock().await;
        let entry = links.bridges.remove(id).ok_or_else(|| no_bridge(id))?;
        for e in &entry.endpoints {
            links.member_of.remove(e);
        }
        let [a, b] = &entry.endpoints;
        if let (Ok((ka, _)), Ok((kb, _))) = (self.key_and_shard(a), self.key_and_shard(b)) {
            self.shards[entry.shard]
                .link(LinkOp::Unbridge {
                    a: ka,
                    b: kb,
                    reason: "deleted",
                })
                .await?;
        }
        Ok(description)
    }

    /// A recording operation on a bridge: the first endpoint's session records its remote
    /// on the left channel and what it is sent (the second endpoint's audio) on the right.
    pub async fn bridge_record(&self, id: &str, op: MediaOp) -> Result<MediaReply, ApiError> {
        let mut links = self.links.lock().await;
        let entry = links
            .bridges
            .get(id)
            .cloned()
            .ok_or_else(|| no_bridge(id))?;
        let [ka, kb] = self.leg_keys(&entry)?;
        let starts = matches!(op, MediaOp::RecordStart(_));
        let reply = self.shards[entry.shard]
            .link(LinkOp::BridgeRecord { a: ka, b: kb, op })
            .await?;
        if starts && let Some(e) = links.bridges.get_mut(id) {
            e.mode = BridgeMode::Transcode;
        }
        match reply {
            LinkReply::Media(reply) => Ok(reply),
            _ => Err(ApiError::Io("the shard answered out of turn".into())),
        }
    }

    /// The sample rate of a bridge's recording: its first endpoint's.
    pub async fn bridge_sample_rate(&self, id: &str) -> Result<(String, u32), ApiError> {
        let a = self
            .links
            .lock()
            .await
            .bridges
            .get(id)
            .map(|e| e.endpoints[0].clone())
            .ok_or_else(|| no_bridge(id))?;
        let rate = self.sample_rate(&a)?;
        Ok((a, rate))
    }

    /// Creates an empty conference in the least loaded shard.
    pub async fn create_conference(
        &self,
        request: ConferenceRequest,
    ) -> Result<ConferenceDescription, ApiError> {
        request.config.validate()?;
        let mut links = self.links.lock().await;
        let id = links.next_id("conf");
        let shard = self.least_loaded_shard().index();
        self.shards[shard]
            .link(LinkOp::RoomCreate {
                id: id.clone(),
                config: request.config,
                bus: self.events.clone(),
                recordings: self.recordings.clone(),
            })
            .await?;
        links.conferences.insert(
            id.clone(),
            ConferenceEntry {
                shard,
                members: Vec::new(),
            },
        );
        info!(conference = %id, shard, sample_rate = request.config.sample_rate, "conference created");
        drop(links);
        self.describe_conference(&id).await
    }

    fn conference_entry(links: &Links, id: &str) -> Result<ConferenceEntry, ApiError> {
        links
            .conferences
            .get(id)
            .cloned()
            .ok_or_else(|| no_conference(id))
    }

    /// One conference with its participants.
    pub async fn describe_conference(&self, id: &str) -> Result<ConferenceDescription, ApiError> {
        let entry = Self::conference_entry(&*self.links.lock().await, id)?;
        match self.shards[entry.shard]
            .link(LinkOp::RoomSnapshot {
                room: id.to_owned(),
            })
            .await?
        {
            LinkReply::Room(state) => Ok(ConferenceDescription {
                id: id.to_owned(),
                shard: entry.shard,
                state,
            }),
            _ => Err(ApiError::Io("the shard answered out of turn".into())),
        }
    }

    /// Every conference, oldest first.
    pub async fn list_conferences(&self) -> Result<Vec<ConferenceDescription>, ApiError> {
        let mut ids: Vec<String> = self
            .links
            .lock()
            .await
            .conferences
            .keys()
            .cloned()
            .collect();
        ids.sort_by_key(|id| id_number(id));
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            match self.describe_conference(&id).await {
                Ok(d) => out.push(d),
                Err(ApiError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Moves an endpoint's session into a conference.
    pub async fn join_conference(
        &self,
        id: &str,
        request: JoinRequest,
    ) -> Result<ConferenceDescription, ApiError> {
        let mut links = self.links.lock().await;
        let entry = Self::conference_entry(&links, id)?;
        let endpoint = &request.endpoint;
        self.key_and_shard(endpoint)?;
        links.check_free(endpoint)?;
        self.move_endpoint(endpoint, entry.shard).await?;
        let (key, _) = self.key_and_shard(endpoint)?;
        self.shards[entry.shard]
            .link(LinkOp::RoomJoin {
                room: id.to_owned(),
                key,
                role: request.role,
                muted: request.muted,
                deaf: request.deaf,
            })
            .await?;
        links
            .member_of
            .insert(endpoint.clone(), Link::Conference(id.to_owned()));
        if let Some(c) = links.conferences.get_mut(id) {
            c.members.push(endpoint.clone());
        }
        drop(links);
        self.describe_conference(id).await
    }

    fn member_key(links: &Links, id: &str, endpoint: &str) -> Result<(), ApiError> {
        match links.member_of.get(endpoint) {
            Some(Link::Conference(c)) if c == id => Ok(()),
            _ => Err(ApiError::NotFound(format!(
                "endpoint {endpoint:?} is not a participant of conference {id:?}"
            ))),
        }
    }

    /// Changes a participant's role, mute or deafness.
    pub async fn change_participant(
        &self,
        id: &str,
        endpoint: &str,
        change: SeatChange,
    ) -> Result<ConferenceDescription, ApiError> {
        let links = self.links.lock().await;
        let entry = Self::conference_entry(&links, id)?;
        Self::member_key(&links, id, endpoint)?;
        let (key, _) = self.key_and_shard(endpoint)?;
        self.shards[entry.shard]
            .link(LinkOp::RoomChange {
                room: id.to_owned(),
                key,
                change,
            })
            .await?;
        drop(links);
        self.describe_conference(id).await
    }

    /// Takes an endpoint out of a conference; it goes on alone.
    pub async fn leave_conference(
        &self,
        id: &str,
        endpoint: &str,
    ) -> Result<ConferenceDescription, ApiError> {
        let mut links = self.links.lock().await;
        let entry = Self::conference_entry(&links, id)?;
        Self::member_key(&links, id, endpoint)?;
        let (key, _) = self.key_and_shard(endpoint)?;
        self.shards[entry.shard]
            .link(LinkOp::RoomLeave {
                room: id.to_owned(),
                key,
                reason: "removed",
            })
            .await?;
        links.member_of.remove(endpoint);
        if let Some(c) = links.conferences.get_mut(id) {
            c.members.retain(|m| m != endpoint);
        }
        drop(links);
        self.describe_conference(id).await
    }

    /// Ends a conference: its recording is completed and its participants go on alone.
    pub async fn delete_conference(&self, id: &str) -> Result<ConferenceDescription, ApiError> {
        let description = self.describe_conference(id).await?;
        let mut links = self.links.lock().await;
        let entry = links
            .conferences
            .remove(id)
            .ok_or_else(|| no_conference(id))?;
        for m in &entry.members {
            links.member_of.remove(m);
        }
        self.shards[entry.shard]
            .link(LinkOp::RoomClose {
                room: id.to_owned(),
            })
            .await?;
        Ok(description)
    }

    /// A recording operation on a conference's mix.
    pub async fn conference_record(
        &self,
        id: &str,
        op: ConferenceRecordOp,
    ) -> Result<LinkReply, ApiError> {
        let links = self.links.lock().await;
        let entry = Self::conference_entry(&links, id)?;
        let room = id.to_owned();
        let op = match op {
            ConferenceRecordOp::Start(start) => LinkOp::RoomRecordStart { room, start },
            ConferenceRecordOp::Pause(pause) => LinkOp::RoomRecordPause { room, pause },
            ConferenceRecordOp::Stop => LinkOp::RoomRecordStop { room },
        };
        self.shards[entry.shard].link(op).await
    }

    /// The mix rate of a conference.
    pub async fn conference_sample_rate(&self, id: &str) -> Result<u32, ApiError> {
        Ok(self.describe_conference(id).await?.state.sample_rate)
    }

    /// Forgets endpoint `id`'s link before it is removed (its shard unlinks it).
    pub(super) fn forget_link(links: &mut Links, id: &str) {
        match links.member_of.remove(id) {
            Some(Link::Bridge(b)) => {
                if let Some(entry) = links.bridges.remove(&b) {
                    for e in &entry.endpoints {
                        links.member_of.remove(e);
                    }
                }
            }
            Some(Link::Conference(c)) => {
                if let Some(entry) = links.conferences.get_mut(&c) {
                    entry.members.retain(|m| m != id);
                }
            }
            None => {}
        }
    }

    /// The registry, for removal.
    pub(super) async fn lock_links(&self) -> tokio::sync::MutexGuard<'_, Links> {
        self.links.lock().await
    }
}

/// A recording operation on a conference.
pub enum ConferenceRecordOp {
    /// Start.
    Start(Box<RecordingStart>),
    /// Pause (`true`) or resume.
    Pause(bool),
    /// Complete.
    Stop,
}

impl core::fmt::Debug for ConferenceRecordOp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ConferenceRecordOp::Start(_) => "Start",
            ConferenceRecordOp::Pause(_) => "Pause",
            ConferenceRecordOp::Stop => "Stop",
        })
    }
}

/// `br-12` sorts after `br-9`.
fn id_number(id: &str) -> u64 {
    id.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::time::Duration;
    use mediacore::Codec;

    #[test]
    fn pass_through_needs_the_same_codec_rate_and_packet_time_whatever_the_numbers() {
        let ms20 = Duration::from_millis(20);
        let a = MediaPlan::direct(Codec::Pcmu, None, ms20);
        let b = MediaPlan {
            payload_type: 0,
            send_payload_type: 0,
            telephone_event: Some((96, 100)),
            ..MediaPlan::direct(Codec::Pcmu, None, ms20)
        };
        assert!(can_pass(&a, &b));
        let opus = MediaPlan::direct(Codec::Opus, None, ms20);
        assert!(!can_pass(&a, &opus));
        let slow = MediaPlan::direct(Codec::Pcmu, None, Duration::from_millis(40));
        assert!(!can_pass(&a, &slow));
    }

    #[test]
    fn ids_sort_by_number() {
        let mut ids = vec!["br-10", "br-9", "br-1"];
        ids.sort_by_key(|id| id_number(id));
        assert_eq!(ids, ["br-1", "br-9", "br-10"]);
    }
}
