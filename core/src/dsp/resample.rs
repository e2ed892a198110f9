//! Sample-rate conversion of interleaved `i16` PCM between the telephony rates.
//!
//! Design, one line each:
//! - Band-limited: rubato's synchronous FFT resampler, whose windowed-sinc filter
//!   (Blackman-Harris, about 90 dB stopband) cuts below the lower Nyquist frequency.
//! - Fixed blocks: audio is converted in blocks of 10 ms (20 ms when 44.1 kHz is involved,
//!   so that every block is an even number of samples and the delay is a whole sample), or
//!   40 ms for [`Quality::Wideband`]; a longer block is a longer filter, so a wider passband.
//! - Any input length: input waits in a one-block FIFO until a block is full, so a signal
//!   fed in 20 ms frames or in any other sizes gives bit-identical output.
//! - Phase continuous: the filter's overlap is carried from block to block until `reset`.
//! - No allocation after construction: buffers hold one block; output is caller-owned and
//!   its exact size is known before the call (`output_len`, `max_output_len`, `flush_len`).
//! - Known delay: output sample `k` renders input time `k - delay()` (in output samples).
//! - Flush: pads held input with silence and emits exactly the tail that makes the output,
//!   minus its first `delay()` samples, as long as the input times the rate ratio.
//! - Equal rates: a plain copy with zero delay.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler as _, WindowFunction};

use crate::error::{DspError, FrameError, Result};
use crate::frame::{AudioFrame, check_interleaved};

/// The sample rates, in Hz, that a [`Resampler`] converts between.
pub const SUPPORTED_RATES: [u32; 7] = [8000, 12_000, 16_000, 24_000, 32_000, 44_100, 48_000];
const SUPPORTED_RATES_TEXT: &str = "8000, 12000, 16000, 24000, 32000, 44100, 48000";

/// The rates, in Hz, that [`Resampler::any_rate`] converts between.
pub const ANY_RATE_RANGE: core::ops::RangeInclusive<u32> = 1000..=384_000;

/// The most input frames one block of [`Resampler::any_rate`] may take; bounds its memory
/// and set-up time for rates without a small whole ratio.
pub const MAX_ANY_RATE_BLOCK: usize = 16_384;

/// The most interleaved channels a [`Resampler`] carries.
pub const MAX_CHANNELS: u16 = 2;

/// The trade between delay and passband width, chosen at construction.
///
/// Passband edges are given relative to the lower of the two rates' Nyquist frequencies
/// (4 kHz for 8 kHz audio); above the edge the response falls to -6 dB a little further on
/// and to the stopband (about -90 dB) at the Nyquist frequency, so nothing aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Quality {
    /// 10 ms blocks (20 ms with 44.1 kHz): 5 ms delay (10 ms with 44.1 kHz); within 0.3 dB
    /// up to 85% of Nyquist or more, which at 8 kHz is the 3.4 kHz top of the telephone
    /// band (ITU-T G.712).
    #[default]
    LowDelay,
    /// 40 ms blocks: 20 ms delay; within 0.3 dB up to 96% of Nyquist (3.85 kHz at 8 kHz),
    /// for audio that is not live (prompts, recordings) or is not band-limited.
    Wideband,
}

/// Converts interleaved `i16` audio from one telephony rate to another, frame after frame.
///
/// ```
/// use mediacore::dsp::Resampler;
///
/// let mut up = Resampler::new(8000, 48_000, 1)?;
/// let frame = [0i16; 160]; // 20 ms at 8 kHz
/// let mut out = vec![0i16; up.max_output_len(frame.len())]; // sized once
/// let n = up.process(&frame, &mut out)?;
/// assert_eq!(n, 960); // 20 ms at 48 kHz
/// assert_eq!(up.delay(), 240); // output lags the input by 5 ms
/// # Ok::<(), mediacore::Error>(())
/// ```
#[derive(Debug)]
pub struct Resampler {
    input_rate: u32,
    output_rate: u32,
    channels: u16,
    engine: Engine,
}

#[derive(Debug)]
enum Engine {
    /// Equal rates.
    Copy,
    /// Boxed: rubato's state is large and lives as long as the resampler.
    Fft(Box<FftEngine>),
}

#[derive(Debug)]
struct FftEngine {
    fft: Fft<f32>,
    channels: usize,
    /// Input frames (per channel) converted at a time.
    block_in: usize,
    /// Output frames (per channel) one input block becomes.
    block_out: usize,
    /// Input waiting for a full block, interleaved, `block_in * channels` long.
    pending: Vec<f32>,
    /// Frames of `pending` that hold input.
    filled: usize,
    /// One block of output, interleaved, `block_out * channels` long.
    converted: Vec<f32>,
}

