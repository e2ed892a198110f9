//! [`RecordConfig`]: what a recording holds (legs, channels, rate), how it is stored (WAV or
//! Ogg Opus), what pausing does, its limits and its metadata, and the checks on them.

use core::time::Duration;

use super::RecordError;
use super::metadata;
use super::{ogg_opus, wav};
use crate::codec::opus::{ENCODER_RATES, bitrate_range};
use crate::dsp::SUPPORTED_RATES;

/// The longest allowed [`RecordConfig::checkpoint_interval`]: a killed process loses at most
/// this much recorded media.
pub const MAX_CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// The shortest allowed [`RecordConfig::checkpoint_interval`].
pub const MIN_CHECKPOINT_INTERVAL: Duration = Duration::from_millis(10);

/// Which legs of a call go to which channels of the recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordLayout {
    /// One leg, one channel.
    Mono,
    /// Two legs: leg 0 on the left channel, leg 1 on the right.
    Stereo,
    /// Two legs summed into one channel; peaks above 3/4 of full scale are compressed
    /// rather than clipped.
    MixedMono,
}

impl RecordLayout {
    /// How many legs the layout takes (legs are numbered from 0).
    pub const fn legs(self) -> usize {
        match self {
            RecordLayout::Mono => 1,
            RecordLayout::Stereo | RecordLayout::MixedMono => 2,
        }
    }

    /// Channels of the recording.
    pub const fn channels(self) -> u16 {
        match self {
            RecordLayout::Mono | RecordLayout::MixedMono => 1,
            RecordLayout::Stereo => 2,
        }
    }

    /// The lower-case name used in messages and by the bindings.
    pub const fn name(self) -> &'static str {
        match self {
            RecordLayout::Mono => "mono",
            RecordLayout::Stereo => "stereo",
            RecordLayout::MixedMono => "mixed-mono",
        }
    }

    /// The layout named `name` (`mono`, `stereo` or `mixed-mono`, any case); an error lists
    /// the names.
    pub fn from_name(name: &str) -> Result<Self, RecordError> {
        [
            RecordLayout::Mono,
            RecordLayout::Stereo,
            RecordLayout::MixedMono,
        ]
        .into_iter()
        .find(|l| l.name().eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            invalid(
                "layout",
                format!("{name:?} is not a layout; expected mono, stereo or mixed-mono"),
            )
        })
    }
}

/// How the recording is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordFormat {
    /// RIFF WAVE, 16-bit PCM, written by `hound`; metadata in a `LIST`/`INFO` chunk.
    Wav,
    /// Ogg Opus (RFC 7845), coded at `bitrate` bit/s for all channels together, constant
    /// bit rate, 20 ms packets; metadata as `OpusTags` comments. Mono or stereo.
    OggOpus {
        /// Target bit rate in bit/s; see [`crate::codec::opus::bitrate_range`].
        bitrate: u32,
    },
}

impl RecordFormat {
    /// `wav` or `ogg-opus`, as the bindings and the server name it.
    pub const fn name(self) -> &'static str {
        match self {
            RecordFormat::Wav => "wav",
            RecordFormat::OggOpus { .. } => "ogg-opus",
        }
    }

    /// The format named `name` (`wav`, or `ogg-opus` / `opus` at `opus_bitrate` bit/s; any
    /// case); an error lists the names. The bit rate is checked by
    /// [`RecordConfig::validate`].
    pub fn from_name(name: &str, opus_bitrate: u32) -> Result<Self, RecordError> {
        match name.to_ascii_lowercase().as_str() {
            "wav" => Ok(RecordFormat::Wav),
            "ogg-opus" | "opus" => Ok(RecordFormat::OggOpus {
                bitrate: opus_bitrate,
            }),
            _ => Err(invalid(
                "format",
                format!("{name:?} is not a recording format; expected wav or ogg-opus"),
            )),
        }
    }
}

/// What happens to the timeline while the recording is paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PauseMode {
    /// The paused time is left out: the recording is shorter than the call.
    Skip,
    /// The paused time is recorded as silence: the recording keeps the call's timeline.
    #[default]
    Silence,
}

impl PauseMode {
    /// `skip` or `silence`, as the bindings name it.
    pub const fn name(self) -> &'static str {
        match self {
            PauseMode::Skip => "skip",
            PauseMode::Silence => "silence",
        }
    }

    /// The mode named `name` (`skip` or `silence`, any case); an error lists the names.
    pub fn from_name(name: &str) -> Result<Self, RecordError> {
        [PauseMode::Skip, PauseMode::Silence]
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                invalid(
                    "pause_mode",
                    format!("{name:?} is not a pause mode; expected skip or silence"),
                )
            })
    }
}

