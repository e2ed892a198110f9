//! Prompt decoding on files built here: WAV in each sample format, Ogg Opus from the engine's
//! own encoder, and what the errors say about broken ones. Files from other tools (ffmpeg,
//! sox, opus-tools) are tested in the `tests` crate.

use core::time::Duration;

use proptest::prelude::*;

use super::ogg::{FLAG_BOS, FLAG_CONTINUED, FLAG_EOS, write_page};
use super::*;
use crate::codec::g711::{alaw_to_linear, ulaw_to_linear};
use crate::codec::opus::{OpusConfig, OpusDecoder, OpusEncoder};
use crate::codec::{Decoder, Encoder};

const PCM: u16 = 1;
const FLOAT: u16 = 3;
const ALAW: u16 = 6;
const MULAW: u16 = 7;

/// A WAV file: `fmt ` with `tag`, then `data`.
fn wav(tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
    let align = channels * bits.div_ceil(8);
    let mut f = b"RIFF".to_vec();
    f.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    f.extend_from_slice(b"WAVEfmt \x10\0\0\0");
    f.extend_from_slice(&tag.to_le_bytes());
    f.extend_from_slice(&channels.to_le_bytes());
    f.extend_from_slice(&rate.to_le_bytes());
    f.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
    f.extend_from_slice(&align.to_le_bytes());
    f.extend_from_slice(&bits.to_le_bytes());
    f.extend_from_slice(b"data");
    f.extend_from_slice(&(data.len() as u32).to_le_bytes());
    f.extend_from_slice(data);
    f
}

fn wav_i16(rate: u32, channels: u16, samples: &[i16]) -> Vec<u8> {
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    wav(PCM, channels, rate, 16, &data)
}

fn sine(rate: u32, freq: f64, frames: usize, amplitude: f64) -> Vec<i16> {
    (0..frames)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            (amplitude * (core::f64::consts::TAU * freq * t).sin()).round() as i16
        })
        .collect()
}

fn limits() -> DecodeLimits {
    DecodeLimits::default()
}

fn decode(bytes: &[u8], rate: u32, channels: u16) -> Result<Prompt, PlaybackError> {
    Prompt::decode(bytes, None, rate, channels, &limits())
}

/// Signal-to-noise ratio of `got` against `want` in dB, over `want`'s length.
fn snr_db(got: &[i16], want: &[i16]) -> f64 {
    let (mut signal, mut noise) = (0.0, 0.0);
    for (&g, &w) in got.iter().zip(want) {
        signal += f64::from(w).powi(2);
        noise += (f64::from(g) - f64::from(w)).powi(2);
    }
    10.0 * (signal / noise.max(1e-9)).log10()
}

fn peak(samples: &[i16]) -> i16 {
    samples
        .iter()
        .map(|s| s.saturating_abs())
        .max()
        .unwrap_or(0)
}

#[test]
fn pcm16_at_the_call_layout_is_copied_bit_exactly() {
    let pcm: Vec<i16> = (0..8000)
        .map(|i| ((i * 7919) % 65536 - 32768) as i16)
        .collect();
    let (prompt, info) =
        Prompt::decode_info(&wav_i16(8000, 1, &pcm), Some("wav"), 8000, 1, &limits()).unwrap();
    assert_eq!(prompt.samples(), &pcm[..]);
    assert_eq!(
        info,
        PromptInfo {
            format: PromptFormat::Wav,
            source_rate: 8000,
            source_channels: 1,
            source_frames: 8000
        }
    );
    assert_eq!(prompt.duration(), Duration::from_secs(1));
}

#[test]
fn every_wav_sample_format_decodes_to_the_same_audio() {
    let pcm: Vec<i16> = sine(8000, 440.0, 800, 20_000.0)
        .iter()
        .map(|s| s & !0xFF) // representable in 8 bits
        .collect();
    let u8_data: Vec<u8> = pcm.iter().map(|&s| ((s >> 8) + 128) as u8).collect();
    let s24: Vec<u8> = pcm
        .iter()
        .flat_map(|&s| {
            let b = (i32::from(s) << 8).to_le_bytes();
            [b[0], b[1], b[2]]
        })
        .collect();
    let s32: Vec<u8> = pcm
        .iter()
        .flat_map(|&s| (i32::from(s) << 16).to_le_bytes())
        .collect();
    let f32_data: Vec<u8> = pcm
        .iter()
        .flat_map(|&s| (f32::from(s) / 32768.0).to_le_bytes())
        .collect();
    for (name, file) in [
        ("u8", wav(PCM, 1, 8000, 8, &u8_data)),
        ("s24", wav(PCM, 1, 8000, 24, &s24)),
        ("s32", wav(PCM, 1, 8000, 32, &s32)),
        ("f32", wav(FLOAT, 1, 8000, 32, &f32_data)),
    ] {
        let prompt = decode(&file, 8000, 1).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(prompt.samples(), &pcm[..], "{name}");
    }
}

