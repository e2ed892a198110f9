//! The last stage of prompt decoding, shared by every format: the source's channels mixed to
//! the call's, its rate converted to the call's, and its length held to the limit.
//!
//! - Channels: stereo is averaged to mono and mono copied to both sides of stereo; more than
//!   two channels are mixed by speaker position (centre and surrounds at -3 dB as in ITU-R
//!   BS.775 downmixes, LFE dropped), scaled so that no output channel sums past full scale.
//! - Rate: through the engine's [`Resampler`]: between two of [`SUPPORTED_RATES`] at
//!   [`Quality::Wideband`] (prompts are not live); from any other source rate (11025, 22050,
//!   96000 Hz...) with [`Resampler::any_rate`], the same window and block length. Either way the filter delay is dropped from the front and the tail flushed, so
//!   the prompt starts on time and lasts `ceil(frames * output rate / source rate)` frames.
//! - Limit: source frames are counted before anything is mixed or stored; the first packet
//!   that would pass `max_duration` stops decoding with `TooLong`.

use core::time::Duration;

use crate::dsp::{Quality, Resampler, SUPPORTED_RATES};
use crate::playback::PlaybackError;

/// Lowest source rate decoded, in Hz.
pub(super) const MIN_SOURCE_RATE: u32 = 1000;
/// Highest source rate decoded, in Hz.
pub(super) const MAX_SOURCE_RATE: u32 = 384_000;
/// Most source channels mixed down (Opus mapping family 255 allows 255).
pub(super) const MAX_SOURCE_CHANNELS: usize = 255;
/// -3 dB, the weight of a centre or surround channel on each side of a stereo downmix.
const MINUS_3_DB: f32 = core::f32::consts::FRAC_1_SQRT_2;

/// The layout a prompt is decoded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Target {
    /// Rate, one of [`SUPPORTED_RATES`].
    pub rate: u32,
    /// 1 or 2.
    pub channels: u16,
}

/// Where a source channel plays, for mixing more than two channels down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Speaker {
    /// Front left (and left of centre, wide left, height left).
    FrontLeft,
    /// Front right (and right of centre, wide right, height right).
    FrontRight,
    /// Front centre, or the only channel of mono.
    Center,
    /// Low-frequency effects: left out of a downmix.
    Lfe,
    /// Side or rear left.
    SurroundLeft,
    /// Side or rear right.
    SurroundRight,
    /// Rear centre.
    RearCenter,
    /// A channel without a position: spread over both sides.
    Other,
}

impl Speaker {
    /// Weights on the left and right of a stereo downmix, before scaling.
    fn stereo_weights(self) -> [f32; 2] {
        match self {
            Speaker::FrontLeft => [1.0, 0.0],
            Speaker::FrontRight => [0.0, 1.0],
            Speaker::Center => [MINUS_3_DB, MINUS_3_DB],
            Speaker::Lfe => [0.0, 0.0],
            Speaker::SurroundLeft => [MINUS_3_DB, 0.0],
            Speaker::SurroundRight => [0.0, MINUS_3_DB],
            Speaker::RearCenter | Speaker::Other => [0.5, 0.5],
        }
    }

    /// The usual positions of `count` channels without a stated layout, in WAV order
    /// (`WAVEFORMATEXTENSIBLE` channel-mask bit order: FL FR FC LFE BL BR FLC FRC BC SL SR).
    pub(super) fn wave_order(count: usize) -> Vec<Speaker> {
        const ORDER: [Speaker; 11] = [
            Speaker::FrontLeft,
            Speaker::FrontRight,
            Speaker::Center,
            Speaker::Lfe,
            Speaker::SurroundLeft,
            Speaker::SurroundRight,
            Speaker::FrontLeft,
            Speaker::FrontRight,
            Speaker::RearCenter,
            Speaker::SurroundLeft,
            Speaker::SurroundRight,
        ];
        match count {
            1 => vec![Speaker::Center],
            _ => (0..count)
                .map(|i| ORDER.get(i).copied().unwrap_or(Speaker::Other))
                .collect(),
        }
    }
}

/// Mixes, resamples and collects one prompt's audio, packet by packet.
pub(super) struct Converter {
    format: &'static str,
    source_rate: u32,
    source_channels: usize,
    /// Channels through the rate stage: the fewer of source and target.
    mid_channels: usize,
    target: Target,
    /// `source_channels x mid_channels` weights, row by source channel; `None` for a copy.
    matrix: Option<Vec<f32>>,
    gain: f32,
    rate: Rate,
    /// Source frames taken so far, and the most the limit allows.
    taken: u64,
    max_frames: u64,
    limit: Duration,
    /// Output frames of filter delay still to drop from the front.
    skip: usize,
    /// Scratch: 16-bit source widened to f32, mixed audio, mixed audio narrowed to 16 bits
    /// for the engine's resampler, resampled audio.
    widened: Vec<f32>,
    mixed: Vec<f32>,
    narrowed: Vec<i16>,
    rated: Vec<i16>,
    out: Vec<i16>,
}

