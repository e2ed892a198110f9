//! `MediaSession`: one call's media pipeline, with its events and counters as uniffi types.

use core::time::Duration;
use std::sync::Mutex;

use ::mediacore::rtcp::NtpTime;
use ::mediacore::{
    AudioFrame, Codec, DtmfSendConfig, Event, Instant, JitterConfig, JitterMode, RtcpConfig,
    SessionConfig,
};

use crate::dtmf::{CollectEndReason, DtmfSource};
use crate::opus::OpusSettings;
use crate::playback::{
    InterruptReason, PlayCollectConfig, PlayCollectResult, PlayOptions, PlaybackEvent, Prompt,
    collect_config, play_options,
};
use crate::record::{
    FinishedRecording, RecordLimit, RecordOptions, RecordingSummary, finished, record_target,
};
use crate::voice::{VoiceDirection, VoiceLevel, VoiceSettings};
use crate::{MediaError, lock};

/// Something that happened in a session, drained with [`MediaSession::poll_event`].
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
#[non_exhaustive]
pub enum MediaEvent {
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
        /// How long the session has been without RTP, in milliseconds (with the
        /// microseconds as a fraction, like the other bindings).
        silent_for_ms: f64,
    },
    /// RTP arrived again after a timeout.
    RtpResumed,
    /// The remote source left the session with an RTCP BYE (RFC 3550 §6.6).
    RemoteBye {
        /// The SSRC that left.
        ssrc: u32,
        /// The reason it gave, if any.
        reason: Option<String>,
    },
    /// The periodic call-quality estimate for the packets received since the last one.
    Quality {
        /// The estimate.
        report: QualityReport,
    },
    /// An RFC 4733 telephone-event began (its end comes as `Dtmf`).
    DtmfStarted {
        /// The key as a one-character string.
        digit: String,
    },
    /// A DTMF digit ended: from a telephone-event, the in-band detector or signalling.
    Dtmf {
        /// The key as a one-character string.
        digit: String,
        /// How long it lasted, in milliseconds (0 for signalled digits).
        duration_ms: u64,
        /// Where it came from.
        source: DtmfSource,
    },
    /// A digit collection started with `collect_digits` ended.
    DigitsCollected {
        /// The digits, without the terminator.
        digits: String,
        /// Why the collection ended.
        reason: CollectEndReason,
        /// The terminator key, when `reason` is `Terminator`.
        terminator: Option<String>,
        /// Whether at least `min_digits` digits were collected.
        min_digits_met: bool,
        /// When the collection ended, in microseconds: the digit's time, the deadline for
        /// timeouts, or the time given to `cancel_digit_collection`.
        ended_at_us: u64,
    },
    /// A prompt from `play_prompt` or `enqueue_prompt` started playing.
    PlaybackStarted {
        /// The id `play_prompt` or `enqueue_prompt` returned.
        id: u64,
    },
    /// A prompt played to its end.
    PlaybackFinished {
        /// The playback.
        id: u64,
    },
    /// A prompt was ended early, or taken from the queue before it started.
    PlaybackInterrupted {
        /// The playback.
        id: u64,
        /// Why.
        reason: InterruptReason,
        /// Whether any of it was played.
        started: bool,
        /// The digit that stopped it, when `reason` is `Dtmf`.
        digit: Option<String>,
    },
    /// A play-and-collect started with `play_and_collect` ended.
    PlayCollectDone {
        /// Its outcome.
        result: PlayCollectResult,
    },
    /// The recording started with `start_recording` reached a limit: the file is complete up
    /// to it and nothing more is recorded; collect it with `stop_recording`.
    RecordingLimitReached {
        /// Which limit.
        limit: RecordLimit,
        /// The recording at that point.
        summary: RecordingSummary,
    },
    /// The recording's file failed (it holds everything up to the last checkpoint) or took
    /// no more audio; collect it with `stop_recording`.
    RecordingFailed {
        /// The core's message.
        message: String,
    },
    /// A voice activity detector heard talk start: the local talker on `Capture`, the
    /// remote one on `Playout`.
    TalkStarted {
        /// Whose VAD.
        direction: VoiceDirection,
        /// Media time of the first 10 ms judged to be speech, in microseconds.
        at_us: u64,
    },
    /// Talk stopped: the VAD's hangover after the last speech ran out.
    TalkStopped {
        /// Whose VAD.
        direction: VoiceDirection,
        /// Media time of the end of the last speech plus the hangover, in microseconds.
        at_us: u64,
    },
    /// An event kind this binding does not translate yet, by its core name.
    Other {
        /// The core's snake_case name of the event kind.
        name: String,
    },
}

