//! A walk over a WAV file's RIFF chunks before symphonia reads it, for what symphonia does not
//! say: the codec's name when it is not supported, and whether the data chunk is all there.

use crate::playback::PlaybackError;

const FORMAT: &str = "WAV";
/// Data chunk lengths that writers put in a header they cannot go back and fix (output to a
/// pipe): ffmpeg writes `u32::MAX`, sox `0x7fff_f000`. The data then runs to the end of the file.
const UNKNOWN_LENGTHS: [u32; 2] = [u32::MAX, 0x7fff_f000];
/// `WAVE_FORMAT_EXTENSIBLE`: the real format tag is in the sub-format GUID.
const EXTENSIBLE: u16 = 0xFFFE;
/// `WAVE_FORMAT_ALAW` and `WAVE_FORMAT_MULAW`.
const ALAW: u16 = 6;
const MULAW: u16 = 7;
/// The most channels symphonia gives positions to.
const MAX_CHANNELS: u16 = 26;
/// The format tags decoded: PCM, IEEE float, A-law, mu-law.
pub(super) const DECODED_TAGS: [u16; 4] = [1, 3, ALAW, MULAW];

/// What the chunk walk found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct WavLayout {
    /// The format tag of the `fmt ` chunk, the sub-format's for `WAVE_FORMAT_EXTENSIBLE`.
    pub format_tag: u16,
    /// The data chunk's length, when it states one (not a marker meaning "to the end").
    pub data_len: Option<u32>,
    /// Where a 16-byte `fmt ` chunk of mu-law or A-law starts: symphonia reads those only
    /// with the 18-byte `WAVEFORMATEX` form (with `cbSize`), which ffmpeg and sox write but
    /// older telephony tools do not.
    pub short_g711_fmt: Option<usize>,
    /// Where the data chunk's header starts.
    pub data_at: usize,
    /// Bytes per frame, from the `fmt ` chunk.
    pub block_align: u16,
}

/// Walks the chunks up to the data chunk: fails with `Truncated` when the file ends before
/// the data chunk or before the end the data chunk states, and `Corrupt` without a `fmt `
/// chunk before the data.
pub(super) fn scan(bytes: &[u8]) -> Result<WavLayout, PlaybackError> {
    if bytes.len() < 12 {
        return Err(truncated("the file ends inside the RIFF header".into()));
    }
    let mut format_tag = None;
    let mut short_g711_fmt = None;
    let mut block_align = 0;
    let mut pos = 12usize;
    loop {
        let Some(header) = bytes.get(pos..pos + 8) else {
            return Err(truncated(format!(
                "the file ends at byte {} before the data chunk",
                bytes.len()
            )));
        };
        let id = [header[0], header[1], header[2], header[3]];
        let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        let body = pos + 8;
        if &id == b"data" {
            let Some(format_tag) = format_tag else {
                return Err(PlaybackError::Corrupt {
                    format: FORMAT,
                    reason: "the data chunk comes before any fmt chunk".into(),
                });
            };
            let data_len = (!UNKNOWN_LENGTHS.contains(&len)).then_some(len);
            if let Some(len) = data_len {
                let present = bytes.len() - body;
                if present < len as usize {
                    return Err(truncated(format!(
                        "the data chunk claims {len} bytes; {present} are present"
                    )));
                }
            }
            return Ok(WavLayout {
                format_tag,
                data_len,
                short_g711_fmt,
                data_at: pos,
                block_align,
            });
        }
        let end = body.saturating_add(len as usize);
        if &id == b"fmt " {
            let Some(fmt) = bytes.get(body..end) else {
                return Err(truncated("the file ends inside the fmt chunk".into()));
            };
            if fmt.len() < 16 {
                return Err(PlaybackError::Corrupt {
                    format: FORMAT,
                    reason: format!(
                        "the fmt chunk has {} bytes; at least 16 expected",
                        fmt.len()
                    ),
                });
            }
            let tag = u16::from_le_bytes([fmt[0], fmt[1]]);
            block_align = u16::from_le_bytes([fmt[12], fmt[13]]);
            if fmt.len() == 16 && (tag == ALAW || tag == MULAW) {
                short_g711_fmt = Some(pos);
            }
            let resolved = match fmt.get(24..26) {
                Some(sub) if tag == EXTENSIBLE => u16::from_le_bytes([sub[0], sub[1]]),
                _ => tag,
            };
            if DECODED_TAGS.contains(&resolved) {
                check_fmt(fmt, tag)?;
            }
            format_tag = Some(resolved);
        }
        // Chunks are padded to an even length.
        pos = end.saturating_add(len as usize & 1);
        if pos > bytes.len() {
            return Err(truncated(format!(
                "the file ends inside the {:?} chunk, before the data chunk",
                String::from_utf8_lossy(&id)
            )));
        }
    }
}

