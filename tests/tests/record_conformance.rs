//! Recordings read by implementations nobody here wrote: WAV files by sox and ffmpeg (the
//! audio bit for bit, the metadata as ffprobe tags), Ogg Opus files by opusdec (libopus),
//! ffmpeg and opusinfo (duration, content against the input speech, comments).
//!
//! Speech comes from espeak-ng through sox. Missing tools fail the test with the package to
//! install.

mod record_common;

use core::time::Duration;
use std::io::Cursor;
use std::path::Path;

use mediacore::record::{
    RecordConfig, RecordEvent, RecordFormat, RecordLayout, Recorder, RecordingMetadata,
    RecordingSummary,
};
use mediacore::{AudioFrame, Instant};
use mediacore_tests::oracle::{espeak_speech, scratch_dir};
use record_common::{
    best_correlation, channel, ffmpeg_pcm, ffprobe, opusdec, sox_info, sox_stat_seconds, tag, tool,
};

fn metadata() -> RecordingMetadata {
    RecordingMetadata {
        start_time: "2026-11-21T10:15:00Z".into(),
        call_id: Some("a84b4c76e66710@pc33.atlanta.example".into()),
        legs: vec![
            "sip:alice@atlanta.example".into(),
            "sip:bob@biloxi.example".into(),
        ],
        extra: vec![
            ("queue".into(), "support".into()),
            ("agent".into(), "4711".into()),
        ],
    }
}

/// Records each leg's (rate, mono samples) in 20 ms frames with `now` on the frame grid.
fn record(config: RecordConfig, legs: &[(u32, &[i16])]) -> (Vec<u8>, RecordingSummary) {
    let mut r = Recorder::new(Cursor::new(Vec::new()), config, Instant::ZERO).expect("start");
    let frames = legs
        .iter()
        .map(|(rate, pcm)| pcm.len().div_ceil(*rate as usize / 50));
    let frames = frames.max().unwrap_or(0);
    for k in 0..frames {
        let now = Instant::from_millis(k as u64 * 20);
        for (leg, (rate, pcm)) in legs.iter().enumerate() {
            let n = *rate as usize / 50;
            if let Some(chunk) = pcm.get(k * n..).map(|rest| &rest[..n.min(rest.len())]) {
                let frame = AudioFrame::new(chunk.to_vec(), *rate, 1).expect("frame");
                r.write(now, leg, &frame).expect("write");
            }
        }
    }
    let (target, summary) = r
        .finish(Instant::from_millis(frames as u64 * 20))
        .expect("finish");
    (target.into_inner(), summary)
}

fn save(bytes: &[u8], name: &str) -> std::path::PathBuf {
    let path = scratch_dir("record").join(name);
    std::fs::write(&path, bytes).expect("write the recording");
    path
}

fn tone(rate: u32, seconds: f64, hz: f64, amplitude: f64) -> Vec<i16> {
    (0..(f64::from(rate) * seconds) as usize)
        .map(|i| {
            ((i as f64 * hz * std::f64::consts::TAU / f64::from(rate)).sin() * amplitude) as i16
        })
        .collect()
}

fn hound_samples(bytes: &[u8]) -> Vec<i16> {
    let reader = hound::WavReader::new(Cursor::new(bytes)).expect("WAV");
    reader.into_samples().map(Result::unwrap).collect()
}

#[test]
fn stereo_wav_plays_bit_exact_in_sox_and_ffmpeg_with_its_metadata() {
    let left = tone(8000, 3.0, 440.0, 9000.0);
    let right = tone(8000, 3.0, 1250.0, 7000.0);
    let mut config = RecordConfig::new(RecordLayout::Stereo, 8000);
    config.metadata = metadata();
    let (bytes, summary) = record(config, &[(8000, &left), (8000, &right)]);
    assert_eq!(summary.duration, Duration::from_secs(3));
    let path = save(&bytes, "stereo.wav");

    assert_eq!(sox_info(&path), (2, 8000, 24_000));
    assert!((sox_stat_seconds(&path) - 3.0).abs() < 1e-6);
    let (pcm, warnings) = ffmpeg_pcm(&path, 2, 8000);
    // A plain PCM header names no speaker layout; ffmpeg says it guesses one.
    let warnings: Vec<&str> = warnings
        .lines()
        .filter(|l| !l.contains("Guessed Channel Layout"))
        .collect();
    assert!(warnings.is_empty(), "ffmpeg warned: {warnings:?}");
    let sent: Vec<i16> = left
        .iter()
        .zip(&right)
        .flat_map(|(&l, &r)| [l, r])
        .collect();
    assert_eq!(pcm, sent, "ffmpeg decodes exactly what was recorded");

    let probe = ffprobe(&path);
    println!("ffprobe tags: {}", probe["format"]["tags"]);
    assert_eq!(
        tag(&probe, "title").as_deref(),
        Some("Call a84b4c76e66710@pc33.atlanta.example")
    );
    assert_eq!(tag(&probe, "date").as_deref(), Some("2026-11-21T10:15:00Z"));
    assert_eq!(tag(&probe, "encoder").as_deref(), Some("mediacore"));
    let comment = tag(&probe, "comment").expect("a comment tag");
    for line in [
        "start_time=2026-11-21T10:15:00Z",
        "call_id=a84b4c76e66710@pc33.atlanta.example",
        "leg0=sip:alice@atlanta.example",
        "leg1=sip:bob@biloxi.example",
        "queue=support",
        "agent=4711",
    ] {
        assert!(
            comment.lines().any(|l| l == line),
            "{line} missing from {comment:?}"
        );
    }
}

