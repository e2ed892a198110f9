//! Loss concealment of G.711, G.722 and L16 on speech, scored by PESQ (ITU-T P.862, PyPI
//! `pesq` in the workspace's `.venv`) against the original, side by side with silence in
//! place of each lost packet and with SpanDSP's generic concealer (`spandsp/plc.h`, which
//! follows G.711 Appendix I without its delay).
//!
//! SpanDSP's concealer sits after a decoder; it is given the loss-free decoded stream with
//! the lost frames to fill in. So is our [`WaveformPlc`] on its own ("stage"), which is the
//! like-for-like comparison. "ours" is the codec's own `Decoder::conceal`; for G.722 it also
//! bears the ADPCM state that a real loss leaves out of step with the encoder, which the
//! stand-alone concealers never see.
//!
//! Speech: the ALSA speaker-test voice (a natural talker, alsa-utils) and two espeak-ng
//! voices; 20 ms packets lost at random (seeded) at 5% and 10%, three loss patterns each.
//! Printed: mean PESQ per codec, loss rate and method, and the SNR of the lost frames.
//!
//! Mean PESQ (P.862.1 narrowband at 8 kHz, P.862.2 wideband at 16 kHz) from
//! `cargo test -p mediacore-tests --test plc_quality -- --nocapture` on the 2-core build
//! machine (deterministic: seeded losses, espeak-ng and sox without dither):
//!
//! | codec | loss | silence | ours (decoder) | stage alone | SpanDSP |
//! |---|---|---|---|---|---|
//! | PCMU | 5% | 2.580 | 3.136 | 3.136 | 3.081 |
//! | PCMU | 10% | 2.030 | 2.689 | 2.689 | 2.616 |
//! | PCMA | 5% | 2.598 | 3.163 | 3.163 | 3.100 |
//! | PCMA | 10% | 2.037 | 2.710 | 2.710 | 2.628 |
//! | L16 16 kHz | 5% | 2.441 | 2.885 | 2.885 | 2.762 |
//! | L16 16 kHz | 10% | 1.715 | 2.181 | 2.181 | 2.005 |
//! | G.722 | 5% | 1.863 | 2.298 | 2.472 | 2.299 |
//! | G.722 | 10% | 1.394 | 1.808 | 1.997 | 1.813 |
//!
//! Details of the pitch search (grid alignment, anti-alias filter) move single figures by
//! up to about 0.04 on this corpus, so smaller differences are not significant.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use mediacore::dsp::WaveformPlc;
use mediacore::{Codec, new_decoder, new_encoder};
use mediacore_tests::oracle::{
    build_c_oracle, espeak_speech, pesq_scores, run, s16le_bytes, s16le_samples,
};

fn spandsp() -> &'static str {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| build_c_oracle("spandsp_plc", "spandsp", "libspandsp-dev"))
        .to_str()
        .expect("utf-8 path")
}

/// The eight ALSA speaker-test phrases at `rate`, with 0.3 s pauses, after 0.5 s silence.
fn alsa_talker(rate: u32) -> Vec<i16> {
    let rate_arg = rate.to_string();
    let mut pcm = vec![0i16; rate as usize / 2];
    for phrase in [
        "Front_Left",
        "Front_Center",
        "Front_Right",
        "Side_Left",
        "Side_Right",
        "Rear_Left",
        "Rear_Center",
        "Rear_Right",
    ] {
        let path = format!("/usr/share/sounds/alsa/{phrase}.wav");
        assert!(
            Path::new(&path).exists(),
            "{path} is missing; install alsa-utils (scripts/setup.sh does)"
        );
        let args = [
            "-D", &path, "-t", "raw", "-r", &rate_arg, "-c", "1", "-e", "signed", "-b", "16", "-",
        ];
        pcm.extend(s16le_samples(&run("sox", &args, &[], "sox")));
        pcm.extend(std::iter::repeat_n(0, rate as usize * 3 / 10));
    }
    pcm
}

