//! SDP offer/answer for endpoints: what an endpoint's session is built from (codec, payload
//! types per direction, telephone-events, packet time, Opus settings) and where its RTP and
//! RTCP go (addresses, rtcp-mux, direction), from a remote offer, our offer or a remote
//! answer.
//!
//! The core's `sdp` module parses, negotiates and writes the audio section; this file picks
//! what one endpoint uses: one audio codec both ways (a session decodes one codec), the
//! telephone-event format on that codec's clock, and comfort noise on 8 kHz codecs, and
//! where RTCP goes from `a=rtcp-mux` (RFC 5761) and `a=rtcp` (RFC 3605), which the core
//! reads and writes.

use core::time::Duration;
use std::net::{IpAddr, SocketAddr};

use mediacore::codec::opus::{OpusConfig, OpusFmtp};
use mediacore::sdp::{
    AudioDescription, CodecCapability, Connection, Direction, EventSet, LocalMedia, PayloadFormat,
    SdpError, accept_answer, answer_offer, create_offer,
};
use mediacore::{Codec, SessionConfig};

use crate::error::ApiError;

/// The codecs an endpoint negotiates by default, in our order of preference.
pub const DEFAULT_CODECS: [Codec; 4] = [Codec::Opus, Codec::G722, Codec::Pcmu, Codec::Pcma];
/// Codecs an endpoint can run: every audio codec of the core (comfort noise is not one).
pub const ENDPOINT_CODECS: [Codec; 5] = [
    Codec::Pcmu,
    Codec::Pcma,
    Codec::G722,
    Codec::Opus,
    Codec::L16,
];
/// RFC 3551 table 4: comfort noise at 8000 Hz is payload type 13, the only one a session
/// takes.
const CN_PAYLOAD_TYPE: u8 = 13;
/// Transports an endpoint serves (plain RTP; no SRTP, no DTLS).
const PROFILES: [&str; 2] = ["RTP/AVP", "RTP/AVPF"];

/// The codec named `name` (case-insensitive), if an endpoint can run it.
pub fn endpoint_codec(name: &str) -> Result<Codec, ApiError> {
    let known = Codec::from_name(name).ok();
    known
        .filter(|c| ENDPOINT_CODECS.contains(c))
        .ok_or_else(|| {
            let names: Vec<&str> = ENDPOINT_CODECS.iter().map(|c| c.name()).collect();
            ApiError::InvalidField(format!(
                "codec {name:?} is not supported for an endpoint; supported codecs are {}",
                names.join(", ")
            ))
        })
}

/// What a session is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaPlan {
    /// The audio codec, both ways.
    pub codec: Codec,
    /// The payload type we receive the codec with (the number in our SDP); the session's.
    pub payload_type: u8,
    /// The payload type the remote receives it with (the number in its SDP).
    pub send_payload_type: u8,
    /// Telephone-events on the codec's clock: (ours, the remote's) payload types.
    pub telephone_event: Option<(u8, u8)>,
    /// Sample rate of the session's audio.
    pub sample_rate: u32,
    /// Packet time, both ways.
    pub ptime: Duration,
    /// The Opus encoder's settings (ignored for other codecs).
    pub opus: OpusConfig,
}

impl MediaPlan {
    /// A plan for `codec` without SDP: the codec's static payload type (else `payload_type`,
    /// else 96) both ways, telephone-events on 101, the codec's default rate.
    pub fn direct(codec: Codec, payload_type: Option<u8>, ptime: Duration) -> MediaPlan {
        let pt = payload_type
            .or(codec.static_payload_type())
            .unwrap_or(mediacore::sdp::DYNAMIC_PAYLOAD_TYPE_FIRST);
        let te = mediacore::session::DEFAULT_TELEPHONE_EVENT_PT;
        MediaPlan {
            codec,
            payload_type: pt,
            send_payload_type: pt,
            telephone_event: (te != pt).then_some((te, te)),
            sample_rate: codec.sample_rates().first().copied().unwrap_or(8000),
            ptime,
            opus: OpusConfig::default(),
        }
    }