#[test]
fn wav_at_every_rate_and_layout_reads_the_same_in_sox_and_ffmpeg() {
    let a = tone(48_000, 1.5, 300.0, 8000.0);
    let b = tone(8000, 1.5, 900.0, 8000.0);
    for rate in [8000, 16_000, 48_000] {
        for layout in [
            RecordLayout::Mono,
            RecordLayout::Stereo,
            RecordLayout::MixedMono,
        ] {
            let mut config = RecordConfig::new(layout, rate);
            config.metadata = metadata();
            config.metadata.legs.truncate(layout.legs());
            let legs: Vec<(u32, &[i16])> = [(48_000, a.as_slice()), (8000, b.as_slice())]
                .into_iter()
                .take(layout.legs())
                .collect();
            let (bytes, summary) = record(config, &legs);
            let path = save(&bytes, &format!("{}-{rate}.wav", layout.name()));
            let channels = layout.channels();
            let frames = summary.duration.as_micros() as u64 * u64::from(rate) / 1_000_000;
            assert_eq!(
                sox_info(&path),
                (channels, rate, frames),
                "{layout:?} {rate}"
            );
            let seconds = sox_stat_seconds(&path);
            assert!((seconds - summary.duration.as_secs_f64()).abs() < 1e-6);
            let (pcm, _) = ffmpeg_pcm(&path, channels, rate);
            assert_eq!(pcm, hound_samples(&bytes), "{layout:?} at {rate} Hz");
        }
    }
}

/// Checks one channel of a decoding against what was sent: correlation at the best lag
/// within 5 ms, and that lag (in samples).
fn check_speech(what: &str, sent: &[i16], decoded: &[f64], rate: u32, floor: f64) -> isize {
    let sent: Vec<f64> = sent.iter().map(|&s| f64::from(s)).collect();
    let (corr, lag) = best_correlation(&sent, decoded, rate as isize / 200);
    println!("{what}: correlation {corr:.3} at lag {lag}");
    assert!(corr >= floor, "{what}: correlation {corr:.3} below {floor}");
    lag
}

fn opusinfo_is_clean(path: &Path) {
    let (out, stderr) = tool("opusinfo", &[path.to_str().expect("utf-8")], "opus-tools");
    let text = String::from_utf8_lossy(&out) + stderr.as_str();
    assert!(
        !text.contains("WARNING") && !text.contains("ERROR"),
        "opusinfo complains: {text}"
    );
}

