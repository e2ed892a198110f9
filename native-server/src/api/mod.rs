//! The HTTP/JSON control API (axum): health, endpoints, server statistics, media operations
//! on endpoints ([`media`]), recordings and the event stream ([`streams`]).
//!
//! Every error answers with a 4xx or 5xx status and `{"error": "<what was wrong>"}`,
//! including malformed bodies (axum's JSON rejections), unknown routes and wrong methods.
//! The routes are described in `docs/http-api.md`.

use core::time::Duration;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::IntoResponse;
use axum::routing::{get, patch, post, put};
use serde::{Deserialize, Serialize};

pub mod auth;
pub mod links;
pub mod media;
pub mod metrics;
pub mod openapi;
pub mod sdp;
pub mod streams;

use crate::endpoint::{
    CreateMedia, EndpointDescription, EndpointRequest, EndpointSdp, Endpoints, ServerStats,
};
use crate::error::ApiError;

/// Packet time when a request gives none.
pub const DEFAULT_PTIME_MS: u32 = 20;

/// The body of `POST /v1/endpoints`: one of `codec` (media given in JSON), `sdp` (a remote
/// offer to answer) or `offer` (make an offer).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateEndpoint {
    /// SDP encoding name: `PCMU`, `PCMA`, `G722`, `opus` or `L16` (case-insensitive).
    #[serde(default)]
    pub codec: Option<String>,
    /// With `codec`: the payload type both ways; default the static one, 96 for opus and
    /// L16.
    #[serde(default)]
    pub payload_type: Option<u8>,
    /// With `codec`: where to send RTP, `ip:port`; absent latches to the first valid source.
    #[serde(default)]
    pub remote: Option<String>,
    /// With `codec`: RTCP on the RTP port (RFC 5761) rather than port + 1; default false.
    #[serde(default)]
    pub rtcp_mux: Option<bool>,
    /// Packet time in milliseconds, 10 to 120 in steps of 10 (opus: 10, 20, 40, 60);
    /// default 20. With `sdp`, used when the offer has no `a=ptime`.
    #[serde(default)]
    pub ptime_ms: Option<u32>,
    /// A remote SDP offer to answer.
    #[serde(default)]
    pub sdp: Option<String>,
    /// With `sdp`: the codecs we accept, in order of preference; default opus, G722, PCMU,
    /// PCMA.
    #[serde(default)]
    pub codecs: Option<Vec<String>>,
    /// Make an SDP offer; the endpoint waits for the answer (`PUT .../sdp`).
    #[serde(default)]
    pub offer: Option<sdp::OfferBody>,
    /// Send back what is received (decoded and re-encoded) instead of silence; default false.
    #[serde(default)]
    pub echo: bool,
}

impl CreateEndpoint {
    /// Checks the fields against the server's RTP address family.
    pub fn validate(&self, rtp_bind: IpAddr) -> Result<EndpointRequest, ApiError> {
        let ptime = Duration::from_millis(u64::from(self.ptime_ms.unwrap_or(DEFAULT_PTIME_MS)));
        let media = match (&self.codec, &self.sdp, &self.offer) {
            (Some(codec), None, None) => {
                self.only_with("codec", &[("codecs", self.codecs.is_some())])?;
                CreateMedia::Direct {
                    codec: crate::sdp::endpoint_codec(codec)?,
                    payload_type: self.payload_type,
                    ptime,
                    remote: self
                        .remote
                        .as_deref()
                        .map(|r| parse_remote(r, rtp_bind))
                        .transpose()?,
                    rtcp_mux: self.rtcp_mux.unwrap_or(false),
                }
            }
            (None, Some(offer), None) => {
                self.only_with("sdp", &self.direct_fields())?;
                CreateMedia::Answer {
                    offer: offer.clone(),
                    preferences: sdp::preferences(self.codecs.as_deref(), ptime, None)?,
                }
            }
            (None, None, Some(offer)) => {
                self.only_with(
                    "offer",
                    &[
                        self.direct_fields().as_slice(),
                        &[
                            ("codecs", self.codecs.is_some()),
                            ("ptime_ms", self.ptime_ms.is_some()),
                        ],
                    ]
                    .concat(),
                )?;
                CreateMedia::Offer(offer.request()?)
            }
            (None, None, None) => {
                return Err(ApiError::Body {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    message: "missing field `codec`: give `codec` (media in JSON), `sdp` (a \
                              remote offer to answer) or `offer` (to make an offer)"
                        .into(),
                });
            }
            _ => {
                return Err(ApiError::InvalidField(
                    "give only one of `codec`, `sdp` and `offer`".into(),
                ));
            }
        };
        Ok(EndpointRequest {
            media,
            echo: self.echo,
        })
    }

