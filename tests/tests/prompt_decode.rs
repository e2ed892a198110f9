//! Prompt decoding against ffmpeg and opus-tools on files those tools make at test time.
//!
//! Speech comes from espeak-ng (22.05 kHz mono). ffmpeg encodes it in every prompt format;
//! each file is decoded by us and by ffmpeg itself (`ffmpeg -i f -f s16le -ac C -ar R -`)
//! to the same layout, and the two must agree: same length within one 20 ms frame, aligned
//! (the best lag is 0), and a signal-to-difference ratio above a floor per format. Lossless
//! formats at their own rate must agree to the sample (ffmpeg rounds 24- and 32-bit audio
//! to 16 bits a little differently: within one step); G.711 is bit-exact against both
//! ffmpeg and the engine's own G.711 expansion. Ogg Opus is compared with `opusdec --rate
//! 48000 --no-dither`, which honours pre-skip and end trimming as we must.
//!
//! Measured (2026-11, this VM): every length equal and every lag 0; resampled to 8 kHz,
//! 33-35 dB from ffmpeg's resampler (the two filters differ only near 4 kHz), hence the
//! 30 dB floors; at the file's rate, 70 dB and up for lossless and Vorbis, 71 dB for MP3,
//! 111 dB (mono) and 50 dB (stereo) for Opus against opusdec.
//!
//! Then the errors: files cut in half and in their header, garbage, an empty file, a WAV
//! header that claims 4 GB, a file longer than a small limit, and formats that are not
//! prompt formats (PNG, M4A, ADTS AAC, MP2, IMA ADPCM in WAV), each with its typed error.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use mediacore::codec::g711::{alaw_to_linear, ulaw_to_linear};
use mediacore::playback::{DecodeLimits, PlaybackError, Prompt, PromptFormat};
use mediacore_tests::oracle::{run, s16le_samples, scratch_dir};

const SPEECH: &str = "Thank you for calling. Please hold while we transfer your call to the \
                      next available agent. Press one for sales, two for support.";

/// A scratch directory holding `speech.wav` (espeak-ng, 22050 Hz mono), made once.
fn dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = scratch_dir("prompt-decode");
        let wav = dir.join("speech.wav");
        run(
            "espeak-ng",
            &["-w", wav.to_str().expect("utf-8 path"), SPEECH],
            &[],
            "espeak-ng",
        );
        dir
    })
}

fn path(name: &str) -> String {
    dir().join(name).to_str().expect("utf-8 path").to_owned()
}

fn ffmpeg(args: &[&str]) -> Vec<u8> {
    let mut all = vec!["-hide_banner", "-v", "error", "-nostdin", "-y"];
    all.extend_from_slice(args);
    run("ffmpeg", &all, &[], "ffmpeg")
}

/// `name` made by ffmpeg from the speech with `args` (codec options), returned as bytes.
fn encode(name: &str, args: &[&str]) -> Vec<u8> {
    let out = path(name);
    let speech = path("speech.wav");
    let mut all = vec!["-i", &speech];
    all.extend_from_slice(args);
    all.push(&out);
    ffmpeg(&all);
    std::fs::read(&out).expect("ffmpeg wrote the file")
}

/// A stereo source at 44.1 kHz: the speech on the left, the speech 3 ms later and quieter
/// with a 440 Hz tone on the right.
fn stereo_source() -> String {
    static DONE: OnceLock<String> = OnceLock::new();
    DONE.get_or_init(|| {
        let out = path("stereo.wav");
        ffmpeg(&[
            "-i",
            &path("speech.wav"),
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=30",
            "-filter_complex",
            "[0:a]aresample=44100,aformat=sample_fmts=fltp:channel_layouts=mono,asplit[l][d];\
             [d]adelay=3,volume=0.5[dl];\
             [1:a]aresample=44100,aformat=sample_fmts=fltp:channel_layouts=mono,volume=0.1[t];\
             [dl][t]amix=inputs=2:duration=first:normalize=0,\
             aformat=sample_fmts=fltp:channel_layouts=mono[r];\
             [l][r]amerge=inputs=2[out]",
            "-map",
            "[out]",
            "-c:a",
            "pcm_s16le",
            &out,
        ]);
        out
    })
    .clone()
}