#[test]
fn g711_wav_expands_exactly_as_the_engine_g711_does() {
    let codes: Vec<u8> = (0..=255).collect();
    for (tag, expand) in [
        (MULAW, ulaw_to_linear as fn(u8) -> i16),
        (ALAW, alaw_to_linear as fn(u8) -> i16),
    ] {
        let want: Vec<i16> = codes.iter().map(|&c| expand(c)).collect();
        // A 16-byte fmt chunk, and the 18-byte one (with cbSize) that ffmpeg and sox write.
        let short = wav(tag, 1, 8000, 8, &codes);
        let mut long = short[..36].to_vec();
        long[16] = 18;
        long.extend_from_slice(&[0, 0]);
        long.extend_from_slice(&short[36..]);
        let riff = long.len() as u32 - 8;
        long[4..8].copy_from_slice(&riff.to_le_bytes());
        for file in [short, long] {
            let prompt = decode(&file, 8000, 1).unwrap();
            assert_eq!(prompt.samples(), &want[..], "format tag {tag}");
        }
    }
}

#[test]
fn channels_are_averaged_down_and_copied_up() {
    let stereo: Vec<i16> = (0..400).flat_map(|i| [i * 10, -i * 4 + 3]).collect();
    let mono = decode(&wav_i16(8000, 2, &stereo), 8000, 1).unwrap();
    let want: Vec<i16> = stereo
        .chunks(2)
        .map(|p| ((i32::from(p[0]) + i32::from(p[1])) as f32 / 2.0).round() as i16)
        .collect();
    for (g, w) in mono.samples().iter().zip(&want) {
        assert!((g - w).abs() <= 1, "{g} vs {w}");
    }
    let up = decode(&wav_i16(8000, 1, &[5, -7, 9]), 8000, 2).unwrap();
    assert_eq!(up.samples(), &[5, 5, -7, -7, 9, 9]);
    assert_eq!(up.channels(), 2);
}

#[test]
fn five_point_one_is_mixed_by_speaker_with_the_lfe_left_out() {
    // WAV order FL FR FC LFE BL BR: a tone in the centre, another in the LFE.
    let tone = sine(8000, 500.0, 800, 10_000.0);
    let mut six = Vec::new();
    for &s in &tone {
        six.extend_from_slice(&[0, 0, s, s, 0, 0]);
    }
    let mono = decode(&wav_i16(8000, 6, &six), 8000, 1).unwrap();
    // Weights 1 + 1 + 1.414 + 0.707 + 0.707 = 4.83 scale the centre's 1.414 to 0.293.
    let ratio = f64::from(peak(mono.samples())) / f64::from(peak(&tone));
    assert!((ratio - 0.2929).abs() < 0.005, "centre in mono at {ratio}");
    let stereo = decode(&wav_i16(8000, 6, &six), 8000, 2).unwrap();
    let left: Vec<i16> = stereo.samples().iter().step_by(2).copied().collect();
    let ratio = f64::from(peak(&left)) / f64::from(peak(&tone));
    // Left: 1 + 0.707 + 0.707 = 2.414 scales the centre's 0.707 to 0.293.
    assert!((ratio - 0.2929).abs() < 0.005, "centre in left at {ratio}");
    let right: Vec<i16> = stereo
        .samples()
        .iter()
        .skip(1)
        .step_by(2)
        .copied()
        .collect();
    assert_eq!(left, right);
}

