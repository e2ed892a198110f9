//! Scoring for the receive-path benchmark: aligning played audio with the original, PESQ
//! through the workspace's Python venv, delay statistics, the targets, and the reports.

use std::time::Duration;

use mediacore::jitter::JitterStats;
use mediacore_tests::netsim::{NetStats, Trace};
use mediacore_tests::oracle::pesq_scores;
use serde_json::json;

use crate::speech::Program;

/// Envelope frames per second used to find how late each chunk plays.
const ENVELOPE_HZ: u32 = 250;
/// The longest lag searched for between the original and what was played.
const MAX_LAG: Duration = Duration::from_secs(2);
/// (a): the most mean added delay allowed, in ms.
const TARGET_A_DELAY_MS: f64 = 40.0;
/// (a): how far below the lossless path PESQ may be.
const TARGET_A_PESQ_GAP: f64 = 0.15;
/// (e): how far the added delay may move from the first minute's, in ms.
const TARGET_E_DRIFT_MS: f64 = 20.0;

/// Mean absolute level of every `hop` samples.
pub fn envelope(pcm: &[i16], hop: usize) -> Vec<f32> {
    pcm.chunks(hop)
        .map(|c| c.iter().map(|s| f32::from(*s).abs()).sum::<f32>() / c.len() as f32)
        .collect()
}

/// The lag in envelope frames, `0..=max_lag`, at which `degraded` best matches
/// `reference[start..end]` (normalised cross-correlation of the envelopes).
pub fn best_lag(
    reference: &[f32],
    degraded: &[f32],
    start: usize,
    end: usize,
    max_lag: usize,
) -> usize {
    let r = &reference[start..end.min(reference.len())];
    let mean = r.iter().sum::<f32>() / r.len().max(1) as f32;
    let r: Vec<f32> = r.iter().map(|x| x - mean).collect();
    let mut best = (f32::MIN, 0);
    for lag in 0..=max_lag {
        let (mut dot, mut energy) = (0f32, 1e-3f32);
        for (i, x) in r.iter().enumerate() {
            let d = degraded.get(start + lag + i).copied().unwrap_or(0.0);
            dot += x * d;
            energy += d * d;
        }
        let score = dot / energy.sqrt();
        if score > best.0 {
            best = (score, lag);
        }
    }
    best.1
}

/// `pcm[start..end]`, zero-padded past its end.
fn cut(pcm: &[i16], start: usize, end: usize) -> Vec<i16> {
    let mut out: Vec<i16> = pcm[start.min(pcm.len())..end.min(pcm.len())].to_vec();
    out.resize(end - start, 0);
    out
}

/// PESQ of each played signal (adaptive, fixed, lossless) against the program: the mean,
/// and each chunk's score.
///
/// Every sentence of the played audio is found where its envelope matches the original
/// best, and each chunk of the played audio runs from where its first sentence starts to
/// where its last one ends: the buffer's delay, and its changes from sentence to sentence,
/// do not count against it (PESQ aligns each utterance itself).
pub fn score(rate: u32, program: &Program, played: [&[i16]; 3]) -> Scores {
    let hop = (rate / ENVELOPE_HZ) as usize;
    let max_lag = (MAX_LAG.as_secs_f64() * f64::from(ENVELOPE_HZ)) as usize;
    let reference_env = envelope(&program.pcm, hop);
    let chunks = program.chunks();
    let mut pairs = Vec::new();
    let mut sentence_lags = Vec::new();
    for signal in played {
        let env = envelope(signal, hop);
        let lags: Vec<usize> = program
            .cuts
            .windows(2)
            .map(|span| best_lag(&reference_env, &env, span[0] / hop, span[1] / hop, max_lag) * hop)
            .collect();
        for &(start, end) in &chunks {
            let first = program.cuts.partition_point(|&c| c < start);
            let last = program.cuts.partition_point(|&c| c < end) - 1;
            let from = start + lags[first];
            let to = (end + lags[last]).max(from + hop);
            pairs.push((program.pcm[start..end].to_vec(), cut(signal, from, to)));
        }
        sentence_lags.push(
            lags.iter()
                .map(|l| (l * 1000) as f64 / f64::from(rate))
                .collect(),
        );
    }
    let scores = pesq_scores(rate, &pairs);
    let n = chunks.len();
    let means = [0, 1, 2].map(|i| mean(&scores[i * n..(i + 1) * n]));
    let per_chunk = (0..n)
        .map(|c| [scores[c], scores[n + c], scores[2 * n + c]])
        .collect();
    Scores {
        means,
        per_chunk,
        sentence_lags,
    }
}

/// What [`score`] found: adaptive, fixed, lossless.
pub struct Scores {
    pub means: [f64; 3],
    pub per_chunk: Vec<[f64; 3]>,
    /// How late each sentence played against the original, in ms, for each signal.
    pub sentence_lags: Vec<Vec<f64>>,
}

/// Mean of the finite values (PESQ reports no score for a chunk it finds no speech in).
fn mean(values: &[f64]) -> f64 {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    finite.iter().sum::<f64>() / finite.len().max(1) as f64
}

