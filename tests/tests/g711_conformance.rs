//! G.711 against implementations nobody here wrote: SpanDSP, sox and ffmpeg.
//!
//! Decoding is one table in every implementation and must agree on all 256 codes with all
//! three. Encoding is bit-exact with SpanDSP (which follows the decision values of G.711
//! tables 1a/2a and the ITU-T G.191 reference) on all 65,536 inputs. sox rounds to 14/13
//! bits before quantising and ffmpeg places thresholds midway between output levels, so
//! each picks the neighbouring code at some decision values; the test shows that those are
//! the only disagreements and counts them.

use mediacore::codec::g711::{alaw_to_linear, linear_to_alaw, linear_to_ulaw, ulaw_to_linear};
use mediacore_tests::oracle::{build_c_oracle, run, s16le_bytes, s16le_samples};

#[derive(Clone, Copy, Debug)]
enum Law {
    Mu,
    A,
}

impl Law {
    fn encode(self, x: i16) -> u8 {
        match self {
            Law::Mu => linear_to_ulaw(x),
            Law::A => linear_to_alaw(x),
        }
    }
    fn decode(self, c: u8) -> i16 {
        match self {
            Law::Mu => ulaw_to_linear(c),
            Law::A => alaw_to_linear(c),
        }
    }
    fn spandsp(self) -> &'static str {
        match self {
            Law::Mu => "ulaw",
            Law::A => "alaw",
        }
    }
    fn sox(self) -> &'static str {
        match self {
            Law::Mu => "u-law",
            Law::A => "a-law",
        }
    }
    fn ffmpeg(self) -> (&'static str, &'static str) {
        match self {
            Law::Mu => ("mulaw", "pcm_mulaw"),
            Law::A => ("alaw", "pcm_alaw"),
        }
    }
}

fn all_inputs() -> Vec<i16> {
    (i16::MIN..=i16::MAX).collect()
}

/// sox converting raw 8 kHz mono audio between two `(encoding, bits)` formats, undithered.
fn sox(from: (&str, &str), to: (&str, &str), input: &[u8]) -> Vec<u8> {
    let args = [
        "-D", "-t", "raw", "-r", "8000", "-e", from.0, "-b", from.1, "-c", "1", "-", "-t", "raw",
        "-e", to.0, "-b", to.1, "-",
    ];
    run("sox", &args, input, "sox")
}

fn sox_encode(law: Law, pcm: &[i16]) -> Vec<u8> {
    sox(("signed", "16"), (law.sox(), "8"), &s16le_bytes(pcm))
}

fn sox_decode(law: Law, codes: &[u8]) -> Vec<i16> {
    s16le_samples(&sox((law.sox(), "8"), ("signed", "16"), codes))
}

fn ffmpeg_encode(law: Law, pcm: &[i16]) -> Vec<u8> {
    let (format, codec) = law.ffmpeg();
    let args = [
        "-v", "error", "-f", "s16le", "-ar", "8000", "-ac", "1", "-i", "pipe:0", "-c:a", codec,
        "-f", format, "pipe:1",
    ];
    run("ffmpeg", &args, &s16le_bytes(pcm), "ffmpeg")
}

fn ffmpeg_decode(law: Law, codes: &[u8]) -> Vec<i16> {
    let (format, _) = law.ffmpeg();
    let args = [
        "-v", "error", "-f", format, "-ar", "8000", "-ac", "1", "-i", "pipe:0", "-f", "s16le",
        "pipe:1",
    ];
    s16le_samples(&run("ffmpeg", &args, codes, "ffmpeg"))
}

fn spandsp(law: Law, mode: &str) -> Vec<u8> {
    let exe = build_c_oracle("spandsp_g711", "spandsp", "libspandsp-dev");
    run(
        exe.to_str().unwrap(),
        &[law.spandsp(), mode],
        &[],
        "libspandsp-dev",
    )
}

/// The sorted output levels, to tell whether two codes are neighbours.
fn level_index(law: Law, code: u8) -> usize {
    let mut levels: Vec<i16> = (0..=255u8).map(|c| law.decode(c)).collect();
    levels.sort_unstable();
    levels.dedup();
    levels
        .binary_search(&law.decode(code))
        .expect("a decoded level")
}

fn check_decoding(law: Law) {
    let codes: Vec<u8> = (0..=255).collect();
    let ours: Vec<i16> = codes.iter().map(|&c| law.decode(c)).collect();
    assert_eq!(
        s16le_samples(&spandsp(law, "decode")),
        ours,
        "{law:?}: SpanDSP decode"
    );
    assert_eq!(sox_decode(law, &codes), ours, "{law:?}: sox decode");
    assert_eq!(ffmpeg_decode(law, &codes), ours, "{law:?}: ffmpeg decode");
}

fn check_encoding(law: Law) {
    let inputs = all_inputs();
    let ours: Vec<u8> = inputs.iter().map(|&x| law.encode(x)).collect();
    let reference = spandsp(law, "encode");
    assert_eq!(reference.len(), 65_536);
    let mismatches: Vec<i16> = inputs
        .iter()
        .zip(ours.iter().zip(&reference))
        .filter(|(_, (a, b))| a != b)
        .map(|(&x, _)| x)
        .collect();
    assert!(
        mismatches.is_empty(),
        "{law:?}: differs from SpanDSP at {} inputs, first {:?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(8)]
    );

    for (tool, theirs) in [
        ("sox", sox_encode(law, &inputs)),
        ("ffmpeg", ffmpeg_encode(law, &inputs)),
    ] {
        assert_eq!(theirs.len(), 65_536, "{tool} output length");
        let mut differing = 0;
        for ((&x, &a), &b) in inputs.iter().zip(&ours).zip(&theirs) {
            if a != b {
                differing += 1;
                let (ia, ib) = (level_index(law, a), level_index(law, b));
                assert!(
                    ia.abs_diff(ib) <= 1,
                    "{law:?}: {tool} codes {x} as {b:#04x}, we as {a:#04x}: not neighbours"
                );
            }
        }
        // Disagreements sit only at decision values: a few per code, never a different region.
        assert!(
            differing < 2_000,
            "{law:?}: {differing} inputs differ from {tool}"
        );
        eprintln!("{law:?}: {differing} of 65536 inputs take the neighbouring code in {tool}");
    }
}

#[test]
fn ulaw_matches_spandsp_sox_and_ffmpeg() {
    check_decoding(Law::Mu);
    check_encoding(Law::Mu);
}

#[test]
fn alaw_matches_spandsp_sox_and_ffmpeg() {
    check_decoding(Law::A);
    check_encoding(Law::A);
}