    /// The session configuration; the server watches RTP inactivity itself (it knows when
    /// the call is on hold), so the session's own timeout is off.
    pub fn session_config(&self, seed: u64) -> SessionConfig {
        SessionConfig {
            payload_type: Some(self.payload_type),
            sample_rate: Some(self.sample_rate),
            ptime: self.ptime,
            seed,
            rtp_timeout: None,
            opus: OpusConfig {
                frame_ms: u8::try_from(self.ptime.as_millis()).unwrap_or(u8::MAX),
                ..self.opus
            },
            telephone_event_payload_type: self.telephone_event.map(|(ours, _)| ours),
            ..SessionConfig::new(self.codec)
        }
    }

    /// Whether a session built for `self` also serves `other` (only the payload types the
    /// remote receives with may differ: they are rewritten on the way out).
    pub fn same_session(&self, other: &MediaPlan) -> bool {
        self.codec == other.codec
            && self.payload_type == other.payload_type
            && self.telephone_event.map(|t| t.0) == other.telephone_event.map(|t| t.0)
            && self.sample_rate == other.sample_rate
            && self.ptime == other.ptime
            && (self.codec != Codec::Opus || self.opus == other.opus)
    }

    /// How outgoing packets' payload types change: the session sends with ours.
    pub fn send_rewrite(&self) -> PayloadRewrite {
        let mut pairs = Vec::new();
        if self.payload_type != self.send_payload_type {
            pairs.push((self.payload_type, self.send_payload_type));
        }
        if let Some((ours, theirs)) = self.telephone_event
            && ours != theirs
        {
            pairs.push((ours, theirs));
        }
        PayloadRewrite { pairs }
    }
}

/// Payload type numbers to change in outgoing RTP, for a remote that receives a format with
/// another number than the one we receive it with (RFC 3264 §5.1 allows it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PayloadRewrite {
    pairs: Vec<(u8, u8)>,
}

impl PayloadRewrite {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The number to send a packet carrying `pt` with.
    pub fn map(&self, pt: u8) -> u8 {
        self.pairs
            .iter()
            .find(|(from, _)| *from == pt)
            .map_or(pt, |(_, to)| *to)
    }
}

/// Where an endpoint's RTP and RTCP go, and which way media flows, from our side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transport {
    /// Where RTP goes; `None` sends to the latched source.
    pub remote: Option<SocketAddr>,
    /// Where RTCP goes; `None` sends to the latched RTCP source (or, muxed, RTP's).
    pub rtcp_remote: Option<SocketAddr>,
    /// RTP and RTCP share the RTP port (RFC 5761).
    pub rtcp_mux: bool,
    /// Whether we send and receive RTP.
    pub direction: Direction,
}

/// Our side of the SDP: address, port and the origin line's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalSdp {
    /// The RTP address, for `c=` and `o=`.
    pub address: IpAddr,
    /// The RTP port.
    pub port: u16,
    /// `o=` session id.
    pub session_id: u64,
    /// `o=` version, raised with every SDP we write (RFC 3264 §8).
    pub version: u64,
}

/// What an SDP exchange settled for an endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Negotiated {
    /// The session to run.
    pub plan: MediaPlan,
    /// Where to send.
    pub transport: Transport,
}

/// What we want from a negotiation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    /// Codecs we accept, in our order of preference.
    pub codecs: Vec<Codec>,
    /// The packet time we send when the remote asks for none.
    pub ptime: Duration,
    /// Which way we want media to flow.
    pub direction: Direction,
}

/// Reads a remote SDP's audio section; the error names the line and what was expected.
pub fn parse(text: &str) -> Result<AudioDescription, ApiError> {
    let description =
        AudioDescription::parse(text).map_err(|e| ApiError::InvalidField(format!("sdp: {e}")))?;
    if !PROFILES.contains(&description.proto.as_str()) {
        return Err(ApiError::InvalidField(format!(
            "sdp: transport {:?} is not supported; expected RTP/AVP (no SRTP)",
            description.proto
        )));
    }
    Ok(description)
}

