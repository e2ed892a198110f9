//! Ogg Opus (RFC 7845) through the engine's own Opus decoder, at 48 kHz.
//!
//! - The identification header (`OpusHead`, §5.1) gives the channel count, the pre-skip,
//!   the output gain and the channel mapping; the comment header (`OpusTags`, §5.2) is
//!   skipped without being kept, however large.
//! - Pre-skip (§4.2): that many decoded samples are dropped from the start.
//! - Granule positions (§4): the first audio page's tells where the stream starts (§4.5);
//!   the last page's (end of stream) may end the audio before the end of its packets, and
//!   the samples past it are dropped (end trimming, §4.4). A page's audio is held back until
//!   the next page shows it is not trimmed.
//! - Output gain (§5.1): applied in floating point before the audio is narrowed to 16 bits.
//! - Channel mapping families 0 (mono, stereo), 1 (up to 8 channels in Vorbis order) and 255
//!   (up to 8 unnamed channels): multistream packets (§5.1.1, RFC 6716 Appendix B) are split
//!   into their elementary streams, each decoded by its own decoder.
//! - Only the first Opus stream is played; pages of other streams in the file are skipped.

use super::convert::{Converter, Speaker, Target};
use super::ogg::{Page, PageError, Pages};
use super::{DecodeLimits, Decoded, PromptFormat, reserve_cap};
use crate::codec::Decoder;
use crate::codec::opus::{OpusDecoder, packet_samples};
use crate::playback::PlaybackError;

const FORMAT: PromptFormat = PromptFormat::OggOpus;
/// Granule positions and pre-skip count samples at 48 kHz (RFC 7845 §4), the rate decoded at.
const RATE: u32 = 48_000;
/// Most output channels decoded (mapping family 1 allows 8).
const MAX_CHANNELS: usize = 8;
/// The largest audio packet accepted, far above the 61,440 bytes of 120 ms of the largest
/// frames (RFC 6716 §3.2.1, §3.2.5) plus the padding any encoder writes.
const MAX_PACKET_BYTES: usize = 1 << 17;
/// Audio that end trimming can take back: the most decoded samples held beyond the limit.
const END_TRIM_SLACK: u64 = 120 * 48;
/// 120 ms at 48 kHz: the most samples per channel one packet decodes to.
const MAX_PACKET_SAMPLES: usize = 120 * 48;

/// The identification header (RFC 7845 §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
struct OpusHead {
    channels: usize,
    pre_skip: u64,
    /// Q7.8 dB.
    output_gain: i16,
    family: u8,
    streams: usize,
    coupled: usize,
    /// Output channel `c` plays decoded channel `mapping[c]`, or silence for 255.
    mapping: Vec<u8>,
}

