//! `MediaSession`: the per-call pipeline, driven by `handle_*` calls in and `poll_*` calls out.
//!
//! Receive: RTP is parsed, checked against the negotiated payload type (or comfort noise)
//! and handed to the adaptive [`JitterBuffer`], which decodes, conceals and paces playout;
//! every few seconds an E-model estimate of the call's quality is reported. RFC 4733
//! telephone-events (and, if asked, DTMF tones in the audio) become digit events and feed
//! the digit collection. Send: captured audio is cut into ptime frames, encoded and
//! packetized, with telephone-events in its place while DTMF is sent. RTCP (RFC 3550 §6)
//! reports on both, measures the round trip and says goodbye. Voice processing (echo
//! cancellation, noise suppression, gain control, VAD, levels, comfort noise) runs on both
//! paths when [`SessionConfig::voice`] or [`MediaSession::set_voice_stage`] asks for it. The
//! host owns sockets and clocks and passes `now` to every call.

mod dtmf;
mod event;
mod prompts;
mod record;
mod rtcp;
mod send;
mod transmit;
mod voice;

use core::time::Duration;
use std::collections::VecDeque;

use crate::codec::opus::OpusConfig;
use crate::codec::{self, Codec, Encoder};
use crate::dtmf::{
    DigitCollector, DigitSource, DtmfDetector, ReceiverConfig, SenderConfig,
    TelephoneEventReceiver, TelephoneEventSender, event::MAX_VOLUME,
};
use crate::error::{Error, Result, RtpError};
use crate::frame::{AudioFrame, samples_in};
use crate::ivr::PlayAndCollect;
use crate::jitter::{Insert, JitterBuffer, JitterConfig, JitterStats, PacketKind};
use crate::playback::Player;
use crate::quality::{CodecImpairment, EModelInput, LossPattern};
use crate::record::Recorder;
use crate::rtp::{Packetizer, PacketizerConfig, RTP_FIXED_HEADER_LEN, RtpPacket};
use crate::time::{Instant, SequenceExtender};
pub use event::{Event, QualityReport, SessionStats};
pub use record::{LEG_LOCAL, LEG_REMOTE, RecordStream, RecordTarget};
use rtcp::SessionRtcp;
pub use rtcp::{RtcpConfig, RtcpStats};
use transmit::TransmitQueue;
use voice::SessionVoice;
pub use voice::{
    VoiceDirection, VoiceLevel, VoiceSettings, VoiceSettingsError, VoiceStage, VoiceStages,
};

/// Longest packet time accepted in configuration and in received packets.
const MAX_PTIME: Duration = Duration::from_millis(120);
/// The static payload type of comfort noise (RFC 3551 table 4), on an 8 kHz clock.
const CN_PAYLOAD_TYPE: u8 = 13;
/// The payload type commonly negotiated for telephone-events (RFC 4733 has no static one).
pub const DEFAULT_TELEPHONE_EVENT_PT: u8 = 101;
/// Events kept before the oldest are dropped.
const EVENT_CAPACITY: usize = 64;
/// Outgoing packets kept before the oldest are dropped: 320 ms of 20 ms packets, or a
/// frame's packet with a telephone-event end and its two retransmissions several times over.
/// Hosts drain every frame; a server holds thousands of these queues.
const TRANSMIT_CAPACITY: usize = 16;

