//! Media operations on an endpoint: prompts, music on hold, digit collection,
//! play-and-collect, DTMF and recording.
//!
//! Each handler checks its body, does the slow part here on the control path (decoding
//! prompts through the shared cache, creating the recording's file) and then hands the
//! operation to the endpoint's shard, which answers through a oneshot channel.

use core::time::Duration;
use std::io::BufWriter;
use std::sync::Arc;
use std::time::SystemTime;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mediacore::RecordTarget;
use mediacore::codec::opus::bitrate_range;
use mediacore::dtmf::{CollectConfig, Terminators};
use mediacore::ivr::PlayCollectConfig;
use mediacore::playback::{PlayOptions, Prompt};
use mediacore::record::{PauseMode, RecordConfig, RecordFormat, RecordLayout, RecordingMetadata};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};

use crate::endpoint::Endpoints;
use crate::error::ApiError;
use crate::media::rfc3339;
use crate::shard::{MediaOp, MediaReply, RecordingStart};

type Body<T> = Result<Json<T>, JsonRejection>;
type Answer = Result<Json<Value>, ApiError>;

/// Ogg Opus bit rate per channel when a request gives none.
pub const DEFAULT_OPUS_BITRATE_PER_CHANNEL: u32 = 24_000;

/// `Some(value)` for a field that is present, so that `null` (off) and absent (default)
/// differ.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// The body of `POST /v1/endpoints/{id}/play`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlayBody {
    /// The prompt: a file (or folder) relative to the media folder.
    pub file: String,
    /// Play again from the start at the end, until stopped.
    #[serde(default, rename = "loop")]
    pub looping: bool,
    /// Volume change in dB, -60 to 20.
    #[serde(default)]
    pub gain_db: f32,
    /// Whether a DTMF digit stops it; default true.
    #[serde(default = "yes")]
    pub interruptible: bool,
    /// Play after what plays and waits instead of replacing it.
    #[serde(default)]
    pub queue: bool,
    /// Where the first pass starts, in ms.
    #[serde(default)]
    pub start_offset_ms: u64,
}

fn yes() -> bool {
    true
}

/// The body of `POST /v1/endpoints/{id}/moh/start`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MohBody {
    /// A file, or a folder whose files play in name order, relative to the media folder.
    pub file: String,
    /// Volume change in dB.
    #[serde(default)]
    pub gain_db: f32,
}

/// The body of `POST /v1/endpoints/{id}/collect`: the core's `CollectConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectBody {
    /// Fewest digits for a valid entry; default 1.
    #[serde(default)]
    pub min_digits: Option<usize>,
    /// The collection ends at this many digits; default 20.
    #[serde(default)]
    pub max_digits: Option<usize>,
    /// Keys that end the entry, e.g. `"#"` (default) or `""` for none.
    #[serde(default)]
    pub terminators: Option<String>,
    /// From the start to the first digit; default 5000, `null` for none.
    #[serde(default, deserialize_with = "present")]
    pub first_digit_timeout_ms: Option<Option<u64>>,
    /// Between digits; default 3000, `null` for none.
    #[serde(default, deserialize_with = "present")]
    pub inter_digit_timeout_ms: Option<Option<u64>>,
    /// From the start to the end; default none.
    #[serde(default, deserialize_with = "present")]
    pub overall_timeout_ms: Option<Option<u64>>,
}

impl CollectBody {
    /// The core configuration, with the core's defaults for absent fields.
    pub fn config(&self) -> Result<CollectConfig, ApiError> {
        collect_config(
            self.min_digits,
            self.max_digits,
            self.terminators.as_deref(),
            [
                self.first_digit_timeout_ms,
                self.inter_digit_timeout_ms,
                self.overall_timeout_ms,
            ],
        )
    }
}

fn collect_config(
    min_digits: Option<usize>,
    max_digits: Option<usize>,
    terminators: Option<&str>,
    [first, inter, overall]: [Option<Option<u64>>; 3],
) -> Result<CollectConfig, ApiError> {
    let mut config = CollectConfig::default();
    if let Some(max) = max_digits {
        config.max_digits = max;
    }
    if let Some(min) = min_digits {
        config.min_digits = min;
    }
    if let Some(text) = terminators {
        config.terminators = Terminators::parse(text)
            .map_err(|e| ApiError::InvalidField(format!("terminators: {e}")))?;
    }
    let ms = |v: Option<u64>| v.map(Duration::from_millis);
    if let Some(v) = first {
        config.first_digit_timeout = ms(v);
    }
    if let Some(v) = inter {
        config.inter_digit_timeout = ms(v);
    }
    if let Some(v) = overall {
        config.overall_timeout = ms(v);
    }
    config.validate()?;
    Ok(config)
}

