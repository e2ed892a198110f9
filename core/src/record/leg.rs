//! One leg of a recording: its audio downmixed to mono, resampled to the recording's rate
//! and placed on the media timeline at the position its `now` says.
//!
//! A leg plays a *stream*: a run of frames resampled without a break, starting at an output
//! position `origin`; its *cursor* is where the next input sample lands,
//! `origin + fed * out_rate / in_rate`. Each frame's position `p` (from its `now`) is
//! compared with the cursor, in output samples, against a tolerance of one frame or 20 ms,
//! whichever is larger:
//!
//! - ahead by more than the tolerance (loss, DTX): silence up to `p` first;
//! - behind by more than the tolerance (the leg ran ahead): the frame's first samples are
//!   dropped until it lines up;
//! - off by more than half the tolerance, the same way, three frames in a row: a shift, not
//!   jitter; corrected by the three frames' mean offset;
//! - otherwise the frame follows the last one seamlessly, and a slow average of the offset
//!   (1/32 per frame) tracks clock drift between the leg and the host: past a quarter of
//!   the tolerance it is corrected by that much silence or dropped audio.
//!
//! Output waits in a FIFO until the timeline commits it. Without a stream (before the first
//! frame, after a rate change, after the timeline forced silence on a late leg) the next
//! frame starts one at `p`, or at the FIFO's end if `p` is before it.

use std::collections::VecDeque;

use super::RecordError;
use crate::AudioFrame;
use crate::dsp::{Quality, Resampler, SUPPORTED_RATES};

/// Input samples converted per resampler call, so that scratch buffers have a fixed size.
const CHUNK_IN: usize = 960;

/// Silence to feed the resampler from.
static ZEROS: [i16; CHUNK_IN] = [0; CHUNK_IN];

/// Frames in a row off by more than half the tolerance that make a shift.
const SHIFT_FRAMES: u32 = 3;

/// Weight of each frame's offset in the drift average.
const DRIFT_WEIGHT: f64 = 1.0 / 32.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// No stream: the next frame starts one.
    Idle,
    Streaming,
    /// Hung up: silence from here on.
    Ended,
}

/// One leg's audio on the way to the recording; see the module docs.
#[derive(Debug)]
pub(crate) struct Leg {
    index: usize,
    state: State,
    out_rate: u32,
    /// Output not yet committed; its first sample is at the timeline's committed position.
    fifo: VecDeque<i16>,
    resampler: Option<Resampler>,
    in_rate: u32,
    origin: u64,
    fed: u64,
    /// Resampler output still to drop (its delay) at the start of a stream.
    discard: usize,
    /// The slow average of offsets, in output samples.
    drift: f64,
    /// Sign, count and sum of consecutive offsets past half the tolerance.
    shift: (i64, u32, i64),
    mono: Vec<i16>,
    out: Vec<i16>,
}

/// What a frame's offset from the cursor calls for.
enum Correction {
    None,
    /// Silence of this many output samples before the frame.
    Silence(u64),
    /// Drop this many output samples' worth from the start of the frame.
    Drop(u64),
}

impl Leg {
    /// Leg `index` of a recording at `out_rate` Hz; its FIFO holds `capacity` samples
    /// before it grows.
    pub(crate) fn new(index: usize, out_rate: u32, capacity: usize) -> Self {
        Leg {
            index,
            state: State::Idle,
            out_rate,
            fifo: VecDeque::with_capacity(capacity),
            resampler: None,
            in_rate: out_rate,
            origin: 0,
            fed: 0,
            discard: 0,
            drift: 0.0,
            shift: (0, 0, 0),
            mono: vec![0; CHUNK_IN],
            out: Vec::new(),
        }
    }

    /// Output samples waiting to be committed.
    pub(crate) fn buffered(&self) -> u64 {
        self.fifo.len() as u64
    }

    pub(crate) fn is_ended(&self) -> bool {
        self.state == State::Ended
    }

