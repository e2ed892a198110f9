//! What a payload format is, independent of the payload type number that names it in one
//! SDP: encoding name, clock rate, channels and format parameters.

use core::fmt;

use super::events::EventSet;
use super::fmtp::FmtpParams;
use crate::codec::Codec;
use crate::error::SdpError;

/// The encoding name of RFC 4733 named telephone events.
pub const TELEPHONE_EVENT: &str = "telephone-event";
/// The encoding name of RFC 3389 comfort noise.
pub const COMFORT_NOISE: &str = "CN";
/// The encoding name of opus (RFC 7587).
pub const OPUS: &str = "opus";

/// One payload format that an end can send or receive, as `a=rtpmap` and `a=fmtp` describe
/// it, but without a payload type number: numbers differ per SDP and per direction.
///
/// The encoding name is kept as SDP writes it and compares case-insensitively (RFC 4566 §6).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CodecCapability {
    encoding: String,
    clock_rate: u32,
    channels: u16,
    fmtp: FmtpParams,
}

/// What identifies a [`CodecCapability`] when two of them are compared: the encoding name in
/// lower case, clock rate, channels, and the format parameters that change the stream.
///
/// Which parameters count depends on the codec. For opus none does: every one of them is a
/// receiver preference or a sender hint, and any opus decoder decodes any opus stream
/// (RFC 7587 §6.1). For telephone-event the event set counts, compared as a set. For every
/// other codec all parameters count, names in lower case and order ignored, because this
/// module has no rule saying which ones are only preferences.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CapabilityKey {
    encoding: String,
    clock_rate: u32,
    channels: u16,
    fmtp: Vec<(String, String)>,
}

impl CodecCapability {
    /// A capability without format parameters.
    ///
    /// The encoding name must be visible ASCII without `/`; clock rate and channels must
    /// not be zero, so that the capability can be written as an `a=rtpmap` line.
    pub fn new(
        encoding: &str,
        clock_rate: u32,
        channels: u16,
    ) -> Result<CodecCapability, SdpError> {
        let name_ok =
            !encoding.is_empty() && encoding.bytes().all(|b| b.is_ascii_graphic() && b != b'/');
        if !name_ok {
            return Err(SdpError::InvalidValue {
                what: "encoding name",
                value: SdpError::excerpt(encoding),
                expected: "visible ASCII characters other than '/'",
            });
        }
        if clock_rate == 0 {
            return Err(SdpError::InvalidValue {
                what: "clock rate",
                value: "0".into(),
                expected: "a rate in Hz above zero",
            });
        }
        if channels == 0 {
            return Err(SdpError::InvalidValue {
                what: "channel count",
                value: "0".into(),
                expected: "at least one channel",
            });
        }
        Ok(CodecCapability::known(encoding, clock_rate, channels))
    }

    /// A capability from values known to be valid (constants of this crate).
    pub(crate) fn known(encoding: &str, clock_rate: u32, channels: u16) -> CodecCapability {
        CodecCapability {
            encoding: encoding.to_owned(),
            clock_rate,
            channels,
            fmtp: FmtpParams::new(),
        }
    }

    /// The same capability with `fmtp` as its format parameters.
    pub fn with_fmtp(mut self, fmtp: FmtpParams) -> CodecCapability {
        self.fmtp = fmtp;
        self
    }

    /// G.711 µ-law, `PCMU/8000` (RFC 3551 §4.5.14).
    pub fn pcmu() -> CodecCapability {
        CodecCapability::known("PCMU", 8000, 1)
    }

    /// G.711 A-law, `PCMA/8000` (RFC 3551 §4.5.14).
    pub fn pcma() -> CodecCapability {
        CodecCapability::known("PCMA", 8000, 1)
    }

    /// G.722, `G722/8000`: 16 kHz audio on an 8 kHz RTP clock (RFC 3551 §4.5.2).
    pub fn g722() -> CodecCapability {
        CodecCapability::known("G722", 8000, 1)
    }