/// The body of `POST /v1/endpoints/{id}/play_and_collect`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlayCollectBody {
    /// Prompts played at the start of each attempt, relative to the media folder.
    #[serde(default)]
    pub prompts: Vec<String>,
    /// Played before the next attempt after an entry that is not valid.
    #[serde(default)]
    pub invalid_prompt: Option<String>,
    /// Played before the next attempt when nothing was entered.
    #[serde(default)]
    pub no_input_prompt: Option<String>,
    /// Attempts in all, 1 to 10; default 1.
    #[serde(default)]
    pub max_attempts: Option<u32>,
    /// Entries accepted (e.g. `["1", "2"]`); empty accepts any.
    #[serde(default)]
    pub accept: Vec<String>,
    /// Whether digits stop the prompts; default true.
    #[serde(default = "yes")]
    pub barge_in: bool,
    /// Volume change for the prompts, in dB.
    #[serde(default)]
    pub gain_db: f32,
    /// As in `collect`.
    #[serde(default)]
    pub min_digits: Option<usize>,
    /// As in `collect`.
    #[serde(default)]
    pub max_digits: Option<usize>,
    /// As in `collect`.
    #[serde(default)]
    pub terminators: Option<String>,
    /// As in `collect`.
    #[serde(default, deserialize_with = "present")]
    pub first_digit_timeout_ms: Option<Option<u64>>,
    /// As in `collect`.
    #[serde(default, deserialize_with = "present")]
    pub inter_digit_timeout_ms: Option<Option<u64>>,
    /// As in `collect`.
    #[serde(default, deserialize_with = "present")]
    pub overall_timeout_ms: Option<Option<u64>>,
}

/// The body of `POST /v1/endpoints/{id}/dtmf`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DtmfBody {
    /// Keys to send: `0-9`, `*`, `#`, `A-D`.
    pub digits: String,
}

/// The body of `POST /v1/endpoints/{id}/record/start`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordBody {
    /// The file to create, relative to the recordings folder (its folder must exist).
    pub name: String,
    /// `mono` (the remote party), `stereo` (remote left, local right; default) or
    /// `mixed-mono`.
    #[serde(default)]
    pub layout: Option<String>,
    /// `wav` or `ogg-opus`; default from the name's extension (`.wav`, `.ogg`, `.opus`).
    #[serde(default)]
    pub format: Option<String>,
    /// Ogg Opus bit rate for all channels, bit/s; default 24000 per channel.
    #[serde(default)]
    pub bitrate: Option<u32>,
    /// Stop (and complete the file) after this much audio.
    #[serde(default)]
    pub max_duration_ms: Option<u64>,
    /// Stop before the file grows past this size.
    #[serde(default)]
    pub max_bytes: Option<u64>,
    /// `silence` (default: paused time is silence) or `skip` (left out).
    #[serde(default)]
    pub pause_mode: Option<String>,
    /// The call's id (e.g. the SIP Call-ID), stored in the file's metadata.
    #[serde(default)]
    pub call_id: Option<String>,
}

impl RecordBody {
    /// The core configuration for an endpoint whose audio runs at `sample_rate`.
    pub fn config(&self, sample_rate: u32, endpoint: &str) -> Result<RecordConfig, ApiError> {
        let invalid = |e: mediacore::record::RecordError| ApiError::InvalidField(e.to_string());
        let layout =
            RecordLayout::from_name(self.layout.as_deref().unwrap_or("stereo")).map_err(invalid)?;
        let mut config = RecordConfig::new(layout, sample_rate);
        let extension = std::path::Path::new(&self.name)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let from_extension = match extension.as_deref() {
            Some("wav") => Some("wav"),
            Some("ogg" | "opus") => Some("ogg-opus"),
            _ => None,
        };
        let format = match (self.format.as_deref(), from_extension) {
            (Some(given), Some(implied)) if !given.eq_ignore_ascii_case(implied) => {
                return Err(ApiError::InvalidField(format!(
                    "recording name {:?} implies format {implied}, but format is {given:?}",
                    self.name
                )));
            }
            (Some(given), _) => given.to_ascii_lowercase(),
            (None, Some(implied)) => implied.to_owned(),
            (None, None) => {
                return Err(ApiError::InvalidField(format!(
                    "recording name {:?} has no .wav, .ogg or .opus extension; give format \
                     \"wav\" or \"ogg-opus\"",
                    self.name
                )));
            }
        };
        config.format = match format.as_str() {
            "wav" => RecordFormat::Wav,
            "ogg-opus" => {
                let channels = layout.channels();
                let (min, max) = bitrate_range(sample_rate, channels);
                let default = DEFAULT_OPUS_BITRATE_PER_CHANNEL * u32::from(channels);
                RecordFormat::OggOpus {
                    bitrate: self.bitrate.unwrap_or(default.clamp(min, max)),
                }
            }
            other => {
                return Err(ApiError::InvalidField(format!(
                    "format {other:?} is not a recording format; expected \"wav\" or \"ogg-opus\""
                )));
            }
        };
        if self.bitrate.is_some() && config.format == RecordFormat::Wav {
            return Err(ApiError::InvalidField(
                "bitrate applies to ogg-opus recordings only".into(),
            ));
        }
        if let Some(mode) = &self.pause_mode {
            config.pause_mode = PauseMode::from_name(mode).map_err(invalid)?;
        }
        config.max_duration = self.max_duration_ms.map(Duration::from_millis);
        config.max_bytes = self.max_bytes;
        config.metadata = RecordingMetadata {
            start_time: rfc3339(SystemTime::now()),
            call_id: self.call_id.clone(),
            legs: Vec::new(),
            extra: vec![("endpoint".to_owned(), endpoint.to_owned())],
        };
        config.validate().map_err(invalid)?;
        Ok(config)
    }
}