impl From<Event> for MediaEvent {
    fn from(event: Event) -> Self {
        match event {
            Event::RemoteSourceStarted { ssrc } => MediaEvent::RemoteSourceStarted { ssrc },
            Event::RemoteSourceChanged { old, new } => MediaEvent::RemoteSourceChanged { old, new },
            Event::RtpTimeout { silent_for } => MediaEvent::RtpTimeout {
                silent_for_ms: millis(silent_for),
            },
            Event::RtpResumed => MediaEvent::RtpResumed,
            Event::RemoteBye { ssrc, reason } => MediaEvent::RemoteBye { ssrc, reason },
            Event::Quality(report) => MediaEvent::Quality {
                report: report.into(),
            },
            Event::DtmfStarted { digit } => MediaEvent::DtmfStarted {
                digit: digit.to_string(),
            },
            Event::Dtmf {
                digit,
                duration_ms,
                source,
            } => MediaEvent::Dtmf {
                digit: digit.to_string(),
                duration_ms,
                source: source.into(),
            },
            Event::DigitsCollected(result) => MediaEvent::DigitsCollected {
                digits: result.digits.to_string(),
                reason: result.reason.into(),
                terminator: result.terminator.map(|d| d.to_string()),
                min_digits_met: result.min_digits_met,
                ended_at_us: result.ended_at.as_micros(),
            },
            Event::Playback(event) => match event.into() {
                PlaybackEvent::Started { id } => MediaEvent::PlaybackStarted { id },
                PlaybackEvent::Finished { id } => MediaEvent::PlaybackFinished { id },
                PlaybackEvent::Interrupted {
                    id,
                    reason,
                    started,
                    digit,
                } => MediaEvent::PlaybackInterrupted {
                    id,
                    reason,
                    started,
                    digit,
                },
            },
            Event::PlayCollectDone(result) => MediaEvent::PlayCollectDone {
                result: result.into(),
            },
            Event::RecordingLimitReached { limit, summary } => MediaEvent::RecordingLimitReached {
                limit: limit.into(),
                summary: summary.into(),
            },
            Event::RecordingFailed { message } => MediaEvent::RecordingFailed { message },
            Event::TalkStarted { direction, at } => MediaEvent::TalkStarted {
                direction: direction.into(),
                at_us: at.as_micros(),
            },
            Event::TalkStopped { direction, at } => MediaEvent::TalkStopped {
                direction: direction.into(),
                at_us: at.as_micros(),
            },
            other => MediaEvent::Other {
                name: other.name().to_owned(),
            },
        }
    }
}

/// `d` in milliseconds, keeping the microseconds as a fraction (like the other bindings).
pub(crate) fn millis(d: Duration) -> f64 {
    d.as_micros() as f64 / 1000.0
}

/// An estimate of the call's quality as heard here, by the ITU-T G.107 E-model.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct QualityReport {
    /// Transmission rating R (93.2 for a perfect narrowband call).
    pub r: f64,
    /// Mean opinion score estimated from R, 1 to 4.5.
    pub mos: f64,
    /// Packets lost in the period, in percent.
    pub packet_loss_percent: f64,
    /// G.107's burst ratio of those losses: 1 for random loss, above 1 for bursts.
    pub burst_ratio: f64,
    /// Mouth-to-ear delay the estimate assumes, in milliseconds.
    pub one_way_delay_ms: f64,
    /// The jitter buffer's share of it, in milliseconds.
    pub jitter_buffer_delay_ms: f64,
    /// Packets the period covers.
    pub packets: u64,
}

impl From<::mediacore::QualityReport> for QualityReport {
    fn from(report: ::mediacore::QualityReport) -> Self {
        let ::mediacore::QualityReport {
            r,
            mos,
            packet_loss_percent,
            burst_ratio,
            one_way_delay,
            jitter_buffer_delay,
            packets,
        } = report;
        QualityReport {
            r,
            mos,
            packet_loss_percent,
            burst_ratio,
            one_way_delay_ms: millis(one_way_delay),
            jitter_buffer_delay_ms: millis(jitter_buffer_delay),
            packets,
        }
    }
}

/// RTCP figures of a session (RFC 3550 A.1, A.3, A.8): reception of the remote source,
/// round trip, the peer's last report on our stream, compounds in and out.
#[derive(Debug, Clone, Copy, Default, PartialEq, uniffi::Record)]
pub struct RtcpStats {
    /// The source the reception figures are about, once heard.
    pub remote_ssrc: Option<u32>,
    /// Packets expected from the remote source since it became valid.
    pub packets_expected: u64,
    /// Packets counted from the remote source, duplicates included.
    pub packets_received: u64,
    /// Expected minus received; negative when duplicates arrived.
    pub cumulative_lost: i64,
    /// Share of packets lost, 0.0 to 1.0, over the interval closed by our last report.
    pub fraction_lost: f64,
    /// Interarrival jitter in RTP timestamp units.
    pub jitter: u32,
    /// Interarrival jitter in milliseconds.
    pub jitter_ms: f64,
    /// The last round-trip time in milliseconds, once measured.
    pub rtt_ms: Option<f64>,
    /// Round-trip times measured.
    pub rtt_samples: u64,
    /// The peer's last report on our stream: fraction lost, 0.0 to 1.0.
    pub remote_fraction_lost: Option<f64>,
    /// The peer's last report on our stream: cumulative lost.
    pub remote_cumulative_lost: Option<i64>,
    /// The peer's last report on our stream: jitter in milliseconds.
    pub remote_jitter_ms: Option<f64>,
    /// Compound packets we produced (reports and BYE).
    pub reports_sent: u64,
    /// Compound packets accepted.
    pub reports_received: u64,
    /// Datagrams given to `handle_rtcp` and rejected as malformed.
    pub rtcp_rejected: u64,
}