/// `got` holds `want` at the same time: the best lag is 0 and the match is close.
fn assert_aligned(got: &[i16], want: &[i16], min_snr: f64) {
    assert_eq!(got.len(), want.len(), "length");
    // Leave out the first and last 5 ms, where the filter sees the silence around the file.
    let edge = got.len() / 100;
    let (g, w) = (&got[edge..got.len() - edge], &want[edge..want.len() - edge]);
    let best_lag = (-3i32..=3)
        .max_by(|&a, &b| {
            let corr = |lag: i32| -> f64 {
                g.iter()
                    .enumerate()
                    .filter_map(|(i, &x)| {
                        let j = i as i32 + lag;
                        w.get(usize::try_from(j).ok()?)
                            .map(|&y| f64::from(x) * f64::from(y))
                    })
                    .sum()
            };
            corr(a).total_cmp(&corr(b))
        })
        .unwrap();
    assert_eq!(best_lag, 0, "the prompt is shifted");
    let snr = snr_db(g, w);
    assert!(snr > min_snr, "SNR {snr:.1} dB");
}

#[test]
fn resampling_keeps_the_prompt_in_place_and_its_length() {
    // A telephony rate pair (the engine's resampler) and an odd source rate (rubato direct).
    for (source_rate, frames) in [
        (16_000u32, 16_000usize),
        (44_100, 44_100),
        (22_050, 11_025),
        (11_025, 11_025),
        (37_800, 18_900),
        (96_000, 9600),
        (7_350, 7_350),
    ] {
        let pcm = sine(source_rate, 1000.0, frames, 12_000.0);
        let prompt = decode(&wav_i16(source_rate, 1, &pcm), 8000, 1).unwrap();
        let want_len = (frames as u64 * 8000).div_ceil(u64::from(source_rate)) as usize;
        let want = sine(8000, 1000.0, want_len, 12_000.0);
        assert_aligned(prompt.samples(), &want, 45.0);
    }
    // Up as well: 8 kHz to 48 kHz stereo.
    let pcm = sine(8000, 700.0, 4000, 12_000.0);
    let prompt = decode(&wav_i16(8000, 1, &pcm), 48_000, 2).unwrap();
    let left: Vec<i16> = prompt.samples().iter().step_by(2).copied().collect();
    assert_aligned(&left, &sine(48_000, 700.0, 24_000, 12_000.0), 45.0);
}

#[test]
fn limits_are_enforced_before_the_audio_is_kept() {
    let one_second = wav_i16(8000, 1, &vec![100; 8000]);
    let short = DecodeLimits {
        max_duration: Duration::from_millis(999),
        ..DecodeLimits::default()
    };
    assert_eq!(
        Prompt::decode(&one_second, None, 8000, 1, &short),
        Err(PlaybackError::TooLong {
            limit: Duration::from_millis(999)
        })
    );
    let exact = DecodeLimits {
        max_duration: Duration::from_secs(1),
        ..DecodeLimits::default()
    };
    assert_eq!(
        Prompt::decode(&one_second, None, 8000, 1, &exact)
            .unwrap()
            .frames(),
        8000
    );
    let small = DecodeLimits {
        max_input_bytes: 1000,
        ..DecodeLimits::default()
    };
    assert_eq!(
        Prompt::decode(&one_second, None, 8000, 1, &small),
        Err(PlaybackError::TooLarge {
            bytes: one_second.len(),
            limit: 1000
        })
    );
    assert_eq!(
        decode(&one_second, 22_050, 1),
        Err(PlaybackError::UnsupportedLayout {
            sample_rate: 22_050,
            channels: 1,
            reason: "prompts decode to 8000, 12000, 16000, 24000, 32000, 44100 or 48000 Hz"
        })
    );
    assert!(matches!(
        decode(&one_second, 8000, 3),
        Err(PlaybackError::UnsupportedLayout { .. })
    ));
}

