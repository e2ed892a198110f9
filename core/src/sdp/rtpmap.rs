//! `a=rtpmap:<pt> <name>/<clock>[/<channels>]` (RFC 4566 §6) and the static audio payload
//! types that need no rtpmap (RFC 3551 table 4).

use core::fmt::Write as _;

use super::capability::CodecCapability;

/// A payload type that RFC 3551 assigns statically, with what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaticPayloadType {
    /// The RTP payload type number.
    pub payload_type: u8,
    /// The encoding name as RFC 3551 spells it.
    pub encoding: &'static str,
    /// The RTP clock rate in Hz.
    pub clock_rate: u32,
    /// The number of audio channels.
    pub channels: u16,
}

const fn st(
    payload_type: u8,
    encoding: &'static str,
    clock_rate: u32,
    channels: u16,
) -> StaticPayloadType {
    StaticPayloadType {
        payload_type,
        encoding,
        clock_rate,
        channels,
    }
}

/// RFC 3551 table 4: the audio payload types with static numbers. MPA's channel count is
/// not fixed by the table ("see text"); one is assumed.
pub const STATIC_AUDIO_PAYLOAD_TYPES: &[StaticPayloadType] = &[
    st(0, "PCMU", 8000, 1),
    st(3, "GSM", 8000, 1),
    st(4, "G723", 8000, 1),
    st(5, "DVI4", 8000, 1),
    st(6, "DVI4", 16_000, 1),
    st(7, "LPC", 8000, 1),
    st(8, "PCMA", 8000, 1),
    st(9, "G722", 8000, 1),
    st(10, "L16", 44_100, 2),
    st(11, "L16", 44_100, 1),
    st(12, "QCELP", 8000, 1),
    st(13, "CN", 8000, 1),
    st(14, "MPA", 90_000, 1),
    st(15, "G728", 8000, 1),
    st(16, "DVI4", 11_025, 1),
    st(17, "DVI4", 22_050, 1),
    st(18, "G729", 8000, 1),
];

/// RFC 3551 §3: the first payload type of the dynamic range.
pub const DYNAMIC_PAYLOAD_TYPE_FIRST: u8 = 96;
/// RFC 3551 §3: the last payload type of the dynamic range.
pub const DYNAMIC_PAYLOAD_TYPE_LAST: u8 = 127;

/// What a static payload type means, if `payload_type` is one (RFC 3551 table 4).
pub fn static_capability(payload_type: u8) -> Option<CodecCapability> {
    STATIC_AUDIO_PAYLOAD_TYPES
        .iter()
        .find(|s| s.payload_type == payload_type)
        .map(|s| CodecCapability::known(s.encoding, s.clock_rate, s.channels))
}

/// The static payload type of a capability, if RFC 3551 table 4 has one for its encoding
/// name, clock rate and channel count.
pub fn static_payload_type(capability: &CodecCapability) -> Option<u8> {
    STATIC_AUDIO_PAYLOAD_TYPES
        .iter()
        .find(|s| {
            s.encoding.eq_ignore_ascii_case(capability.encoding())
                && s.clock_rate == capability.clock_rate()
                && s.channels == capability.channels()
        })
        .map(|s| s.payload_type)
}

pub(crate) const EXPECTED_RTPMAP: &str = "<payload type> <encoding name>/<clock rate>[/<channels>]";
pub(crate) const EXPECTED_PT: &str = "a payload type 0-127";

/// Parses a payload type number 0-127.
pub(crate) fn parse_payload_type(text: &str) -> Result<u8, &'static str> {
    match decimal::<u8>(text) {
        Some(pt) if pt <= 127 => Ok(pt),
        _ => Err(EXPECTED_PT),
    }
}

/// Parses the value of `a=rtpmap:` into a payload type and a capability without fmtp.
pub(crate) fn parse_rtpmap(value: &str) -> Result<(u8, CodecCapability), &'static str> {
    let (pt, format) = value
        .trim()
        .split_once(char::is_whitespace)
        .ok_or(EXPECTED_RTPMAP)?;
    let pt = parse_payload_type(pt)?;
    let mut parts = format.trim().split('/');
    let name = parts.next().ok_or(EXPECTED_RTPMAP)?;
    let clock_rate = parts
        .next()
        .and_then(decimal::<u32>)
        .filter(|&r| r > 0)
        .ok_or(EXPECTED_RTPMAP)?;
    let channels = match parts.next() {
        None => 1,
        Some(c) => decimal::<u16>(c)
            .filter(|&c| c > 0)
            .ok_or(EXPECTED_RTPMAP)?,
    };
    if parts.next().is_some() {
        return Err(EXPECTED_RTPMAP);
    }
    let capability =
        CodecCapability::new(name, clock_rate, channels).map_err(|_| EXPECTED_RTPMAP)?;
    Ok((pt, capability))
}

/// Appends `a=rtpmap:` for `capability` at `payload_type`, with CRLF. The channel count is
/// written only when it is not one (RFC 4566 §6), so opus reads `opus/48000/2` (RFC 7587 §7).
pub(crate) fn write_rtpmap(out: &mut String, payload_type: u8, capability: &CodecCapability) {
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "a=rtpmap:{payload_type} {}/{}",
        capability.encoding(),
        capability.clock_rate()
    );
    if capability.channels() != 1 {
        let _ = write!(out, "/{}", capability.channels());
    }
    out.push_str("\r\n");
}

/// A decimal number of digits only (no sign, no spaces), within `T`'s range.
pub(crate) fn decimal<T: core::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtpmap_values_parse() {
        let (pt, cap) = parse_rtpmap("111 opus/48000/2").unwrap();
        assert_eq!(pt, 111);
        assert_eq!(
            (cap.encoding(), cap.clock_rate(), cap.channels()),
            ("opus", 48_000, 2)
        );
        let (pt, cap) = parse_rtpmap("101 telephone-event/8000").unwrap();
        assert_eq!((pt, cap.channels()), (101, 1));
        for bad in [
            "",
            "96",
            "96 ",
            "128 PCMU/8000",
            "-1 PCMU/8000",
            "96 PCMU",
            "96 PCMU/0",
            "96 PCMU/8000/0",
            "96 PCMU/8000/1/1",
            "96 PCMU/+8000",
            "96 /8000",
            "x PCMU/8000",
        ] {
            assert!(parse_rtpmap(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rtpmap_renders_channels_only_when_not_one() {
        let mut out = String::new();
        write_rtpmap(&mut out, 111, &CodecCapability::opus());
        write_rtpmap(&mut out, 0, &CodecCapability::pcmu());
        assert_eq!(out, "a=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n");
    }

    #[test]
    fn static_table_maps_both_ways() {
        assert_eq!(static_capability(9).unwrap(), CodecCapability::g722());
        assert_eq!(static_capability(13).unwrap(), CodecCapability::cn());
        assert_eq!(static_capability(96), None);
        assert_eq!(static_capability(2), None);
        assert_eq!(static_payload_type(&CodecCapability::pcma()), Some(8));
        let pcmu16 = CodecCapability::new("pcmu", 16_000, 1).unwrap();
        assert_eq!(static_payload_type(&pcmu16), None);
        assert_eq!(static_payload_type(&CodecCapability::opus()), None);
    }
}
