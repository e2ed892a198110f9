//! [`OpusConfig`]: how the Opus encoder codes, and the checks that keep it to configurations
//! whose behaviour has been measured.
//!
//! The limits here are not RFC 6716's (6 to 510 kbit/s, 2.5 to 120 ms frames) but what the
//! `opus-rs` 0.1.40 encoder does well enough to ship: frames of 10 to 60 ms, 8 to 64 or 128
//! kbit/s per channel, and variable bit rate only where the measured average stays within
//! 10% of the target (see the bitrate tests in `super::tests`).

use crate::codec::Codec;
use crate::error::{Error, Result};

/// What the encoder optimises for; it steers the choice between SILK, Hybrid and CELT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum OpusApplication {
    /// Speech: SILK below 24 kHz, Hybrid (SILK plus CELT above 8 kHz) at 24 and 48 kHz,
    /// CELT only at high bit rates. The right choice for calls.
    #[default]
    Voip,
    /// Music and mixed content (music on hold). Speech at 24 and 48 kHz is coded as CELT
    /// alone and sounds markedly worse than with [`OpusApplication::Voip`].
    Audio,
}

impl OpusApplication {
    /// Every application, in the order they are listed to users.
    pub const ALL: [OpusApplication; 2] = [OpusApplication::Voip, OpusApplication::Audio];

    /// The lower-case name used by the bindings and the HTTP API: "voip" or "audio".
    pub const fn name(self) -> &'static str {
        match self {
            OpusApplication::Voip => "voip",
            OpusApplication::Audio => "audio",
        }
    }

    /// Looks up an application by [`name`](Self::name), ignoring case.
    pub fn from_name(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                invalid(format!(
                    "opus application {name:?} is not known; allowed \"voip\" or \"audio\""
                ))
            })
    }
}

/// Frame durations the encoder takes, in milliseconds.
///
/// 2.5 and 5 ms frames do not encode reliably with `opus-rs` 0.1.40, and 80 to 120 ms
/// packets are rejected by it, so neither is offered.
pub const FRAME_MS: [u8; 4] = [10, 20, 40, 60];

/// The lowest bit rate, in bit/s per channel.
pub const MIN_BITRATE_PER_CHANNEL: u32 = 8000;

/// The highest bit rate, in bit/s per channel, at 8 to 16 kHz (SILK). Above it a 60 ms
/// stereo packet would not fit one SILK frame.
pub const MAX_SILK_BITRATE_PER_CHANNEL: u32 = 64_000;

/// The highest bit rate, in bit/s per channel, at 24 and 48 kHz.
pub const MAX_BITRATE_PER_CHANNEL: u32 = 128_000;

/// The lowest bit rate, in bit/s per channel, at which variable bit rate is allowed (with
/// [`OpusApplication::Audio`] at 24 or 48 kHz only).
///
/// `opus-rs` 0.1.40 holds a VBR target only when it codes CELT alone. In SILK and Hybrid it
/// misses by far more than 10% on speech: SILK undershoots by 5 to 30%, Hybrid overshoots
/// by up to 140%. With the Audio application, 32 kbit/s per channel keeps the encoder in
/// CELT at any complexity, frame duration and expected loss.
pub const MIN_VBR_BITRATE_PER_CHANNEL: u32 = 32_000;

/// The lowest bit rate, in bit/s for one channel, at which in-band FEC is allowed at 24 and
/// 48 kHz; a second channel adds [`MIN_HYBRID_FEC_BITRATE_STEREO_EXTRA`].
///
/// There the encoder codes Hybrid, and when FEC takes its share of a low bit rate `opus-rs`
/// 0.1.40 can leave the CELT layer no band at all and panics (a division by zero in its bit
/// allocation). Measured on speech, noise, square waves and silence at every complexity,
/// frame duration and loss: it happens up to 30 kbit/s mono and 32 kbit/s stereo.
pub const MIN_HYBRID_FEC_BITRATE: u32 = 40_000;

/// What a second channel adds to [`MIN_HYBRID_FEC_BITRATE`], in bit/s.
pub const MIN_HYBRID_FEC_BITRATE_STEREO_EXTRA: u32 = 8000;

