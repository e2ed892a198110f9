//! Channel up- and down-mixing of interleaved `i16` PCM into caller-owned buffers.

use crate::error::{DspError, Result};
use crate::frame::check_interleaved;

/// Duplicates each mono sample into both channels of interleaved stereo.
///
/// Writes `2 * input.len()` samples to the start of `output` and returns that count; fails
/// without writing when `output` is shorter.
pub fn mono_to_stereo(input: &[i16], output: &mut [i16]) -> Result<usize> {
    let needed = input.len().saturating_mul(2);
    check_capacity(needed, output.len())?;
    for (pair, &s) in output.chunks_exact_mut(2).zip(input) {
        pair[0] = s;
        pair[1] = s;
    }
    Ok(needed)
}

/// Averages the two channels of interleaved stereo into mono.
///
/// The sum is taken in 32 bits, so it cannot overflow, and halved rounding toward zero (no DC
/// offset on signals symmetric around zero). Writes `input.len() / 2` samples to the start of
/// `output` and returns that count; fails without writing when `input` has an odd length or
/// `output` is shorter.
pub fn stereo_to_mono(input: &[i16], output: &mut [i16]) -> Result<usize> {
    check_interleaved(input.len(), 2)?;
    let needed = input.len() / 2;
    check_capacity(needed, output.len())?;
    for (out, pair) in output.iter_mut().zip(input.chunks_exact(2)) {
        let sum = i32::from(pair[0]) + i32::from(pair[1]);
        // |sum / 2| <= 32768, and -32768 is reached only when both are -32768: fits in i16.
        *out = (sum / 2) as i16;
    }
    Ok(needed)
}

fn check_capacity(needed: usize, capacity: usize) -> Result<()> {
    if capacity < needed {
        return Err(DspError::OutputTooSmall { needed, capacity }.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::error::FrameError;

    #[test]
    fn mono_to_stereo_duplicates_each_sample() {
        let mut out = [0i16; 8];
        assert_eq!(mono_to_stereo(&[1, -2, i16::MAX], &mut out).unwrap(), 6);
        assert_eq!(out, [1, 1, -2, -2, i16::MAX, i16::MAX, 0, 0]);
        assert_eq!(mono_to_stereo(&[], &mut []).unwrap(), 0);
    }

    #[test]
    fn stereo_to_mono_averages_without_overflow() {
        let input = [
            i16::MAX,
            i16::MAX,
            i16::MIN,
            i16::MIN,
            i16::MAX,
            i16::MIN,
            100,
            -50,
            -3,
            0,
        ];
        let mut out = [7i16; 6];
        assert_eq!(stereo_to_mono(&input, &mut out).unwrap(), 5);
        assert_eq!(out, [i16::MAX, i16::MIN, 0, 25, -1, 7]);
    }

    #[test]
    fn round_trip_through_stereo_is_lossless() {
        let mono: Vec<i16> = (i16::MIN..=i16::MAX).step_by(97).collect();
        let mut stereo = vec![0i16; mono.len() * 2];
        let mut back = vec![0i16; mono.len()];
        mono_to_stereo(&mono, &mut stereo).unwrap();
        stereo_to_mono(&stereo, &mut back).unwrap();
        assert_eq!(back, mono);
    }

    #[test]
    fn short_outputs_and_partial_frames_are_typed_errors() {
        let mut out = [0i16; 3];
        assert_eq!(
            mono_to_stereo(&[1, 2], &mut out),
            Err(Error::Dsp(DspError::OutputTooSmall {
                needed: 4,
                capacity: 3
            }))
        );
        assert_eq!(out, [0; 3], "nothing is written on error");
        assert_eq!(
            stereo_to_mono(&[1, 2, 3], &mut out),
            Err(Error::Frame(FrameError::PartialSample {
                len: 3,
                channels: 2
            }))
        );
        assert_eq!(
            stereo_to_mono(&[1; 8], &mut out).unwrap_err().to_string(),
            "output buffer holds 3 samples but 4 are needed"
        );
    }
}