/// How a [`MediaSession`] codes and sends its media.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionConfig {
    /// The negotiated codec, used both ways.
    pub codec: Codec,
    /// RTP payload type both ways; `None` uses the codec's static type (RFC 3551 table 4).
    pub payload_type: Option<u8>,
    /// Sample rate of captured and played audio; `None` uses the codec's default rate.
    pub sample_rate: Option<u32>,
    /// Audio per outgoing packet and per playout frame; 10 to 120 ms in 10 ms steps, and
    /// for Opus 10, 20, 40 or 60 ms.
    pub ptime: Duration,
    /// Seed for the SSRC and the initial sequence number and timestamp.
    pub seed: u64,
    /// Report [`Event::RtpTimeout`] when no valid RTP arrives for this long; `None` never.
    pub rtp_timeout: Option<Duration>,
    /// How the Opus encoder codes when `codec` is Opus (bit rate, complexity, FEC…); its
    /// `frame_ms` is replaced by `ptime`. Ignored for other codecs.
    pub opus: OpusConfig,
    /// How to send RTCP; `None` sends none (received RTCP is still read, and
    /// [`MediaSession::rtcp_stats`] still counts what arrives).
    pub rtcp: Option<RtcpConfig>,
    /// The receive path's jitter buffer: adaptive (default) or fixed, its delay bounds and
    /// capacity.
    pub jitter: JitterConfig,
    /// Report [`Event::Quality`] this often while RTP arrives; `None` never.
    pub quality_interval: Option<Duration>,
    /// The payload type of RFC 4733 telephone-events both ways (on the codec's RTP clock:
    /// 8000 Hz for G.711 and G.722, 48000 Hz for Opus); `None` sends and takes none.
    pub telephone_event_payload_type: Option<u8>,
    /// Also look for DTMF tones in the received audio (8 and 16 kHz sessions); digits come
    /// as [`Event::Dtmf`] with [`DigitSource::InBand`].
    pub detect_inband_dtmf: bool,
    /// How digits queued with [`MediaSession::send_dtmf`] are sent as telephone-events.
    pub dtmf: DtmfSendConfig,
    /// Voice processing on the capture and playout paths; every stage off by default (see
    /// [`VoiceSettings`]). Stages switch later with [`MediaSession::set_voice_stage`].
    pub voice: VoiceSettings,
}

/// How a session sends the digits queued with [`MediaSession::send_dtmf`] (RFC 4733).
///
/// The default is the [`SenderConfig::new`] timing: 100 ms digits, 100 ms gaps, volume 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfSendConfig {
    /// How long each digit lasts; 1 ms to 600 s.
    pub duration: Duration,
    /// Silence between the end of one digit and the start of the next; at most 60 s.
    pub gap: Duration,
    /// Power level in dBm0 below 0 (RFC 4733 §2.3.4), 0 to 63; larger is quieter.
    pub volume: u8,
}

impl DtmfSendConfig {
    /// The longest digit: the limit of [`TelephoneEventSender::new`].
    const MAX_DURATION: Duration = Duration::from_secs(600);
    /// The longest gap: the limit of [`TelephoneEventSender::new`].
    const MAX_GAP: Duration = Duration::from_secs(60);

    /// Checks each value, naming the first one out of range.
    ///
    /// The bounds are those of [`TelephoneEventSender::new`], with the shortest digit
    /// rounded up to 1 ms so that it is at least one tick of any telephone-event clock.
    pub fn validate(&self) -> Result<()> {
        if self.duration < Duration::from_millis(1) || self.duration > Self::MAX_DURATION {
            return Err(Error::InvalidArgument(format!(
                "dtmf.duration {:?} is out of range; expected 1 ms to 600 s",
                self.duration
            )));
        }
        if self.gap > Self::MAX_GAP {
            return Err(Error::InvalidArgument(format!(
                "dtmf.gap {:?} is out of range; expected 0 to 60 s",
                self.gap
            )));
        }
        if self.volume > MAX_VOLUME {
            return Err(Error::InvalidArgument(format!(
                "dtmf.volume {} is out of range; expected 0 to {MAX_VOLUME} (dBm0 below 0)",
                self.volume
            )));
        }
        Ok(())
    }

    /// The sender configuration for a `clock_rate` Hz stream with `ptime` packets.
    fn sender_config(&self, clock_rate: u32, ptime: Duration) -> SenderConfig {
        SenderConfig {
            digit_duration: self.duration,
            gap: self.gap,
            volume: self.volume,
            ..SenderConfig::new(clock_rate, ptime)
        }
    }
}

impl Default for DtmfSendConfig {
    fn default() -> Self {
        // Any clock and ptime: only the timing defaults are taken.
        let d = SenderConfig::new(8000, Duration::from_millis(20));
        DtmfSendConfig {
            duration: d.digit_duration,
            gap: d.gap,
            volume: d.volume,
        }
    }
}

impl SessionConfig {
    /// A configuration for `codec` with 20 ms packets, seed 0, a 30 s RTP timeout and RTCP
    /// with [`RtcpConfig::default`].
    pub fn new(codec: Codec) -> Self {
        SessionConfig {
            codec,
            payload_type: None,
            sample_rate: None,
            ptime: Duration::from_millis(20),
            seed: 0,
            rtp_timeout: Some(Duration::from_secs(30)),
            opus: OpusConfig::default(),
            rtcp: Some(RtcpConfig::default()),
            jitter: JitterConfig::default(),
            quality_interval: Some(Duration::from_secs(5)),
            telephone_event_payload_type: Some(DEFAULT_TELEPHONE_EVENT_PT),
            detect_inband_dtmf: false,
            dtmf: DtmfSendConfig::default(),
            voice: VoiceSettings::default(),
        }
    }
}

