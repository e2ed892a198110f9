//! Media shards: worker tasks that own sessions and drive all of them from one tick.
//!
//! Datagrams reach a shard from its endpoints' receive tasks through one bounded channel and
//! go to the session at once, stamped with their arrival time. A drift-free tick (deadlines
//! at `start + k * period`, missed ones skipped and counted) runs every session whose next
//! frame is due: pull a playout frame, push a capture frame (silence, or the playout frame
//! for echo endpoints; prompts and DTMF take its place), send what the core encodes.
//! Media operations ([`ops`]) arrive as commands with a reply channel; RTCP, hold, the RTP
//! inactivity timeout and SDP updates are in [`transport`]. Tick lateness and work time are
//! measured and published through [`ShardStats`].

use core::time::Duration;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use mediacore::{
    AudioFrame, Instant, JitterStats, MediaSession, QualityReport, RtcpStats, SessionStats,
};
use serde::Serialize;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant as TokioInstant, MissedTickBehavior, interval_at};
use tracing::{debug, info, warn};

use crate::clock::MediaClock;
use crate::error::ApiError;
use crate::events::EventBus;
use crate::media::Recordings;
use crate::sdp::{PayloadRewrite, Transport};

mod bridge;
mod links;
mod ops;
mod room;
mod stats;
mod transport;

pub use bridge::{BridgeMode, LegStats};
pub use links::{BridgeLegSnapshot, LinkOp, LinkReply};
pub use ops::{MediaOp, MediaReply, RecordingDone, RecordingStart, RecordingStatus};
pub use room::{ConferenceSnapshot, ParticipantSnapshot, Role, SeatChange};
pub use stats::{ShardStats, ShardStatsSnapshot};
pub use transport::{SessionUpdate, TransportSnapshot};

/// Datagrams queued from receive tasks to one shard; past this, new datagrams are dropped
/// and counted (`datagrams_inbound_dropped`) rather than blocking the receive task.
///
/// 8192 is 160 ms of 1,000 calls' 20 ms packets on one shard: a shard that runs late for a
/// few ticks under load does not lose what arrived meanwhile. The queue only takes memory
/// for what it holds.
pub const INBOUND_CAPACITY: usize = 8192;
/// Control commands queued to one shard; senders wait when it is full.
const CONTROL_CAPACITY: usize = 64;
/// A tick that starts later than this after its deadline counts as late.
pub const LATE_TICK_THRESHOLD: Duration = Duration::from_millis(5);
/// A session more than this far behind its frame schedule skips frames instead of bursting.
const MAX_CATCH_UP: Duration = Duration::from_millis(100);
/// Room for one outgoing RTP packet: the core's largest (Opus at 120 ms stays under it).
const RTP_SEND_ROOM: usize = 1500;

/// A shard-local name for an endpoint.
pub type EndpointKey = u64;

/// One received datagram on its way to the shard that owns its endpoint.
#[derive(Debug)]
pub(crate) struct Inbound {
    pub(crate) key: EndpointKey,
    pub(crate) at: Instant,
    pub(crate) from: SocketAddr,
    pub(crate) data: Vec<u8>,
    /// Read from the endpoint's RTCP port (port + 1) rather than its RTP port.
    pub(crate) rtcp: bool,
}

enum Command {
    Add(EndpointKey, Box<ShardSession>),
    Remove(EndpointKey, oneshot::Sender<Option<EndpointSnapshot>>),
    Snapshot(EndpointKey, oneshot::Sender<Option<EndpointSnapshot>>),
    Media(
        EndpointKey,
        MediaOp,
        oneshot::Sender<Option<Result<MediaReply, ApiError>>>,
    ),
    Update(EndpointKey, Box<SessionUpdate>, oneshot::Sender<Option<()>>),
    /// Hand the session to another shard (through its control channel) and forward the
    /// datagrams still coming for it there; answers whether it was handed over.
    Move {
        key: EndpointKey,
        control: mpsc::Sender<Command>,
        inbound: mpsc::Sender<Inbound>,
        reply: oneshot::Sender<bool>,
    },
    Link(Box<LinkOp>, oneshot::Sender<Result<LinkReply, ApiError>>),
    Shutdown,
}

