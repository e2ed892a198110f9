//! One error type for the crate, built from one enum per domain.
//!
//! Messages say what was wrong with the input and what was expected, so that a binding can
//! pass them to its user unchanged.

use thiserror::Error;

/// Any error returned by `mediacore`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// A codec could not be built or could not code its input.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// An RTP packet was malformed or could not be written.
    #[error(transparent)]
    Rtp(#[from] RtpError),
    /// An RTCP compound packet was malformed or could not be written.
    #[error(transparent)]
    Rtcp(#[from] RtcpError),
    /// Audio handed to the engine did not have the expected shape.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// A signal-processing stage (resampler, channel mixer) was misconfigured or misused.
    #[error(transparent)]
    Dsp(#[from] DspError),
    /// An SDP could not be read, or offer/answer found nothing to agree on.
    #[error(transparent)]
    Sdp(#[from] SdpError),
    /// A recording could not be started, written or finished.
    #[error(transparent)]
    Record(#[from] crate::record::RecordError),
    /// A prompt could not be decoded or played.
    #[error(transparent)]
    Playback(#[from] crate::playback::PlaybackError),
    /// Voice processing (echo cancellation, noise suppression, gain control).
    #[error(transparent)]
    Voice(#[from] crate::voice::VoiceError),
    /// Voice activity detection, levels, comfort noise.
    #[error(transparent)]
    Vad(#[from] crate::voice::VadError),
    /// A session's voice settings, or a voice stage switched while it runs.
    #[error(transparent)]
    VoiceSettings(#[from] crate::session::VoiceSettingsError),
    /// The API was called with arguments that can never be valid.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

/// Errors from codec construction, encoding and decoding.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The encoding name is not one that this build can code.
    #[error("codec {name:?} is not supported; supported codecs are {supported}")]
    UnknownCodec {
        /// The name that was asked for.
        name: String,
        /// The names that are supported, comma-separated.
        supported: String,
    },
    /// The codec does not run at the requested sample rate.
    #[error("{codec} does not run at {requested} Hz; supported rates: {supported}")]
    UnsupportedSampleRate {
        /// The codec's SDP encoding name.
        codec: &'static str,
        /// The rate that was asked for.
        requested: u32,
        /// The rates that work, as text.
        supported: String,
    },
    /// The codec does not run with the requested channel count.
    #[error("{codec} does not support {requested} channels; supported: {supported}")]
    UnsupportedChannels {
        /// The codec's SDP encoding name.
        codec: &'static str,
        /// The channel count that was asked for.
        requested: u16,
        /// The channel counts that work, as text.
        supported: String,
    },
    /// The output buffer cannot hold the result.
    #[error("output buffer holds {capacity} items but {needed} are needed")]
    OutputTooSmall {
        /// Items the result needs.
        needed: usize,
        /// Items the buffer holds.
        capacity: usize,
    },
    /// The payload is not one the codec's format allows.
    #[error("malformed {codec} packet: {reason}")]
    MalformedPayload {
        /// The codec's SDP encoding name.
        codec: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The codec has no such capability (e.g. in-band FEC for G.711).
    #[error("{codec} has no {operation}")]
    Unsupported {
        /// The codec's SDP encoding name.
        codec: &'static str,
        /// The capability that was asked for.
        operation: &'static str,
    },
}

/// Errors from parsing or writing RTP packets.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RtpError {
    /// The datagram is shorter than what its header says it contains.
    #[error("RTP packet is truncated: {needed} bytes needed, {actual} present")]
    Truncated {
        /// Bytes the header implies.
        needed: usize,
        /// Bytes present.
        actual: usize,
    },
    /// The version field is not 2.
    #[error("RTP version {0} is not supported; expected 2")]
    UnsupportedVersion(u8),
    /// The padding count is zero or reaches into the header.
    #[error("RTP padding length {0} is invalid")]
    InvalidPadding(u8),
    /// The payload type is not one this session receives.
    #[error("RTP payload type {got} is not negotiated; expected {expected}")]
    UnexpectedPayloadType {
        /// Payload type in the packet.
        got: u8,
        /// Payload type the session expects.
        expected: u8,
    },
    /// The payload type does not fit in 7 bits.
    #[error("RTP payload type {0} is out of range; expected 0..=127")]
    InvalidPayloadType(u8),
    /// More than 15 contributing sources were given.
    #[error("{0} CSRCs do not fit in an RTP header; at most 15")]
    TooManyCsrcs(usize),
    /// A header extension whose length is not a multiple of 4 bytes.
    #[error("RTP header extension of {0} bytes is not a multiple of 4")]
    ExtensionNotAligned(usize),
    /// The packet does not fit in the output buffer or in 16-bit lengths.
    #[error("RTP packet of {needed} bytes does not fit in {capacity} bytes")]
    PacketTooLarge {
        /// Bytes the packet needs.
        needed: usize,
        /// Bytes available.
        capacity: usize,
    },
    /// The payload length is not a whole number of codec frames.
    #[error("RTP payload of {len} bytes is not a whole number of {unit}-byte units")]
    PayloadNotAligned {
        /// Payload length.
        len: usize,
        /// Bytes per unit the codec needs.
        unit: usize,
    },
    /// The payload would decode to more audio than one packet may hold.
    #[error("RTP payload of {len} bytes exceeds the {max}-byte limit for one packet")]
    PayloadTooLarge {
        /// Payload length.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// Errors from parsing or writing RTCP compound packets (RFC 3550 §6, appendix A.2).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RtcpError {
    /// The datagram ends before the packet its headers describe.
    #[error("RTCP packet is truncated: {needed} bytes needed, {actual} present")]
    Truncated {
        /// Bytes the headers imply.
        needed: usize,
        /// Bytes present.
        actual: usize,
    },
    /// A packet in the compound has a version other than 2.
    #[error("RTCP version {version} at byte {offset} is not supported; expected 2")]
    UnsupportedVersion {
        /// The version field.
        version: u8,
        /// Where the packet starts in the datagram.
        offset: usize,
    },
    /// RFC 3550 §6.1: a compound packet starts with a sender or receiver report.
    #[error("RTCP compound packet starts with packet type {0}; expected SR (200) or RR (201)")]
    FirstNotReport(u8),
    /// RFC 3550 §6.4.1: only the last packet of a compound may carry padding.
    #[error(
        "RTCP packet at byte {offset} is padded but is not the last; only the last packet of a compound may be padded"
    )]
    PaddingNotLast {
        /// Where the padded packet starts in the datagram.
        offset: usize,
    },
    /// The padding count is zero or larger than the packet's body.
    #[error("RTCP padding length {padding} is invalid; expected 1 to {max}")]
    InvalidPadding {
        /// The padding count from the last byte.
        padding: u8,
        /// The largest count the packet allows.
        max: usize,
    },
    /// The body of a packet does not match its type (report count, SDES items, BYE reason).
    #[error("malformed RTCP packet of type {packet_type} at byte {offset}: {reason}")]
    Malformed {
        /// The packet type.
        packet_type: u8,
        /// Where the packet starts in the datagram.
        offset: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A text item (CNAME, BYE reason) is longer than its 8-bit length field allows.
    #[error("RTCP {what} of {len} bytes is too long; at most 255")]
    TextTooLong {
        /// Which item.
        what: &'static str,
        /// Its length in bytes.
        len: usize,
    },
    /// More SSRCs in a BYE than its 5-bit count holds.
    #[error("{0} sources do not fit in one RTCP BYE; at most 31")]
    TooManySources(usize),
    /// The compound packet does not fit in the output buffer.
    #[error("RTCP packet of {needed} bytes does not fit in {capacity} bytes")]
    PacketTooLarge {
        /// Bytes the packet needs.
        needed: usize,
        /// Bytes available.
        capacity: usize,
    },
}

/// Errors about the shape of audio handed to the engine.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The frame's sample rate differs from the session's.
    #[error("audio at {got} Hz was given where {expected} Hz is expected")]
    SampleRateMismatch {
        /// Rate of the frame.
        got: u32,
        /// Rate expected.
        expected: u32,
    },
    /// The frame's channel count differs from the session's.
    #[error("audio with {got} channels was given where {expected} is expected")]
    ChannelMismatch {
        /// Channels of the frame.
        got: u16,
        /// Channels expected.
        expected: u16,
    },
    /// A frame with zero channels or a zero sample rate.
    #[error(
        "audio frame must have at least one channel and a non-zero rate; got {channels} channels at {sample_rate} Hz"
    )]
    InvalidShape {
        /// Sample rate given.
        sample_rate: u32,
        /// Channels given.
        channels: u16,
    },
    /// The interleaved sample count is not a multiple of the channel count.
    #[error("{len} interleaved samples cannot be split into {channels} channels")]
    PartialSample {
        /// Number of interleaved samples.
        len: usize,
        /// Channel count.
        channels: u16,
    },
    /// The sample count is not a whole number of the units a codec takes at a time.
    #[error(
        "{codec} codes samples in groups of {unit}; {len} samples is not a whole number of groups"
    )]
    PartialCodecUnit {
        /// The codec's SDP encoding name.
        codec: &'static str,
        /// Number of samples given.
        len: usize,
        /// Samples per unit.
        unit: usize,
    },
}

/// Errors from the signal-processing stages in [`crate::dsp`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DspError {
    /// The resampler does not convert from or to the requested rate.
    #[error("the resampler does not run at {requested} Hz; supported rates: {supported}")]
    UnsupportedSampleRate {
        /// The rate that was asked for.
        requested: u32,
        /// The rates that work, as text.
        supported: &'static str,
    },
    /// The stage does not handle the requested channel count.
    #[error("{stage} does not support {requested} channels; supported: {supported}")]
    UnsupportedChannels {
        /// The stage that was asked.
        stage: &'static str,
        /// The channel count that was asked for.
        requested: u16,
        /// The channel counts that work, as text.
        supported: &'static str,
    },
    /// The output buffer cannot hold the result; nothing was consumed.
    #[error("output buffer holds {capacity} samples but {needed} are needed")]
    OutputTooSmall {
        /// Samples the result needs.
        needed: usize,
        /// Samples the buffer holds.
        capacity: usize,
    },
    /// The resampling library refused a request that the checks here let through.
    #[error("resampler failed: {0}")]
    Backend(String),
}

/// Errors from reading SDP and from offer/answer in [`crate::sdp`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SdpError {
    /// A line or attribute value is not in the form the SDP grammar requires.
    #[error("{}{attribute} value {value:?} is malformed; expected {expected}", at_line(.line))]
    Malformed {
        /// The 1-based line number, or 0 when a lone value was parsed.
        line: usize,
        /// What was being read, e.g. `a=rtpmap`.
        attribute: &'static str,
        /// The value, shortened if long.
        value: String,
        /// What the value should look like.
        expected: &'static str,
    },
    /// Two lines describe the same payload type, so its meaning is ambiguous.
    #[error("{}payload type {payload_type} appears twice in {attribute}; expected one description per payload type", at_line(.line))]
    DuplicatePayloadType {
        /// The 1-based line number of the second description.
        line: usize,
        /// The line kind, e.g. `a=rtpmap` or `m=audio`.
        attribute: &'static str,
        /// The payload type.
        payload_type: u8,
    },
    /// The SDP has no `m=audio` section.
    #[error("SDP has no m=audio section; expected one")]
    NoAudio,
    /// Offer and answer share no audio codec.
    #[error("no audio codec in common; offered: [{offered}]; supported: [{supported}]")]
    NoCommonCodec {
        /// The formats on offer, as text.
        offered: String,
        /// The formats we support, as text.
        supported: String,
    },
    /// The answer rejected the audio stream with port 0 (RFC 3264 §6).
    #[error("the answer rejected the audio stream (port 0)")]
    Rejected,
    /// More formats need dynamic payload types than the range 96-127 holds.
    #[error("{needed} formats need dynamic payload types; only 32 (96-127) exist")]
    PayloadTypesExhausted {
        /// How many were needed.
        needed: usize,
    },
    /// A value given to build SDP content cannot be written as SDP.
    #[error("invalid {what} {value:?}; expected {expected}")]
    InvalidValue {
        /// What the value is for.
        what: &'static str,
        /// The value, shortened if long.
        value: String,
        /// What would be valid.
        expected: &'static str,
    },
}

impl SdpError {
    /// At most 80 characters of `text`, for quoting input in a message.
    pub(crate) fn excerpt(text: &str) -> String {
        const MAX: usize = 80;
        match text.char_indices().nth(MAX) {
            Some((end, _)) => format!("{}...", &text[..end]),
            None => text.to_owned(),
        }
    }
}

fn at_line(line: &usize) -> String {
    if *line == 0 {
        String::new()
    } else {
        format!("SDP line {line}: ")
    }
}

/// Shorthand for results with [`Error`](enum@Error).
pub type Result<T, E = Error> = core::result::Result<T, E>;