/// The talkers at `rate`, each cut to whole 20 ms frames.
fn corpus(rate: u32) -> Vec<(&'static str, Vec<i16>)> {
    let frame = rate as usize / 50;
    let mut items = vec![
        ("alsa", alsa_talker(rate)),
        (
            "espeak 1",
            espeak_speech(
                rate,
                "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background.",
            ),
        ),
        (
            "espeak 2",
            espeak_speech(
                rate,
                "It is easy to tell the depth of a well. These days a chicken leg is a rare dish.",
            ),
        ),
    ];
    for (_, pcm) in &mut items {
        pcm.truncate(pcm.len() - pcm.len() % frame);
    }
    items
}

/// Which of `frames` 20 ms frames are lost, each with probability `percent`%, from a seeded
/// xorshift64*; the first half second (silence) is never lost.
fn loss_pattern(frames: usize, percent: u64, seed: u64) -> Vec<bool> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..frames)
        .map(|i| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33;
            i >= 25 && r % 100 < percent
        })
        .collect()
}

/// The decoded stream of `pcm` through `codec` in 20 ms packets: without loss, with the
/// lost packets replaced by silence, and with them concealed by our decoder.
fn decode_three_ways(codec: Codec, rate: u32, pcm: &[i16], lost: &[bool]) -> [Vec<i16>; 3] {
    let frame = rate as usize / 50;
    let mut enc = new_encoder(codec, rate, 1).unwrap();
    let mut clean_dec = new_decoder(codec, rate, 1).unwrap();
    let mut silent_dec = new_decoder(codec, rate, 1).unwrap();
    let mut plc_dec = new_decoder(codec, rate, 1).unwrap();
    let mut payload = vec![0u8; enc.max_payload_len(frame)];
    let (mut clean, mut silent, mut ours) = (Vec::new(), Vec::new(), Vec::new());
    let mut out = vec![0i16; frame];
    for (chunk, &lost) in pcm.chunks_exact(frame).zip(lost) {
        let n = enc.encode(chunk, &mut payload).unwrap();
        clean_dec.decode(&payload[..n], &mut out).unwrap();
        clean.extend_from_slice(&out);
        if lost {
            silent.extend(std::iter::repeat_n(0, frame));
            plc_dec.conceal(frame, &mut out).unwrap();
            ours.extend_from_slice(&out);
        } else {
            silent_dec.decode(&payload[..n], &mut out).unwrap();
            silent.extend_from_slice(&out);
            plc_dec.decode(&payload[..n], &mut out).unwrap();
            ours.extend_from_slice(&out);
        }
    }
    [clean, silent, ours]
}

/// SpanDSP's concealer on the loss-free decoded stream: lost frames filled in by it.
fn spandsp_conceal(rate: u32, clean: &[i16], lost: &[bool]) -> Vec<i16> {
    let pattern: String = lost.iter().map(|&l| if l { '1' } else { '0' }).collect();
    let frame = (rate / 50).to_string();
    s16le_samples(&run(
        spandsp(),
        &[&frame, &pattern],
        &s16le_bytes(clean),
        "libspandsp-dev",
    ))
}

/// Our concealment stage on the loss-free decoded stream, as SpanDSP's is run.
fn stage_conceal(rate: u32, clean: &[i16], lost: &[bool]) -> Vec<i16> {
    let frame = rate as usize / 50;
    let mut plc = WaveformPlc::new(rate, 1).unwrap();
    let mut out = clean.to_vec();
    for (pcm, &lost) in out.chunks_exact_mut(frame).zip(lost) {
        if lost {
            plc.conceal(frame, pcm).unwrap();
        } else {
            plc.receive(pcm).unwrap();
        }
    }
    out
}

/// SNR in dB of `got` against `truth` over the lost frames only.
fn lost_frame_snr(truth: &[i16], got: &[i16], lost: &[bool], frame: usize) -> f64 {
    let (mut signal, mut noise) = (0f64, 0f64);
    for (k, _) in lost.iter().enumerate().filter(|(_, l)| **l) {
        for i in k * frame..(k + 1) * frame {
            signal += f64::from(truth[i]).powi(2);
            noise += (f64::from(truth[i]) - f64::from(got[i])).powi(2);
        }
    }
    10.0 * (signal / noise.max(1.0)).log10()
}

