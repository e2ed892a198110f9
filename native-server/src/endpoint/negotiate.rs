//! An endpoint's SDP state: what was settled (the session's plan, where media goes), the
//! offer of ours that waits for its answer, and the `o=` line's numbers; how creation and
//! `PUT /v1/endpoints/{id}/sdp` change it.

use std::net::SocketAddr;

use mediacore::sdp::{AudioDescription, Direction};

use super::{CreateMedia, EndpointInfo};
use crate::error::ApiError;
use crate::sdp::{self, DEFAULT_CODECS, LocalSdp, MediaPlan, Negotiated, Preferences, Transport};

/// Our offer, asked for at creation or in an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferRequest {
    /// Codecs to offer in order of preference, the packet time to ask for and the direction
    /// we want.
    pub preferences: Preferences,
    /// Offer RFC 4733 telephone-events on each codec clock.
    pub telephone_events: bool,
    /// Offer `a=rtcp-mux`.
    pub rtcp_mux: bool,
}

/// Whether a remote SDP is an offer or an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdpKind {
    /// A new offer (a re-INVITE): we answer.
    Offer,
    /// The answer to our offer.
    Answer,
}

/// An SDP exchange on an existing endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdpUpdate {
    /// SDP from the remote; `kind: None` is an answer while our offer waits, else an offer.
    Remote {
        /// The SDP text.
        sdp: String,
        /// Offer or answer, when the caller says.
        kind: Option<SdpKind>,
    },
    /// Make a new offer (to put the remote on hold, change codecs...); media changes when
    /// the answer comes.
    Offer(OfferRequest),
}

/// Our offer waiting for its answer.
#[derive(Debug, Clone, PartialEq)]
struct PendingOffer {
    /// What we offered (its `rtcp_mux` says whether we offered RTCP multiplexing).
    description: AudioDescription,
    preferences: Preferences,
}

/// What an endpoint's SDP settled.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SdpState {
    /// Our address, port and `o=` numbers (the version of the last SDP we wrote).
    pub(super) local: LocalSdp,
    /// What we want: codecs, packet time, direction.
    preferences: Preferences,
    /// The session's media.
    pub(super) plan: MediaPlan,
    /// Where media goes.
    pub(super) transport: Transport,
    pending: Option<PendingOffer>,
}

impl SdpState {
    /// The endpoint's description for the API.
    pub(super) fn info(
        &self,
        id: String,
        local: SocketAddr,
        echo: bool,
        shard: usize,
    ) -> EndpointInfo {
        EndpointInfo {
            id,
            codec: self.plan.codec.name(),
            payload_type: self.plan.payload_type,
            send_payload_type: self.plan.send_payload_type,
            telephone_event_payload_type: self.plan.telephone_event.map(|(ours, _)| ours),
            sample_rate: self.plan.sample_rate,
            ptime_ms: self.plan.ptime.as_millis() as u64,
            local_address: local.ip(),
            local_port: local.port(),
            local_rtcp_port: local.port().saturating_add(1),
            remote: self.transport.remote,
            remote_rtcp: self.transport.rtcp_remote,
            rtcp_mux: self.transport.rtcp_mux,
            direction: self.transport.direction.as_str(),
            awaiting_answer: self.pending.is_some(),
            echo,
            shard,
        }
    }

    /// The next `o=` numbers, for a new SDP of ours.
    fn next_local(&self) -> LocalSdp {
        LocalSdp {
            version: self.local.version + 1,
            ..self.local
        }
    }
}

/// A new endpoint's state and the SDP we wrote for it.
pub(super) struct Settled {
    pub(super) state: SdpState,
    pub(super) sdp: Option<String>,
}

