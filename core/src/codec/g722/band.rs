//! One sub-band's adaptive state, identical in the encoder and the decoder: the
//! logarithmic scale factor (LOGSCL/LOGSCH, SCALEL/SCALEH) and the pole-zero predictor
//! (block 4: RECONS, PARREC, UPPOL1, UPPOL2, UPZERO, DELAYA, FILTEP, FILTEZ, PREDIC).
//!
//! Arithmetic is 16-bit as in the Recommendation. Where a sum can leave 16 bits it saturates
//! at the same steps as SpanDSP (the reference we are bit-exact with), which adds the six
//! zero-section products in 32 bits and saturates once rather than after each addition.

use super::tables::{ILB, RH2, RL42, WH, WL};

/// Saturates to the 16-bit range.
#[inline]
pub(super) fn saturate(x: i32) -> i16 {
    x.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

/// Whether `a` and `b` have the same sign, zero counting as positive (the Recommendation's
/// SG = x >> 15).
#[inline]
fn same_sign(a: i16, b: i16) -> bool {
    (a ^ b) >= 0
}

/// (x * factor) >> 15: multiplication by a Q15 constant, rounding down.
#[inline]
fn q15(x: i16, factor: i32) -> i32 {
    (i32::from(x) * factor) >> 15
}

/// The per-band parameters of scale-factor adaptation.
#[derive(Debug, Clone, Copy)]
struct ScaleLimits {
    /// Upper limit of the logarithmic scale factor (LOGSCL: 18432, LOGSCH: 22528).
    nb_max: i32,
    /// SCALEL shifts by 8 - (NBPL >> 11), SCALEH by 10 - (NBPH >> 11).
    shift: i32,
}

const LOWER: ScaleLimits = ScaleLimits {
    nb_max: 18432,
    shift: 8,
};
const HIGHER: ScaleLimits = ScaleLimits {
    nb_max: 22528,
    shift: 10,
};

/// The adaptive state of one sub-band.
#[derive(Debug, Clone)]
pub(super) struct Band {
    /// Logarithmic quantiser scale factor NBL/NBH.
    nb: i16,
    /// Quantiser scale factor DETL/DETH.
    det: i16,
    /// Predicted signal SL/SH.
    s: i16,
    /// Output of the zero section of the predictor SZL/SZH.
    sz: i16,
    /// Previous reconstructed signal RLT1/RHT1.
    r: i16,
    /// Previous partially reconstructed signals PLT1, PLT2 (PHT1, PHT2).
    p: [i16; 2],
    /// Pole section coefficients AL1, AL2 (AH1, AH2).
    a: [i16; 2],
    /// Zero section coefficients BL1..BL6 (BH1..BH6).
    b: [i16; 6],
    /// Previous quantised differences DLT1..DLT6 (DHT1..DHT6), newest first.
    d: [i16; 6],
}

impl Band {
    /// The lower sub-band at reset: DETL = 32.
    pub(super) const fn lower() -> Self {
        Band::with_scale(32)
    }

    /// The higher sub-band at reset: DETH = 8.
    pub(super) const fn higher() -> Self {
        Band::with_scale(8)
    }

    const fn with_scale(det: i16) -> Self {
        Band {
            nb: 0,
            det,
            s: 0,
            sz: 0,
            r: 0,
            p: [0; 2],
            a: [0; 2],
            b: [0; 6],
            d: [0; 6],
        }
    }

    /// The quantiser scale factor DET for the current sample.
    #[inline]
    pub(super) fn scale(&self) -> i16 {
        self.det
    }

    /// The predicted signal S for the current sample.
    #[inline]
    pub(super) fn prediction(&self) -> i16 {
        self.s
    }

    /// INVQAL/INVQAH: the quantised difference DLT/DH for output level `level` of a 4- or
    /// 2-level table (QM4, QM2), scaled by the current DET.
    #[inline]
    pub(super) fn dequantise(&self, level: i32) -> i16 {
        // |DET * QM| >> 15 <= 16384 * 20456 >> 15: fits 16 bits.
        ((i32::from(self.det) * level) >> 15) as i16
    }

    /// Adapts the lower band to the 4-bit code RIL (LOGSCL, SCALEL), then the predictor to
    /// `d` (block 4L).
    pub(super) fn adapt_lower(&mut self, ril: usize, d: i16) {
        self.adapt_scale(WL[RL42[ril & 0x0F]], LOWER);
        self.adapt_predictor(d);
    }

    /// Adapts the higher band to the 2-bit code IH (LOGSCH, SCALEH), then the predictor to
    /// `d` (block 4H).
    pub(super) fn adapt_higher(&mut self, ih: usize, d: i16) {
        self.adapt_scale(WH[RH2[ih & 0x03]], HIGHER);
        self.adapt_predictor(d);
    }

    /// LOGSCL/LOGSCH: leaky logarithmic scale factor update; SCALEL/SCALEH: its inverse
    /// logarithm, the linear scale factor DET for the next sample.
    fn adapt_scale(&mut self, multiplier: i32, limits: ScaleLimits) {
        let nb = (((i32::from(self.nb) * 127) >> 7) + multiplier).clamp(0, limits.nb_max);
        self.nb = nb as i16;
        let mantissa = ILB[((nb >> 6) & 31) as usize];
        let shift = limits.shift - (nb >> 11);
        // nb <= nb_max makes shift >= -1, and 4008 << 1 << 2 fits 16 bits.
        let det = if shift < 0 {
            mantissa << -shift
        } else {
            mantissa >> shift
        };
        self.det = (det << 2) as i16;
    }

    /// Block 4: reconstructs the signal from the quantised difference `d`, adapts the
    /// pole and zero coefficients, and computes the prediction for the next sample.
    fn adapt_predictor(&mut self, d: i16) {
        // RECONS and PARREC.
        let r = self.s.saturating_add(d);
        let p = self.sz.saturating_add(d);
        let same_as_p1 = same_sign(p, self.p[0]);
        let same_as_p2 = same_sign(p, self.p[1]);

        // UPPOL2: A2 <- A2 (1 - 2^-7) + 2^-7 (SG(P) SG(P2) - f(A1) SG(P) SG(P1)), |A2| <= 0.75.
        let a1_x4 = i32::from(saturate(i32::from(self.a[0]) << 2));
        let f_a1 = if same_as_p1 { -a1_x4 } else { a1_x4 }.min(i32::from(i16::MAX));
        let a2 = (f_a1 >> 7) + if same_as_p2 { 128 } else { -128 } + q15(self.a[1], 32512);
        let a2 = a2.clamp(-12288, 12288);

        // UPPOL1: A1 <- A1 (1 - 2^-8) + 3 * 2^-8 SG(P) SG(P1), |A1| <= 1 - 2^-4 - A2.
        let a1 = i32::from(saturate(
            if same_as_p1 { 192 } else { -192 } + q15(self.a[0], 32640),
        ));
        let a1_limit = 15360 - a2; // 3072..=27648, never empty
        let a1 = a1.clamp(-a1_limit, a1_limit);

        // FILTEP: pole section output with the new coefficients.
        let pole = |a: i32, r: i16| (a * i32::from(r.saturating_add(r))) >> 15;
        let sp = saturate(pole(a1, r) + pole(a2, self.r));

        self.r = r;
        self.a = [a1 as i16, a2 as i16];
        self.p = [p, self.p[0]];

        // UPZERO: Bi <- Bi (1 - 2^-8) + 2^-7 SG(D) SG(D(n - i)), the step zero when D is.
        let step = if d == 0 { 0 } else { 128 };
        for (b, &older) in self.b.iter_mut().zip(&self.d) {
            let toward = if same_sign(older, d) { step } else { -step };
            *b = saturate(toward + q15(*b, 32640));
        }
        // DELAYA.
        self.d.copy_within(0..5, 1);
        self.d[0] = d;
        // FILTEZ: six products of at most 2^15 each, summed in 32 bits, saturated once.
        let sz: i32 = self
            .b
            .iter()
            .zip(&self.d)
            .map(|(&b, &d)| q15(d.saturating_add(d), i32::from(b)))
            .sum();
        self.sz = saturate(sz);

        // PREDIC.
        self.s = sp.saturating_add(self.sz);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_factor_starts_at_the_reset_values_and_stays_in_range() {
        let mut band = Band::lower();
        assert_eq!(band.scale(), 32);
        for _ in 0..1000 {
            band.adapt_lower(1, 0); // largest multiplier: WL(7) = 3042
        }
        assert_eq!(band.nb, 18432);
        assert_eq!(band.scale(), 16384);
        for _ in 0..1000 {
            band.adapt_lower(0, 0); // smallest multiplier: WL(0) = -60
        }
        assert_eq!(band.nb, 0);
        assert_eq!(band.scale(), 32);

        let mut band = Band::higher();
        assert_eq!(band.scale(), 8);
        for _ in 0..1000 {
            band.adapt_higher(0, 0);
        }
        assert_eq!(band.nb, 22528);
        assert_eq!(band.scale(), 16384);
    }

    #[test]
    fn predictor_coefficients_stay_within_their_limits() {
        let mut band = Band::lower();
        for i in 0..10_000 {
            let d = if i % 3 == 0 { i16::MAX } else { i16::MIN };
            band.adapt_lower(i % 16, d);
            assert!(band.a[1].abs() <= 12288);
            assert!(i32::from(band.a[0]).abs() <= 15360 - i32::from(band.a[1]));
        }
    }

    #[test]
    fn zero_difference_decays_the_zero_section() {
        let mut band = Band::lower();
        band.adapt_lower(3, 1000);
        band.adapt_lower(3, 1000);
        assert_eq!(band.b[0], 128 + q15(128, 32640) as i16);
        let before = band.b[0];
        band.adapt_lower(3, 0);
        assert!(band.b[0] < before);
    }
}
