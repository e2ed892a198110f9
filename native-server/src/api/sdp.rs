//! SDP on endpoints: the `offer` object of `POST /v1/endpoints` and
//! `PUT /v1/endpoints/{id}/sdp`, which takes a remote offer (re-INVITE: hold, unhold, a new
//! codec or address) and answers it, takes the answer to our offer, or makes a new offer.

use core::time::Duration;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use mediacore::Codec;
use mediacore::sdp::Direction;
use serde::Deserialize;

use super::DEFAULT_PTIME_MS;
use crate::endpoint::{EndpointSdp, Endpoints, OfferRequest, SdpKind, SdpUpdate};
use crate::error::ApiError;
use crate::sdp::{DEFAULT_CODECS, Preferences, endpoint_codec};

/// An offer to make: `{"codecs": ["opus", "PCMU"], "ptime_ms": 20, ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferBody {
    /// Codecs in order of preference; default opus, G722, PCMU, PCMA.
    #[serde(default)]
    pub codecs: Option<Vec<String>>,
    /// The packet time to ask for; default 20.
    #[serde(default)]
    pub ptime_ms: Option<u32>,
    /// Offer RFC 4733 telephone-events; default true.
    #[serde(default)]
    pub telephone_events: Option<bool>,
    /// Offer `a=rtcp-mux` (RFC 5761); default true. Without it in the answer, RTCP uses
    /// port + 1.
    #[serde(default)]
    pub rtcp_mux: Option<bool>,
    /// `sendrecv` (default), `sendonly` (put the remote on hold), `recvonly` or `inactive`.
    #[serde(default)]
    pub direction: Option<String>,
}

impl OfferBody {
    /// The checked request.
    pub fn request(&self) -> Result<OfferRequest, ApiError> {
        let ptime = Duration::from_millis(u64::from(self.ptime_ms.unwrap_or(DEFAULT_PTIME_MS)));
        let direction = self.direction.as_deref().map(direction).transpose()?;
        Ok(OfferRequest {
            preferences: preferences(self.codecs.as_deref(), ptime, direction)?,
            telephone_events: self.telephone_events.unwrap_or(true),
            rtcp_mux: self.rtcp_mux.unwrap_or(true),
        })
    }
}

/// Codecs (default [`DEFAULT_CODECS`]), packet time and direction, checked.
pub fn preferences(
    codecs: Option<&[String]>,
    ptime: Duration,
    direction: Option<Direction>,
) -> Result<Preferences, ApiError> {
    let ms = ptime.as_millis();
    if !(10..=120).contains(&ms) || !ms.is_multiple_of(10) {
        return Err(ApiError::InvalidField(format!(
            "ptime {ms} ms is not supported; expected 10 to 120 ms in steps of 10 ms"
        )));
    }
    let codecs: Vec<Codec> = match codecs {
        None => DEFAULT_CODECS.to_vec(),
        Some([]) => {
            return Err(ApiError::InvalidField(
                "codecs is empty; name at least one of PCMU, PCMA, G722, opus, L16".into(),
            ));
        }
        Some(names) => {
            let mut list = Vec::with_capacity(names.len());
            for name in names {
                let codec = endpoint_codec(name)?;
                if !list.contains(&codec) {
                    list.push(codec);
                }
            }
            list
        }
    };
    Ok(Preferences {
        codecs,
        ptime,
        direction: direction.unwrap_or(Direction::SendRecv),
    })
}

fn direction(name: &str) -> Result<Direction, ApiError> {
    [
        Direction::SendRecv,
        Direction::SendOnly,
        Direction::RecvOnly,
        Direction::Inactive,
    ]
    .into_iter()
    .find(|d| d.as_str().eq_ignore_ascii_case(name))
    .ok_or_else(|| {
        ApiError::InvalidField(format!(
            "direction {name:?} is not one of sendrecv, sendonly, recvonly, inactive"
        ))
    })
}

/// The body of `PUT /v1/endpoints/{id}/sdp`: `sdp` (with an optional `type`) or `offer`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SdpBody {
    /// SDP from the remote: a new offer, or the answer to ours.
    #[serde(default)]
    pub sdp: Option<String>,
    /// `offer` or `answer`; default: `answer` while our offer waits, else `offer`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Make a new offer instead.
    #[serde(default)]
    pub offer: Option<OfferBody>,
}

impl SdpBody {
    /// The checked update.
    pub fn update(&self) -> Result<SdpUpdate, ApiError> {
        match (&self.sdp, &self.offer) {
            (Some(sdp), None) => {
                let kind = match self.kind.as_deref() {
                    None => None,
                    Some(k) if k.eq_ignore_ascii_case("offer") => Some(SdpKind::Offer),
                    Some(k) if k.eq_ignore_ascii_case("answer") => Some(SdpKind::Answer),
                    Some(k) => {
                        return Err(ApiError::InvalidField(format!(
                            "type {k:?} is not \"offer\" or \"answer\""
                        )));
                    }
                };
                Ok(SdpUpdate::Remote {
                    sdp: sdp.clone(),
                    kind,
                })
            }
            (None, Some(offer)) => {
                if self.kind.is_some() {
                    return Err(ApiError::InvalidField(
                        "`type` goes with `sdp`, not with `offer`".into(),
                    ));
                }
                Ok(SdpUpdate::Offer(offer.request()?))
            }
            (None, None) => Err(ApiError::Body {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: "missing field `sdp`: give `sdp` (a remote offer or answer) or \
                          `offer` (to make an offer)"
                    .into(),
            }),
            (Some(_), Some(_)) => Err(ApiError::InvalidField(
                "give only one of `sdp` and `offer`".into(),
            )),
        }
    }
}

/// `PUT /v1/endpoints/{id}/sdp`: `200` with the endpoint and our SDP (the answer to a
/// remote offer, our new offer, or `null` after taking an answer).
pub async fn update(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
    body: Result<Json<SdpBody>, JsonRejection>,
) -> Result<Json<EndpointSdp>, ApiError> {
    let Json(body) = body?;
    let update = body.update()?;
    // As for creation: the update completes even if the client goes away.
    let updated = tokio::spawn(async move { endpoints.update_sdp(&id, update).await })
        .await
        .map_err(|e| ApiError::Io(format!("the SDP update did not complete: {e}")))??;
    Ok(Json(updated))
}
