//! Waveform packet loss concealment in the manner of ITU-T G.711 Appendix I, for codecs
//! without a concealment of their own (G.711, G.722, L16).
//!
//! While audio arrives, [`WaveformPlc::receive`] keeps the last 48.75 ms of it. When a
//! packet is lost, [`WaveformPlc::conceal`] estimates the pitch period of that history by
//! normalised autocorrelation and repeats the last period, overlap-adding a quarter period
//! where the copy wraps around; after 10 ms it repeats the last two periods and after 20 ms
//! the last three, which sounds less buzzy. The output keeps full level for 10 ms, then
//! loses 20% of it per 10 ms and is silent from 60 ms on. The first good audio after a
//! loss is cross-faded with the continued concealment ([`WaveformPlc::receive`] does it in
//! place), over a quarter period plus 1 ms per 10 ms lost (Appendix I: 4 ms), at most 10 ms.
//!
//! Unlike Appendix I this stage adds no delay: audio already handed on cannot be changed,
//! so the start of the concealment is shifted to join the last sample played and the shift
//! is faded out over a quarter period.

use crate::error::{DspError, Error, Result};

/// G.711 Appendix I: the shortest pitch period searched, 5 ms (40 samples at 8 kHz).
const PITCH_MIN_MS: usize = 5;
/// G.711 Appendix I: the longest pitch period searched, 15 ms (120 samples at 8 kHz).
const PITCH_MAX_MS: usize = 15;
/// G.711 Appendix I: the autocorrelation window, 20 ms (160 samples at 8 kHz).
const CORRELATION_MS: usize = 20;
/// G.711 Appendix I: concealment keeps full level for the first 10 ms of a loss.
const FULL_LEVEL_MS: usize = 10;
/// G.711 Appendix I: after that the level falls by 20% per 10 ms...
const ATTENUATION_PER_10_MS: f32 = 0.2;
/// ...so that from 60 ms on the output is silence.
const SILENCE_MS: usize = 60;
/// G.711 Appendix I: one more pitch period is repeated every 10 ms, up to three.
const MAX_PERIODS: usize = 3;
/// The merge after a loss lasts a quarter period plus 1 ms per 10 ms lost... Appendix I
/// says 4 ms, for its 10 ms frames; with 20 ms packets the longer merge mixes in more of a
/// continuation that has drifted and faded, and measured worse (PESQ of PCMU at 10% loss
/// 2.640 against 2.694 with an earlier pitch search, `tests/tests/plc_quality.rs`).
const MERGE_MS_PER_10_MS: usize = 1;
/// ...and at most 10 ms (Appendix I).
const MERGE_MAX_MS: usize = 10;
/// The longest single concealment call, as for the longest Opus packet (RFC 6716 §3.2.5).
pub const MAX_CONCEAL_MS: usize = 120;
/// The sample rates the stage runs at.
pub const RATES: core::ops::RangeInclusive<u32> = 8000..=48_000;

/// Pitch-repetition concealment of lost audio with a history sized at construction.
///
/// Interleaved `i16` in and out, 1 or 2 channels at 8 to 48 kHz. One pitch is estimated on
/// the sum of the channels and each channel repeats its own waveform with it. Nothing is
/// allocated after [`WaveformPlc::new`].
///
/// ```
/// use mediacore::dsp::WaveformPlc;
///
/// let mut plc = WaveformPlc::new(8000, 1)?;
/// let mut packet = [0i16; 160];
/// plc.receive(&mut packet)?; // every packet decoded (changed in place after a loss)
/// let mut lost = [0i16; 160];
/// assert_eq!(plc.conceal(160, &mut lost)?, 160); // in place of a lost one
/// # Ok::<(), mediacore::Error>(())
/// ```
#[derive(Clone)]
pub struct WaveformPlc {
    sample_rate: u32,
    channels: usize,
    pitch_min: usize,
    pitch_max: usize,
    correlation_len: usize,
    ten_ms: usize,
    /// 1 / `ten_ms`.
    per_ten_ms: f32,
    /// Samples of full level, and samples until silence, at the start of a loss.
    full_level_len: usize,
    silence_len: usize,
    /// The last audio played, interleaved, newest last: 3 longest periods plus a quarter.
    history: Vec<i16>,
    /// Where the oldest sample of the history ring is (and the next one is written): the
    /// ring saves moving the whole history at every frame.
    history_at: usize,
    /// The history as it was when the current loss began.
    source: Vec<f32>,
    /// The channel sum of the history, for the pitch search.
    mono: Vec<f32>,
    /// `mono` in sums of `coarse_step` samples (0.25 ms), ending with its last.
    coarse: Vec<f32>,
    coarse_step: usize,
    /// The start shift of each channel (see the module docs).
    offset: Vec<f32>,
    loss: Option<Loss>,
}