    /// Comfort noise at 8 kHz, `CN/8000` (RFC 3389).
    pub fn cn() -> CodecCapability {
        CodecCapability::known(COMFORT_NOISE, 8000, 1)
    }

    /// Opus, always `opus/48000/2` whatever is sent (RFC 7587 §7); preferences go in fmtp.
    pub fn opus() -> CodecCapability {
        CodecCapability::known(OPUS, 48_000, 2)
    }

    /// RFC 4733 telephone events at `clock_rate` (which should match the audio codec's),
    /// supporting `events`, which must not be empty.
    pub fn telephone_event(clock_rate: u32, events: EventSet) -> Result<CodecCapability, SdpError> {
        if events.is_empty() {
            return Err(SdpError::InvalidValue {
                what: "telephone-event list",
                value: String::new(),
                expected: "at least one event",
            });
        }
        let mut cap = CodecCapability::new(TELEPHONE_EVENT, clock_rate, 1)?;
        cap.set_events(events)?;
        Ok(cap)
    }

    /// The capability for a codec of this crate at its first sample rate, mono (opus:
    /// `opus/48000/2` as RFC 7587 requires).
    pub fn for_codec(codec: Codec) -> CodecCapability {
        let sample_rate = codec.sample_rates().first().copied().unwrap_or(8000);
        let name = codec.name();
        let channels = if name.eq_ignore_ascii_case(OPUS) {
            2
        } else {
            1
        };
        CodecCapability::known(name, codec.rtp_clock_rate(sample_rate), channels)
    }

    /// The encoding name as written.
    pub fn encoding(&self) -> &str {
        &self.encoding
    }

    /// The RTP clock rate in Hz.
    pub fn clock_rate(&self) -> u32 {
        self.clock_rate
    }

    /// The channel count (1 when `a=rtpmap` gives none).
    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// The format parameters.
    pub fn fmtp(&self) -> &FmtpParams {
        &self.fmtp
    }

    /// The format parameters, to change them.
    pub fn fmtp_mut(&mut self) -> &mut FmtpParams {
        &mut self.fmtp
    }

    /// Whether the encoding name is `name`, ignoring case.
    pub fn is(&self, name: &str) -> bool {
        self.encoding.eq_ignore_ascii_case(name)
    }

    /// Whether this is RFC 4733 telephone-event.
    pub fn is_telephone_event(&self) -> bool {
        self.is(TELEPHONE_EVENT)
    }

    /// Whether this format only accompanies an audio codec (telephone-event, comfort
    /// noise) and cannot carry a call's audio by itself.
    pub fn is_auxiliary(&self) -> bool {
        self.is_telephone_event() || self.is(COMFORT_NOISE)
    }

    /// For telephone-event, the supported events: the fmtp event list, or 0-15 when there
    /// is none (RFC 4733 §7.1.1). `None` for other codecs or an unreadable list.
    pub fn events(&self) -> Option<EventSet> {
        if !self.is_telephone_event() {
            return None;
        }
        let mut values = self.fmtp.values().peekable();
        if values.peek().is_none() {
            return Some(EventSet::DTMF);
        }
        let mut set = EventSet::EMPTY;
        for value in values {
            let part = EventSet::parse(value)?;
            for event in part.iter() {
                set.insert(event);
            }
        }
        Some(set)
    }

    /// Replaces the event list in fmtp with `events` (telephone-event only).
    pub(crate) fn set_events(&mut self, events: EventSet) -> Result<(), SdpError> {
        self.fmtp.clear_values();
        if !events.is_empty() {
            self.fmtp.push_value(&events.to_string())?;
        }
        Ok(())
    }

    /// The codec of this crate that codes this format, if the name is one it knows and the
    /// clock rate is the one that codec uses on RTP. Channels and rates are checked again
    /// when a coder is built.
    pub fn codec(&self) -> Option<Codec> {
        let codec = Codec::from_name(&self.encoding).ok()?;
        (codec.rtp_clock_rate(self.clock_rate) == self.clock_rate).then_some(codec)
    }

