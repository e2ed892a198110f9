//! `MediaSession`: the core's per-call pipeline with JS arguments, events and statistics.
//!
//! Events and statistics come out as plain JS objects (typed by the TypeScript section
//! below) so that a page can log, `JSON.stringify` or `switch (ev.type)` them directly.

use core::time::Duration;

use mediacore::{AudioFrame, Codec, Event, QualityReport, RecordTarget, RtcpStats, SessionConfig};
use wasm_bindgen::prelude::*;

use crate::args::{self, camel_case, object};
use crate::dtmf;
use crate::opus::options_from_js;
use crate::playback::{
    PlayCollectConfig, Prompt, play_options, playback_event_object, result_fields,
};
use crate::record::{finished_object, limit_event, record_config};
use crate::session_options;

/// The TypeScript types of events and statistics; a test checks the stats type against the core.
// Used by the custom section below, a use that rustc's dead-code lint does not see.
#[allow(dead_code)]
const TS_TYPES: &str = r#"
/** Something that happened in a session, as returned by `MediaSession.pollEvent()`. */
export type MediaEvent =
  | { type: "remote_source_started"; ssrc: number }
  | { type: "remote_source_changed"; old: number; new: number }
  | { type: "rtp_timeout"; silentForMs: number }
  | { type: "rtp_resumed" }
  | { type: "remote_bye"; ssrc: number; reason: string | null }
  | ({ type: "quality" } & QualityReport)
  | { type: "dtmf_started"; digit: string }
  | { type: "dtmf"; digit: string; durationMs: number; source: "rfc4733" | "in_band" | "signalling" }
  | {
      type: "digits_collected";
      digits: string;
      reason:
        | "terminator"
        | "max_digits"
        | "first_digit_timeout"
        | "inter_digit_timeout"
        | "overall_timeout"
        | "cancelled";
      terminator: string | null;
      minDigitsMet: boolean;
      endedAtUs: number;
    }
  | PlaybackEvent
  | ({ type: "play_collect_done" } & PlayCollectResult)
  | ({ type: "recording_limit_reached"; limit: "duration" | "size" } & RecordingSummary)
  | { type: "recording_failed"; message: string }
  | { type: "talk_started" | "talk_stopped"; direction: VoiceDirection; atUs: number };

/** An ITU-T G.107 E-model estimate of the call as heard here, for the packets received
 * since the previous one. */
export interface QualityReport {
  r: number;
  mos: number;
  packetLossPercent: number;
  burstRatio: number;
  oneWayDelayMs: number;
  jitterBufferDelayMs: number;
  packets: number;
}

/** Counters kept by a session, as returned by `MediaSession.stats()`. */
export interface SessionStats {
  packetsReceived: number;
  bytesReceived: number;
  packetsRejected: number;
  packetsLate: number;
  packetsLost: number;
  packetsSent: number;
  bytesSent: number;
  packetsSendDropped: number;
  playoutUnderruns: number;
  playoutSamplesDropped: number;
  eventsDropped: number;
}

/** Counters of a session's jitter buffer, as returned by `MediaSession.jitterStats()`. */
export interface JitterStats {
  packetsInserted: number;
  packetsDuplicate: number;
  packetsLate: number;
  packetsOverflow: number;
  decodeErrors: number;
  samplesDecoded: number;
  samplesFec: number;
  samplesConcealed: number;
  samplesComfortNoise: number;
  samplesSilence: number;
  samplesAccelerated: number;
  samplesExpanded: number;
  samplesDropped: number;
  underruns: number;
  resumedLate: number;
  resyncs: number;
}

/** RTCP figures of a session, as returned by `MediaSession.rtcpStats()`; `null` where
 * nothing was measured yet. */