/// Our answer to the remote `offer_text`: the negotiated media and the answer's text.
pub fn answer(
    offer_text: &str,
    wanted: &Preferences,
    local: &LocalSdp,
) -> Result<(Negotiated, String), ApiError> {
    let offer = parse(offer_text)?;
    let ours = capabilities(&wanted.codecs)?;
    // RTCP multiplexed when the offer asks for it (the answer then says so too).
    let media = LocalMedia {
        direction: wanted.direction,
        rtcp_mux: true,
        ..LocalMedia::new(local.port, Some(Connection::ip(local.address)))
    };
    let mut answer = answer_offer(&ours, &offer, &media).map_err(negotiation_error)?;
    let chosen = answer
        .description
        .formats
        .iter()
        .find(|f| f.capability.as_ref().is_some_and(|c| !c.is_auxiliary()))
        .cloned()
        .ok_or_else(|| ApiError::InvalidField("sdp: the offer has no audio codec".into()))?;
    let codec = format_codec(&chosen)?;
    let clock = codec.rtp_clock_rate(codec.sample_rates()[0]);
    // One audio codec, its telephone-events and comfort noise: a session decodes one codec.
    answer.description.formats.retain(|f| {
        let Some(cap) = &f.capability else {
            return false;
        };
        f.payload_type == chosen.payload_type
            || (cap.is_telephone_event() && cap.clock_rate() == clock)
            || (cap.is(mediacore::sdp::COMFORT_NOISE)
                && clock == 8000
                && f.payload_type == CN_PAYLOAD_TYPE)
    });
    let te = answer
        .description
        .formats
        .iter()
        .find(|f| {
            f.capability
                .as_ref()
                .is_some_and(|c| c.is_telephone_event())
        })
        .map(|f| (f.payload_type, f.payload_type));
    // The remote's parameters for the codec are its receive preferences.
    let theirs = offer
        .format(chosen.payload_type)
        .and_then(|f| f.capability.clone());
    let (sample_rate, ptime, opus) =
        coding(codec, theirs.as_ref(), offer.ptime, offer.maxptime, wanted)?;
    answer.description.ptime = Some(ms(ptime));

    let (remote, rtcp_remote, held) = remote_addresses(&offer, local.address)?;
    let mut direction = answer.description.direction;
    if held {
        // RFC 3264 §8.4: c=0.0.0.0 is the old way to say "do not send to me".
        direction = Direction::from_flags(false, direction.receives());
        answer.description.direction = direction;
    }
    let plan = MediaPlan {
        codec,
        payload_type: chosen.payload_type,
        send_payload_type: chosen.payload_type,
        telephone_event: te,
        sample_rate,
        ptime,
        opus,
    };
    let text = answer.description.to_sdp(local.session_id, local.version);
    let transport = Transport {
        remote,
        rtcp_remote,
        rtcp_mux: answer.description.rtcp_mux,
        direction,
    };
    Ok((Negotiated { plan, transport }, text))
}

/// Our offer of `wanted.codecs` (with telephone-events on each codec clock and comfort
/// noise when an 8 kHz codec is offered), its text, and the plan to run until the answer
/// comes: the first codec, receiving only.
pub fn offer(
    wanted: &Preferences,
    telephone_events: bool,
    rtcp_mux: bool,
    local: &LocalSdp,
) -> Result<(AudioDescription, String, MediaPlan), ApiError> {
    let mut ours: Vec<CodecCapability> = Vec::new();
    for codec in &wanted.codecs {
        ours.push(CodecCapability::for_codec(*codec));
    }
    let mut clocks: Vec<u32> = wanted
        .codecs
        .iter()
        .map(|c| c.rtp_clock_rate(c.sample_rates()[0]))
        .collect();
    clocks.dedup();
    if telephone_events {
        for clock in &clocks {
            let te = CodecCapability::telephone_event(*clock, EventSet::DTMF)
                .map_err(|e| ApiError::InvalidField(format!("offer: {e}")))?;
            if !ours.contains(&te) {
                ours.push(te);
            }
        }
    }
    if clocks.contains(&8000) {
        ours.push(CodecCapability::cn());
    }
    let media = LocalMedia {
        direction: wanted.direction,
        ptime: Some(ms(wanted.ptime)),
        rtcp_mux,
        ..LocalMedia::new(local.port, Some(Connection::ip(local.address)))
    };
    let description =
        create_offer(&ours, &media).map_err(|e| ApiError::InvalidField(format!("offer: {e}")))?;
    let text = description.to_sdp(local.session_id, local.version);
    // Until the answer: the preferred codec, as if the remote took our numbers.
    let first = description
        .formats
        .iter()
        .find(|f| f.capability.as_ref().is_some_and(|c| !c.is_auxiliary()))
        .ok_or_else(|| ApiError::InvalidField("offer: no audio codec to offer".into()))?;
    let codec = format_codec(first)?;
    let te = telephone_event_in(&description, codec).map(|pt| (pt, pt));
    let (sample_rate, ptime, opus) = coding(codec, None, None, None, wanted)?;
    let plan = MediaPlan {
        codec,
        payload_type: first.payload_type,
        send_payload_type: first.payload_type,
        telephone_event: te,
        sample_rate,
        ptime,
        opus,
    };
    Ok((description, text, plan))
}