enum Rate {
    /// Source and target rates are equal.
    Same,
    /// Different rates.
    Engine(Box<Resampler>),
}

impl Converter {
    /// A converter from `source_rate` Hz with one channel per `speakers` entry to `target`.
    ///
    /// `expected_frames` (source frames the container announces, if any) sizes the output
    /// once, within the limit and `reserve_cap` output samples.
    pub(super) fn new(
        format: &'static str,
        source_rate: u32,
        speakers: &[Speaker],
        target: Target,
        limit: Duration,
        expected_frames: Option<u64>,
        reserve_cap: usize,
    ) -> Result<Self, PlaybackError> {
        let source_channels = speakers.len();
        if !(MIN_SOURCE_RATE..=MAX_SOURCE_RATE).contains(&source_rate) {
            return Err(PlaybackError::UnsupportedAudio {
                format,
                reason: format!(
                    "sample rate {source_rate} Hz is outside {MIN_SOURCE_RATE}..={MAX_SOURCE_RATE} Hz"
                ),
            });
        }
        if source_channels == 0 {
            return Err(PlaybackError::Corrupt {
                format,
                reason: "the stream has no channels".into(),
            });
        }
        if source_channels > MAX_SOURCE_CHANNELS {
            return Err(PlaybackError::UnsupportedAudio {
                format,
                reason: format!(
                    "{source_channels} channels; at most {MAX_SOURCE_CHANNELS} are mixed down"
                ),
            });
        }
        let mid_channels = source_channels.min(usize::from(target.channels));
        let rate = if source_rate == target.rate {
            Rate::Same
        } else if SUPPORTED_RATES.contains(&source_rate) {
            let resampler = Resampler::with_quality(
                source_rate,
                target.rate,
                mid_channels as u16,
                Quality::Wideband,
            )
            .map_err(|e| internal(format, e))?;
            Rate::Engine(Box::new(resampler))
        } else {
            let resampler = Resampler::any_rate(source_rate, target.rate, mid_channels as u16)
                .map_err(|e| PlaybackError::UnsupportedAudio {
                    format,
                    reason: e.to_string(),
                })?;
            Rate::Engine(Box::new(resampler))
        };
        let skip = match &rate {
            Rate::Same => 0,
            Rate::Engine(r) => r.delay(),
        };
        let max_frames = u64::try_from(limit.as_nanos() * u128::from(source_rate) / 1_000_000_000)
            .unwrap_or(u64::MAX);
        let mut out = Vec::new();
        if let Some(frames) = expected_frames {
            let frames = frames.min(max_frames);
            let samples = output_frames(frames, source_rate, target.rate)
                .saturating_mul(u64::from(target.channels));
            out.reserve_exact(
                usize::try_from(samples)
                    .unwrap_or(usize::MAX)
                    .min(reserve_cap),
            );
        }
        Ok(Converter {
            format,
            source_rate,
            source_channels,
            mid_channels,
            target,
            matrix: mix_matrix(speakers, mid_channels),
            gain: 1.0,
            rate,
            taken: 0,
            max_frames,
            limit,
            skip,
            widened: Vec::new(),
            mixed: Vec::new(),
            narrowed: Vec::new(),
            rated: Vec::new(),
            out,
        })
    }

    /// Multiplies everything pushed from now on by `gain` (Opus output gain).
    pub(super) fn set_gain(&mut self, gain: f32) {
        self.gain = gain;
    }

    /// Source frames taken so far.
    pub(super) fn frames_in(&self) -> u64 {
        self.taken
    }

    /// Source frames the limit still allows.
    pub(super) fn frames_left(&self) -> u64 {
        self.max_frames - self.taken
    }

    /// The error for audio past the limit.
    pub(super) fn too_long(&self) -> PlaybackError {
        PlaybackError::TooLong { limit: self.limit }
    }

    /// Takes interleaved 16-bit source audio.
    pub(super) fn push_i16(&mut self, interleaved: &[i16]) -> Result<(), PlaybackError> {
        let mut widened = core::mem::take(&mut self.widened);
        widened.clear();
        widened.extend(interleaved.iter().map(|&s| f32::from(s) / 32768.0));
        let result = self.push_f32(&widened);
        self.widened = widened;
        result
    }