/// Where a loss stands.
#[derive(Debug, Clone, Copy)]
struct Loss {
    /// Samples per channel concealed so far.
    elapsed: usize,
    pitch: usize,
    /// The overlap-add length: a quarter pitch period.
    overlap: usize,
    /// How many of the last pitch periods are repeated.
    periods: usize,
    /// The read position in those periods.
    pos: usize,
    /// While the number of periods grows: the previous count and read position, and how
    /// far the cross-fade from them has got.
    fade: Option<(usize, usize, usize)>,
}

impl core::fmt::Debug for WaveformPlc {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WaveformPlc")
            .field("sample_rate", &self.sample_rate)
            .field("channels", &self.channels)
            .field("loss", &self.loss)
            .finish_non_exhaustive()
    }
}

impl WaveformPlc {
    /// A concealer for `channels` (1 or 2) interleaved channels at `sample_rate` Hz (8000
    /// to 48000), with silence as its history.
    pub fn new(sample_rate: u32, channels: u16) -> Result<Self> {
        if !RATES.contains(&sample_rate) {
            return Err(Error::InvalidArgument(format!(
                "waveform concealment runs at 8000 to 48000 Hz; got {sample_rate} Hz"
            )));
        }
        if !(1..=2).contains(&channels) {
            return Err(DspError::UnsupportedChannels {
                stage: "waveform concealment",
                requested: channels,
                supported: "1 or 2",
            }
            .into());
        }
        let per_ms = |ms: usize| sample_rate as usize * ms / 1000;
        let pitch_max = per_ms(PITCH_MAX_MS);
        let frames = MAX_PERIODS * pitch_max + pitch_max / 4;
        let channels = usize::from(channels);
        let coarse_step = (sample_rate as usize / 4000).max(1);
        Ok(WaveformPlc {
            sample_rate,
            channels,
            pitch_min: per_ms(PITCH_MIN_MS),
            pitch_max,
            correlation_len: per_ms(CORRELATION_MS),
            ten_ms: per_ms(10),
            per_ten_ms: 1.0 / per_ms(10) as f32,
            full_level_len: per_ms(FULL_LEVEL_MS),
            silence_len: per_ms(SILENCE_MS),
            history: vec![0; frames * channels],
            history_at: 0,
            source: vec![0.0; frames * channels],
            mono: vec![0.0; frames],
            coarse: vec![0.0; frames / coarse_step],
            coarse_step,
            offset: vec![0.0; channels],
            loss: None,
        })
    }

    /// The sample rate in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The number of interleaved channels.
    pub fn channels(&self) -> u16 {
        self.channels as u16
    }

    /// Samples per channel concealed since the last good audio, 0 outside a loss.
    pub fn concealed(&self) -> usize {
        self.loss.map_or(0, |l| l.elapsed)
    }