async fn prompt(endpoints: &Endpoints, id: &str, file: &str) -> Result<Prompt, ApiError> {
    let rate = endpoints.sample_rate(id)?;
    endpoints.prompts().load(file, rate).await
}

fn playback(reply: MediaReply) -> Answer {
    match reply {
        MediaReply::Playback(id) => Ok(Json(json!({ "playback_id": id }))),
        other => Err(unexpected(other)),
    }
}

fn stopped(reply: MediaReply) -> Answer {
    match reply {
        MediaReply::Stopped(stopped) => Ok(Json(json!({ "stopped": stopped }))),
        other => Err(unexpected(other)),
    }
}

pub(crate) fn unexpected(reply: MediaReply) -> ApiError {
    ApiError::Io(format!("the shard answered {reply:?} unexpectedly"))
}

/// `POST /v1/endpoints/{id}/play`.
pub async fn play(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
    body: Body<PlayBody>,
) -> Answer {
    let Json(body) = body?;
    let prompt = prompt(&endpoints, &id, &body.file).await?;
    let options = PlayOptions {
        looping: body.looping,
        start_offset: Duration::from_millis(body.start_offset_ms),
        gain_db: body.gain_db,
        interruptible: body.interruptible,
    };
    let op = MediaOp::Play {
        prompt,
        options,
        queue: body.queue,
    };
    playback(endpoints.media(&id, op).await?)
}

/// `POST /v1/endpoints/{id}/play/stop`.
pub async fn stop_play(State(endpoints): State<Arc<Endpoints>>, Path(id): Path<String>) -> Answer {
    stopped(endpoints.media(&id, MediaOp::StopPlayback).await?)
}

/// `POST /v1/endpoints/{id}/moh/start`.
pub async fn start_moh(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
    body: Body<MohBody>,
) -> Answer {
    let Json(body) = body?;
    let prompt = prompt(&endpoints, &id, &body.file).await?;
    let op = MediaOp::MohStart {
        prompt,
        gain_db: body.gain_db,
    };
    playback(endpoints.media(&id, op).await?)
}

/// `POST /v1/endpoints/{id}/moh/stop`.
pub async fn stop_moh(State(endpoints): State<Arc<Endpoints>>, Path(id): Path<String>) -> Answer {
    stopped(endpoints.media(&id, MediaOp::MohStop).await?)
}

/// `POST /v1/endpoints/{id}/collect`.
pub async fn collect(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
    body: Body<CollectBody>,
) -> Answer {
    let Json(body) = body?;
    let config = body.config()?;
    endpoints.media(&id, MediaOp::Collect(config)).await?;
    Ok(Json(json!({ "collecting": true })))
}

/// `POST /v1/endpoints/{id}/collect/stop`: cancels a collection or a play-and-collect.
pub async fn stop_collect(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
) -> Answer {
    endpoints.media(&id, MediaOp::StopCollect).await?;
    Ok(Json(json!({ "collecting": false })))
}