/// Counters an endpoint's receive task updates outside the shard.
#[derive(Debug, Default)]
pub struct EndpointCounters {
    /// Datagrams read from the socket.
    pub datagrams_received: AtomicU64,
    /// Datagrams dropped because the shard's inbound queue was full.
    pub datagrams_inbound_dropped: AtomicU64,
    /// Datagrams too large for the receive buffer (possibly truncated), dropped.
    pub datagrams_oversized: AtomicU64,
}

/// Counters of one endpoint: the core session's and the server's own, in one flat object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EndpointStats {
    /// The core session's counters (`packets_received` through `events_dropped`).
    #[serde(flatten)]
    pub session: SessionStats,
    /// Datagrams read from the endpoint's socket.
    pub datagrams_received: u64,
    /// Datagrams dropped because the shard's inbound queue was full.
    pub datagrams_inbound_dropped: u64,
    /// Datagrams dropped because they did not fit the receive buffer.
    pub datagrams_oversized: u64,
    /// Datagrams ignored because they came from another source than the latched one.
    pub datagrams_ignored_source: u64,
    /// Packets the socket refused to send.
    pub send_errors: u64,
    /// Frames skipped because the shard fell more than 100 ms behind.
    pub frames_skipped: u64,
    /// Session events seen (DTMF, timeouts, source changes).
    pub events: u64,
    /// RTCP datagrams handed to the session (on port + 1, or muxed on the RTP port).
    pub rtcp_received: u64,
}

/// The receive path of one endpoint: its jitter buffer, the RTCP view of the stream and
/// the last call-quality estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReceiveSnapshot {
    /// The jitter buffer's delay for the audio played last, in ms (`null` before playout).
    pub playout_delay_ms: Option<f64>,
    /// The delay the jitter buffer aims for, in ms.
    pub target_delay_ms: f64,
    /// The jitter buffer's counters.
    pub jitter: JitterStats,
    /// RFC 3550 reception statistics and round trip.
    pub rtcp: RtcpStats,
    /// The last E-model estimate (`null` until the first quality period has passed).
    pub quality: Option<QualitySnapshot>,
}

/// [`QualityReport`] with its durations in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QualitySnapshot {
    /// Transmission rating R.
    pub r: f64,
    /// Estimated mean opinion score.
    pub mos: f64,
    /// Packets lost in the period, in percent.
    pub packet_loss_percent: f64,
    /// G.107 burst ratio of the losses.
    pub burst_ratio: f64,
    /// Mouth-to-ear delay assumed, in ms.
    pub one_way_delay_ms: f64,
    /// The jitter buffer's share of it, in ms.
    pub jitter_buffer_delay_ms: f64,
    /// Packets the period covered.
    pub packets: u64,
}

impl From<QualityReport> for QualitySnapshot {
    fn from(q: QualityReport) -> Self {
        QualitySnapshot {
            r: q.r,
            mos: q.mos,
            packet_loss_percent: q.packet_loss_percent,
            burst_ratio: q.burst_ratio,
            one_way_delay_ms: q.one_way_delay.as_secs_f64() * 1000.0,
            jitter_buffer_delay_ms: q.jitter_buffer_delay.as_secs_f64() * 1000.0,
            packets: q.packets,
        }
    }
}

/// What a shard reports about one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointSnapshot {
    /// The source address RTP is accepted from, once the first valid packet arrived.
    pub latched_source: Option<SocketAddr>,
    /// Where RTP goes: the configured remote, else the latched source.
    pub sending_to: Option<SocketAddr>,
    /// Whether the frame clock runs: from creation, or for echo endpoints from the first
    /// valid RTP packet.
    pub media_started: bool,
    /// Whether the echo has started (echo endpoints, from the first valid RTP packet).
    pub echo_started: bool,
    /// Whether a prompt or music on hold plays or waits.
    pub playing: bool,
    /// The recording under way, if any.
    pub recording: Option<RecordingStatus>,
    /// Direction, RTCP destinations and the RTP inactivity watch.
    #[serde(flatten)]
    pub transport: TransportSnapshot,
    /// Counters so far.
    pub stats: EndpointStats,
    /// The receive path's state.
    pub receive: ReceiveSnapshot,
}

