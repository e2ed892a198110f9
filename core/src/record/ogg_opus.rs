//! The Ogg Opus side of a recording (RFC 7845): our Opus encoder's 20 ms packets on Ogg
//! pages written by the `ogg` crate.
//!
//! - Headers: `OpusHead` (channel mapping family 0: mono or stereo, pre-skip = the
//!   encoder's look-ahead) and `OpusTags` (the metadata), each on a page of its own.
//! - Granule positions count decoded 48 kHz samples, the pre-skip among them (RFC 7845
//!   §4): a page's is the samples its packets and all before decode to; the last page's
//!   is the pre-skip plus the samples recorded.
//! - One packet is held back so that a checkpoint can end a page with it: the `ogg` crate
//!   ends a page only as it takes a packet. A checkpoint ends the page and flushes, so a
//!   killed process leaves a file that plays up to it.
//! - The end: the last partial frame is padded with silence and coded, then enough silence
//!   to push the look-ahead out; the last page is marked end-of-stream and its granule
//!   position trims the padding (RFC 7845 §4.5).
//! - Pages are ended at [`MAX_PAGE_SEGMENTS`] lacing values, so the crate never splits one
//!   and the size of the open page is known exactly, which `max_bytes` relies on.
//!
//! The `ogg` crate (0.9) takes each packet as an owned buffer and builds a page-state value
//! on every call, so each 20 ms packet costs two small allocations (and each page one);
//! the Opus encoder and everything else here allocate nothing per packet.

use std::io::{self, Write};

use ogg::writing::{PacketWriteEndInfo, PacketWriter};

use super::config::{RecordConfig, RecordFormat};
use super::{RecordError, metadata};
use crate::codec::Encoder;
use crate::codec::opus::{OpusConfig, OpusEncoder};

/// Samples at 48 kHz the decoder drops from the start: the encoder's look-ahead, 6.5 ms
/// (2.5 ms of CELT overlap and 4 ms of delay compensation, as libopus reports it).
pub(crate) const PRE_SKIP: u16 = 312;

/// Granule positions count at 48 kHz whatever the audio rate (RFC 7845 §4).
const GRANULE_RATE: u32 = 48_000;

/// Packet duration in milliseconds.
const FRAME_MS: u32 = 20;

/// Lacing values after which a page is ended.
const MAX_PAGE_SEGMENTS: u64 = 200;

/// A page header without its lacing values (RFC 3533 §6).
const PAGE_HEADER: u64 = 27;

/// The stream's serial number (any value works for a file with one stream).
const SERIAL: u32 = 0x6d63_7263;

/// Writes an Ogg Opus recording; see the module docs.
pub(crate) struct OggOpusSink<W: Write> {
    writer: PacketWriter<'static, Counted<W>>,
    /// Boxed: its state is a few kilobytes.
    encoder: Box<OpusEncoder>,
    channels: usize,
    /// 48 kHz samples per sample at the recording's rate.
    scale: u64,
    /// One packet's worth of interleaved audio, `filled` of it taken.
    frame: Vec<i16>,
    filled: usize,
    packet: Vec<u8>,
    held: Option<(Vec<u8>, u64)>,
    /// Frames (per channel) taken, and frames coded into packets.
    accepted: u64,
    coded: u64,
    /// Lacing values and bytes of packets written to the open page.
    open_segments: u64,
    open_bytes: u64,
    max_bytes: Option<u64>,
    /// The expected size of one packet at the constant bit rate.
    packet_estimate: u64,
    finished: bool,
}

impl<W: Write> core::fmt::Debug for OggOpusSink<W> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OggOpusSink")
            .field("encoder", &self.encoder)
            .field("accepted", &self.accepted)
            .field("bytes", &self.bytes())
            .finish_non_exhaustive()
    }
}

/// The smallest `max_bytes` that holds the headers and one packet of audio with its end.
pub(crate) fn min_bytes(config: &RecordConfig) -> u64 {
    headers_len(config) + PAGE_HEADER + 3 * packet_cost(packet_estimate(config))
}

