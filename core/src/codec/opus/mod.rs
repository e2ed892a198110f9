//! Opus (RFC 6716) through the pure-Rust `opus-rs` crate, carried on RTP per RFC 7587.
//!
//! - `config`: [`OpusConfig`], the encoder's settings and the limits they are checked against.
//! - `encoder`: [`OpusEncoder`], one packet per call from `i16` PCM at 8 to 48 kHz.
//! - `decoder`: [`OpusDecoder`], packets to `i16` PCM at 8 to 48 kHz, with loss
//!   concealment and in-band FEC recovery.
//! - `fmtp`: [`OpusFmtp`], the SDP format parameters and what they mean for both sides.
//!
//! On RTP the clock always runs at 48 kHz whatever the audio rate (RFC 7587 §4.1), and the
//! `rtpmap` always reads [`RTPMAP_ENCODING`] (RFC 7587 §7).

mod config;
mod decoder;
mod encoder;
mod fmtp;

pub use config::{
    FRAME_MS, MAX_BITRATE_PER_CHANNEL, MAX_SILK_BITRATE_PER_CHANNEL, MIN_BITRATE_PER_CHANNEL,
    MIN_HYBRID_FEC_BITRATE, MIN_HYBRID_FEC_BITRATE_STEREO_EXTRA, MIN_VBR_BITRATE_PER_CHANNEL,
    OpusApplication, OpusConfig, OpusOptions, bitrate_range, fec_allowed, vbr_allowed,
};
pub use decoder::{OpusDecoder, packet_samples};
pub use encoder::OpusEncoder;
pub use fmtp::{EncoderSettings, OpusFmtp};

use crate::error::Error;

/// The RTP clock rate of Opus, whatever the audio rate (RFC 7587 §4.1).
pub const RTP_CLOCK_RATE: u32 = 48_000;

/// The `rtpmap` encoding for Opus: always 48 kHz and two channels (RFC 7587 §7), even for
/// mono narrowband streams.
pub const RTPMAP_ENCODING: &str = "opus/48000/2";

/// Rates the encoder takes, in Hz; the first is the default.
pub const ENCODER_RATES: [u32; 5] = [48_000, 24_000, 16_000, 12_000, 8000];

/// Rates the decoder produces, in Hz (8 and 12 kHz by decoding at twice the rate and
/// halving it).
pub const DECODER_RATES: [u32; 5] = ENCODER_RATES;

/// The longest Opus packet, in milliseconds (RFC 6716 §3.2.5).
const MAX_PACKET_MS: usize = 120;

/// The largest coded frame in bytes (RFC 6716 §3.2.1: 1275 bytes of frame data and the TOC).
const MAX_FRAME_BYTES: usize = 1276;

/// An error the library returned although the checks here let the call through.
fn library_error(side: &str, message: &str) -> Error {
    Error::InvalidArgument(format!("opus {side} refused the call: {message}"))
}

#[cfg(test)]
mod tests;
