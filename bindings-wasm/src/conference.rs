//! `Conference`: participants that are sessions, one mix clock, everyone hearing everyone
//! else. Its options and each participant's are JS objects; a participant's session takes the
//! arguments of `new MediaSession(...)` (its `SessionOptions` object included); events,
//! datagrams to send and counters come out as plain JS objects. Participants are numbers.

use js_sys::{Array, Reflect, Uint8Array};
use mediacore::mixer::{
    self, ConferenceConfig, ConferenceEvent, ConferenceStats, ParticipantId, ParticipantOptions,
    SpeakerEvent,
};
use mediacore::{Error, RecordTarget};
use wasm_bindgen::prelude::*;

use crate::args::{self, object};
use crate::options::{self, Opt};
use crate::record::{finished_object, limit_event, record_config};
use crate::session::{MediaSession, counters_object, event_object, session_config};

/// The TypeScript types of the options objects, events and datagrams.
// Used by the custom section below, a use that rustc's dead-code lint does not see.
#[allow(dead_code)]
const TS_TYPES: &str = r#"
/** How a conference mixes; what is left out keeps the default. */
export interface ConferenceOptions {
  /** The rate everyone is mixed at: 8000, 16000 (default) or 48000 Hz. */
  sampleRate?: number;
  /** Audio mixed per tick: 10 to 60 ms in steps of 10 (default 20). */
  tickMs?: number;
  /** The most talkers mixed at once, the loudest, 1 to 64 (default 4). */
  maxTalkers?: number;
  /** The most participants, 1 to 10000 (default 1000). */
  maxParticipants?: number;
  /** A participant starts talking at or above this level in dBov (default -40). */
  talkOnDbov?: number;
  /** A talking participant stops after `hangoverMs` below this level (default -45). */
  talkOffDbov?: number;
  /** How long the level must stay up before "talk_started" (default 40). */
  attackMs?: number;
  /** How long the level must stay down before "talk_stopped" (default 600). */
  hangoverMs?: number;
  /** How much louder another talker must be to take the active speaker's place (default 3). */
  switchMarginDb?: number;
  /** How long an active speaker keeps the role at least while talking (default 500). */
  activeHoldMs?: number;
  /** The time constant of the smoothed level that ranks talkers (default 200). */
  smoothingMs?: number;
}

/** What a participant may say and hear; what is left out keeps the default. */
export interface ParticipantOptions {
  /** Gain of the participant's audio into the mix, -60 to 12 dB (default 0). */
  inputGainDb?: number;
  /** Gain of the mix the participant hears, -60 to 12 dB (default 0). */
  outputGainDb?: number;
  /** Not heard by anyone; talking is still reported (default false). */
  muted?: boolean;
  /** Hears nothing (default false). */
  deaf?: boolean;
  /** Hears the conference but is never heard nor talking (default false). */
  listenOnly?: boolean;
  /** When not empty, heard only by these participants (default none). */
  whisperTo?: number[];
  /** Participants this one does not hear (default none). */
  exclude?: number[];
}

/** Something that happened in a conference, as returned by `Conference.pollEvent()`. A
 * participant's session events are its `MediaEvent`s with the participant added. */
export type ConferenceEvent =
  | { type: "talk_started"; participant: number }
  | { type: "talk_stopped"; participant: number }
  | { type: "active_speaker"; participant: number | null }
  | (MediaEvent & { participant: number })
  | ({ type: "recording_limit_reached"; limit: "duration" | "size" } & RecordingSummary)
  | { type: "recording_failed"; message: string }
  | { type: "media_failed"; participant: number | null; message: string };

/** A datagram to send to a participant. */
export interface ConferenceTransmit {
  participant: number;
  datagram: Uint8Array;
}