#[test]
fn broken_and_foreign_files_give_errors_that_say_what_is_wrong() {
    let good = wav_i16(8000, 1, &[1; 800]);
    assert_eq!(
        decode(&[], 8000, 1),
        Err(PlaybackError::Empty { format: None })
    );
    assert_eq!(
        decode(&wav_i16(8000, 1, &[]), 8000, 1),
        Err(PlaybackError::Empty {
            format: Some("WAV")
        })
    );
    // Cut in the header, and in the data.
    for cut in [10, 30, 43, 800] {
        let err = decode(&good[..cut], 8000, 1).unwrap_err();
        assert!(
            matches!(err, PlaybackError::Truncated { format: "WAV", .. }),
            "cut at {cut}: {err}"
        );
    }
    // A header that claims 4 GB of data.
    let mut huge = good.clone();
    huge[40..44].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    assert_eq!(
        decode(&huge, 8000, 1).unwrap_err().to_string(),
        "truncated WAV prompt: the data chunk claims 4294967280 bytes; 1600 are present"
    );
    // ffmpeg's and sox's "length unknown" markers read to the end.
    for marker in [u32::MAX, 0x7fff_f000] {
        let mut piped = good.clone();
        let riff = marker.saturating_add(36);
        piped[4..8].copy_from_slice(&riff.to_le_bytes());
        piped[40..44].copy_from_slice(&marker.to_le_bytes());
        assert_eq!(decode(&piped, 8000, 1).unwrap().frames(), 800);
    }
    // A RIFF length that ends before the data (a common writer mistake) is not held against
    // the file.
    let mut short_riff = good.clone();
    short_riff[4..8].copy_from_slice(&36u32.to_le_bytes());
    assert_eq!(decode(&short_riff, 8000, 1).unwrap().frames(), 800);
    let adpcm = wav(0x11, 1, 8000, 4, &[0; 256]);
    assert_eq!(
        decode(&adpcm, 8000, 1),
        Err(PlaybackError::UnsupportedCodec {
            codec: "IMA ADPCM in WAV".into()
        })
    );
    assert_eq!(
        decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 8000, 1),
        Err(PlaybackError::UnsupportedFormat {
            detected: Some("PNG image"),
            hint: None
        })
    );
    let garbage: Vec<u8> = (0..1000u32).map(|i| (i * 37 % 251) as u8).collect();
    let err = Prompt::decode(&garbage, Some("wav"), 8000, 1, &limits()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "prompt format not recognised (file extension \"wav\"); expected WAV (PCM, float, \
         mu-law, A-law), MP3, FLAC, Ogg Vorbis or Ogg Opus"
    );
    assert_eq!(
        decode(b"\xFF\xF1\x50\x80\x02\x1F\xFC", 8000, 1),
        Err(PlaybackError::UnsupportedCodec {
            codec: "AAC (ADTS)".into()
        })
    );
    assert_eq!(
        decode(b"ID3\x04\0\0\0\0\x10\0abc", 8000, 1)
            .unwrap_err()
            .to_string(),
        "truncated MP3 prompt: the ID3v2 tag at byte 0 claims 2058 bytes; 13 are left"
    );
    let odd_rate = wav_i16(500, 1, &[0; 100]);
    assert!(matches!(
        decode(&odd_rate, 8000, 1),
        Err(PlaybackError::UnsupportedAudio { format: "WAV", .. })
    ));
    let prime_rate = wav_i16(20_011, 1, &[0; 100]);
    assert!(matches!(
        decode(&prime_rate, 8000, 1),
        Err(PlaybackError::UnsupportedAudio { .. })
    ));
}

#[test]
fn sniffing_names_formats_without_decoding() {
    assert_eq!(
        PromptFormat::sniff(&wav_i16(8000, 1, &[0]), None),
        Ok(PromptFormat::Wav)
    );
    assert_eq!(
        PromptFormat::sniff(b"fLaC\0\0\0\x22", None),
        Ok(PromptFormat::Flac)
    );
    assert_eq!(
        PromptFormat::sniff(b"\xFF\xFB\x90\x64\0\0", None),
        Ok(PromptFormat::Mp3)
    );
    assert_eq!(
        PromptFormat::sniff(b"ID3\x04\0\0\0\0\0\0\xFF\xFB\x90\x64", None),
        Ok(PromptFormat::Mp3)
    );
    assert_eq!(
        PromptFormat::sniff(b"\0\0\0\0junk", Some(".MP3")),
        Ok(PromptFormat::Mp3)
    );
    assert_eq!(
        PromptFormat::sniff(b"\0\0\0\x20ftypM4A ", Some("m4a")),
        Err(PlaybackError::UnsupportedFormat {
            detected: Some("MP4/M4A"),
            hint: Some("m4a".into())
        })
    );
    assert_eq!(
        PromptFormat::sniff(b"\xFF\xFD\x90\x64", None),
        Err(PlaybackError::UnsupportedCodec {
            codec: "MPEG audio Layer II (MP2)".into()
        })
    );
    assert_eq!(PromptFormat::Wav.to_string(), "WAV");
    assert_eq!(PromptFormat::OggOpus.name(), "Ogg Opus");
}

/// 20 ms Opus packets of `pcm` (48 kHz, `channels` interleaved).
fn opus_packets(pcm: &[i16], channels: u16) -> Vec<Vec<u8>> {
    let mut encoder = OpusEncoder::new(48_000, channels, OpusConfig::default()).unwrap();
    let frame = 960 * usize::from(channels);
    pcm.chunks_exact(frame)
        .map(|chunk| {
            let mut out = vec![0u8; encoder.max_payload_len(frame)];
            let n = encoder.encode(chunk, &mut out).unwrap();
            out.truncate(n);
            out
        })
        .collect()
}