/// Which path a received datagram takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arrival {
    Rtp,
    Rtcp,
}

/// One endpoint's session as a shard drives it.
pub(crate) struct ShardSession {
    id: String,
    session: MediaSession,
    socket: Arc<UdpSocket>,
    /// The socket on port + 1, for RTCP when it is not multiplexed.
    rtcp_socket: Arc<UdpSocket>,
    transport: Transport,
    rewrite: PayloadRewrite,
    /// Room for an outgoing packet whose payload type is rewritten; allocated once.
    rewritten: Vec<u8>,
    latched: Option<SocketAddr>,
    rtcp_latched: Option<SocketAddr>,
    ptime: Duration,
    next_frame: Option<Instant>,
    /// Echo the received audio instead of sending silence.
    echo: bool,
    /// The frame pushed as capture: silence, or the echoed playout frame.
    capture: AudioFrame,
    moh: Option<mediacore::playback::PlaybackId>,
    recording: Option<ops::ActiveRecording>,
    bus: EventBus,
    recordings: Arc<Recordings>,
    counters: Arc<EndpointCounters>,
    /// RTP inactivity: the limit, the last valid packet (or the end of a hold) and
    /// whether `rtp_timeout` was published.
    rtp_timeout: Option<Duration>,
    last_rtp: Option<Instant>,
    timed_out: bool,
    ignored_source: u64,
    send_errors: u64,
    frames_skipped: u64,
    events: u64,
    rtcp_received: u64,
    /// The bridge this endpoint is a leg of.
    bridge: Option<bridge::BridgeLeg>,
    /// The conference this endpoint is in; its session is then the conference's, and
    /// `session` holds an idle stand-in until it comes back.
    room: Option<String>,
}

/// What a shard needs besides the session to drive an endpoint.
pub(crate) struct Wiring {
    /// The endpoint's id, for events and logs.
    pub(crate) id: String,
    /// The RTP socket.
    pub(crate) socket: Arc<UdpSocket>,
    /// The RTCP socket (port + 1).
    pub(crate) rtcp_socket: Arc<UdpSocket>,
    /// Destinations, rtcp-mux and direction.
    pub(crate) transport: Transport,
    /// Payload types to change on the way out.
    pub(crate) rewrite: PayloadRewrite,
    /// Send back what is received instead of silence.
    pub(crate) echo: bool,
    /// Publish `rtp_timeout` after this long without RTP while the call is not on hold.
    pub(crate) rtp_timeout: Option<Duration>,
    /// Where events go.
    pub(crate) events: EventBus,
    /// The recordings folder.
    pub(crate) recordings: Arc<Recordings>,
    /// Counters the receive tasks update.
    pub(crate) counters: Arc<EndpointCounters>,
}

impl ShardSession {
    /// Wraps `session` with its sockets and destinations.
    pub(crate) fn new(session: MediaSession, wiring: Wiring) -> mediacore::Result<Self> {
        let ptime = session.config().ptime;
        let capture = AudioFrame::silence(session.sample_rate(), 1, ptime)?;
        Ok(ShardSession {
            id: wiring.id,
            session,
            socket: wiring.socket,
            rtcp_socket: wiring.rtcp_socket,
            transport: wiring.transport,
            rewrite: wiring.rewrite,
            rewritten: Vec::with_capacity(RTP_SEND_ROOM),
            latched: None,
            rtcp_latched: None,
            ptime,
            next_frame: None,
            echo: wiring.echo,
            capture,
            moh: None,
            recording: None,
            bus: wiring.events,
            recordings: wiring.recordings,
            counters: wiring.counters,
            rtp_timeout: wiring.rtp_timeout,
            last_rtp: None,
            timed_out: false,
            ignored_source: 0,
            send_errors: 0,
            frames_skipped: 0,
            events: 0,
            rtcp_received: 0,
            bridge: None,
            room: None,
        })
    }

