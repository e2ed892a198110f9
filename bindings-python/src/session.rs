//! `MediaSession`: one call's media pipeline, driven with integer microsecond times.

use core::time::Duration;
use std::sync::{Mutex, PoisonError};

use ::mediacore::jitter::{JitterConfig, JitterMode};
use ::mediacore::rtcp::NtpTime;
use ::mediacore::{
    AudioFrame, Codec, DtmfSendConfig, Event, Instant, QualityReport, RtcpConfig, RtcpStats,
    SessionConfig,
};
use pyo3::prelude::*;
use pyo3::types::{IntoPyDict, PyBytes, PyDict, PyTuple};

use crate::media_err;
use crate::opus::opus_config;
use crate::pcm::{bytes_from_py, pcm_from_py, pcm_to_py};
use crate::playback::{
    PyPlayCollectConfig, PyPlayOptions, PyPrompt, collect_config, play_options,
    set_play_collect_result, set_playback_event,
};
use crate::record::{PyRecordOptions, finished, limit_name, record_target, set_summary};
use crate::voice::{PyVoiceSettings, direction, level_dict, stage};

/// `d` in milliseconds, keeping the microseconds as a fraction.
pub(crate) fn millis(d: Duration) -> f64 {
    d.as_micros() as f64 / 1000.0
}

/// One call's media: decode and play what arrives, encode and packetize what is captured.
// The Mutex only makes the class `Sync`; pyo3's borrow checking already gives each call
// exclusive access, so it is reached through `get_mut` and never locked.
#[pyclass(module = "mediacore", name = "MediaSession")]
pub struct PyMediaSession {
    inner: Mutex<::mediacore::MediaSession>,
}

impl PyMediaSession {
    /// The class around a session built elsewhere (one a conference hands back).
    pub(crate) fn from_core(session: ::mediacore::MediaSession) -> Self {
        PyMediaSession {
            inner: Mutex::new(session),
        }
    }

    fn inner(&mut self) -> &mut ::mediacore::MediaSession {
        self.inner.get_mut().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A session's settings, parsed from the arguments of `MediaSession(...)`: once, for a
/// session and for a conference's participant (`Conference.add_participant`). Not exported:
/// the binding calls its type with the arguments it was given.
#[pyclass(module = "mediacore", name = "SessionSettings", frozen)]
pub(crate) struct SessionSettings(SessionConfig);

#[pymethods]
impl SessionSettings {
    #[new]
    #[pyo3(
        signature = (
            codec, seed = 0, payload_type = None, ptime_ms = 20, rtp_timeout_ms = Some(30_000),
            sample_rate = None, jitter_mode = "adaptive", min_delay_ms = None,
            max_delay_ms = None, initial_delay_ms = None, quality_interval_ms = Some(5_000),
            rtcp = true, cname = None, ntp_origin_unix_ms = None,
            telephone_event_payload_type = Some(101), detect_inband_dtmf = false,
            dtmf_duration_ms = 100, dtmf_gap_ms = 100, dtmf_volume = 10, voice = None, **opus
        )
    )]
    #[allow(clippy::too_many_arguments)] // one argument per SessionConfig setting
    fn new(
        codec: &str,
        seed: u64,
        payload_type: Option<u8>,
        ptime_ms: u64,
        rtp_timeout_ms: Option<u64>,
        sample_rate: Option<u32>,
        jitter_mode: &str,
        min_delay_ms: Option<u64>,
        max_delay_ms: Option<u64>,
        initial_delay_ms: Option<u64>,
        quality_interval_ms: Option<u64>,
        rtcp: bool,
        cname: Option<String>,
        ntp_origin_unix_ms: Option<u64>,
        telephone_event_payload_type: Option<u8>,
        detect_inband_dtmf: bool,
        dtmf_duration_ms: u64,
        dtmf_gap_ms: u64,
        dtmf_volume: u8,
        voice: Option<PyVoiceSettings>,
        opus: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let codec = Codec::from_name(codec).map_err(media_err)?;
        // The session's ptime sets the Opus frame duration.
        let opus = opus_config(opus, codec, Some("ptime_ms"))?;
        let mut jitter = JitterConfig {
            mode: JitterMode::from_name(jitter_mode).map_err(media_err)?,
            ..JitterConfig::default()
        };
        let delay = &mut jitter.delay;
        for (field, ms) in [
            (&mut delay.min_delay, min_delay_ms),
            (&mut delay.max_delay, max_delay_ms),
            (&mut delay.initial_delay, initial_delay_ms),
        ] {
            *field = ms.map_or(*field, Duration::from_millis);
        }
        let rtcp = rtcp.then(|| RtcpConfig {
            cname,
            ntp_origin: ntp_origin_unix_ms.map_or(RtcpConfig::default().ntp_origin, |ms| {
                NtpTime::from_unix(Duration::from_millis(ms))
            }),
            ..RtcpConfig::default()
        });
        Ok(SessionSettings(SessionConfig {
            payload_type,
            sample_rate,
            ptime: Duration::from_millis(ptime_ms),
            seed,
            rtp_timeout: rtp_timeout_ms.map(Duration::from_millis),
            opus,
            rtcp,
            jitter,
            // 0 turns quality events off like None (the core refuses a zero interval).
            quality_interval: quality_interval_ms
                .filter(|&ms| ms > 0)
                .map(Duration::from_millis),
            telephone_event_payload_type,
            detect_inband_dtmf,
            dtmf: DtmfSendConfig {
                duration: Duration::from_millis(dtmf_duration_ms),
                gap: Duration::from_millis(dtmf_gap_ms),
                volume: dtmf_volume,
            },
            voice: voice.map(|v| v.inner).unwrap_or_default(),
            ..SessionConfig::new(codec)
        }))
    }
}

