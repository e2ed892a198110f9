//! The audio media description of an SDP: the first `m=audio` section with its `c=`,
//! `a=rtpmap`, `a=fmtp`, `a=ptime`, `a=maxptime` and direction lines (RFC 4566), and where
//! its RTCP goes (`a=rtcp-mux`, RFC 5761; `a=rtcp`, RFC 3605), parsed from a whole SDP and
//! written back as lines.

use core::fmt::{self, Write as _};

use super::capability::CodecCapability;
use super::fmtp;
use super::rtpmap::{
    EXPECTED_PT, decimal, parse_payload_type, parse_rtpmap, static_capability, write_rtpmap,
};
use crate::error::SdpError;

/// RFC 3551: the RTP/AVP profile, the usual transport of SIP audio.
pub const RTP_AVP: &str = "RTP/AVP";

/// Which way media flows, from the point of view of the SDP's writer (RFC 4566 §6,
/// RFC 3264 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// Sends and receives (the default when no direction attribute is present).
    #[default]
    SendRecv,
    /// Only sends.
    SendOnly,
    /// Only receives.
    RecvOnly,
    /// Neither sends nor receives.
    Inactive,
}

impl Direction {
    /// The direction with these two abilities.
    pub fn from_flags(sends: bool, receives: bool) -> Direction {
        match (sends, receives) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    /// Whether the writer sends.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether the writer receives.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// The direction an answerer who wants `wanted` answers to an offer of `self`: it sends
    /// only what the offerer receives and receives only what the offerer sends
    /// (RFC 3264 §6.1).
    pub fn answer_with(self, wanted: Direction) -> Direction {
        Direction::from_flags(
            wanted.sends() && self.receives(),
            wanted.receives() && self.sends(),
        )
    }

    /// The attribute name, e.g. `sendrecv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    fn from_attribute(name: &str) -> Option<Direction> {
        [
            Direction::SendRecv,
            Direction::SendOnly,
            Direction::RecvOnly,
            Direction::Inactive,
        ]
        .into_iter()
        .find(|d| d.as_str().eq_ignore_ascii_case(name))
    }
}

/// A `c=IN <addrtype> <address>` line (RFC 4566 §5.7).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Connection {
    /// `IP4` or `IP6`.
    pub addr_type: String,
    /// The address as written (for multicast it may carry `/ttl`).
    pub address: String,
}

impl Connection {
    /// An IPv4 or IPv6 connection for `ip`.
    pub fn ip(ip: core::net::IpAddr) -> Connection {
        Connection {
            addr_type: if ip.is_ipv4() { "IP4" } else { "IP6" }.to_owned(),
            address: ip.to_string(),
        }
    }
}

/// `a=rtcp` (RFC 3605): where the writer receives RTCP when that is not the RTP port + 1
/// at the RTP address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RtcpAddress {
    /// The RTCP port (never 0).
    pub port: u16,
    /// The RTCP address, when the attribute names one; else the RTP connection's.
    pub connection: Option<Connection>,
}

/// One entry of the `m=` line's format list, with what it means if that is known.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PayloadFormat {
    /// The payload type number as this SDP uses it.
    pub payload_type: u8,
    /// From `a=rtpmap` (or RFC 3551 table 4 for a static type) plus `a=fmtp`; `None` for a
    /// dynamic payload type without `a=rtpmap`, which nobody can use.
    pub capability: Option<CodecCapability>,
}

/// The audio part of an SDP: what one end offers or answers for its audio stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AudioDescription {
    /// The RTP port; 0 means the stream is rejected or disabled (RFC 3264 §5.1).
    pub port: u16,
    /// The transport protocol, e.g. [`RTP_AVP`].
    pub proto: String,
    /// Where the writer receives: the media-level `c=`, else the session-level one.
    pub connection: Option<Connection>,
    /// The formats in the order of the `m=` line: the writer's order of preference.
    pub formats: Vec<PayloadFormat>,
    /// `a=ptime`: the packet time the writer wants to receive, in ms.
    pub ptime: Option<u32>,
    /// `a=maxptime`: the longest packet time the writer can receive, in ms.
    pub maxptime: Option<u32>,
    /// The media-level direction, else the session-level one, else sendrecv.
    pub direction: Direction,
    /// `a=rtcp-mux` (RFC 5761): the writer sends and receives RTCP on the RTP port.
    pub rtcp_mux: bool,
    /// `a=rtcp` (RFC 3605): where the writer receives RTCP, if not at the RTP port + 1.
    pub rtcp: Option<RtcpAddress>,
}

