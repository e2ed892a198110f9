//! Bridges (`/v1/bridges`) and conferences (`/v1/conferences`): bodies, their checks and
//! the handlers. What the operations do is in the endpoint registry and the shards.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use mediacore::mixer::ConferenceConfig;
use mediacore::record::RecordLayout;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::media::{RecordBody, discard_recording, new_recording, unexpected};
use crate::endpoint::{
    BridgeDescription, BridgeRequest, ConferenceDescription, ConferenceRecordOp, ConferenceRequest,
    Endpoints, JoinRequest,
};
use crate::error::ApiError;
use crate::shard::{BridgeMode, LinkReply, MediaOp, MediaReply, Role, SeatChange};

type Body<T> = Result<Json<T>, JsonRejection>;

/// The body of `POST /v1/bridges`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBridge {
    /// The two endpoints to bridge.
    pub endpoints: Vec<String>,
    /// `auto` (default: pass-through when both legs run the same codec, rate and packet
    /// time, else transcoding), `passthrough` or `transcode`.
    #[serde(default)]
    pub mode: Option<String>,
}

impl CreateBridge {
    /// Checks the fields.
    pub fn validate(self) -> Result<BridgeRequest, ApiError> {
        let endpoints: [String; 2] =
            self.endpoints
                .try_into()
                .map_err(|given: Vec<String>| ApiError::Body {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    message: format!(
                        "endpoints has {} entries; a bridge needs exactly two endpoint ids",
                        given.len()
                    ),
                })?;
        let mode = match self.mode.as_deref().unwrap_or("auto") {
            "auto" => None,
            "passthrough" => Some(BridgeMode::Passthrough),
            "transcode" => Some(BridgeMode::Transcode),
            other => {
                return Err(ApiError::InvalidField(format!(
                    "mode {other:?} is not a bridge mode; expected auto, passthrough or transcode"
                )));
            }
        };
        Ok(BridgeRequest { endpoints, mode })
    }
}

/// The body of `GET /v1/bridges`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BridgeList {
    /// Every bridge, oldest first.
    pub bridges: Vec<BridgeDescription>,
}

/// `POST /v1/bridges`.
pub async fn create_bridge(
    State(endpoints): State<Arc<Endpoints>>,
    body: Body<CreateBridge>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(body) = body?;
    let request = body.validate()?;
    // Finish even if the client goes away: no half-made bridge is left.
    let created = tokio::spawn(async move { endpoints.create_bridge(request).await })
        .await
        .map_err(|e| ApiError::Io(format!("bridge creation did not complete: {e}")))??;
    let location = format!("/v1/bridges/{}", created.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(created),
    ))
}

/// `GET /v1/bridges`.
pub async fn list_bridges(
    State(endpoints): State<Arc<Endpoints>>,
) -> Result<Json<BridgeList>, ApiError> {
    Ok(Json(BridgeList {
        bridges: endpoints.list_bridges().await?,
    }))
}

/// `GET /v1/bridges/{id}`.
pub async fn get_bridge(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
) -> Result<Json<BridgeDescription>, ApiError> {
    Ok(Json(endpoints.describe_bridge(&id).await?))
}

/// `DELETE /v1/bridges/{id}`.
pub async fn delete_bridge(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
) -> Result<Json<BridgeDescription>, ApiError> {
    let deleted = tokio::spawn(async move { endpoints.delete_bridge(&id).await })
        .await
        .map_err(|e| ApiError::Io(format!("bridge deletion did not complete: {e}")))??;
    Ok(Json(deleted))
}

/// `POST /v1/bridges/{id}/record/start`: a stereo recording, the first endpoint's remote
/// on the left channel, the second's on the right.
pub async fn start_bridge_recording(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
    body: Body<RecordBody>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(body) = body?;
    if body.layout.as_deref().is_some_and(|l| l != "stereo") {
        return Err(ApiError::InvalidField(
            "layout must be stereo for a bridge: one leg per channel".into(),
        ));
    }
    let (first, rate) = endpoints.bridge_sample_rate(&id).await?;
    let config = body.config(rate, &first)?;
    let (started, start) = new_recording(&endpoints, &body.name, config).await?;
    let path = start.path.clone();
    if let Err(e) = endpoints
        .bridge_record(&id, MediaOp::RecordStart(Box::new(start)))
        .await
    {
        discard_recording(&endpoints, path).await;
        return Err(e);
    }
    Ok((StatusCode::CREATED, Json(started)))
}