/// ffmpeg's own decoding of the file at `file` to 16-bit `channels` at `rate`.
///
/// Opus is decoded with libopus (`-c:a libopus`, bit-exact with `opusdec`): ffmpeg's native
/// Opus decoder puts its output 2 samples (at 48 kHz) later than libopus does.
fn ffmpeg_pcm(file: &str, rate: Option<u32>, channels: u16) -> Vec<i16> {
    let channels = channels.to_string();
    let rate = rate.map(|r| r.to_string());
    let mut args = vec![];
    if file.ends_with(".opus") {
        args.extend_from_slice(&["-c:a", "libopus"]);
    }
    args.extend_from_slice(&["-i", file, "-f", "s16le", "-ac", &channels]);
    if let Some(rate) = &rate {
        args.extend_from_slice(&["-ar", rate]);
    }
    args.push("-");
    s16le_samples(&ffmpeg(&args))
}

fn ours(bytes: &[u8], hint: &str, rate: u32, channels: u16) -> Prompt {
    Prompt::decode(bytes, Some(hint), rate, channels, &DecodeLimits::default())
        .unwrap_or_else(|e| panic!("{hint}: {e}"))
}

fn ours_err(bytes: &[u8], hint: &str) -> PlaybackError {
    Prompt::decode(bytes, Some(hint), 8000, 1, &DecodeLimits::default()).expect_err("an error")
}

/// How two decodings of one file compare.
#[derive(Debug)]
struct Agreement {
    /// Our frames minus theirs.
    length_difference: i64,
    /// The shift of ours against theirs that correlates best, in samples.
    best_lag: isize,
    /// Signal (theirs) to difference ratio at lag 0, in dB.
    snr_db: f64,
    /// Largest sample difference at lag 0.
    max_difference: i32,
}

fn compare(ours: &[i16], theirs: &[i16], channels: u16) -> Agreement {
    let n = ours.len().min(theirs.len());
    let (a, b) = (&ours[..n], &theirs[..n]);
    let correlation = |lag: isize| -> f64 {
        let step = lag * channels as isize;
        (0..n as isize)
            .filter_map(|i| {
                let j = i + step;
                (j >= 0 && (j as usize) < n)
                    .then(|| f64::from(a[i as usize]) * f64::from(b[j as usize]))
            })
            .sum()
    };
    let best_lag = (-40..=40)
        .max_by(|&x, &y| correlation(x).total_cmp(&correlation(y)))
        .expect("lags");
    let (mut signal, mut noise, mut max_difference) = (0.0, 0.0, 0);
    for (&x, &y) in a.iter().zip(b) {
        signal += f64::from(y).powi(2);
        noise += (f64::from(x) - f64::from(y)).powi(2);
        max_difference = max_difference.max((i32::from(x) - i32::from(y)).abs());
    }
    Agreement {
        length_difference: (ours.len() as i64 - theirs.len() as i64) / i64::from(channels),
        best_lag,
        snr_db: 10.0 * (signal / noise.max(1e-9)).log10(),
        max_difference,
    }
}

/// Ours agrees with ffmpeg on `file` decoded to `rate` and `channels`: within a 20 ms frame
/// in length, aligned, and at least `min_snr` dB apart.
fn assert_agrees(name: &str, bytes: &[u8], rate: u32, channels: u16, min_snr: f64) -> Agreement {
    let prompt = ours(bytes, name, rate, channels);
    let theirs = ffmpeg_pcm(&path(name), Some(rate), channels);
    let agreement = compare(prompt.samples(), &theirs, channels);
    eprintln!("{name} at {rate} Hz x {channels}: {agreement:?}");
    assert!(
        agreement.length_difference.unsigned_abs() <= u64::from(rate / 50),
        "{name}: length differs by {} frames",
        agreement.length_difference
    );
    assert_eq!(agreement.best_lag, 0, "{name}: ours is shifted");
    assert!(
        agreement.snr_db >= min_snr,
        "{name}: {:.1} dB from ffmpeg's decoding; expected at least {min_snr}",
        agreement.snr_db
    );
    agreement
}