export interface RtcpStats {
  remoteSsrc: number | null;
  packetsExpected: number;
  packetsReceived: number;
  cumulativeLost: number;
  fractionLost: number;
  jitter: number;
  jitterMs: number;
  rttMs: number | null;
  rttSamples: number;
  remoteFractionLost: number | null;
  remoteCumulativeLost: number | null;
  remoteJitterMs: number | null;
  reportsSent: number;
  reportsReceived: number;
  rtcpRejected: number;
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const TS_SECTION: &'static str = TS_TYPES;

/// One call's media: decode and play what arrives, encode and packetize what is captured.
///
/// Drive it from one loop: `handleRtp` for each datagram, `pushCapture` with microphone
/// PCM, `pollTransmit` until `undefined`, `pullPlayout` once per frame, `pollEvent` until
/// `undefined`, `handleTimeout`, and call again at `pollTimeout()`.
#[wasm_bindgen]
pub struct MediaSession {
    pub(crate) inner: mediacore::MediaSession,
}

#[wasm_bindgen]
impl MediaSession {
    /// A session for the SDP encoding name `codec`, mono.
    ///
    /// `seed` (BigInt or safe-integer number, default 0) picks the SSRC and the initial
    /// sequence number and timestamp. `payloadType` defaults to the codec's static type,
    /// `ptimeMs` to 20. `rtpTimeoutMs` defaults to 30000; `null` disables the timeout.
    /// `sampleRate` defaults to the codec's default rate. `opus` sets the Opus encoder when
    /// the codec is Opus; its frame duration is `ptimeMs`, so it has no `frameMs`.
    /// `options` (a `SessionOptions` object) sets the jitter buffer, the quality report
    /// interval, RTCP, telephone-events and in-band DTMF detection.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)] // one optional argument per SessionConfig field
    pub fn new(
        codec: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "bigint | number")] seed: JsValue,
        #[wasm_bindgen(js_name = payloadType, unchecked_optional_param_type = "number")]
        payload_type: Option<f64>,
        #[wasm_bindgen(js_name = ptimeMs, unchecked_optional_param_type = "number")]
        ptime_ms: Option<f64>,
        #[wasm_bindgen(js_name = rtpTimeoutMs, unchecked_optional_param_type = "number | null")]
        rtp_timeout_ms: JsValue,
        #[wasm_bindgen(js_name = sampleRate, unchecked_optional_param_type = "number")]
        sample_rate: Option<f64>,
        #[wasm_bindgen(unchecked_optional_param_type = "OpusOptions")] opus: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SessionOptions")] options: JsValue,
    ) -> Result<MediaSession, JsError> {
        let config = session_config(
            codec,
            &seed,
            payload_type,
            ptime_ms,
            &rtp_timeout_ms,
            sample_rate,
            &opus,
            &options,
        )?;
        Ok(MediaSession::from_core(mediacore::MediaSession::new(
            config,
        )?))
    }

    /// Takes one received RTP datagram; throws if it is malformed or not for this session,
    /// leaving the session as it was.
    #[wasm_bindgen(js_name = handleRtp)]
    pub fn handle_rtp(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
        datagram: &[u8],
    ) -> Result<(), JsError> {
        Ok(self.inner.handle_rtp(args::instant(now_us)?, datagram)?)
    }

    /// Takes captured mono PCM of any length at `sampleRate`; every full frame is encoded
    /// and queued for `pollTransmit`.
    #[wasm_bindgen(js_name = pushCapture)]
    pub fn push_capture(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
        pcm: &[i16],
    ) -> Result<(), JsError> {
        let now = args::instant(now_us)?;
        let frame = AudioFrame::new(pcm.to_vec(), self.inner.sample_rate(), 1)?;
        Ok(self.inner.push_capture(now, &frame)?)
    }

    /// The next RTP datagram to send, oldest first; `undefined` when there is none.
    #[wasm_bindgen(js_name = pollTransmit)]
    pub fn poll_transmit(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
    ) -> Result<Option<Vec<u8>>, JsError> {
        let now = args::instant(now_us)?;
        Ok(self.inner.poll_transmit(now).map(<[u8]>::to_vec))
    }

    /// One frame (`frameSamples` samples) of received audio, silence where none arrived.
    #[wasm_bindgen(js_name = pullPlayout)]
    pub fn pull_playout(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
    ) -> Result<Vec<i16>, JsError> {
        let now = args::instant(now_us)?;
        Ok(self.inner.pull_playout(now).samples().to_vec())
    }

    /// The next event as `{type, ...fields}`, oldest first; `undefined` when there is none.
    #[wasm_bindgen(js_name = pollEvent, unchecked_return_type = "MediaEvent | undefined")]
    pub fn poll_event(&mut self) -> JsValue {
        self.inner
            .poll_event()
            .map_or(JsValue::UNDEFINED, event_object)
    }

    /// When to call next, in microseconds on the caller's clock; `undefined` when nothing
    /// is scheduled. Calling earlier is harmless.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&self) -> Option<f64> {
        self.inner.poll_timeout().map(args::micros)
    }

    /// Lets the session act on time passing (the RTP inactivity timeout, the RTCP timer, the
    /// quality report).
    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
    ) -> Result<(), JsError> {
        self.inner.handle_timeout(args::instant(now_us)?);
        Ok(())
    }

    /// Counters so far, as a plain object with camelCase fields.
    #[wasm_bindgen(unchecked_return_type = "SessionStats")]
    pub fn stats(&self) -> JsValue {
        counters_object(self.inner.stats().fields())
    }

    /// The jitter buffer's counters, as a plain object with camelCase fields.
    #[wasm_bindgen(js_name = jitterStats, unchecked_return_type = "JitterStats")]
    pub fn jitter_stats(&self) -> JsValue {
        counters_object(self.inner.jitter_stats().fields())
    }

    /// The delay the jitter buffer added to the last frame played, in milliseconds;
    /// `undefined` before playout starts or during the sender's silence.
    #[wasm_bindgen(js_name = playoutDelayMs)]
    pub fn playout_delay_ms(&self) -> Option<f64> {
        self.inner.playout_delay().map(args::millis)
    }

    /// The delay the jitter buffer aims for now, in milliseconds.
    #[wasm_bindgen(js_name = targetDelayMs)]
    pub fn target_delay_ms(&self) -> f64 {
        args::millis(self.inner.target_delay())
    }

    /// The last quality estimate (what the last "quality" event said), or `undefined`.
    #[wasm_bindgen(unchecked_return_type = "QualityReport | undefined")]
    pub fn quality(&self) -> JsValue {
        self.inner
            .quality()
            .map_or(JsValue::UNDEFINED, |report| object(quality_fields(&report)))
    }

    /// Takes one received RTCP compound; throws if it is malformed (it is counted in
    /// `rtcpStats().rtcpRejected` and changes nothing else). A BYE from the remote source
    /// becomes a "remote_bye" event.
    #[wasm_bindgen(js_name = handleRtcp)]
    pub fn handle_rtcp(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
        datagram: &[u8],
    ) -> Result<(), JsError> {
        Ok(self.inner.handle_rtcp(args::instant(now_us)?, datagram)?)
    }

    /// The RTCP compound to send now, if one is due (each is returned once); `undefined`
    /// when there is none. Call it after `handleTimeout`.
    #[wasm_bindgen(js_name = pollRtcp)]
    pub fn poll_rtcp(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
    ) -> Result<Option<Vec<u8>>, JsError> {
        let now = args::instant(now_us)?;
        Ok(self.inner.poll_rtcp(now).map(<[u8]>::to_vec))
    }

    /// Leaves the session: a BYE with `reason` is queued for `pollRtcp` (none when RTCP is
    /// off or nothing was ever sent). Throws for a reason longer than 255 bytes.
    pub fn close(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
        reason: Option<String>,
    ) -> Result<(), JsError> {
        let now = args::instant(now_us)?;
        match reason {
            Some(reason) => Ok(self.inner.close_with_reason(now, &reason)?),
            None => {
                self.inner.close(now);
                Ok(())
            }
        }
    }

    /// Queues DTMF digits ("0"-"9", "*", "#", "A"-"D") to send as RFC 4733
    /// telephone-events, 100 ms each with 100 ms between them, in place of the captured
    /// audio (keep calling `pushCapture`). Throws, queueing nothing, for a character that is
    /// not a digit, a full queue or a session without a telephone-event payload type.
    #[wasm_bindgen(js_name = sendDtmf)]
    pub fn send_dtmf(&mut self, digits: &str) -> Result<(), JsError> {
        Ok(self.inner.send_dtmf(digits)?)
    }

    /// Whether telephone-events are being sent (the captured audio is held back meanwhile).
    #[wasm_bindgen(js_name = isSendingDtmf)]
    pub fn is_sending_dtmf(&self) -> bool {
        self.inner.is_sending_dtmf()
    }

    /// Starts collecting digits (telephone-events, in-band and signalled alike) as
    /// `options` (`CollectOptions`) say; the result comes as a "digits_collected" event. A
    /// collection under way is replaced. Throws for options the engine refuses.
    #[wasm_bindgen(js_name = collectDigits)]
    pub fn collect_digits(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
        #[wasm_bindgen(unchecked_optional_param_type = "CollectOptions")] options: JsValue,
    ) -> Result<(), JsError> {
        let now = args::instant(now_us)?;
        let config = dtmf::collect_config(&options)?;
        Ok(self.inner.collect_digits(now, config)?)
    }

    /// Ends the digit collection under way, if any, with reason "cancelled".
    #[wasm_bindgen(js_name = cancelDigitCollection)]
    pub fn cancel_digit_collection(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
    ) -> Result<(), JsError> {
        self.inner.cancel_digit_collection(args::instant(now_us)?);
        Ok(())
    }

    /// A digit the call's signalling carried (e.g. SIP INFO), as a one-character string:
    /// reported as a "dtmf" event and collected like any other.
    #[wasm_bindgen(js_name = pushSignalledDigit)]
    pub fn push_signalled_digit(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
        digit: &str,
    ) -> Result<(), JsError> {
        let now = args::instant(now_us)?;
        let digit = digit.parse::<mediacore::dtmf::Digit>()?;
        self.inner.push_signalled_digit(now, digit);
        Ok(())
    }

    /// Plays `prompt` (mono, at the session's `sampleRate`) to the remote party in place of
    /// the captured audio (keep calling `pushCapture`), replacing what plays or waits;
    /// returns its id. Its events are "playback_started", then "playback_finished" or
    /// "playback_interrupted". Throws, changing nothing, for a prompt of another layout or
    /// options the engine refuses.
    #[wasm_bindgen(js_name = playPrompt)]
    pub fn play_prompt(
        &mut self,
        prompt: &Prompt,
        #[wasm_bindgen(unchecked_optional_param_type = "PlayOptions")] options: JsValue,
    ) -> Result<f64, JsError> {
        let options = play_options(&options)?;
        let id = self.inner.play_prompt(prompt.inner.clone(), options)?;
        Ok(args::count(id))
    }

    /// Plays `prompt` after the prompts playing or waiting; returns its id.
    #[wasm_bindgen(js_name = enqueuePrompt)]
    pub fn enqueue_prompt(
        &mut self,
        prompt: &Prompt,
        #[wasm_bindgen(unchecked_optional_param_type = "PlayOptions")] options: JsValue,
    ) -> Result<f64, JsError> {
        let options = play_options(&options)?;
        let id = self.inner.enqueue_prompt(prompt.inner.clone(), options)?;
        Ok(args::count(id))
    }

    /// Stops the prompts; returns whether any played or waited.
    #[wasm_bindgen(js_name = stopPlayback)]
    pub fn stop_playback(&mut self) -> bool {
        self.inner.stop_playback()
    }

    /// Whether a prompt (or a play-and-collect's prompt) plays or waits.
    #[wasm_bindgen(js_name = isPlaying)]
    pub fn is_playing(&self) -> bool {
        self.inner.is_playing()
    }

    /// Starts a play-and-collect at `nowUs`: its prompts play in place of the captured audio
    /// and it takes every digit (telephone-events, in-band, signalled) until it ends with a
    /// "play_collect_done" event. One under way is replaced without a result. Throws,
    /// changing nothing, for prompts of another layout.
    #[wasm_bindgen(js_name = playAndCollect)]
    pub fn play_and_collect(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
        config: &PlayCollectConfig,
    ) -> Result<(), JsError> {
        let now = args::instant(now_us)?;
        Ok(self.inner.play_and_collect(now, config.inner.clone())?)
    }

    /// Ends the play-and-collect under way, if any, with reason "cancelled".
    #[wasm_bindgen(js_name = cancelPlayAndCollect)]
    pub fn cancel_play_and_collect(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
    ) -> Result<(), JsError> {
        self.inner.cancel_play_and_collect(args::instant(now_us)?);
        Ok(())
    }

    /// Whether a play-and-collect is under way.
    #[wasm_bindgen(js_name = isPlayCollecting)]
    pub fn is_play_collecting(&self) -> bool {
        self.inner.is_play_collecting()
    }

    /// Starts recording the call at `nowUs` into memory as `options` (`RecordOptions`) say:
    /// the remote party is leg 0 (left in stereo), what the session sends leg 1 (right).
    /// Throws for options the engine refuses or a recording already running. A limit
    /// reached comes as a "recording_limit_reached" event, a failure as "recording_failed".
    #[wasm_bindgen(js_name = startRecording)]
    pub fn start_recording(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
        #[wasm_bindgen(unchecked_optional_param_type = "RecordOptions")] options: JsValue,
    ) -> Result<(), JsError> {
        let now = args::instant(now_us)?;
        let config = record_config(&options)?;
        Ok(self
            .inner
            .start_recording(now, config, RecordTarget::memory())?)
    }

    /// Pauses the recording; throws when none runs.
    #[wasm_bindgen(js_name = pauseRecording)]
    pub fn pause_recording(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
    ) -> Result<(), JsError> {
        Ok(self.inner.pause_recording(args::instant(now_us)?)?)
    }

    /// Resumes the recording; throws when none runs.
    #[wasm_bindgen(js_name = resumeRecording)]
    pub fn resume_recording(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
    ) -> Result<(), JsError> {
        Ok(self.inner.resume_recording(args::instant(now_us)?)?)
    }

    /// Completes the recording and returns the file with its summary; throws when none runs.
    #[wasm_bindgen(js_name = stopRecording, unchecked_return_type = "FinishedRecording")]
    pub fn stop_recording(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
    ) -> Result<JsValue, JsError> {
        let (target, summary) = self.inner.stop_recording(args::instant(now_us)?)?;
        let bytes = target.into_bytes().unwrap_or_default();
        Ok(finished_object(&bytes, &summary))
    }

    /// Whether a recording runs (also one stopped at a limit and not yet collected).
    #[wasm_bindgen(js_name = isRecording)]
    pub fn is_recording(&self) -> bool {
        self.inner.is_recording()
    }

    /// Audio recorded so far in milliseconds; `undefined` when not recording.
    #[wasm_bindgen(js_name = recordingDurationMs)]
    pub fn recording_duration_ms(&self) -> Option<f64> {
        self.inner.recording_duration().map(args::millis)
    }

    /// RTCP figures: reception of the remote source, round trip, reports in and out.
    #[wasm_bindgen(js_name = rtcpStats, unchecked_return_type = "RtcpStats")]
    pub fn rtcp_stats(&self) -> JsValue {
        rtcp_stats_object(self.inner.rtcp_stats())
    }

    /// The SDP encoding name used both ways, e.g. "PCMU".
    #[wasm_bindgen(getter)]
    pub fn codec(&self) -> String {
        self.inner.codec().name().to_owned()
    }

    /// The SSRC of the stream this session receives; `undefined` until one has been heard.
    #[wasm_bindgen(getter, js_name = remoteSsrc)]
    pub fn remote_ssrc(&self) -> Option<u32> {
        self.inner.remote_ssrc()
    }

    /// The SSRC of the stream this session sends.
    #[wasm_bindgen(getter, js_name = localSsrc)]
    pub fn local_ssrc(&self) -> u32 {
        self.inner.local_ssrc()
    }

    /// Sample rate of captured and played audio, in Hz.
    #[wasm_bindgen(getter, js_name = sampleRate)]
    pub fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }

    /// Samples in one frame: the length of `pullPlayout`'s result.
    #[wasm_bindgen(getter, js_name = frameSamples)]
    pub fn frame_samples(&self) -> usize {
        self.inner.frame_samples()
    }

    /// The RTP payload type used both ways.
    #[wasm_bindgen(getter, js_name = payloadType)]
    pub fn payload_type(&self) -> u8 {
        self.inner.payload_type()
    }
}