    /// Fails when the leg has ended or `frame`'s rate cannot be converted.
    pub(crate) fn check(&self, frame: &AudioFrame) -> Result<(), RecordError> {
        if self.state == State::Ended {
            return Err(RecordError::LegEnded { leg: self.index });
        }
        let rate = frame.sample_rate();
        if rate != self.out_rate && !SUPPORTED_RATES.contains(&rate) {
            return Err(RecordError::UnsupportedRate {
                leg: self.index,
                got: rate,
                output: self.out_rate,
                supported: "8000, 12000, 16000, 24000, 32000, 44100, 48000",
            });
        }
        Ok(())
    }

    /// Places `frame`, whose first sample plays at output position `p`; `committed` is the
    /// timeline's committed position (where the FIFO starts).
    pub(crate) fn write(
        &mut self,
        p: u64,
        frame: &AudioFrame,
        committed: u64,
    ) -> Result<(), RecordError> {
        self.check(frame)?;
        let rate = frame.sample_rate();
        if self.state == State::Streaming && rate != self.in_rate {
            self.close()?;
        }
        let n = frame.samples_per_channel();
        if n == 0 {
            return Ok(());
        }
        let frame_out = n as u64 * u64::from(self.out_rate) / u64::from(rate);
        let tolerance = frame_out.max(u64::from(self.out_rate) / 50);
        let mut skip = 0;
        if self.state == State::Idle {
            let end = committed + self.buffered();
            let start = if p >= end {
                self.fifo.extend(std::iter::repeat_n(0, (p - end) as usize));
                p
            } else {
                if end - p > tolerance {
                    skip = to_input(end - p, rate, self.out_rate);
                }
                end
            };
            self.start(rate, start)?;
        } else {
            let offset = p as i64 - self.cursor() as i64;
            match self.correction(offset, tolerance as i64) {
                Correction::None => {}
                Correction::Silence(k) => self.silence_to(self.cursor() + k)?,
                Correction::Drop(k) => skip = to_input(k, rate, self.out_rate),
            }
        }
        if skip < n {
            self.feed(frame, skip)?;
        }
        Ok(())
    }

    /// Decides what `offset` (frame position minus cursor) calls for; see the module docs.
    fn correction(&mut self, offset: i64, tolerance: i64) -> Correction {
        if offset.abs() > tolerance {
            self.reset_tracking();
            return by_sign(offset);
        }
        if offset.abs() > tolerance / 2 {
            let sign = offset.signum();
            self.shift = if self.shift.0 == sign {
                (sign, self.shift.1 + 1, self.shift.2 + offset)
            } else {
                (sign, 1, offset)
            };
            if self.shift.1 >= SHIFT_FRAMES {
                let mean = self.shift.2 / i64::from(self.shift.1);
                self.reset_tracking();
                return by_sign(mean);
            }
        } else {
            self.shift = (0, 0, 0);
        }
        self.drift += (offset as f64 - self.drift) * DRIFT_WEIGHT;
        if self.drift.abs() > (tolerance / 4) as f64 {
            let step = self.drift.round() as i64;
            self.drift -= step as f64;
            return by_sign(step);
        }
        Correction::None
    }

    fn reset_tracking(&mut self) {
        self.drift = 0.0;
        self.shift = (0, 0, 0);
    }

    /// Where the next input sample lands, in output samples.
    fn cursor(&self) -> u64 {
        let placed = u128::from(self.fed) * u128::from(self.out_rate) / u128::from(self.in_rate);
        self.origin + placed as u64
    }

    /// Starts a stream at output position `origin` for input at `rate`.
    fn start(&mut self, rate: u32, origin: u64) -> Result<(), RecordError> {
        match &mut self.resampler {
            Some(r) if r.input_rate() == rate => r.reset(),
            _ => {
                let r = Resampler::with_quality(rate, self.out_rate, 1, Quality::Wideband)
                    .map_err(resample_error)?;
                let scratch = r.max_output_len(CHUNK_IN).max(r.max_flush_len());
                if self.out.len() < scratch {
                    self.out.resize(scratch, 0);
                }
                self.resampler = Some(r);
            }
        }
        self.discard = self.resampler.as_ref().map_or(0, Resampler::delay);
        self.in_rate = rate;
        self.origin = origin;
        self.fed = 0;
        self.state = State::Streaming;
        self.reset_tracking();
        Ok(())
    }