#[test]
fn wav_pcm_of_every_width_matches_ffmpeg() {
    for (codec, exact) in [
        ("pcm_u8", true),
        ("pcm_s16le", true),
        ("pcm_s24le", false),
        ("pcm_s32le", false),
        ("pcm_f32le", false),
        ("pcm_f64le", false),
    ] {
        let name = format!("{codec}.wav");
        let bytes = encode(&name, &["-ar", "16000", "-c:a", codec]);
        // At the file's own rate: the samples themselves.
        let at_source = assert_agrees(&name, &bytes, 16_000, 1, 60.0);
        let most = if exact { 0 } else { 1 };
        assert!(at_source.max_difference <= most, "{codec}: {at_source:?}");
        // Resampled to 8 kHz: ffmpeg's resampler against ours.
        assert_agrees(&name, &bytes, 8000, 1, 30.0);
        let (_, info) =
            Prompt::decode_info(&bytes, None, 8000, 1, &DecodeLimits::default()).unwrap();
        assert_eq!(
            (info.format, info.source_rate, info.source_channels),
            (PromptFormat::Wav, 16_000, 1)
        );
    }
}

/// The data chunk of a WAV file written by ffmpeg.
fn wav_data(bytes: &[u8]) -> &[u8] {
    let at = bytes
        .windows(4)
        .position(|w| w == b"data")
        .expect("a data chunk");
    let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
    &bytes[at + 8..at + 8 + len]
}

#[test]
fn g711_wav_is_bit_exact_against_ffmpeg_and_our_g711() {
    for (codec, expand) in [
        ("pcm_mulaw", ulaw_to_linear as fn(u8) -> i16),
        ("pcm_alaw", alaw_to_linear as fn(u8) -> i16),
    ] {
        let name = format!("{codec}.wav");
        let bytes = encode(&name, &["-ar", "8000", "-c:a", codec]);
        let prompt = ours(&bytes, &name, 8000, 1);
        let expanded: Vec<i16> = wav_data(&bytes).iter().map(|&c| expand(c)).collect();
        assert_eq!(
            prompt.samples(),
            &expanded[..],
            "{codec}: against our G.711"
        );
        let theirs = ffmpeg_pcm(&path(&name), None, 1);
        assert_eq!(prompt.samples(), &theirs[..], "{codec}: against ffmpeg");
        // And played to a wideband call.
        assert_agrees(&name, &bytes, 16_000, 1, 30.0);
    }
}

#[test]
fn mp3_at_44k_stereo_plays_to_an_8k_mono_call() {
    let out = path("stereo.mp3");
    ffmpeg(&[
        "-i",
        &stereo_source(),
        "-c:a",
        "libmp3lame",
        "-b:a",
        "128k",
        &out,
    ]);
    let bytes = std::fs::read(&out).unwrap();
    let (prompt, info) =
        Prompt::decode_info(&bytes, Some("mp3"), 8000, 1, &DecodeLimits::default()).unwrap();
    assert_eq!(
        (info.format, info.source_rate, info.source_channels),
        (PromptFormat::Mp3, 44_100, 2)
    );
    assert_eq!(prompt.sample_rate(), 8000);
    assert_agrees("stereo.mp3", &bytes, 8000, 1, 30.0);
    // Stereo kept, at a wideband rate.
    assert_agrees("stereo.mp3", &bytes, 48_000, 2, 60.0);
    // ffmpeg writes an ID3v2 tag in front; a bare MP3 decodes the same.
    let bare = path("bare.mp3");
    ffmpeg(&[
        "-i",
        &stereo_source(),
        "-c:a",
        "libmp3lame",
        "-b:a",
        "64k",
        "-id3v2_version",
        "0",
        "-write_xing",
        "0",
        &bare,
    ]);
    let bare_bytes = std::fs::read(&bare).unwrap();
    assert!(!bare_bytes.starts_with(b"ID3"));
    assert_agrees("bare.mp3", &bare_bytes, 8000, 1, 30.0);
}

