//! The benchmark's talker: espeak-ng sentences in several voices, joined with seeded pauses
//! into a program of the length asked for, and the sentence pauses to cut it at.

use mediacore::rng::SeededRng;
use mediacore_tests::oracle::{run, s16le_samples, scratch_dir};

/// Harvard sentences (IEEE 1969) and the espeak-ng voice that reads each.
const SENTENCES: [(&str, &str); 12] = [
    ("en-us", "The birch canoe slid on the smooth planks."),
    ("en-us+f3", "Glue the sheet to the dark blue background."),
    ("en-gb", "It is easy to tell the depth of a well."),
    ("en-gb-scotland", "These days a chicken leg is a rare dish."),
    ("en-us+m3", "Rice is often served in round bowls."),
    ("en-gb+f2", "The juice of lemons makes fine punch."),
    ("en-us", "The box was thrown beside the parked truck."),
    (
        "en-gb-x-rp+f4",
        "The hogs were fed chopped corn and garbage.",
    ),
    ("en-029", "Four hours of steady work faced us."),
    ("en-us+f3", "A large size in stockings is hard to sell."),
    ("en-gb", "The boy was there when the sun rose."),
    ("en-us+m3", "A rod is used to catch pink salmon."),
];

/// Silence before the first sentence, in seconds (as P.862 test recordings start).
const LEAD_S: f64 = 0.5;
/// Pauses between sentences are drawn uniformly from this range, in seconds.
const PAUSE_S: (f64, f64) = (0.5, 1.0);
/// Longest stretch PESQ is given at once, in seconds.
pub const MAX_CHUNK_S: f64 = 10.0;

/// Each sentence spoken at `rate`, mono 16-bit (espeak-ng, then sox without dither).
pub fn clips(rate: u32) -> Vec<Vec<i16>> {
    let dir = scratch_dir("receive-quality-speech");
    let rate_arg = rate.to_string();
    let clips = SENTENCES
        .iter()
        .enumerate()
        .map(|(i, (voice, text))| {
            let wav = dir.join(format!("{i}.wav"));
            let wav = wav.to_str().expect("utf-8 path");
            run(
                "espeak-ng",
                &["-v", voice, "-w", wav, text],
                &[],
                "espeak-ng",
            );
            let args = [
                "-D", wav, "-t", "raw", "-r", &rate_arg, "-c", "1", "-e", "signed", "-b", "16", "-",
            ];
            let pcm = s16le_samples(&run("sox", &args, &[], "sox"));
            assert!(
                pcm.len() > rate as usize / 2,
                "espeak-ng said little for {text:?} in {voice}"
            );
            trim_silence(&pcm)
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    clips
}

/// `pcm` without its leading and trailing near-silence (espeak-ng pads both ends).
fn trim_silence(pcm: &[i16]) -> Vec<i16> {
    let loud = |s: &i16| s.unsigned_abs() > 64;
    let start = pcm.iter().position(loud).unwrap_or(0);
    let end = pcm.iter().rposition(loud).map_or(pcm.len(), |e| e + 1);
    pcm[start..end].to_vec()
}

/// Sentences with pauses, and where it may be cut.
pub struct Program {
    /// The speech, a whole number of 20 ms frames long.
    pub pcm: Vec<i16>,
    /// The middle of every pause, and both ends.
    pub cuts: Vec<usize>,
    pub rate: u32,
}

impl Program {
    /// At least `seconds` of `clips` in order, looped as needed, with seeded pauses.
    pub fn build(clips: &[Vec<i16>], rate: u32, seconds: u64, seed: u64) -> Program {
        let mut rng = SeededRng::new(seed);
        let secs = |s: f64| (s * f64::from(rate)) as usize;
        let mut pcm = vec![0i16; secs(LEAD_S)];
        let mut cuts = vec![0];
        let wanted = seconds as usize * rate as usize;
        for clip in clips.iter().cycle() {
            pcm.extend_from_slice(clip);
            let unit = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            let pause = secs(PAUSE_S.0 + unit * (PAUSE_S.1 - PAUSE_S.0));
            if pcm.len() + pause >= wanted {
                pcm.resize(pcm.len() + pause, 0);
                break;
            }
            cuts.push(pcm.len() + pause / 2);
            pcm.resize(pcm.len() + pause, 0);
        }
        let frame = rate as usize / 50;
        pcm.truncate(pcm.len() - pcm.len() % frame);
        cuts.push(pcm.len());
        Program { pcm, cuts, rate }
    }

    /// Consecutive sentences grouped into stretches of at most [`MAX_CHUNK_S`], cut in
    /// the middle of pauses.
    pub fn chunks(&self) -> Vec<(usize, usize)> {
        group_cuts(&self.cuts, (MAX_CHUNK_S * f64::from(self.rate)) as usize)
    }
}

/// Greedily groups the spans between consecutive `cuts` into chunks no longer than `max`
/// (a single span longer than `max` is a chunk of its own).
pub fn group_cuts(cuts: &[usize], max: usize) -> Vec<(usize, usize)> {
    let mut chunks = Vec::new();
    let Some(&first) = cuts.first() else {
        return chunks;
    };
    let mut start = first;
    let mut end = first;
    for &cut in &cuts[1..] {
        if cut - start > max && end > start {
            chunks.push((start, end));
            start = end;
        }
        end = cut;
    }
    if end > start {
        chunks.push((start, end));
    }
    chunks
}