/// Decodes an Ogg Opus file to `target`.
pub(super) fn decode(
    bytes: &[u8],
    target: Target,
    limits: &DecodeLimits,
) -> Result<Decoded, PlaybackError> {
    let mut pages = Pages::new(bytes);
    let (serial, head, first_sequence) = loop {
        let Some(page) = next_page(&mut pages)? else {
            return Err(corrupt("the file has no Opus stream".into()));
        };
        if !page.is_bos() {
            return Err(corrupt("the file has no Opus stream".into()));
        }
        if page.body().starts_with(b"OpusHead") {
            // §3: the identification header is alone on the stream's first page.
            let mut runs = page.runs();
            let (Some((packet, true)), None) = (runs.next(), runs.next()) else {
                return Err(corrupt(
                    "the first page of the Opus stream must hold the OpusHead packet alone".into(),
                ));
            };
            break (page.serial, parse_head(packet)?, page.sequence);
        }
    };
    let speakers = speakers(&head);
    let mut streams = Streams::new(&head)?;
    let mut converter = Converter::new(
        FORMAT.name(),
        RATE,
        &speakers,
        target,
        limits.max_duration,
        None,
        reserve_cap(bytes.len()),
    )?;
    // §5.1: gain in dB = output_gain / 256, applied as 10^(dB / 20).
    converter.set_gain(10f32.powf(f32::from(head.output_gain) / (20.0 * 256.0)));

    let channels = head.channels;
    let mut state = StreamState {
        expected_sequence: first_sequence.wrapping_add(1),
        tags_seen: false,
        packet: Vec::new(),
        packet_len: 0,
        packet_open: false,
        packets: 0,
        start: None,
        last_granule: 0,
        decoded: 0,
        held: Vec::new(),
        skip: head.pre_skip,
    };
    let mut eos = false;
    while let Some(page) = next_page(&mut pages)? {
        if page.serial != serial {
            continue;
        }
        state.check_sequence(&page)?;
        let mut on_page = 0u64;
        for (run, ends) in page.runs() {
            state.append(run)?;
            if !ends {
                continue;
            }
            state.packet_open = false;
            if !state.tags_seen {
                if !state.packet.starts_with(b"OpusTags") {
                    return Err(corrupt(
                        "the second packet of the stream is not the OpusTags header".into(),
                    ));
                }
                state.tags_seen = true;
            } else {
                if on_page == 0 {
                    // A new page with audio: the audio held back is not trimmed.
                    state.push_held(&mut converter, channels)?;
                }
                on_page += state.decode_packet(&mut streams, &converter, channels)?;
            }
            state.packet.clear();
            state.packet_len = 0;
        }
        state.place(&page, on_page, channels)?;
        if page.is_eos() {
            if state.packet_open {
                return Err(corrupt(format!(
                    "the last page (byte {}) ends inside a packet",
                    page.offset
                )));
            }
            eos = true;
            break;
        }
    }
    if !eos {
        return Err(PlaybackError::Truncated {
            format: FORMAT.name(),
            reason: "the Opus stream ends without its last page (no end-of-stream flag)".into(),
        });
    }
    state.push_held(&mut converter, channels)?;
    let source_frames = converter.frames_in();
    if source_frames == 0 {
        return Err(PlaybackError::Empty {
            format: Some(FORMAT.name()),
        });
    }
    Ok(Decoded {
        samples: converter.finish()?,
        format: FORMAT,
        source_rate: RATE,
        source_channels: channels,
        source_frames,
    })
}

/// Where the reading of the Opus stream is.
struct StreamState {
    expected_sequence: u32,
    tags_seen: bool,
    /// The packet being put together (at most the first 8 bytes of the comment header).
    packet: Vec<u8>,
    packet_len: usize,
    /// Whether the packet goes on in the next page.
    packet_open: bool,
    /// Audio packets decoded.
    packets: u64,
    /// Granule position of the first decoded sample, once the first audio page is read.
    start: Option<u64>,
    last_granule: u64,
    /// Samples per channel decoded so far (before any trimming).
    decoded: u64,
    /// Decoded audio not yet handed on (the latest page's), interleaved.
    held: Vec<i16>,
    /// Pre-skip samples still to drop.
    skip: u64,
}

impl StreamState {
    fn check_sequence(&mut self, page: &Page<'_>) -> Result<(), PlaybackError> {
        if page.sequence != self.expected_sequence {
            return Err(corrupt(format!(
                "page {} of the Opus stream (byte {}) comes where page {} belongs; a page is \
                 missing or out of order",
                page.sequence, page.offset, self.expected_sequence
            )));
        }
        self.expected_sequence = page.sequence.wrapping_add(1);
        if page.is_continued() != self.packet_open {
            return Err(corrupt(format!(
                "the page at byte {} {} a packet from the previous page",
                page.offset,
                if self.packet_open {
                    "does not continue"
                } else {
                    "claims to continue"
                }
            )));
        }
        self.packet_open = false;
        Ok(())
    }

    /// Adds one run of segments to the packet being put together.
    fn append(&mut self, run: &[u8]) -> Result<(), PlaybackError> {
        self.packet_len += run.len();
        self.packet_open = true;
        if !self.tags_seen {
            // Only the comment header's signature is kept; its body may be large.
            let room = 8usize.saturating_sub(self.packet.len());
            self.packet.extend_from_slice(&run[..run.len().min(room)]);
            return Ok(());
        }
        if self.packet_len > MAX_PACKET_BYTES {
            return Err(corrupt(format!(
                "audio packet {} is longer than {MAX_PACKET_BYTES} bytes",
                self.packets + 1
            )));
        }
        self.packet.extend_from_slice(run);
        Ok(())
    }