/// How the Opus encoder codes: mode preference, rate control, loss resilience, framing.
///
/// Build one with struct update syntax from [`OpusConfig::default`] and let
/// [`super::OpusEncoder::new`] check it against the sample rate and channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OpusConfig {
    /// Speech or music; see [`OpusApplication`].
    pub application: OpusApplication,
    /// Target bit rate in bit/s, for all channels together.
    pub bitrate: u32,
    /// Encoder effort, 0 (least CPU) to 10 (best quality).
    pub complexity: u8,
    /// Constant bit rate: every packet of a given duration has the same size. Variable bit
    /// rate spends fewer bits on easy frames and more on hard ones.
    pub cbr: bool,
    /// Code a low-bit-rate copy of each frame into the next packet (SILK LBRR, RFC 6716
    /// §4.2.4) so a receiver can rebuild a lost packet. It is only sent while
    /// [`OpusConfig::expected_loss_percent`] is above zero and the bit rate affords it.
    ///
    /// At 24 and 48 kHz it needs [`MIN_HYBRID_FEC_BITRATE`]. The copies `opus-rs` 0.1.40
    /// codes rebuild a lost frame only a little better than concealment does (measured on
    /// speech: 4.0 against 1.5 dB SNR, where libopus's LBRR gives 10.8 dB); the decoder
    /// makes full use of a libopus peer's FEC.
    pub inband_fec: bool,
    /// Packet loss the encoder should expect, 0 to 100 percent; more loss makes it code more
    /// robustly (and with in-band FEC, at a lower bandwidth if it must).
    pub expected_loss_percent: u8,
    /// Duration of the audio in each packet, in milliseconds: one of [`FRAME_MS`].
    pub frame_ms: u8,
}

impl Default for OpusConfig {
    /// Speech at 24 kbit/s CBR, complexity 9, 20 ms packets, no FEC: valid at every
    /// encoder rate with one or two channels.
    fn default() -> Self {
        OpusConfig {
            application: OpusApplication::Voip,
            bitrate: 24_000,
            complexity: 9,
            cbr: true,
            inband_fec: false,
            expected_loss_percent: 0,
            frame_ms: 20,
        }
    }
}

impl OpusConfig {
    /// Checks the configuration for an encoder at `sample_rate` Hz with `channels`.
    ///
    /// Each error names the parameter, the value given and what is allowed.
    pub fn validate(&self, sample_rate: u32, channels: u16) -> Result<()> {
        if self.complexity > 10 {
            return Err(invalid(format!(
                "opus complexity {} is out of range; allowed 0 to 10",
                self.complexity
            )));
        }
        if self.expected_loss_percent > 100 {
            return Err(invalid(format!(
                "opus expected_loss_percent {} is out of range; allowed 0 to 100",
                self.expected_loss_percent
            )));
        }
        if !FRAME_MS.contains(&self.frame_ms) {
            return Err(invalid(format!(
                "opus frame_ms {} is not supported; allowed 10, 20, 40 or 60",
                self.frame_ms
            )));
        }
        let (min, max) = bitrate_range(sample_rate, channels);
        if !(min..=max).contains(&self.bitrate) {
            return Err(invalid(format!(
                "opus bitrate {} bit/s is out of range at {sample_rate} Hz with {channels} \
                 channel(s); allowed {min} to {max}",
                self.bitrate
            )));
        }
        if self.inband_fec && !fec_allowed(sample_rate, channels, self.bitrate) {
            return Err(invalid(format!(
                "opus inband_fec at {sample_rate} Hz with {channels} channel(s) needs at least \
                 {} bit/s; got {} (below that the Hybrid encoder of opus-rs 0.1.40 can panic)",
                min_fec_bitrate(channels),
                self.bitrate
            )));
        }
        if !self.cbr && !vbr_allowed(self.application, sample_rate, channels, self.bitrate) {
            return Err(invalid(format!(
                "opus variable bit rate (cbr: false) is not allowed with {:?} at {sample_rate} \
                 Hz and {} bit/s: the encoder misses the target by more than 10% there; use \
                 cbr: true, or Audio at 24000 or 48000 Hz with at least {} bit/s per channel",
                self.application, self.bitrate, MIN_VBR_BITRATE_PER_CHANNEL
            )));
        }
        Ok(())
    }

    /// Samples per channel in one packet at `sample_rate`.
    pub const fn frame_samples(&self, sample_rate: u32) -> usize {
        (sample_rate as usize / 1000) * self.frame_ms as usize
    }
}

/// Opus settings as users give them: each field left at `None` keeps
/// [`OpusConfig::default`]'s value. Hosts and bindings take these from their callers and
/// [`resolve`](Self::resolve) them into an [`OpusConfig`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct OpusOptions {
    /// See [`OpusConfig::application`].
    pub application: Option<OpusApplication>,
    /// See [`OpusConfig::bitrate`].
    pub bitrate: Option<u32>,
    /// See [`OpusConfig::complexity`].
    pub complexity: Option<u8>,
    /// See [`OpusConfig::cbr`].
    pub cbr: Option<bool>,
    /// See [`OpusConfig::inband_fec`].
    pub inband_fec: Option<bool>,
    /// See [`OpusConfig::expected_loss_percent`].
    pub expected_loss_percent: Option<u8>,
    /// See [`OpusConfig::frame_ms`].
    pub frame_ms: Option<u8>,
}