impl From<::mediacore::RtcpStats> for RtcpStats {
    fn from(stats: ::mediacore::RtcpStats) -> Self {
        // Destructured so that a figure added to the core fails to compile here.
        let ::mediacore::RtcpStats {
            remote_ssrc,
            packets_expected,
            packets_received,
            cumulative_lost,
            fraction_lost,
            jitter,
            jitter_ms,
            rtt_ms,
            rtt_samples,
            remote_fraction_lost,
            remote_cumulative_lost,
            remote_jitter_ms,
            reports_sent,
            reports_received,
            rtcp_rejected,
        } = stats;
        RtcpStats {
            remote_ssrc,
            packets_expected,
            packets_received,
            cumulative_lost,
            fraction_lost,
            jitter,
            jitter_ms,
            rtt_ms,
            rtt_samples,
            remote_fraction_lost,
            remote_cumulative_lost,
            remote_jitter_ms,
            reports_sent,
            reports_received,
            rtcp_rejected,
        }
    }
}

/// Writes a record of `u64` counters from one list, with its conversion from the core's
/// struct of the same name: the conversion destructures the core struct by these names, so a
/// counter added to the core fails to compile here until the record has it too.
macro_rules! counters_record {
    ($(#[doc = $sdoc:tt])* $name:ident { $($(#[doc = $doc:tt])* $field:ident,)+ }) => {
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, uniffi::Record)]
        pub struct $name {
            $($(#[doc = $doc])* pub $field: u64,)+
        }

        impl From<::mediacore::$name> for $name {
            fn from(stats: ::mediacore::$name) -> Self {
                let ::mediacore::$name { $($field),+ } = stats;
                $name { $($field),+ }
            }
        }
    };
}

counters_record! {
    /// Counters kept by a session.
    SessionStats {
    /// Valid RTP packets accepted.
    packets_received,
    /// Payload bytes in accepted packets.
    bytes_received,
    /// Datagrams rejected: malformed, wrong payload type or oversized.
    packets_rejected,
    /// Packets dropped because they were duplicates or arrived after later ones.
    packets_late,
    /// Packets the sender's sequence numbers show were never received.
    packets_lost,
    /// RTP packets produced for sending.
    packets_sent,
    /// Payload bytes in packets produced.
    bytes_sent,
    /// Outgoing packets dropped because the host did not drain them in time.
    packets_send_dropped,
    /// Playout frames that ran out of received audio while playing.
    playout_underruns,
    /// Received samples dropped because the playout queue was full.
    playout_samples_dropped,
    /// Events dropped because the host did not drain them in time.
    events_dropped,
    }
}

counters_record! {
    /// Counters kept by a session's jitter buffer; sample counts are at the session's rate.
    JitterStats {
    /// Packets stored for playout.
    packets_inserted,
    /// Packets that were already stored.
    packets_duplicate,
    /// Packets that arrived after their audio's turn had passed.
    packets_late,
    /// Packets dropped because the store was full.
    packets_overflow,
    /// Packets the decoder refused; concealed instead.
    decode_errors,
    /// Samples decoded from received packets.
    samples_decoded,
    /// Samples rebuilt from the next packet's in-band FEC.
    samples_fec,
    /// Samples made up by loss concealment.
    samples_concealed,
    /// Samples of comfort noise played for the sender's intended silence.
    samples_comfort_noise,
    /// Samples of silence: before playout starts, between talkspurts, after underruns.
    samples_silence,
    /// Samples removed by accelerating.
    samples_accelerated,
    /// Samples added by expanding.
    samples_expanded,
    /// Decoded samples dropped whole to shorten the delay.
    samples_dropped,
    /// Times the buffer ran out of packets while playing.
    underruns,
    /// Times playout took back packets that arrived during an underrun.
    resumed_late,
    /// Times the sender's timeline was re-anchored (timestamp jump or new SSRC).
    resyncs,
    }
}

/// A session's settings, as `MediaSession`'s constructor takes them (one field per
/// argument, with the same defaults): what `Conference::add_participant` builds a
/// participant's session from.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SessionSettings {
    /// The SDP encoding name, e.g. "PCMU".
    pub codec: String,
    /// Picks the SSRC and the initial sequence number and timestamp.
    #[uniffi(default = 0)]
    pub seed: u64,
    /// `None` uses the codec's static type (Opus and L16 have none: give one).
    #[uniffi(default = None)]
    pub payload_type: Option<u8>,
    /// Audio per packet, in milliseconds.
    #[uniffi(default = 20)]
    pub ptime_ms: u32,
    /// `None` never reports an RTP timeout.
    #[uniffi(default = Some(30000))]
    pub rtp_timeout_ms: Option<u64>,
    /// `None` runs at the codec's default rate.
    #[uniffi(default = None)]
    pub sample_rate: Option<u32>,
    /// The Opus encoder's settings (its frame duration is `ptime_ms`: `frame_ms` stays
    /// `None`).
    #[uniffi(default = None)]
    pub opus: Option<OpusSettings>,
    /// "adaptive" or "fixed".
    #[uniffi(default = "adaptive")]
    pub jitter_mode: String,
    /// The jitter buffer's least delay; `None` keeps the core's default.
    #[uniffi(default = None)]
    pub min_delay_ms: Option<u32>,
    /// The jitter buffer's greatest delay; `None` keeps the core's default.
    #[uniffi(default = None)]
    pub max_delay_ms: Option<u32>,
    /// The delay before any packet arrived, and a fixed buffer's delay.
    #[uniffi(default = None)]
    pub initial_delay_ms: Option<u32>,
    /// A `Quality` event this often while RTP arrives (`None` or 0: never).
    #[uniffi(default = Some(5000))]
    pub quality_interval_ms: Option<u64>,
    /// Whether to send RTCP.
    #[uniffi(default = true)]
    pub rtcp: bool,
    /// The RTCP CNAME (`None` derives one from the seed).
    #[uniffi(default = None)]
    pub cname: Option<String>,
    /// The wall-clock time at `now_us` 0 for SR timestamps (`None`: the Unix epoch).
    #[uniffi(default = None)]
    pub ntp_origin_unix_ms: Option<u64>,
    /// RFC 4733 telephone-event payload type both ways (`None`: none).
    #[uniffi(default = Some(101))]
    pub telephone_event_payload_type: Option<u8>,
    /// Also look for DTMF tones in the received audio (8 and 16 kHz sessions).
    #[uniffi(default = false)]
    pub detect_inband_dtmf: bool,
    /// How long each sent digit lasts, 1 to 600000 ms.
    #[uniffi(default = 100)]
    pub dtmf_duration_ms: u32,
    /// Silence between sent digits, at most 60000 ms.
    #[uniffi(default = 100)]
    pub dtmf_gap_ms: u32,
    /// Volume of sent digits in dBm0 below 0, 0 to 63.
    #[uniffi(default = 10)]
    pub dtmf_volume: u8,
    /// Voice processing on capture and playout (`None`: every stage off).
    #[uniffi(default = None)]
    pub voice: Option<VoiceSettings>,
}