#[test]
fn flac_of_24_bits_matches_ffmpeg() {
    let out = path("hi-res.flac");
    ffmpeg(&[
        "-i",
        &stereo_source(),
        "-ar",
        "48000",
        "-c:a",
        "flac",
        "-sample_fmt",
        "s32",
        "-bits_per_raw_sample",
        "24",
        &out,
    ]);
    let bytes = std::fs::read(&out).unwrap();
    let (_, info) = Prompt::decode_info(&bytes, None, 48_000, 2, &DecodeLimits::default()).unwrap();
    assert_eq!(
        (info.format, info.source_rate, info.source_channels),
        (PromptFormat::Flac, 48_000, 2)
    );
    let at_source = assert_agrees("hi-res.flac", &bytes, 48_000, 2, 60.0);
    assert!(at_source.max_difference <= 1, "{at_source:?}");
    assert_agrees("hi-res.flac", &bytes, 8000, 1, 30.0);
    // 16-bit FLAC at a telephony rate is the samples themselves.
    let bytes = encode("plain.flac", &["-ar", "16000", "-c:a", "flac"]);
    assert_eq!(
        assert_agrees("plain.flac", &bytes, 16_000, 1, 60.0).max_difference,
        0
    );
}

#[test]
fn ogg_vorbis_matches_ffmpeg() {
    let bytes = encode(
        "speech.ogg",
        &["-ar", "44100", "-c:a", "libvorbis", "-q:a", "4"],
    );
    assert_eq!(
        PromptFormat::sniff(&bytes, None),
        Ok(PromptFormat::OggVorbis)
    );
    assert_agrees("speech.ogg", &bytes, 44_100, 1, 90.0);
    assert_agrees("speech.ogg", &bytes, 8000, 1, 30.0);
    let out = path("stereo.ogg");
    ffmpeg(&[
        "-i",
        &stereo_source(),
        "-c:a",
        "libvorbis",
        "-q:a",
        "3",
        &out,
    ]);
    let bytes = std::fs::read(&out).unwrap();
    assert_agrees("stereo.ogg", &bytes, 16_000, 1, 30.0);
}

/// `opusdec --rate 48000 --no-dither` of the file at `file`, 16-bit interleaved.
fn opusdec(file: &str, out: &str) -> Vec<i16> {
    run(
        "opusdec",
        &["--quiet", "--rate", "48000", "--no-dither", file, out],
        &[],
        "opus-tools",
    );
    let raw = ffmpeg(&["-i", out, "-f", "s16le", "-"]);
    s16le_samples(&raw)
}

/// The `OpusHead` pre-skip of an Ogg Opus file.
fn pre_skip(bytes: &[u8]) -> u16 {
    let at = bytes
        .windows(8)
        .position(|w| w == b"OpusHead")
        .expect("an OpusHead");
    u16::from_le_bytes([bytes[at + 10], bytes[at + 11]])
}

#[test]
fn ogg_opus_from_opusenc_matches_opusdec() {
    for (channels, source) in [(1u16, path("speech.wav")), (2, stereo_source())] {
        let name = format!("opusenc{channels}.opus");
        let out = path(&name);
        run(
            "opusenc",
            &["--quiet", "--bitrate", "48", &source, &out],
            &[],
            "opus-tools",
        );
        let bytes = std::fs::read(&out).unwrap();
        assert!(pre_skip(&bytes) > 0, "opusenc writes a pre-skip");
        assert_eq!(PromptFormat::sniff(&bytes, None), Ok(PromptFormat::OggOpus));
        let theirs = opusdec(&out, &path(&format!("opusdec{channels}.wav")));
        let (prompt, info) =
            Prompt::decode_info(&bytes, None, 48_000, channels, &DecodeLimits::default()).unwrap();
        assert_eq!(
            (info.format, info.source_rate, info.source_channels),
            (PromptFormat::OggOpus, 48_000, channels)
        );
        let agreement = compare(prompt.samples(), &theirs, channels);
        eprintln!("{name} against opusdec: {agreement:?}");
        // Pre-skip and end trimming: exactly opusdec's length.
        assert_eq!(agreement.length_difference, 0, "{name}");
        assert_eq!(agreement.best_lag, 0, "{name}");
        assert!(agreement.snr_db > 40.0, "{name}: {agreement:?}");
        // To a narrowband call, against ffmpeg (libopus) resampling.
        assert_agrees(&name, &bytes, 8000, 1, 30.0);
    }
}

