//! The settings and counters of a [`JitterBuffer`](super::JitterBuffer), and what a
//! received packet carries.

use core::time::Duration;

use crate::error::{Error, Result};
use crate::jitter::DelayConfig;

/// How a [`JitterBuffer`](super::JitterBuffer) chooses its delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum JitterMode {
    /// Follow the network's jitter within the configured bounds, changing delay by time
    /// stretching.
    #[default]
    Adaptive,
    /// Hold the configured initial delay; drift is corrected by dropping whole packets.
    Fixed,
}

impl JitterMode {
    /// `"adaptive"` or `"fixed"`.
    pub const fn name(self) -> &'static str {
        match self {
            JitterMode::Adaptive => "adaptive",
            JitterMode::Fixed => "fixed",
        }
    }

    /// The mode called `name` (`"adaptive"` or `"fixed"`, any case).
    pub fn from_name(name: &str) -> Result<Self> {
        if name.eq_ignore_ascii_case("adaptive") {
            Ok(JitterMode::Adaptive)
        } else if name.eq_ignore_ascii_case("fixed") {
            Ok(JitterMode::Fixed)
        } else {
            Err(Error::InvalidArgument(format!(
                "unknown jitter buffer mode {name:?}; expected \"adaptive\" or \"fixed\""
            )))
        }
    }
}

/// Settings of a [`JitterBuffer`](super::JitterBuffer).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JitterConfig {
    /// Delay bounds, the starting delay and the quantile of arrival jitter to cover.
    pub delay: DelayConfig,
    /// Adaptive or fixed delay.
    pub mode: JitterMode,
    /// Packets held at most (at least 1); past it the packet nearest playout gives way.
    pub capacity: usize,
}

impl Default for JitterConfig {
    /// Adaptive, 20 to 500 ms starting at 50 ms, room for 64 packets.
    fn default() -> Self {
        JitterConfig {
            delay: DelayConfig::default(),
            mode: JitterMode::Adaptive,
            capacity: 64,
        }
    }
}

impl JitterConfig {
    /// A fixed buffer of `delay`.
    pub fn fixed(delay: Duration) -> Self {
        JitterConfig {
            delay: DelayConfig {
                min_delay: delay,
                max_delay: delay.max(DelayConfig::default().max_delay),
                initial_delay: delay,
                ..DelayConfig::default()
            },
            mode: JitterMode::Fixed,
            ..JitterConfig::default()
        }
    }
}

/// Counters kept by a [`JitterBuffer`](super::JitterBuffer). Sample counts are per channel at the decoder's
/// rate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct JitterStats {
    /// Packets stored for playout.
    pub packets_inserted: u64,
    /// Packets that were already stored.
    pub packets_duplicate: u64,
    /// Packets that arrived after their audio's turn had passed.
    pub packets_late: u64,
    /// Packets dropped because the store was full.
    pub packets_overflow: u64,
    /// Packets the decoder refused; concealed instead.
    pub decode_errors: u64,
    /// Samples decoded from received packets.
    pub samples_decoded: u64,
    /// Samples rebuilt from the next packet's in-band FEC.
    pub samples_fec: u64,
    /// Samples made up by loss concealment.
    pub samples_concealed: u64,
    /// Samples of comfort noise played for the sender's intended silence.
    pub samples_comfort_noise: u64,
    /// Samples of silence: before playout starts, between talkspurts, after underruns.
    pub samples_silence: u64,
    /// Samples removed by accelerating.
    pub samples_accelerated: u64,
    /// Samples added by expanding.
    pub samples_expanded: u64,
    /// Decoded samples dropped whole to shorten the delay.
    pub samples_dropped: u64,
    /// Times the buffer ran out of packets while playing.
    pub underruns: u64,
    /// Times playout took back packets that arrived during an underrun.
    pub resumed_late: u64,
    /// Times the sender's timeline was re-anchored (timestamp jump or new SSRC).
    pub resyncs: u64,
}

impl JitterStats {
    /// Every counter with its field name, in declaration order.
    pub fn fields(&self) -> [(&'static str, u64); 16] {
        [
            ("packets_inserted", self.packets_inserted),
            ("packets_duplicate", self.packets_duplicate),
            ("packets_late", self.packets_late),
            ("packets_overflow", self.packets_overflow),
            ("decode_errors", self.decode_errors),
            ("samples_decoded", self.samples_decoded),
            ("samples_fec", self.samples_fec),
            ("samples_concealed", self.samples_concealed),
            ("samples_comfort_noise", self.samples_comfort_noise),
            ("samples_silence", self.samples_silence),
            ("samples_accelerated", self.samples_accelerated),
            ("samples_expanded", self.samples_expanded),
            ("samples_dropped", self.samples_dropped),
            ("underruns", self.underruns),
            ("resumed_late", self.resumed_late),
            ("resyncs", self.resyncs),
        ]
    }
}

/// What a received packet carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    /// Audio in the stream's codec.
    Audio,
    /// An RFC 3389 comfort-noise (SID) payload.
    ComfortNoise,
}