impl SessionSettings {
    /// The core's session configuration (the core checks the values when it builds the
    /// session).
    pub(crate) fn to_core(&self) -> Result<SessionConfig, MediaError> {
        let codec = Codec::from_name(&self.codec)?;
        let mut jitter = JitterConfig {
            mode: JitterMode::from_name(&self.jitter_mode)?,
            ..JitterConfig::default()
        };
        let delay = &mut jitter.delay;
        for (field, ms) in [
            (&mut delay.min_delay, self.min_delay_ms),
            (&mut delay.max_delay, self.max_delay_ms),
            (&mut delay.initial_delay, self.initial_delay_ms),
        ] {
            *field = ms.map_or(*field, |ms| Duration::from_millis(u64::from(ms)));
        }
        let rtcp = self.rtcp.then(|| RtcpConfig {
            cname: self.cname.clone(),
            ntp_origin: self
                .ntp_origin_unix_ms
                .map_or(RtcpConfig::default().ntp_origin, |ms| {
                    NtpTime::from_unix(Duration::from_millis(ms))
                }),
            ..RtcpConfig::default()
        });
        Ok(SessionConfig {
            payload_type: self.payload_type,
            sample_rate: self.sample_rate,
            ptime: Duration::from_millis(u64::from(self.ptime_ms)),
            seed: self.seed,
            rtp_timeout: self.rtp_timeout_ms.map(Duration::from_millis),
            opus: self
                .opus
                .unwrap_or_default()
                .resolve(codec, Some("ptime_ms"))?,
            rtcp,
            jitter,
            // 0 turns quality events off like None (the core refuses a zero interval).
            quality_interval: self
                .quality_interval_ms
                .filter(|&ms| ms > 0)
                .map(Duration::from_millis),
            telephone_event_payload_type: self.telephone_event_payload_type,
            detect_inband_dtmf: self.detect_inband_dtmf,
            dtmf: DtmfSendConfig {
                duration: Duration::from_millis(u64::from(self.dtmf_duration_ms)),
                gap: Duration::from_millis(u64::from(self.dtmf_gap_ms)),
                volume: self.dtmf_volume,
            },
            voice: self
                .voice
                .as_ref()
                .map(VoiceSettings::to_core)
                .unwrap_or_default(),
            ..SessionConfig::new(codec)
        })
    }
}

/// One call's media: decode and play what arrives, encode and packetize what is captured.
///
/// Drive it with `handle_rtp`/`push_capture` in and `poll_transmit`/`pull_playout`/
/// `poll_event` out, and call `handle_timeout` at `poll_timeout()`.
#[derive(uniffi::Object)]
pub struct MediaSession {
    inner: Mutex<::mediacore::MediaSession>,
}

impl MediaSession {
    /// The object around a session built elsewhere (one a conference hands back).
    pub(crate) fn from_core(session: ::mediacore::MediaSession) -> Self {
        MediaSession {
            inner: Mutex::new(session),
        }
    }
}