/// What the remote's answer to our `offer` settles (RTCP multiplexed when both say
/// `a=rtcp-mux`).
pub fn accept(
    offer: &AudioDescription,
    answer_text: &str,
    wanted: &Preferences,
    bind: IpAddr,
) -> Result<Negotiated, ApiError> {
    let mut answer = parse(answer_text)?;
    // RFC 5761 §5.1.1: an answer muxes only what was offered muxed; otherwise its
    // a=rtcp-mux is ignored and RTCP goes where it would without it.
    answer.rtcp_mux &= offer.rtcp_mux;
    let negotiation = accept_answer(offer, &answer).map_err(negotiation_error)?;
    let (theirs, send_pt) = negotiation
        .payloads
        .preferred_send()
        .map(|(c, pt)| (c.clone(), pt))
        .ok_or_else(|| ApiError::InvalidField("sdp: the answer has no audio codec".into()))?;
    let ours = offer
        .formats
        .iter()
        .find(|f| {
            f.capability
                .as_ref()
                .is_some_and(|c| !c.is_auxiliary() && c.same_format(&theirs))
        })
        .ok_or_else(|| {
            ApiError::InvalidField(format!("sdp: the answer's codec {theirs} was not offered"))
        })?;
    let codec = format_codec(ours)?;
    let clock = codec.rtp_clock_rate(codec.sample_rates()[0]);
    let te = match (
        telephone_event_in(offer, codec),
        negotiation.payloads.send_telephone_event(clock),
    ) {
        (Some(ours), Some((_, theirs))) => Some((ours, theirs)),
        _ => None,
    };
    let (sample_rate, ptime, opus) =
        coding(codec, Some(&theirs), answer.ptime, answer.maxptime, wanted)?;
    let (remote, rtcp_remote, held) = remote_addresses(&answer, bind)?;
    let rtcp_mux = answer.rtcp_mux;
    let mut direction = negotiation.direction;
    if held {
        direction = Direction::from_flags(false, direction.receives());
    }
    Ok(Negotiated {
        plan: MediaPlan {
            codec,
            payload_type: ours.payload_type,
            send_payload_type: send_pt,
            telephone_event: te,
            sample_rate,
            ptime,
            opus,
        },
        transport: Transport {
            remote,
            rtcp_remote: if rtcp_mux { remote } else { rtcp_remote },
            rtcp_mux,
            direction,
        },
    })
}

/// Our capabilities for `codecs`: each codec, telephone-events at 8 and 48 kHz, comfort
/// noise.
fn capabilities(codecs: &[Codec]) -> Result<Vec<CodecCapability>, ApiError> {
    let mut ours: Vec<CodecCapability> = codecs
        .iter()
        .map(|c| CodecCapability::for_codec(*c))
        .collect();
    for clock in [8000, 48_000] {
        ours.push(
            CodecCapability::telephone_event(clock, EventSet::DTMF)
                .map_err(|e| ApiError::InvalidField(e.to_string()))?,
        );
    }
    ours.push(CodecCapability::cn());
    Ok(ours)
}

fn negotiation_error(e: SdpError) -> ApiError {
    ApiError::InvalidField(format!("sdp: {e}"))
}

fn format_codec(format: &PayloadFormat) -> Result<Codec, ApiError> {
    format
        .capability
        .as_ref()
        .and_then(CodecCapability::codec)
        .filter(|c| ENDPOINT_CODECS.contains(c))
        .ok_or_else(|| {
            ApiError::InvalidField(format!(
                "sdp: payload type {} is not a codec an endpoint runs",
                format.payload_type
            ))
        })
}

/// The payload type of `description`'s telephone-event format on `codec`'s clock.
fn telephone_event_in(description: &AudioDescription, codec: Codec) -> Option<u8> {
    let clock = codec.rtp_clock_rate(codec.sample_rates()[0]);
    description
        .formats
        .iter()
        .find(|f| {
            f.capability
                .as_ref()
                .is_some_and(|c| c.is_telephone_event() && c.clock_rate() == clock)
        })
        .map(|f| f.payload_type)
}

