//! The narrowband E-model of ITU-T G.107: transmission rating `R` from codec, loss and
//! delay, and the mapping of `R` to an estimated MOS (G.107 Annex B).
//!
//! `R = Ro - Is - Id - Ie,eff + A`. Every parameter the caller does not give takes its
//! G.107 default value (the constants below), so `Ro` and `Is` are those of the default
//! connection and a call with no codec impairment, no loss and no delay rates R = 93.2.
//!
//! Delay: the full delay term `Id = Idte + Idle + Idd` is computed, not only `Idd`. The
//! caller gives one number, the mean one-way mouth-to-ear delay, which is used as the
//! absolute delay `Ta`, as the talker echo path delay `T = Ta` and with a listener echo
//! round trip `Tr = 2 Ta` (echo reflected at the far end). With the default echo losses
//! (TELR 65 dB, WEPL 110 dB, i.e. working echo control) the echo terms stay small, 2.7 at
//! 100 ms and 7 at 400 ms; `Idd` is 0 up to 100 ms and grows past it (24 at 400 ms).

use core::time::Duration;

use crate::codec::Codec;
use crate::error::{Error, Result};

/// G.107 default send loudness rating, dB.
pub const SLR: f64 = 8.0;
/// G.107 default receive loudness rating, dB.
pub const RLR: f64 = 2.0;
/// G.107 default sidetone masking rating, dB.
pub const STMR: f64 = 15.0;
/// G.107 default listener sidetone rating, dB.
pub const LSTR: f64 = 18.0;
/// G.107 default D-value of the telephone at the send side.
pub const DS: f64 = 3.0;
/// G.107 default D-value of the telephone at the receive side.
pub const DR: f64 = 3.0;
/// G.107 default talker echo loudness rating, dB.
pub const TELR: f64 = 65.0;
/// G.107 default weighted echo path loss, dB.
pub const WEPL: f64 = 110.0;
/// G.107 default number of quantizing distortion units.
pub const QDU: f64 = 1.0;
/// G.107 default circuit noise referred to the 0 dBr point, dBm0p.
pub const NC: f64 = -70.0;
/// G.107 default noise floor at the receive side, dBmp.
pub const NFOR: f64 = -64.0;
/// G.107 default room noise at the send side, dB(A).
pub const PS: f64 = 35.0;
/// G.107 default room noise at the receive side, dB(A).
pub const PR: f64 = 35.0;
/// G.107 default advantage factor: no allowance for a user's lowered expectations.
pub const A: f64 = 0.0;
/// G.107 default delay sensitivity `sT`.
pub const ST: f64 = 1.0;
/// G.107 default minimum perceivable delay `mT`, ms: `Idd` is 0 up to this absolute delay.
pub const MT: f64 = 100.0;
/// G.107 default packet-loss robustness factor `Bpl`, used by [`EModelInput::default`].
pub const BPL_DEFAULT: f64 = 1.0;
/// G.107 §7.5: the ceiling that loss drives `Ie,eff` towards.
pub const IE_EFF_LIMIT: f64 = 95.0;

/// A codec's equipment impairment `Ie` and packet-loss robustness `Bpl` on the narrowband
/// E-model scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodecImpairment {
    /// Equipment impairment factor `Ie`, 0 (G.711) and up.
    pub ie: f64,
    /// Packet-loss robustness factor `Bpl`: the larger, the less each percent of loss hurts.
    pub bpl: f64,
}

impl CodecImpairment {
    /// ITU-T G.113 Appendix I: G.711 with the packet loss concealment of G.711 Appendix I,
    /// `Ie` 0 and `Bpl` 25.1 (random loss).
    pub const G711_PLC: CodecImpairment = CodecImpairment { ie: 0.0, bpl: 25.1 };

    /// ITU-T G.113 Appendix I: G.729A with VAD at 8 kbit/s, `Ie` 11 and `Bpl` 19.0.
    pub const G729A_VAD: CodecImpairment = CodecImpairment {
        ie: 11.0,
        bpl: 19.0,
    };