    /// Decodes the finished audio packet into `held`; returns its samples per channel.
    fn decode_packet(
        &mut self,
        streams: &mut Streams,
        converter: &Converter,
        channels: usize,
    ) -> Result<u64, PlaybackError> {
        self.packets += 1;
        let held_frames = (self.held.len() / channels) as u64;
        let room = converter.frames_left() + self.skip + END_TRIM_SLACK;
        let duration = match packet_samples(&self.packet, RATE) {
            Ok(n) => n as u64,
            Err(e) => return Err(corrupt(format!("audio packet {}: {e}", self.packets))),
        };
        if held_frames + duration > room {
            return Err(converter.too_long());
        }
        let frames = streams
            .decode(&self.packet, &mut self.held)
            .map_err(|e| corrupt(format!("audio packet {}: {e}", self.packets)))?;
        self.decoded += frames as u64;
        Ok(frames as u64)
    }

    /// Reads the page's granule position after its `on_page` samples were decoded: where the
    /// stream starts (first audio page) and where it ends (end-of-stream page).
    fn place(
        &mut self,
        page: &Page<'_>,
        on_page: u64,
        channels: usize,
    ) -> Result<(), PlaybackError> {
        if page.granule == u64::MAX {
            if on_page > 0 {
                return Err(corrupt(format!(
                    "the page at byte {} completes packets but has no granule position",
                    page.offset
                )));
            }
            return Ok(());
        }
        if page.granule > i64::MAX as u64 {
            return Err(corrupt(format!(
                "the page at byte {} has a negative granule position",
                page.offset
            )));
        }
        if self.decoded == 0 {
            // Header pages: granule position 0.
            return Ok(());
        }
        let start = match self.start {
            Some(start) => start,
            None => {
                // §4.5: the first audio page's granule position counts the samples before it.
                let start = match page.granule.checked_sub(self.decoded) {
                    Some(start) => start,
                    // §4.5: smaller than the samples on the page only when it is also the last
                    // page, where it trims the end.
                    None if page.is_eos() => 0,
                    None => {
                        return Err(corrupt(format!(
                            "the first audio page's granule position {} is smaller than the {} \
                             samples it completes (RFC 7845 section 4.5)",
                            page.granule, self.decoded
                        )));
                    }
                };
                self.start = Some(start);
                start
            }
        };
        if page.granule < self.last_granule {
            return Err(corrupt(format!(
                "the granule position goes back from {} to {} at byte {}",
                self.last_granule, page.granule, page.offset
            )));
        }
        self.last_granule = page.granule;
        if page.is_eos() {
            // §4.4: samples past the last page's granule position are dropped.
            let end = page.granule - start;
            let excess = self.decoded.saturating_sub(end);
            let held = (self.held.len() / channels) as u64;
            if excess > held {
                return Err(corrupt(format!(
                    "the last page's granule position {} ends the stream {excess} samples early, \
                     before the packets of the last page",
                    page.granule
                )));
            }
            self.held.truncate((held - excess) as usize * channels);
            self.decoded -= excess;
        }
        Ok(())
    }

    /// Hands the audio held back to the converter, less what remains of the pre-skip.
    fn push_held(
        &mut self,
        converter: &mut Converter,
        channels: usize,
    ) -> Result<(), PlaybackError> {
        let held = (self.held.len() / channels) as u64;
        let drop = self.skip.min(held);
        self.skip -= drop;
        converter.push_i16(&self.held[drop as usize * channels..])?;
        self.held.clear();
        Ok(())
    }
}

/// The decoders of a (possibly multistream) Opus stream and the mapping of their channels
/// to the output channels.
struct Streams {
    /// One decoder per elementary stream: the first `coupled` are stereo.
    decoders: Vec<OpusDecoder>,
    coupled: usize,
    mapping: Vec<u8>,
    /// Each stream's packet in standard framing, and its decoded audio.
    packet: Vec<u8>,
    decoded: Vec<Vec<i16>>,
}