    /// Symmetric RTP: the first valid packet's source is latched; other sources are ignored.
    /// With rtcp-mux, RTCP on the RTP port is told apart by its packet type (RFC 5761 §4);
    /// `on_rtcp_port` datagrams are RTCP. A pass-through leg keeps its audio packets for the
    /// other leg.
    fn receive(&mut self, at: Instant, from: SocketAddr, data: &[u8], on_rtcp_port: bool) {
        match self.classify(from, data, on_rtcp_port) {
            Some(Arrival::Rtcp) => self.receive_rtcp(at, from, data),
            Some(Arrival::Rtp) => {
                let accepted = if self.relay_receive(data) {
                    Ok(())
                } else {
                    self.session.handle_rtp(at, data)
                };
                match accepted {
                    Ok(()) => self.rtp_accepted(at, from),
                    Err(e) => {
                        debug!(endpoint = %self.id, %from, error = %e, "ignored invalid RTP datagram");
                    }
                }
                self.drain_events(at);
            }
            None => {}
        }
    }

    /// Whether a datagram is RTP or RTCP, or `None` when it comes from another source than
    /// the latched one (counted).
    fn classify(&mut self, from: SocketAddr, data: &[u8], on_rtcp_port: bool) -> Option<Arrival> {
        if on_rtcp_port {
            return Some(Arrival::Rtcp);
        }
        if self.latched.is_some_and(|source| source != from) {
            self.ignored_source += 1;
            debug!(endpoint = %self.id, %from, "ignored datagram from a source other than the latched one");
            return None;
        }
        if self.transport.rtcp_mux && transport::is_rtcp(data) {
            return Some(Arrival::Rtcp);
        }
        Some(Arrival::Rtp)
    }

    /// A valid RTP packet came from `from`: latch to it, start the frame clock (echo
    /// endpoints), restart the inactivity watch.
    fn rtp_accepted(&mut self, at: Instant, from: SocketAddr) {
        if self.latched.is_none() {
            self.latched = Some(from);
            info!(endpoint = %self.id, source = %from, "latched to the first valid RTP source");
        }
        if self.next_frame.is_none() {
            self.next_frame = Some(at);
        }
        self.rtp_arrived(at);
    }

    /// Runs every frame due by `now`, then lets the session act on time passing and sends
    /// the RTCP that is due.
    fn on_tick(&mut self, now: Instant) {
        if let Some(mut due) = self.next_frame {
            let behind = now.saturating_duration_since(due);
            if behind > MAX_CATCH_UP {
                let frames = (behind.as_micros() / self.ptime.as_micros().max(1)) as u64;
                due = due + Duration::from_micros(frames * self.ptime.as_micros() as u64);
                self.frames_skipped += frames;
            }
            while due <= now {
                self.frame(due);
                due = due + self.ptime;
            }
            self.next_frame = Some(due);
        }
        self.session.handle_timeout(now);
        self.check_rtp_timeout(now);
        self.send_rtcp(now);
        self.drain_events(now);
    }

    /// One frame: the playout frame is pulled (and recorded), the capture frame (silence,
    /// or the playout frame when echoing) is pushed, and what the core encodes is sent.
    /// While the direction does not let us send (hold), nothing is captured: prompts and
    /// DTMF wait, and no RTP goes out.
    fn frame(&mut self, now: Instant) {
        let played = self.session.pull_playout(now).samples();
        if let Some(leg) = self.bridge.as_mut()
            && leg.mode == BridgeMode::Transcode
        {
            leg.take_playout(played);
        }
        if !self.transport.direction.sends() {
            return;
        }
        if self.bridge.is_some() {
            self.bridged_frame(now);
        } else {
            if self.echo {
                let n = played.len().min(self.capture.samples().len());
                self.capture.samples_mut()[..n].copy_from_slice(&played[..n]);
            }
            if let Err(e) = self.session.push_capture(now, &self.capture) {
                warn!(endpoint = %self.id, error = %e, "could not capture a frame");
            }
        }
        self.send_rtp(now);
    }

    /// Sends what the session has queued to the RTP destination.
    fn send_rtp(&mut self, now: Instant) {
        while let Some(datagram) = self.session.poll_transmit(now) {
            send_datagram(
                &self.id,
                &self.socket,
                self.transport.remote.or(self.latched),
                &self.rewrite,
                &mut self.rewritten,
                &mut self.send_errors,
                datagram,
            );
        }
    }