impl Resampler {
    /// A resampler from `input_rate` to `output_rate` Hz for `channels` interleaved channels.
    ///
    /// Both rates must be in [`SUPPORTED_RATES`] and `channels` 1 or 2. All buffers are
    /// allocated here, once. Uses [`Quality::LowDelay`].
    pub fn new(input_rate: u32, output_rate: u32, channels: u16) -> Result<Self> {
        Self::with_quality(input_rate, output_rate, channels, Quality::LowDelay)
    }

    /// [`new`](Self::new) with a choice of delay against passband width.
    pub fn with_quality(
        input_rate: u32,
        output_rate: u32,
        channels: u16,
        quality: Quality,
    ) -> Result<Self> {
        for rate in [input_rate, output_rate] {
            if !SUPPORTED_RATES.contains(&rate) {
                return Err(DspError::UnsupportedSampleRate {
                    requested: rate,
                    supported: SUPPORTED_RATES_TEXT,
                }
                .into());
            }
        }
        check_channels(channels)?;
        let engine = if input_rate == output_rate {
            Engine::Copy
        } else {
            // 10 ms is a whole number of samples at every supported rate; with 44.1 kHz it is
            // 441, odd, which would put the filter centre between output samples, so 20 ms.
            let block_ms = match quality {
                Quality::Wideband => 40,
                Quality::LowDelay if input_rate == 44_100 || output_rate == 44_100 => 20,
                Quality::LowDelay => 10,
            };
            let block = input_rate as usize * block_ms / 1000;
            Engine::Fft(Box::new(FftEngine::new(
                input_rate,
                output_rate,
                channels,
                block,
            )?))
        };
        Ok(Resampler {
            input_rate,
            output_rate,
            channels,
            engine,
        })
    }

    /// A resampler between any two rates from [`ANY_RATE_RANGE`] (a prompt at 11025, 22050
    /// or 96000 Hz, say), with [`Quality::Wideband`]'s window and about 40 ms blocks.
    ///
    /// Blocks are whole multiples of the rates' smallest whole ratio, and even on both sides
    /// so the filter's centre falls on an output sample. Rates whose ratio needs blocks of
    /// more than [`MAX_ANY_RATE_BLOCK`] input frames (a large prime against 8000, say) are
    /// refused: they would cost memory and set-up time out of proportion.
    pub fn any_rate(input_rate: u32, output_rate: u32, channels: u16) -> Result<Self> {
        for rate in [input_rate, output_rate] {
            if !ANY_RATE_RANGE.contains(&rate) {
                return Err(DspError::UnsupportedSampleRate {
                    requested: rate,
                    supported: "1000 to 384000",
                }
                .into());
            }
        }
        check_channels(channels)?;
        if input_rate == output_rate {
            return Ok(Resampler {
                input_rate,
                output_rate,
                channels,
                engine: Engine::Copy,
            });
        }
        let (rate_in, rate_out) = (input_rate as usize, output_rate as usize);
        let divisor = gcd(rate_in, rate_out);
        let (unit_in, unit_out) = (rate_in / divisor, rate_out / divisor);
        let mut units = (rate_in * 40 / 1000).div_ceil(unit_in).max(1);
        if (unit_in % 2 == 1 || unit_out % 2 == 1) && units % 2 == 1 {
            units += 1;
        }
        let block = units * unit_in;
        if block > MAX_ANY_RATE_BLOCK {
            return Err(DspError::UnsupportedSampleRate {
                requested: input_rate,
                supported: "rates with a small whole ratio to the other rate (blocks of at \
                            most 16384 frames)",
            }
            .into());
        }
        Ok(Resampler {
            input_rate,
            output_rate,
            channels,
            engine: Engine::Fft(Box::new(FftEngine::new(
                input_rate,
                output_rate,
                channels,
                block,
            )?)),
        })
    }

    /// Rate of the input, in Hz.
    pub fn input_rate(&self) -> u32 {
        self.input_rate
    }

    /// Rate of the output, in Hz.
    pub fn output_rate(&self) -> u32 {
        self.output_rate
    }