    /// Copies the last `out.len()` samples played (received and concealed; interleaved,
    /// oldest first) into `out`; at most the history's 48.75 ms, the rest of a longer `out`
    /// is left alone. Returns the samples copied.
    pub fn history_tail(&self, out: &mut [i16]) -> usize {
        let n = out.len().min(self.history.len());
        for (o, &h) in out
            .iter_mut()
            .zip(self.history_oldest_first().skip(self.history.len() - n))
        {
            *o = h;
        }
        n
    }

    fn history_oldest_first(&self) -> impl Iterator<Item = &i16> + '_ {
        let (newer, older) = self.history.split_at(self.history_at);
        older.iter().chain(newer)
    }

    /// Forgets the history and any loss in progress, as at construction.
    pub fn reset(&mut self) {
        self.history.fill(0);
        self.history_at = 0;
        self.loss = None;
    }

    /// Takes good audio (interleaved): after a loss, cross-fades its start with the
    /// continued concealment in place; then remembers it as history.
    pub fn receive(&mut self, pcm: &mut [i16]) -> Result<()> {
        crate::frame::check_interleaved(pcm.len(), self.channels as u16)?;
        let frames = pcm.len() / self.channels;
        if frames == 0 {
            return Ok(());
        }
        if let Some(mut loss) = self.loss.take() {
            let lost_units = loss.elapsed.div_ceil(self.ten_ms);
            let len = (loss.overlap + lost_units * MERGE_MS_PER_10_MS * self.ten_ms / 10)
                .min(MERGE_MAX_MS * self.ten_ms / 10)
                .min(frames);
            let mut y = [0f32; 2];
            for (i, frame) in pcm.chunks_exact_mut(self.channels).take(len).enumerate() {
                self.synthesise(&mut loss, &mut y);
                let w = (i + 1) as f32 / (len + 1) as f32;
                for (s, &v) in frame.iter_mut().zip(&y) {
                    *s = to_i16(v * (1.0 - w) + f32::from(*s) * w);
                }
            }
        }
        self.remember(pcm);
        Ok(())
    }

    /// Writes `samples_per_channel` samples of concealment per channel (1 to 120 ms) to
    /// `out` and returns the interleaved count. A bad duration or a short `out` is an
    /// error that changes nothing.
    pub fn conceal(&mut self, samples_per_channel: usize, out: &mut [i16]) -> Result<usize> {
        let max = self.sample_rate as usize * MAX_CONCEAL_MS / 1000;
        if samples_per_channel == 0 || samples_per_channel > max {
            return Err(Error::InvalidArgument(format!(
                "loss concealment covers 1 to {max} samples per channel ({MAX_CONCEAL_MS} ms \
                 at {} Hz); got {samples_per_channel}",
                self.sample_rate
            )));
        }
        let needed = samples_per_channel * self.channels;
        if out.len() < needed {
            return Err(DspError::OutputTooSmall {
                needed,
                capacity: out.len(),
            }
            .into());
        }
        let mut loss = match self.loss {
            Some(loss) => loss,
            None => self.begin_loss(),
        };
        let out = &mut out[..needed];
        if loss.elapsed >= self.silence_len {
            out.fill(0);
            loss.elapsed = loss.elapsed.saturating_add(samples_per_channel);
        } else {
            let mut y = [0f32; 2];
            for frame in out.chunks_exact_mut(self.channels) {
                self.synthesise(&mut loss, &mut y);
                for (s, &v) in frame.iter_mut().zip(&y) {
                    *s = to_i16(v);
                }
            }
        }
        self.loss = Some(loss);
        self.remember(out);
        Ok(needed)
    }

    /// Appends played audio to the history, dropping the oldest.
    fn remember(&mut self, pcm: &[i16]) {
        let len = self.history.len();
        if pcm.len() >= len {
            self.history.copy_from_slice(&pcm[pcm.len() - len..]);
            self.history_at = 0;
            return;
        }
        // Both lengths are whole frames, so the ring position stays on a frame boundary.
        let at = self.history_at;
        let first = pcm.len().min(len - at);
        self.history[at..at + first].copy_from_slice(&pcm[..first]);
        self.history[..pcm.len() - first].copy_from_slice(&pcm[first..]);
        self.history_at = (at + pcm.len()) % len;
    }

    /// Snapshots the history, finds its pitch and sets up the repetition.
    fn begin_loss(&mut self) -> Loss {
        let c = self.channels;
        let (newer, older) = self.history.split_at(self.history_at);
        for (s, &h) in self.source.iter_mut().zip(older.iter().chain(newer)) {
            *s = f32::from(h);
        }
        for (m, frame) in self.mono.iter_mut().zip(self.source.chunks_exact(c)) {
            *m = frame.iter().sum();
        }
        let pitch = self.estimate_pitch();
        let n = self.mono.len();
        // Shift the repetition, which starts at the sample one period back, so that the
        // sample before it coincides with the last sample played.
        for (ch, offset) in self.offset.iter_mut().enumerate() {
            *offset = self.source[(n - 1) * c + ch] - self.source[(n - 1 - pitch) * c + ch];
        }
        Loss {
            elapsed: 0,
            pitch,
            overlap: (pitch / 4).max(1),
            periods: 1,
            pos: 0,
            fade: None,
        }
    }

    /// The lag in `pitch_min..=pitch_max` with the highest normalised autocorrelation of
    /// the last 20 ms against the history before it: first on a 0.25 ms grid over the
    /// signal summed in 0.25 ms blocks, then sample by sample around the best lag.
    fn estimate_pitch(&mut self) -> usize {
        let step = self.coarse_step;
        let n = self.mono.len();
        // Sums of `step` samples: a box filter against aliasing, then decimation.
        for (j, c) in self.coarse.iter_mut().rev().enumerate() {
            let end = n - j * step;
            *c = self.mono[end - step..end].iter().sum();
        }
        let m = self.coarse.len();
        let window = self.correlation_len / step;
        let recent = &self.coarse[m - window..];
        let mut best = (self.pitch_min, f32::MIN);
        for lag in self.pitch_min.div_ceil(step)..=self.pitch_max / step {
            let score = normalised_correlation(recent, &self.coarse[m - window - lag..m - lag]);
            if score > best.1 {
                best = (lag * step, score);
            }
        }
        let low = best.0.saturating_sub(step - 1).max(self.pitch_min);
        let high = (best.0 + step - 1).min(self.pitch_max);
        let recent = &self.mono[n - self.correlation_len..];
        let mut fine = (best.0, f32::MIN);
        for lag in low..=high {
            let earlier = &self.mono[n - self.correlation_len - lag..n - lag];
            let score = normalised_correlation(recent, earlier);
            if score > fine.1 {
                fine = (lag, score);
            }
        }
        fine.0
    }

    /// The repeated waveform of channel `ch`: position `pos` of the last `periods` periods
    /// of the source, whose last quarter period is cross-faded into the quarter period
    /// before them so that the end joins the start.
    fn cycle(&self, loss: &Loss, periods: usize, pos: usize, ch: usize) -> f32 {
        let c = self.channels;
        let len = periods * loss.pitch;
        let index = self.mono.len() - len + pos;
        let value = self.source[index * c + ch];
        let blend_from = len - loss.overlap;
        if pos < blend_from {
            return value;
        }
        let w = (pos - blend_from + 1) as f32 / (loss.overlap + 1) as f32;
        value * (1.0 - w) + self.source[(index - len) * c + ch] * w
    }

    /// The level at `elapsed` samples into a loss: 1 for 10 ms, then 20% less per 10 ms.
    fn gain(&self, elapsed: usize) -> f32 {
        if elapsed < self.full_level_len {
            1.0
        } else if elapsed >= self.silence_len {
            0.0
        } else {
            let over = (elapsed - self.full_level_len) as f32 * self.per_ten_ms;
            (1.0 - ATTENUATION_PER_10_MS * over).max(0.0)
        }
    }

    /// The next sample of each channel of the concealment into `y`; advances `loss`.
    fn synthesise(&self, loss: &mut Loss, y: &mut [f32; 2]) {
        let gain = self.gain(loss.elapsed);
        if gain == 0.0 {
            *y = [0.0; 2];
            loss.elapsed = loss.elapsed.saturating_add(1);
            return;
        }
        if loss.elapsed > 0
            && loss.elapsed.is_multiple_of(self.ten_ms)
            && loss.periods < MAX_PERIODS
        {
            // The same phase one period further back in the longer stretch.
            loss.fade = Some((loss.periods, loss.pos, 0));
            loss.periods += 1;
        }
        for (ch, out) in y.iter_mut().enumerate().take(self.channels) {
            let mut v = self.cycle(loss, loss.periods, loss.pos, ch);
            if let Some((periods, pos, done)) = loss.fade {
                let w = (done + 1) as f32 / (loss.overlap + 1) as f32;
                v = v * w + self.cycle(loss, periods, pos, ch) * (1.0 - w);
            }
            if loss.elapsed < loss.overlap {
                let w = 1.0 - (loss.elapsed + 1) as f32 / (loss.overlap + 1) as f32;
                v += self.offset[ch] * w;
            }
            *out = v * gain;
        }
        loss.pos = (loss.pos + 1) % (loss.periods * loss.pitch);
        if let Some((periods, pos, done)) = loss.fade {
            loss.fade = (done + 1 < loss.overlap)
                .then(|| (periods, (pos + 1) % (periods * loss.pitch), done + 1));
        }
        loss.elapsed += 1;
    }
}