    /// The values this engine uses for `codec` at `sample_rate` Hz and `bitrate` bit/s
    /// (`None`: the codec's default) on the narrowband scale, where G.711 is the 0
    /// reference and what a wider audio band adds cannot be expressed. `sample_rate` does
    /// not change the result today for that reason; it is taken so that a wideband scale
    /// (G.107.1) can use it later without a change of signature.
    ///
    /// - PCMU, PCMA, L16 (any rate): [`CodecImpairment::G711_PLC`]. The engine conceals
    ///   losses of these codecs in the manner of G.711 Appendix I (`crate::dsp::plc`), which
    ///   is the condition G.113 gives the 25.1 for. L16 has no coding distortion, so its `Ie`
    ///   is G.711's 0.
    /// - G.722: `Ie` 0, `Bpl` 25.1. G.113 rates G.722 only on the wideband scale
    ///   (Appendix IV, `Ie,WB` 13 at 64 kbit/s), where it is better than narrowband G.711;
    ///   brought down to the narrowband scale that is G.711's 0, since that scale has no
    ///   value below 0. The engine conceals G.722 losses with the same waveform concealment
    ///   as G.711, so G.711's `Bpl` is used; G.113 gives no narrowband `Bpl` for G.722.
    /// - Opus: no ITU-T Recommendation gives Opus values; these are this engine's own
    ///   conservative estimate, by analogy with the G.113 Appendix I table. Below 16 kbit/s
    ///   Opus codes narrow- or medium-band speech with its linear-prediction (SILK) layer,
    ///   and is given the `Ie` of the G.113 codec of that kind, G.729A (11). From 16 kbit/s
    ///   (the engine's default is 24 kbit/s) it codes wideband or wider speech, rated at
    ///   least as well as G.711 in published listening tests, so `Ie` is 0. `Bpl` is 19.0 at
    ///   every rate, G.729A's value: like G.729A, Opus conceals losses inside its decoder, and
    ///   the lower of the two G.113 figures for codecs with concealment is the cautious pick.
    /// - CN (RFC 3389) carries no speech; it is given G.711's values so that a stream
    ///   described by its comfort noise payload type is rated like the G.711 call it
    ///   usually accompanies.
    pub fn for_codec(codec: Codec, _sample_rate: u32, bitrate: Option<u32>) -> CodecImpairment {
        match codec {
            Codec::Pcmu | Codec::Pcma | Codec::L16 | Codec::G722 | Codec::Cn => {
                CodecImpairment::G711_PLC
            }
            Codec::Opus => {
                // The engine's default Opus rate (`OpusConfig::default`).
                const OPUS_DEFAULT_BITRATE: u32 = 24_000;
                const OPUS_WIDEBAND_FROM: u32 = 16_000;
                if bitrate.unwrap_or(OPUS_DEFAULT_BITRATE) < OPUS_WIDEBAND_FROM {
                    CodecImpairment::G729A_VAD
                } else {
                    CodecImpairment {
                        ie: 0.0,
                        bpl: CodecImpairment::G729A_VAD.bpl,
                    }
                }
            }
        }
    }
}

/// The measured quantities the E-model rates; every other G.107 parameter is at its
/// default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EModelInput {
    /// Equipment impairment factor `Ie` of the codec, 0 to 95.
    pub ie: f64,
    /// Packet-loss robustness factor `Bpl` of the codec, above 0.
    pub bpl: f64,
    /// Packet loss `Ppl`, percent, 0 to 100; packets discarded by the jitter buffer count
    /// as lost. G.107 validates the model up to 20%; above that it extrapolates.
    pub packet_loss_percent: f64,
    /// Burst ratio `BurstR` (1: random loss, above 1: bursty), above 0. G.107 defines it
    /// from 1 up; smaller values (loss spread more evenly than random) are rated as 1.
    pub burst_ratio: f64,
    /// Mean one-way mouth-to-ear delay: network, jitter buffer, packetization and codec.
    pub one_way_delay: Duration,
}

impl Default for EModelInput {
    /// The G.107 defaults: `Ie` 0, `Bpl` 1, no loss, `BurstR` 1, no delay.
    fn default() -> Self {
        EModelInput {
            ie: 0.0,
            bpl: BPL_DEFAULT,
            packet_loss_percent: 0.0,
            burst_ratio: 1.0,
            one_way_delay: Duration::ZERO,
        }
    }
}

impl EModelInput {
    /// The input for a codec, the loss measured on its stream and the one-way delay.
    pub fn new(
        codec: CodecImpairment,
        packet_loss_percent: f64,
        burst_ratio: f64,
        one_way_delay: Duration,
    ) -> Self {
        EModelInput {
            ie: codec.ie,
            bpl: codec.bpl,
            packet_loss_percent,
            burst_ratio,
            one_way_delay,
        }
    }