    fn direct_fields(&self) -> [(&'static str, bool); 3] {
        [
            ("remote", self.remote.is_some()),
            ("payload_type", self.payload_type.is_some()),
            ("rtcp_mux", self.rtcp_mux.is_some()),
        ]
    }

    /// Fails naming the first of `fields` that is present but does not go with `mode`.
    fn only_with(&self, mode: &str, fields: &[(&'static str, bool)]) -> Result<(), ApiError> {
        match fields.iter().find(|(_, present)| *present) {
            Some((name, _)) => Err(ApiError::InvalidField(format!(
                "`{name}` does not go with `{mode}`{}",
                if mode == "codec" {
                    ""
                } else {
                    "; addresses, payload types and rtcp-mux come from the SDP"
                }
            ))),
            None => Ok(()),
        }
    }
}

fn parse_remote(text: &str, rtp_bind: IpAddr) -> Result<SocketAddr, ApiError> {
    let addr: SocketAddr = text.trim().parse().map_err(|_| {
        ApiError::InvalidField(format!(
            "remote {text:?} is not an IP address and port such as 127.0.0.1:4000"
        ))
    })?;
    if addr.port() == 0 {
        return Err(ApiError::InvalidField(format!(
            "remote {addr} has port 0; expected a port from 1 to 65535"
        )));
    }
    if addr.ip().is_unspecified() || addr.ip().is_multicast() {
        return Err(ApiError::InvalidField(format!(
            "remote {addr} is not a unicast address RTP can be sent to"
        )));
    }
    if addr.is_ipv4() != rtp_bind.is_ipv4() {
        return Err(ApiError::InvalidField(format!(
            "remote {addr} is {} but RTP sockets are bound to {} address {rtp_bind}",
            family(addr.ip()),
            family(rtp_bind)
        )));
    }
    Ok(addr)
}

fn family(ip: IpAddr) -> &'static str {
    if ip.is_ipv4() { "IPv4" } else { "IPv6" }
}

/// The body of `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    /// Always `"ok"` while the server answers.
    pub status: &'static str,
}

/// The body of `GET /v1/endpoints`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointList {
    /// Every endpoint, oldest first.
    pub endpoints: Vec<EndpointDescription>,
}