/// What a plain decoder makes of `packets` at 48 kHz.
fn opus_reference(packets: &[Vec<u8>], channels: u16) -> Vec<i16> {
    let mut decoder = OpusDecoder::new(48_000, channels).unwrap();
    let mut all = Vec::new();
    let mut out = vec![0i16; 5760 * usize::from(channels)];
    for p in packets {
        let n = decoder.decode(p, &mut out).unwrap();
        all.extend_from_slice(&out[..n]);
    }
    all
}

/// How an Ogg Opus file is laid out, for [`ogg_opus`].
struct OggOpusSpec<'a> {
    head: Vec<u8>,
    packets: &'a [Vec<u8>],
    /// Samples per packet at 48 kHz.
    packet_samples: u64,
    /// Granule position of the last page; the total decoded when `None`.
    end_granule: Option<u64>,
    /// Granule positions start here (a stream that does not start at time 0).
    start: u64,
    /// Packets per page.
    per_page: usize,
}

fn opus_head(channels: u8, pre_skip: u16, gain: i16) -> Vec<u8> {
    let mut head = b"OpusHead\x01".to_vec();
    head.push(channels);
    head.extend_from_slice(&pre_skip.to_le_bytes());
    head.extend_from_slice(&48_000u32.to_le_bytes());
    head.extend_from_slice(&gain.to_le_bytes());
    head.push(0);
    head
}

fn lacing(len: usize) -> Vec<u8> {
    let mut l = vec![255u8; len / 255];
    l.push((len % 255) as u8);
    l
}

fn ogg_opus(spec: &OggOpusSpec<'_>) -> Vec<u8> {
    let serial = 0x1234_5678;
    let mut file = Vec::new();
    write_page(
        &mut file,
        FLAG_BOS,
        0,
        serial,
        0,
        &lacing(spec.head.len()),
        &spec.head,
    );
    let tags = b"OpusTags\x04\0\0\0test\0\0\0\0";
    write_page(&mut file, 0, 0, serial, 1, &lacing(tags.len()), tags);
    let pages: Vec<&[Vec<u8>]> = spec.packets.chunks(spec.per_page).collect();
    let mut granule = spec.start;
    for (i, group) in pages.iter().enumerate() {
        let mut segments = Vec::new();
        let mut body = Vec::new();
        for p in *group {
            segments.extend(lacing(p.len()));
            body.extend_from_slice(p);
        }
        granule += spec.packet_samples * group.len() as u64;
        let last = i + 1 == pages.len();
        let (flags, g) = if last {
            (FLAG_EOS, spec.end_granule.unwrap_or(granule))
        } else {
            (0, granule)
        };
        write_page(&mut file, flags, g, serial, 2 + i as u32, &segments, &body);
    }
    file
}

fn speech_like(frames: usize, channels: u16) -> Vec<i16> {
    (0..frames)
        .flat_map(|i| {
            let t = i as f64 / 48_000.0;
            let env = 0.5 + 0.5 * (t * 3.0 * core::f64::consts::TAU).sin();
            let v = env
                * (8000.0 * (t * 220.0 * core::f64::consts::TAU).sin()
                    + 3000.0 * (t * 1250.0 * core::f64::consts::TAU).sin());
            (0..channels).map(move |c| (v * (1.0 - 0.3 * f64::from(c))) as i16)
        })
        .collect()
}