#[test]
fn ogg_opus_from_ffmpeg_and_in_5_1_decodes() {
    let bytes = encode("ffmpeg.opus", &["-c:a", "libopus", "-b:a", "32k"]);
    assert_agrees("ffmpeg.opus", &bytes, 16_000, 1, 30.0);
    // 5.1 with the speech in the centre only: a multistream file (mapping family 1).
    let out = path("surround.opus");
    ffmpeg(&[
        "-i",
        &path("speech.wav"),
        "-filter_complex",
        "[0:a]aresample=48000,pan=5.1|FC=c0[out]",
        "-map",
        "[out]",
        "-c:a",
        "libopus",
        "-b:a",
        "128k",
        &out,
    ]);
    let bytes = std::fs::read(&out).unwrap();
    let (prompt, info) =
        Prompt::decode_info(&bytes, None, 48_000, 1, &DecodeLimits::default()).unwrap();
    assert_eq!(info.source_channels, 6);
    // The centre alone, from ffmpeg, against our downmix of all six (scaled: compare shape).
    let centre: Vec<i16> = ffmpeg_pcm(&out, Some(48_000), 6)
        .chunks(6)
        .map(|f| f[2])
        .collect();
    let ours: Vec<f64> = prompt.samples().iter().map(|&x| f64::from(x)).collect();
    let theirs: Vec<f64> = centre.iter().map(|&x| f64::from(x)).collect();
    let n = ours.len().min(theirs.len());
    let dot: f64 = ours[..n].iter().zip(&theirs[..n]).map(|(a, b)| a * b).sum();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let correlation = dot / (norm(&ours[..n]) * norm(&theirs[..n]));
    assert!(
        correlation > 0.95,
        "5.1 downmix correlates {correlation:.3} with the centre"
    );
}

#[test]
fn odd_source_rates_are_resampled_in_place() {
    // espeak-ng's own 22050 Hz, and 11025 Hz and 96 kHz made by ffmpeg.
    let speech = std::fs::read(path("speech.wav")).unwrap();
    assert_agrees("speech.wav", &speech, 8000, 1, 30.0);
    assert_agrees("speech.wav", &speech, 48_000, 1, 40.0);
    // Mono to a stereo call: the same on both sides (ffmpeg's -ac 2 plays mono 3 dB down
    // on each side; we keep the level a mono call would hear).
    let mono = ours(&speech, "wav", 48_000, 1);
    let stereo = ours(&speech, "wav", 48_000, 2);
    let doubled: Vec<i16> = mono.samples().iter().flat_map(|&s| [s, s]).collect();
    assert_eq!(stereo.samples(), &doubled[..]);
    for (name, rate) in [("low.wav", "11025"), ("high.wav", "96000")] {
        let bytes = encode(name, &["-ar", rate, "-c:a", "pcm_s16le"]);
        assert_agrees(name, &bytes, 16_000, 1, 30.0);
    }
}

/// A file of each format, as ffmpeg makes it.
fn every_format() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "cut.wav",
            encode("cut.wav", &["-ar", "16000", "-c:a", "pcm_s16le"]),
        ),
        (
            "cut.mp3",
            encode("cut.mp3", &["-c:a", "libmp3lame", "-b:a", "64k"]),
        ),
        ("cut.flac", encode("cut.flac", &["-c:a", "flac"])),
        ("cut.ogg", encode("cut.ogg", &["-c:a", "libvorbis"])),
        ("cut.opus", encode("cut.opus", &["-c:a", "libopus"])),
    ]
}