/// The control API's routes over the server's endpoints.
pub fn router(endpoints: Arc<Endpoints>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/endpoints", get(list_endpoints).post(create_endpoint))
        .route(
            "/v1/endpoints/{id}",
            get(get_endpoint).delete(delete_endpoint),
        )
        .route("/v1/stats", get(stats))
        .route("/metrics", get(metrics::metrics))
        .route("/v1/openapi.json", get(openapi::openapi))
        .route("/v1/endpoints/{id}/sdp", put(sdp::update))
        .route("/v1/endpoints/{id}/play", post(media::play))
        .route("/v1/endpoints/{id}/play/stop", post(media::stop_play))
        .route("/v1/endpoints/{id}/moh/start", post(media::start_moh))
        .route("/v1/endpoints/{id}/moh/stop", post(media::stop_moh))
        .route("/v1/endpoints/{id}/collect", post(media::collect))
        .route("/v1/endpoints/{id}/collect/stop", post(media::stop_collect))
        .route(
            "/v1/endpoints/{id}/play_and_collect",
            post(media::play_and_collect),
        )
        .route("/v1/endpoints/{id}/dtmf", post(media::send_dtmf))
        .route(
            "/v1/endpoints/{id}/record/start",
            post(media::start_recording),
        )
        .route(
            "/v1/endpoints/{id}/record/pause",
            post(media::pause_recording),
        )
        .route(
            "/v1/endpoints/{id}/record/resume",
            post(media::resume_recording),
        )
        .route(
            "/v1/endpoints/{id}/record/stop",
            post(media::stop_recording),
        )
        .route("/v1/recordings", get(streams::list_recordings))
        .route("/v1/recordings/{*name}", get(streams::download_recording))
        .route("/v1/events", get(streams::events))
        .route(
            "/v1/bridges",
            get(links::list_bridges).post(links::create_bridge),
        )
        .route(
            "/v1/bridges/{id}",
            get(links::get_bridge).delete(links::delete_bridge),
        )
        .route(
            "/v1/bridges/{id}/record/start",
            post(links::start_bridge_recording),
        )
        .route(
            "/v1/bridges/{id}/record/pause",
            post(links::pause_bridge_recording),
        )
        .route(
            "/v1/bridges/{id}/record/resume",
            post(links::resume_bridge_recording),
        )
        .route(
            "/v1/bridges/{id}/record/stop",
            post(links::stop_bridge_recording),
        )
        .route(
            "/v1/conferences",
            get(links::list_conferences).post(links::create_conference),
        )
        .route(
            "/v1/conferences/{id}",
            get(links::get_conference).delete(links::delete_conference),
        )
        .route(
            "/v1/conferences/{id}/participants",
            post(links::add_participant),
        )
        .route(
            "/v1/conferences/{id}/participants/{endpoint}",
            patch(links::change_participant).delete(links::remove_participant),
        )
        .route(
            "/v1/conferences/{id}/record/start",
            post(links::start_conference_recording),
        )
        .route(
            "/v1/conferences/{id}/record/pause",
            post(links::pause_conference_recording),
        )
        .route(
            "/v1/conferences/{id}/record/resume",
            post(links::resume_conference_recording),
        )
        .route(
            "/v1/conferences/{id}/record/stop",
            post(links::stop_conference_recording),
        )
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(auth::MAX_BODY))
        .with_state(endpoints)
}

async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

async fn create_endpoint(
    State(endpoints): State<Arc<Endpoints>>,
    body: Result<Json<CreateEndpoint>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(body) = body?;
    let request = body.validate(endpoints.rtp_bind())?;
    // Finish the creation even if the client goes away, so no half-made endpoint is left.
    let created: EndpointSdp = tokio::spawn(async move { endpoints.create(request).await })
        .await
        .map_err(|e| ApiError::Io(format!("endpoint creation did not complete: {e}")))??;
    let location = format!("/v1/endpoints/{}", created.info.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(created),
    ))
}

async fn list_endpoints(
    State(endpoints): State<Arc<Endpoints>>,
) -> Result<Json<EndpointList>, ApiError> {
    Ok(Json(EndpointList {
        endpoints: endpoints.list().await?,
    }))
}

async fn get_endpoint(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
) -> Result<Json<EndpointDescription>, ApiError> {
    Ok(Json(endpoints.describe(&id).await?))
}

async fn delete_endpoint(
    State(endpoints): State<Arc<Endpoints>>,
    Path(id): Path<String>,
) -> Result<Json<EndpointDescription>, ApiError> {
    // As for creation: the release completes even if the client goes away.
    let released = tokio::spawn(async move { endpoints.remove(&id).await })
        .await
        .map_err(|e| ApiError::Io(format!("endpoint release did not complete: {e}")))??;
    Ok(Json(released))
}

async fn stats(State(endpoints): State<Arc<Endpoints>>) -> Json<ServerStats> {
    Json(endpoints.stats())
}

async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::NoRoute {
        method: method.to_string(),
        path: uri.path().to_owned(),
    }
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed {
        method: method.to_string(),
        path: uri.path().to_owned(),
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_auth;
#[cfg(test)]
mod tests_metrics;
#[cfg(test)]
mod tests_openapi;
#[cfg(test)]
mod tests_sdp;