/** Counters kept by a conference, as returned by `Conference.stats()`. */
export interface ConferenceStats {
  ticks: number;
  ticksSkipped: number;
  sharedEncodes: number;
  sharedSends: number;
  ownEncodes: number;
  eventsDropped: number;
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const TS_SECTION: &'static str = TS_TYPES;

/// The conference option names, in the order the TypeScript type lists them.
const CONFERENCE_KEYS: [&str; 11] = [
    "sampleRate",
    "tickMs",
    "maxTalkers",
    "maxParticipants",
    "talkOnDbov",
    "talkOffDbov",
    "attackMs",
    "hangoverMs",
    "switchMarginDb",
    "activeHoldMs",
    "smoothingMs",
];

/// The participant option names, in the order the TypeScript type lists them.
const PARTICIPANT_KEYS: [&str; 7] = [
    "inputGainDb",
    "outputGainDb",
    "muted",
    "deaf",
    "listenOnly",
    "whisperTo",
    "exclude",
];

/// A `ConferenceOptions` object as the core's configuration (checked when the conference
/// is built).
fn conference_config(value: &JsValue) -> Result<ConferenceConfig, Error> {
    let mut config = ConferenceConfig::new(16_000);
    for opt in options::read(value, "conference", &CONFERENCE_KEYS)? {
        let speaker = &mut config.speaker;
        match opt.key.as_str() {
            "sampleRate" => config.sample_rate = opt.integer(u32::MAX)?,
            "tickMs" => config.tick = opt.millis()?,
            "maxTalkers" => config.max_talkers = opt.integer(u32::MAX)? as usize,
            "maxParticipants" => config.max_participants = opt.integer(u32::MAX)? as usize,
            "talkOnDbov" => speaker.talk_on_dbov = opt.number()? as f32,
            "talkOffDbov" => speaker.talk_off_dbov = opt.number()? as f32,
            "attackMs" => speaker.attack = opt.millis()?,
            "hangoverMs" => speaker.hangover = opt.millis()?,
            "switchMarginDb" => speaker.switch_margin_db = opt.number()? as f32,
            "activeHoldMs" => speaker.active_hold = opt.millis()?,
            _ => speaker.smoothing = opt.millis()?,
        }
    }
    Ok(config)
}

/// A `ParticipantOptions` object as the core's (checked when given to the conference).
fn participant_options(value: &JsValue) -> Result<ParticipantOptions, Error> {
    let mut o = ParticipantOptions::default();
    for opt in options::read(value, "participant", &PARTICIPANT_KEYS)? {
        match opt.key.as_str() {
            "inputGainDb" => o.input_gain_db = opt.number()? as f32,
            "outputGainDb" => o.output_gain_db = opt.number()? as f32,
            "muted" => o.muted = opt.boolean()?,
            "deaf" => o.deaf = opt.boolean()?,
            "listenOnly" => o.listen_only = opt.boolean()?,
            "whisperTo" => o.whisper_to = participants(&opt)?,
            _ => o.exclude = participants(&opt)?,
        }
    }
    Ok(o)
}

/// An array of participant ids.
fn participants(opt: &Opt<'_>) -> Result<Vec<ParticipantId>, Error> {
    if !Array::is_array(&opt.value) {
        return Err(opt.not("an array of participants"));
    }
    Array::from(&opt.value)
        .iter()
        .map(|v| match v.as_f64() {
            Some(n) => id(n),
            None => Err(opt.not("an array of participants")),
        })
        .collect()
}

/// A participant id argument.
fn id(value: f64) -> Result<ParticipantId, Error> {
    args::integer("participant", value, u32::MAX).map(ParticipantId::new)
}

/// Ids given as a `Uint32Array` (or an array of numbers).
fn id_list(list: &[u32]) -> Vec<ParticipantId> {
    list.iter().copied().map(ParticipantId::new).collect()
}

/// Ids as a JS array of numbers.
fn ids(list: &[ParticipantId]) -> JsValue {
    list.iter()
        .map(|p| JsValue::from(p.get()))
        .collect::<Array>()
        .into()
}

fn or_null(participant: Option<ParticipantId>) -> JsValue {
    participant.map_or(JsValue::NULL, |p| p.get().into())
}

/// `{participant, datagram}`.
fn transmit((to, datagram): (ParticipantId, &[u8])) -> JsValue {
    object([
        ("participant", JsValue::from(to.get())),
        ("datagram", Uint8Array::from(datagram).into()),
    ])
}

/// `{type, participant, ...}`: a session's event as `MediaSession.pollEvent` gives it with
/// the participant added.
fn conference_event_object(event: ConferenceEvent) -> JsValue {
    let kind = ("type", JsValue::from_str(event.name()));
    match event {
        ConferenceEvent::Session { participant, event } => {
            let obj = event_object(event);
            // Setting a data property on a fresh plain object cannot throw.
            let _ = Reflect::set(&obj, &"participant".into(), &participant.get().into());
            obj
        }
        ConferenceEvent::Speaker(
            SpeakerEvent::TalkStarted { participant } | SpeakerEvent::TalkStopped { participant },
        ) => object([kind, ("participant", participant.get().into())]),
        ConferenceEvent::Speaker(SpeakerEvent::ActiveSpeaker { participant }) => {
            object([kind, ("participant", or_null(participant))])
        }
        ConferenceEvent::RecordingLimitReached { limit, summary } => {
            limit_event("recording_limit_reached", limit, &summary)
        }
        ConferenceEvent::RecordingFailed { message } => object([kind, ("message", message.into())]),
        ConferenceEvent::MediaFailed {
            participant,
            message,
        } => object([
            kind,
            ("participant", or_null(participant)),
            ("message", message.into()),
        ]),
        // Kinds added to the core later carry their name only.
        _ => object([kind]),
    }
}

/// Participants' sessions mixed by one clock: each hears everyone but itself, the loudest
/// `maxTalkers` at once.
///
/// Drive it from one loop: `handleRtp(nowUs, participant, datagram)` for each participant's
/// datagrams, `tick(nowUs)` at `pollTimeout()`, then `pollTransmit` and `pollRtcp` until
/// `undefined` (each gives `{participant, datagram}`) and `pollEvent` until `undefined`.
#[wasm_bindgen]
pub struct Conference {
    inner: mixer::Conference,
}

#[wasm_bindgen]
impl Conference {
    /// A conference as `options` (`ConferenceOptions`) say; throws naming the first value
    /// out of range.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "ConferenceOptions")] options: JsValue,
    ) -> Result<Conference, JsError> {
        let config = conference_config(&options)?;
        Ok(Conference {
            inner: mixer::Conference::new(config)?,
        })
    }