const EXPECTED_LINE: &str = "<type>=<value> with a one-letter type";
const EXPECTED_M: &str = "audio <port>[/<count>] <proto> <payload type>...";
const EXPECTED_C: &str = "IN <IP4|IP6> <address>";
const EXPECTED_MS: &str = "a whole number of milliseconds";
const EXPECTED_FMTP: &str = "<payload type> <parameters>";
const EXPECTED_EVENTS: &str = "an RFC 4733 event list such as 0-15,66";
const EXPECTED_RTCP: &str = "<port 1-65535> [IN <IP4|IP6> <address>]";

/// Per payload type, the line that described it and what it said.
struct Described<T> {
    entries: Vec<(u8, usize, T)>,
}

impl<T> Described<T> {
    fn insert(
        &mut self,
        line: usize,
        attribute: &'static str,
        pt: u8,
        value: T,
    ) -> Result<(), SdpError> {
        if self.entries.iter().any(|(p, ..)| *p == pt) {
            return Err(SdpError::DuplicatePayloadType {
                line,
                attribute,
                payload_type: pt,
            });
        }
        self.entries.push((pt, line, value));
        Ok(())
    }

    fn take(&mut self, pt: u8) -> Option<(usize, T)> {
        let i = self.entries.iter().position(|(p, ..)| *p == pt)?;
        let (_, line, value) = self.entries.swap_remove(i);
        Some((line, value))
    }
}

enum Section {
    Session,
    Audio,
    Other,
}