impl MediaSession {
    /// The class around a session built elsewhere (one a conference hands back).
    pub(crate) fn from_core(inner: mediacore::MediaSession) -> Self {
        MediaSession { inner }
    }
}

/// The configuration of `new MediaSession(codec, seed, ...)`'s arguments: also a conference
/// participant's (`Conference.addParticipant`), which takes the same ones.
#[allow(clippy::too_many_arguments)] // one optional argument per SessionConfig field
pub(crate) fn session_config(
    codec: &str,
    seed: &JsValue,
    payload_type: Option<f64>,
    ptime_ms: Option<f64>,
    rtp_timeout_ms: &JsValue,
    sample_rate: Option<f64>,
    opus: &JsValue,
    options: &JsValue,
) -> Result<SessionConfig, mediacore::Error> {
    let mut config = SessionConfig::new(Codec::from_name(codec)?);
    config.seed = args::seed(seed)?;
    if let Some(pt) = payload_type {
        config.payload_type = Some(args::integer("payloadType", pt, u8::MAX)?);
    }
    if let Some(ms) = ptime_ms {
        config.ptime = args::duration_ms("ptimeMs", ms)?;
    }
    config.rtp_timeout = rtp_timeout(rtp_timeout_ms, config.rtp_timeout)?;
    if let Some(rate) = sample_rate {
        config.sample_rate = Some(args::integer("sampleRate", rate, u32::MAX)?);
    }
    config.opus = options_from_js(opus)?.resolve(config.codec, Some("ptimeMs"))?;
    session_options::apply(options, &mut config)?;
    Ok(config)
}