/// The session configuration that `MediaSession(codec, *args, **kwargs)` would run with.
pub(crate) fn session_config(
    codec: &Bound<'_, PyAny>,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<SessionConfig> {
    let py = codec.py();
    let mut all = vec![codec.clone()];
    all.extend(args.iter());
    let args = PyTuple::new(py, all)?;
    let settings = py.get_type::<SessionSettings>().call(args, kwargs)?;
    Ok(settings.cast::<SessionSettings>()?.get().0.clone())
}

#[pymethods]
impl PyMediaSession {
    #[new]
    #[pyo3(signature = (codec, *args, **kwargs), text_signature = "(codec, seed=0, payload_type=None, ptime_ms=20, rtp_timeout_ms=30000, \
            sample_rate=None, jitter_mode='adaptive', min_delay_ms=None, max_delay_ms=None, \
            initial_delay_ms=None, quality_interval_ms=5000, rtcp=True, cname=None, \
            ntp_origin_unix_ms=None, telephone_event_payload_type=101, \
            detect_inband_dtmf=False, dtmf_duration_ms=100, dtmf_gap_ms=100, dtmf_volume=10, \
            voice=None, **opus)")]
    fn new(
        codec: &Bound<'_, PyAny>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let config = session_config(codec, args, kwargs)?;
        let session = ::mediacore::MediaSession::new(config).map_err(media_err)?;
        Ok(Self::from_core(session))
    }

    /// The SDP encoding name of the codec used both ways.
    #[getter]
    fn codec(&mut self) -> &'static str {
        self.inner().codec().name()
    }

    /// The RTP payload type used both ways.
    #[getter]
    fn payload_type(&mut self) -> u8 {
        self.inner().payload_type()
    }

    /// Sample rate of captured and played audio, in Hz.
    #[getter]
    fn sample_rate(&mut self) -> u32 {
        self.inner().sample_rate()
    }

    /// Samples in one ptime frame (the length of `pull_playout`'s result).
    #[getter]
    fn frame_samples(&mut self) -> usize {
        self.inner().frame_samples()
    }

    /// The SSRC of the stream this session sends.
    #[getter]
    fn local_ssrc(&mut self) -> u32 {
        self.inner().local_ssrc()
    }

    /// The SSRC of the stream this session receives, once one has been heard.
    #[getter]
    fn remote_ssrc(&mut self) -> Option<u32> {
        self.inner().remote_ssrc()
    }

    /// Takes one received datagram; raises MediaError if it is rejected.
    fn handle_rtp(&mut self, now_us: u64, datagram: &Bound<'_, PyAny>) -> PyResult<()> {
        let datagram = bytes_from_py(datagram)?;
        self.inner()
            .handle_rtp(Instant::from_micros(now_us), &datagram)
            .map_err(media_err)
    }

    /// Takes captured mono int16 audio (any length) at the session's sample rate.
    fn push_capture(&mut self, now_us: u64, pcm: &Bound<'_, PyAny>) -> PyResult<()> {
        let samples = pcm_from_py(pcm)?;
        let session = self.inner();
        let frame = AudioFrame::new(samples, session.sample_rate(), 1).map_err(media_err)?;
        session
            .push_capture(Instant::from_micros(now_us), &frame)
            .map_err(media_err)
    }

    /// The next datagram to send, or None when there is nothing to send.
    fn poll_transmit<'py>(&mut self, py: Python<'py>, now_us: u64) -> Option<Bound<'py, PyBytes>> {
        self.inner()
            .poll_transmit(Instant::from_micros(now_us))
            .map(|datagram| PyBytes::new(py, datagram))
    }

    /// One ptime frame for the speaker: `array('h')`, or numpy int16 if `numpy` is true.
    #[pyo3(signature = (now_us, *, numpy = false))]
    fn pull_playout<'py>(
        &mut self,
        py: Python<'py>,
        now_us: u64,
        numpy: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let frame = self.inner().pull_playout(Instant::from_micros(now_us));
        pcm_to_py(py, frame.samples(), numpy)
    }

    /// The next event as a dict with a "type" key, or None.
    fn poll_event<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.inner()
            .poll_event()
            .map(|event| event_dict(py, event))
            .transpose()
    }

    /// When to call `handle_timeout` next, in microseconds, or None.
    fn poll_timeout(&mut self) -> Option<u64> {
        self.inner().poll_timeout().map(Instant::as_micros)
    }

    /// Lets the session act on time passing (the RTP inactivity timeout, the RTCP timer,
    /// the quality report).
    fn handle_timeout(&mut self, now_us: u64) {
        self.inner().handle_timeout(Instant::from_micros(now_us));
    }

    /// Every counter of the session, by name.
    fn stats<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.inner().stats().fields().into_py_dict(py)
    }

    /// Every counter of the jitter buffer, by name.
    fn jitter_stats<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.inner().jitter_stats().fields().into_py_dict(py)
    }

    /// The delay the jitter buffer added to the last frame played, in milliseconds; None
    /// before playout starts or during the sender's silence.
    fn playout_delay_ms(&mut self) -> Option<f64> {
        self.inner().playout_delay().map(millis)
    }

    /// The delay the jitter buffer aims for now, in milliseconds.
    fn target_delay_ms(&mut self) -> f64 {
        millis(self.inner().target_delay())
    }

    /// The last quality estimate (the fields of a "quality" event), or None.
    fn quality<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.inner()
            .quality()
            .map(|report| {
                let dict = PyDict::new(py);
                set_quality(&dict, &report)?;
                Ok(dict)
            })
            .transpose()
    }

    /// Takes one received RTCP compound; raises MediaError if it is malformed (it is
    /// counted in `rtcp_stats()["rtcp_rejected"]` and changes nothing else).
    fn handle_rtcp(&mut self, now_us: u64, datagram: &Bound<'_, PyAny>) -> PyResult<()> {
        let datagram = bytes_from_py(datagram)?;
        self.inner()
            .handle_rtcp(Instant::from_micros(now_us), &datagram)
            .map_err(media_err)
    }

    /// The RTCP compound to send now, if one is due, or None.
    fn poll_rtcp<'py>(&mut self, py: Python<'py>, now_us: u64) -> Option<Bound<'py, PyBytes>> {
        self.inner()
            .poll_rtcp(Instant::from_micros(now_us))
            .map(|datagram| PyBytes::new(py, datagram))
    }

    /// Leaves the session: a BYE (with `reason`, if given) is queued for `poll_rtcp`.
    /// Raises MediaError for a reason longer than 255 bytes.
    #[pyo3(signature = (now_us, reason = None))]
    fn close(&mut self, now_us: u64, reason: Option<&str>) -> PyResult<()> {
        let now = Instant::from_micros(now_us);
        match reason {
            Some(reason) => self
                .inner()
                .close_with_reason(now, reason)
                .map_err(media_err),
            None => {
                self.inner().close(now);
                Ok(())
            }
        }
    }

    /// Queues DTMF digits (0-9, *, #, A-D) to send as RFC 4733 telephone-events, 100 ms
    /// each with 100 ms between them, in place of the captured audio (keep calling
    /// `push_capture`). Raises MediaError, queueing nothing, for a character that is not a
    /// digit, a full queue or a session without a telephone-event payload type.
    fn send_dtmf(&mut self, digits: &str) -> PyResult<()> {
        self.inner().send_dtmf(digits).map_err(media_err)
    }

    /// Whether telephone-events are being sent (the captured audio is held back meanwhile).
    fn is_sending_dtmf(&mut self) -> bool {
        self.inner().is_sending_dtmf()
    }

    /// Starts collecting digits (telephone-events, in-band and signalled alike); the result
    /// comes as a "digits_collected" event. A timeout of None is off. A collection under way
    /// is replaced. Raises MediaError for a configuration the engine refuses.
    #[pyo3(signature = (
        now_us, min_digits = 1, max_digits = 20, terminators = "#",
        first_digit_timeout_ms = Some(5000), inter_digit_timeout_ms = Some(3000),
        overall_timeout_ms = None
    ))]
    #[allow(clippy::too_many_arguments)] // one argument per CollectConfig field
    fn collect_digits(
        &mut self,
        now_us: u64,
        min_digits: usize,
        max_digits: usize,
        terminators: &str,
        first_digit_timeout_ms: Option<u64>,
        inter_digit_timeout_ms: Option<u64>,
        overall_timeout_ms: Option<u64>,
    ) -> PyResult<()> {
        let config = collect_config(
            min_digits,
            max_digits,
            terminators,
            first_digit_timeout_ms,
            inter_digit_timeout_ms,
            overall_timeout_ms,
        )?;
        self.inner()
            .collect_digits(Instant::from_micros(now_us), config)
            .map_err(media_err)
    }

    /// Ends the digit collection under way, if any, with reason "cancelled".
    fn cancel_digit_collection(&mut self, now_us: u64) {
        self.inner()
            .cancel_digit_collection(Instant::from_micros(now_us));
    }

    /// A digit the call's signalling carried (e.g. SIP INFO), as a one-character string:
    /// reported as a "dtmf" event and collected like any other.
    fn push_signalled_digit(&mut self, now_us: u64, digit: &str) -> PyResult<()> {
        let digit = digit
            .parse::<::mediacore::dtmf::Digit>()
            .map_err(media_err)?;
        self.inner()
            .push_signalled_digit(Instant::from_micros(now_us), digit);
        Ok(())
    }

    /// Plays `prompt` (mono, at the session's rate) to the remote party in place of the
    /// captured audio, replacing what plays or waits; returns its id. Its events are
    /// "playback_started", "playback_finished" and "playback_interrupted".
    #[pyo3(signature = (prompt, options = None))]
    fn play_prompt(&mut self, prompt: &PyPrompt, options: Option<&PyPlayOptions>) -> PyResult<u64> {
        self.inner()
            .play_prompt(prompt.inner.clone(), play_options(options))
            .map_err(media_err)
    }

    /// Plays `prompt` after the prompts playing or waiting; returns its id.
    #[pyo3(signature = (prompt, options = None))]
    fn enqueue_prompt(
        &mut self,
        prompt: &PyPrompt,
        options: Option<&PyPlayOptions>,
    ) -> PyResult<u64> {
        self.inner()
            .enqueue_prompt(prompt.inner.clone(), play_options(options))
            .map_err(media_err)
    }

    /// Stops the prompts; returns whether any played or waited.
    fn stop_playback(&mut self) -> bool {
        self.inner().stop_playback()
    }

    /// Whether a prompt plays or waits.
    fn is_playing(&mut self) -> bool {
        self.inner().is_playing()
    }

    /// Starts a play-and-collect; its result comes as a "play_collect_done" event.
    fn play_and_collect(&mut self, now_us: u64, config: &PyPlayCollectConfig) -> PyResult<()> {
        self.inner()
            .play_and_collect(Instant::from_micros(now_us), config.inner.clone())
            .map_err(media_err)
    }

    /// Ends the play-and-collect under way with reason "cancelled".
    fn cancel_play_and_collect(&mut self, now_us: u64) {
        self.inner()
            .cancel_play_and_collect(Instant::from_micros(now_us));
    }

    /// Whether a play-and-collect is under way.
    fn is_play_collecting(&mut self) -> bool {
        self.inner().is_play_collecting()
    }

    /// Starts recording the call into memory or a new file at `path`: the remote party is
    /// leg 0 (left in stereo), what the session sends leg 1 (right).
    #[pyo3(signature = (now_us, options, path = None))]
    fn start_recording(
        &mut self,
        now_us: u64,
        options: &PyRecordOptions,
        path: Option<&str>,
    ) -> PyResult<()> {
        let target = record_target(path)?;
        self.inner()
            .start_recording(Instant::from_micros(now_us), options.inner.clone(), target)
            .map_err(media_err)
    }

    /// Pauses the recording.
    fn pause_recording(&mut self, now_us: u64) -> PyResult<()> {
        self.inner()
            .pause_recording(Instant::from_micros(now_us))
            .map_err(media_err)
    }

    /// Resumes the recording.
    fn resume_recording(&mut self, now_us: u64) -> PyResult<()> {
        self.inner()
            .resume_recording(Instant::from_micros(now_us))
            .map_err(media_err)
    }

    /// Completes the recording: (the file's bytes, or None for a file on disk, summary).
    fn stop_recording<'py>(
        &mut self,
        py: Python<'py>,
        now_us: u64,
    ) -> PyResult<(Option<Bound<'py, PyBytes>>, Bound<'py, PyDict>)> {
        let (target, summary) = self
            .inner()
            .stop_recording(Instant::from_micros(now_us))
            .map_err(media_err)?;
        finished(py, target, &summary)
    }

    /// Whether a recording runs.
    fn is_recording(&mut self) -> bool {
        self.inner().is_recording()
    }

    /// Audio recorded so far in milliseconds, or None when not recording.
    fn recording_duration_ms(&mut self) -> Option<f64> {
        self.inner().recording_duration().map(millis)
    }

    /// The voice settings in force: the constructor's, with the stages switched since.
    fn voice_settings(&mut self) -> PyVoiceSettings {
        PyVoiceSettings {
            inner: self.inner().voice_settings(),
        }
    }

    /// Whether voice stage `stage` runs on `direction` ("capture" or "playout").
    fn voice_stage(&mut self, direction: &str, stage: &str) -> PyResult<bool> {
        let (direction, stage) = (self::direction(direction)?, self::stage(stage)?);
        Ok(self.inner().voice_stage(direction, stage))
    }

    /// Switches one voice stage of `direction` while the call runs. Raises MediaError,
    /// changing nothing, for a stage that path does not have, comfort noise without the
    /// capture VAD (or on a session whose RTP clock is not 8 kHz), or switching off a VAD
    /// that comfort noise or barge-in needs.
    fn set_voice_stage(&mut self, direction: &str, stage: &str, on: bool) -> PyResult<()> {
        let (direction, stage) = (self::direction(direction)?, self::stage(stage)?);
        self.inner()
            .set_voice_stage(direction, stage, on)
            .map_err(media_err)
    }

    /// Whether the remote party's speech (heard by the playout VAD) stops an interruptible
    /// prompt. Raises MediaError when turning it on while the playout VAD is off.
    fn set_barge_in_on_speech(&mut self, on: bool) -> PyResult<()> {
        self.inner().set_barge_in_on_speech(on).map_err(media_err)
    }

    /// `{"rms_dbov", "peak_dbov"}` of `direction`'s audio while its level meter is on,
    /// else None.
    fn voice_level<'py>(
        &mut self,
        py: Python<'py>,
        direction: &str,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let direction = self::direction(direction)?;
        self.inner()
            .voice_level(direction)
            .map(|level| level_dict(py, level))
            .transpose()
    }

    /// Whether `direction`'s VAD hears voice now (False while it is off).
    fn is_talking(&mut self, direction: &str) -> PyResult<bool> {
        let direction = self::direction(direction)?;
        Ok(self.inner().is_talking(direction))
    }

    /// RTCP figures: reception of the remote source, round trip, reports in and out.
    fn rtcp_stats<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        rtcp_stats_dict(py, self.inner().rtcp_stats())
    }

    fn __repr__(&mut self) -> String {
        let session = self.inner();
        format!(
            "MediaSession('{}', payload_type={}, local_ssrc={})",
            session.codec().name(),
            session.payload_type(),
            session.local_ssrc()
        )
    }
}