/// The correlation of `recent` with `earlier` divided by the root energy of `earlier`,
/// summed in eight lanes so that it vectorises.
fn normalised_correlation(recent: &[f32], earlier: &[f32]) -> f32 {
    let (mut cross, mut energy) = ([0f32; 8], [0f32; 8]);
    let (a, b) = (recent.chunks_exact(8), earlier.chunks_exact(8));
    let (rest_a, rest_b) = (a.remainder(), b.remainder());
    for (x, y) in a.zip(b) {
        // Both chunks hold exactly 8 (chunks_exact); as arrays the lanes need no checks.
        let (Ok(x), Ok(y)) = (<&[f32; 8]>::try_from(x), <&[f32; 8]>::try_from(y)) else {
            continue;
        };
        for k in 0..8 {
            cross[k] += x[k] * y[k];
            energy[k] += y[k] * y[k];
        }
    }
    let mut c: f32 = cross.iter().sum();
    let mut e: f32 = energy.iter().sum();
    for (x, y) in rest_a.iter().zip(rest_b) {
        c += x * y;
        e += y * y;
    }
    if e > 0.0 { c / e.sqrt() } else { 0.0 }
}

/// Rounds and saturates to 16 bits.
fn to_i16(v: f32) -> i16 {
    v.round().clamp(-32768.0, 32767.0) as i16
}

/// A codec's [`crate::codec::Decoder::conceal`] through `plc`: the errors in the codec's
/// terms, and [`CodecError::Unsupported`](crate::CodecError::Unsupported) when the decoder
/// was built without one (an unchecked configuration the stage does not run at).
pub(crate) fn conceal_for(
    plc: Option<&mut WaveformPlc>,
    codec: &'static str,
    samples_per_channel: usize,
    out: &mut [i16],
) -> Result<usize> {
    let Some(plc) = plc else {
        return Err(crate::CodecError::Unsupported {
            codec,
            operation: "loss concealment",
        }
        .into());
    };
    plc.conceal(samples_per_channel, out).map_err(|e| match e {
        Error::Dsp(DspError::OutputTooSmall { needed, capacity }) => {
            crate::CodecError::OutputTooSmall { needed, capacity }.into()
        }
        Error::InvalidArgument(reason) => Error::InvalidArgument(format!("{codec}: {reason}")),
        other => other,
    })
}

#[cfg(test)]
mod tests;
