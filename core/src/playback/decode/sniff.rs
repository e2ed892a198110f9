//! Which format a file is in, from its first bytes: the five prompt formats, and by name the
//! common ones that are not (so the error says "a PNG image", not "corrupt").
//!
//! Content decides; the caller's file-extension hint is used only for headerless content
//! (an MP3 that starts with junk before its first frame).

use super::PromptFormat;
use super::ogg::{PageError, Pages};
use crate::playback::PlaybackError;

/// Where the audio container starts (after any ID3v2 tags) and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sniffed {
    /// Bytes to skip: ID3v2 tags in front of the container.
    pub offset: usize,
    /// The format found.
    pub format: PromptFormat,
}

/// Magic numbers of formats that are not prompt formats, with their names.
const OTHER_MAGIC: [(usize, &[u8], &str); 23] = [
    (0, b"\x89PNG", "PNG image"),
    (0, b"\xFF\xD8\xFF", "JPEG image"),
    (0, b"GIF8", "GIF image"),
    (0, b"%PDF", "PDF document"),
    (0, b"PK\x03\x04", "ZIP archive"),
    (0, b"\x1F\x8B", "gzip archive"),
    (0, b"\x7FELF", "ELF executable"),
    (0, b"\x1A\x45\xDF\xA3", "Matroska/WebM"),
    (0, b"#!AMR", "AMR"),
    (0, b".snd", "Sun/NeXT AU"),
    (0, b"MThd", "MIDI"),
    (0, b"wvpk", "WavPack"),
    (0, b"MAC ", "Monkey's Audio"),
    (0, b"caff", "Core Audio (CAF)"),
    (0, b"RIFX", "big-endian WAV (RIFX)"),
    (0, b"RF64", "RF64 WAV"),
    (0, b"BW64", "BW64 WAV"),
    (0, b"\x30\x26\xB2\x75", "ASF/WMA"),
    (0, b"\x00\x00\x01\xBA", "MPEG program stream"),
    (4, b"ftyp", "MP4/M4A"),
    (0, b"<?xml", "XML text"),
    (0, b"<!DOCTYPE", "HTML text"),
    (0, b"<html", "HTML text"),
];

/// Finds the format of `bytes` (not empty).
pub(super) fn sniff(bytes: &[u8], hint: Option<&str>) -> Result<Sniffed, PlaybackError> {
    let offset = skip_id3v2(bytes)?;
    let content = &bytes[offset..];
    if content.is_empty() {
        return Err(PlaybackError::Empty {
            format: Some(PromptFormat::Mp3.name()),
        });
    }
    let found = |format| Ok(Sniffed { offset, format });
    let unsupported = |detected: &'static str| {
        Err(PlaybackError::UnsupportedFormat {
            detected: Some(detected),
            hint: hint.map(str::to_owned),
        })
    };
    if content.starts_with(b"RIFF") {
        return match content.get(8..12) {
            Some(b"WAVE") => found(PromptFormat::Wav),
            Some(b"AVI ") => unsupported("AVI video"),
            Some(b"WEBP") => unsupported("WebP image"),
            Some(_) => unsupported("RIFF (not WAVE)"),
            None => Err(PlaybackError::Truncated {
                format: PromptFormat::Wav.name(),
                reason: "the file ends inside the RIFF header".into(),
            }),
        };
    }
    if content.starts_with(b"fLaC") {
        return found(PromptFormat::Flac);
    }
    if content.starts_with(b"OggS") {
        return ogg_codec(content).map(|format| Sniffed { offset, format });
    }
    if content.starts_with(b"FORM") {
        return match content.get(8..12) {
            Some(b"AIFF" | b"AIFC") => unsupported("AIFF"),
            _ => unsupported("IFF (not audio)"),
        };
    }
    match mpeg_audio_layer(content) {
        Some(MpegSync::Layer(3)) => return found(PromptFormat::Mp3),
        Some(MpegSync::Layer(2)) => return unsupported_codec("MPEG audio Layer II (MP2)"),
        Some(MpegSync::Layer(_)) => return unsupported_codec("MPEG audio Layer I (MP1)"),
        Some(MpegSync::Adts) => return unsupported_codec("AAC (ADTS)"),
        None => {}
    }
    for (at, magic, name) in OTHER_MAGIC {
        if content.get(at..at + magic.len()) == Some(magic) {
            return unsupported(name);
        }
    }
    // Headerless content: trust the extension for MP3, whose reader finds the first frame.
    let hint_is =
        |ext: &str| hint.is_some_and(|h| h.trim_start_matches('.').eq_ignore_ascii_case(ext));
    if offset > 0 || hint_is("mp3") {
        return found(PromptFormat::Mp3);
    }
    Err(PlaybackError::UnsupportedFormat {
        detected: None,
        hint: hint.map(str::to_owned),
    })
}

fn unsupported_codec(codec: &str) -> Result<Sniffed, PlaybackError> {
    Err(PlaybackError::UnsupportedCodec {
        codec: codec.to_owned(),
    })
}

