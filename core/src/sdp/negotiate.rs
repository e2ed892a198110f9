//! RFC 3264 offer/answer for one audio stream: our offer from our capabilities, our answer
//! to a remote offer, and what a remote answer to our offer settles, each giving the
//! payload type mapping per direction.

use super::capability::{CodecCapability, OPUS};
use super::media::{AudioDescription, Connection, Direction, PayloadFormat, RTP_AVP};
use super::rtpmap::{DYNAMIC_PAYLOAD_TYPE_FIRST, DYNAMIC_PAYLOAD_TYPE_LAST, static_payload_type};
use crate::error::SdpError;

/// What we put in our `m=audio` section besides the codecs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMedia {
    /// Our RTP port.
    pub port: u16,
    /// Our address, written as `c=`.
    pub connection: Option<Connection>,
    /// Which way we want media to flow.
    pub direction: Direction,
    /// `a=ptime` we ask for, in ms.
    pub ptime: Option<u32>,
    /// `a=maxptime` we can take, in ms.
    pub maxptime: Option<u32>,
    /// We can multiplex RTCP on the RTP port (RFC 5761): an offer says `a=rtcp-mux`, and an
    /// answer says it when the offer did.
    pub rtcp_mux: bool,
}

impl LocalMedia {
    /// Send and receive on `port` at `connection`, without packet time attributes or RTCP
    /// multiplexing.
    pub fn new(port: u16, connection: Option<Connection>) -> LocalMedia {
        LocalMedia {
            port,
            connection,
            direction: Direction::SendRecv,
            ptime: None,
            maxptime: None,
            rtcp_mux: false,
        }
    }
}

/// Payload type numbers per direction. The numbers in an SDP name what its writer receives,
/// so what we receive uses the numbers of our SDP and what we send uses the remote's
/// (RFC 3264 §5.1); the two sides may differ and are kept apart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PayloadMap {
    recv: Vec<(u8, CodecCapability)>,
    send: Vec<(u8, CodecCapability)>,
}

impl PayloadMap {
    /// An empty map.
    pub fn new() -> PayloadMap {
        PayloadMap::default()
    }

    /// Records that packets arriving with `pt` carry `capability`; replaces an earlier entry
    /// for `pt`.
    pub fn insert_recv(&mut self, pt: u8, capability: CodecCapability) {
        self.recv.retain(|(p, _)| *p != pt);
        self.recv.push((pt, capability));
    }

    /// Records that `capability` is sent with `pt`, after the entries already there (the
    /// order is the order of preference).
    pub fn insert_send(&mut self, capability: CodecCapability, pt: u8) {
        self.send.push((pt, capability));
    }

    /// What packets arriving with payload type `pt` carry.
    pub fn recv_capability(&self, pt: u8) -> Option<&CodecCapability> {
        self.recv.iter().find(|(p, _)| *p == pt).map(|(_, c)| c)
    }

    /// The payload type to send `capability` with, matched by [`CodecCapability::key`].
    pub fn send_payload_type(&self, capability: &CodecCapability) -> Option<u8> {
        let key = capability.key();
        self.send
            .iter()
            .find(|(_, c)| c.key() == key)
            .map(|(p, _)| *p)
    }

    /// What we receive, by our payload type numbers.
    pub fn recv(&self) -> impl Iterator<Item = (u8, &CodecCapability)> {
        self.recv.iter().map(|(p, c)| (*p, c))
    }

    /// What we may send and the remote's payload type for each, in order of preference.
    /// The capabilities carry the remote's format parameters: its receive preferences.
    pub fn send(&self) -> impl Iterator<Item = (&CodecCapability, u8)> {
        self.send.iter().map(|(p, c)| (c, *p))
    }

    /// The audio codec to send: the first that is not telephone-event or comfort noise.
    pub fn preferred_send(&self) -> Option<(&CodecCapability, u8)> {
        self.send().find(|(c, _)| !c.is_auxiliary())
    }

    /// The telephone-event format to send beside audio at `clock_rate`, if negotiated.
    pub fn send_telephone_event(&self, clock_rate: u32) -> Option<(&CodecCapability, u8)> {
        self.send()
            .find(|(c, _)| c.is_telephone_event() && c.clock_rate() == clock_rate)
    }

    /// Whether nothing was negotiated in either direction.
    pub fn is_empty(&self) -> bool {
        self.recv.is_empty() && self.send.is_empty()
    }
}