#[test]
fn ogg_opus_honours_pre_skip_end_trimming_and_output_gain() {
    for channels in [1u16, 2] {
        let pcm = speech_like(48_000, channels);
        let packets = opus_packets(&pcm, channels);
        let reference = opus_reference(&packets, channels);
        let ch = usize::from(channels);
        let pre_skip = 312u16;
        // 50 packets of 960 = 48000 decoded; the last page keeps 47500 - 312 of them.
        let end = 47_500u64;
        for per_page in [1, 7] {
            let file = ogg_opus(&OggOpusSpec {
                head: opus_head(channels as u8, pre_skip, 0),
                packets: &packets,
                packet_samples: 960,
                end_granule: Some(end),
                start: 0,
                per_page,
            });
            let (prompt, info) =
                Prompt::decode_info(&file, None, 48_000, channels, &limits()).unwrap();
            let want = &reference[usize::from(pre_skip) * ch..end as usize * ch];
            assert_eq!(
                prompt.samples(),
                want,
                "{channels} channels, {per_page} per page"
            );
            assert_eq!(info.format, PromptFormat::OggOpus);
            assert_eq!((info.source_rate, info.source_channels), (48_000, channels));
            assert_eq!(info.source_frames, end - u64::from(pre_skip));
        }
        // -6.02 dB of output gain (Q7.8) halves every sample.
        let file = ogg_opus(&OggOpusSpec {
            head: opus_head(channels as u8, 0, -1541),
            packets: &packets,
            packet_samples: 960,
            end_granule: None,
            start: 0,
            per_page: 3,
        });
        let prompt = decode(&file, 48_000, channels).unwrap();
        for (&g, &r) in prompt.samples().iter().zip(&reference) {
            assert!(
                (f64::from(g) - f64::from(r) / 2.0).abs() <= 1.0,
                "{g} vs {r}/2"
            );
        }
    }
}

#[test]
fn ogg_opus_that_starts_late_plays_from_its_first_sample() {
    let pcm = speech_like(9600, 1);
    let packets = opus_packets(&pcm, 1);
    let reference = opus_reference(&packets, 1);
    let file = ogg_opus(&OggOpusSpec {
        head: opus_head(1, 0, 0),
        packets: &packets,
        packet_samples: 960,
        end_granule: Some(1_000_000 + 9000),
        start: 1_000_000,
        per_page: 2,
    });
    assert_eq!(
        decode(&file, 48_000, 1).unwrap().samples(),
        &reference[..9000]
    );
}

/// RFC 6716 Appendix B: a standard code 0 or 1 packet in self-delimiting framing.
fn self_delimited(packet: &[u8]) -> Vec<u8> {
    let toc = packet[0];
    let frame_len = match toc & 3 {
        0 => packet.len() - 1,
        1 => (packet.len() - 1) / 2,
        code => panic!("the test encoder wrote a code {code} packet"),
    };
    let mut out = vec![toc];
    if frame_len < 252 {
        out.push(frame_len as u8);
    } else {
        let b0 = 252 + (frame_len - 252) % 4;
        out.extend_from_slice(&[b0 as u8, ((frame_len - b0) / 4) as u8]);
    }
    out.extend_from_slice(&packet[1..]);
    out
}

#[test]
fn ogg_opus_multistream_maps_each_stream_to_its_channel() {
    let left = speech_like(19_200, 1);
    let right: Vec<i16> = sine(48_000, 600.0, 19_200, 9000.0);
    let (pl, pr) = (opus_packets(&left, 1), opus_packets(&right, 1));
    let (rl, rr) = (opus_reference(&pl, 1), opus_reference(&pr, 1));
    let packets: Vec<Vec<u8>> = pl
        .iter()
        .zip(&pr)
        .map(|(a, b)| [self_delimited(a), b.clone()].concat())
        .collect();
    // Family 1, two channels carried as two uncoupled mono streams, mapped right to left.
    let mut head = opus_head(2, 0, 0);
    head[18] = 1;
    head.extend_from_slice(&[2, 0, 1, 0]);
    let file = ogg_opus(&OggOpusSpec {
        head,
        packets: &packets,
        packet_samples: 960,
        end_granule: None,
        start: 0,
        per_page: 4,
    });
    let prompt = decode(&file, 48_000, 2).unwrap();
    let want: Vec<i16> = rr.iter().zip(&rl).flat_map(|(&r, &l)| [r, l]).collect();
    assert_eq!(prompt.samples(), &want[..]);
}