const SEEDS: [u64; 3] = [1, 2, 3];
const METHODS: [&str; 4] = ["silence", "ours", "SpanDSP", "stage"];

/// Mean PESQ and lost-frame SNR per loss rate and method for `codec` at `rate`.
fn scores(codec: Codec, rate: u32) -> Vec<(u64, [f64; 4], [f64; 4])> {
    let frame = rate as usize / 50;
    let talkers = corpus(rate);
    let mut results = Vec::new();
    for percent in [5, 10] {
        let mut streams = Vec::new();
        let mut snr = [0f64; 4];
        for (_, speech) in &talkers {
            for seed in SEEDS {
                let lost = loss_pattern(speech.len() / frame, percent, seed);
                let [clean, silent, ours] = decode_three_ways(codec, rate, speech, &lost);
                let theirs = spandsp_conceal(rate, &clean, &lost);
                let stage = stage_conceal(rate, &clean, &lost);
                let all = [silent, ours, theirs, stage];
                for (m, got) in all.iter().enumerate() {
                    snr[m] += lost_frame_snr(&clean, got, &lost, frame);
                }
                streams.push((speech, all));
            }
        }
        let pairs: Vec<(&[i16], &[i16])> = streams
            .iter()
            .flat_map(|(speech, three)| three.iter().map(|d| (speech.as_slice(), d.as_slice())))
            .collect();
        let all = pesq_scores(rate, &pairs);
        let mut mean = [0f64; 4];
        for chunk in all.chunks_exact(4) {
            for m in 0..4 {
                mean[m] += chunk[m] / streams.len() as f64;
            }
        }
        snr.iter_mut().for_each(|s| *s /= streams.len() as f64);
        for m in 0..4 {
            println!(
                "{codec} {rate} Hz, {percent}% loss, {}: PESQ {:.3}, lost-frame SNR {:.1} dB",
                METHODS[m], mean[m], snr[m]
            );
        }
        results.push((percent, mean, snr));
    }
    results
}

#[test]
fn pcmu_concealment_beats_silence_and_matches_spandsp() {
    for (percent, pesq, snr) in scores(Codec::Pcmu, 8000) {
        let [silence, ours, spandsp, stage] = pesq;
        assert!(
            ours > silence + 0.2,
            "{percent}%: ours {ours:.3}, silence {silence:.3}"
        );
        assert!(
            ours >= spandsp,
            "{percent}%: ours {ours:.3}, SpanDSP {spandsp:.3}"
        );
        // G.711 keeps no state, so the decoder and the stage on its own agree.
        assert!(
            (ours - stage).abs() < 1e-9,
            "{percent}%: {ours} against {stage}"
        );
        assert!(snr[1] > snr[0], "{percent}%: lost-frame SNR {snr:?}");
    }
}

#[test]
fn g722_concealment_beats_silence_and_the_stage_matches_spandsp() {
    // SpanDSP's concealer counts its pitch range in 8 kHz samples, which at 16 kHz halves
    // the durations it was tuned for; its figures are for reference.
    for (percent, pesq, _) in scores(Codec::G722, 16_000) {
        let [silence, ours, spandsp, stage] = pesq;
        assert!(
            ours > silence + 0.2,
            "{percent}%: ours {ours:.3}, silence {silence:.3}"
        );
        assert!(
            stage >= spandsp,
            "{percent}%: stage {stage:.3}, SpanDSP {spandsp:.3}"
        );
    }
}

#[test]
fn l16_and_pcma_concealment_beats_silence() {
    for (codec, rate) in [(Codec::Pcma, 8000), (Codec::L16, 16_000)] {
        for (percent, pesq, _) in scores(codec, rate) {
            let [silence, ours, spandsp, _] = pesq;
            assert!(
                ours > silence + 0.2,
                "{codec} {percent}%: ours {ours:.3}, silence {silence:.3}"
            );
            assert!(
                ours >= spandsp,
                "{codec} {percent}%: ours {ours:.3}, SpanDSP {spandsp:.3}"
            );
        }
    }
}