/// `{"type": event.name(), ...fields}` with durations in milliseconds.
pub(crate) fn event_dict(py: Python<'_>, event: Event) -> PyResult<Bound<'_, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("type", event.name())?;
    match event {
        Event::RemoteSourceStarted { ssrc } => dict.set_item("ssrc", ssrc)?,
        Event::RemoteSourceChanged { old, new } => {
            dict.set_item("old", old)?;
            dict.set_item("new", new)?;
        }
        Event::RtpTimeout { silent_for } => dict.set_item("silent_for_ms", millis(silent_for))?,
        Event::RemoteBye { ssrc, reason } => {
            dict.set_item("ssrc", ssrc)?;
            dict.set_item("reason", reason)?;
        }
        Event::Quality(report) => set_quality(&dict, &report)?,
        Event::DtmfStarted { digit } => dict.set_item("digit", digit.to_string())?,
        Event::Dtmf {
            digit,
            duration_ms,
            source,
        } => {
            dict.set_item("digit", digit.to_string())?;
            dict.set_item("duration_ms", duration_ms)?;
            dict.set_item("source", source.name())?;
        }
        Event::DigitsCollected(result) => {
            dict.set_item("digits", result.digits.to_string())?;
            dict.set_item("reason", result.reason.name())?;
            dict.set_item("terminator", result.terminator.map(|d| d.to_string()))?;
            dict.set_item("min_digits_met", result.min_digits_met)?;
            dict.set_item("ended_at_us", result.ended_at.as_micros())?;
        }
        Event::Playback(event) => set_playback_event(&dict, event)?,
        Event::PlayCollectDone(result) => set_play_collect_result(&dict, &result)?,
        Event::RecordingLimitReached { limit, summary } => {
            dict.set_item("limit", limit_name(limit))?;
            set_summary(&dict, &summary)?;
        }
        Event::RecordingFailed { message } => dict.set_item("message", message)?,
        Event::TalkStarted { direction, at } | Event::TalkStopped { direction, at } => {
            dict.set_item("direction", direction.name())?;
            dict.set_item("at_us", at.as_micros())?;
        }
        // Events without fields, and kinds added to the core later, carry their type only.
        _ => {}
    }
    Ok(dict)
}