/// One call's media: decode and play what arrives, encode and packetize what is captured.
///
/// ```
/// use core::time::Duration;
/// use mediacore::{AudioFrame, Codec, Instant, MediaSession, SessionConfig};
///
/// let mut alice = MediaSession::new(SessionConfig { seed: 1, ..SessionConfig::new(Codec::Pcmu) })?;
/// let mut bob = MediaSession::new(SessionConfig { seed: 2, ..SessionConfig::new(Codec::Pcmu) })?;
/// let tone: Vec<i16> = (0..160).map(|i| ((i as f32 * 0.2).sin() * 8000.0) as i16).collect();
/// let mut now = Instant::ZERO;
/// for _ in 0..5 {
///     alice.push_capture(now, &AudioFrame::new(tone.clone(), 8000, 1)?)?;
///     while let Some(datagram) = alice.poll_transmit(now) {
///         let datagram = datagram.to_vec();
///         bob.handle_rtp(now, &datagram)?;
///     }
///     let speaker = bob.pull_playout(now);
///     assert_eq!(speaker.samples().len(), 160);
///     while let Some(event) = bob.poll_event() {
///         println!("{event:?}");
///     }
///     now = bob.poll_timeout().unwrap_or(now + Duration::from_millis(20));
/// }
/// assert_eq!(bob.stats().packets_received, 5);
/// # Ok::<(), mediacore::Error>(())
/// ```
pub struct MediaSession {
    config: SessionConfig,
    payload_type: u8,
    clock_rate: u32,
    frame_samples: usize,
    encoder: Box<dyn Encoder>,
    packetizer: Packetizer,
    // Receive state.
    remote_ssrc: Option<u32>,
    sequence: SequenceExtender,
    last_sequence: Option<u64>,
    jitter: JitterBuffer,
    /// Comfort noise's payload type, when the codec's clock allows it.
    cn_payload_type: Option<u8>,
    event_receiver: Option<TelephoneEventReceiver>,
    event_sender: Option<TelephoneEventSender>,
    /// Boxed: 7.5 KiB that most sessions (no in-band detection) need not carry inline.
    detector: Option<Box<DtmfDetector>>,
    collector: DigitCollector,
    player: Player,
    ivr: PlayAndCollect,
    /// One frame of prompt audio, allocated once.
    prompt_buf: Vec<i16>,
    /// Boxed: only a recorded session pays for it.
    recorder: Option<Box<Recorder<RecordTarget>>>,
    /// The frame sent, for the recording's local leg; allocated once.
    record_frame: AudioFrame,
    /// Boxed, and absent until a voice stage is first switched on.
    voice: Option<Box<SessionVoice>>,
    loss: LossPattern,
    next_quality_at: Option<Instant>,
    last_quality: Option<QualityReport>,
    playout_frame: AudioFrame,
    next_playout: Option<Instant>,
    last_rtp_at: Option<Instant>,
    timed_out: bool,
    // Send state.
    capture_buf: Vec<i16>,
    capture_len: usize,
    encode_buf: Vec<u8>,
    sent_first: bool,
    transmit: TransmitQueue,
    rtcp: SessionRtcp,
    // Output.
    events: VecDeque<Event>,
    stats: SessionStats,
}

