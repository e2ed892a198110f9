//! Prompt decoding: a whole file, from bytes, to a [`Prompt`] at the call's rate and channels.
//!
//! - `sniff`: the format, from the content (an extension hint only for headerless MP3).
//! - `wav`, `media`: WAV (PCM, float, mu-law, A-law), MP3, FLAC and Ogg Vorbis through
//!   symphonia.
//! - `ogg`, `ogg_opus`: Ogg pages and Ogg Opus (RFC 7845) through the engine's Opus decoder.
//! - `convert`: channel mixing, rate conversion and the duration limit, shared by all.
//!
//! A hostile file cannot exhaust memory: its size is checked before anything is read, and
//! decoded audio is counted packet by packet before it is stored, so decoding stops with
//! [`PlaybackError::TooLong`] at the first packet past [`DecodeLimits::max_duration`].

mod convert;
mod media;
mod ogg;
mod ogg_opus;
mod sniff;
mod wav;

use core::fmt;
use core::time::Duration;

use self::convert::Target;
use self::media::Library;
use super::{PlaybackError, Prompt};
use crate::dsp::SUPPORTED_RATES;

/// What prompt decoding may use, so that a hostile or mistaken file cannot exhaust memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest file accepted, in bytes. Default 64 MiB.
    pub max_input_bytes: usize,
    /// Longest decoded audio accepted. Default 30 minutes: at 48 kHz stereo, 330 MiB of
    /// samples.
    pub max_duration: Duration,
}

impl DecodeLimits {
    /// 64 MiB of file, 30 minutes of audio.
    pub const DEFAULT: DecodeLimits = DecodeLimits {
        max_input_bytes: 64 << 20,
        max_duration: Duration::from_secs(30 * 60),
    };
}

impl Default for DecodeLimits {
    /// [`DecodeLimits::DEFAULT`].
    fn default() -> Self {
        DecodeLimits::DEFAULT
    }
}

/// The file formats prompts decode from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PromptFormat {
    /// RIFF WAVE: PCM of 8, 16, 24 or 32 bits, 32- or 64-bit float, mu-law or A-law.
    Wav,
    /// MPEG-1/2 audio layer III.
    Mp3,
    /// Native FLAC.
    Flac,
    /// Vorbis in Ogg.
    OggVorbis,
    /// Opus in Ogg (RFC 7845).
    OggOpus,
}

impl PromptFormat {
    /// The format's usual name: `"WAV"`, `"MP3"`, `"FLAC"`, `"Ogg Vorbis"`, `"Ogg Opus"`.
    pub const fn name(self) -> &'static str {
        match self {
            PromptFormat::Wav => "WAV",
            PromptFormat::Mp3 => "MP3",
            PromptFormat::Flac => "FLAC",
            PromptFormat::OggVorbis => "Ogg Vorbis",
            PromptFormat::OggOpus => "Ogg Opus",
        }
    }

    /// The format of `bytes` judged from their first bytes (and `hint`, a file extension,
    /// for headerless MP3), without decoding; fails as [`Prompt::decode`] would on content
    /// that is not a prompt format.
    pub fn sniff(bytes: &[u8], hint: Option<&str>) -> Result<PromptFormat, PlaybackError> {
        if bytes.is_empty() {
            return Err(PlaybackError::Empty { format: None });
        }
        sniff::sniff(bytes, hint).map(|s| s.format)
    }
}

impl fmt::Display for PromptFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What [`Prompt::decode_info`] found in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PromptInfo {
    /// The file's format.
    pub format: PromptFormat,
    /// The rate the audio was decoded at, in Hz (48000 for Opus, whose header's input rate
    /// is only informational).
    pub source_rate: u32,
    /// The file's channel count, before mixing to the call's.
    pub source_channels: u16,
    /// Decoded frames (samples per channel) at `source_rate`, after encoder delay and
    /// padding were trimmed.
    pub source_frames: u64,
}

/// What a format's decoder hands back.
struct Decoded {
    samples: Vec<i16>,
    format: PromptFormat,
    source_rate: u32,
    source_channels: usize,
    source_frames: u64,
}