#[test]
fn truncated_files_are_reported_as_truncated() {
    for (name, bytes) in every_format() {
        for (what, cut) in [("in half", bytes.len() / 2), ("in the header", 30)] {
            match ours_err(&bytes[..cut], name) {
                PlaybackError::Truncated { format, reason } => {
                    eprintln!("{name} cut {what}: {format}: {reason}");
                }
                other => panic!("{name} cut {what}: {other:?}"),
            }
        }
    }
}

#[test]
fn garbage_empty_and_foreign_files_give_typed_errors() {
    let garbage: Vec<u8> = (0..50_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_eq!(
        ours_err(&garbage, "wav"),
        PlaybackError::UnsupportedFormat {
            detected: None,
            hint: Some("wav".into())
        }
    );
    assert_eq!(ours_err(&[], "wav"), PlaybackError::Empty { format: None });

    let png = path("image.png");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=red:size=16x16",
        "-frames:v",
        "1",
        &png,
    ]);
    let png = std::fs::read(png).unwrap();
    assert!(matches!(
        ours_err(&png, "png"),
        PlaybackError::UnsupportedFormat {
            detected: Some("PNG image"),
            ..
        }
    ));
    let m4a = encode("speech.m4a", &["-c:a", "aac", "-b:a", "64k"]);
    assert!(matches!(
        ours_err(&m4a, "m4a"),
        PlaybackError::UnsupportedFormat {
            detected: Some("MP4/M4A"),
            ..
        }
    ));
    let adts = encode("speech.aac", &["-c:a", "aac", "-f", "adts"]);
    assert_eq!(
        ours_err(&adts, "aac"),
        PlaybackError::UnsupportedCodec {
            codec: "AAC (ADTS)".into()
        }
    );
    let mp2 = encode("speech.mp2", &["-c:a", "mp2"]);
    assert_eq!(
        ours_err(&mp2, "mp2"),
        PlaybackError::UnsupportedCodec {
            codec: "MPEG audio Layer II (MP2)".into()
        }
    );
    let adpcm = encode("adpcm.wav", &["-c:a", "adpcm_ima_wav"]);
    assert_eq!(
        ours_err(&adpcm, "wav"),
        PlaybackError::UnsupportedCodec {
            codec: "IMA ADPCM in WAV".into()
        }
    );
}

#[test]
fn a_wav_header_claiming_4_gb_is_truncated_not_allocated() {
    let mut bytes = encode(
        "claims.wav",
        &["-ar", "8000", "-c:a", "pcm_s16le", "-bitexact"],
    );
    let at = bytes.windows(4).position(|w| w == b"data").unwrap();
    bytes[at + 4..at + 8].copy_from_slice(&0xFFFF_FF00u32.to_le_bytes());
    bytes[4..8].copy_from_slice(&0xFFFF_FF40u32.to_le_bytes());
    match ours_err(&bytes, "wav") {
        PlaybackError::Truncated {
            format: "WAV",
            reason,
        } => {
            assert!(reason.contains("claims 4294967040 bytes"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_file_longer_than_the_limit_is_too_long() {
    let limits = DecodeLimits {
        max_duration: Duration::from_secs(2),
        ..DecodeLimits::default()
    };
    for (name, bytes) in every_format() {
        assert_eq!(
            Prompt::decode(&bytes, Some(name), 8000, 1, &limits),
            Err(PlaybackError::TooLong {
                limit: Duration::from_secs(2)
            }),
            "{name}"
        );
    }
    let small = DecodeLimits {
        max_input_bytes: 1000,
        ..DecodeLimits::default()
    };
    let wav = std::fs::read(path("speech.wav")).unwrap();
    assert!(matches!(
        Prompt::decode(&wav, None, 8000, 1, &small),
        Err(PlaybackError::TooLarge { limit: 1000, .. })
    ));
}