/// What an offer/answer exchange settled for the audio stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiation {
    /// Payload types per direction.
    pub payloads: PayloadMap,
    /// Which way media flows, from our side.
    pub direction: Direction,
    /// Where the remote receives RTP.
    pub remote_connection: Option<Connection>,
    /// The remote's RTP port; 0 when the stream is disabled.
    pub remote_port: u16,
    /// The packet time the remote asked for, in ms.
    pub remote_ptime: Option<u32>,
}

/// Our answer to an offer, and what it settles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The audio section to send back.
    pub description: AudioDescription,
    /// What was agreed.
    pub negotiation: Negotiation,
}

/// Our offer: each of `ours` in order of preference, duplicates (same
/// [`CodecCapability::key`]) dropped, with its static payload type if RFC 3551 table 4 has
/// one and otherwise the next free number from 96-127.
pub fn create_offer(
    ours: &[CodecCapability],
    local: &LocalMedia,
) -> Result<AudioDescription, SdpError> {
    let mut unique: Vec<&CodecCapability> = Vec::new();
    for cap in ours {
        let key = cap.key();
        if !unique.iter().any(|c| c.key() == key) {
            unique.push(cap);
        }
    }
    // Static numbers first, so that a dynamic number never takes one; a static number
    // already taken (the same codec with other parameters) falls back to a dynamic one.
    let mut statics: Vec<Option<u8>> = Vec::with_capacity(unique.len());
    for cap in &unique {
        let pt = static_payload_type(cap).filter(|pt| !statics.contains(&Some(*pt)));
        statics.push(pt);
    }
    let needed = statics.iter().filter(|pt| pt.is_none()).count();
    let mut dynamic = DYNAMIC_PAYLOAD_TYPE_FIRST..=DYNAMIC_PAYLOAD_TYPE_LAST;
    let mut formats = Vec::with_capacity(unique.len());
    for (cap, pt) in unique.into_iter().zip(statics) {
        let Some(payload_type) = pt.or_else(|| dynamic.next()) else {
            return Err(SdpError::PayloadTypesExhausted { needed });
        };
        formats.push(PayloadFormat {
            payload_type,
            capability: Some(cap.clone()),
        });
    }
    if formats.is_empty() {
        return Err(SdpError::InvalidValue {
            what: "capability list",
            value: String::new(),
            expected: "at least one codec to offer",
        });
    }
    Ok(AudioDescription {
        port: local.port,
        proto: RTP_AVP.to_owned(),
        connection: local.connection.clone(),
        formats,
        ptime: local.ptime,
        maxptime: local.maxptime,
        direction: local.direction,
        rtcp_mux: local.rtcp_mux,
        rtcp: None,
    })
}

/// Our answer to `offer`, given `ours` in order of preference (RFC 3264 §6).
///
/// The answer lists the offered formats we also support, in the offerer's order and with
/// the offerer's payload type numbers. A format matches one of ours when encoding name,
/// clock rate and channels agree and, per codec: opus always (its parameters are
/// preferences); telephone-event when the event sets overlap (the answer carries the
/// overlap); any other codec when its format parameters are equal. The answer's opus
/// parameters are ours, since they state what we want to receive. At least one format
/// must be an audio codec rather than telephone-event or comfort noise.
///
/// An offered port of 0 (a disabled stream) is answered with port 0 and an inactive,
/// empty negotiation (RFC 3264 §6). The answer says `a=rtcp-mux` when the offer did and
/// `local` takes it (RFC 5761 §5.1.1); it gives no `a=rtcp`. The transport (`proto`) is echoed; checking that we
/// can serve it is the caller's.
pub fn answer_offer(
    ours: &[CodecCapability],
    offer: &AudioDescription,
    local: &LocalMedia,
) -> Result<Answer, SdpError> {
    let mut used = vec![false; ours.len()];
    let mut formats = Vec::new();
    let mut payloads = PayloadMap::new();
    for offered in &offer.formats {
        let Some(theirs) = &offered.capability else {
            continue;
        };
        let found = best_match(ours.iter().map(Some), &used, theirs);
        let Some((i, (recv, send))) = found else {
            continue;
        };
        used[i] = true;
        formats.push(PayloadFormat {
            payload_type: offered.payload_type,
            capability: Some(recv.clone()),
        });
        payloads.insert_recv(offered.payload_type, recv);
        payloads.insert_send(send, offered.payload_type);
    }
    if !formats
        .iter()
        .any(|f| f.capability.as_ref().is_some_and(|c| !c.is_auxiliary()))
    {
        return Err(no_common_codec(&offer.formats, ours));
    }

    let disabled = offer.port == 0;
    let description = AudioDescription {
        port: if disabled { 0 } else { local.port },
        proto: offer.proto.clone(),
        connection: local.connection.clone(),
        formats,
        ptime: local.ptime,
        maxptime: local.maxptime,
        direction: if disabled {
            Direction::Inactive
        } else {
            offer.direction.answer_with(local.direction)
        },
        rtcp_mux: !disabled && offer.rtcp_mux && local.rtcp_mux,
        rtcp: None,
    };
    let negotiation = Negotiation {
        payloads: if disabled {
            PayloadMap::new()
        } else {
            payloads
        },
        direction: description.direction,
        remote_connection: offer.connection.clone(),
        remote_port: offer.port,
        remote_ptime: offer.ptime,
    };
    Ok(Answer {
        description,
        negotiation,
    })
}