    /// Checks every field; the error names the first one out of range.
    pub fn validate(&self) -> Result<()> {
        if !(self.ie.is_finite() && (0.0..=IE_EFF_LIMIT).contains(&self.ie)) {
            return Err(invalid("ie", self.ie, "a finite value from 0 to 95"));
        }
        if !(self.bpl.is_finite() && self.bpl > 0.0) {
            return Err(invalid("bpl", self.bpl, "a finite value above 0"));
        }
        let ppl = self.packet_loss_percent;
        if !(ppl.is_finite() && (0.0..=100.0).contains(&ppl)) {
            return Err(invalid(
                "packet_loss_percent",
                ppl,
                "a percentage from 0 to 100",
            ));
        }
        if !(self.burst_ratio.is_finite() && self.burst_ratio > 0.0) {
            return Err(invalid(
                "burst_ratio",
                self.burst_ratio,
                "a finite value above 0 (1 for random loss)",
            ));
        }
        Ok(())
    }
}

fn invalid(name: &str, value: f64, expected: &str) -> Error {
    Error::InvalidArgument(format!("E-model {name} is {value}; expected {expected}"))
}

/// What the E-model makes of an [`EModelInput`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EModelReport {
    /// Transmission rating `R`; 93.2 for the default connection, lower is worse. Not
    /// clamped: heavy loss can drive it below 0.
    pub r: f64,
    /// Estimated mean opinion score, 1.0 to 4.5 ([`mos_from_r`]).
    pub mos: f64,
    /// Effective equipment impairment `Ie,eff`: codec plus packet loss.
    pub ie_eff: f64,
    /// Delay impairment `Id = Idte + Idle + Idd`.
    pub id: f64,
    /// The absolute-delay part of `id`, `Idd`: 0 up to 100 ms one-way.
    pub idd: f64,
}

/// Rates `input`: R, MOS and the impairments that make them up.
///
/// Returns [`Error::InvalidArgument`] naming the field when a field is out of range
/// ([`EModelInput::validate`]).
pub fn evaluate(input: &EModelInput) -> Result<EModelReport> {
    input.validate()?;
    let ta = input.one_way_delay.as_secs_f64() * 1000.0;
    let no = total_noise();
    let ro = basic_snr(no);
    let is = simultaneous_impairment(no, ro, ta);
    let idd = absolute_delay_impairment(ta);
    let id = talker_echo_impairment(no, ta) + listener_echo_impairment(ro, 2.0 * ta) + idd;
    let ie_eff = effective_equipment_impairment(
        input.ie,
        input.bpl,
        input.packet_loss_percent,
        input.burst_ratio.max(1.0),
    );
    let r = ro - is - id - ie_eff + A;
    Ok(EModelReport {
        r,
        mos: mos_from_r(r),
        ie_eff,
        id,
        idd,
    })
}

/// The transmission rating `R` of `input` ([`evaluate`] without the parts).
pub fn r_factor(input: &EModelInput) -> Result<f64> {
    evaluate(input).map(|report| report.r)
}

/// G.107 Annex B: the estimated mean opinion score (conversational quality) for rating `r`.
///
/// 1 for `r <= 0`, 4.5 for `r >= 100`, and between them
/// `1 + 0.035 r + 7e-6 r (r - 60) (100 - r)`. That polynomial dips slightly below 1 for `r`
/// under about 6.5; the result is held at 1 there, so it never leaves 1.0 to 4.5 and never
/// falls as `r` rises. NaN gives 1, the worst score.
pub fn mos_from_r(r: f64) -> f64 {
    if r.is_nan() || r <= 0.0 {
        return 1.0;
    }
    if r >= 100.0 {
        return 4.5;
    }
    let mos = 1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7.0e-6;
    mos.clamp(1.0, 4.5)
}

/// G.107 §7.5: `Ie,eff = Ie + (95 - Ie) Ppl / (Ppl / BurstR + Bpl)`.
fn effective_equipment_impairment(ie: f64, bpl: f64, ppl: f64, burst_ratio: f64) -> f64 {
    ie + (IE_EFF_LIMIT - ie) * ppl / (ppl / burst_ratio + bpl)
}

/// Overall loudness rating `OLR = SLR + RLR`.
const OLR: f64 = SLR + RLR;