/// The most output samples reserved up front for a file of `input_len` bytes, whatever its
/// header announces: a header may lie, and the output grows as audio really decodes.
fn reserve_cap(input_len: usize) -> usize {
    input_len.saturating_mul(8)
}

impl Prompt {
    /// Decodes a whole prompt file and converts it to `sample_rate` Hz (one of
    /// [`SUPPORTED_RATES`]) and `channels` (1 or 2).
    ///
    /// The format (WAV, MP3, FLAC, Ogg Vorbis, Ogg Opus) is found from the content; `hint`, a
    /// file extension such as `"mp3"`, helps only with headerless MP3. More than two source
    /// channels are mixed down; the rate is converted with the engine's wideband resampler,
    /// without delaying or shortening the audio. Fails with a [`PlaybackError`] naming what
    /// is wrong with the file, or which limit it passes.
    ///
    /// ```
    /// use mediacore::playback::{DecodeLimits, Prompt};
    ///
    /// // A WAV header and 0.1 s of 16 kHz mono silence.
    /// let mut wav = b"RIFF\xa4\x0c\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x80\x3e\0\0\0\x7d\0\0\x02\0\x10\0data\x80\x0c\0\0".to_vec();
    /// wav.resize(wav.len() + 3200, 0);
    /// let prompt = Prompt::decode(&wav, Some("wav"), 8000, 1, &DecodeLimits::default())?;
    /// assert_eq!((prompt.sample_rate(), prompt.frames()), (8000, 800));
    /// # Ok::<(), mediacore::playback::PlaybackError>(())
    /// ```
    pub fn decode(
        bytes: &[u8],
        hint: Option<&str>,
        sample_rate: u32,
        channels: u16,
        limits: &DecodeLimits,
    ) -> Result<Prompt, PlaybackError> {
        Self::decode_info(bytes, hint, sample_rate, channels, limits).map(|(prompt, _)| prompt)
    }

    /// [`decode`](Self::decode), also saying what the file held.
    pub fn decode_info(
        bytes: &[u8],
        hint: Option<&str>,
        sample_rate: u32,
        channels: u16,
        limits: &DecodeLimits,
    ) -> Result<(Prompt, PromptInfo), PlaybackError> {
        if !SUPPORTED_RATES.contains(&sample_rate) {
            return Err(PlaybackError::UnsupportedLayout {
                sample_rate,
                channels,
                reason: "prompts decode to 8000, 12000, 16000, 24000, 32000, 44100 or 48000 Hz",
            });
        }
        if !(1..=2).contains(&channels) {
            return Err(PlaybackError::UnsupportedLayout {
                sample_rate,
                channels,
                reason: "prompts have 1 or 2 channels",
            });
        }
        if bytes.len() > limits.max_input_bytes {
            return Err(PlaybackError::TooLarge {
                bytes: bytes.len(),
                limit: limits.max_input_bytes,
            });
        }
        if bytes.is_empty() {
            return Err(PlaybackError::Empty { format: None });
        }
        let found = sniff::sniff(bytes, hint)?;
        let content = &bytes[found.offset..];
        let target = Target {
            rate: sample_rate,
            channels,
        };
        let decoded = match found.format {
            PromptFormat::OggOpus => ogg_opus::decode(content, target, limits)?,
            PromptFormat::Wav => media::decode(Library::Wav, content, target, limits)?,
            PromptFormat::Mp3 => media::decode(Library::Mp3, content, target, limits)?,
            PromptFormat::Flac => media::decode(Library::Flac, content, target, limits)?,
            PromptFormat::OggVorbis => media::decode(Library::Vorbis, content, target, limits)?,
        };
        if decoded.samples.is_empty() {
            return Err(PlaybackError::Empty {
                format: Some(decoded.format.name()),
            });
        }
        let info = PromptInfo {
            format: decoded.format,
            source_rate: decoded.source_rate,
            source_channels: u16::try_from(decoded.source_channels).unwrap_or(u16::MAX),
            source_frames: decoded.source_frames,
        };
        let prompt = Prompt::from_samples(sample_rate, channels, decoded.samples)?;
        Ok((prompt, info))
    }
}

#[cfg(test)]
mod tests;