/// The fields of a quality report, durations in milliseconds.
fn set_quality(dict: &Bound<'_, PyDict>, report: &QualityReport) -> PyResult<()> {
    dict.set_item("r", report.r)?;
    dict.set_item("mos", report.mos)?;
    dict.set_item("packet_loss_percent", report.packet_loss_percent)?;
    dict.set_item("burst_ratio", report.burst_ratio)?;
    dict.set_item("one_way_delay_ms", millis(report.one_way_delay))?;
    dict.set_item("jitter_buffer_delay_ms", millis(report.jitter_buffer_delay))?;
    dict.set_item("packets", report.packets)
}

/// The RTCP figures by their core names; absent figures are None.
fn rtcp_stats_dict(py: Python<'_>, stats: RtcpStats) -> PyResult<Bound<'_, PyDict>> {
    // Destructured so that a figure added to the core fails to compile here until it is added.
    let RtcpStats {
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
    let dict = PyDict::new(py);
    dict.set_item("remote_ssrc", remote_ssrc)?;
    dict.set_item("packets_expected", packets_expected)?;
    dict.set_item("packets_received", packets_received)?;
    dict.set_item("cumulative_lost", cumulative_lost)?;
    dict.set_item("fraction_lost", fraction_lost)?;
    dict.set_item("jitter", jitter)?;
    dict.set_item("jitter_ms", jitter_ms)?;
    dict.set_item("rtt_ms", rtt_ms)?;
    dict.set_item("rtt_samples", rtt_samples)?;
    dict.set_item("remote_fraction_lost", remote_fraction_lost)?;
    dict.set_item("remote_cumulative_lost", remote_cumulative_lost)?;
    dict.set_item("remote_jitter_ms", remote_jitter_ms)?;
    dict.set_item("reports_sent", reports_sent)?;
    dict.set_item("reports_received", reports_received)?;
    dict.set_item("rtcp_rejected", rtcp_rejected)?;
    Ok(dict)
}