    /// Feeds silence until the cursor reaches output position `to`.
    fn silence_to(&mut self, to: u64) -> Result<(), RecordError> {
        let span = u128::from(to.saturating_sub(self.origin)) * u128::from(self.in_rate);
        let needed = span.div_ceil(u128::from(self.out_rate)) as u64;
        let mut left = needed.saturating_sub(self.fed);
        while left > 0 {
            let n = (left as usize).min(CHUNK_IN);
            self.convert(&ZEROS[..n])?;
            left -= n as u64;
        }
        Ok(())
    }

    /// Feeds `frame` from sample `skip` on, downmixed to mono.
    fn feed(&mut self, frame: &AudioFrame, skip: usize) -> Result<(), RecordError> {
        let channels = usize::from(frame.channels());
        let samples = &frame.samples()[skip * channels..];
        for chunk in samples.chunks(CHUNK_IN * channels) {
            let n = chunk.len() / channels;
            let mut mono = std::mem::take(&mut self.mono);
            if channels == 1 {
                mono[..n].copy_from_slice(chunk);
            } else {
                for (dst, src) in mono.iter_mut().zip(chunk.chunks_exact(channels)) {
                    let sum: i32 = src.iter().map(|&s| i32::from(s)).sum();
                    *dst = (sum / channels as i32) as i16;
                }
            }
            let result = self.convert(&mono[..n]);
            self.mono = mono;
            result?;
        }
        Ok(())
    }

    /// Resamples mono `input` into the FIFO, dropping the resampler's delay.
    fn convert(&mut self, input: &[i16]) -> Result<(), RecordError> {
        let Some(resampler) = &mut self.resampler else {
            return Ok(());
        };
        let n = resampler
            .process(input, &mut self.out)
            .map_err(resample_error)?;
        self.fed += input.len() as u64;
        self.keep(n);
        Ok(())
    }

    /// Moves the first `n` samples of `out` to the FIFO, less what is still to discard.
    fn keep(&mut self, n: usize) {
        let dropped = self.discard.min(n);
        self.discard -= dropped;
        self.fifo.extend(&self.out[dropped..n]);
    }

    /// Ends the stream: the resampler's held input and tail go to the FIFO.
    pub(crate) fn close(&mut self) -> Result<(), RecordError> {
        if self.state != State::Streaming {
            return Ok(());
        }
        self.state = State::Idle;
        if let Some(resampler) = &mut self.resampler {
            let n = resampler.flush(&mut self.out).map_err(resample_error)?;
            self.keep(n);
        }
        Ok(())
    }

    /// Hangs up: what was sent stays, silence follows.
    pub(crate) fn end(&mut self) -> Result<(), RecordError> {
        let result = self.close();
        self.state = State::Ended;
        result
    }

    /// Keeps at most `len` uncommitted samples.
    pub(crate) fn truncate(&mut self, len: u64) {
        self.fifo
            .truncate(usize::try_from(len).unwrap_or(usize::MAX));
    }

    /// Fills `out` from the FIFO, with silence past its end.
    pub(crate) fn take(&mut self, out: &mut [i16]) {
        let n = out.len().min(self.fifo.len());
        for (dst, src) in out.iter_mut().zip(self.fifo.drain(..n)) {
            *dst = src;
        }
        out[n..].fill(0);
    }
}

fn by_sign(offset: i64) -> Correction {
    match offset {
        0 => Correction::None,
        o if o > 0 => Correction::Silence(o as u64),
        o => Correction::Drop(o.unsigned_abs()),
    }
}

/// Input samples at `in_rate` that make `out` output samples at `out_rate`.
fn to_input(out: u64, in_rate: u32, out_rate: u32) -> usize {
    let n = u128::from(out) * u128::from(in_rate) / u128::from(out_rate);
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn resample_error(e: crate::Error) -> RecordError {
    RecordError::Resample {
        message: e.to_string(),
    }
}