impl core::fmt::Debug for MediaSession {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MediaSession")
            .field("config", &self.config)
            .field("local_ssrc", &self.packetizer.ssrc())
            .field("remote_ssrc", &self.remote_ssrc)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl MediaSession {
    /// Builds a session; fails when the configuration cannot work.
    pub fn new(config: SessionConfig) -> Result<Self> {
        let ms = config.ptime.as_millis();
        if config.ptime > MAX_PTIME
            || ms == 0
            || !ms.is_multiple_of(10)
            || !config.ptime.subsec_micros().is_multiple_of(1000)
        {
            return Err(Error::InvalidArgument(format!(
                "ptime {} ms is not supported; expected 10 to {} ms in steps of 10 ms",
                config.ptime.as_secs_f64() * 1000.0,
                MAX_PTIME.as_millis()
            )));
        }
        let codec = config.codec;
        let payload_type = match config.payload_type.or(codec.static_payload_type()) {
            Some(pt) if pt <= 127 => pt,
            Some(pt) => return Err(RtpError::InvalidPayloadType(pt).into()),
            None => {
                return Err(Error::InvalidArgument(format!(
                    "{codec} has no static payload type; give one in the configuration"
                )));
            }
        };
        let sample_rate = config.sample_rate.unwrap_or(codec.sample_rates()[0]);
        let encoder = codec::new_packet_encoder(codec, sample_rate, 1, config.ptime, config.opus)?;
        let decoder = codec::new_decoder(codec, sample_rate, 1)?;
        let jitter = JitterBuffer::new(config.jitter, decoder)?;
        let event_pt = match config.telephone_event_payload_type {
            Some(pt) if pt > 127 => return Err(RtpError::InvalidPayloadType(pt).into()),
            Some(pt) if Some(pt) == config.payload_type.or(codec.static_payload_type()) => {
                return Err(Error::InvalidArgument(format!(
                    "telephone_event_payload_type {pt} is the codec's payload type; they must differ"
                )));
            }
            other => other,
        };
        config.dtmf.validate()?;
        let detector = if config.detect_inband_dtmf {
            Some(Box::new(DtmfDetector::new(sample_rate)?))
        } else {
            None
        };
        if config.quality_interval.is_some_and(|i| i.is_zero()) {
            return Err(Error::InvalidArgument(
                "quality_interval must be above zero (or None for no quality events)".into(),
            ));
        }
        let packetizer = Packetizer::new(PacketizerConfig {
            payload_type,
            seed: config.seed,
        })?;
        let frame_samples = samples_in(sample_rate, config.ptime);
        let clock_rate = codec.rtp_clock_rate(sample_rate);
        // The codec's payload bit rate: the configured one for Opus, else a full frame's.
        let default_bps = match codec {
            Codec::Opus => config.opus.bitrate,
            _ => (encoder.max_payload_len(frame_samples) as u128 * 8 * 1_000_000
                / config.ptime.as_micros())
            .try_into()
            .unwrap_or(u32::MAX),
        };
        let rtcp = SessionRtcp::new(
            config.rtcp.as_ref(),
            config.seed,
            packetizer.ssrc(),
            clock_rate,
            default_bps,
        )?;
        // An RTP header (no CSRCs, no extension) and the largest payload: one frame from the
        // encoder, a telephone-event (4 bytes, RFC 4733 §2.3) or a SID (RFC 3389 §3).
        let datagram_len = RTP_FIXED_HEADER_LEN
            + encoder
                .max_payload_len(frame_samples)
                .max(4)
                .max(1 + codec::cn::MAX_ORDER);
        let voice_settings = config.voice;
        let mut session = MediaSession {
            payload_type,
            clock_rate,
            frame_samples,
            encode_buf: vec![0; encoder.max_payload_len(frame_samples)],
            encoder,
            packetizer,
            remote_ssrc: None,
            sequence: SequenceExtender::new(),
            last_sequence: None,
            jitter,
            cn_payload_type: (clock_rate == 8000 && payload_type != CN_PAYLOAD_TYPE)
                .then_some(CN_PAYLOAD_TYPE),
            event_receiver: match event_pt {
                Some(_) => Some(TelephoneEventReceiver::new(ReceiverConfig::new(
                    clock_rate,
                ))?),
                None => None,
            },
            event_sender: match event_pt {
                Some(_) => Some(TelephoneEventSender::new(
                    config.dtmf.sender_config(clock_rate, config.ptime),
                )?),
                None => None,
            },
            detector,
            collector: DigitCollector::new(),
            player: Player::new(sample_rate, 1)?,
            ivr: PlayAndCollect::new(sample_rate, 1)?,
            prompt_buf: vec![0; frame_samples],
            recorder: None,
            record_frame: AudioFrame::silence(sample_rate, 1, config.ptime)?,
            voice: None,
            loss: LossPattern::new(),
            next_quality_at: None,
            last_quality: None,
            playout_frame: AudioFrame::silence(sample_rate, 1, config.ptime)?,
            next_playout: None,
            last_rtp_at: None,
            timed_out: false,
            capture_buf: vec![0; frame_samples],
            capture_len: 0,
            sent_first: false,
            transmit: TransmitQueue::new(TRANSMIT_CAPACITY, datagram_len),
            rtcp,
            events: VecDeque::with_capacity(EVENT_CAPACITY),
            stats: SessionStats::default(),
            config,
        };
        session.start_voice(&voice_settings)?;
        Ok(session)
    }

    /// The configuration the session was built with.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// The codec used both ways.
    pub fn codec(&self) -> Codec {
        self.config.codec
    }

    /// The payload type used both ways.
    pub fn payload_type(&self) -> u8 {
        self.payload_type
    }

    /// Sample rate of captured and played audio, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.encoder.sample_rate()
    }