impl Streams {
    fn new(head: &OpusHead) -> Result<Self, PlaybackError> {
        let decoders = (0..head.streams)
            .map(|i| {
                let channels = if i < head.coupled { 2 } else { 1 };
                OpusDecoder::new(RATE, channels)
                    .map_err(|e| corrupt(format!("cannot start the Opus decoder: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let decoded = (0..head.streams)
            .map(|i| vec![0i16; MAX_PACKET_SAMPLES * if i < head.coupled { 2 } else { 1 }])
            .collect();
        Ok(Streams {
            decoders,
            coupled: head.coupled,
            mapping: head.mapping.clone(),
            packet: Vec::new(),
            decoded,
        })
    }

    /// Decodes one Ogg packet (one Opus packet per elementary stream) and appends its audio,
    /// interleaved in output channels, to `out`; returns its samples per channel.
    fn decode(&mut self, packet: &[u8], out: &mut Vec<i16>) -> Result<usize, String> {
        let mut rest = packet;
        let mut frames = None;
        let last = self.decoders.len() - 1;
        for (i, decoder) in self.decoders.iter_mut().enumerate() {
            // §5.1.1: all but the last stream's packet use self-delimiting framing.
            let data = if i < last {
                let used = self_delimited_to_standard(rest, &mut self.packet)?;
                rest = &rest[used..];
                &self.packet[..]
            } else {
                rest
            };
            if data.is_empty() {
                return Err(format!("stream {i} has an empty packet"));
            }
            let n = decoder
                .decode(data, &mut self.decoded[i])
                .map_err(|e| format!("stream {i}: {e}"))?;
            let per_channel = n / if i < self.coupled { 2 } else { 1 };
            match frames {
                None => frames = Some(per_channel),
                Some(f) if f != per_channel => {
                    return Err(format!(
                        "stream {i} lasts {per_channel} samples where stream 0 lasts {f}"
                    ));
                }
                Some(_) => {}
            }
        }
        let frames = frames.unwrap_or(0);
        let coupled = self.coupled;
        out.reserve(frames * self.mapping.len());
        for f in 0..frames {
            for &m in &self.mapping {
                let m = usize::from(m);
                let sample = if m == 255 {
                    0
                } else if m < 2 * coupled {
                    self.decoded[m / 2][2 * f + m % 2]
                } else {
                    self.decoded[m - coupled][f]
                };
                out.push(sample);
            }
        }
        Ok(frames)
    }
}

/// RFC 6716 Appendix B: rewrites the self-delimited packet at the start of `data` in standard
/// framing into `out` (the extra length of its last frame removed); returns the bytes it took.
fn self_delimited_to_standard(data: &[u8], out: &mut Vec<u8>) -> Result<usize, String> {
    let short = || "a multistream packet ends inside one of its streams".to_owned();
    out.clear();
    let &toc = data.first().ok_or_else(short)?;
    out.push(toc);
    let mut pos = 1;
    let body = match toc & 3 {
        0 => read_length(data, &mut pos)?,
        1 => 2 * read_length(data, &mut pos)?,
        2 => {
            let first_start = pos;
            let first = read_length(data, &mut pos)?;
            out.extend_from_slice(&data[first_start..pos]);
            first + read_length(data, &mut pos)?
        }
        _ => {
            let &count = data.get(pos).ok_or_else(short)?;
            out.push(count);
            pos += 1;
            let frames = usize::from(count & 0x3F);
            if frames == 0 {
                return Err("a code 3 packet with no frames".into());
            }
            let mut padding = 0;
            if count & 0x40 != 0 {
                loop {
                    let &p = data.get(pos).ok_or_else(short)?;
                    out.push(p);
                    pos += 1;
                    padding += usize::from(p.min(254));
                    if p < 255 {
                        break;
                    }
                }
            }
            let mut total = padding;
            if count & 0x80 != 0 {
                for _ in 0..frames - 1 {
                    let start = pos;
                    total += read_length(data, &mut pos)?;
                    out.extend_from_slice(&data[start..pos]);
                }
                total + read_length(data, &mut pos)?
            } else {
                total + frames * read_length(data, &mut pos)?
            }
        }
    };
    let end = pos
        .checked_add(body)
        .filter(|&e| e <= data.len())
        .ok_or_else(short)?;
    out.extend_from_slice(&data[pos..end]);
    Ok(end)
}

/// RFC 6716 §3.2.1: a frame length in one byte (below 252) or two.
fn read_length(data: &[u8], pos: &mut usize) -> Result<usize, String> {
    let short = || "a multistream packet ends inside a frame length".to_owned();
    let &b0 = data.get(*pos).ok_or_else(short)?;
    if b0 < 252 {
        *pos += 1;
        return Ok(usize::from(b0));
    }
    let &b1 = data.get(*pos + 1).ok_or_else(short)?;
    *pos += 2;
    Ok(usize::from(b0) + 4 * usize::from(b1))
}

/// RFC 7845 §5.1 and §5.1.1.
fn parse_head(packet: &[u8]) -> Result<OpusHead, PlaybackError> {
    if packet.len() < 19 {
        return Err(corrupt(format!(
            "the OpusHead header has {} bytes; at least 19 expected",
            packet.len()
        )));
    }
    let version = packet[8];
    if version >> 4 != 0 {
        return Err(PlaybackError::UnsupportedAudio {
            format: FORMAT.name(),
            reason: format!("OpusHead version {version}; versions 0 to 15 are read"),
        });
    }
    let channels = usize::from(packet[9]);
    let pre_skip = u64::from(u16::from_le_bytes([packet[10], packet[11]]));
    let output_gain = i16::from_le_bytes([packet[16], packet[17]]);
    let family = packet[18];
    if channels == 0 {
        return Err(corrupt("the OpusHead header gives 0 channels".into()));
    }
    if family == 0 {
        if channels > 2 {
            return Err(corrupt(format!(
                "channel mapping family 0 with {channels} channels; it allows 1 or 2"
            )));
        }
        return Ok(OpusHead {
            channels,
            pre_skip,
            output_gain,
            family,
            streams: 1,
            coupled: channels - 1,
            mapping: (0..channels as u8).collect(),
        });
    }
    if family != 1 && family != 255 {
        return Err(PlaybackError::UnsupportedAudio {
            format: FORMAT.name(),
            reason: format!(
                "channel mapping family {family}{}; families 0, 1 and 255 are decoded",
                if family == 2 || family == 3 {
                    " (ambisonics)"
                } else {
                    ""
                }
            ),
        });
    }
    if channels > MAX_CHANNELS {
        return Err(PlaybackError::UnsupportedAudio {
            format: FORMAT.name(),
            reason: format!("{channels} channels; at most {MAX_CHANNELS} are decoded"),
        });
    }
    let Some(table) = packet.get(21..21 + channels) else {
        return Err(corrupt(format!(
            "the OpusHead header ends before its {channels}-entry channel mapping table"
        )));
    };
    let (streams, coupled) = (usize::from(packet[19]), usize::from(packet[20]));
    if streams == 0 || coupled > streams || streams + coupled > 255 {
        return Err(corrupt(format!(
            "{streams} streams of which {coupled} coupled; expected at least one stream and no \
             more coupled than streams"
        )));
    }
    if streams > MAX_CHANNELS {
        return Err(PlaybackError::UnsupportedAudio {
            format: FORMAT.name(),
            reason: format!("{streams} streams; at most {MAX_CHANNELS} are decoded"),
        });
    }
    if let Some(&bad) = table
        .iter()
        .find(|&&m| m != 255 && usize::from(m) >= streams + coupled)
    {
        return Err(corrupt(format!(
            "the channel mapping names decoded channel {bad}; the streams have {}",
            streams + coupled
        )));
    }
    if family == 1 && channels > 8 {
        return Err(corrupt(format!(
            "channel mapping family 1 with {channels} channels; it allows 1 to 8"
        )));
    }
    Ok(OpusHead {
        channels,
        pre_skip,
        output_gain,
        family,
        streams,
        coupled,
        mapping: table.to_vec(),
    })
}

/// Speaker positions of the output channels: §5.1.1.2 (Vorbis order) for family 1.
fn speakers(head: &OpusHead) -> Vec<Speaker> {
    use Speaker::{Center as C, FrontLeft as L, FrontRight as R, Lfe, RearCenter as RC};
    use Speaker::{SurroundLeft as SL, SurroundRight as SR};
    match (head.family, head.channels) {
        (_, 1) => vec![C],
        (0 | 1, 2) => vec![L, R],
        (1, 3) => vec![L, C, R],
        (1, 4) => vec![L, R, SL, SR],
        (1, 5) => vec![L, C, R, SL, SR],
        (1, 6) => vec![L, C, R, SL, SR, Lfe],
        (1, 7) => vec![L, C, R, SL, SR, RC, Lfe],
        (1, 8) => vec![L, C, R, SL, SR, SL, SR, Lfe],
        (_, n) => vec![Speaker::Other; n],
    }
}

fn next_page<'a>(pages: &mut Pages<'a>) -> Result<Option<Page<'a>>, PlaybackError> {
    pages.next_page().map_err(|e| match e {
        PageError::Truncated(reason) => PlaybackError::Truncated {
            format: FORMAT.name(),
            reason,
        },
        PageError::Corrupt(reason) => corrupt(reason),
    })
}

fn corrupt(reason: String) -> PlaybackError {
    PlaybackError::Corrupt {
        format: FORMAT.name(),
        reason,
    }
}