    /// Takes interleaved source audio at full scale ±1.0.
    pub(super) fn push_f32(&mut self, interleaved: &[f32]) -> Result<(), PlaybackError> {
        if !interleaved.len().is_multiple_of(self.source_channels) {
            return Err(PlaybackError::Corrupt {
                format: self.format,
                reason: format!(
                    "the decoder returned {} samples, not a whole number of {}-channel frames",
                    interleaved.len(),
                    self.source_channels
                ),
            });
        }
        let frames = (interleaved.len() / self.source_channels) as u64;
        if frames > self.frames_left() {
            return Err(self.too_long());
        }
        self.taken += frames;
        self.mix(interleaved);
        self.rated.clear();
        match &mut self.rate {
            Rate::Same => self.rated.extend(self.mixed.iter().map(|&x| to_i16(x))),
            Rate::Engine(resampler) => {
                self.narrowed.clear();
                self.narrowed.extend(self.mixed.iter().map(|&x| to_i16(x)));
                self.rated
                    .resize(resampler.output_len(self.narrowed.len()), 0);
                let n = resampler
                    .process(&self.narrowed, &mut self.rated)
                    .map_err(|e| internal(self.format, e))?;
                self.rated.truncate(n);
            }
        }
        self.emit();
        Ok(())
    }

    /// Ends the stream: flushes the resampler and returns the call-layout samples, exactly
    /// `ceil(frames in * target rate / source rate)` frames of them.
    pub(super) fn finish(mut self) -> Result<Vec<i16>, PlaybackError> {
        self.rated.clear();
        match &mut self.rate {
            Rate::Same => {}
            Rate::Engine(resampler) => {
                self.rated.resize(resampler.flush_len(), 0);
                let n = resampler
                    .flush(&mut self.rated)
                    .map_err(|e| internal(self.format, e))?;
                self.rated.truncate(n);
            }
        }
        self.emit();
        let frames = output_frames(self.taken, self.source_rate, self.target.rate);
        let samples = usize::try_from(frames)
            .unwrap_or(usize::MAX)
            .saturating_mul(usize::from(self.target.channels));
        self.out.truncate(samples);
        Ok(self.out)
    }

    /// Mixes `interleaved` (source channels) into `self.mixed` (mid channels), with the gain.
    fn mix(&mut self, interleaved: &[f32]) {
        self.mixed.clear();
        let gain = self.gain;
        match &self.matrix {
            None => self.mixed.extend(interleaved.iter().map(|&x| x * gain)),
            Some(matrix) => {
                let (src, mid) = (self.source_channels, self.mid_channels);
                for frame in interleaved.chunks_exact(src) {
                    for m in 0..mid {
                        let sum: f32 = frame
                            .iter()
                            .zip(matrix[m..].iter().step_by(mid))
                            .map(|(x, w)| x * w)
                            .sum();
                        self.mixed.push(sum * gain);
                    }
                }
            }
        }
    }

    /// Appends `self.rated` (mid channels) to the output, after the delay still to drop,
    /// copying mono to both channels when the target is stereo.
    fn emit(&mut self) {
        let mid = self.mid_channels;
        let frames = self.rated.len() / mid;
        let drop = self.skip.min(frames);
        self.skip -= drop;
        let kept = &self.rated[drop * mid..];
        if mid == usize::from(self.target.channels) {
            self.out.extend_from_slice(kept);
        } else {
            self.out.extend(kept.iter().flat_map(|&s| [s, s]));
        }
    }
}

/// The weights that mix `speakers` into `mid` channels, or `None` when nothing mixes.
fn mix_matrix(speakers: &[Speaker], mid: usize) -> Option<Vec<f32>> {
    let src = speakers.len();
    if src == mid {
        return None;
    }
    if src == 2 {
        // Stereo to mono: the average, as ffmpeg and `dsp::stereo_to_mono` do.
        return Some(vec![0.5, 0.5]);
    }
    let weights: Vec<[f32; 2]> = speakers.iter().map(|s| s.stereo_weights()).collect();
    let mut matrix: Vec<f32> = if mid == 2 {
        weights.iter().flatten().copied().collect()
    } else {
        weights.iter().map(|[l, r]| l + r).collect()
    };
    // No output channel may sum past full scale.
    let loudest = (0..mid)
        .map(|m| matrix[m..].iter().step_by(mid).sum::<f32>())
        .fold(0.0f32, f32::max);
    if loudest > 1.0 {
        matrix.iter_mut().for_each(|w| *w /= loudest);
    }
    Some(matrix)
}

/// Output frames that `frames` source frames become: `ceil(frames * to / from)`.
fn output_frames(frames: u64, from: u32, to: u32) -> u64 {
    let exact = u128::from(frames) * u128::from(to);
    u64::try_from(exact.div_ceil(u128::from(from))).unwrap_or(u64::MAX)
}

/// Full scale ±1.0 to 16 bits, rounded half away from zero and saturated (`as` saturates
/// and maps NaN to 0). Exact for values that came from 16 bits.
fn to_i16(x: f32) -> i16 {
    let v = x * 32768.0;
    (v + 0.5f32.copysign(v)) as i16
}

/// A failure of a stage whose inputs were checked here: a bug, reported rather than panicked.
fn internal(format: &'static str, e: impl core::fmt::Display) -> PlaybackError {
    PlaybackError::Corrupt {
        format,
        reason: format!("internal conversion error: {e}"),
    }
}