    /// Starts the frame clock at `now` for endpoints that do not wait for RTP (not echo).
    fn start_media(&mut self, now: Instant) {
        if !self.echo && self.next_frame.is_none() {
            self.next_frame = Some(now);
        }
    }

    fn drain_events(&mut self, now: Instant) {
        while let Some(event) = self.session.poll_event() {
            self.events += 1;
            self.on_event(now, event);
        }
    }

    fn snapshot(&self) -> EndpointSnapshot {
        self.snapshot_of(&self.session)
    }

    /// The snapshot with `session` as the endpoint's session (a conference's participant's
    /// lives in the conference).
    fn snapshot_of(&self, session: &MediaSession) -> EndpointSnapshot {
        let c = &self.counters;
        EndpointSnapshot {
            latched_source: self.latched,
            sending_to: self.transport.remote.or(self.latched),
            media_started: self.next_frame.is_some(),
            echo_started: self.echo && self.next_frame.is_some(),
            playing: session.is_playing(),
            recording: self.recording_status(),
            transport: self.transport_snapshot(),
            stats: EndpointStats {
                session: session.stats(),
                datagrams_received: c.datagrams_received.load(Ordering::Relaxed),
                datagrams_inbound_dropped: c.datagrams_inbound_dropped.load(Ordering::Relaxed),
                datagrams_oversized: c.datagrams_oversized.load(Ordering::Relaxed),
                datagrams_ignored_source: self.ignored_source,
                send_errors: self.send_errors,
                frames_skipped: self.frames_skipped,
                events: self.events,
                rtcp_received: self.rtcp_received,
            },
            receive: ReceiveSnapshot {
                playout_delay_ms: self
                    .session
                    .playout_delay()
                    .map(|d| d.as_secs_f64() * 1000.0),
                target_delay_ms: session.target_delay().as_secs_f64() * 1000.0,
                jitter: session.jitter_stats(),
                rtcp: session.rtcp_stats(),
                quality: session.quality().map(QualitySnapshot::from),
            },
        }
    }
}

/// Sends one RTP datagram to `dest` with its payload type rewritten; counts what the socket
/// refuses. (Free of `ShardSession` so that the datagram may borrow the session.)
fn send_datagram(
    id: &str,
    socket: &UdpSocket,
    dest: Option<SocketAddr>,
    rewrite: &PayloadRewrite,
    rewritten: &mut Vec<u8>,
    send_errors: &mut u64,
    datagram: &[u8],
) {
    let Some(dest) = dest else { return };
    let out = transport::rewrite_payload_type(rewrite, datagram, rewritten);
    if let Err(e) = socket.try_send_to(out, dest) {
        *send_errors += 1;
        debug!(endpoint = %id, %dest, error = %e, "could not send RTP");
    }
}

/// The API side of a running shard: its channels, its stats and its task.
#[derive(Debug)]
pub struct ShardHandle {
    index: usize,
    tick: Duration,
    control: mpsc::Sender<Command>,
    inbound: mpsc::Sender<Inbound>,
    stats: Arc<ShardStats>,
    assigned: AtomicUsize,
    task: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl core::fmt::Debug for Command {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Command::Add(key, _) => write!(f, "Add({key})"),
            Command::Remove(key, _) => write!(f, "Remove({key})"),
            Command::Snapshot(key, _) => write!(f, "Snapshot({key})"),
            Command::Media(key, op, _) => write!(f, "Media({key}, {op:?})"),
            Command::Update(key, ..) => write!(f, "Update({key})"),
            Command::Move { key, .. } => write!(f, "Move({key})"),
            Command::Link(op, _) => write!(f, "Link({op:?})"),
            Command::Shutdown => f.write_str("Shutdown"),
        }
    }
}

impl ShardHandle {
    /// Starts shard `index` ticking every `tick` on the current tokio runtime.
    pub fn spawn(index: usize, tick: Duration, clock: MediaClock) -> Self {
        let (control, control_rx) = mpsc::channel(CONTROL_CAPACITY);
        let (inbound, inbound_rx) = mpsc::channel(INBOUND_CAPACITY);
        let stats = Arc::new(ShardStats::default());
        let shard = Shard {
            index,
            tick,
            clock,
            sessions: HashMap::new(),
            bridges: HashMap::new(),
            rooms: HashMap::new(),
            forwards: HashMap::new(),
            stats: stats.clone(),
        };
        let task = tokio::spawn(shard.run(control_rx, inbound_rx));
        ShardHandle {
            index,
            tick,
            control,
            inbound,
            stats,
            assigned: AtomicUsize::new(0),
            task: std::sync::Mutex::new(Some(task)),
        }
    }