#[test]
fn broken_ogg_opus_files_are_reported() {
    let packets = opus_packets(&speech_like(9600, 1), 1);
    let spec = |end_granule| OggOpusSpec {
        head: opus_head(1, 312, 0),
        packets: &packets,
        packet_samples: 960,
        end_granule,
        start: 0,
        per_page: 2,
    };
    let good = ogg_opus(&spec(None));
    assert!(decode(&good, 8000, 1).is_ok());
    let is = |bytes: &[u8], want: &str| {
        let err = decode(bytes, 8000, 1).unwrap_err().to_string();
        assert!(err.contains(want), "{err:?} does not say {want:?}");
    };
    is(&good[..good.len() / 2], "truncated Ogg Opus prompt");
    is(&good[..40], "truncated Ogg");
    let mut flipped = good.clone();
    let last = flipped.len() - 10;
    flipped[last] ^= 0x40;
    is(&flipped, "fails its CRC");
    // The last page cut off exactly at a page boundary: no end-of-stream page.
    let mut no_eos = Vec::new();
    let mut pages = ogg::Pages::new(&good);
    let mut kept = 0;
    while let Ok(Some(page)) = pages.next_page() {
        if page.is_eos() {
            kept = page.offset;
        }
    }
    no_eos.extend_from_slice(&good[..kept]);
    is(&no_eos, "no end-of-stream flag");
    // A last granule position before the previous page's.
    is(&ogg_opus(&spec(Some(500))), "granule position goes back");
    // A bad identification header.
    let mut two_in_family_0 = spec(None);
    two_in_family_0.head = opus_head(3, 0, 0);
    is(
        &ogg_opus(&two_in_family_0),
        "channel mapping family 0 with 3 channels",
    );
    let mut ambisonics = spec(None);
    ambisonics.head = opus_head(4, 0, 0);
    ambisonics.head[18] = 2;
    is(&ogg_opus(&ambisonics), "family 2 (ambisonics)");
    // A page that does not continue the packet it should.
    let mut broken = Vec::new();
    write_page(&mut broken, FLAG_BOS, 0, 1, 0, &[19], &opus_head(1, 0, 0));
    write_page(&mut broken, 0, 0, 1, 1, &[255], &[b'O'; 255]);
    write_page(&mut broken, FLAG_EOS, 960, 1, 2, &[3], b"abc");
    is(&broken, "does not continue");
    let mut broken = Vec::new();
    write_page(&mut broken, FLAG_BOS, 0, 1, 0, &[19], &opus_head(1, 0, 0));
    write_page(&mut broken, FLAG_CONTINUED, 0, 1, 1, &[3], b"abc");
    is(&broken, "claims to continue");
    // Only a Vorbis-looking stream of another codec.
    let mut speex = Vec::new();
    write_page(&mut speex, FLAG_BOS, 0, 1, 0, &[8], b"Speex   ");
    assert_eq!(
        decode(&speex, 8000, 1),
        Err(PlaybackError::UnsupportedCodec {
            codec: "Speex".into()
        })
    );
}

#[test]
fn a_long_opus_comment_header_is_not_kept() {
    // 1 MB of tags over many pages, then the audio: decodes, and is not an audio packet.
    let packets = opus_packets(&speech_like(4800, 1), 1);
    let mut file = Vec::new();
    write_page(&mut file, FLAG_BOS, 0, 7, 0, &[19], &opus_head(1, 0, 0));
    let mut tags = b"OpusTags".to_vec();
    tags.resize(1 << 20, b'x');
    let mut sequence = 1;
    for (i, chunk) in tags.chunks(255 * 255).enumerate() {
        let last = (i + 1) * 255 * 255 >= tags.len();
        let mut segments = vec![255u8; chunk.len() / 255];
        if last {
            segments.push((chunk.len() % 255) as u8);
        }
        let flags = if i == 0 { 0 } else { FLAG_CONTINUED };
        let granule = if last { 0 } else { u64::MAX };
        write_page(&mut file, flags, granule, 7, sequence, &segments, chunk);
        sequence += 1;
    }
    let mut segments = Vec::new();
    let mut body = Vec::new();
    for p in &packets {
        segments.extend(lacing(p.len()));
        body.extend_from_slice(p);
    }
    write_page(&mut file, FLAG_EOS, 4800, 7, sequence, &segments, &body);
    assert_eq!(decode(&file, 48_000, 1).unwrap().frames(), 4800);
}

#[test]
fn a_file_that_expands_past_the_limit_stops_at_the_limit() {
    // 1,000 one-byte Opus packets (a TOC alone: 60 ms each, concealed) are a minute of
    // audio in 33 KB; with a 1 s limit, decoding stops within the first page past it.
    let packets = vec![vec![0x18u8]; 1000];
    let file = ogg_opus(&OggOpusSpec {
        head: opus_head(1, 0, 0),
        packets: &packets,
        packet_samples: 2880,
        end_granule: None,
        start: 0,
        per_page: 200,
    });
    let one_second = DecodeLimits {
        max_duration: Duration::from_secs(1),
        ..DecodeLimits::default()
    };
    assert_eq!(
        Prompt::decode(&file, None, 8000, 1, &one_second),
        Err(PlaybackError::TooLong {
            limit: Duration::from_secs(1)
        })
    );
    // Within the limit it decodes, all of it.
    let prompt = Prompt::decode(&file, None, 8000, 1, &limits()).unwrap();
    assert_eq!(prompt.duration(), Duration::from_secs(60));
}