/// `undefined` keeps the core's default, `null` disables the timeout, a number is milliseconds.
fn rtp_timeout(
    value: &JsValue,
    default: Option<Duration>,
) -> Result<Option<Duration>, mediacore::Error> {
    if value.is_undefined() {
        return Ok(default);
    }
    if value.is_null() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(ms) => args::duration_ms("rtpTimeoutMs", ms).map(Some),
        None => Err(mediacore::Error::InvalidArgument(format!(
            "rtpTimeoutMs {value:?} is not a number or null"
        ))),
    }
}

/// `{type: event.name(), ...fields}` with durations in milliseconds.
pub(crate) fn event_object(event: Event) -> JsValue {
    let kind = ("type", JsValue::from_str(event.name()));
    match event {
        Event::RemoteSourceStarted { ssrc } => object([kind, ("ssrc", ssrc.into())]),
        Event::RemoteSourceChanged { old, new } => {
            object([kind, ("old", old.into()), ("new", new.into())])
        }
        Event::RtpTimeout { silent_for } => {
            object([kind, ("silentForMs", args::millis(silent_for).into())])
        }
        Event::RemoteBye { ssrc, reason } => object([
            kind,
            ("ssrc", ssrc.into()),
            ("reason", reason.map_or(JsValue::NULL, JsValue::from)),
        ]),
        Event::Quality(report) => object([kind].into_iter().chain(quality_fields(&report))),
        Event::DtmfStarted { digit } => object([kind, ("digit", digit.to_string().into())]),
        Event::Dtmf {
            digit,
            duration_ms,
            source,
        } => object([
            kind,
            ("digit", digit.to_string().into()),
            ("durationMs", args::count(duration_ms).into()),
            ("source", source.name().into()),
        ]),
        Event::DigitsCollected(result) => object([
            kind,
            ("digits", result.digits.to_string().into()),
            ("reason", result.reason.name().into()),
            (
                "terminator",
                result
                    .terminator
                    .map_or(JsValue::NULL, |d| d.to_string().into()),
            ),
            ("minDigitsMet", result.min_digits_met.into()),
            ("endedAtUs", args::micros(result.ended_at).into()),
        ]),
        Event::Playback(event) => playback_event_object(event),
        Event::PlayCollectDone(result) => object([kind].into_iter().chain(result_fields(&result))),
        Event::RecordingLimitReached { limit, summary } => {
            limit_event("recording_limit_reached", limit, &summary)
        }
        Event::RecordingFailed { message } => object([kind, ("message", message.into())]),
        Event::TalkStarted { direction, at } | Event::TalkStopped { direction, at } => object([
            kind,
            ("direction", direction.name().into()),
            ("atUs", args::count(at.as_micros()).into()),
        ]),
        // Events without fields, and kinds added to the core later, carry their name only.
        _ => object([kind]),
    }
}

