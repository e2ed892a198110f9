//! [`RiffTarget`]: the `Write + Seek + Read` that `hound` writes a WAV file through, which
//! puts a `LIST` chunk between `fmt ` and `data` without hound knowing.
//!
//! Hound writes a 44-byte header (`RIFF`, size, `WAVE`, a 16-byte `fmt ` chunk, `data`,
//! size) at offsets 0 to 44 and later patches the two sizes at offsets 4 and 40. It has no
//! chunk API. Here hound sees that plain file (its *view*); the target holds the real one,
//! where the metadata chunk of `L` bytes sits at offset 36:
//!
//! - view bytes 0 to 36 are real bytes 0 to 36, except the RIFF size at 4, which gets `L`
//!   added (the real file is `L` bytes longer);
//! - view bytes from 36 on are real bytes from `36 + L` on.
//!
//! The view's 44 header bytes are kept here, so hound can read them back
//! (`WavWriter::new_append`) and nothing is read from the target. Audio bytes are collected
//! in a buffer sized once and reach the target before any header patch that counts them, so
//! the target always holds a valid WAV file whose sizes never exceed its content.

use std::io::{self, Read, Seek, SeekFrom, Write};

/// Where hound's `fmt ` chunk ends and the inserted chunk goes.
const FMT_END: u64 = 36;
/// Hound's header length for 16-bit PCM (`PCMWAVEFORMAT`).
pub(crate) const VIEW_HEADER_LEN: u64 = 44;
/// Offset of the RIFF size field.
const RIFF_SIZE_AT: u64 = 4;

/// A target with a chunk inserted into the WAV header hound writes; see the module docs.
#[derive(Debug)]
pub(crate) struct RiffTarget<W> {
    inner: W,
    /// The target's position when recording began: real offset 0 of the file.
    base: u64,
    /// The inserted chunk, header included, even length.
    chunk: Vec<u8>,
    /// Hound's header as it wrote it.
    header: [u8; VIEW_HEADER_LEN as usize],
    /// Hound's position in its view.
    pos: u64,
    /// Length of hound's view.
    len: u64,
    /// The target's position, when known.
    inner_pos: Option<u64>,
    /// Audio bytes not yet on the target, to go at real offset `pending_at`.
    pending: Vec<u8>,
    pending_at: u64,
    /// Scratch for header bytes translated to the real layout.
    scratch: Vec<u8>,
}

impl<W: Write + Seek> RiffTarget<W> {
    /// Wraps `inner`, whose current position becomes the start of the file; `chunk` is
    /// inserted after `fmt ` and must have an even length. Audio is buffered in
    /// `buffer_bytes` before it goes to the target.
    pub(crate) fn new(mut inner: W, chunk: Vec<u8>, buffer_bytes: usize) -> io::Result<Self> {
        debug_assert!(
            chunk.len().is_multiple_of(2),
            "RIFF chunks have even lengths"
        );
        let base = inner.stream_position()?;
        let scratch = Vec::with_capacity(VIEW_HEADER_LEN as usize + chunk.len());
        Ok(RiffTarget {
            inner,
            base,
            chunk,
            header: [0; VIEW_HEADER_LEN as usize],
            pos: 0,
            len: 0,
            inner_pos: Some(base),
            pending: Vec::with_capacity(buffer_bytes.max(64)),
            pending_at: 0,
            scratch,
        })
    }

    /// Bytes the inserted chunk adds to the file.
    pub(crate) fn inserted_len(&self) -> u64 {
        self.chunk.len() as u64
    }

    /// The target, without the audio still buffered (see [`Write::flush`]).
    pub(crate) fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Writes what is buffered, leaves the target at the end of the file and returns it.
    pub(crate) fn into_inner(mut self) -> io::Result<W> {
        self.drain()?;
        let end = self.base + self.real_offset(self.len);
        self.inner.seek(SeekFrom::Start(end))?;
        Ok(self.inner)
    }

    /// The real offset, from the file's start, of view offset `view`.
    fn real_offset(&self, view: u64) -> u64 {
        if view < FMT_END {
            view
        } else {
            view + self.inserted_len()
        }
    }

    /// Writes the buffered audio to the target.
    fn drain(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let at = self.base + self.pending_at;
        let result = put(&mut self.inner, &mut self.inner_pos, at, &self.pending);
        self.pending.clear();
        result
    }