/// Sample rate, packet time and Opus settings for `codec`, given the remote's format
/// parameters for it and its `a=ptime` / `a=maxptime`.
fn coding(
    codec: Codec,
    theirs: Option<&CodecCapability>,
    remote_ptime: Option<u32>,
    remote_maxptime: Option<u32>,
    wanted: &Preferences,
) -> Result<(u32, Duration, OpusConfig), ApiError> {
    let ptime = choose_ptime(codec, remote_ptime, remote_maxptime, ms(wanted.ptime));
    if codec != Codec::Opus {
        let rate = codec.sample_rates().first().copied().unwrap_or(8000);
        return Ok((rate, ptime, OpusConfig::default()));
    }
    let fmtp = match theirs {
        Some(cap) => OpusFmtp::parse(&cap.fmtp().to_string())
            .map_err(|e| ApiError::InvalidField(format!("sdp: {e}")))?,
        None => OpusFmtp::default(),
    };
    let wanted_config = OpusConfig {
        frame_ms: u8::try_from(ptime.as_millis()).unwrap_or(20),
        ..OpusConfig::default()
    };
    let settings = fmtp
        .encoder_settings(48_000, 1, wanted_config)
        .map_err(|e| ApiError::InvalidField(format!("sdp: {e}")))?;
    let ptime = Duration::from_millis(u64::from(settings.config.frame_ms));
    Ok((settings.sample_rate, ptime, settings.config))
}

/// The packet time to send: the remote's `a=ptime` when the codec can, else the longest
/// supported one up to what was asked (ours when the remote asked nothing) and `a=maxptime`.
pub fn choose_ptime(
    codec: Codec,
    ptime: Option<u32>,
    maxptime: Option<u32>,
    ours: u32,
) -> Duration {
    let supported: &[u32] = if codec == Codec::Opus {
        &[10, 20, 40, 60]
    } else {
        &[10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]
    };
    let limit = maxptime.unwrap_or(u32::MAX);
    let wanted = ptime.unwrap_or(ours).min(limit);
    let chosen = supported
        .iter()
        .copied()
        .filter(|&p| p <= wanted)
        .max()
        .unwrap_or(supported[0]);
    Duration::from_millis(u64::from(chosen))
}

fn ms(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

/// RTP and RTCP addresses from the SDP of the other end, and whether it put the call on
/// hold the RFC 2543 way (`c=` 0.0.0.0). A disabled stream (port 0) has no address.
fn remote_addresses(
    description: &AudioDescription,
    bind: IpAddr,
) -> Result<(Option<SocketAddr>, Option<SocketAddr>, bool), ApiError> {
    if description.port == 0 {
        return Ok((None, None, false));
    }
    let connection = description.connection.as_ref().ok_or_else(|| {
        ApiError::InvalidField("sdp: no c= line gives the audio's address".into())
    })?;
    let ip = sdp_address(connection, bind)?;
    if ip.is_unspecified() {
        return Ok((None, None, true));
    }
    let remote = SocketAddr::new(ip, description.port);
    let rtcp = if description.rtcp_mux {
        Some(remote)
    } else if let Some(rtcp) = &description.rtcp {
        let ip = match &rtcp.connection {
            Some(c) => sdp_address(c, bind)?,
            None => ip,
        };
        Some(SocketAddr::new(ip, rtcp.port))
    } else {
        // RFC 3550 §11: RTCP on the next port above RTP.
        description
            .port
            .checked_add(1)
            .map(|p| SocketAddr::new(ip, p))
    };
    Ok((Some(remote), rtcp, false))
}

fn sdp_address(connection: &Connection, bind: IpAddr) -> Result<IpAddr, ApiError> {
    let text = connection
        .address
        .split('/')
        .next()
        .unwrap_or(&connection.address);
    let ip: IpAddr = text.parse().map_err(|_| {
        ApiError::InvalidField(format!(
            "sdp: c= address {text:?} is not an IP address (host names are not resolved)"
        ))
    })?;
    if ip.is_multicast() {
        return Err(ApiError::InvalidField(format!(
            "sdp: c= address {ip} is multicast; endpoints send unicast RTP"
        )));
    }
    if ip.is_ipv4() != bind.is_ipv4() && !ip.is_unspecified() {
        return Err(ApiError::InvalidField(format!(
            "sdp: c= address {ip} is not of the family of the RTP address {bind}"
        )));
    }
    Ok(ip)
}

#[cfg(test)]
mod tests;
