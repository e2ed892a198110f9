//! The quadrature mirror filters that split 16 kHz audio into two 8 kHz sub-bands and
//! join them again.
//!
//! Both directions use the same 24-tap symmetric filter (coefficients h0..h23 in
//! [`super::tables`]). A pair of input samples produces one lower and one higher sub-band
//! sample; a pair of sub-band samples produces two output samples. All sums are exact in
//! `i32`: twelve 16-bit values times coefficients whose magnitudes add up to 6482 stay below
//! 2^28.

use super::tables::{QMF_H_EVEN, QMF_H_ODD, QMF_TAPS};

/// The last [`QMF_TAPS`] values of one stream, readable newest first as one slice.
///
/// Each value is stored twice, `QMF_TAPS` apart, so the window never wraps around.
#[derive(Debug, Clone)]
struct History {
    values: [i32; 2 * QMF_TAPS],
    /// Where the newest value sits; always below `QMF_TAPS`.
    newest: usize,
}

impl History {
    const fn new() -> Self {
        History {
            values: [0; 2 * QMF_TAPS],
            newest: 0,
        }
    }

    fn push(&mut self, value: i16) {
        self.newest = if self.newest == 0 {
            QMF_TAPS - 1
        } else {
            self.newest - 1
        };
        self.values[self.newest] = i32::from(value);
        self.values[self.newest + QMF_TAPS] = i32::from(value);
    }

    /// Sum of the stored values, newest first, times `coefficients`.
    fn filter(&self, coefficients: &[i32; QMF_TAPS]) -> i32 {
        // `newest < QMF_TAPS`, so the window lies inside `values`.
        let window = &self.values[self.newest..self.newest + QMF_TAPS];
        window.iter().zip(coefficients).map(|(x, h)| x * h).sum()
    }
}

/// Transmit QMF: 16 kHz input to lower and higher sub-band samples at 8 kHz.
#[derive(Debug, Clone)]
pub(super) struct TransmitQmf {
    /// Inputs x_in(j - 2i): the second sample of each pair.
    even: History,
    /// Inputs x_in(j - 2i - 1): the first sample of each pair.
    odd: History,
}

impl TransmitQmf {
    pub(super) const fn new() -> Self {
        TransmitQmf {
            even: History::new(),
            odd: History::new(),
        }
    }

    /// Filters the next two input samples (`first` earlier than `second`) and returns the
    /// lower and higher sub-band samples (xL, xH) on the codec's 15-bit scale.
    pub(super) fn analyse(&mut self, first: i16, second: i16) -> (i16, i16) {
        self.odd.push(first);
        self.even.push(second);
        let x_a = self.even.filter(&QMF_H_EVEN);
        let x_b = self.odd.filter(&QMF_H_ODD);
        // 12 bits of coefficient scale plus 1 for the two-filter sum plus 1 for the 15-bit
        // sub-band signals. |x_a ± x_b| <= 12964 * 32768, so the results fit 16 bits.
        (((x_a + x_b) >> 14) as i16, ((x_a - x_b) >> 14) as i16)
    }
}

/// Receive QMF: lower and higher sub-band samples at 8 kHz to 16 kHz output.
#[derive(Debug, Clone)]
pub(super) struct ReceiveQmf {
    /// xd = rL - rH.
    difference: History,
    /// xs = rL + rH.
    sum: History,
}

impl ReceiveQmf {
    pub(super) const fn new() -> Self {
        ReceiveQmf {
            difference: History::new(),
            sum: History::new(),
        }
    }

    /// Takes the reconstructed sub-band samples rL and rH (15-bit, within
    /// -16384..=16383) and returns the next two output samples, earlier first.
    pub(super) fn synthesise(&mut self, low: i16, high: i16) -> [i16; 2] {
        // Both inputs are 15-bit, so their sum and difference fit 16 bits.
        self.difference.push(low.wrapping_sub(high));
        self.sum.push(low.wrapping_add(high));
        // 12 bits of coefficient scale, less the factor 2 of the receive filter and 1 for
        // the 15-bit sub-band signals. The sums can exceed 16 bits on extreme input and
        // saturate, as in current SpanDSP; SpanDSP 0.0.6 truncated them, wrapping around.
        [
            saturate(self.difference.filter(&QMF_H_EVEN) >> 11),
            saturate(self.sum.filter(&QMF_H_ODD) >> 11),
        ]
    }
}

fn saturate(x: i32) -> i16 {
    x.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dc_passes_the_lower_band_and_not_the_higher() {
        let mut qmf = TransmitQmf::new();
        let mut last = (0, 0);
        for _ in 0..QMF_TAPS {
            last = qmf.analyse(8000, 8000);
        }
        // Full DC gain on the 15-bit scale: 8000 / 2.
        assert_eq!(last, (4000, 0));
    }

    #[test]
    fn alternating_input_lands_in_the_higher_band() {
        let mut qmf = TransmitQmf::new();
        let mut last = (0, 0);
        for _ in 0..QMF_TAPS {
            last = qmf.analyse(8000, -8000);
        }
        assert_eq!(last.0, 0);
        assert_eq!(last.1.abs(), 4000);
    }

    #[test]
    fn synthesis_of_steady_low_band_is_dc() {
        let mut qmf = ReceiveQmf::new();
        let mut last = [0, 0];
        for _ in 0..QMF_TAPS {
            last = qmf.synthesise(4000, 0);
        }
        assert_eq!(last, [8000, 8000]);
    }

    #[test]
    fn extreme_sub_band_input_saturates_without_panicking() {
        let mut qmf = ReceiveQmf::new();
        for i in 0..100 {
            let v = if i % 2 == 0 { 16383 } else { -16384 };
            let _ = qmf.synthesise(v, -v);
        }
    }
}