    /// What identifies this capability; see [`CapabilityKey`].
    pub fn key(&self) -> CapabilityKey {
        let fmtp = if self.is(OPUS) {
            Vec::new()
        } else if let Some(events) = self.events() {
            vec![("events".to_owned(), events.to_string())]
        } else {
            self.fmtp.normalized()
        };
        CapabilityKey {
            encoding: self.encoding.to_ascii_lowercase(),
            clock_rate: self.clock_rate,
            channels: self.channels,
            fmtp,
        }
    }

    /// Whether the two have the same encoding name (ignoring case), clock rate and channels.
    pub fn same_format(&self, other: &CodecCapability) -> bool {
        self.is(&other.encoding)
            && self.clock_rate == other.clock_rate
            && self.channels == other.channels
    }
}

impl fmt::Display for CodecCapability {
    /// Writes the rtpmap form, `name/clock[/channels]`, followed by `;fmtp` if any.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.encoding, self.clock_rate)?;
        if self.channels != 1 {
            write!(f, "/{}", self.channels)?;
        }
        if !self.fmtp.is_empty() {
            write!(f, " ({})", self.fmtp)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_without_case_and_map_to_codecs() {
        let a = CodecCapability::new("pcmu", 8000, 1).unwrap();
        assert_eq!(a.key(), CodecCapability::pcmu().key());
        assert!(a.same_format(&CodecCapability::pcmu()));
        assert_eq!(a.codec(), Some(Codec::Pcmu));
        assert_eq!(CodecCapability::g722().codec(), Some(Codec::G722));
        // A known name at a clock rate that codec never uses is not that codec.
        assert_eq!(
            CodecCapability::new("PCMA", 16_000, 1).unwrap().codec(),
            None
        );
        assert_eq!(CodecCapability::new("G729", 8000, 1).unwrap().codec(), None);
    }

    #[test]
    fn invalid_capabilities_are_errors() {
        assert!(CodecCapability::new("", 8000, 1).is_err());
        assert!(CodecCapability::new("a/b", 8000, 1).is_err());
        assert!(CodecCapability::new("a b", 8000, 1).is_err());
        assert!(CodecCapability::new("PCMU", 0, 1).is_err());
        assert!(CodecCapability::new("PCMU", 8000, 0).is_err());
        assert!(CodecCapability::telephone_event(0, EventSet::DTMF).is_err());
        assert!(CodecCapability::telephone_event(8000, EventSet::EMPTY).is_err());
    }

    #[test]
    fn key_ignores_opus_preferences_but_not_other_fmtp() {
        let fec = CodecCapability::opus()
            .with_fmtp(FmtpParams::parse("useinbandfec=1;minptime=10").unwrap());
        assert_eq!(fec.key(), CodecCapability::opus().key());

        let te = CodecCapability::telephone_event(8000, EventSet::parse("0-15").unwrap()).unwrap();
        let te2 = CodecCapability::new(TELEPHONE_EVENT, 8000, 1)
            .unwrap()
            .with_fmtp(FmtpParams::parse("0-9,10-15").unwrap());
        let bare = CodecCapability::new("Telephone-Event", 8000, 1).unwrap();
        assert_eq!(te.key(), te2.key());
        assert_eq!(te.key(), bare.key());
        let te16 = CodecCapability::telephone_event(8000, EventSet::range(0, 16)).unwrap();
        assert_ne!(te.key(), te16.key());

        let g729a = CodecCapability::new("G729", 8000, 1)
            .unwrap()
            .with_fmtp(FmtpParams::parse("annexb=no").unwrap());
        let g729b = CodecCapability::new("G729", 8000, 1).unwrap();
        assert_ne!(g729a.key(), g729b.key());
    }

    #[test]
    fn display_is_the_rtpmap_form() {
        assert_eq!(CodecCapability::opus().to_string(), "opus/48000/2");
        let te = CodecCapability::telephone_event(48_000, EventSet::DTMF).unwrap();
        assert_eq!(te.to_string(), "telephone-event/48000 (0-15)");
    }
}