#[test]
fn ogg_opus_plays_in_opusdec_and_ffmpeg_with_its_metadata() {
    let text = "Thank you for calling. This call is recorded for quality and training. \
                Please hold while we connect you to the next available agent.";
    for (rate, bitrate, floor) in [
        (16_000u32, 24_000u32, 0.9),
        (8000, 16_000, 0.85),
        (48_000, 32_000, 0.9),
    ] {
        let speech = espeak_speech(rate, text);
        let mut config = RecordConfig::new(RecordLayout::Mono, rate);
        config.format = RecordFormat::OggOpus { bitrate };
        config.metadata = metadata();
        config.metadata.legs.truncate(1);
        let (bytes, summary) = record(config, &[(rate, &speech)]);
        let path = save(&bytes, &format!("speech-{rate}.opus"));
        let frames = (summary.duration.as_micros() as u64 * u64::from(rate) / 1_000_000) as usize;
        assert_eq!(
            frames,
            speech.len().div_ceil(rate as usize / 50) * (rate as usize / 50)
        );

        let (theirs, _) = opusdec(&path, rate);
        assert_eq!(
            theirs.len(),
            frames,
            "opusdec trims to the recorded length at {rate} Hz"
        );
        let lag = check_speech(
            &format!("opusdec {rate} Hz"),
            &speech,
            &channel(&theirs, 1, 0),
            rate,
            floor,
        );
        // Within 0.1 ms: the pre-skip (6.5 ms) matches the encoder's look-ahead.
        let slack = rate as isize / 10_000 + 1;
        assert!(
            lag.abs() <= slack,
            "pre-skip leaves a lag of {lag} samples at {rate} Hz"
        );

        let (ffmpeg, _) = ffmpeg_pcm(&path, 1, rate);
        let off = ffmpeg.len() as i64 - frames as i64;
        assert!(
            off.abs() <= rate as i64 / 100,
            "ffmpeg decodes {off} samples off the length"
        );
        check_speech(
            &format!("ffmpeg {rate} Hz"),
            &speech,
            &channel(&ffmpeg, 1, 0),
            rate,
            floor,
        );

        let probe = ffprobe(&path);
        assert_eq!(probe["streams"][0]["codec_name"], "opus");
        assert_eq!(
            tag(&probe, "CALL_ID").as_deref(),
            Some("a84b4c76e66710@pc33.atlanta.example")
        );
        assert_eq!(
            tag(&probe, "LEG0").as_deref(),
            Some("sip:alice@atlanta.example")
        );
        assert_eq!(tag(&probe, "QUEUE").as_deref(), Some("support"));
        assert_eq!(
            tag(&probe, "START_TIME").as_deref(),
            Some("2026-11-21T10:15:00Z")
        );
        opusinfo_is_clean(&path);
    }
}

#[test]
fn stereo_ogg_opus_keeps_each_leg_on_its_channel() {
    let first = espeak_speech(48_000, "Hello, this is the caller speaking on the left.");
    let second = espeak_speech(
        48_000,
        "And this is the agent answering on the right channel.",
    );
    let mut config = RecordConfig::new(RecordLayout::Stereo, 48_000);
    config.format = RecordFormat::OggOpus { bitrate: 64_000 };
    let (bytes, summary) = record(config, &[(48_000, &first), (48_000, &second)]);
    assert_eq!(summary.channels, 2);
    let path = save(&bytes, "stereo.opus");
    let (theirs, _) = opusdec(&path, 48_000);
    for (c, sent) in [(0, &first), (1, &second)] {
        let decoded = channel(&theirs, 2, c);
        check_speech(
            &format!("opusdec stereo ch {c}"),
            sent,
            &decoded,
            48_000,
            0.85,
        );
        let other = if c == 0 { &second } else { &first };
        let other: Vec<f64> = other.iter().map(|&s| f64::from(s)).collect();
        let (cross, _) = best_correlation(&other, &decoded, 240);
        assert!(cross < 0.3, "channel {c} carries the other leg: {cross:.3}");
    }
    opusinfo_is_clean(&path);
}

#[test]
fn recordings_stopped_at_a_limit_are_complete_files() {
    let speech = espeak_speech(16_000, "One two three four five six seven eight nine ten.");
    for format in [RecordFormat::Wav, RecordFormat::OggOpus { bitrate: 24_000 }] {
        let mut config = RecordConfig::new(RecordLayout::Mono, 16_000);
        config.format = format;
        config.max_duration = Some(Duration::from_millis(1500));
        let mut r = Recorder::new(Cursor::new(Vec::new()), config, Instant::ZERO).expect("start");
        let mut event = None;
        for (k, chunk) in speech.chunks_exact(320).enumerate() {
            let frame = AudioFrame::new(chunk.to_vec(), 16_000, 1).expect("frame");
            let _ = r.write(Instant::from_millis(k as u64 * 20), 0, &frame);
            event = event.or_else(|| r.poll_event());
        }
        let Some(RecordEvent::LimitReached { summary, .. }) = event else {
            panic!("{format:?}: no limit event");
        };
        assert_eq!(summary.duration, Duration::from_millis(1500));
        // The file on the target is complete at the limit, before `finish`.
        let bytes = r.target().get_ref().clone();
        let path = save(&bytes, "limit");
        match format {
            RecordFormat::Wav => assert_eq!(sox_info(&path), (1, 16_000, 24_000)),
            RecordFormat::OggOpus { .. } => {
                assert_eq!(opusdec(&path, 16_000).0.len(), 24_000);
                opusinfo_is_clean(&path);
            }
        }
    }
}