/// The added delay of one run, in ms.
#[derive(Debug, Clone, Default)]
pub struct DelaySummary {
    pub mean: f64,
    pub p95: f64,
    pub max: f64,
    /// Mean over the first, middle and last minute of playout (of the whole run when it
    /// is shorter than three minutes: then they overlap).
    pub start: f64,
    pub middle: f64,
    pub end: f64,
    /// Mean of each 10 s of playout.
    pub windows: Vec<f64>,
}

impl DelaySummary {
    /// From `(pull index, delay in ms)` samples of pulls of `frame` samples at `rate`.
    pub fn new(delays: &[(usize, f64)], frame: usize, rate: u32) -> Self {
        if delays.is_empty() {
            return DelaySummary::default();
        }
        let values: Vec<f64> = delays.iter().map(|(_, d)| *d).collect();
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let p95 = sorted[((sorted.len() - 1) as f64 * 0.95).round() as usize];
        let pulls_per_s = rate as usize / frame;
        let first = delays[0].0;
        let last = delays[delays.len() - 1].0;
        let window_mean = |from: usize, to: usize| {
            mean(
                &delays
                    .iter()
                    .filter(|(p, _)| (from..to).contains(p))
                    .map(|(_, d)| *d)
                    .collect::<Vec<_>>(),
            )
        };
        let minute = 60 * pulls_per_s;
        let middle = (first + last) / 2;
        let windows = (first..=last)
            .step_by(10 * pulls_per_s)
            .map(|w| window_mean(w, w + 10 * pulls_per_s))
            .collect();
        DelaySummary {
            mean: mean(&values),
            p95,
            max: sorted[sorted.len() - 1],
            start: window_mean(first, first + minute),
            middle: window_mean(middle.saturating_sub(minute / 2), middle + minute / 2),
            end: window_mean((last + 1).saturating_sub(minute), last + 1),
            windows,
        }
    }

    /// Whether the delay stayed bounded: no 10 s window's mean, nor the last minute's, is
    /// more than [`TARGET_E_DRIFT_MS`] away from the first minute's (after the first 10 s,
    /// while the buffer settles).
    pub fn bounded(&self) -> bool {
        (self.end - self.start).abs() <= TARGET_E_DRIFT_MS
            && self
                .windows
                .iter()
                .skip(1)
                .filter(|w| w.is_finite())
                .all(|w| (w - self.start).abs() <= TARGET_E_DRIFT_MS)
    }
}

/// Which of the targets a row meets; `None` where a target does not apply.
#[derive(Debug, Clone, Copy, Default)]
pub struct Targets {
    pub beats_fixed: bool,
    pub a_delay: Option<bool>,
    pub a_pesq: Option<bool>,
    pub e_bounded: Option<bool>,
}

impl Targets {
    pub fn all_met(&self) -> bool {
        self.beats_fixed
            && self.a_delay != Some(false)
            && self.a_pesq != Some(false)
            && self.e_bounded != Some(false)
    }

    fn describe(&self) -> String {
        let mut failed = Vec::new();
        if !self.beats_fixed {
            failed.push("PESQ not above fixed");
        }
        if self.a_delay == Some(false) {
            failed.push("mean delay > 40 ms");
        }
        if self.a_pesq == Some(false) {
            failed.push("PESQ > 0.15 below lossless");
        }
        if self.e_bounded == Some(false) {
            failed.push("delay not bounded");
        }
        if failed.is_empty() {
            "yes".to_owned()
        } else {
            format!("**no**: {}", failed.join("; "))
        }
    }
}

/// One trace and codec: `[adaptive, fixed]` where two values are given.
pub struct Row {
    pub trace: Trace,
    pub codec: &'static str,
    pub seconds: u64,
    /// Adaptive, fixed, lossless.
    pub pesq: [f64; 3],
    /// Each chunk's PESQ, and how late each sentence played.
    pub scores: Scores,
    pub delay: [DelaySummary; 2],
    pub concealed_pct: [f64; 2],
    pub late_pct: [f64; 2],
    pub stats: [JitterStats; 2],
    pub net: NetStats,
    pub targets: Targets,
}

impl Row {
    /// The row with its targets checked.
    pub fn judged(mut self) -> Self {
        let is_a = self.trace == Trace::Jitter;
        self.targets = Targets {
            beats_fixed: self.pesq[0] > self.pesq[1],
            a_delay: is_a.then(|| self.delay[0].mean <= TARGET_A_DELAY_MS),
            a_pesq: is_a.then(|| self.pesq[0] >= self.pesq[2] - TARGET_A_PESQ_GAP),
            e_bounded: (self.trace == Trace::Drift).then(|| self.delay[0].bounded()),
        };
        self
    }
}

