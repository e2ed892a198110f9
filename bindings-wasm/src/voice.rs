//! Voice processing of a `MediaSession`: the `voice` key of `SessionOptions` (a
//! `VoiceOptions` object) onto the core's `VoiceSettings`, and the session's voice methods
//! (stages switched at runtime, levels, talk state). Directions and stages are the core's
//! snake_case names.

use mediacore::voice::EchoEngine;
use mediacore::{Error, VoiceDirection, VoiceSettings, VoiceStage, VoiceStages};
use wasm_bindgen::prelude::*;

use crate::args::{self, object};
use crate::options;
use crate::session::MediaSession;

/// The TypeScript types of the voice options and readings.
// Used by the custom section below, a use that rustc's dead-code lint does not see.
#[allow(dead_code)]
const TS_TYPES: &str = r#"
/** A voice pipeline: "capture" (what `pushCapture` takes, before encoding) or "playout"
 * (what `pullPlayout` returns, after decoding). */
export type VoiceDirection = "capture" | "playout";
/** A voice stage, in pipeline order; echo cancellation and comfort noise on capture only. */
export type VoiceStage =
  | "echo_cancellation"
  | "noise_suppression"
  | "gain_control"
  | "vad"
  | "level_meter"
  | "comfort_noise";

/** Voice processing of a session (`SessionOptions.voice`); what is left out is off or at
 * the engine's default. */
export interface VoiceOptions {
  /** The stages run on captured audio before it is encoded (comfort noise needs "vad"). */
  capture?: VoiceStage[];
  /** The stages run on received audio before it is played. */
  playout?: VoiceStage[];
  /** The level gain control brings speech to, -60 to -3 dBov (default -26). */
  gainTargetDbov?: number;
  /** How long voice stays active after the last speech, at most 60000 ms (default 200). */
  vadHangoverMs?: number;
  /** How often a comfort-noise SID is repeated, 20 to 10000 ms (default 500). */
  sidIntervalMs?: number;
  /** The remote party's speech (the playout "vad") stops an interruptible prompt. */
  bargeInOnSpeech?: boolean;
  /** The echo canceller: "aec3" (WebRTC AEC3, the default: removes more echo, cuts the near
   * end while both talk) or "mdf" (ours: keeps the near end while both talk, removes less
   * echo). */
  echoEngine?: "aec3" | "mdf";
}

/** A voice pipeline's level: RMS over about 300 ms and the peak held 1 s, in dBov. */
export interface VoiceLevel {
  rmsDbov: number;
  peakDbov: number;
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const TS_SECTION: &'static str = TS_TYPES;

/// The option names, in the order the TypeScript type lists them.
const KNOWN: [&str; 7] = [
    "capture",
    "playout",
    "gainTargetDbov",
    "vadHangoverMs",
    "sidIntervalMs",
    "bargeInOnSpeech",
    "echoEngine",
];

/// The core's settings from a `VoiceOptions` object (`undefined` or `null`: all off).
pub(crate) fn settings(value: &JsValue) -> Result<VoiceSettings, Error> {
    let mut settings = VoiceSettings::default();
    for opt in options::read(value, "voice", &KNOWN)? {
        match opt.key.as_str() {
            "capture" => settings.capture = stages(&opt.strings()?)?,
            "playout" => settings.playout = stages(&opt.strings()?)?,
            "gainTargetDbov" => settings.gain_target_dbov = opt.number()? as f32,
            "vadHangoverMs" => settings.vad_hangover = opt.millis()?,
            "sidIntervalMs" => settings.sid_interval = opt.millis()?,
            "bargeInOnSpeech" => settings.barge_in_on_speech = opt.boolean()?,
            _ => settings.echo_engine = EchoEngine::from_name(&opt.string()?)?,
        }
    }
    Ok(settings)
}

fn stages(names: &[String]) -> Result<VoiceStages, Error> {
    let mut stages = VoiceStages::default();
    for name in names {
        stages.set(VoiceStage::from_name(name)?, true);
    }
    Ok(stages)
}

fn names(stages: &VoiceStages) -> JsValue {
    stages
        .enabled()
        .map(|s| JsValue::from_str(s.name()))
        .collect::<js_sys::Array>()
        .into()
}

fn direction(name: &str) -> Result<VoiceDirection, JsError> {
    Ok(VoiceDirection::from_name(name).map_err(Error::from)?)
}

fn stage(name: &str) -> Result<VoiceStage, JsError> {
    Ok(VoiceStage::from_name(name).map_err(Error::from)?)
}

#[wasm_bindgen]
impl MediaSession {
    /// The voice settings in force (a `VoiceOptions` object with every key): the
    /// constructor's, with the stages switched since.
    #[wasm_bindgen(js_name = voiceSettings, unchecked_return_type = "Required<VoiceOptions>")]
    pub fn voice_settings(&self) -> JsValue {
        let v = self.inner.voice_settings();
        object([
            ("capture", names(&v.capture)),
            ("playout", names(&v.playout)),
            ("gainTargetDbov", f64::from(v.gain_target_dbov).into()),
            ("vadHangoverMs", args::millis(v.vad_hangover).into()),
            ("sidIntervalMs", args::millis(v.sid_interval).into()),
            ("bargeInOnSpeech", v.barge_in_on_speech.into()),
            ("echoEngine", JsValue::from_str(v.echo_engine.name())),
        ])
    }