    /// Samples in one ptime frame (the size of [`MediaSession::pull_playout`]'s frames).
    pub fn frame_samples(&self) -> usize {
        self.frame_samples
    }

    /// The SSRC of the stream this session sends.
    pub fn local_ssrc(&self) -> u32 {
        self.packetizer.ssrc()
    }

    /// The SSRC of the stream this session receives, once one has been heard.
    pub fn remote_ssrc(&self) -> Option<u32> {
        self.remote_ssrc
    }

    /// Counters so far.
    pub fn stats(&self) -> SessionStats {
        let mut stats = self.stats;
        let jitter = self.jitter.stats();
        stats.playout_underruns = jitter.underruns;
        stats.playout_samples_dropped = jitter.samples_dropped;
        stats.packets_send_dropped = self.transmit.dropped;
        stats
    }

    /// Takes one received datagram.
    ///
    /// A malformed packet, one with another payload type (comfort noise, RFC 3389, is taken
    /// on 8 kHz codecs) or one too large for a packet time of 120 ms is rejected with an
    /// error and leaves the session as it was. Duplicates and packets whose turn to play
    /// has passed are counted and dropped.
    pub fn handle_rtp(&mut self, now: Instant, datagram: &[u8]) -> Result<()> {
        match self.receive(now, datagram) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.stats.packets_rejected += 1;
                Err(e)
            }
        }
    }

    fn receive(&mut self, now: Instant, datagram: &[u8]) -> Result<()> {
        let packet = RtpPacket::parse(datagram)?;
        let outcome = if packet.payload_type() == self.payload_type {
            self.jitter.insert(now, &packet, PacketKind::Audio)?
        } else if Some(packet.payload_type()) == self.cn_payload_type {
            self.jitter.insert(now, &packet, PacketKind::ComfortNoise)?
        } else if let (Some(receiver), Some(_)) = (
            self.event_receiver.as_mut(),
            self.config
                .telephone_event_payload_type
                .filter(|&pt| pt == packet.payload_type()),
        ) {
            receiver.handle_packet(
                now,
                packet.ssrc(),
                packet.sequence_number(),
                packet.timestamp(),
                packet.marker(),
                packet.payload(),
            )?;
            // The sender sends no audio during the event: that gap is not loss.
            self.jitter.mark_silence();
            self.drain_telephone_events(now);
            Insert::Stored
        } else {
            return Err(RtpError::UnexpectedPayloadType {
                got: packet.payload_type(),
                expected: self.payload_type,
            }
            .into());
        };

        let ssrc = packet.ssrc();
        match self.remote_ssrc {
            None => self.push_event(Event::RemoteSourceStarted { ssrc }),
            Some(old) if old != ssrc => {
                self.sequence.reset();
                self.last_sequence = None;
                self.push_event(Event::RemoteSourceChanged { old, new: ssrc });
            }
            Some(_) => {}
        }
        self.remote_ssrc = Some(ssrc);
        self.rtcp
            .on_rtp_received(now, ssrc, packet.sequence_number(), packet.timestamp());
        self.last_rtp_at = Some(now);
        if self.timed_out {
            self.timed_out = false;
            self.push_event(Event::RtpResumed);
        }

        let sequence = self.sequence.extend(u64::from(packet.sequence_number()));
        match self.last_sequence {
            Some(last) if sequence <= last => {
                // A packet counted lost when later ones came has arrived after all.
                if outcome != Insert::Duplicate {
                    self.stats.packets_lost = self.stats.packets_lost.saturating_sub(1);
                }
            }
            Some(last) => {
                let lost = sequence - last - 1;
                self.stats.packets_lost += lost;
                self.loss.record_lost(lost);
                self.loss.record(true);
                self.last_sequence = Some(sequence);
            }
            None => {
                self.loss.record(true);
                self.last_sequence = Some(sequence);
            }
        }
        match outcome {
            Insert::Duplicate | Insert::Late | Insert::Overflow => self.stats.packets_late += 1,
            Insert::Stored | Insert::StoredDroppingOldest => {
                self.stats.packets_received += 1;
                self.stats.bytes_received += packet.payload().len() as u64;
            }
        }
        if self.next_quality_at.is_none() {
            self.next_quality_at = self.config.quality_interval.map(|i| now + i);
        }
        Ok(())
    }

    /// One ptime frame of received audio for the speaker: decoded, concealed where packets
    /// are missing, comfort noise or silence where the sender sent none; then through the
    /// playout voice pipeline, if any stage of it is on. The frame is the echo canceller's
    /// reference, and what the recording's remote leg holds. In-band DTMF is looked for
    /// before the voice processing.
    pub fn pull_playout(&mut self, now: Instant) -> &AudioFrame {
        self.jitter.pull(now, self.playout_frame.samples_mut());
        self.next_playout = Some(now + self.config.ptime);
        self.report_quality(now);
        if let Some(detector) = self.detector.as_mut() {
            detector.process(self.playout_frame.samples());
        }
        while let Some(found) = self.detector.as_mut().and_then(|d| d.poll_digit()) {
            self.digit(now, found.digit, found.duration_ms, DigitSource::InBand);
        }
        // Only an engine's internal failure gets here; the frame plays as it is.
        let _ = self.playout_voice(now);
        self.record_received(now);
        &self.playout_frame
    }

    /// Decoded samples waiting to be played (packets waiting in the jitter buffer are not
    /// counted; see [`MediaSession::jitter_stats`]).
    pub fn playout_queued(&self) -> usize {
        self.jitter.samples_queued()
    }

    /// Drops all queued playout audio and waiting packets; playout starts again at the
    /// target delay when packets arrive.
    pub fn reset_playout(&mut self) {
        self.jitter.reset();
    }

    /// The jitter buffer's counters: decoded, concealed, stretched, late…
    pub fn jitter_stats(&self) -> JitterStats {
        self.jitter.stats()
    }

    /// The delay the jitter buffer added to the audio the last pull ended with, beyond what
    /// the fastest recent packet needed; `None` before playout starts or during the
    /// sender's silence.
    pub fn playout_delay(&self) -> Option<Duration> {
        self.jitter.playout_delay()
    }

    /// The delay the jitter buffer aims for now, from the arrival jitter it measured.
    pub fn target_delay(&self) -> Duration {
        self.jitter.target_delay()
    }

    /// The last [`Event::Quality`] estimate, if one was made.
    pub fn quality(&self) -> Option<QualityReport> {
        self.last_quality
    }

    /// Emits [`Event::Quality`] when its period has passed and packets arrived in it.
    fn report_quality(&mut self, now: Instant) {
        let (Some(due), Some(interval)) = (self.next_quality_at, self.config.quality_interval)
        else {
            return;
        };
        if now < due {
            return;
        }
        self.next_quality_at = Some(if now >= due + interval {
            now + interval
        } else {
            due + interval
        });
        if self.loss.packets() == 0 {
            return;
        }
        let network = self.rtcp.stats().rtt_ms.map_or(Duration::ZERO, |ms| {
            Duration::from_secs_f64(ms.max(0.0) / 2000.0)
        });
        let buffer = self
            .jitter
            .playout_delay()
            .unwrap_or(self.jitter.target_delay());
        let one_way = network + self.config.ptime + buffer;
        let bitrate = (self.config.codec == Codec::Opus).then_some(self.config.opus.bitrate);
        let impairment =
            CodecImpairment::for_codec(self.config.codec, self.encoder.sample_rate(), bitrate);
        let input = EModelInput::new(
            impairment,
            self.loss.loss_percent(),
            self.loss.burst_ratio(),
            one_way,
        );
        if let Ok(report) = crate::quality::evaluate(&input) {
            let quality = QualityReport {
                r: report.r,
                mos: report.mos,
                packet_loss_percent: self.loss.loss_percent(),
                burst_ratio: self.loss.burst_ratio(),
                one_way_delay: one_way,
                jitter_buffer_delay: buffer,
                packets: self.loss.packets(),
            };
            self.last_quality = Some(quality);
            self.push_event(Event::Quality(quality));
        }
        self.loss.reset();
    }

    /// Lets the session act on time passing (the RTP inactivity timeout, the RTCP timer,
    /// the quality report).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.rtcp.handle_timeout(now);
        self.report_quality(now);
        if let Some(receiver) = self.event_receiver.as_mut() {
            receiver.handle_timeout(now);
        }
        self.drain_telephone_events(now);
        self.collector.handle_timeout(now);
        self.drain_collector();
        self.ivr.handle_timeout(now);
        self.drain_prompts();
        self.recording_timeout(now);
        if let (Some(timeout), Some(last)) = (self.config.rtp_timeout, self.last_rtp_at) {
            let silent_for = now.saturating_duration_since(last);
            if !self.timed_out && silent_for >= timeout {
                self.timed_out = true;
                self.push_event(Event::RtpTimeout { silent_for });
            }
        }
    }

    /// The next event, oldest first.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When the host should next call: the next playout frame is due, the RTP timeout
    /// would fire, the RTCP timer runs out or a quality report is due. Calling earlier is harmless.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let rtp_deadline = match (self.config.rtp_timeout, self.last_rtp_at, self.timed_out) {
            (Some(timeout), Some(last), false) => Some(last + timeout),
            _ => None,
        };
        [
            self.next_playout,
            rtp_deadline,
            self.rtcp.poll_timeout(),
            self.next_quality_at,
            self.event_receiver.as_ref().and_then(|r| r.poll_timeout()),
            self.collector.poll_timeout(),
            self.ivr.poll_timeout(),
            self.recording_poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Takes one received RTCP datagram (a compound packet, RFC 3550 §6.1).
    ///
    /// An SR from the remote source dates our next report blocks (LSR, DLSR); blocks about
    /// our stream give the round-trip time; a BYE from the remote source becomes
    /// [`Event::RemoteBye`]. A malformed compound is rejected with [`Error::Rtcp`], counted
    /// in [`RtcpStats::rtcp_rejected`], and changes nothing.
    pub fn handle_rtcp(&mut self, now: Instant, datagram: &[u8]) -> Result<()> {
        if let Some((ssrc, reason)) = self.rtcp.handle_rtcp(now, datagram)? {
            self.push_event(Event::RemoteBye { ssrc, reason });
        }
        Ok(())
    }

    /// The RTCP compound to send now, if one is due; each is returned once.
    ///
    /// RFC 3550 §6.4: an SR when we sent RTP since the report before last, else an RR; a
    /// report block on the remote source once it is valid; SDES with our CNAME; and after
    /// [`close`](Self::close), the BYE. The timer (§6.2, A.7) starts at the session's first
    /// call that carries a time; the first report is due after half the minimum interval.
    /// Call it after [`handle_timeout`](Self::handle_timeout) or whenever
    /// [`poll_timeout`](Self::poll_timeout) has passed; a report due but not polled is sent
    /// at the next call, with figures as of that call.
    #[must_use]
    pub fn poll_rtcp(&mut self, now: Instant) -> Option<&[u8]> {
        self.rtcp.poll(now)
    }

    /// Leaves the session (RFC 3550 §6.3.7): a BYE compound is queued for
    /// [`poll_rtcp`](Self::poll_rtcp), at once in a small session, and no report follows it.
    /// Nothing is sent when RTCP is off or when the session never sent RTP or RTCP.
    pub fn close(&mut self, now: Instant) {
        // An empty reason always fits; the trial write cannot fail on length.
        let _ = self.rtcp.close(now, "");
    }

    /// [`close`](Self::close) with a reason for the BYE; fails when the reason is longer
    /// than 255 bytes, leaving the session open.
    pub fn close_with_reason(&mut self, now: Instant, reason: &str) -> Result<()> {
        self.rtcp.close(now, reason)
    }

    /// RTCP figures: reception of the remote source, round trip, reports in and out.
    pub fn rtcp_stats(&self) -> RtcpStats {
        self.rtcp.stats()
    }

    fn push_event(&mut self, event: Event) {
        if self.events.len() == EVENT_CAPACITY {
            self.events.pop_front();
            self.stats.events_dropped += 1;
        }
        self.events.push_back(event);
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_prompts;
#[cfg(test)]
mod tests_record;
#[cfg(test)]
mod tests_rtcp;
#[cfg(test)]
mod tests_voice;
