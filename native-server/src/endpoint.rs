//! RTP endpoints: port allocation, the per-endpoint receive task and the registry of
//! endpoints that the control API reads and changes.
//!
//! An endpoint is one UDP socket from the configured range plus one core session living in
//! a shard. The socket's receive task stamps each datagram with the server clock and
//! forwards it to the shard; the shard sends from the same socket (symmetric RTP).

use core::time::Duration;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use mediacore::{Codec, MediaSession, SessionConfig};
use serde::Serialize;
use tokio::net::UdpSocket;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::task::JoinHandle;
use tracing::{debug, info};

use crate::clock::MediaClock;
use crate::config::{Config, PortRange};
use crate::error::ApiError;
use crate::events::EventBus;
use crate::media::{Folder, PromptStore, Recordings};
use crate::server::ServerError;
use crate::shard::{
    EndpointCounters, EndpointKey, EndpointSnapshot, Inbound, MediaOp, MediaReply, ShardHandle,
    ShardSession, ShardStats, ShardStatsSnapshot,
};

/// Receive buffer per endpoint; a datagram that fills it entirely may have been truncated
/// and is dropped (G.711 at 120 ms is 972 bytes with its header).
const RECV_BUFFER: usize = 2048;
/// Pause after a socket receive error before reading again, so errors cannot spin.
const RECV_ERROR_BACKOFF: Duration = Duration::from_millis(1);

/// A validated request for a new endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRequest {
    /// Codec used both ways.
    pub codec: Codec,
    /// Where to send RTP; `None` latches to the first valid source.
    pub remote: Option<SocketAddr>,
    /// Packet time.
    pub ptime: Duration,
    /// Send back what is received instead of silence.
    pub echo: bool,
}

/// What an endpoint is: fixed when it is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointInfo {
    /// The endpoint's id in the API.
    pub id: String,
    /// SDP encoding name of the codec.
    pub codec: &'static str,
    /// RTP payload type used both ways.
    pub payload_type: u8,
    /// Packet time in milliseconds.
    pub ptime_ms: u64,
    /// Address the RTP socket is bound to.
    pub local_address: IpAddr,
    /// UDP port of the RTP socket.
    pub local_port: u16,
    /// Configured destination, if any.
    pub remote: Option<SocketAddr>,
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

struct Entry {
    key: EndpointKey,
    info: EndpointInfo,
    sample_rate: u32,
    receiver: JoinHandle<()>,
}

/// All endpoints of the server and the shards that drive them.
#[derive(Debug)]
pub struct Endpoints {
    shards: Vec<ShardHandle>,
    clock: MediaClock,
    ports: PortRange,
    bind: IpAddr,
    next_key: AtomicU64,
    seed_base: u64,
    started: tokio::time::Instant,
    table: Mutex<HashMap<String, Entry>>,
    prompts: Arc<PromptStore>,
    recordings: Arc<Recordings>,
    events: EventBus,
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
            next_key: AtomicU64::new(1),
            seed_base: RandomState::new().build_hasher().finish(),
            started: tokio::time::Instant::now(),
            table: Mutex::new(HashMap::new()),
            prompts: Arc::new(PromptStore::new(media, cache_bytes)),
            recordings,
            events: EventBus::new(),
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
            .map(|e| e.sample_rate)
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

    /// Allocates a port, builds the session, hands it to the least-loaded shard and starts
    /// the socket's receive task.
    pub async fn create(&self, request: EndpointRequest) -> Result<EndpointInfo, ApiError> {
        let key = self.next_key.fetch_add(1, Ordering::Relaxed);
        let id = format!("ep-{key}");
        let session = MediaSession::new(SessionConfig {
            ptime: request.ptime,
            seed: self.seed_base ^ key.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            ..SessionConfig::new(request.codec)
        })?;
        let socket = Arc::new(self.bind_port()?);
        let local = socket
            .local_addr()
            .map_err(|e| ApiError::Io(format!("cannot read the RTP socket's address: {e}")))?;
        let info = EndpointInfo {
            id: id.clone(),
            codec: session.codec().name(),
            payload_type: session.payload_type(),
            ptime_ms: request.ptime.as_millis() as u64,
            local_address: local.ip(),
            local_port: local.port(),
            remote: request.remote,
            echo: request.echo,
            shard: 0,
        };
        let sample_rate = session.sample_rate();
        let counters = Arc::new(EndpointCounters::default());
        let driven = ShardSession::new(
            id.clone(),
            session,
            socket.clone(),
            request.remote,
            request.echo,
            self.events.clone(),
            self.recordings.clone(),
            counters.clone(),
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
        let receiver = tokio::spawn(receive_loop(
            id.clone(),
            key,
            socket,
            self.clock,
            shard.inbound(),
            counters,
            shard.stats_handle(),
        ));
        self.table().insert(
            id.clone(),
            Entry {
                key,
                info: info.clone(),
                sample_rate,
                receiver,
            },
        );
        info!(
            endpoint = %id,
            codec = info.codec,
            local = %local,
            remote = ?info.remote,
            shard = info.shard,
            "endpoint created"
        );
        Ok(info)
    }

    /// Releases an endpoint and returns its final state.
    pub async fn remove(&self, id: &str) -> Result<EndpointDescription, ApiError> {
        let entry = self
            .table()
            .remove(id)
            .ok_or_else(|| ApiError::EndpointNotFound(id.to_owned()))?;
        entry.receiver.abort();
        let _ = entry.receiver.await;
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
            entry.receiver.abort();
        }
        for entry in entries {
            let _ = entry.receiver.await;
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

    /// Binds the first free even port of the range.
    fn bind_port(&self) -> Result<UdpSocket, ApiError> {
        for port in self.ports.even_ports() {
            match std::net::UdpSocket::bind((self.bind, port)) {
                Ok(socket) => {
                    let io = |e: std::io::Error| {
                        ApiError::Io(format!(
                            "cannot set up RTP socket {}:{port}: {e}",
                            self.bind
                        ))
                    };
                    socket.set_nonblocking(true).map_err(io)?;
                    return UdpSocket::from_std(socket).map_err(io);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
                Err(e) => {
                    return Err(ApiError::Io(format!(
                        "cannot bind an RTP socket on {}:{port}: {e}",
                        self.bind
                    )));
                }
            }
        }
        Err(ApiError::PortsExhausted {
            range: self.ports.to_string(),
            address: self.bind.to_string(),
        })
    }
}

/// Reads datagrams from one endpoint's socket and forwards them to its shard.
///
/// When the shard's queue is full the datagram is dropped and counted: a media worker that
/// is behind gains nothing from older packets, and the socket must keep draining.
async fn receive_loop(
    id: String,
    key: EndpointKey,
    socket: Arc<UdpSocket>,
    clock: MediaClock,
    shard: mpsc::Sender<Inbound>,
    counters: Arc<EndpointCounters>,
    shard_stats: Arc<ShardStats>,
) {
    let mut buf = vec![0u8; RECV_BUFFER];
    loop {
        let (len, from) = match socket.recv_from(&mut buf).await {
            Ok(received) => received,
            Err(e) => {
                debug!(endpoint = %id, error = %e, "RTP socket receive error");
                tokio::time::sleep(RECV_ERROR_BACKOFF).await;
                continue;
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
        };
        match shard.try_send(datagram) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                counters
                    .datagrams_inbound_dropped
                    .fetch_add(1, Ordering::Relaxed);
                shard_stats.record_inbound_dropped();
            }
            Err(TrySendError::Closed(_)) => break,
        }
    }
}
