//! The constant tables of ITU-T G.722, under the names the Recommendation gives them.
//!
//! Values are in the Recommendation's fixed-point units: quantiser levels and multipliers
//! are scaled as in its computational description, so they combine with the 15-bit
//! sub-band signals and the 16-bit scale factors without further conversion.

/// Number of taps in each half (even or odd coefficients) of the 24-tap QMF.
pub(super) const QMF_TAPS: usize = 12;

/// The 24 coefficients h0..h23 shared by the transmit and receive QMF (scaled by 2^13).
/// The filter is symmetric: h(i) = h(23 - i).
const QMF_H: [i32; 2 * QMF_TAPS] = [
    3, -11, -11, 53, 12, -156, 32, 362, -210, -805, 951, 3876, 3876, 951, -805, -210, 362, 32,
    -156, 12, 53, -11, -11, 3,
];

const fn qmf_half(first: usize) -> [i32; QMF_TAPS] {
    let mut half = [0; QMF_TAPS];
    let mut i = 0;
    while i < QMF_TAPS {
        half[i] = QMF_H[2 * i + first];
        i += 1;
    }
    half
}

/// h0, h2, .., h22: the coefficients of the even-delay taps.
pub(super) const QMF_H_EVEN: [i32; QMF_TAPS] = qmf_half(0);

/// h1, h3, .., h23: the coefficients of the odd-delay taps.
pub(super) const QMF_H_ODD: [i32; QMF_TAPS] = qmf_half(1);

/// Q6: decision levels of the 60-level lower sub-band quantiser (QUANTL), scaled by 2^-3
/// relative to the scale factor DETL. Index `m` (1..=29) is the upper bound of interval
/// `m`; interval 30 is unbounded. Index 0 is the lower bound of interval 1.
pub(super) const Q6: [i32; 30] = [
    0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940,
    1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919,
];

/// ILN: the 6-bit code IL for a negative difference in quantiser interval `m` (1..=30).
pub(super) const ILN: [u8; 31] = [
    0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11,
    10, 9, 8, 7, 6, 5, 4,
];

/// ILP: the 6-bit code IL for a non-negative difference in quantiser interval `m` (1..=30).
pub(super) const ILP: [u8; 31] = [
    0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39,
    38, 37, 36, 35, 34, 33, 32,
];

/// QM6: output levels of the 6-bit lower sub-band inverse quantiser (INVQBL, 64 kbit/s),
/// indexed by IL.
pub(super) const QM6: [i32; 64] = [
    -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232,
    -9360, -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776,
    -2400, -2032, -1688, -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280,
    11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776,
    2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136,
];

/// QM5: output levels of the 5-bit lower sub-band inverse quantiser (INVQBL, 56 kbit/s),
/// indexed by the 5 most significant bits of IL.
pub(super) const QM5: [i32; 32] = [
    -280, -280, -23352, -17560, -14120, -11664, -9752, -8184, -6864, -5712, -4696, -3784, -2960,
    -2208, -1520, -880, 23352, 17560, 14120, 11664, 9752, 8184, 6864, 5712, 4696, 3784, 2960, 2208,
    1520, 880, 280, -280,
];

/// QM4: output levels of the 4-bit lower sub-band inverse quantiser (INVQAL, and INVQBL at
/// 48 kbit/s), indexed by the 4 most significant bits of IL.
pub(super) const QM4: [i32; 16] = [
    0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584,
    1200, 0,
];

/// RIL to IL4 (named RL42 here): the magnitude class of a truncated 4-bit lower sub-band
/// code, which selects the LOGSCL multiplier.
pub(super) const RL42: [usize; 16] = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0];

/// WL: lower sub-band logarithmic scale factor multipliers (LOGSCL), indexed by IL4.
pub(super) const WL: [i32; 8] = [-60, -30, 58, 172, 334, 538, 1198, 3042];

/// ILB: the inverse logarithm used by SCALEL and SCALEH, 2048 * 2^(i/32) rounded,
/// indexed by the five fraction bits of the logarithmic scale factor.
pub(super) const ILB: [i32; 32] = [
    2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
    2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
];

/// Q2: the single decision level of the 4-level higher sub-band quantiser (QUANTH),
/// scaled by 2^-3 relative to the scale factor DETH.
pub(super) const Q2: i32 = 564;

/// IHN: the 2-bit code IH for a negative difference in interval `mih` (1 inner, 2 outer).
pub(super) const IHN: [u8; 3] = [0, 1, 0];

/// IHP: the 2-bit code IH for a non-negative difference in interval `mih` (1 inner, 2 outer).
pub(super) const IHP: [u8; 3] = [0, 3, 2];

/// QM2: output levels of the higher sub-band inverse quantiser (INVQAH), indexed by IH.
pub(super) const QM2: [i32; 4] = [-7408, -1616, 7408, 1616];

/// RH2: the magnitude class IH2 of a higher sub-band code, which selects the LOGSCH
/// multiplier.
pub(super) const RH2: [usize; 4] = [2, 1, 2, 1];

/// WH: higher sub-band logarithmic scale factor multipliers (LOGSCH), indexed by IH2.
pub(super) const WH: [i32; 3] = [0, -214, 798];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qmf_is_symmetric_and_halves_interleave() {
        for i in 0..QMF_H.len() {
            assert_eq!(QMF_H[i], QMF_H[QMF_H.len() - 1 - i]);
        }
        assert_eq!(QMF_H_EVEN[0], 3);
        assert_eq!(QMF_H_ODD[QMF_TAPS - 1], 3);
        // The DC gain of each half is 2^12, which the QMF shifts rely on.
        assert_eq!(QMF_H_EVEN.iter().sum::<i32>(), 4096);
        assert_eq!(QMF_H_ODD.iter().sum::<i32>(), 4096);
    }

    #[test]
    fn ilb_is_the_inverse_logarithm() {
        for (i, &v) in ILB.iter().enumerate() {
            let exact = 2048.0 * 2f64.powf(i as f64 / 32.0);
            assert!(
                (exact - f64::from(v)).abs() <= 1.0,
                "ILB({i}) = {v}, 2^(i/32) gives {exact}"
            );
        }
    }

    #[test]
    fn quantiser_tables_are_monotonic_and_codes_are_distinct() {
        assert!(Q6.windows(2).all(|w| w[0] < w[1]));
        let mut codes: Vec<u8> = ILN[1..].iter().chain(&ILP[1..]).copied().collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 60, "60 distinct 6-bit codes");
    }
}
