//! RTP endpoints: port allocation, the per-endpoint receive tasks and the registry of
//! endpoints that the control API reads and changes.
//!
//! An endpoint is a pair of UDP sockets from the configured range (RTP on an even port,
//! RTCP on the next one) plus one core session living in a shard. Each socket's receive
//! task stamps each datagram with the server clock and forwards it to the shard; the shard
//! sends from the same sockets (symmetric RTP). How an endpoint is described and changed by
//! SDP is in [`negotiate`].

use core::time::Duration;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use mediacore::rtcp::NtpTime;
use mediacore::{Codec, MediaSession, RtcpConfig};
use serde::Serialize;
use tokio::net::UdpSocket;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{debug, info};

use crate::clock::MediaClock;
use crate::config::{Config, PortRange};
use crate::error::ApiError;
use crate::events::EventBus;
use crate::media::{Folder, PromptStore, Recordings};
use crate::sdp::{MediaPlan, Preferences};
use crate::server::ServerError;
use crate::shard::{
    EndpointCounters, EndpointKey, EndpointSnapshot, Inbound, MediaOp, MediaReply, ShardHandle,
    ShardSession, ShardStats, ShardStatsSnapshot, Wiring,
};

mod links;
mod negotiate;

pub use links::{
    BridgeDescription, BridgeRequest, ConferenceDescription, ConferenceRecordOp, ConferenceRequest,
    JoinRequest,
};
pub use negotiate::{OfferRequest, SdpKind, SdpUpdate};

/// Receive buffer per endpoint; a datagram that fills it entirely may have been truncated
/// and is dropped (G.711 at 120 ms is 972 bytes with its header).
const RECV_BUFFER: usize = 2048;
/// Pause after a socket receive error before reading again, so errors cannot spin.
const RECV_ERROR_BACKOFF: Duration = Duration::from_millis(1);

/// A validated request for a new endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRequest {
    /// How the media is settled.
    pub media: CreateMedia,
    /// Send back what is received instead of silence.
    pub echo: bool,
}

/// How a new endpoint's media is settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateMedia {
    /// Given in JSON: one codec both ways.
    Direct {
        /// The codec.
        codec: Codec,
        /// Its payload type both ways; `None` takes the static one (96 for Opus and L16).
        payload_type: Option<u8>,
        /// Packet time.
        ptime: Duration,
        /// Where to send RTP; `None` latches to the first valid source.
        remote: Option<SocketAddr>,
        /// RTCP on the RTP port (RFC 5761) instead of port + 1.
        rtcp_mux: bool,
    },
    /// Answer a remote offer.
    Answer {
        /// The remote offer.
        offer: String,
        /// Codecs we accept and the packet time we want.
        preferences: Preferences,
    },
    /// Make an offer; the endpoint waits for the answer.
    Offer(OfferRequest),
}

/// What an endpoint is: settled when it is created, changed by SDP updates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointInfo {
    /// The endpoint's id in the API.
    pub id: String,
    /// SDP encoding name of the codec.
    pub codec: &'static str,
    /// RTP payload type we receive the codec with (and send it with, unless the remote's
    /// SDP numbered it otherwise: `send_payload_type`).
    pub payload_type: u8,
    /// The payload type the remote receives the codec with.
    pub send_payload_type: u8,
    /// RFC 4733 telephone-events' payload type (ours), if negotiated.
    pub telephone_event_payload_type: Option<u8>,
    /// Sample rate of the endpoint's audio (prompts and recordings).
    pub sample_rate: u32,
    /// Packet time in milliseconds.
    pub ptime_ms: u64,
    /// Address the RTP socket is bound to.
    pub local_address: IpAddr,
    /// UDP port of the RTP socket.
    pub local_port: u16,
    /// UDP port of the RTCP socket (RTP port + 1), used unless `rtcp_mux`.
    pub local_rtcp_port: u16,
    /// Configured destination, if any.
    pub remote: Option<SocketAddr>,
    /// Where RTCP goes, if given (SDP `a=rtcp`, the port above the RTP one, or muxed).
    pub remote_rtcp: Option<SocketAddr>,
    /// Whether RTCP shares the RTP port (RFC 5761).
    pub rtcp_mux: bool,
    /// `sendrecv`, `sendonly` (we send only), `recvonly` or `inactive`.
    pub direction: &'static str,
    /// Whether our SDP offer waits for its answer.
    pub awaiting_answer: bool,
    /// Whether the endpoint echoes what it receives (otherwise it sends silence, prompts
    /// and DTMF).
    pub echo: bool,
    /// Media shard that drives the session.
    pub shard: usize,
}