/// `POST /v1/bridges/{id}/record/pause`.
pub async fn pause_bridge_recording(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    endpoints.bridge_record(&id, MediaOp::RecordPause).await?;
    Ok(Json(json!({ "paused": true })))
}

/// `POST /v1/bridges/{id}/record/resume`.
pub async fn resume_bridge_recording(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    endpoints.bridge_record(&id, MediaOp::RecordResume).await?;
    Ok(Json(json!({ "paused": false })))
}

/// `POST /v1/bridges/{id}/record/stop`.
pub async fn stop_bridge_recording(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    match endpoints.bridge_record(&id, MediaOp::RecordStop).await? {
        MediaReply::Recording(done) => Ok(Json(json!(done))),
        other => Err(unexpected(other)),
    }
}

/// The body of `POST /v1/conferences`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateConference {
    /// The mix rate: 8000, 16000 (default) or 48000.
    #[serde(default)]
    pub sample_rate: Option<u32>,
    /// Most participants, 1 to 10000; default 1000.
    #[serde(default)]
    pub max_participants: Option<usize>,
    /// Most participants mixed at once (the loudest), 1 to 32; default 4.
    #[serde(default)]
    pub max_talkers: Option<usize>,
}

impl CreateConference {
    /// Checks the fields.
    pub fn validate(&self) -> Result<ConferenceRequest, ApiError> {
        let defaults = ConferenceConfig::new(self.sample_rate.unwrap_or(16_000));
        let config = ConferenceConfig {
            max_participants: self.max_participants.unwrap_or(defaults.max_participants),
            max_talkers: self.max_talkers.unwrap_or(defaults.max_talkers),
            ..defaults
        };
        config.validate()?;
        Ok(ConferenceRequest { config })
    }
}

/// The body of `POST /v1/conferences/{id}/participants`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddParticipant {
    /// The endpoint to move into the conference.
    pub endpoint: String,
    /// `speaker` (default), `listener` or `moderator`.
    #[serde(default)]
    pub role: Role,
    /// Join muted; default false.
    #[serde(default)]
    pub muted: bool,
    /// Join deaf; default false.
    #[serde(default)]
    pub deaf: bool,
}

/// The body of `PATCH /v1/conferences/{id}/participants/{endpoint}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeParticipant {
    /// The new role.
    #[serde(default)]
    pub role: Option<Role>,
    /// Mute or unmute.
    #[serde(default)]
    pub muted: Option<bool>,
    /// Deafen or let hear again.
    #[serde(default)]
    pub deaf: Option<bool>,
}

/// The body of `GET /v1/conferences`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConferenceList {
    /// Every conference, oldest first.
    pub conferences: Vec<ConferenceDescription>,
}

/// `POST /v1/conferences`.
pub async fn create_conference(
    State(endpoints): State<Arc<Endpoints>>,
    body: Body<CreateConference>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(body) = body?;
    let request = body.validate()?;
    let created = tokio::spawn(async move { endpoints.create_conference(request).await })
        .await
        .map_err(|e| ApiError::Io(format!("conference creation did not complete: {e}")))??;
    let location = format!("/v1/conferences/{}", created.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(created),
    ))
}

/// `GET /v1/conferences`.
pub async fn list_conferences(
    State(endpoints): State<Arc<Endpoints>>,
) -> Result<Json<ConferenceList>, ApiError> {
    Ok(Json(ConferenceList {
        conferences: endpoints.list_conferences().await?,
    }))
}

/// `GET /v1/conferences/{id}`.
pub async fn get_conference(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
) -> Result<Json<ConferenceDescription>, ApiError> {
    Ok(Json(endpoints.describe_conference(&id).await?))
}