#[uniffi::export]
impl MediaSession {
    /// A session for an SDP encoding name. `payload_type` `None` uses the codec's static
    /// type; `rtp_timeout_ms` `None` never reports an RTP timeout; `sample_rate` `None` runs
    /// at the codec's default rate. `opus` sets the Opus encoder when the codec is Opus; its
    /// frame duration is `ptime_ms` (10, 20, 40 or 60), so `frame_ms` must stay `None`.
    ///
    /// The jitter buffer is `jitter_mode` "adaptive" (follows the network's jitter between
    /// `min_delay_ms` and `max_delay_ms`, starting at `initial_delay_ms`) or "fixed" (holds
    /// `initial_delay_ms`); a delay left `None` keeps the core's `DelayConfig::default()`.
    /// A `Quality` event comes every `quality_interval_ms` while RTP arrives (`None` or 0:
    /// never). `rtcp` false sends no RTCP; `cname` is the RTCP CNAME (`None` derives one
    /// from the seed) and `ntp_origin_unix_ms` the wall-clock time at `now_us` 0 for SR
    /// timestamps (`None`: the Unix epoch). RFC 4733 telephone-events use payload type
    /// `telephone_event_payload_type` both ways (`None`: none); `detect_inband_dtmf` also
    /// looks for DTMF tones in the received audio (8 and 16 kHz sessions). Digits given to
    /// `send_dtmf` last `dtmf_duration_ms` (1 to 600000) with `dtmf_gap_ms` (at most
    /// 60000) between them, at volume `dtmf_volume` (dBm0 below 0, 0 to 63). `voice` turns
    /// voice processing stages on (`None`: all off).
    #[uniffi::constructor(default(
        seed = 0,
        payload_type = None,
        ptime_ms = 20,
        rtp_timeout_ms = Some(30000),
        sample_rate = None,
        opus = None,
        jitter_mode = "adaptive",
        min_delay_ms = None,
        max_delay_ms = None,
        initial_delay_ms = None,
        quality_interval_ms = Some(5000),
        rtcp = true,
        cname = None,
        ntp_origin_unix_ms = None,
        telephone_event_payload_type = Some(101),
        detect_inband_dtmf = false,
        dtmf_duration_ms = 100,
        dtmf_gap_ms = 100,
        dtmf_volume = 10,
        voice = None
    ))]
    #[allow(clippy::too_many_arguments)] // one argument per SessionConfig setting
    pub fn new(
        codec: String,
        seed: u64,
        payload_type: Option<u8>,
        ptime_ms: u32,
        rtp_timeout_ms: Option<u64>,
        sample_rate: Option<u32>,
        opus: Option<OpusSettings>,
        jitter_mode: String,
        min_delay_ms: Option<u32>,
        max_delay_ms: Option<u32>,
        initial_delay_ms: Option<u32>,
        quality_interval_ms: Option<u64>,
        rtcp: bool,
        cname: Option<String>,
        ntp_origin_unix_ms: Option<u64>,
        telephone_event_payload_type: Option<u8>,
        detect_inband_dtmf: bool,
        dtmf_duration_ms: u32,
        dtmf_gap_ms: u32,
        dtmf_volume: u8,
        voice: Option<VoiceSettings>,
    ) -> Result<Self, MediaError> {
        let settings = SessionSettings {
            codec,
            seed,
            payload_type,
            ptime_ms,
            rtp_timeout_ms,
            sample_rate,
            opus,
            jitter_mode,
            min_delay_ms,
            max_delay_ms,
            initial_delay_ms,
            quality_interval_ms,
            rtcp,
            cname,
            ntp_origin_unix_ms,
            telephone_event_payload_type,
            detect_inband_dtmf,
            dtmf_duration_ms,
            dtmf_gap_ms,
            dtmf_volume,
            voice,
        };
        Ok(MediaSession::from_core(::mediacore::MediaSession::new(
            settings.to_core()?,
        )?))
    }

    /// The voice settings in force: the constructor's, with the stages switched since.
    pub fn voice_settings(&self) -> VoiceSettings {
        VoiceSettings::from_core(&lock(&self.inner).voice_settings())
    }

    /// Whether `stage` runs on `direction`'s pipeline.
    pub fn voice_stage(&self, direction: VoiceDirection, stage: crate::VoiceStage) -> bool {
        lock(&self.inner).voice_stage(direction.into(), stage.into())
    }

    /// Switches one voice stage while the call runs (built when first switched on; one
    /// switched off keeps what it learnt). Fails, changing nothing, for a stage the path
    /// does not have, comfort noise without the capture VAD or on a session whose RTP clock
    /// is not 8 kHz, or switching off a VAD that comfort noise or barge-in needs.
    pub fn set_voice_stage(
        &self,
        direction: VoiceDirection,
        stage: crate::VoiceStage,
        on: bool,
    ) -> Result<(), MediaError> {
        Ok(lock(&self.inner).set_voice_stage(direction.into(), stage.into(), on)?)
    }

    /// Whether the remote party's speech (the playout VAD) stops an interruptible prompt;
    /// fails when turning it on while the playout VAD is off.
    pub fn set_barge_in_on_speech(&self, on: bool) -> Result<(), MediaError> {
        Ok(lock(&self.inner).set_barge_in_on_speech(on)?)
    }

    /// `direction`'s level while its level meter is on.
    pub fn voice_level(&self, direction: VoiceDirection) -> Option<VoiceLevel> {
        lock(&self.inner)
            .voice_level(direction.into())
            .map(Into::into)
    }

    /// Whether `direction`'s VAD hears voice now (false while it is off).
    pub fn is_talking(&self, direction: VoiceDirection) -> bool {
        lock(&self.inner).is_talking(direction.into())
    }

    /// The SDP encoding name of the codec used both ways.
    pub fn codec(&self) -> String {
        lock(&self.inner).codec().name().to_owned()
    }

    /// The RTP payload type used both ways.
    pub fn payload_type(&self) -> u8 {
        lock(&self.inner).payload_type()
    }

    /// Sample rate of captured and played audio, in Hz.
    pub fn sample_rate(&self) -> u32 {
        lock(&self.inner).sample_rate()
    }

    /// Samples in one ptime frame (the length of `pull_playout`'s result).
    pub fn frame_samples(&self) -> u32 {
        // At most 120 ms at the highest codec rate: far below u32::MAX.
        u32::try_from(lock(&self.inner).frame_samples()).unwrap_or(u32::MAX)
    }

    /// The SSRC of the stream this session sends.
    pub fn local_ssrc(&self) -> u32 {
        lock(&self.inner).local_ssrc()
    }

    /// The SSRC of the stream this session receives, once one has been heard.
    pub fn remote_ssrc(&self) -> Option<u32> {
        lock(&self.inner).remote_ssrc()
    }

    /// Takes one received datagram; a rejected one is an error and changes nothing.
    pub fn handle_rtp(&self, now_us: u64, datagram: Vec<u8>) -> Result<(), MediaError> {
        Ok(lock(&self.inner).handle_rtp(Instant::from_micros(now_us), &datagram)?)
    }

    /// Takes captured mono audio (any length) at the session's sample rate.
    pub fn push_capture(&self, now_us: u64, pcm: Vec<i16>) -> Result<(), MediaError> {
        let mut session = lock(&self.inner);
        let frame = AudioFrame::new(pcm, session.sample_rate(), 1)?;
        Ok(session.push_capture(Instant::from_micros(now_us), &frame)?)
    }

    /// The next datagram to send, or `None` when there is nothing to send.
    pub fn poll_transmit(&self, now_us: u64) -> Option<Vec<u8>> {
        lock(&self.inner)
            .poll_transmit(Instant::from_micros(now_us))
            .map(<[u8]>::to_vec)
    }

    /// One ptime frame of received audio for the speaker (silence where none arrived).
    pub fn pull_playout(&self, now_us: u64) -> Vec<i16> {
        lock(&self.inner)
            .pull_playout(Instant::from_micros(now_us))
            .samples()
            .to_vec()
    }

    /// The next event, oldest first, or `None`.
    pub fn poll_event(&self) -> Option<MediaEvent> {
        lock(&self.inner).poll_event().map(MediaEvent::from)
    }

    /// When to call `handle_timeout` next, in microseconds, or `None`.
    pub fn poll_timeout(&self) -> Option<u64> {
        lock(&self.inner).poll_timeout().map(Instant::as_micros)
    }

    /// Lets the session act on time passing (the RTP inactivity timeout, the RTCP timer,
    /// the quality report).
    pub fn handle_timeout(&self, now_us: u64) {
        lock(&self.inner).handle_timeout(Instant::from_micros(now_us));
    }

    /// Counters so far.
    pub fn stats(&self) -> SessionStats {
        lock(&self.inner).stats().into()
    }

    /// The jitter buffer's counters: decoded, concealed, stretched, late…
    pub fn jitter_stats(&self) -> JitterStats {
        lock(&self.inner).jitter_stats().into()
    }

    /// The delay the jitter buffer added to the last frame played, in milliseconds; `None`
    /// before playout starts or during the sender's silence.
    pub fn playout_delay_ms(&self) -> Option<f64> {
        lock(&self.inner).playout_delay().map(millis)
    }

    /// The delay the jitter buffer aims for now, in milliseconds.
    pub fn target_delay_ms(&self) -> f64 {
        millis(lock(&self.inner).target_delay())
    }

    /// The last quality estimate (what the last `Quality` event said), or `None`.
    pub fn quality(&self) -> Option<QualityReport> {
        lock(&self.inner).quality().map(QualityReport::from)
    }

    /// Takes one received RTCP compound; a malformed one is a `Rtcp` error, counted in
    /// `rtcp_stats().rtcp_rejected`, and changes nothing else.
    pub fn handle_rtcp(&self, now_us: u64, datagram: Vec<u8>) -> Result<(), MediaError> {
        Ok(lock(&self.inner).handle_rtcp(Instant::from_micros(now_us), &datagram)?)
    }

    /// The RTCP compound to send now, if one is due (each is returned once), or `None`.
    pub fn poll_rtcp(&self, now_us: u64) -> Option<Vec<u8>> {
        lock(&self.inner)
            .poll_rtcp(Instant::from_micros(now_us))
            .map(<[u8]>::to_vec)
    }

    /// Leaves the session (the core's `close`): a BYE with `reason` is queued for
    /// `poll_rtcp` (none when RTCP is off or nothing was ever sent). A reason longer than
    /// 255 bytes is a `Rtcp` error. Named `leave` because Kotlin's `AutoCloseable.close()`
    /// on the generated class frees the object.
    #[uniffi::method(default(reason = None))]
    pub fn leave(&self, now_us: u64, reason: Option<String>) -> Result<(), MediaError> {
        let now = Instant::from_micros(now_us);
        let mut session = lock(&self.inner);
        match reason {
            Some(reason) => Ok(session.close_with_reason(now, &reason)?),
            None => {
                session.close(now);
                Ok(())
            }
        }
    }

    /// Queues DTMF digits (0-9, *, #, A-D) to send as RFC 4733 telephone-events, 100 ms
    /// each with 100 ms between them, in place of the captured audio (keep calling
    /// `push_capture`). An error, queueing nothing, for a character that is not a digit, a
    /// full queue or a session without a telephone-event payload type.
    pub fn send_dtmf(&self, digits: String) -> Result<(), MediaError> {
        Ok(lock(&self.inner).send_dtmf(&digits)?)
    }

    /// Whether telephone-events are being sent (the captured audio is held back meanwhile).
    pub fn is_sending_dtmf(&self) -> bool {
        lock(&self.inner).is_sending_dtmf()
    }

    /// Starts collecting digits (telephone-events, in-band and signalled alike); the result
    /// comes as a `DigitsCollected` event. A timeout of `None` is off. A collection under
    /// way is replaced. An error for a configuration the engine refuses.
    #[uniffi::method(default(
        min_digits = 1,
        max_digits = 20,
        terminators = "#",
        first_digit_timeout_ms = Some(5000),
        inter_digit_timeout_ms = Some(3000),
        overall_timeout_ms = None
    ))]
    #[allow(clippy::too_many_arguments)] // one argument per CollectConfig field
    pub fn collect_digits(
        &self,
        now_us: u64,
        min_digits: u32,
        max_digits: u32,
        terminators: String,
        first_digit_timeout_ms: Option<u64>,
        inter_digit_timeout_ms: Option<u64>,
        overall_timeout_ms: Option<u64>,
    ) -> Result<(), MediaError> {
        let config = collect_config(
            min_digits,
            max_digits,
            &terminators,
            first_digit_timeout_ms,
            inter_digit_timeout_ms,
            overall_timeout_ms,
        )?;
        Ok(lock(&self.inner).collect_digits(Instant::from_micros(now_us), config)?)
    }

    /// Ends the digit collection under way, if any, with reason `Cancelled`.
    pub fn cancel_digit_collection(&self, now_us: u64) {
        lock(&self.inner).cancel_digit_collection(Instant::from_micros(now_us));
    }

    /// A digit the call's signalling carried (e.g. SIP INFO), as a one-character string:
    /// reported as a `Dtmf` event and collected like any other.
    pub fn push_signalled_digit(&self, now_us: u64, digit: String) -> Result<(), MediaError> {
        let digit = digit.parse::<::mediacore::dtmf::Digit>()?;
        lock(&self.inner).push_signalled_digit(Instant::from_micros(now_us), digit);
        Ok(())
    }

    /// Plays `prompt` (mono, at the session's `sample_rate`) to the remote party in place of
    /// the captured audio (keep calling `push_capture`), replacing what plays or waits;
    /// returns its id. Its events are `PlaybackStarted`, then `PlaybackFinished` or
    /// `PlaybackInterrupted`. An error, changing nothing, for a prompt of another layout.
    #[uniffi::method(default(options = None))]
    pub fn play_prompt(
        &self,
        prompt: &Prompt,
        options: Option<PlayOptions>,
    ) -> Result<u64, MediaError> {
        let options = play_options(options);
        Ok(lock(&self.inner).play_prompt(prompt.inner.clone(), options)?)
    }

    /// Plays `prompt` after the prompts playing or waiting; returns its id.
    #[uniffi::method(default(options = None))]
    pub fn enqueue_prompt(
        &self,
        prompt: &Prompt,
        options: Option<PlayOptions>,
    ) -> Result<u64, MediaError> {
        let options = play_options(options);
        Ok(lock(&self.inner).enqueue_prompt(prompt.inner.clone(), options)?)
    }

    /// Stops the prompts; returns whether any played or waited.
    pub fn stop_playback(&self) -> bool {
        lock(&self.inner).stop_playback()
    }

    /// Whether a prompt (or a play-and-collect's prompt) plays or waits.
    pub fn is_playing(&self) -> bool {
        lock(&self.inner).is_playing()
    }

    /// Starts a play-and-collect at `now_us`: its prompts play in place of the captured
    /// audio and it takes every digit (telephone-events, in-band, signalled) until it ends
    /// with a `PlayCollectDone` event. One under way is replaced without a result. An error,
    /// changing nothing, for a configuration the engine refuses.
    pub fn play_and_collect(
        &self,
        now_us: u64,
        config: PlayCollectConfig,
    ) -> Result<(), MediaError> {
        let config = config.to_core()?;
        Ok(lock(&self.inner).play_and_collect(Instant::from_micros(now_us), config)?)
    }

    /// Ends the play-and-collect under way, if any, with reason `Cancelled`.
    pub fn cancel_play_and_collect(&self, now_us: u64) {
        lock(&self.inner).cancel_play_and_collect(Instant::from_micros(now_us));
    }

    /// Whether a play-and-collect is under way.
    pub fn is_play_collecting(&self) -> bool {
        lock(&self.inner).is_play_collecting()
    }

    /// Starts recording the call at `now_us` into memory or a new file at `path`: the remote
    /// party is leg 0 (left in stereo), what the session sends leg 1 (right). An error for
    /// options the engine refuses, a file that cannot be created, or a recording already
    /// running.
    #[uniffi::method(default(path = None))]
    pub fn start_recording(
        &self,
        now_us: u64,
        options: RecordOptions,
        path: Option<String>,
    ) -> Result<(), MediaError> {
        let config = options.to_core()?;
        let target = record_target(path)?;
        let now = Instant::from_micros(now_us);
        Ok(lock(&self.inner).start_recording(now, config, target)?)
    }

    /// Pauses the recording; an error when none runs.
    pub fn pause_recording(&self, now_us: u64) -> Result<(), MediaError> {
        Ok(lock(&self.inner).pause_recording(Instant::from_micros(now_us))?)
    }

    /// Resumes the recording; an error when none runs.
    pub fn resume_recording(&self, now_us: u64) -> Result<(), MediaError> {
        Ok(lock(&self.inner).resume_recording(Instant::from_micros(now_us))?)
    }

    /// Completes the recording: the file's bytes (memory) or `None` (a file on disk), and
    /// what it holds. An error when none runs.
    pub fn stop_recording(&self, now_us: u64) -> Result<FinishedRecording, MediaError> {
        let (target, summary) = lock(&self.inner).stop_recording(Instant::from_micros(now_us))?;
        finished(target, summary)
    }

    /// Whether a recording runs (also one stopped at a limit and not yet collected).
    pub fn is_recording(&self) -> bool {
        lock(&self.inner).is_recording()
    }

    /// Audio recorded so far in milliseconds, or `None` when not recording.
    pub fn recording_duration_ms(&self) -> Option<f64> {
        lock(&self.inner).recording_duration().map(millis)
    }

    /// RTCP figures: reception of the remote source, round trip, reports in and out.
    pub fn rtcp_stats(&self) -> RtcpStats {
        lock(&self.inner).rtcp_stats().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PCMU session with the constructor's defaults, as Kotlin and Swift get them.
    fn session(seed: u64) -> MediaSession {
        MediaSession::new(
            "PCMU".into(),
            seed,
            None,
            20,
            Some(30_000),
            None,
            None,
            "adaptive".into(),
            None,
            None,
            None,
            Some(5000),
            true,
            None,
            None,
            Some(101),
            false,
            100,
            100,
            10,
            None,
        )
        .unwrap()
    }

    #[test]
    fn two_sessions_hear_each_other() {
        let a = session(1);
        let b = session(2);
        for i in 0..4u64 {
            a.push_capture(i * 20_000, vec![1000; 160]).unwrap();
            while let Some(datagram) = a.poll_transmit(i * 20_000) {
                b.handle_rtp(i * 20_000, datagram).unwrap();
            }
            assert_eq!(b.pull_playout(i * 20_000).len(), 160);
        }
        assert_eq!(
            b.poll_event(),
            Some(MediaEvent::RemoteSourceStarted {
                ssrc: a.local_ssrc()
            })
        );
        assert_eq!(b.stats().packets_received, 4);
        let err = b.handle_rtp(0, vec![0x80]).unwrap_err();
        assert!(matches!(err, MediaError::Rtp { .. }), "{err:?}");
        let err = b.handle_rtcp(0, vec![0x80, 0xc9, 0, 5]).unwrap_err();
        assert!(matches!(err, MediaError::Rtcp { .. }), "{err:?}");
        assert_eq!(b.rtcp_stats().rtcp_rejected, 1);
    }

    #[test]
    fn prompts_and_play_and_collect_report_as_media_events() {
        let s = session(1);
        let beep = Prompt::from_samples(8000, vec![1000; 160], 1).unwrap();
        let id = s.play_prompt(&beep, None).unwrap();
        assert!(s.is_playing());
        s.push_capture(0, vec![0; 160]).unwrap();
        assert_eq!(s.poll_event(), Some(MediaEvent::PlaybackStarted { id }));
        assert_eq!(s.poll_event(), Some(MediaEvent::PlaybackFinished { id }));
        let config = PlayCollectConfig {
            accept: vec!["7".into()],
            max_digits: 1,
            ..PlayCollectConfig::with_defaults(vec![std::sync::Arc::new(beep)])
        };
        s.play_and_collect(20_000, config).unwrap();
        assert!(s.is_play_collecting());
        s.push_signalled_digit(30_000, "7".into()).unwrap();
        let events: Vec<MediaEvent> = std::iter::from_fn(|| s.poll_event()).collect();
        let done = MediaEvent::PlayCollectDone {
            result: PlayCollectResult {
                reason: crate::PlayCollectReason::Digits,
                digits: "7".into(),
                terminator: None,
                attempts: 1,
                collect_reason: Some(CollectEndReason::MaxDigits),
                ended_at_us: 30_000,
            },
        };
        assert_eq!(events.last(), Some(&done), "{events:?}");
        assert!(!s.is_play_collecting());
    }
}