impl OpusOptions {
    /// The names of the fields that are set, in declaration order.
    pub fn given(&self) -> Vec<&'static str> {
        [
            ("application", self.application.is_some()),
            ("bitrate", self.bitrate.is_some()),
            ("complexity", self.complexity.is_some()),
            ("cbr", self.cbr.is_some()),
            ("inband_fec", self.inband_fec.is_some()),
            (
                "expected_loss_percent",
                self.expected_loss_percent.is_some(),
            ),
            ("frame_ms", self.frame_ms.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }

    /// [`OpusConfig::default`] with the given fields in place, for a coder of `codec`.
    ///
    /// Fails when settings are given for a codec other than Opus, or `frame_ms` is given
    /// where `frame_ms_set_by` (e.g. "ptime") sets the frame duration. The values themselves
    /// are checked when the encoder is built ([`OpusConfig::validate`]).
    pub fn resolve(&self, codec: Codec, frame_ms_set_by: Option<&str>) -> Result<OpusConfig> {
        let given = self.given();
        if codec != Codec::Opus && !given.is_empty() {
            return Err(invalid(format!(
                "{} only appl{} to the opus codec; got {codec}",
                given.join(", "),
                if given.len() == 1 { "ies" } else { "y" }
            )));
        }
        if let (Some(setter), Some(_)) = (frame_ms_set_by, self.frame_ms) {
            return Err(invalid(format!(
                "opus frame_ms does not apply here: {setter} sets the opus frame duration"
            )));
        }
        let default = OpusConfig::default();
        Ok(OpusConfig {
            application: self.application.unwrap_or(default.application),
            bitrate: self.bitrate.unwrap_or(default.bitrate),
            complexity: self.complexity.unwrap_or(default.complexity),
            cbr: self.cbr.unwrap_or(default.cbr),
            inband_fec: self.inband_fec.unwrap_or(default.inband_fec),
            expected_loss_percent: self
                .expected_loss_percent
                .unwrap_or(default.expected_loss_percent),
            frame_ms: self.frame_ms.unwrap_or(default.frame_ms),
        })
    }
}

impl From<OpusConfig> for OpusOptions {
    /// Every field set, as `config` has it.
    fn from(config: OpusConfig) -> Self {
        OpusOptions {
            application: Some(config.application),
            bitrate: Some(config.bitrate),
            complexity: Some(config.complexity),
            cbr: Some(config.cbr),
            inband_fec: Some(config.inband_fec),
            expected_loss_percent: Some(config.expected_loss_percent),
            frame_ms: Some(config.frame_ms),
        }
    }
}

/// The bit rates, in bit/s for all channels, the encoder accepts at `sample_rate` with
/// `channels`.
pub fn bitrate_range(sample_rate: u32, channels: u16) -> (u32, u32) {
    let channels = u32::from(channels.clamp(1, 2));
    let max = if sample_rate <= 16_000 {
        MAX_SILK_BITRATE_PER_CHANNEL
    } else {
        MAX_BITRATE_PER_CHANNEL
    };
    (MIN_BITRATE_PER_CHANNEL * channels, max * channels)
}

/// Whether variable bit rate holds its target within 10% (see
/// [`MIN_VBR_BITRATE_PER_CHANNEL`]).
pub fn vbr_allowed(
    application: OpusApplication,
    sample_rate: u32,
    channels: u16,
    bitrate: u32,
) -> bool {
    application == OpusApplication::Audio
        && sample_rate >= 24_000
        && bitrate >= MIN_VBR_BITRATE_PER_CHANNEL * u32::from(channels.clamp(1, 2))
}

/// Whether in-band FEC is safe (see [`MIN_HYBRID_FEC_BITRATE`]); at 8 to 16 kHz it always
/// is.
pub fn fec_allowed(sample_rate: u32, channels: u16, bitrate: u32) -> bool {
    sample_rate <= 16_000 || bitrate >= min_fec_bitrate(channels)
}

fn min_fec_bitrate(channels: u16) -> u32 {
    MIN_HYBRID_FEC_BITRATE
        + MIN_HYBRID_FEC_BITRATE_STEREO_EXTRA * u32::from(channels.clamp(1, 2) - 1)
}

fn invalid(message: String) -> Error {
    Error::InvalidArgument(message)
}