fn headers_len(config: &RecordConfig) -> u64 {
    let tags = metadata::opus_tags(&config.metadata).len() as u64;
    (PAGE_HEADER + 1 + 19) + (PAGE_HEADER + tags / 255 + 1 + tags)
}

fn packet_estimate(config: &RecordConfig) -> u64 {
    match config.format {
        RecordFormat::OggOpus { bitrate } => u64::from(bitrate) * u64::from(FRAME_MS) / 8000 + 1,
        RecordFormat::Wav => 0,
    }
}

/// A packet's bytes on a page: its data and its lacing values.
fn packet_cost(len: u64) -> u64 {
    len + len / 255 + 1
}

fn head(channels: u8, input_rate: u32) -> Vec<u8> {
    let mut head = b"OpusHead".to_vec();
    head.push(1); // version
    head.push(channels);
    head.extend_from_slice(&PRE_SKIP.to_le_bytes());
    head.extend_from_slice(&input_rate.to_le_bytes());
    head.extend_from_slice(&0i16.to_le_bytes()); // output gain
    head.push(0); // channel mapping family 0
    head
}

impl<W: Write> OggOpusSink<W> {
    /// Writes the two header pages to `target`. `config` must be valid and Ogg Opus.
    pub(crate) fn new(target: W, config: &RecordConfig) -> Result<Self, RecordError> {
        let bitrate = match config.format {
            RecordFormat::OggOpus { bitrate } => bitrate,
            RecordFormat::Wav => OpusConfig::default().bitrate,
        };
        let opus = OpusConfig {
            bitrate,
            frame_ms: FRAME_MS as u8,
            ..OpusConfig::default()
        };
        let encoder =
            OpusEncoder::new(config.sample_rate, config.channels(), opus).map_err(|e| {
                RecordError::Encoder {
                    message: e.to_string(),
                }
            })?;
        let channels = usize::from(config.channels());
        let frame = vec![0; encoder.frame_len()];
        let packet = vec![0; encoder.max_payload_len(frame.len())];
        let mut writer = PacketWriter::new(Counted {
            inner: target,
            count: 0,
        });
        let head = head(config.channels() as u8, config.sample_rate);
        writer.write_packet(head, SERIAL, PacketWriteEndInfo::EndPage, 0)?;
        let tags = metadata::opus_tags(&config.metadata);
        writer.write_packet(tags, SERIAL, PacketWriteEndInfo::EndPage, 0)?;
        writer.inner_mut().flush()?;
        Ok(OggOpusSink {
            writer,
            encoder: Box::new(encoder),
            channels,
            scale: u64::from(GRANULE_RATE / config.sample_rate),
            frame,
            filled: 0,
            packet,
            held: None,
            accepted: 0,
            coded: 0,
            open_segments: 0,
            open_bytes: 0,
            max_bytes: config.max_bytes,
            packet_estimate: packet_estimate(config),
            finished: false,
        })
    }

    /// Takes interleaved audio; returns how many frames fit under `max_bytes`.
    pub(crate) fn push(&mut self, samples: &[i16]) -> Result<usize, RecordError> {
        let offered = samples.len() / self.channels;
        let mut taken = 0;
        while taken < offered && !self.finished {
            if self.filled == 0 && !self.room_for_packet() {
                break;
            }
            let n = ((self.frame.len() - self.filled) / self.channels).min(offered - taken);
            let from = &samples[taken * self.channels..(taken + n) * self.channels];
            self.frame[self.filled..self.filled + from.len()].copy_from_slice(from);
            self.filled += from.len();
            taken += n;
            self.accepted += n as u64;
            if self.filled == self.frame.len() {
                let packet = self.encode()?;
                self.hold(packet)?;
            }
        }
        Ok(taken)
    }

    /// Whether one more packet, and the end of the stream after it, fit under `max_bytes`.
    fn room_for_packet(&self) -> bool {
        let Some(max) = self.max_bytes else {
            return true;
        };
        let packet = packet_cost(self.packet_estimate);
        let new_page = if self.held.is_none() { PAGE_HEADER } else { 0 };
        self.bytes() + new_page + packet + PAGE_HEADER + 2 * packet <= max
    }