    /// Takes hound's header bytes `data` at view offset `at` (below 44) and writes their
    /// real counterparts, the inserted chunk too when they span its place.
    fn write_header(&mut self, at: u64, data: &[u8]) -> io::Result<()> {
        let start = at as usize;
        let end = start + data.len();
        self.header[start..end].copy_from_slice(data);
        self.drain()?;
        let riff = u32::from_le_bytes([
            self.header[4],
            self.header[5],
            self.header[6],
            self.header[7],
        ]);
        let riff = u32::try_from(u64::from(riff) + self.inserted_len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "WAV file over 4 GiB"))?;
        let riff = riff.to_le_bytes();
        // A patch inside the size field rewrites all of it, so the real value stays whole.
        let (start, end) = if start < 8 && end > RIFF_SIZE_AT as usize {
            (start.min(4), end.max(8))
        } else {
            (start, end)
        };
        self.scratch.clear();
        for view in start..end {
            if view == FMT_END as usize && start < view {
                self.scratch.extend_from_slice(&self.chunk);
            }
            let byte = match view {
                4..=7 => riff[view - 4],
                _ => self.header[view],
            };
            self.scratch.push(byte);
        }
        let at = self.base + self.real_offset(start as u64);
        put(&mut self.inner, &mut self.inner_pos, at, &self.scratch)
    }

    /// Takes audio bytes at view offset `at` (44 or more).
    fn write_audio(&mut self, at: u64, data: &[u8]) -> io::Result<()> {
        let real = self.real_offset(at);
        let contiguous =
            self.pending.is_empty() || self.pending_at + self.pending.len() as u64 == real;
        if !contiguous || self.pending.len() + data.len() > self.pending.capacity() {
            self.drain()?;
        }
        if self.pending.is_empty() {
            self.pending_at = real;
        }
        if data.len() > self.pending.capacity() {
            return put(&mut self.inner, &mut self.inner_pos, self.base + real, data);
        }
        self.pending.extend_from_slice(data);
        Ok(())
    }
}

/// Writes `bytes` at absolute position `at` of `inner`, seeking only when `inner` is
/// elsewhere; `inner_pos` tracks where it is (unknown after a failure).
fn put<W: Write + Seek>(
    inner: &mut W,
    inner_pos: &mut Option<u64>,
    at: u64,
    bytes: &[u8],
) -> io::Result<()> {
    if *inner_pos != Some(at) {
        *inner_pos = None;
        inner.seek(SeekFrom::Start(at))?;
    }
    *inner_pos = None;
    inner.write_all(bytes)?;
    *inner_pos = Some(at + bytes.len() as u64);
    Ok(())
}

impl<W: Write + Seek> Write for RiffTarget<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let at = self.pos;
        let n = if at < VIEW_HEADER_LEN {
            let n = data.len().min((VIEW_HEADER_LEN - at) as usize);
            self.write_header(at, &data[..n])?;
            n
        } else {
            self.write_audio(at, data)?;
            data.len()
        };
        self.pos += n as u64;
        self.len = self.len.max(self.pos);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain()?;
        self.inner.flush()
    }
}

impl<W: Write + Seek> Seek for RiffTarget<W> {
    /// Moves hound's position in its view; the target moves only when bytes are written.
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let new = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
        };
        self.pos = new.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )
        })?;
        Ok(self.pos)
    }
}

impl<W> Read for RiffTarget<W> {
    /// Reads back hound's header; the audio cannot be read (the target is write-only).
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos >= VIEW_HEADER_LEN {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "only the WAV header can be read back while recording",
            ));
        }
        let from = &self.header[self.pos as usize..];
        let n = from.len().min(out.len());
        out[..n].copy_from_slice(&from[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn spec() -> hound::WavSpec {
        hound::WavSpec {
            channels: 2,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        }
    }

    fn chunk() -> Vec<u8> {
        let mut c = b"LIST".to_vec();
        c.extend_from_slice(&8u32.to_le_bytes());
        c.extend_from_slice(b"INFOabcd");
        c
    }

    #[test]
    fn hound_writes_a_file_with_the_chunk_inside_that_hound_reads() {
        let mut target = RiffTarget::new(Cursor::new(Vec::new()), chunk(), 64).unwrap();
        hound::WavWriter::new(&mut target, spec())
            .unwrap()
            .finalize()
            .unwrap();
        for round in 0..3i16 {
            target.seek(SeekFrom::Start(0)).unwrap();
            let mut w = hound::WavWriter::new_append(&mut target).unwrap();
            for i in 0..100 {
                w.write_sample(round * 100 + i).unwrap();
            }
            w.finalize().unwrap();
            let bytes = target.get_ref().get_ref().clone();
            assert_eq!(&bytes[36..40], b"LIST");
            let riff = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
            assert_eq!(riff + 8, bytes.len(), "RIFF size counts the chunk");
            let reader = hound::WavReader::new(Cursor::new(bytes)).unwrap();
            assert_eq!(reader.len(), 100 * (u32::from(round as u16) + 1));
            let samples: Vec<i16> = reader.into_samples().map(Result::unwrap).collect();
            assert!(samples.iter().enumerate().all(|(i, &s)| s == i as i16));
        }
    }

    #[test]
    fn the_file_starts_where_the_target_stood_and_ends_where_it_is_left() {
        let mut cursor = Cursor::new(b"prefix".to_vec());
        cursor.seek(SeekFrom::End(0)).unwrap();
        let mut target = RiffTarget::new(cursor, chunk(), 4).unwrap();
        let mut w = hound::WavWriter::new(&mut target, spec()).unwrap();
        for i in 0..10i16 {
            w.write_sample(i).unwrap();
        }
        w.finalize().unwrap();
        let cursor = target.into_inner().unwrap();
        assert_eq!(cursor.position() as usize, cursor.get_ref().len());
        let bytes = cursor.into_inner();
        assert_eq!(&bytes[..6], b"prefix");
        let reader = hound::WavReader::new(Cursor::new(&bytes[6..])).unwrap();
        assert_eq!(reader.len(), 10);
    }
}