/// Power sum in dB of levels given in dB.
fn power_sum_db(levels: &[f64]) -> f64 {
    10.0 * levels
        .iter()
        .map(|l| 10f64.powf(l / 10.0))
        .sum::<f64>()
        .log10()
}

/// G.107 §7.2: the total noise `No` at the 0 dBr point, the power sum of circuit noise,
/// send and receive room noise and the receive-side noise floor.
fn total_noise() -> f64 {
    let nos = PS - SLR - DS - 100.0 + 0.004 * (PS - OLR - DS - 14.0).powi(2);
    let pre = PR + 10.0 * (1.0 + 10f64.powf((10.0 - LSTR) / 10.0)).log10();
    let nor = RLR - 121.0 + pre + 0.008 * (pre - 35.0).powi(2);
    let nfo = NFOR + RLR;
    power_sum_db(&[NC, nos, nor, nfo])
}

/// G.107 §7.2: basic signal-to-noise ratio `Ro = 15 - 1.5 (SLR + No)`.
fn basic_snr(no: f64) -> f64 {
    15.0 - 1.5 * (SLR + no)
}

/// G.107 §7.3: `Is = Iolr + Ist + Iq` (loudness, sidetone, quantizing distortion), for a
/// talker echo path delay of `t` ms (echo that returns within a few ms masks like sidetone).
fn simultaneous_impairment(no: f64, ro: f64, t: f64) -> f64 {
    let xolr = OLR + 0.2 * (64.0 + no - RLR);
    let iolr = 20.0 * ((1.0 + (xolr / 8.0).powi(8)).powf(1.0 / 8.0) - xolr / 8.0);

    let stmro =
        -10.0 * (10f64.powf(-STMR / 10.0) + (-t / 4.0).exp() * 10f64.powf(-TELR / 10.0)).log10();
    let ist = 12.0 * (1.0 + ((stmro - 13.0) / 6.0).powi(8)).powf(1.0 / 8.0)
        - 28.0 * (1.0 + ((stmro + 1.0) / 19.4).powi(35)).powf(1.0 / 35.0)
        - 13.0 * (1.0 + ((stmro - 3.0) / 33.0).powi(13)).powf(1.0 / 13.0)
        + 29.0;

    let q = 37.0 - 15.0 * QDU.log10();
    let g = 1.07 + 0.258 * q + 0.0602 * q * q;
    let y = (ro - 100.0) / 15.0 + 46.0 / 8.4 - g / 9.0;
    let z = 46.0 / 30.0 - g / 40.0;
    let iq = 15.0 * (1.0 + 10f64.powf(y) + 10f64.powf(z)).log10();

    iolr + ist + iq
}

/// G.107 §7.4: talker echo impairment `Idte` for a mean echo path delay of `t` ms.
fn talker_echo_impairment(no: f64, t: f64) -> f64 {
    let roe = -1.5 * (no - RLR);
    let terv =
        TELR - 40.0 * ((1.0 + t / 10.0) / (1.0 + t / 150.0)).log10() + 6.0 * (-0.3 * t * t).exp();
    let re = 80.0 + 2.5 * (terv - 14.0);
    let d = roe - re;
    (d / 2.0 + (d * d / 4.0 + 100.0).sqrt() - 1.0) * (1.0 - (-t).exp())
}

/// G.107 §7.4: listener echo impairment `Idle` for a round trip of `tr` ms.
fn listener_echo_impairment(ro: f64, tr: f64) -> f64 {
    let rle = 10.5 * (WEPL + 7.0) * (tr + 1.0).powf(-0.25);
    let d = ro - rle;
    d / 2.0 + (d * d / 4.0 + 169.0).sqrt()
}

