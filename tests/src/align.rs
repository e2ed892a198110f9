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

/// The correlation below which [`median_piece_correlation`] searches a piece anew.
pub const RELOCK: f64 = 0.5;

/// The median, over `sent`'s voiced pieces of `piece` samples, of each piece's best
/// correlation with `received`, for audio that crossed a real-time path which may leave
/// short gaps (a media shard that fell behind skips frames, and what follows arrives a little
/// later). The first voiced piece searches every lag from 0 (found as in
/// [`best_alignment`]); each later one searches within `drift` samples of where the piece
/// before put the signal, and searches every lag again when that finds no match (below
/// [`RELOCK`]): one piece locked onto the wrong place must not mislead all that follow.
pub fn median_piece_correlation(sent: &[f64], received: &[f64], piece: usize, drift: usize) -> f64 {
    let loudest = sent.chunks_exact(piece).map(energy).fold(0.0, f64::max);
    let mut lag_so_far: Option<isize> = None;
    let mut best_of_pieces = Vec::new();
    for (k, chunk) in sent.chunks_exact(piece).enumerate() {
        // A pause in the speech says nothing about alignment.
        if energy(chunk) < loudest * 1e-3 {
            continue;
        }
        let start = (k * piece) as isize;
        let search_all = || {
            let (lag, _) = best_alignment(
                chunk,
                &received[(k * piece).min(received.len())..],
                received.len(),
            );
            let lag = lag + start;
            (lag, correlation_at(chunk, received, lag))
        };
        let (lag, best) = match lag_so_far {
            None => search_all(),
            Some(lag) => {
                let at = start + lag;
                let near = (at - drift as isize..=at + drift as isize)
                    .map(|l| (l, correlation_at(chunk, received, l)))
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .unwrap_or((at, 0.0));
                if near.1 >= RELOCK {
                    near
                } else {
                    let anywhere = search_all();
                    if anywhere.1 > near.1 { anywhere } else { near }
                }
            }
        };
        lag_so_far = Some(lag - start);
        best_of_pieces.push(best);
    }
    if best_of_pieces.is_empty() {
        return 0.0;
    }
    best_of_pieces.sort_by(f64::total_cmp);
    best_of_pieces[best_of_pieces.len() / 2]
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

    /// Noise from a linear congruential generator.
    fn noise(seed: u32, len: usize) -> Vec<f64> {
        let mut state = seed;
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                f64::from((state >> 16) as u16 as i16)
            })
            .collect()
    }

    #[test]
    fn pieces_follow_a_signal_with_a_gap() {
        // Noise, louder and quieter by turns.
        let sent: Vec<f64> = noise(12345, 16_000)
            .into_iter()
            .enumerate()
            .map(|(i, v)| if (i / 2000) % 2 == 0 { v } else { v * 0.5 })
            .collect();
        // 300 samples late, then a 90-sample gap halfway.
        let mut received = vec![0.0; 300];
        received.extend_from_slice(&sent[..8000]);
        received.extend(std::iter::repeat_n(0.0, 90));
        received.extend_from_slice(&sent[8000..]);
        let median = median_piece_correlation(&sent, &received, 1600, 200);
        assert!(median > 0.99, "{median}");
        assert!(best_alignment(&sent, &received, 1000).1 < 0.9);
        let unrelated: Vec<f64> = (0..16_500).map(|i| ((i * 31) % 53) as f64 - 26.0).collect();
        assert!(median_piece_correlation(&sent, &unrelated, 1600, 200) < 0.3);
    }

    #[test]
    fn a_first_piece_locked_wrongly_does_not_mislead_the_rest() {
        let sent = noise(777, 16_000);
        // The first piece's place holds something else; the rest is 300 samples late.
        let mut received = vec![0.0; 300];
        received.extend(sent[..1600].iter().rev().map(|v| v * 0.7));
        received.extend_from_slice(&sent[1600..]);
        let median = median_piece_correlation(&sent, &received, 1600, 200);
        assert!(median > 0.99, "{median}");
    }
}