/// An endpoint with its live state, as `GET /v1/endpoints/{id}` answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointDescription {
    /// The fixed part.
    #[serde(flatten)]
    pub info: EndpointInfo,
    /// The live part.
    #[serde(flatten)]
    pub state: EndpointSnapshot,
}

/// An endpoint and the SDP we wrote for it (an answer or an offer), as creation and SDP
/// updates answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointSdp {
    /// The endpoint.
    #[serde(flatten)]
    pub info: EndpointInfo,
    /// Our SDP, or `null` when there is none to send (an answer was taken, or no SDP).
    pub sdp: Option<String>,
}

/// Server-wide measurements, as `GET /v1/stats` answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerStats {
    /// Seconds since the server started.
    pub uptime_s: f64,
    /// Endpoints allocated now.
    pub endpoints: usize,
    /// One entry per media shard.
    pub shards: Vec<ShardStatsSnapshot>,
}

/// Where an endpoint's receive tasks send its datagrams: the shard that drives it now.
#[derive(Debug, Clone)]
struct Route {
    inbound: mpsc::Sender<Inbound>,
    stats: Arc<ShardStats>,
}

impl Route {
    fn to(shard: &ShardHandle) -> Self {
        Route {
            inbound: shard.inbound(),
            stats: shard.stats_handle(),
        }
    }
}

struct Entry {
    key: EndpointKey,
    info: EndpointInfo,
    receivers: [JoinHandle<()>; 2],
    /// Changed when the endpoint moves to another shard.
    route: watch::Sender<Route>,
    /// SDP state; held across an update so that updates of one endpoint take turns.
    negotiation: Arc<tokio::sync::Mutex<negotiate::SdpState>>,
}

/// All endpoints of the server and the shards that drive them.
#[derive(Debug)]
pub struct Endpoints {
    shards: Vec<ShardHandle>,
    clock: MediaClock,
    ports: PortRange,
    bind: IpAddr,
    rtp_timeout: Option<Duration>,
    next_key: AtomicU64,
    seed_base: u64,
    started: tokio::time::Instant,
    table: Mutex<HashMap<String, Entry>>,
    prompts: Arc<PromptStore>,
    recordings: Arc<Recordings>,
    events: EventBus,
    /// Bridges and conferences; held across a link operation so that they take turns.
    links: tokio::sync::Mutex<links::Links>,
}