/// `DELETE /v1/conferences/{id}`.
pub async fn delete_conference(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
) -> Result<Json<ConferenceDescription>, ApiError> {
    let deleted = tokio::spawn(async move { endpoints.delete_conference(&id).await })
        .await
        .map_err(|e| ApiError::Io(format!("conference deletion did not complete: {e}")))??;
    Ok(Json(deleted))
}

/// `POST /v1/conferences/{id}/participants`.
pub async fn add_participant(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
    body: Body<AddParticipant>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(body) = body?;
    let request = JoinRequest {
        endpoint: body.endpoint,
        role: body.role,
        muted: body.muted,
        deaf: body.deaf,
    };
    let joined = tokio::spawn(async move { endpoints.join_conference(&id, request).await })
        .await
        .map_err(|e| ApiError::Io(format!("joining did not complete: {e}")))??;
    Ok((StatusCode::CREATED, Json(joined)))
}

/// `PATCH /v1/conferences/{id}/participants/{endpoint}`.
pub async fn change_participant(
    State(endpoints): State<Arc<Endpoints>>,
    Path((id, endpoint)): Path<(String, String)>,
    body: Body<ChangeParticipant>,
) -> Result<Json<ConferenceDescription>, ApiError> {
    let Json(body) = body?;
    if body.role.is_none() && body.muted.is_none() && body.deaf.is_none() {
        return Err(ApiError::Body {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "give at least one of `role`, `muted` and `deaf`".into(),
        });
    }
    let change = SeatChange {
        role: body.role,
        muted: body.muted,
        deaf: body.deaf,
    };
    Ok(Json(
        endpoints.change_participant(&id, &endpoint, change).await?,
    ))
}

/// `DELETE /v1/conferences/{id}/participants/{endpoint}`.
pub async fn remove_participant(
    State(endpoints): State<Arc<Endpoints>>,
    Path((id, endpoint)): Path<(String, String)>,
) -> Result<Json<ConferenceDescription>, ApiError> {
    let left = tokio::spawn(async move { endpoints.leave_conference(&id, &endpoint).await })
        .await
        .map_err(|e| ApiError::Io(format!("leaving did not complete: {e}")))??;
    Ok(Json(left))
}

/// `POST /v1/conferences/{id}/record/start`: the mix, mono at the conference's rate
/// unless the body asks another rate... the layout is always mono.
pub async fn start_conference_recording(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
    body: Body<RecordBody>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(mut body) = body?;
    match body.layout.as_deref() {
        None | Some("mono") => body.layout = Some(RecordLayout::Mono.name().to_owned()),
        Some(_) => {
            return Err(ApiError::InvalidField(
                "layout must be mono for a conference: it records the mix".into(),
            ));
        }
    }
    let rate = endpoints.conference_sample_rate(&id).await?;
    let config = body.config(rate, &id)?;
    let (started, start) = new_recording(&endpoints, &body.name, config).await?;
    let path = start.path.clone();
    if let Err(e) = endpoints
        .conference_record(&id, ConferenceRecordOp::Start(Box::new(start)))
        .await
    {
        discard_recording(&endpoints, path).await;
        return Err(e);
    }
    Ok((StatusCode::CREATED, Json(started)))
}

/// `POST /v1/conferences/{id}/record/pause`.
pub async fn pause_conference_recording(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    endpoints
        .conference_record(&id, ConferenceRecordOp::Pause(true))
        .await?;
    Ok(Json(json!({ "paused": true })))
}

/// `POST /v1/conferences/{id}/record/resume`.
pub async fn resume_conference_recording(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    endpoints
        .conference_record(&id, ConferenceRecordOp::Pause(false))
        .await?;
    Ok(Json(json!({ "paused": false })))
}

/// `POST /v1/conferences/{id}/record/stop`.
pub async fn stop_conference_recording(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    match endpoints
        .conference_record(&id, ConferenceRecordOp::Stop)
        .await?
    {
        LinkReply::Recording(done) => Ok(Json(json!(done))),
        other => Err(ApiError::Io(format!(
            "the shard answered {other:?} unexpectedly"
        ))),
    }
}