    /// Interleaved channels of both input and output.
    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// How many output frames (samples per channel) the output lags the input by.
    ///
    /// Output frame `k` renders the input at time `(k - delay()) / output_rate` seconds:
    /// drop the first `delay()` frames to align output with input. Zero for equal rates.
    pub fn delay(&self) -> usize {
        match &self.engine {
            Engine::Copy => 0,
            Engine::Fft(e) => e.fft.output_delay(),
        }
    }

    /// Input frames (per channel) converted at a time; input waits until a block is full.
    ///
    /// One for equal rates, where nothing waits.
    pub fn block_frames(&self) -> usize {
        match &self.engine {
            Engine::Copy => 1,
            Engine::Fft(e) => e.block_in,
        }
    }

    /// Exactly how many interleaved samples [`process`](Self::process) will write for
    /// `input_len` interleaved input samples, given the input now waiting for a block.
    pub fn output_len(&self, input_len: usize) -> usize {
        match &self.engine {
            Engine::Copy => input_len,
            Engine::Fft(e) => e.blocks_for(e.filled, input_len) * e.block_out * e.channels,
        }
    }

    /// The most interleaved samples [`process`](Self::process) can write for `input_len`
    /// interleaved input samples, whatever input is waiting: size output buffers with it.
    ///
    /// For a whole number of blocks ([`block_frames`](Self::block_frames)) this is exactly
    /// the converted duration, e.g. 960 samples for 160 samples of 8 kHz mono going to
    /// 48 kHz at [`Quality::LowDelay`].
    pub fn max_output_len(&self, input_len: usize) -> usize {
        match &self.engine {
            Engine::Copy => input_len,
            Engine::Fft(e) => e.blocks_for(e.block_in - 1, input_len) * e.block_out * e.channels,
        }
    }

    /// Converts `input` (interleaved) and writes the result to the start of `output`,
    /// returning the number of interleaved samples written.
    ///
    /// Input that does not complete a block is kept for the next call. Fails without
    /// consuming anything when `input` is not a whole number of frames or `output` is
    /// shorter than [`output_len`](Self::output_len).
    pub fn process(&mut self, input: &[i16], output: &mut [i16]) -> Result<usize> {
        check_interleaved(input.len(), self.channels)?;
        let needed = self.output_len(input.len());
        check_capacity(needed, output.len())?;
        match &mut self.engine {
            Engine::Copy => {
                output[..input.len()].copy_from_slice(input);
                Ok(input.len())
            }
            Engine::Fft(e) => e.process(input, &mut output[..needed]),
        }
    }

    /// [`process`](Self::process) for a frame, checking its rate and channels first.
    pub fn process_frame(&mut self, frame: &AudioFrame, output: &mut [i16]) -> Result<usize> {
        if frame.sample_rate() != self.input_rate {
            return Err(FrameError::SampleRateMismatch {
                got: frame.sample_rate(),
                expected: self.input_rate,
            }
            .into());
        }
        if frame.channels() != self.channels {
            return Err(FrameError::ChannelMismatch {
                got: frame.channels(),
                expected: self.channels,
            }
            .into());
        }
        self.process(frame.samples(), output)
    }

    /// Exactly how many interleaved samples [`flush`](Self::flush) will write.
    pub fn flush_len(&self) -> usize {
        match &self.engine {
            Engine::Copy => 0,
            Engine::Fft(e) => e.flush_frames() * e.channels,
        }
    }

    /// The most interleaved samples [`flush`](Self::flush) can write, whatever input is
    /// waiting: size a buffer once with it.
    pub fn max_flush_len(&self) -> usize {
        match &self.engine {
            Engine::Copy => 0,
            Engine::Fft(e) => e.flush_frames_for(e.block_in - 1) * e.channels,
        }
    }

    /// Ends the stream: converts the input still waiting, padded with silence, and the
    /// filter's tail, writes them to the start of `output`, then [`reset`](Self::reset)s.
    ///
    /// Afterwards the output of the whole stream, without its first [`delay`](Self::delay)
    /// frames, holds `ceil(input frames * output_rate / input_rate)` frames. Fails without
    /// changing anything when `output` is shorter than [`flush_len`](Self::flush_len).
    pub fn flush(&mut self, output: &mut [i16]) -> Result<usize> {
        let needed = self.flush_len();
        check_capacity(needed, output.len())?;
        if let Engine::Fft(e) = &mut self.engine {
            e.flush(&mut output[..needed])?;
        }
        self.reset();
        Ok(needed)
    }

    /// Forgets waiting input and filter state, as after construction (for a discontinuity).
    pub fn reset(&mut self) {
        if let Engine::Fft(e) = &mut self.engine {
            e.fft.reset();
            e.filled = 0;
        }
    }
}

