//! SDP for one audio stream: reading and writing the lines that matter to media (`m=audio`,
//! `c=`, `a=rtpmap`, `a=fmtp`, `a=ptime`, `a=maxptime`, direction), codec capabilities
//! keyed by encoding name, clock rate, channels and format parameters rather than by
//! payload type number, RFC 3264 offer/answer with a payload type map per direction, and
//! whether two call legs can be relayed without transcoding.
//!
//! It is not a full session-description parser: other lines are skipped, and signalling
//! (SIP, ICE, crypto) is the host's.
//!
//! ```
//! use mediacore::sdp::{AudioDescription, CodecCapability, EventSet, LocalMedia, answer_offer};
//!
//! let offer = AudioDescription::parse(
//!     "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
//!      m=audio 40000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n\
//!      a=fmtp:101 0-16\r\n",
//! )?;
//! let ours = [
//!     CodecCapability::pcmu(),
//!     CodecCapability::pcma(),
//!     CodecCapability::telephone_event(8000, EventSet::DTMF)?,
//! ];
//! let answer = answer_offer(&ours, &offer, &LocalMedia::new(30000, None))?;
//! // The offerer's order and numbers; the event list narrowed to what both support.
//! assert!(answer.description.to_media_section().starts_with("m=audio 30000 RTP/AVP 8 0 101\r\n"));
//! assert!(answer.description.to_media_section().contains("a=fmtp:101 0-15\r\n"));
//! let (codec, pt) = answer.negotiation.payloads.preferred_send().unwrap();
//! assert_eq!((codec.encoding(), pt), ("PCMA", 8));
//! # Ok::<(), mediacore::sdp::SdpError>(())
//! ```

mod capability;
mod events;
mod fmtp;
mod media;
mod negotiate;
mod passthrough;
mod rtpmap;

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod ua_tests;

pub use crate::error::SdpError;
pub use capability::{COMFORT_NOISE, CapabilityKey, CodecCapability, OPUS, TELEPHONE_EVENT};
pub use events::EventSet;
pub use fmtp::{
    FmtpParams, OPUS_CBR, OPUS_MAXAVERAGEBITRATE, OPUS_MAXPLAYBACKRATE, OPUS_MINPTIME,
    OPUS_SPROP_MAXCAPTURERATE, OPUS_SPROP_STEREO, OPUS_STEREO, OPUS_USEDTX, OPUS_USEINBANDFEC,
};
pub use media::{AudioDescription, Connection, Direction, PayloadFormat, RTP_AVP, RtcpAddress};
pub use negotiate::{
    Answer, LocalMedia, Negotiation, PayloadMap, accept_answer, answer_offer, create_offer,
};
pub use passthrough::{Passthrough, PtRewrite, passthrough};
pub use rtpmap::{
    DYNAMIC_PAYLOAD_TYPE_FIRST, DYNAMIC_PAYLOAD_TYPE_LAST, STATIC_AUDIO_PAYLOAD_TYPES,
    StaticPayloadType, static_capability, static_payload_type,
};