/// Every counter of `fields()` (`SessionStats`, `JitterStats`) under its camelCase name.
pub(crate) fn counters_object<const N: usize>(fields: [(&'static str, u64); N]) -> JsValue {
    object(fields.map(|(name, value)| (camel_case(name), JsValue::from(args::count(value)))))
}

/// The fields of a quality report, durations in milliseconds.
fn quality_fields(report: &QualityReport) -> [(&'static str, JsValue); 7] {
    [
        ("r", report.r.into()),
        ("mos", report.mos.into()),
        ("packetLossPercent", report.packet_loss_percent.into()),
        ("burstRatio", report.burst_ratio.into()),
        ("oneWayDelayMs", args::millis(report.one_way_delay).into()),
        (
            "jitterBufferDelayMs",
            args::millis(report.jitter_buffer_delay).into(),
        ),
        ("packets", args::count(report.packets).into()),
    ]
}

/// The RTCP figures under their camelCase names; absent figures are `null`.
fn rtcp_stats_object(stats: RtcpStats) -> JsValue {
    fn or_null<T: Into<JsValue>>(value: Option<T>) -> JsValue {
        value.map_or(JsValue::NULL, Into::into)
    }
    // Destructured so that a figure added to the core fails to compile here.
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
    object([
        ("remoteSsrc", or_null(remote_ssrc)),
        ("packetsExpected", args::count(packets_expected).into()),
        ("packetsReceived", args::count(packets_received).into()),
        ("cumulativeLost", (cumulative_lost as f64).into()),
        ("fractionLost", fraction_lost.into()),
        ("jitter", jitter.into()),
        ("jitterMs", jitter_ms.into()),
        ("rttMs", or_null(rtt_ms)),
        ("rttSamples", args::count(rtt_samples).into()),
        ("remoteFractionLost", or_null(remote_fraction_lost)),
        (
            "remoteCumulativeLost",
            or_null(remote_cumulative_lost.map(|n| n as f64)),
        ),
        ("remoteJitterMs", or_null(remote_jitter_ms)),
        ("reportsSent", args::count(reports_sent).into()),
        ("reportsReceived", args::count(reports_received).into()),
        ("rtcpRejected", args::count(rtcp_rejected).into()),
    ])
}

#[cfg(test)]
mod tests {
    use mediacore::{JitterStats, SessionStats};

    use super::*;

    #[test]
    fn typescript_stats_type_lists_every_counter_in_order() {
        let declared = crate::typescript_interface(TS_TYPES, "SessionStats");
        let expected: Vec<String> = SessionStats::default()
            .fields()
            .iter()
            .map(|&(name, _)| format!("{}: number;", camel_case(name)))
            .collect();
        assert_eq!(declared, expected);
        let declared = crate::typescript_interface(TS_TYPES, "JitterStats");
        let expected: Vec<String> = JitterStats::default()
            .fields()
            .iter()
            .map(|&(name, _)| format!("{}: number;", camel_case(name)))
            .collect();
        assert_eq!(declared, expected);
    }

    #[test]
    fn typescript_rtcp_stats_type_lists_every_figure() {
        let declared: Vec<&str> = crate::typescript_interface(TS_TYPES, "RtcpStats")
            .into_iter()
            .map(|line| line.split(':').next().unwrap_or_default())
            .collect();
        let fields = [
            "remote_ssrc",
            "packets_expected",
            "packets_received",
            "cumulative_lost",
            "fraction_lost",
            "jitter",
            "jitter_ms",
            "rtt_ms",
            "rtt_samples",
            "remote_fraction_lost",
            "remote_cumulative_lost",
            "remote_jitter_ms",
            "reports_sent",
            "reports_received",
            "rtcp_rejected",
        ];
        assert_eq!(declared, fields.map(camel_case));
    }
}