    /// Whether `stage` runs on `direction`; throws for an unknown name.
    #[wasm_bindgen(js_name = voiceStage)]
    pub fn voice_stage(
        &self,
        #[wasm_bindgen(unchecked_param_type = "VoiceDirection")] direction: &str,
        #[wasm_bindgen(unchecked_param_type = "VoiceStage")] stage: &str,
    ) -> Result<bool, JsError> {
        let (direction, stage) = (self::direction(direction)?, self::stage(stage)?);
        Ok(self.inner.voice_stage(direction, stage))
    }

    /// Switches one voice stage while the call runs (built when first switched on; one
    /// switched off keeps what it learnt). Throws, changing nothing, for a stage that path
    /// does not have, comfort noise without the capture VAD or on a session whose RTP clock
    /// is not 8 kHz, or switching off a VAD that comfort noise or barge-in needs.
    #[wasm_bindgen(js_name = setVoiceStage)]
    pub fn set_voice_stage(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "VoiceDirection")] direction: &str,
        #[wasm_bindgen(unchecked_param_type = "VoiceStage")] stage: &str,
        on: bool,
    ) -> Result<(), JsError> {
        let (direction, stage) = (self::direction(direction)?, self::stage(stage)?);
        Ok(self.inner.set_voice_stage(direction, stage, on)?)
    }

    /// Whether the remote party's speech (the playout VAD) stops an interruptible prompt;
    /// throws when turning it on while the playout VAD is off.
    #[wasm_bindgen(js_name = setBargeInOnSpeech)]
    pub fn set_barge_in_on_speech(&mut self, on: bool) -> Result<(), JsError> {
        Ok(self.inner.set_barge_in_on_speech(on)?)
    }

    /// `direction`'s level while its level meter is on, else `undefined`.
    #[wasm_bindgen(js_name = voiceLevel, unchecked_return_type = "VoiceLevel | undefined")]
    pub fn voice_level(
        &self,
        #[wasm_bindgen(unchecked_param_type = "VoiceDirection")] direction: &str,
    ) -> Result<JsValue, JsError> {
        let level = self.inner.voice_level(self::direction(direction)?);
        Ok(level.map_or(JsValue::UNDEFINED, |l| {
            object([
                ("rmsDbov", l.rms_dbov.into()),
                ("peakDbov", l.peak_dbov.into()),
            ])
        }))
    }

    /// Whether `direction`'s VAD hears voice now (false while it is off).
    #[wasm_bindgen(js_name = isTalking)]
    pub fn is_talking(
        &self,
        #[wasm_bindgen(unchecked_param_type = "VoiceDirection")] direction: &str,
    ) -> Result<bool, JsError> {
        Ok(self.inner.is_talking(self::direction(direction)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typescript_type_lists_every_option_in_order() {
        assert_eq!(
            crate::typescript_optional_keys(TS_TYPES, "VoiceOptions"),
            KNOWN
        );
    }
}