fn small_limits() -> DecodeLimits {
    DecodeLimits {
        max_input_bytes: 1 << 16,
        max_duration: Duration::from_secs(2),
    }
}

/// Decoding `bytes` either fails or gives a prompt within the limits.
fn check_decodes_within_limits(bytes: &[u8], rate: u32, channels: u16) {
    let limits = small_limits();
    if let Ok(prompt) = Prompt::decode(bytes, None, rate, channels, &limits) {
        assert!(prompt.frames() > 0);
        // Rate conversion rounds the length up by at most one frame.
        let most = limits.max_duration.as_secs() as usize * rate as usize + 1;
        assert!(prompt.frames() <= most, "{} frames", prompt.frames());
        assert_eq!((prompt.sample_rate(), prompt.channels()), (rate, channels));
    }
}

fn mutate(mut bytes: Vec<u8>, flips: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    for &(at, xor) in flips {
        if !bytes.is_empty() {
            let i = at % bytes.len();
            bytes[i] ^= xor;
        }
    }
    if let Some(cut) = cut {
        bytes.truncate(cut % (bytes.len() + 1));
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check_decodes_within_limits(&bytes, 8000, 1);
    }

    #[test]
    fn arbitrary_bytes_behind_a_magic_never_panic(
        magic in prop::sample::select(vec![&b"RIFF\x40\0\0\0WAVEfmt "[..], b"OggS\0\x02", b"fLaC", b"\xFF\xFB\x90\x64", b"ID3\x03\0\0\0\0\0\x10"]),
        tail in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        check_decodes_within_limits(&[magic, &tail[..]].concat(), 16_000, 2);
    }

    #[test]
    fn mutated_wav_files_never_panic(
        flips in proptest::collection::vec((any::<usize>(), 1u8..), 0..6),
        cut in proptest::option::of(any::<usize>()),
        channels in 1u16..=3,
        rate in prop::sample::select(vec![8000u32, 11_025, 44_100]),
    ) {
        let pcm = sine(rate, 300.0, rate as usize / 10 * usize::from(channels), 9000.0);
        let file = mutate(wav_i16(rate, channels, &pcm), &flips, cut);
        check_decodes_within_limits(&file, 8000, 1);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn mutated_ogg_opus_files_never_panic(
        flips in proptest::collection::vec((any::<usize>(), 1u8..), 0..4),
        cut in proptest::option::of(any::<usize>()),
        fix_crc in any::<bool>(),
    ) {
        let packets = opus_packets(&speech_like(4800, 1), 1);
        let file = ogg_opus(&OggOpusSpec {
            head: opus_head(1, 312, 0),
            packets: &packets,
            packet_samples: 960,
            end_granule: None,
            start: 0,
            per_page: 2,
        });
        let mut file = mutate(file, &flips, cut);
        if fix_crc {
            // Reach past the CRC check: rewrite each page's CRC after the mutation.
            refresh_crcs(&mut file);
        }
        check_decodes_within_limits(&file, 8000, 1);
    }
}

/// Recomputes the CRC of every well-framed page, so mutations reach the page contents.
fn refresh_crcs(file: &mut [u8]) {
    let mut pos = 0;
    while pos + 27 <= file.len() && &file[pos..pos + 4] == b"OggS" {
        let segments = usize::from(file[pos + 26]);
        let Some(lacing) = file.get(pos + 27..pos + 27 + segments) else {
            return;
        };
        let len = 27 + segments + lacing.iter().map(|&l| usize::from(l)).sum::<usize>();
        if pos + len > file.len() {
            return;
        }
        let page = file[pos..pos + len].to_vec();
        let mut rewritten = Vec::new();
        write_page(
            &mut rewritten,
            page[5],
            u64::from_le_bytes(page[6..14].try_into().unwrap()),
            u32::from_le_bytes(page[14..18].try_into().unwrap()),
            u32::from_le_bytes(page[18..22].try_into().unwrap()),
            &page[27..27 + segments],
            &page[27 + segments..],
        );
        file[pos..pos + len].copy_from_slice(&rewritten);
        pos += len;
    }
}