    /// The shard's index.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Endpoints assigned to this shard.
    pub fn assigned(&self) -> usize {
        self.assigned.load(Ordering::Relaxed)
    }

    pub(crate) fn assign(&self) {
        self.assigned.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn unassign(&self) {
        self.assigned.fetch_sub(1, Ordering::Relaxed);
    }

    /// The sender receive tasks use to forward datagrams.
    pub(crate) fn inbound(&self) -> mpsc::Sender<Inbound> {
        self.inbound.clone()
    }

    /// The shard's shared measurements.
    pub(crate) fn stats_handle(&self) -> Arc<ShardStats> {
        self.stats.clone()
    }

    /// Hands a session to the shard.
    pub(crate) async fn add(
        &self,
        key: EndpointKey,
        session: ShardSession,
    ) -> Result<(), ApiError> {
        self.control
            .send(Command::Add(key, Box::new(session)))
            .await
            .map_err(|_| ApiError::ShardUnavailable(self.index))
    }

    /// Takes a session out of the shard and returns its final snapshot.
    pub(crate) async fn remove(
        &self,
        key: EndpointKey,
    ) -> Result<Option<EndpointSnapshot>, ApiError> {
        self.ask(|reply| Command::Remove(key, reply)).await
    }

    /// A snapshot of one session.
    pub(crate) async fn snapshot(
        &self,
        key: EndpointKey,
    ) -> Result<Option<EndpointSnapshot>, ApiError> {
        self.ask(|reply| Command::Snapshot(key, reply)).await
    }

    /// Applies a media operation to one session; `None` when the shard has no such session.
    pub(crate) async fn media(
        &self,
        key: EndpointKey,
        op: MediaOp,
    ) -> Result<Option<Result<MediaReply, ApiError>>, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.control
            .send(Command::Media(key, op, reply))
            .await
            .map_err(|_| ApiError::ShardUnavailable(self.index))?;
        answer
            .await
            .map_err(|_| ApiError::ShardUnavailable(self.index))
    }