/// Skips ID3v2 tags (ID3v2.4 §3.1: a 10-byte header whose size is four 7-bit bytes, plus a
/// 10-byte footer when flagged) at the start; returns the offset after them.
fn skip_id3v2(bytes: &[u8]) -> Result<usize, PlaybackError> {
    let mut offset = 0;
    while let Some(header) = bytes.get(offset..offset + 10) {
        let is_tag = header.starts_with(b"ID3")
            && header[3] != 0xFF
            && header[4] != 0xFF
            && header[6..10].iter().all(|&b| b < 0x80);
        if !is_tag {
            break;
        }
        let size = header[6..10]
            .iter()
            .fold(0usize, |acc, &b| (acc << 7) | usize::from(b));
        let footer = if header[5] & 0x10 != 0 { 10 } else { 0 };
        let end = offset + 10 + size + footer;
        if end > bytes.len() {
            return Err(PlaybackError::Truncated {
                format: PromptFormat::Mp3.name(),
                reason: format!(
                    "the ID3v2 tag at byte {offset} claims {} bytes; {} are left",
                    end - offset,
                    bytes.len() - offset
                ),
            });
        }
        offset = end;
    }
    if bytes.len() - offset < 10 && bytes[offset..].starts_with(b"ID3") {
        return Err(PlaybackError::Truncated {
            format: PromptFormat::Mp3.name(),
            reason: "the file ends inside an ID3v2 tag header".into(),
        });
    }
    Ok(offset)
}

/// What an MPEG audio sync word at the start of the content says.
enum MpegSync {
    /// MPEG-1/2/2.5 audio of layer 1, 2 or 3.
    Layer(u8),
    /// An ADTS header (AAC).
    Adts,
}

/// ISO/IEC 11172-3 §2.4.2.3: 11 sync bits, then version, layer, and a bitrate index and
/// sample rate index that are not the reserved values; or the 12-bit ADTS sync with layer 0.
fn mpeg_audio_layer(h: &[u8]) -> Option<MpegSync> {
    let &[b0, b1, b2, ..] = h else {
        return None;
    };
    if b0 != 0xFF || b1 & 0xE0 != 0xE0 {
        return None;
    }
    let version = (b1 >> 3) & 3;
    let layer = (b1 >> 1) & 3;
    if layer == 0 {
        return (b1 & 0xF6 == 0xF0).then_some(MpegSync::Adts);
    }
    if version == 1 || b2 >> 4 == 15 || (b2 >> 2) & 3 == 3 {
        return None;
    }
    Some(MpegSync::Layer(4 - layer))
}

/// Whether an MP3's first frame carries a Xing/Info tag with a frame count, which makes the
/// stream's length known exactly (so a shorter stream is truncated).
pub(super) fn mp3_has_frame_count(content: &[u8]) -> bool {
    let Some(&[_, b1, _, b3]) = content.get(..4) else {
        return false;
    };
    let mpeg1 = (b1 >> 3) & 3 == 3;
    let mono = b3 >> 6 == 3;
    // The tag follows the side information, whose size depends on version and channels.
    let side = match (mpeg1, mono) {
        (true, true) => 17,
        (true, false) => 32,
        (false, true) => 9,
        (false, false) => 17,
    };
    let at = 4 + side;
    match content.get(at..at + 8) {
        Some(tag) => (&tag[..4] == b"Xing" || &tag[..4] == b"Info") && tag[7] & 1 != 0,
        None => false,
    }
}

/// The codec of an Ogg file: the first Opus or Vorbis stream among the beginning-of-stream
/// pages that open the file (RFC 3533 §4: all of them come before any other page).
fn ogg_codec(bytes: &[u8]) -> Result<PromptFormat, PlaybackError> {
    const OGG: &str = "Ogg";
    let mut pages = Pages::new(bytes);
    let mut other = None;
    let mut first = true;
    loop {
        let page = match pages.next_page() {
            Ok(Some(page)) => page,
            Ok(None) => break,
            Err(PageError::Truncated(reason)) => {
                return Err(PlaybackError::Truncated {
                    format: OGG,
                    reason,
                });
            }
            Err(PageError::Corrupt(reason)) => {
                return Err(PlaybackError::Corrupt {
                    format: OGG,
                    reason,
                });
            }
        };
        if !page.is_bos() {
            if first {
                return Err(PlaybackError::Corrupt {
                    format: OGG,
                    reason: "the first page does not begin a stream".into(),
                });
            }
            break;
        }
        first = false;
        let body = page.body();
        if body.starts_with(b"OpusHead") {
            return Ok(PromptFormat::OggOpus);
        }
        if body.starts_with(b"\x01vorbis") {
            return Ok(PromptFormat::OggVorbis);
        }
        let name = [
            (&b"\x7FFLAC"[..], "FLAC in Ogg"),
            (b"Speex   ", "Speex"),
            (b"CELT    ", "CELT"),
            (b"PCM     ", "PCM in Ogg"),
            (b"\x80theora", "Theora video"),
        ]
        .into_iter()
        .find(|(magic, _)| body.starts_with(magic))
        .map(|(_, name)| name);
        other = other.or(name);
    }
    Err(PlaybackError::UnsupportedCodec {
        codec: other
            .unwrap_or("none known (no Opus or Vorbis stream in the Ogg file)")
            .to_owned(),
    })
}