/// G.107 §7.4: impairment `Idd` from an absolute one-way delay of `ta` ms; 0 up to `mT`.
fn absolute_delay_impairment(ta: f64) -> f64 {
    if ta <= MT {
        return 0.0;
    }
    let x = (ta / MT).log10() / 2f64.log10();
    let e = 6.0 * ST;
    25.0 * ((1.0 + x.powf(e)).powf(1.0 / e) - 3.0 * (1.0 + (x / 3.0).powf(e)).powf(1.0 / e) + 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(input: &EModelInput) -> EModelReport {
        evaluate(input).expect("valid input")
    }

    fn with_delay(ms: u64) -> EModelInput {
        EModelInput {
            one_way_delay: Duration::from_millis(ms),
            ..EModelInput::default()
        }
    }

    #[test]
    fn default_connection_parts_match_g107() {
        // G.107 §7.7: with all defaults Ro = 94.77, Is = 1.41, Id = 0.15, R = 93.2.
        let no = total_noise();
        let ro = basic_snr(no);
        assert!((ro - 94.77).abs() < 0.005, "Ro {ro}");
        let is = simultaneous_impairment(no, ro, 0.0);
        assert!((is - 1.41).abs() < 0.005, "Is {is}");
        let id = report(&EModelInput::default()).id;
        assert!((id - 0.15).abs() < 0.005, "Id {id}");
    }

    #[test]
    fn default_parameters_rate_93_2() {
        // G.107 §7.7 gives R = 93.2 for the defaults; unrounded, the parts above give
        // 94.769 - 1.414 - 0.149 = 93.206.
        let r = r_factor(&EModelInput::default()).unwrap();
        assert!((r - 93.2).abs() < 0.01, "R {r}");
    }

    #[test]
    fn mos_matches_annex_b() {
        // 1 + 0.035*93.2 + 93.2*33.2*6.8*7e-6 = 4.4093
        assert!((mos_from_r(93.2) - 4.41).abs() < 0.001);
        // 1 + 1.75 + 50*(-10)*50*7e-6 = 2.575
        assert!((mos_from_r(50.0) - 2.575).abs() < 1e-12);
        assert_eq!((mos_from_r(50.0) * 100.0).round() / 100.0, 2.58);
        assert_eq!(mos_from_r(100.0), 4.5);
        assert_eq!(mos_from_r(0.0), 1.0);
    }

    #[test]
    fn mos_stays_in_range_and_never_falls() {
        for r in [f64::NAN, f64::NEG_INFINITY, -1e300, -5.0, 3.0, 6.0] {
            assert_eq!(mos_from_r(r), 1.0, "R {r}");
        }
        for r in [100.0, 150.0, 1e300, f64::INFINITY] {
            assert_eq!(mos_from_r(r), 4.5, "R {r}");
        }
        let mut previous = 1.0;
        for step in 0..=1200 {
            let mos = mos_from_r(f64::from(step) / 10.0 - 10.0);
            assert!((1.0..=4.5).contains(&mos));
            assert!(mos >= previous);
            previous = mos;
        }
    }

    #[test]
    fn absolute_delay_impairment_starts_past_100_ms() {
        for ms in [0, 50, 100] {
            assert_eq!(report(&with_delay(ms)).idd, 0.0, "{ms} ms");
        }
        let mut previous = 0.0;
        for ms in (110..=800).step_by(10) {
            let idd = report(&with_delay(ms)).idd;
            assert!(idd > previous, "Idd {idd} at {ms} ms");
            previous = idd;
        }
        // X = 1 at 200 ms: 25 (2^(1/6) - 3 (1 + 3^-6)^(1/6) + 2).
        let at_200 =
            25.0 * (2f64.powf(1.0 / 6.0) - 3.0 * (1.0 + 3f64.powi(-6)).powf(1.0 / 6.0) + 2.0);
        assert!((report(&with_delay(200)).idd - at_200).abs() < 1e-9);
        assert!((at_200 - 3.04).abs() < 0.01);
    }

    #[test]
    fn rating_falls_with_delay() {
        let r0 = r_factor(&with_delay(0)).unwrap();
        let r150 = r_factor(&with_delay(150)).unwrap();
        let r300 = r_factor(&with_delay(300)).unwrap();
        let r500 = r_factor(&with_delay(500)).unwrap();
        assert!(
            r0 > r150 && r150 > r300 && r300 > r500,
            "{r0} {r150} {r300} {r500}"
        );
        // Far past 100 ms most of the loss comes from Idd, not from the controlled echo.
        let at_400 = report(&with_delay(400));
        assert!(at_400.idd > at_400.id - at_400.idd, "{at_400:?}");
    }

    #[test]
    fn g711_random_loss_matches_hand_computed_ie_eff() {
        let input = EModelInput::new(CodecImpairment::G711_PLC, 2.0, 1.0, Duration::ZERO);
        let got = report(&input);
        // 0 + 95 * 2 / (2 / 1 + 25.1) = 190 / 27.1
        assert!(
            (got.ie_eff - 7.011_070_110_7).abs() < 1e-9,
            "{}",
            got.ie_eff
        );
        let clean = r_factor(&EModelInput::default()).unwrap();
        assert!((clean - got.r - got.ie_eff).abs() < 1e-9);
    }

    #[test]
    fn bursty_loss_hurts_more_than_random_loss() {
        let random = EModelInput::new(CodecImpairment::G711_PLC, 2.0, 1.0, Duration::ZERO);
        let bursty = EModelInput {
            burst_ratio: 2.0,
            ..random
        };
        let (random, bursty) = (report(&random), report(&bursty));
        // 95 * 2 / (2 / 2 + 25.1) = 190 / 26.1
        assert!((bursty.ie_eff - 190.0 / 26.1).abs() < 1e-9);
        assert!(bursty.r < random.r && bursty.mos < random.mos);
        // A pattern less bursty than random is rated as random.
        let even = EModelInput {
            burst_ratio: 0.5,
            ..EModelInput::new(CodecImpairment::G711_PLC, 2.0, 1.0, Duration::ZERO)
        };
        assert_eq!(report(&even).r, random.r);
    }

    #[test]
    fn invalid_inputs_are_errors_naming_the_field() {
        let good = EModelInput::new(CodecImpairment::G711_PLC, 1.0, 1.0, Duration::ZERO);
        let cases = [
            (
                "ie",
                EModelInput {
                    ie: f64::NAN,
                    ..good
                },
            ),
            ("ie", EModelInput { ie: -1.0, ..good }),
            ("ie", EModelInput { ie: 96.0, ..good }),
            ("bpl", EModelInput { bpl: 0.0, ..good }),
            (
                "bpl",
                EModelInput {
                    bpl: f64::INFINITY,
                    ..good
                },
            ),
            (
                "packet_loss_percent",
                EModelInput {
                    packet_loss_percent: f64::NAN,
                    ..good
                },
            ),
            (
                "packet_loss_percent",
                EModelInput {
                    packet_loss_percent: -0.1,
                    ..good
                },
            ),
            (
                "packet_loss_percent",
                EModelInput {
                    packet_loss_percent: 100.1,
                    ..good
                },
            ),
            (
                "burst_ratio",
                EModelInput {
                    burst_ratio: 0.0,
                    ..good
                },
            ),
            (
                "burst_ratio",
                EModelInput {
                    burst_ratio: f64::NAN,
                    ..good
                },
            ),
            (
                "burst_ratio",
                EModelInput {
                    burst_ratio: f64::INFINITY,
                    ..good
                },
            ),
        ];
        for (name, input) in cases {
            match r_factor(&input) {
                Err(Error::InvalidArgument(message)) => {
                    assert!(message.contains(name), "{message} should name {name}")
                }
                other => panic!("{name}: expected an error, got {other:?}"),
            }
        }
    }

    #[test]
    fn extreme_valid_inputs_give_finite_ratings() {
        let worst = EModelInput {
            ie: 95.0,
            bpl: f64::MIN_POSITIVE,
            packet_loss_percent: 100.0,
            burst_ratio: f64::MAX,
            one_way_delay: Duration::MAX,
        };
        let got = report(&worst);
        assert!(got.r.is_finite() && got.id.is_finite() && got.ie_eff.is_finite());
        assert_eq!(got.mos, 1.0);
        let tiny = with_delay(0);
        let got = report(&EModelInput {
            one_way_delay: Duration::from_nanos(1),
            ..tiny
        });
        assert!(got.r.is_finite());
    }

    #[test]
    fn codec_impairments_follow_g113() {
        for codec in [Codec::Pcmu, Codec::Pcma, Codec::L16, Codec::G722] {
            assert_eq!(
                CodecImpairment::for_codec(codec, 8000, None),
                CodecImpairment { ie: 0.0, bpl: 25.1 }
            );
        }
        assert_eq!(
            CodecImpairment::for_codec(Codec::L16, 48_000, None),
            CodecImpairment::G711_PLC
        );
        let opus_default = CodecImpairment::for_codec(Codec::Opus, 48_000, None);
        assert_eq!(opus_default, CodecImpairment { ie: 0.0, bpl: 19.0 });
        let opus_low = CodecImpairment::for_codec(Codec::Opus, 8_000, Some(8_000));
        assert_eq!(
            opus_low,
            CodecImpairment {
                ie: 11.0,
                bpl: 19.0
            }
        );
        assert_eq!(
            CodecImpairment::for_codec(Codec::Opus, 48_000, Some(16_000)).ie,
            0.0
        );
    }
}