    /// Codes the frame buffer (padded with silence past `filled`) into a packet.
    fn encode(&mut self) -> Result<(Vec<u8>, u64), RecordError> {
        self.frame[self.filled..].fill(0);
        let len = self
            .encoder
            .encode(&self.frame, &mut self.packet)
            .map_err(|e| RecordError::Encoder {
                message: e.to_string(),
            })?;
        self.filled = 0;
        self.coded += (self.frame.len() / self.channels) as u64;
        let granule = self.coded * self.scale;
        Ok((self.packet[..len].to_vec(), granule))
    }

    /// Writes the held packet (ending the page if it is full) and holds `packet`.
    fn hold(&mut self, packet: (Vec<u8>, u64)) -> Result<(), RecordError> {
        if let Some(previous) = self.held.replace(packet) {
            self.write(previous, PacketWriteEndInfo::NormalPacket)?;
        }
        Ok(())
    }

    fn write(
        &mut self,
        (data, granule): (Vec<u8>, u64),
        end: PacketWriteEndInfo,
    ) -> io::Result<()> {
        let len = data.len() as u64;
        let segments = len / 255 + 1;
        let end = if end == PacketWriteEndInfo::NormalPacket
            && self.open_segments + segments >= MAX_PAGE_SEGMENTS
        {
            PacketWriteEndInfo::EndPage
        } else {
            end
        };
        self.writer.write_packet(data, SERIAL, end, granule)?;
        if end == PacketWriteEndInfo::NormalPacket {
            self.open_segments += segments;
            self.open_bytes += len;
        } else {
            self.open_segments = 0;
            self.open_bytes = 0;
        }
        Ok(())
    }

    /// Ends the page with the held packet and flushes the target.
    pub(crate) fn checkpoint(&mut self) -> Result<(), RecordError> {
        if let Some(packet) = self.held.take() {
            self.write(packet, PacketWriteEndInfo::EndPage)?;
        }
        self.writer.inner_mut().flush()?;
        Ok(())
    }

    /// Codes the rest and writes the end-of-stream page; later calls do nothing.
    pub(crate) fn finish_stream(&mut self) -> Result<(), RecordError> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        self.checkpoint()?;
        let lookahead = u64::from(PRE_SKIP) / self.scale;
        let mut tail = Vec::with_capacity(3);
        while self.coded < self.accepted + lookahead {
            tail.push(self.encode()?);
        }
        let last = tail.len().saturating_sub(1);
        for (i, (data, granule)) in tail.into_iter().enumerate() {
            if i == last {
                let end = u64::from(PRE_SKIP) + self.accepted * self.scale;
                self.write((data, end), PacketWriteEndInfo::EndStream)?;
            } else {
                self.write((data, granule), PacketWriteEndInfo::NormalPacket)?;
            }
        }
        self.writer.inner_mut().flush()?;
        Ok(())
    }

    /// Frames taken (the partial packet included).
    pub(crate) fn frames(&self) -> u64 {
        self.accepted
    }

    /// Bytes on the target plus the open page as it will be written.
    pub(crate) fn bytes(&self) -> u64 {
        let (mut segments, mut bytes) = (self.open_segments, self.open_bytes);
        if let Some((data, _)) = &self.held {
            segments += data.len() as u64 / 255 + 1;
            bytes += data.len() as u64;
        }
        let open = if segments > 0 {
            PAGE_HEADER + segments + bytes
        } else {
            0
        };
        self.writer.inner().count + open
    }

    /// The target as of the last checkpoint.
    pub(crate) fn target(&self) -> &W {
        &self.writer.inner().inner
    }

    /// Finishes the stream and returns the target.
    pub(crate) fn finish(mut self) -> Result<W, RecordError> {
        self.finish_stream()?;
        Ok(self.writer.into_inner().inner)
    }
}

/// A writer that counts the bytes that went through it.
struct Counted<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(data)?;
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