/// `bytes` rewritten where symphonia would misread them, or `None` when it reads them as
/// they are: a 16-byte mu-law or A-law `fmt ` chunk grows a zero `cbSize`; a data chunk whose
/// length is a "length unknown" marker gets the length of the whole frames present (symphonia would
/// otherwise fail on the partial packet at the end of the file); and the RIFF length is set
/// to the file's when it does not reach the end of the data chunk (symphonia refuses a
/// chunk that overruns its parent; writers that get the RIFF length wrong are common).
pub(super) fn normalized(bytes: &[u8], layout: &WavLayout) -> Option<Vec<u8>> {
    let riff = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    let data_end = match layout.data_len {
        Some(len) => layout.data_at + 8 + len as usize,
        None => bytes.len(),
    };
    let riff_short = riff != u32::MAX && (riff as usize).saturating_add(8) < data_end;
    if layout.short_g711_fmt.is_none() && layout.data_len.is_some() && !riff_short {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() + 2);
    let mut data_at = layout.data_at;
    match layout.short_g711_fmt {
        Some(fmt_at) => {
            let body = fmt_at + 8;
            out.extend_from_slice(&bytes[..fmt_at + 4]);
            out.extend_from_slice(&18u32.to_le_bytes());
            out.extend_from_slice(&bytes[body..body + 16]);
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&bytes[body + 16..]);
            data_at += 2;
        }
        None => out.extend_from_slice(bytes),
    }
    let data_len = match layout.data_len {
        Some(len) => len,
        None => {
            let present = (out.len() - data_at - 8).min(u32::MAX as usize - 1) as u32;
            present - present % u32::from(layout.block_align.max(1))
        }
    };
    out[data_at + 4..data_at + 8].copy_from_slice(&data_len.to_le_bytes());
    let riff = u32::try_from(out.len() - 8).unwrap_or(u32::MAX);
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    Some(out)
}

/// Checks the `fmt ` fields of a format decoded here for values symphonia 0.6.1 does not
/// guard its arithmetic against (its checks of block alignment and of the extensible
/// channel mask overflow 16- and 32-bit integers on absurd channel counts and masks).
fn check_fmt(fmt: &[u8], tag: u16) -> Result<(), PlaybackError> {
    let channels = u16::from_le_bytes([fmt[2], fmt[3]]);
    let bits = u16::from_le_bytes([fmt[14], fmt[15]]);
    if channels == 0 {
        return Err(corrupt("the fmt chunk gives 0 channels".into()));
    }
    if channels > MAX_CHANNELS {
        return Err(PlaybackError::UnsupportedAudio {
            format: FORMAT,
            reason: format!("{channels} channels; at most {MAX_CHANNELS}"),
        });
    }
    if bits == 0 || bits > 64 {
        return Err(corrupt(format!("{bits} bits per sample")));
    }
    if tag == EXTENSIBLE {
        let Some(mask) = fmt.get(20..24) else {
            return Err(corrupt(format!(
                "the extensible fmt chunk has {} bytes; 40 expected",
                fmt.len()
            )));
        };
        let mask = u32::from_le_bytes([mask[0], mask[1], mask[2], mask[3]]);
        // Positions past the last one known, or too few positions below it for the channels.
        let highest = 32 - mask.leading_zeros();
        let missing = u32::from(channels).saturating_sub(mask.count_ones());
        if highest + missing > u32::from(MAX_CHANNELS) {
            return Err(corrupt(format!(
                "channel mask 0x{mask:08x} does not fit {channels} channels"
            )));
        }
    }
    Ok(())
}

fn corrupt(reason: String) -> PlaybackError {
    PlaybackError::Corrupt {
        format: FORMAT,
        reason,
    }
}