/// The markdown report: the main table, and the drift trace's delay over time.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| trace | codec | PESQ adaptive | PESQ fixed 60 ms | PESQ lossless | added delay adaptive, mean / p95 (ms) | added delay fixed, mean / p95 (ms) | concealed % adaptive / fixed | late % adaptive / fixed | targets met |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {:.3} | {:.3} | {:.3} | {:.1} / {:.1} | {:.1} / {:.1} | {:.2} / {:.2} | {:.2} / {:.2} | {} |\n",
            r.trace.name(),
            r.codec,
            r.pesq[0],
            r.pesq[1],
            r.pesq[2],
            r.delay[0].mean,
            r.delay[0].p95,
            r.delay[1].mean,
            r.delay[1].p95,
            r.concealed_pct[0],
            r.concealed_pct[1],
            r.late_pct[0],
            r.late_pct[1],
            r.targets.describe(),
        ));
    }
    let drift: Vec<&Row> = rows.iter().filter(|r| r.trace == Trace::Drift).collect();
    if !drift.is_empty() {
        out.push_str(
            "\nAdded delay over the drift trace (ms; mean of the first, middle and last minute, and the largest single value):\n\n\
             | codec | buffer | start | middle | end | max |\n|---|---|---|---|---|---|\n",
        );
        for r in drift {
            for (name, d) in ["adaptive", "fixed 60 ms"].iter().zip(&r.delay) {
                out.push_str(&format!(
                    "| {} | {} | {:.1} | {:.1} | {:.1} | {:.1} |\n",
                    r.codec, name, d.start, d.middle, d.end, d.max
                ));
            }
        }
    }
    out
}

/// Everything measured, as JSON.
pub fn json(rows: &[Row], quick: bool, runtime: Duration) -> String {
    let delay = |d: &DelaySummary| {
        json!({
            "mean_ms": d.mean, "p95_ms": d.p95, "max_ms": d.max,
            "first_minute_ms": d.start, "middle_minute_ms": d.middle, "last_minute_ms": d.end,
            "windows_10s_ms": d.windows,
        })
    };
    let stats = |s: &JitterStats| {
        s.fields()
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect::<serde_json::Map<_, _>>()
    };
    let rows: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({
                "trace": r.trace.name(),
                "codec": r.codec,
                "media_seconds": r.seconds,
                "pesq_per_chunk": r.scores.per_chunk,
                "sentence_lag_ms": {
                    "adaptive": r.scores.sentence_lags[0],
                    "fixed_60ms": r.scores.sentence_lags[1],
                    "lossless": r.scores.sentence_lags[2],
                },
                "pesq": { "adaptive": r.pesq[0], "fixed_60ms": r.pesq[1], "lossless": r.pesq[2] },
                "added_delay": { "adaptive": delay(&r.delay[0]), "fixed_60ms": delay(&r.delay[1]) },
                "concealed_pct": { "adaptive": r.concealed_pct[0], "fixed_60ms": r.concealed_pct[1] },
                "late_pct": { "adaptive": r.late_pct[0], "fixed_60ms": r.late_pct[1] },
                "jitter_stats": { "adaptive": stats(&r.stats[0]), "fixed_60ms": stats(&r.stats[1]) },
                "network": {
                    "sent": r.net.sent, "lost": r.net.lost, "reordered": r.net.reordered,
                    "spiked": r.net.spiked, "duplicated": r.net.duplicated,
                },
                "targets": {
                    "pesq_above_fixed": r.targets.beats_fixed,
                    "a_mean_delay_le_40ms": r.targets.a_delay,
                    "a_pesq_within_0_15_of_lossless": r.targets.a_pesq,
                    "e_delay_bounded": r.targets.e_bounded,
                    "all_met": r.targets.all_met(),
                },
            })
        })
        .collect();
    let doc = json!({
        "quick": quick,
        "runtime_s": runtime.as_secs_f64(),
        "rows": rows,
    });
    serde_json::to_string_pretty(&doc).expect("JSON")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speech::group_cuts;

    #[test]
    fn finds_the_lag_of_a_delayed_copy() {
        let reference: Vec<i16> = (0..8000)
            .map(|i| {
                if (i / 700) % 3 == 0 {
                    ((i * 37) % 2000) as i16
                } else {
                    0
                }
            })
            .collect();
        let mut played = vec![0i16; 14 * 32];
        played.extend_from_slice(&reference);
        let (r, p) = (envelope(&reference, 32), envelope(&played, 32));
        assert_eq!(best_lag(&r, &p, 20, 200, 60), 14);
    }

    #[test]
    fn groups_sentences_into_chunks_at_pauses() {
        assert_eq!(
            group_cuts(&[0, 4, 9, 12, 30, 33], 10),
            vec![(0, 9), (9, 12), (12, 30), (30, 33)]
        );
        assert!(group_cuts(&[0], 10).is_empty());
    }

    #[test]
    fn delay_summary_and_bound() {
        // 50 pulls a second for 3 minutes at a steady 30 ms, then creeping up.
        let steady: Vec<(usize, f64)> = (0..9000).map(|p| (p, 30.0)).collect();
        let summary = DelaySummary::new(&steady, 160, 8000);
        assert_eq!(
            (summary.mean, summary.p95, summary.start),
            (30.0, 30.0, 30.0)
        );
        assert!(summary.bounded());
        let creeping: Vec<(usize, f64)> = (0..9000).map(|p| (p, 30.0 + p as f64 / 200.0)).collect();
        assert!(!DelaySummary::new(&creeping, 160, 8000).bounded());
    }
}