/// Settles a new endpoint's media on `local` (its RTP address).
pub(super) fn settle_new(
    media: &CreateMedia,
    local: SocketAddr,
    session_id: u64,
) -> Result<Settled, ApiError> {
    let local_sdp = LocalSdp {
        address: local.ip(),
        port: local.port(),
        session_id,
        version: 1,
    };
    match media {
        CreateMedia::Direct {
            codec,
            payload_type,
            ptime,
            remote,
            rtcp_mux,
        } => {
            let rtcp_remote = remote.and_then(|r| {
                if *rtcp_mux {
                    Some(r)
                } else {
                    r.port().checked_add(1).map(|p| SocketAddr::new(r.ip(), p))
                }
            });
            Ok(Settled {
                state: SdpState {
                    local: local_sdp,
                    preferences: Preferences {
                        codecs: DEFAULT_CODECS.to_vec(),
                        ptime: *ptime,
                        direction: Direction::SendRecv,
                    },
                    plan: MediaPlan::direct(*codec, *payload_type, *ptime),
                    transport: Transport {
                        remote: *remote,
                        rtcp_remote,
                        rtcp_mux: *rtcp_mux,
                        direction: Direction::SendRecv,
                    },
                    pending: None,
                },
                sdp: None,
            })
        }
        CreateMedia::Answer { offer, preferences } => {
            let (Negotiated { plan, transport }, text) =
                sdp::answer(offer, preferences, &local_sdp)?;
            Ok(Settled {
                state: SdpState {
                    local: local_sdp,
                    preferences: preferences.clone(),
                    plan,
                    transport,
                    pending: None,
                },
                sdp: Some(text),
            })
        }
        CreateMedia::Offer(request) => {
            let (description, text, plan) = sdp::offer(
                &request.preferences,
                request.telephone_events,
                request.rtcp_mux,
                &local_sdp,
            )?;
            Ok(Settled {
                state: SdpState {
                    local: local_sdp,
                    preferences: request.preferences.clone(),
                    plan,
                    // Until the answer: receive the preferred codec (early media), send
                    // nothing.
                    transport: Transport {
                        remote: None,
                        rtcp_remote: None,
                        rtcp_mux: request.rtcp_mux,
                        direction: Direction::RecvOnly,
                    },
                    pending: Some(PendingOffer {
                        description,
                        preferences: request.preferences.clone(),
                    }),
                },
                sdp: Some(text),
            })
        }
    }
}

/// What an update settles: the new state, whether the session must change, and our SDP.
pub(super) struct Outcome {
    pub(super) state: SdpState,
    pub(super) media_changed: bool,
    pub(super) sdp: Option<String>,
}

/// Applies `update` to `state`; `bind` is the RTP address (its family is the only one
/// remote addresses may have).
pub(super) fn settle_update(
    state: &SdpState,
    update: SdpUpdate,
    bind: std::net::IpAddr,
) -> Result<Outcome, ApiError> {
    match update {
        SdpUpdate::Remote { sdp: text, kind } => {
            let kind = kind.unwrap_or(if state.pending.is_some() {
                SdpKind::Answer
            } else {
                SdpKind::Offer
            });
            match kind {
                SdpKind::Answer => {
                    let pending = state.pending.as_ref().ok_or_else(|| {
                        ApiError::Conflict(
                            "no offer of this endpoint waits for an answer; send a remote \
                             offer with \"type\": \"offer\" (or none)"
                                .into(),
                        )
                    })?;
                    let Negotiated { plan, transport } =
                        sdp::accept(&pending.description, &text, &pending.preferences, bind)?;
                    Ok(Outcome {
                        state: SdpState {
                            local: state.local,
                            preferences: pending.preferences.clone(),
                            plan,
                            transport,
                            pending: None,
                        },
                        media_changed: true,
                        sdp: None,
                    })
                }
                SdpKind::Offer => {
                    if state.pending.is_some() {
                        return Err(ApiError::Conflict(
                            "this endpoint's offer waits for its answer; a remote offer now \
                             is glare (SIP answers 491); send the answer with \"type\": \
                             \"answer\""
                                .into(),
                        ));
                    }
                    let local = state.next_local();
                    let (Negotiated { plan, transport }, answer) =
                        sdp::answer(&text, &state.preferences, &local)?;
                    Ok(Outcome {
                        state: SdpState {
                            local,
                            preferences: state.preferences.clone(),
                            plan,
                            transport,
                            pending: None,
                        },
                        media_changed: true,
                        sdp: Some(answer),
                    })
                }
            }
        }
        SdpUpdate::Offer(request) => {
            if state.pending.is_some() {
                return Err(ApiError::Conflict(
                    "this endpoint's offer waits for its answer; send the answer first".into(),
                ));
            }
            let local = state.next_local();
            let (description, text, _) = sdp::offer(
                &request.preferences,
                request.telephone_events,
                request.rtcp_mux,
                &local,
            )?;
            Ok(Outcome {
                state: SdpState {
                    local,
                    pending: Some(PendingOffer {
                        description,
                        preferences: request.preferences,
                    }),
                    ..state.clone()
                },
                media_changed: false,
                sdp: Some(text),
            })
        }
    }
}