    /// Adds a participant and returns its id (never reused). `participant`
    /// (`ParticipantOptions`) says what it may say and hear; the arguments after it are
    /// `new MediaSession(codec, ...)`'s, for its session. Throws for a session that cannot
    /// be built, options out of range or a full conference.
    #[wasm_bindgen(js_name = addParticipant)]
    #[allow(clippy::too_many_arguments)] // MediaSession's arguments, then the participant's
    pub fn add_participant(
        &mut self,
        codec: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "ParticipantOptions")] participant: JsValue,
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
        #[wasm_bindgen(unchecked_optional_param_type = "SessionOptions")] session: JsValue,
    ) -> Result<u32, JsError> {
        let options = participant_options(&participant)?;
        let config = session_config(
            codec,
            &seed,
            payload_type,
            ptime_ms,
            &rtp_timeout_ms,
            sample_rate,
            &opus,
            &session,
        )?;
        Ok(self.inner.add_participant(config, options)?.get())
    }

    /// Removes a participant and hands back its session (to close it, read its counters).
    #[wasm_bindgen(js_name = removeParticipant)]
    pub fn remove_participant(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
        participant: f64,
    ) -> Result<MediaSession, JsError> {
        let now = args::instant(now_us)?;
        let session = self.inner.remove_participant(now, id(participant)?)?;
        Ok(MediaSession::from_core(session))
    }

    /// The participants present, in the order they joined.
    pub fn participants(&self) -> Vec<u32> {
        self.inner.participants().map(ParticipantId::get).collect()
    }

    /// A participant's options (`ParticipantOptions`, every key given), or `undefined`.
    #[wasm_bindgen(unchecked_return_type = "ParticipantOptions | undefined")]
    pub fn options(&self, participant: f64) -> Result<JsValue, JsError> {
        let Some(o) = self.inner.options(id(participant)?) else {
            return Ok(JsValue::UNDEFINED);
        };
        Ok(object([
            ("inputGainDb", o.input_gain_db.into()),
            ("outputGainDb", o.output_gain_db.into()),
            ("muted", o.muted.into()),
            ("deaf", o.deaf.into()),
            ("listenOnly", o.listen_only.into()),
            ("whisperTo", ids(&o.whisper_to)),
            ("exclude", ids(&o.exclude)),
        ]))
    }

    /// Replaces a participant's options (what `options` leaves out is the default).
    #[wasm_bindgen(js_name = setOptions)]
    pub fn set_options(
        &mut self,
        participant: f64,
        #[wasm_bindgen(unchecked_optional_param_type = "ParticipantOptions")] options: JsValue,
    ) -> Result<(), JsError> {
        let options = participant_options(&options)?;
        Ok(self.inner.set_options(id(participant)?, options)?)
    }

    /// Mutes or unmutes: a muted participant is not heard.
    #[wasm_bindgen(js_name = setMuted)]
    pub fn set_muted(&mut self, participant: f64, muted: bool) -> Result<(), JsError> {
        Ok(self.inner.set_muted(id(participant)?, muted)?)
    }

    /// Makes the participant hear nothing, or hear again.
    #[wasm_bindgen(js_name = setDeaf)]
    pub fn set_deaf(&mut self, participant: f64, deaf: bool) -> Result<(), JsError> {
        Ok(self.inner.set_deaf(id(participant)?, deaf)?)
    }

    /// Makes the participant listen only, or a full participant again.
    #[wasm_bindgen(js_name = setListenOnly)]
    pub fn set_listen_only(&mut self, participant: f64, listen_only: bool) -> Result<(), JsError> {
        Ok(self.inner.set_listen_only(id(participant)?, listen_only)?)
    }

    /// The gain of the participant's audio into the mix, -60 to 12 dB.
    #[wasm_bindgen(js_name = setInputGainDb)]
    pub fn set_input_gain_db(&mut self, participant: f64, db: f32) -> Result<(), JsError> {
        Ok(self.inner.set_input_gain_db(id(participant)?, db)?)
    }

    /// The gain of the mix the participant hears, -60 to 12 dB.
    #[wasm_bindgen(js_name = setOutputGainDb)]
    pub fn set_output_gain_db(&mut self, participant: f64, db: f32) -> Result<(), JsError> {
        Ok(self.inner.set_output_gain_db(id(participant)?, db)?)
    }

    /// Makes the participant heard only by `targets` (empty: by everyone again).
    #[wasm_bindgen(js_name = setWhisperTo)]
    pub fn set_whisper_to(&mut self, participant: f64, targets: &[u32]) -> Result<(), JsError> {
        Ok(self
            .inner
            .set_whisper_to(id(participant)?, &id_list(targets))?)
    }

    /// Sets who the participant does not hear.
    #[wasm_bindgen(js_name = setExclude)]
    pub fn set_exclude(&mut self, participant: f64, excluded: &[u32]) -> Result<(), JsError> {
        Ok(self
            .inner
            .set_exclude(id(participant)?, &id_list(excluded))?)
    }

    /// The active speaker; `undefined` when there is none.
    #[wasm_bindgen(js_name = activeSpeaker)]
    pub fn active_speaker(&self) -> Option<u32> {
        self.inner.active_speaker().map(ParticipantId::get)
    }

    /// Whether the participant is talking.
    #[wasm_bindgen(js_name = isTalking)]
    pub fn is_talking(&self, participant: f64) -> Result<bool, JsError> {
        Ok(self.inner.is_talking(id(participant)?))
    }

    /// The participant's level over the last tick in dBov; `undefined` for an id not present.
    #[wasm_bindgen(js_name = levelDbov)]
    pub fn level_dbov(&self, participant: f64) -> Result<Option<f32>, JsError> {
        Ok(self.inner.mixer().level_dbov(id(participant)?))
    }

    /// Counters so far, as a plain object with camelCase fields.
    #[wasm_bindgen(unchecked_return_type = "ConferenceStats")]
    pub fn stats(&self) -> JsValue {
        // Destructured so that a counter added to the core fails to compile here.
        let ConferenceStats {
            ticks,
            ticks_skipped,
            shared_encodes,
            shared_sends,
            own_encodes,
            events_dropped,
        } = self.inner.stats();
        counters_object([
            ("ticks", ticks),
            ("ticks_skipped", ticks_skipped),
            ("shared_encodes", shared_encodes),
            ("shared_sends", shared_sends),
            ("own_encodes", own_encodes),
            ("events_dropped", events_dropped),
        ])
    }

    /// Takes an RTP datagram from the participant; throws if it is rejected.
    #[wasm_bindgen(js_name = handleRtp)]
    pub fn handle_rtp(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
        participant: f64,
        datagram: &[u8],
    ) -> Result<(), JsError> {
        let now = args::instant(now_us)?;
        Ok(self.inner.handle_rtp(now, id(participant)?, datagram)?)
    }

    /// Takes an RTCP compound from the participant; throws if it is malformed.
    #[wasm_bindgen(js_name = handleRtcp)]
    pub fn handle_rtcp(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
        participant: f64,
        datagram: &[u8],
    ) -> Result<(), JsError> {
        let now = args::instant(now_us)?;
        Ok(self.inner.handle_rtcp(now, id(participant)?, datagram)?)
    }

    /// Runs the mix clock up to `nowUs`: every tick due (the first call starts it; a page
    /// more than five ticks late skips the oldest).
    pub fn tick(&mut self, #[wasm_bindgen(js_name = nowUs)] now_us: f64) -> Result<(), JsError> {
        self.inner.tick(args::instant(now_us)?);
        Ok(())
    }

    /// When the next tick is due, in microseconds; `undefined` before the first `tick`.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&self) -> Option<f64> {
        self.inner.poll_timeout().map(args::micros)
    }

    /// The next RTP datagram to send and to whom; `undefined` when all are drained.
    #[wasm_bindgen(js_name = pollTransmit, unchecked_return_type = "ConferenceTransmit | undefined")]
    pub fn poll_transmit(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
    ) -> Result<JsValue, JsError> {
        let now = args::instant(now_us)?;
        Ok(self
            .inner
            .poll_transmit(now)
            .map_or(JsValue::UNDEFINED, transmit))
    }

    /// The next RTCP compound to send and to whom; `undefined` when none is due.
    #[wasm_bindgen(js_name = pollRtcp, unchecked_return_type = "ConferenceTransmit | undefined")]
    pub fn poll_rtcp(
        &mut self,
        #[wasm_bindgen(js_name = nowUs)] now_us: f64,
    ) -> Result<JsValue, JsError> {
        let now = args::instant(now_us)?;
        Ok(self
            .inner
            .poll_rtcp(now)
            .map_or(JsValue::UNDEFINED, transmit))
    }

    /// The next event as `{type, ...fields}`, oldest first; `undefined` when there is none.
    #[wasm_bindgen(js_name = pollEvent, unchecked_return_type = "ConferenceEvent | undefined")]
    pub fn poll_event(&mut self) -> JsValue {
        self.inner
            .poll_event()
            .map_or(JsValue::UNDEFINED, conference_event_object)
    }

    /// Starts recording the common mix into memory as `options` (`RecordOptions`, layout
    /// "mono") say. Throws for options the engine refuses or a recording already running.
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typescript_types_list_every_option_in_order() {
        assert_eq!(
            crate::typescript_optional_keys(TS_TYPES, "ConferenceOptions"),
            CONFERENCE_KEYS
        );
        assert_eq!(
            crate::typescript_optional_keys(TS_TYPES, "ParticipantOptions"),
            PARTICIPANT_KEYS
        );
    }
}