impl AudioDescription {
    /// Parses the first `m=audio` section of an SDP (a whole session description, or only
    /// the media section). Lines end in CRLF or LF. Lines and attributes this module does
    /// not use are skipped; the ones it uses must be well formed.
    pub fn parse(sdp: &str) -> Result<AudioDescription, SdpError> {
        let mut section = Section::Session;
        let mut session_connection = None;
        let mut session_direction = None;
        let mut audio: Option<AudioDescription> = None;
        let mut media_direction = None;
        let mut rtpmaps = Described {
            entries: Vec::new(),
        };
        let mut fmtps = Described {
            entries: Vec::new(),
        };

        for (index, raw) in sdp.split('\n').enumerate() {
            let line = index + 1;
            let text = raw.strip_suffix('\r').unwrap_or(raw);
            if text.trim().is_empty() {
                continue;
            }
            let bytes = text.as_bytes();
            if bytes.len() < 2 || !bytes[0].is_ascii_alphabetic() || bytes[1] != b'=' {
                return Err(malformed(line, "line", text, EXPECTED_LINE));
            }
            // The first two bytes are ASCII, so index 2 is a character boundary.
            let (kind, value) = (bytes[0], &text[2..]);
            if kind == b'm' {
                section = Section::Other;
                let is_audio = value.split_ascii_whitespace().next() == Some("audio");
                if is_audio && audio.is_none() {
                    audio = Some(parse_m_line(line, value)?);
                    section = Section::Audio;
                }
                continue;
            }
            let in_audio = match section {
                Section::Session => false,
                Section::Audio => true,
                Section::Other => continue,
            };
            match kind {
                b'c' => {
                    let c = parse_c_line(line, value)?;
                    match audio.as_mut() {
                        Some(a) if in_audio => a.connection = Some(c),
                        _ => session_connection = Some(c),
                    }
                }
                b'a' => {
                    let (name, attr_value) = match value.split_once(':') {
                        Some((n, v)) => (n, Some(v)),
                        None => (value, None),
                    };
                    if let Some(d) = Direction::from_attribute(name.trim()) {
                        if in_audio {
                            media_direction = Some(d);
                        } else {
                            session_direction = Some(d);
                        }
                        continue;
                    }
                    let Some(a) = audio.as_mut().filter(|_| in_audio) else {
                        continue;
                    };
                    // A missing value is an empty one, which none of these accept.
                    let v = attr_value.unwrap_or("");
                    match name {
                        n if n.eq_ignore_ascii_case("rtpmap") => {
                            let (pt, cap) =
                                parse_rtpmap(v).map_err(|e| malformed(line, "a=rtpmap", v, e))?;
                            rtpmaps.insert(line, "a=rtpmap", pt, cap)?;
                        }
                        n if n.eq_ignore_ascii_case("fmtp") => {
                            let (pt, params) =
                                parse_fmtp(v).map_err(|e| malformed(line, "a=fmtp", v, e))?;
                            fmtps.insert(line, "a=fmtp", pt, (v, params))?;
                        }
                        n if n.eq_ignore_ascii_case("ptime") => {
                            a.ptime = Some(
                                decimal(v.trim())
                                    .ok_or_else(|| malformed(line, "a=ptime", v, EXPECTED_MS))?,
                            );
                        }
                        n if n.eq_ignore_ascii_case("maxptime") => {
                            a.maxptime =
                                Some(decimal(v.trim()).ok_or_else(|| {
                                    malformed(line, "a=maxptime", v, EXPECTED_MS)
                                })?);
                        }
                        n if n.eq_ignore_ascii_case("rtcp-mux") => a.rtcp_mux = true,
                        n if n.eq_ignore_ascii_case("rtcp") => {
                            a.rtcp = Some(
                                parse_rtcp(v)
                                    .ok_or_else(|| malformed(line, "a=rtcp", v, EXPECTED_RTCP))?,
                            );
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }

        let mut audio = audio.ok_or(SdpError::NoAudio)?;
        if audio.connection.is_none() {
            audio.connection = session_connection;
        }
        audio.direction = media_direction.or(session_direction).unwrap_or_default();
        for format in &mut audio.formats {
            let pt = format.payload_type;
            let mut capability = rtpmaps
                .take(pt)
                .map(|(_, cap)| cap)
                .or_else(|| static_capability(pt));
            if let (Some(cap), Some((line, (text, params)))) = (capability.as_mut(), fmtps.take(pt))
            {
                *cap = cap.clone().with_fmtp(params);
                if cap.is_telephone_event() && cap.events().is_none() {
                    return Err(malformed(line, "a=fmtp", text, EXPECTED_EVENTS));
                }
            }
            format.capability = capability;
        }
        Ok(audio)
    }

    /// The format with payload type `pt`, if the `m=` line lists it.
    pub fn format(&self, pt: u8) -> Option<&PayloadFormat> {
        self.formats.iter().find(|f| f.payload_type == pt)
    }

    /// The media section as SDP lines with CRLF: `m=`, `c=`, one `a=rtpmap` per format
    /// (static ones too, for readers that want them), `a=fmtp` where there are parameters,
    /// `a=ptime`, `a=maxptime`, `a=rtcp`, `a=rtcp-mux` and the direction.
    pub fn to_media_section(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = write!(out, "m=audio {} {}", self.port, self.proto);
        for f in &self.formats {
            let _ = write!(out, " {}", f.payload_type);
        }
        out.push_str("\r\n");
        if let Some(c) = &self.connection {
            let _ = write!(out, "c=IN {} {}\r\n", c.addr_type, c.address);
        }
        for f in &self.formats {
            let Some(cap) = &f.capability else { continue };
            write_rtpmap(&mut out, f.payload_type, cap);
            if !cap.fmtp().is_empty() {
                let _ = write!(out, "a=fmtp:{} {}\r\n", f.payload_type, cap.fmtp());
            }
        }
        if let Some(ptime) = self.ptime {
            let _ = write!(out, "a=ptime:{ptime}\r\n");
        }
        if let Some(maxptime) = self.maxptime {
            let _ = write!(out, "a=maxptime:{maxptime}\r\n");
        }
        if let Some(rtcp) = &self.rtcp {
            let _ = write!(out, "a=rtcp:{}", rtcp.port);
            if let Some(c) = &rtcp.connection {
                let _ = write!(out, " IN {} {}", c.addr_type, c.address);
            }
            out.push_str("\r\n");
        }
        if self.rtcp_mux {
            out.push_str("a=rtcp-mux\r\n");
        }
        let _ = write!(out, "a={}\r\n", self.direction.as_str());
        out
    }

    /// A whole SDP carrying only this audio section (RFC 4566 §5): `v=`, `o=` with
    /// `session_id` and `session_version` (raise the version with every new offer or
    /// answer, RFC 3264 §8), `s=-`, `t=0 0`, then the media section. The origin address
    /// is the connection address, or `0.0.0.0` without one.
    pub fn to_sdp(&self, session_id: u64, session_version: u64) -> String {
        let (addr_type, address) = match &self.connection {
            Some(c) => (c.addr_type.as_str(), c.address.as_str()),
            None => ("IP4", "0.0.0.0"),
        };
        format!(
            "v=0\r\no=- {session_id} {session_version} IN {addr_type} {address}\r\ns=-\r\nt=0 0\r\n{}",
            self.to_media_section()
        )
    }
}

impl fmt::Display for AudioDescription {
    /// Writes [`AudioDescription::to_media_section`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_media_section())
    }
}

fn malformed(
    line: usize,
    attribute: &'static str,
    value: &str,
    expected: &'static str,
) -> SdpError {
    SdpError::Malformed {
        line,
        attribute,
        value: SdpError::excerpt(value),
        expected,
    }
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic())
}

fn parse_m_line(line: usize, value: &str) -> Result<AudioDescription, SdpError> {
    let err = |expected| malformed(line, "m=audio", value, expected);
    let mut fields = value.split_ascii_whitespace();
    let _media = fields.next();
    let port_field = fields.next().ok_or_else(|| err(EXPECTED_M))?;
    let port_text = port_field.split_once('/').map_or(port_field, |(p, _)| p);
    let port = decimal::<u16>(port_text).ok_or_else(|| err(EXPECTED_M))?;
    let proto = fields
        .next()
        .filter(|p| is_token(p))
        .ok_or_else(|| err(EXPECTED_M))?;
    let mut formats: Vec<PayloadFormat> = Vec::new();
    for field in fields {
        let payload_type = parse_payload_type(field).map_err(|_| err(EXPECTED_PT))?;
        if formats.iter().any(|f| f.payload_type == payload_type) {
            return Err(SdpError::DuplicatePayloadType {
                line,
                attribute: "m=audio",
                payload_type,
            });
        }
        formats.push(PayloadFormat {
            payload_type,
            capability: None,
        });
    }
    if formats.is_empty() {
        return Err(err(EXPECTED_M));
    }
    Ok(AudioDescription {
        port,
        proto: proto.to_owned(),
        connection: None,
        formats,
        ptime: None,
        maxptime: None,
        direction: Direction::SendRecv,
        rtcp_mux: false,
        rtcp: None,
    })
}

/// RFC 3605's value: `<port> [IN <IP4|IP6> <address>]`, the port not 0.
fn parse_rtcp(value: &str) -> Option<RtcpAddress> {
    let mut fields = value.split_ascii_whitespace();
    let port = decimal::<u16>(fields.next()?).filter(|&p| p != 0)?;
    let connection = match (fields.next(), fields.next(), fields.next(), fields.next()) {
        (None, ..) => None,
        (Some("IN"), Some(addr_type), Some(address), None) if is_token(addr_type) => {
            Some(Connection {
                addr_type: addr_type.to_owned(),
                address: address.to_owned(),
            })
        }
        _ => return None,
    };
    Some(RtcpAddress { port, connection })
}

fn parse_c_line(line: usize, value: &str) -> Result<Connection, SdpError> {
    let mut fields = value.split_ascii_whitespace();
    match (fields.next(), fields.next(), fields.next(), fields.next()) {
        (Some("IN"), Some(addr_type), Some(address), None) if is_token(addr_type) => {
            Ok(Connection {
                addr_type: addr_type.to_owned(),
                address: address.to_owned(),
            })
        }
        _ => Err(malformed(line, "c=", value, EXPECTED_C)),
    }
}

fn parse_fmtp(value: &str) -> Result<(u8, fmtp::FmtpParams), &'static str> {
    let value = value.trim_start();
    let (pt, params) = value.split_once(char::is_whitespace).unwrap_or((value, ""));
    let pt = parse_payload_type(pt).map_err(|_| EXPECTED_FMTP)?;
    Ok((pt, fmtp::parse_items(params)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASTERISK_LIKE: &str = "v=0\r\n\
o=- 1 2 IN IP4 192.0.2.10\r\n\
s=Asterisk\r\n\
c=IN IP4 192.0.2.10\r\n\
t=0 0\r\n\
m=audio 16384 RTP/AVP 0 8 101\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-16\r\n\
a=ptime:20\r\n\
a=maxptime:150\r\n\
a=sendrecv\r\n";

    #[test]
    fn parses_a_plain_sip_offer() {
        let audio = AudioDescription::parse(ASTERISK_LIKE).unwrap();
        assert_eq!(audio.port, 16384);
        assert_eq!(audio.proto, RTP_AVP);
        assert_eq!(audio.connection.as_ref().unwrap().address, "192.0.2.10");
        assert_eq!(audio.ptime, Some(20));
        assert_eq!(audio.maxptime, Some(150));
        assert_eq!(audio.direction, Direction::SendRecv);
        let pts: Vec<u8> = audio.formats.iter().map(|f| f.payload_type).collect();
        assert_eq!(pts, [0, 8, 101]);
        let te = audio.format(101).unwrap().capability.as_ref().unwrap();
        assert_eq!(te.events().unwrap().to_string(), "0-16");
    }

    #[test]
    fn static_types_need_no_rtpmap_and_unknown_dynamic_types_stay_unknown() {
        let audio = AudioDescription::parse("m=audio 4000 RTP/AVP 9 13 18 99\n").unwrap();
        let caps: Vec<Option<String>> = audio
            .formats
            .iter()
            .map(|f| f.capability.as_ref().map(|c| c.to_string()))
            .collect();
        assert_eq!(
            caps,
            [
                Some("G722/8000".to_owned()),
                Some("CN/8000".to_owned()),
                Some("G729/8000".to_owned()),
                None
            ]
        );
        assert_eq!(audio.connection, None);
    }

    #[test]
    fn session_level_connection_and_direction_apply() {
        let sdp = "v=0\nc=IN IP6 2001:db8::1\na=sendonly\nm=video 5000 RTP/AVP 96\na=recvonly\n\
                   m=audio 4000 RTP/AVP 0\n";
        let audio = AudioDescription::parse(sdp).unwrap();
        assert_eq!(audio.direction, Direction::SendOnly);
        assert_eq!(audio.connection.unwrap().addr_type, "IP6");
    }

    #[test]
    fn malformed_lines_say_where_and_what() {
        let sdp = ASTERISK_LIKE.replace("a=rtpmap:8 PCMA/8000", "a=rtpmap:8 PCMA");
        let err = AudioDescription::parse(&sdp).unwrap_err();
        assert_eq!(
            err,
            SdpError::Malformed {
                line: 8,
                attribute: "a=rtpmap",
                value: "8 PCMA".into(),
                expected: "<payload type> <encoding name>/<clock rate>[/<channels>]",
            }
        );
        assert_eq!(
            err.to_string(),
            "SDP line 8: a=rtpmap value \"8 PCMA\" is malformed; expected \
             <payload type> <encoding name>/<clock rate>[/<channels>]"
        );

        let cases: &[(&str, &str)] = &[
            ("m=audio x RTP/AVP 0", "m=audio"),
            ("m=audio 4000 RTP/AVP", "m=audio"),
            ("m=audio 4000 RTP/AVP 200", "m=audio"),
            ("m=audio 4000 RTP/AVP 0\nc=IN IP4", "c="),
            ("m=audio 4000 RTP/AVP 0\na=ptime:twenty", "a=ptime"),
            ("m=audio 4000 RTP/AVP 0\na=maxptime:-1", "a=maxptime"),
            (
                "m=audio 4000 RTP/AVP 101\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-x",
                "a=fmtp",
            ),
            ("m=audio 4000 RTP/AVP 96\na=fmtp:96 =1", "a=fmtp"),
            ("garbage", "line"),
            ("m=audio 4000 RTP/AVP 0\na=rtpmap", "a=rtpmap"),
            ("m=audio 4000 RTP/AVP 0\na=fmtp:", "a=fmtp"),
            ("m=audio 4000 RTP/AVP 0\na=rtcp:", "a=rtcp"),
            ("m=audio 4000 RTP/AVP 0\na=rtcp:0", "a=rtcp"),
            ("m=audio 4000 RTP/AVP 0\na=rtcp:70000", "a=rtcp"),
            ("m=audio 4000 RTP/AVP 0\na=rtcp:4001 IN IP4", "a=rtcp"),
            (
                "m=audio 4000 RTP/AVP 0\na=rtcp:4001 OUT IP4 192.0.2.1",
                "a=rtcp",
            ),
            (
                "m=audio 4000 RTP/AVP 0\na=rtcp:4001 IN IP4 192.0.2.1 x",
                "a=rtcp",
            ),
        ];
        for (sdp, attr) in cases {
            match AudioDescription::parse(sdp) {
                Err(SdpError::Malformed { attribute, .. }) => {
                    assert_eq!(attribute, *attr, "{sdp:?}")
                }
                other => panic!("{sdp:?}: {other:?}"),
            }
        }
        assert_eq!(AudioDescription::parse("v=0\n"), Err(SdpError::NoAudio));
        assert!(matches!(
            AudioDescription::parse("m=audio 1 RTP/AVP 96\na=rtpmap:96 a/1\na=rtpmap:96 b/1"),
            Err(SdpError::DuplicatePayloadType {
                line: 3,
                payload_type: 96,
                ..
            })
        ));
    }

    #[test]
    fn rtcp_mux_and_the_rtcp_address_are_read_from_the_audio_section() {
        let sdp = "v=0\r\nc=IN IP4 192.0.2.1\r\nm=video 5000 RTP/AVP 96\r\na=rtcp-mux\r\n\
                   a=rtcp:5009\r\nm=audio 4000 RTP/AVP 0\r\na=rtcp:4009 IN IP4 192.0.2.7\r\n\
                   a=RTCP-MUX\r\n";
        let audio = AudioDescription::parse(sdp).unwrap();
        assert!(audio.rtcp_mux);
        assert_eq!(
            audio.rtcp,
            Some(RtcpAddress {
                port: 4009,
                connection: Some(Connection {
                    addr_type: "IP4".into(),
                    address: "192.0.2.7".into()
                }),
            })
        );
        let text = audio.to_media_section();
        assert!(text.contains("a=rtcp:4009 IN IP4 192.0.2.7\r\na=rtcp-mux\r\n"));
        assert_eq!(AudioDescription::parse(&text).unwrap(), audio);
        // Only the audio section's attributes count; a bare port keeps the RTP address.
        let plain = AudioDescription::parse("m=audio 4000 RTP/AVP 0\na=rtcp:4001\n").unwrap();
        assert!(!plain.rtcp_mux);
        assert_eq!(
            plain.rtcp,
            Some(RtcpAddress {
                port: 4001,
                connection: None
            })
        );
        let none = AudioDescription::parse("m=audio 4000 RTP/AVP 0\n").unwrap();
        assert_eq!((none.rtcp_mux, none.rtcp), (false, None));
    }

    #[test]
    fn renders_and_parses_back() {
        let audio = AudioDescription::parse(ASTERISK_LIKE).unwrap();
        let text = audio.to_sdp(1, 2);
        assert!(text.starts_with("v=0\r\no=- 1 2 IN IP4 192.0.2.10\r\n"));
        assert!(text.contains("m=audio 16384 RTP/AVP 0 8 101\r\n"));
        assert!(text.contains("a=fmtp:101 0-16\r\n"));
        assert_eq!(AudioDescription::parse(&text).unwrap(), audio);
    }

    #[test]
    fn answer_direction_mirrors_the_offer() {
        use Direction::*;
        assert_eq!(SendOnly.answer_with(SendRecv), RecvOnly);
        assert_eq!(RecvOnly.answer_with(SendRecv), SendOnly);
        assert_eq!(Inactive.answer_with(SendRecv), Inactive);
        assert_eq!(SendRecv.answer_with(RecvOnly), RecvOnly);
        assert_eq!(SendOnly.answer_with(SendOnly), Inactive);
    }
}
