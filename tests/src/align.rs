//! Comparing audio that went through a real-time path with what was sent: the lag where
//! they match best and the normalized cross-correlation there.

/// Sum of squares.
pub fn energy(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum()
}

/// Normalized cross-correlation of `sent` with `received` shifted by `lag` samples
/// (`received[i + lag]` against `sent[i]`), over the whole of `sent`; samples the received
/// signal does not have count as silence.
pub fn correlation_at(sent: &[f64], received: &[f64], lag: isize) -> f64 {
    let (mut dot, mut sent_energy, mut received_energy) = (0.0, 0.0, 0.0);
    for (i, &x) in sent.iter().enumerate() {
        let j = i as isize + lag;
        let y = if j >= 0 && (j as usize) < received.len() {
            received[j as usize]
        } else {
            0.0
        };
        dot += x * y;
        sent_energy += x * x;
        received_energy += y * y;
    }
    if sent_energy == 0.0 || received_energy == 0.0 {
        0.0
    } else {
        dot / (sent_energy * received_energy).sqrt()
    }
}

/// The lag within `-max_lag..=max_lag` samples where `received` best matches `sent`, and the
/// correlation there.
///
/// A full search is slow in an unoptimized test build, so the lag is first found on 5 ms
/// (at 8 kHz) energy envelopes and then refined sample by sample around it.
pub fn best_alignment(sent: &[f64], received: &[f64], max_lag: usize) -> (isize, f64) {
    const BLOCK: usize = 40;
    let envelope = |x: &[f64]| -> Vec<f64> { x.chunks(BLOCK).map(|c| energy(c).sqrt()).collect() };
    let (sent_env, received_env) = (envelope(sent), envelope(received));
    let max_block_lag = (max_lag / BLOCK) as isize;
    let coarse = (-max_block_lag..=max_block_lag)
        .map(|lag| (lag, correlation_at(&sent_env, &received_env, lag)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(0, |(lag, _)| lag * BLOCK as isize);
    let span = 2 * BLOCK as isize;
    let limit = max_lag as isize;
    ((coarse - span).max(-limit)..=(coarse + span).min(limit))
        .map(|lag| (lag, correlation_at(sent, received, lag)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((0, 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_delayed_copy() {
        let sent: Vec<f64> = (0..4000).map(|i| ((i * i) % 97) as f64 - 48.0).collect();
        let mut received = vec![0.0; 123];
        received.extend(sent.iter().map(|v| v * 0.5));
        let (lag, c) = best_alignment(&sent, &received, 800);
        assert_eq!(lag, 123);
        assert!(c > 0.999, "{c}");
        assert!(correlation_at(&sent, &received, 0) < 0.5);
    }
}