/// What the remote's `answer` to our `offer` settles (RFC 3264 §7).
///
/// Each answered format is matched to one of our offered formats by the same rules as in
/// [`answer_offer`]; it may carry a different payload type number, which is then the
/// number we send with. Answered formats we did not offer are ignored. The order is the
/// answer's. An answer with port 0 rejected the stream.
pub fn accept_answer(
    offer: &AudioDescription,
    answer: &AudioDescription,
) -> Result<Negotiation, SdpError> {
    if answer.port == 0 {
        return Err(SdpError::Rejected);
    }
    let mut used = vec![false; offer.formats.len()];
    let mut payloads = PayloadMap::new();
    for answered in &answer.formats {
        let Some(theirs) = &answered.capability else {
            continue;
        };
        let mine = offer.formats.iter().map(|f| f.capability.as_ref());
        let Some((i, (recv, send))) = best_match(mine, &used, theirs) else {
            continue;
        };
        // `i` indexes `offer.formats`, which `best_match` enumerated.
        let our_pt = offer.formats[i].payload_type;
        used[i] = true;
        payloads.insert_recv(our_pt, recv);
        payloads.insert_send(send, answered.payload_type);
    }
    if payloads.preferred_send().is_none() {
        let ours: Vec<CodecCapability> = offer
            .formats
            .iter()
            .filter_map(|f| f.capability.clone())
            .collect();
        return Err(no_common_codec(&answer.formats, &ours));
    }
    Ok(Negotiation {
        payloads,
        direction: answer.direction.answer_with(offer.direction),
        remote_connection: answer.connection.clone(),
        remote_port: answer.port,
        remote_ptime: answer.ptime,
    })
}

/// The first of `candidates` not yet `used` that agrees with `theirs`, preferring one with
/// the same key (so that of two telephone-event formats the identical one is chosen),
/// with its index and the agreed capabilities.
fn best_match<'a>(
    candidates: impl Iterator<Item = Option<&'a CodecCapability>> + Clone,
    used: &[bool],
    theirs: &CodecCapability,
) -> Option<(usize, (CodecCapability, CodecCapability))> {
    let key = theirs.key();
    let open = candidates
        .enumerate()
        .filter(|(i, _)| !used.get(*i).copied().unwrap_or(true))
        .filter_map(|(i, c)| c.map(|c| (i, c)));
    open.clone()
        .filter(|(_, mine)| mine.key() == key)
        .chain(open)
        .find_map(|(i, mine)| agree(mine, theirs).map(|a| (i, a)))
}

/// Whether our capability `mine` and the remote's `theirs` describe the same format; if so,
/// the capability as we receive it (our parameters) and as we send it (theirs), with
/// telephone-event narrowed to the common events on both.
fn agree(
    mine: &CodecCapability,
    theirs: &CodecCapability,
) -> Option<(CodecCapability, CodecCapability)> {
    if !mine.same_format(theirs) {
        return None;
    }
    // Write the encoding name as the remote spelled it: equal, and the least surprise.
    let mut recv = theirs.clone().with_fmtp(mine.fmtp().clone());
    let mut send = theirs.clone();
    if mine.is_telephone_event() {
        let common = mine.events()?.intersection(&theirs.events()?);
        if common.is_empty() {
            return None;
        }
        recv.set_events(common).ok()?;
        send.set_events(common).ok()?;
        return Some((recv, send));
    }
    if mine.is(OPUS) || mine.key() == theirs.key() {
        Some((recv, send))
    } else {
        None
    }
}

fn no_common_codec(offered: &[PayloadFormat], ours: &[CodecCapability]) -> SdpError {
    let offered: Vec<String> = offered
        .iter()
        .map(|f| match &f.capability {
            Some(c) => c.to_string(),
            None => format!("payload type {} without rtpmap", f.payload_type),
        })
        .collect();
    let ours: Vec<String> = ours.iter().map(|c| c.to_string()).collect();
    SdpError::NoCommonCodec {
        offered: offered.join(", "),
        supported: ours.join(", "),
    }
}