/// Facts about the call stored with the recording, from its first byte on.
///
/// Text may not contain NUL, CR or LF; `extra` keys are printable ASCII without `=`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordingMetadata {
    /// When the recording started, as the host writes it (e.g. RFC 3339); the core has no
    /// clock.
    pub start_time: String,
    /// The call's identifier (e.g. the SIP Call-ID).
    pub call_id: Option<String>,
    /// A label per leg (e.g. the caller's and the callee's address), leg 0 first; at most
    /// as many as the layout has legs.
    pub legs: Vec<String>,
    /// Further `key=value` facts.
    pub extra: Vec<(String, String)>,
}

/// How to record; build with [`RecordConfig::new`] and change fields as needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordConfig {
    /// Which legs go to which channels.
    pub layout: RecordLayout,
    /// WAV or Ogg Opus.
    pub format: RecordFormat,
    /// The recording's rate in Hz; frames at other rates are resampled. WAV: one of
    /// [`SUPPORTED_RATES`]; Ogg Opus: one of [`ENCODER_RATES`]. Usually the call's own rate.
    pub sample_rate: u32,
    /// What pausing does to the timeline.
    pub pause_mode: PauseMode,
    /// Stop once this much audio is recorded.
    pub max_duration: Option<Duration>,
    /// Stop before the file grows past this many bytes (headers included). A WAV file also
    /// stops at its format's 4 GiB limit.
    pub max_bytes: Option<u64>,
    /// How much recorded media may pass between two updates of the file's sizes (WAV) or
    /// two pages (Ogg): what a crash can lose. At least [`MIN_CHECKPOINT_INTERVAL`], at most
    /// [`MAX_CHECKPOINT_INTERVAL`] (the default).
    pub checkpoint_interval: Duration,
    /// Facts stored with the recording.
    pub metadata: RecordingMetadata,
}

impl RecordConfig {
    /// A WAV recording of `layout` at `sample_rate`, pauses as silence, no limits, a
    /// checkpoint every second, empty metadata.
    pub fn new(layout: RecordLayout, sample_rate: u32) -> Self {
        RecordConfig {
            layout,
            format: RecordFormat::Wav,
            sample_rate,
            pause_mode: PauseMode::default(),
            max_duration: None,
            max_bytes: None,
            checkpoint_interval: MAX_CHECKPOINT_INTERVAL,
            metadata: RecordingMetadata::default(),
        }
    }

    /// Channels of the recording.
    pub fn channels(&self) -> u16 {
        self.layout.channels()
    }

    /// Checks every setting; each error names the setting, the value and what is allowed.
    pub fn validate(&self) -> Result<(), RecordError> {
        let rate = self.sample_rate;
        match self.format {
            RecordFormat::Wav if !SUPPORTED_RATES.contains(&rate) => {
                return Err(invalid(
                    "sample_rate",
                    format!("{rate} Hz is not supported for WAV; allowed {SUPPORTED_RATES:?}"),
                ));
            }
            RecordFormat::OggOpus { bitrate } => {
                if !ENCODER_RATES.contains(&rate) {
                    return Err(invalid(
                        "sample_rate",
                        format!("{rate} Hz is not an Opus encoder rate; allowed {ENCODER_RATES:?}"),
                    ));
                }
                let (min, max) = bitrate_range(rate, self.channels());
                if !(min..=max).contains(&bitrate) {
                    return Err(invalid(
                        "format.bitrate",
                        format!(
                            "{bitrate} bit/s is out of range for Opus at {rate} Hz with {} \
                             channel(s); allowed {min} to {max}",
                            self.channels()
                        ),
                    ));
                }
            }
            RecordFormat::Wav => {}
        }
        let interval = self.checkpoint_interval;
        if !(MIN_CHECKPOINT_INTERVAL..=MAX_CHECKPOINT_INTERVAL).contains(&interval) {
            return Err(invalid(
                "checkpoint_interval",
                format!("{interval:?} is out of range; allowed 10 ms to 1 s"),
            ));
        }
        if let Some(max) = self.max_duration {
            let frames = u128::from(rate) * max.as_nanos() / 1_000_000_000;
            if frames == 0 {
                return Err(invalid(
                    "max_duration",
                    format!("{max:?} holds no sample at {rate} Hz; give at least one sample"),
                ));
            }
        }
        metadata::check(&self.metadata, self.layout)?;
        if let Some(max) = self.max_bytes {
            let min = match self.format {
                RecordFormat::Wav => wav::min_bytes(self),
                RecordFormat::OggOpus { .. } => ogg_opus::min_bytes(self),
            };
            if max < min {
                return Err(invalid(
                    "max_bytes",
                    format!(
                        "{max} bytes cannot hold the headers and any audio; this configuration \
                         needs at least {min}"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Samples per channel in `duration` at the recording's rate, rounded down.
    pub(crate) fn frames_in(&self, duration: Duration) -> u64 {
        let n = u128::from(self.sample_rate) * duration.as_nanos() / 1_000_000_000;
        u64::try_from(n).unwrap_or(u64::MAX)
    }
}

/// An [`RecordError::InvalidConfig`] for `field`.
pub(crate) fn invalid(field: &'static str, reason: String) -> RecordError {
    RecordError::InvalidConfig { field, reason }
}