    /// Applies an SDP update to one session; `None` when the shard has no such session.
    pub(crate) async fn update(
        &self,
        key: EndpointKey,
        update: SessionUpdate,
    ) -> Result<Option<()>, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.control
            .send(Command::Update(key, Box::new(update), reply))
            .await
            .map_err(|_| ApiError::ShardUnavailable(self.index))?;
        answer
            .await
            .map_err(|_| ApiError::ShardUnavailable(self.index))
    }

    /// Hands endpoint `key` over to shard `to`; `false` when it is not here, is linked, or
    /// `to` cannot take it now.
    pub(crate) async fn move_to(
        &self,
        key: EndpointKey,
        to: &ShardHandle,
    ) -> Result<bool, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.control
            .send(Command::Move {
                key,
                control: to.control.clone(),
                inbound: to.inbound.clone(),
                reply,
            })
            .await
            .map_err(|_| ApiError::ShardUnavailable(self.index))?;
        answer
            .await
            .map_err(|_| ApiError::ShardUnavailable(self.index))
    }

    /// Applies a link operation (bridges, conferences) in the shard.
    pub(crate) async fn link(&self, op: LinkOp) -> Result<LinkReply, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.control
            .send(Command::Link(Box::new(op), reply))
            .await
            .map_err(|_| ApiError::ShardUnavailable(self.index))?;
        answer
            .await
            .map_err(|_| ApiError::ShardUnavailable(self.index))?
    }

    async fn ask(
        &self,
        command: impl FnOnce(oneshot::Sender<Option<EndpointSnapshot>>) -> Command,
    ) -> Result<Option<EndpointSnapshot>, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.control
            .send(command(reply))
            .await
            .map_err(|_| ApiError::ShardUnavailable(self.index))?;
        answer
            .await
            .map_err(|_| ApiError::ShardUnavailable(self.index))
    }

    /// A copy of the shard's measurements.
    pub fn stats(&self) -> ShardStatsSnapshot {
        ShardStatsSnapshot::from_stats(self.index, self.tick, &self.stats)
    }

    /// Stops the shard (its sessions are dropped) and waits for its task to end.
    pub async fn shutdown(&self) {
        let _ = self.control.send(Command::Shutdown).await;
        let task = self.task.lock().ok().and_then(|mut t| t.take());
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

/// The worker: owns its sessions, runs the tick, serves commands.
struct Shard {
    index: usize,
    tick: Duration,
    clock: MediaClock,
    sessions: HashMap<EndpointKey, ShardSession>,
    /// Bridges by id: their two legs, both in `sessions`.
    bridges: HashMap<String, (EndpointKey, EndpointKey)>,
    /// Conferences by id; their participants' endpoints are in `sessions`.
    rooms: HashMap<String, room::Room>,
    /// Endpoints moved to another shard: datagrams that still come here go there.
    forwards: HashMap<EndpointKey, mpsc::Sender<Inbound>>,
    stats: Arc<ShardStats>,
}

impl Shard {
    async fn run(
        mut self,
        mut control: mpsc::Receiver<Command>,
        mut inbound: mpsc::Receiver<Inbound>,
    ) {
        // Deadlines are start + k * tick; a late tick does not move later ones.
        let mut ticker = interval_at(TokioInstant::now() + self.tick, self.tick);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut previous: Option<TokioInstant> = None;
        debug!(
            shard = self.index,
            tick_ms = self.tick.as_millis() as u64,
            "shard started"
        );
        loop {
            tokio::select! {
                biased;
                deadline = ticker.tick() => {
                    self.on_tick(deadline, previous);
                    previous = Some(deadline);
                }
                command = control.recv() => match command {
                    Some(Command::Shutdown) | None => break,
                    Some(Command::Move { key, control, inbound: to, reply }) => {
                        // What is queued for the endpoint is handled here first.
                        while let Ok(datagram) = inbound.try_recv() {
                            self.on_datagram(datagram);
                        }
                        let _ = reply.send(self.move_out(key, &control, to));
                    }
                    Some(command) => self.on_command(command),
                },
                datagram = inbound.recv() => match datagram {
                    Some(datagram) => self.on_datagram(datagram),
                    None => break,
                },
            }
        }
        // Recordings are completed before the sessions go; sessions in conferences come
        // back to their endpoints first.
        let now = self.clock.now();
        let rooms: Vec<String> = self.rooms.keys().cloned().collect();
        for room in rooms {
            let _ = self.close_room(now, &room, "shutdown");
        }
        for (_, mut session) in self.sessions.drain() {
            session.close(now, "shutdown");
        }
        let s = ShardStatsSnapshot::from_stats(self.index, self.tick, &self.stats);
        info!(
            shard = self.index,
            ticks = s.ticks,
            ticks_late = s.ticks_late,
            ticks_skipped = s.ticks_skipped,
            lateness_max_us = s.lateness_max_us,
            "shard stopped"
        );
    }

    fn on_tick(&mut self, deadline: TokioInstant, previous: Option<TokioInstant>) {
        let woke = TokioInstant::now();
        let skipped = previous.map_or(0, |p| {
            let periods =
                deadline.saturating_duration_since(p).as_nanos() / self.tick.as_nanos().max(1);
            u64::try_from(periods.saturating_sub(1)).unwrap_or(u64::MAX)
        });
        self.stats
            .record_tick(woke.saturating_duration_since(deadline), skipped);
        let now = self.clock.at(deadline);
        for session in self.sessions.values_mut() {
            if session.bridge.is_none() && session.room.is_none() {
                session.on_tick(now);
            }
        }
        self.tick_bridges(now);
        for room in self.rooms.values_mut() {
            room.on_tick(now, &mut self.sessions);
        }
        self.stats.record_work(woke.elapsed());
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Add(key, mut session) => {
                session.start_media(self.clock.now());
                self.forwards.remove(&key);
                self.sessions.insert(key, *session);
            }
            Command::Remove(key, reply) => {
                self.unlink(self.clock.now(), key);
                self.forwards.remove(&key);
                let snapshot = self.sessions.remove(&key).map(|mut s| {
                    s.close(self.clock.now(), "deleted");
                    s.snapshot()
                });
                let _ = reply.send(snapshot);
            }
            Command::Media(key, op, reply) => {
                let now = self.clock.now();
                let result = self.sessions.get_mut(&key).map(|s| match &s.room {
                    Some(room) => Err(ApiError::Conflict(format!(
                        "endpoint {:?} is in conference {room:?}, which sends it the mix; \
                         take it out of the conference first",
                        s.id
                    ))),
                    None => s.apply(now, op),
                });
                let _ = reply.send(result);
            }
            Command::Snapshot(key, reply) => {
                let snapshot = self.sessions.get(&key).map(|s| {
                    match s
                        .room
                        .as_ref()
                        .and_then(|room| self.rooms.get(room))
                        .and_then(|room| room.session(key))
                    {
                        Some(session) => s.snapshot_of(session),
                        None => s.snapshot(),
                    }
                });
                let _ = reply.send(snapshot);
            }
            Command::Link(op, reply) => {
                let result = self.on_link(self.clock.now(), *op);
                let _ = reply.send(result);
            }
            Command::Move { reply, .. } => {
                let _ = reply.send(false);
            }
            Command::Update(key, update, reply) => {
                let now = self.clock.now();
                let done = self.sessions.get_mut(&key).map(|s| s.update(now, *update));
                let _ = reply.send(done);
            }
            Command::Shutdown => {}
        }
        self.stats
            .sessions
            .store(self.sessions.len() as u64, Ordering::Relaxed);
    }

    fn on_datagram(&mut self, datagram: Inbound) {
        let key = datagram.key;
        let Some(session) = self.sessions.get_mut(&key) else {
            // Moved to another shard: its receive tasks are being pointed there.
            if let Some(to) = self.forwards.get(&key) {
                let _ = to.try_send(datagram);
            }
            // Otherwise removed meanwhile: dropped.
            return;
        };
        self.stats.datagrams.fetch_add(1, Ordering::Relaxed);
        if let Some(room) = session.room.as_ref().and_then(|r| self.rooms.get_mut(r)) {
            room.receive(session, &datagram);
            return;
        }
        session.receive(datagram.at, datagram.from, &datagram.data, datagram.rtcp);
        if session.bridge.is_some() {
            self.after_bridged_datagram(key);
        }
    }

    /// Hands endpoint `key` (not linked) to the shard behind `control`; datagrams that still
    /// come here for it are forwarded to `inbound` until its receive tasks point there.
    fn move_out(
        &mut self,
        key: EndpointKey,
        control: &mpsc::Sender<Command>,
        inbound: mpsc::Sender<Inbound>,
    ) -> bool {
        let linked = self
            .sessions
            .get(&key)
            .is_none_or(|s| s.bridge.is_some() || s.room.is_some());
        if linked {
            return false;
        }
        let Some(session) = self.sessions.remove(&key) else {
            return false;
        };
        match control.try_send(Command::Add(key, Box::new(session))) {
            Ok(()) => {
                self.forwards.insert(key, inbound);
                self.stats
                    .sessions
                    .store(self.sessions.len() as u64, Ordering::Relaxed);
                true
            }
            Err(e) => {
                // The other shard is busy or stopping: the endpoint stays here.
                if let Command::Add(key, session) = e.into_inner() {
                    self.sessions.insert(key, *session);
                }
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_stats_are_one_flat_object_with_the_session_counters_first() {
        let json = serde_json::to_string(&EndpointStats::default()).unwrap();
        let server = [
            "datagrams_received",
            "datagrams_inbound_dropped",
            "datagrams_oversized",
            "datagrams_ignored_source",
            "send_errors",
            "frames_skipped",
            "events",
            "rtcp_received",
        ];
        let session = SessionStats::default().fields().map(|(name, _)| name);
        let fields: Vec<String> = session
            .iter()
            .chain(&server)
            .map(|name| format!("\"{name}\":0"))
            .collect();
        assert_eq!(json, format!("{{{}}}", fields.join(",")));
    }
}