impl core::fmt::Debug for Entry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Entry")
            .field("key", &self.key)
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl Endpoints {
    /// Opens (creating) the media and recordings folders and starts the configured number
    /// of shards on the current tokio runtime.
    pub fn start(config: &Config, clock: MediaClock) -> Result<Self, ServerError> {
        let folder = |path: &std::path::Path, what: &'static str| {
            Folder::open(path, what).map_err(|source| ServerError::Folder {
                what,
                path: path.to_owned(),
                source,
            })
        };
        let media = folder(&config.media_dir, "media")?;
        let recordings = Arc::new(Recordings::new(folder(
            &config.recordings_dir,
            "recordings",
        )?));
        let cache_bytes = usize::try_from(config.prompt_cache_mb << 20).unwrap_or(usize::MAX);
        let shards = (0..usize::from(config.shards.max(1)))
            .map(|i| ShardHandle::spawn(i, config.tick(), clock))
            .collect();
        Ok(Endpoints {
            shards,
            clock,
            ports: config.rtp_ports,
            bind: config.rtp_bind,
            rtp_timeout: config.rtp_timeout(),
            next_key: AtomicU64::new(1),
            seed_base: RandomState::new().build_hasher().finish(),
            started: tokio::time::Instant::now(),
            table: Mutex::new(HashMap::new()),
            prompts: Arc::new(PromptStore::new(media, cache_bytes)),
            recordings,
            events: EventBus::new(),
            links: tokio::sync::Mutex::new(links::Links::default()),
        })
    }

    /// The shared prompt cache over the media folder.
    pub fn prompts(&self) -> &Arc<PromptStore> {
        &self.prompts
    }

    /// The recordings folder.
    pub fn recordings(&self) -> &Arc<Recordings> {
        &self.recordings
    }

    /// The event channel.
    pub fn events(&self) -> &EventBus {
        &self.events
    }

    /// The sample rate of endpoint `id`'s audio (what prompts are decoded to).
    pub fn sample_rate(&self, id: &str) -> Result<u32, ApiError> {
        self.table()
            .get(id)
            .map(|e| e.info.sample_rate)
            .ok_or_else(|| ApiError::EndpointNotFound(id.to_owned()))
    }

    /// Applies a media operation to endpoint `id`'s session in its shard.
    pub async fn media(&self, id: &str, op: MediaOp) -> Result<MediaReply, ApiError> {
        let (key, shard) = self
            .table()
            .get(id)
            .map(|e| (e.key, e.info.shard))
            .ok_or_else(|| ApiError::EndpointNotFound(id.to_owned()))?;
        self.shards[shard]
            .media(key, op)
            .await?
            .ok_or_else(|| ApiError::EndpointNotFound(id.to_owned()))?
    }

    /// The address RTP sockets bind to.
    pub fn rtp_bind(&self) -> IpAddr {
        self.bind
    }

    /// The configured RTP port range.
    pub fn rtp_ports(&self) -> PortRange {
        self.ports
    }

    fn table(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock cannot leave the map half-changed: every critical
        // section is a single insert, remove or read.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Allocates a port pair, settles the media (from JSON, a remote offer or our offer),
    /// builds the session, hands it to the least-loaded shard and starts the sockets'
    /// receive tasks. Returns the endpoint and the SDP we wrote, if any.
    pub async fn create(&self, request: EndpointRequest) -> Result<EndpointSdp, ApiError> {
        let key = self.next_key.fetch_add(1, Ordering::Relaxed);
        let id = format!("ep-{key}");
        let (socket, rtcp_socket) = self.bind_pair()?;
        let (socket, rtcp_socket) = (Arc::new(socket), Arc::new(rtcp_socket));
        let local = socket
            .local_addr()
            .map_err(|e| ApiError::Io(format!("cannot read the RTP socket's address: {e}")))?;
        let settled = negotiate::settle_new(&request.media, local, self.session_id(key))?;
        let session = self.new_session(&settled.state.plan, key, 0)?;
        let info = settled.state.info(id.clone(), local, request.echo, 0);
        let counters = Arc::new(EndpointCounters::default());
        let driven = ShardSession::new(
            session,
            Wiring {
                id: id.clone(),
                socket: socket.clone(),
                rtcp_socket: rtcp_socket.clone(),
                transport: settled.state.transport,
                rewrite: settled.state.plan.send_rewrite(),
                echo: request.echo,
                rtp_timeout: self.rtp_timeout,
                events: self.events.clone(),
                recordings: self.recordings.clone(),
                counters: counters.clone(),
            },
        )?;

        let shard = self.least_loaded_shard();
        let info = EndpointInfo {
            shard: shard.index(),
            ..info
        };
        shard.assign();
        if let Err(e) = shard.add(key, driven).await {
            shard.unassign();
            return Err(e);
        }
        let (route, _) = watch::channel(Route::to(shard));
        let receive = |socket: Arc<UdpSocket>, rtcp: bool| {
            tokio::spawn(receive_loop(
                Receiver {
                    id: id.clone(),
                    key,
                    rtcp,
                },
                socket,
                self.clock,
                route.subscribe(),
                counters.clone(),
            ))
        };
        let receivers = [receive(socket, false), receive(rtcp_socket, true)];
        self.table().insert(
            id.clone(),
            Entry {
                key,
                info: info.clone(),
                receivers,
                route,
                negotiation: Arc::new(tokio::sync::Mutex::new(settled.state)),
            },
        );
        info!(
            endpoint = %id,
            codec = info.codec,
            local = %local,
            remote = ?info.remote,
            direction = info.direction,
            rtcp_mux = info.rtcp_mux,
            shard = info.shard,
            "endpoint created"
        );
        Ok(EndpointSdp {
            info,
            sdp: settled.sdp,
        })
    }

    /// Applies an SDP exchange to endpoint `id`: a remote offer (we answer), the remote's
    /// answer to our offer, or a new offer of ours. Updates of one endpoint take turns.
    pub async fn update_sdp(&self, id: &str, update: SdpUpdate) -> Result<EndpointSdp, ApiError> {
        let negotiation = self
            .table()
            .get(id)
            .map(|e| e.negotiation.clone())
            .ok_or_else(|| ApiError::EndpointNotFound(id.to_owned()))?;
        let mut state = negotiation.lock().await;
        let outcome = negotiate::settle_update(&state, update, self.bind)?;
        let rebuilds = outcome.media_changed && !outcome.state.plan.same_session(&state.plan);
        self.check_sdp_change(id, rebuilds).await?;
        // Read after the wait: the endpoint may have moved to another shard meanwhile.
        let (key, shard) = self.key_and_shard(id)?;
        if outcome.media_changed {
            let next = &outcome.state;
            let session = if next.plan.same_session(&state.plan) {
                None
            } else {
                Some(self.new_session(&next.plan, key, next.local.version)?)
            };
            let update = crate::shard::SessionUpdate {
                session,
                transport: next.transport,
                rewrite: next.plan.send_rewrite(),
            };
            self.shards[shard]
                .update(key, update)
                .await?
                .ok_or_else(|| ApiError::EndpointNotFound(id.to_owned()))?;
        }
        *state = outcome.state;
        let updated = {
            let mut table = self.table();
            let entry = table
                .get_mut(id)
                .ok_or_else(|| ApiError::EndpointNotFound(id.to_owned()))?;
            let local = SocketAddr::new(entry.info.local_address, entry.info.local_port);
            entry.info = state.info(id.to_owned(), local, entry.info.echo, entry.info.shard);
            info!(endpoint = %id, codec = entry.info.codec, direction = entry.info.direction, remote = ?entry.info.remote, awaiting_answer = entry.info.awaiting_answer, "endpoint SDP updated");
            EndpointSdp {
                info: entry.info.clone(),
                sdp: outcome.sdp,
            }
        };
        drop(state);
        if rebuilds {
            self.relink_after_sdp(id).await?;
        }
        Ok(updated)
    }

    /// A session for `plan`, seeded per endpoint and per SDP version (a rebuilt session
    /// gets a new SSRC).
    fn new_session(
        &self,
        plan: &MediaPlan,
        key: EndpointKey,
        version: u64,
    ) -> Result<MediaSession, ApiError> {
        let seed = self.seed_base
            ^ key.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ version.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut config = plan.session_config(seed);
        config.rtcp = Some(RtcpConfig {
            ntp_origin: self.ntp_origin(),
            ..RtcpConfig::default()
        });
        Ok(MediaSession::new(config)?)
    }

    fn ntp_origin(&self) -> NtpTime {
        self.clock.ntp_origin()
    }

    /// The `o=` session id of endpoint `key`'s SDP.
    fn session_id(&self, key: EndpointKey) -> u64 {
        (self.seed_base ^ key) & 0x7FFF_FFFF_FFFF
    }

    /// Releases an endpoint and returns its final state.
    pub async fn remove(&self, id: &str) -> Result<EndpointDescription, ApiError> {
        // Its bridge or conference forgets it; the shard unlinks it before closing it.
        let mut links = self.lock_links().await;
        let entry = self
            .table()
            .remove(id)
            .ok_or_else(|| ApiError::EndpointNotFound(id.to_owned()))?;
        Self::forget_link(&mut links, id);
        drop(links);
        for receiver in entry.receivers {
            receiver.abort();
            let _ = receiver.await;
        }
        let shard = &self.shards[entry.info.shard];
        shard.unassign();
        let state = shard
            .remove(entry.key)
            .await?
            .ok_or_else(|| ApiError::EndpointNotFound(id.to_owned()))?;
        info!(endpoint = %id, stats = ?state.stats, "endpoint released");
        Ok(EndpointDescription {
            info: entry.info,
            state,
        })
    }

    /// One endpoint with its live state.
    pub async fn describe(&self, id: &str) -> Result<EndpointDescription, ApiError> {
        let (key, info) = self
            .table()
            .get(id)
            .map(|e| (e.key, e.info.clone()))
            .ok_or_else(|| ApiError::EndpointNotFound(id.to_owned()))?;
        let state = self.shards[info.shard]
            .snapshot(key)
            .await?
            .ok_or_else(|| ApiError::EndpointNotFound(id.to_owned()))?;
        Ok(EndpointDescription { info, state })
    }

    /// Every endpoint, oldest first.
    pub async fn list(&self) -> Result<Vec<EndpointDescription>, ApiError> {
        let mut ids: Vec<(EndpointKey, String)> = self
            .table()
            .iter()
            .map(|(id, e)| (e.key, id.clone()))
            .collect();
        ids.sort_unstable();
        let mut out = Vec::with_capacity(ids.len());
        for (_, id) in ids {
            match self.describe(&id).await {
                Ok(d) => out.push(d),
                // Released while the list was being built.
                Err(ApiError::EndpointNotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Server-wide measurements.
    pub fn stats(&self) -> ServerStats {
        ServerStats {
            uptime_s: self.started.elapsed().as_secs_f64(),
            endpoints: self.table().len(),
            shards: self.shards.iter().map(ShardHandle::stats).collect(),
        }
    }

    /// Releases every endpoint, completing its recording, stops the shards and ends the
    /// event streams. Calling it again does nothing more.
    pub async fn shutdown(&self) {
        let entries: Vec<Entry> = self.table().drain().map(|(_, e)| e).collect();
        for entry in &entries {
            for receiver in &entry.receivers {
                receiver.abort();
            }
        }
        for entry in entries {
            for receiver in entry.receivers {
                let _ = receiver.await;
            }
        }
        for shard in &self.shards {
            shard.shutdown().await;
        }
        self.events.close();
    }

    fn least_loaded_shard(&self) -> &ShardHandle {
        // `Endpoints::start` creates at least one shard.
        self.shards
            .iter()
            .min_by_key(|s| s.assigned())
            .expect("at least one shard")
    }

    /// Binds the first free pair of the range: RTP on an even port, RTCP on the next one
    /// (RFC 3550 §11). A pair with either port taken is skipped.
    fn bind_pair(&self) -> Result<(UdpSocket, UdpSocket), ApiError> {
        for port in self.ports.rtp_rtcp_pairs() {
            let Some(rtp) = self.bind_port(port)? else {
                continue;
            };
            let Some(rtcp) = self.bind_port(port + 1)? else {
                continue;
            };
            return Ok((rtp, rtcp));
        }
        Err(ApiError::PortsExhausted {
            range: self.ports.to_string(),
            address: self.bind.to_string(),
        })
    }

    /// Binds `port`; `None` when it is in use.
    fn bind_port(&self, port: u16) -> Result<Option<UdpSocket>, ApiError> {
        match std::net::UdpSocket::bind((self.bind, port)) {
            Ok(socket) => {
                let io = |e: std::io::Error| {
                    ApiError::Io(format!(
                        "cannot set up UDP socket {}:{port}: {e}",
                        self.bind
                    ))
                };
                socket.set_nonblocking(true).map_err(io)?;
                UdpSocket::from_std(socket).map(Some).map_err(io)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => Ok(None),
            Err(e) => Err(ApiError::Io(format!(
                "cannot bind a UDP socket on {}:{port}: {e}",
                self.bind
            ))),
        }
    }
}

/// Which socket a receive task reads.
struct Receiver {
    id: String,
    key: EndpointKey,
    /// The RTCP socket (port + 1) rather than the RTP one.
    rtcp: bool,
}

/// Reads datagrams from one endpoint's socket and forwards them to its shard.
///
/// When the shard's queue is full the datagram is dropped and counted: a media worker that
/// is behind gains nothing from older packets, and the socket must keep draining.
async fn receive_loop(
    Receiver { id, key, rtcp }: Receiver,
    socket: Arc<UdpSocket>,
    clock: MediaClock,
    route: watch::Receiver<Route>,
    counters: Arc<EndpointCounters>,
) {
    loop {
        // Wait for a datagram without holding a buffer across the wait: the buffer lives on
        // the stack only while the socket is drained, not in each endpoint's task (two tasks
        // per endpoint, thousands of endpoints).
        if let Err(e) = socket.readable().await {
            debug!(endpoint = %id, error = %e, "RTP socket readiness error");
            tokio::time::sleep(RECV_ERROR_BACKOFF).await;
            continue;
        }
        let mut buf = [0u8; RECV_BUFFER];
        loop {
            let (len, from) = match socket.try_recv_from(&mut buf) {
                Ok(received) => received,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    debug!(endpoint = %id, error = %e, "RTP socket receive error");
                    break;
                }
            };
            let at = clock.now();
            counters.datagrams_received.fetch_add(1, Ordering::Relaxed);
            if len == buf.len() {
                counters.datagrams_oversized.fetch_add(1, Ordering::Relaxed);
                debug!(endpoint = %id, %from, "dropped a datagram larger than {RECV_BUFFER} bytes");
                continue;
            }
            let datagram = Inbound {
                key,
                at,
                from,
                data: buf[..len].to_vec(),
                rtcp,
            };
            // The shard that drives the endpoint now (it changes when the endpoint moves).
            let route = route.borrow();
            match route.inbound.try_send(datagram) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => {
                    counters
                        .datagrams_inbound_dropped
                        .fetch_add(1, Ordering::Relaxed);
                    route.stats.record_inbound_dropped();
                }
                Err(TrySendError::Closed(_)) => return,
            }
        }
    }
}
