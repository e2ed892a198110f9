//! `MediaSession`: the core's per-call pipeline with JS arguments, events and statistics.
//!
//! Events and statistics come out as plain JS objects (typed by the TypeScript section
//! below) so that a page can log, `JSON.stringify` or `switch (ev.type)` them directly.

use core::time::Duration;

use mediacore::{AudioFrame, Codec, Event, SessionConfig, SessionStats};
use wasm_bindgen::prelude::*;

use crate::args::{self, camel_case, object};
use crate::opus::options_from_js;

/// The TypeScript types of events and statistics; a test checks the stats type against the core.
// Used by the custom section below, a use that rustc's dead-code lint does not see.
#[allow(dead_code)]
const TS_TYPES: &str = r#"
/** Something that happened in a session, as returned by `MediaSession.pollEvent()`. */
export type MediaEvent =
  | { type: "remote_source_started"; ssrc: number }
  | { type: "remote_source_changed"; old: number; new: number }
  | { type: "rtp_timeout"; silentForMs: number }
  | { type: "rtp_resumed" };

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
    inner: mediacore::MediaSession,
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
    ) -> Result<MediaSession, JsError> {
        let mut config = SessionConfig::new(Codec::from_name(codec)?);
        config.seed = args::seed(&seed)?;
        if let Some(pt) = payload_type {
            config.payload_type = Some(args::integer("payloadType", pt, u8::MAX)?);
        }
        if let Some(ms) = ptime_ms {
            config.ptime = args::duration_ms("ptimeMs", ms)?;
        }
        config.rtp_timeout = rtp_timeout(&rtp_timeout_ms, config.rtp_timeout)?;
        if let Some(rate) = sample_rate {
            config.sample_rate = Some(args::integer("sampleRate", rate, u32::MAX)?);
        }
        config.opus = options_from_js(&opus)?.resolve(config.codec, Some("ptimeMs"))?;
        Ok(MediaSession {
            inner: mediacore::MediaSession::new(config)?,
        })
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

    /// Lets the session act on time passing (the RTP inactivity timeout).
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
        stats_object(self.inner.stats())
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
fn event_object(event: Event) -> JsValue {
    let kind = ("type", JsValue::from_str(event.name()));
    match event {
        Event::RemoteSourceStarted { ssrc } => object([kind, ("ssrc", ssrc.into())]),
        Event::RemoteSourceChanged { old, new } => {
            object([kind, ("old", old.into()), ("new", new.into())])
        }
        Event::RtpTimeout { silent_for } => {
            object([kind, ("silentForMs", args::millis(silent_for).into())])
        }
        // Events without fields, and kinds added to the core later, carry their name only.
        _ => object([kind]),
    }
}

/// Every `SessionStats` counter under its camelCase name.
fn stats_object(stats: SessionStats) -> JsValue {
    object(
        stats
            .fields()
            .map(|(name, value)| (camel_case(name), JsValue::from(args::count(value)))),
    )
}

#[cfg(test)]
mod tests {
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
    }
}