/// A name for a WAV format tag (Microsoft's registered `WAVE_FORMAT_*` values).
pub(super) fn codec_name(tag: u16) -> String {
    let name = match tag {
        0x0001 => "PCM",
        0x0002 => "Microsoft ADPCM",
        0x0003 => "IEEE float",
        0x0006 => "A-law",
        0x0007 => "mu-law",
        0x0011 => "IMA ADPCM",
        0x0022 => "DSP Group TrueSpeech",
        0x0031 => "GSM 6.10",
        0x0040 => "G.721 ADPCM",
        0x0050 => "MPEG audio",
        0x0055 => "MP3",
        0x0064 => "G.726 ADPCM",
        0x0065 => "G.722 ADPCM",
        0x00FF => "AAC",
        0x1610 => "HE-AAC",
        _ => return format!("WAV format tag 0x{tag:04x}"),
    };
    format!("{name} in WAV")
}

fn truncated(reason: String) -> PlaybackError {
    PlaybackError::Truncated {
        format: FORMAT,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(tag: u16, data_claim: u32, data: &[u8]) -> Vec<u8> {
        let mut f = b"RIFF\0\0\0\0WAVE".to_vec();
        f.extend_from_slice(b"LIST\x03\0\0\0abc\0");
        f.extend_from_slice(b"fmt \x10\0\0\0");
        f.extend_from_slice(&tag.to_le_bytes());
        f.extend_from_slice(&[1, 0, 0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0, 2, 0, 16, 0]);
        f.extend_from_slice(b"data");
        f.extend_from_slice(&data_claim.to_le_bytes());
        f.extend_from_slice(data);
        f
    }

    #[test]
    fn finds_the_format_and_checks_the_data_length() {
        assert_eq!(
            scan(&wav(1, 4, &[0; 4])),
            Ok(WavLayout {
                format_tag: 1,
                data_len: Some(4),
                short_g711_fmt: None,
                data_at: 48,
                block_align: 2,
            })
        );
        assert_eq!(scan(&wav(0x11, u32::MAX, &[0; 4])).unwrap().data_len, None);
        assert_eq!(scan(&wav(7, 0x7fff_f000, &[0; 4])).unwrap().data_len, None);
        let err = scan(&wav(1, 0xF000_0000, &[0; 4])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "truncated WAV prompt: the data chunk claims 4026531840 bytes; 4 are present"
        );
        let whole = wav(1, 4, &[0; 4]);
        assert_eq!(scan(&wav(7, 4, &[0; 4])).unwrap().short_g711_fmt, Some(24));
        for cut in [0, 11, 12, 20, 30, 40, 46, 52, 58] {
            assert!(
                matches!(scan(&whole[..cut]), Err(PlaybackError::Truncated { .. })),
                "cut at {cut}"
            );
        }
        assert_eq!(codec_name(0x11), "IMA ADPCM in WAV");
    }

    #[test]
    fn fmt_values_that_would_overflow_the_reader_are_refused() {
        // Found by the prompt_decode fuzz target: 65281 channels of 32 bits.
        let mut many = wav(1, 4, &[0; 4]);
        many[34..36].copy_from_slice(&0xFF01u16.to_le_bytes());
        many[46..48].copy_from_slice(&32u16.to_le_bytes());
        assert!(matches!(
            scan(&many),
            Err(PlaybackError::UnsupportedAudio { .. })
        ));
        let mut none = wav(1, 4, &[0; 4]);
        none[34..36].copy_from_slice(&0u16.to_le_bytes());
        assert!(matches!(scan(&none), Err(PlaybackError::Corrupt { .. })));
        // An extensible fmt whose channel mask has its top position set, for 2 channels.
        let mut ext = b"RIFF\0\0\0\0WAVEfmt \x28\0\0\0\xFE\xFF\x02\0\x40\x1f\0\0\0\x7d\0\0\x04\0\x10\0\x16\0\x10\0".to_vec();
        ext.extend_from_slice(&0x8000_0000u32.to_le_bytes());
        ext.extend_from_slice(&[
            1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71,
        ]);
        ext.extend_from_slice(b"data\x04\0\0\0\0\0\0\0");
        let err = scan(&ext).unwrap_err().to_string();
        assert_eq!(
            err,
            "corrupt WAV prompt: channel mask 0x80000000 does not fit 2 channels"
        );
        assert_eq!(codec_name(0x1234), "WAV format tag 0x1234");
    }
}