/// `POST /v1/endpoints/{id}/play_and_collect`.
pub async fn play_and_collect(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
    body: Body<PlayCollectBody>,
) -> Answer {
    let Json(body) = body?;
    let collect = collect_config(
        body.min_digits,
        body.max_digits,
        body.terminators.as_deref(),
        [
            body.first_digit_timeout_ms,
            body.inter_digit_timeout_ms,
            body.overall_timeout_ms,
        ],
    )?;
    let mut prompts = Vec::with_capacity(body.prompts.len());
    for file in &body.prompts {
        prompts.push(prompt(&endpoints, &id, file).await?);
    }
    let mut config = PlayCollectConfig::new(prompts, collect);
    if let Some(file) = &body.invalid_prompt {
        config.invalid_prompt = Some(prompt(&endpoints, &id, file).await?);
    }
    if let Some(file) = &body.no_input_prompt {
        config.no_input_prompt = Some(prompt(&endpoints, &id, file).await?);
    }
    config.max_attempts = body.max_attempts.unwrap_or(1);
    config.accept = body.accept;
    config.barge_in = body.barge_in;
    config.gain_db = body.gain_db;
    config.validate()?;
    endpoints
        .media(&id, MediaOp::PlayAndCollect(config))
        .await?;
    Ok(Json(json!({ "collecting": true })))
}

/// `POST /v1/endpoints/{id}/dtmf`.
pub async fn send_dtmf(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
    body: Body<DtmfBody>,
) -> Answer {
    let Json(body) = body?;
    if body.digits.is_empty() {
        return Err(ApiError::InvalidField(
            "digits is empty; give keys from 0-9, *, #, A-D".into(),
        ));
    }
    endpoints
        .media(&id, MediaOp::SendDtmf(body.digits.clone()))
        .await?;
    Ok(Json(json!({ "queued": body.digits })))
}

/// What `record/start` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordingStarted {
    /// The name relative to the recordings folder.
    pub name: String,
    /// The file's path on the server.
    pub path: String,
    /// `wav` or `ogg-opus`.
    pub format: &'static str,
    /// `mono`, `stereo` or `mixed-mono`.
    pub layout: &'static str,
    /// The recording's rate.
    pub sample_rate: u32,
}

/// `POST /v1/endpoints/{id}/record/start`.
pub async fn start_recording(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
    body: Body<RecordBody>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(body) = body?;
    let rate = endpoints.sample_rate(&id)?;
    let config = body.config(rate, &id)?;
    let (started, start) = new_recording(&endpoints, &body.name, config).await?;
    let path = start.path.clone();
    if let Err(e) = endpoints
        .media(&id, MediaOp::RecordStart(Box::new(start)))
        .await
    {
        discard_recording(&endpoints, path).await;
        return Err(e);
    }
    Ok((StatusCode::CREATED, Json(started)))
}

/// Creates recording `name`'s file (on a blocking thread) for `config`: what `record/start`
/// answers and what the shard starts.
pub(crate) async fn new_recording(
    endpoints: &Endpoints,
    name: &str,
    config: RecordConfig,
) -> Result<(RecordingStarted, RecordingStart), ApiError> {
    let recordings = endpoints.recordings().clone();
    let owned = name.to_owned();
    let (path, file) = tokio::task::spawn_blocking(move || recordings.create(&owned))
        .await
        .map_err(|e| ApiError::Io(format!("recording file creation did not complete: {e}")))??;
    let started = RecordingStarted {
        name: name.to_owned(),
        path: path.to_string_lossy().into_owned(),
        format: match config.format {
            RecordFormat::Wav => "wav",
            _ => "ogg-opus",
        },
        layout: config.layout.name(),
        sample_rate: config.sample_rate,
    };
    let start = RecordingStart {
        name: name.to_owned(),
        path,
        config,
        target: RecordTarget::Stream(Box::new(BufWriter::new(file))),
    };
    Ok((started, start))
}

/// Deletes the file of a recording that did not start.
pub(crate) async fn discard_recording(endpoints: &Endpoints, path: std::path::PathBuf) {
    let recordings = endpoints.recordings().clone();
    let _ = tokio::task::spawn_blocking(move || recordings.discard(&path)).await;
}

/// `POST /v1/endpoints/{id}/record/pause`.
pub async fn pause_recording(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
) -> Answer {
    endpoints.media(&id, MediaOp::RecordPause).await?;
    Ok(Json(json!({ "paused": true })))
}

/// `POST /v1/endpoints/{id}/record/resume`.
pub async fn resume_recording(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
) -> Answer {
    endpoints.media(&id, MediaOp::RecordResume).await?;
    Ok(Json(json!({ "paused": false })))
}

/// `POST /v1/endpoints/{id}/record/stop`.
pub async fn stop_recording(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
) -> Answer {
    match endpoints.media(&id, MediaOp::RecordStop).await? {
        MediaReply::Recording(done) => Ok(Json(json!(done))),
        other => Err(unexpected(other)),
    }
}