fn check_channels(channels: u16) -> Result<()> {
    if channels == 0 || channels > MAX_CHANNELS {
        return Err(DspError::UnsupportedChannels {
            stage: "the resampler",
            requested: channels,
            supported: "1 or 2",
        }
        .into());
    }
    Ok(())
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl FftEngine {
    /// An engine converting about `block_hint` input frames at a time.
    fn new(input_rate: u32, output_rate: u32, channels: u16, block_hint: usize) -> Result<Self> {
        let (rate_in, rate_out) = (input_rate as usize, output_rate as usize);
        let channels = usize::from(channels);
        let fft = Fft::<f32>::new_custom(
            rate_in,
            rate_out,
            block_hint,
            1,
            channels,
            // About 92 dB of stopband, past what 16-bit output can show, with a narrower
            // transition (so a wider passband) than BlackmanHarris2 at the same length.
            WindowFunction::BlackmanHarris,
            FixedSync::Both,
        )
        .map_err(backend)?;
        let block_in = fft.input_frames_next();
        let block_out = fft.output_frames_next();
        Ok(FftEngine {
            fft,
            channels,
            block_in,
            block_out,
            pending: vec![0.0; block_in * channels],
            filled: 0,
            converted: vec![0.0; block_out * channels],
        })
    }

    /// Blocks completed by `input_len` interleaved samples on top of `filled` frames.
    fn blocks_for(&self, filled: usize, input_len: usize) -> usize {
        (filled + input_len / self.channels) / self.block_in
    }

    /// Output frames that cover the waiting input and the filter delay.
    fn flush_frames(&self) -> usize {
        self.flush_frames_for(self.filled)
    }

    /// Output frames that cover `filled` waiting input frames and the filter delay.
    fn flush_frames_for(&self, filled: usize) -> usize {
        (filled * self.block_out).div_ceil(self.block_in) + self.fft.output_delay()
    }

    /// Converts `input`; `output` is exactly as long as what it produces.
    fn process(&mut self, mut input: &[i16], output: &mut [i16]) -> Result<usize> {
        let ch = self.channels;
        let block_len = self.block_out * ch;
        let mut written = 0;
        while !input.is_empty() {
            let take = ((self.block_in - self.filled) * ch).min(input.len());
            let (now, later) = input.split_at(take);
            let start = self.filled * ch;
            for (dst, &src) in self.pending[start..start + take].iter_mut().zip(now) {
                *dst = f32::from(src);
            }
            self.filled += take / ch;
            input = later;
            if self.filled == self.block_in {
                self.convert_block()?;
                to_i16(&self.converted, &mut output[written..written + block_len]);
                written += block_len;
            }
        }
        Ok(written)
    }

    /// Pads the waiting input with silence and fills `output` with what comes out.
    fn flush(&mut self, output: &mut [i16]) -> Result<()> {
        for chunk in output.chunks_mut(self.block_out * self.channels) {
            self.pending[self.filled * self.channels..].fill(0.0);
            self.filled = self.block_in;
            self.convert_block()?;
            to_i16(&self.converted, chunk);
        }
        Ok(())
    }

    /// Converts the full `pending` block into `converted` and empties `pending`.
    fn convert_block(&mut self) -> Result<()> {
        let input = InterleavedSlice::new(&self.pending[..], self.channels, self.block_in)
            .map_err(backend)?;
        let mut output =
            InterleavedSlice::new_mut(&mut self.converted[..], self.channels, self.block_out)
                .map_err(backend)?;
        self.fft
            .process_into_buffer(&input, &mut output, None)
            .map_err(backend)?;
        self.filled = 0;
        Ok(())
    }
}

/// Rounds to the nearest integer (halves away from zero) and saturates to the `i16` range.
fn to_i16(src: &[f32], dst: &mut [i16]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        // `as` truncates toward zero, saturates out-of-range floats and maps NaN to 0; adding
        // a signed half first makes it round. Faster than `f32::round`, a libm call on
        // baseline x86-64 and WASM.
        *d = (s + 0.5f32.copysign(s)) as i16;
    }
}

fn check_capacity(needed: usize, capacity: usize) -> Result<()> {
    if capacity < needed {
        return Err(DspError::OutputTooSmall { needed, capacity }.into());
    }
    Ok(())
}

fn backend(e: impl core::fmt::Display) -> crate::Error {
    DspError::Backend(e.to_string()).into()
}

#[cfg(test)]
mod tests;
