//! Ogg pages (RFC 3533) read straight from bytes, each one's CRC checked, and split into the
//! runs of segments that make up its packets.

/// Every page starts with this capture pattern (RFC 3533 §6).
pub(super) const CAPTURE_PATTERN: &[u8; 4] = b"OggS";
/// Bytes of the fixed page header, before the segment table.
const HEADER_LEN: usize = 27;
/// Header type flag: the page's first packet continues one from the previous page.
pub(super) const FLAG_CONTINUED: u8 = 0x01;
/// Header type flag: the first page of a logical stream.
pub(super) const FLAG_BOS: u8 = 0x02;
/// Header type flag: the last page of a logical stream.
pub(super) const FLAG_EOS: u8 = 0x04;

/// One Ogg page, borrowed from the file.
#[derive(Debug, Clone, Copy)]
pub(super) struct Page<'a> {
    /// Header type flags ([`FLAG_CONTINUED`], [`FLAG_BOS`], [`FLAG_EOS`]).
    pub flags: u8,
    /// Codec-defined position after the last packet that ends on this page; `u64::MAX` (-1)
    /// when none ends here.
    pub granule: u64,
    /// The logical stream the page belongs to.
    pub serial: u32,
    /// Page counter within the logical stream.
    pub sequence: u32,
    /// Byte offset of the page in the file.
    pub offset: usize,
    lacing: &'a [u8],
    body: &'a [u8],
}

/// What is wrong with the bytes where a page should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PageError {
    /// The file ends inside the page.
    Truncated(String),
    /// The bytes are not a valid page.
    Corrupt(String),
}

impl<'a> Page<'a> {
    /// Whether the page begins a logical stream.
    pub fn is_bos(&self) -> bool {
        self.flags & FLAG_BOS != 0
    }

    /// Whether the page ends its logical stream.
    pub fn is_eos(&self) -> bool {
        self.flags & FLAG_EOS != 0
    }

    /// Whether the page's first packet continues one from the previous page.
    pub fn is_continued(&self) -> bool {
        self.flags & FLAG_CONTINUED != 0
    }

    /// The start of the page body (the first bytes of its first packet run).
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The page's packet runs in order: each is the bytes of one packet on this page and
    /// whether the packet ends here (a run that fills the last segment with 255 bytes goes on
    /// in the next page).
    pub fn runs(&self) -> Runs<'a> {
        Runs {
            lacing: self.lacing,
            body: self.body,
        }
    }
}

/// Iterator over a page's packet runs; see [`Page::runs`].
pub(super) struct Runs<'a> {
    lacing: &'a [u8],
    body: &'a [u8],
}

impl<'a> Iterator for Runs<'a> {
    type Item = (&'a [u8], bool);

    fn next(&mut self) -> Option<Self::Item> {
        if self.lacing.is_empty() {
            return None;
        }
        let mut len = 0;
        let mut ends = false;
        let mut used = 0;
        for &l in self.lacing {
            used += 1;
            len += usize::from(l);
            if l < 255 {
                ends = true;
                break;
            }
        }
        self.lacing = &self.lacing[used..];
        // The body is exactly the sum of the lacing values (checked when the page was read).
        let (run, rest) = self.body.split_at(len);
        self.body = rest;
        Some((run, ends))
    }
}

/// Reads pages one after another from the start of a file.
#[derive(Debug, Clone)]
pub(super) struct Pages<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Pages<'a> {
    /// Pages of `bytes`, which must start with a page.
    pub fn new(bytes: &'a [u8]) -> Self {
        Pages { bytes, pos: 0 }
    }

    /// The next page, or `None` when the file ends where a page would start.
    pub fn next_page(&mut self) -> Result<Option<Page<'a>>, PageError> {
        let offset = self.pos;
        let rest = &self.bytes[offset..];
        if rest.is_empty() {
            return Ok(None);
        }
        if rest.len() < HEADER_LEN {
            if !CAPTURE_PATTERN.starts_with(&rest[..rest.len().min(4)]) {
                return Err(not_a_page(offset));
            }
            return Err(PageError::Truncated(format!(
                "the file ends inside the Ogg page header at byte {offset}"
            )));
        }
        if &rest[..4] != CAPTURE_PATTERN {
            return Err(not_a_page(offset));
        }
        if rest[4] != 0 {
            return Err(PageError::Corrupt(format!(
                "Ogg page at byte {offset} has stream structure version {}; expected 0",
                rest[4]
            )));
        }
        let segments = usize::from(rest[26]);
        let Some(lacing) = rest.get(HEADER_LEN..HEADER_LEN + segments) else {
            return Err(PageError::Truncated(format!(
                "the file ends inside the segment table of the Ogg page at byte {offset}"
            )));
        };
        let body_len: usize = lacing.iter().map(|&l| usize::from(l)).sum();
        let page_len = HEADER_LEN + segments + body_len;
        if rest.len() < page_len {
            return Err(PageError::Truncated(format!(
                "the Ogg page at byte {offset} needs {page_len} bytes; {} are left",
                rest.len()
            )));
        }
        let page = &rest[..page_len];
        let stored = u32::from_le_bytes([page[22], page[23], page[24], page[25]]);
        let computed = crc32(&page[..22], &page[26..]);
        if stored != computed {
            return Err(PageError::Corrupt(format!(
                "Ogg page at byte {offset} fails its CRC (stored {stored:08x}, computed {computed:08x})"
            )));
        }
        self.pos += page_len;
        Ok(Some(Page {
            flags: page[5],
            granule: u64::from_le_bytes(page[6..14].try_into().unwrap_or([0xFF; 8])),
            serial: u32::from_le_bytes([page[14], page[15], page[16], page[17]]),
            sequence: u32::from_le_bytes([page[18], page[19], page[20], page[21]]),
            offset,
            lacing,
            body: &page[HEADER_LEN + segments..],
        }))
    }
}

fn not_a_page(offset: usize) -> PageError {
    PageError::Corrupt(format!(
        "no Ogg page at byte {offset} (the capture pattern \"OggS\" is missing)"
    ))
}

/// RFC 3533 §6: CRC-32 with generator 0x04c11db7, initial value 0, no reflection and no final
/// XOR, over the whole page with the CRC field taken as zero. `head` is the page before the
/// CRC field and `tail` the page after it.
fn crc32(head: &[u8], tail: &[u8]) -> u32 {
    let mut crc = 0u32;
    let bytes = head.iter().chain(&[0u8; 4]).chain(tail);
    for &b in bytes {
        crc = (crc << 8) ^ CRC_TABLE[usize::from((crc >> 24) as u8 ^ b)];
    }
    crc
}

/// The CRC's byte-at-a-time table, built at compile time.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut r = (i as u32) << 24;
        let mut bit = 0;
        while bit < 8 {
            r = if r & 0x8000_0000 != 0 {
                (r << 1) ^ 0x04c1_1db7
            } else {
                r << 1
            };
            bit += 1;
        }
        table[i] = r;
        i += 1;
    }
    table
};

/// Writes pages, for tests that build Ogg files by hand.
#[cfg(test)]
pub(super) fn write_page(
    out: &mut Vec<u8>,
    flags: u8,
    granule: u64,
    serial: u32,
    sequence: u32,
    segments: &[u8],
    body: &[u8],
) {
    let start = out.len();
    out.extend_from_slice(CAPTURE_PATTERN);
    out.push(0);
    out.push(flags);
    out.extend_from_slice(&granule.to_le_bytes());
    out.extend_from_slice(&serial.to_le_bytes());
    out.extend_from_slice(&sequence.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.push(segments.len() as u8);
    out.extend_from_slice(segments);
    out.extend_from_slice(body);
    let crc = crc32(&out[start..start + 22], &out[start + 26..]);
    out[start + 22..start + 26].copy_from_slice(&crc.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_ogg_reference_value() {
        // The CRC of a page is what libogg writes; check the table against a value computed
        // bit by bit.
        let data = b"OggS\x00\x02";
        let mut slow = 0u32;
        for &b in data.iter().chain(&[0u8; 4]) {
            slow ^= u32::from(b) << 24;
            for _ in 0..8 {
                slow = if slow & 0x8000_0000 != 0 {
                    (slow << 1) ^ 0x04c1_1db7
                } else {
                    slow << 1
                };
            }
        }
        assert_eq!(crc32(data, &[]), slow);
    }

    #[test]
    fn pages_round_trip_and_split_into_packet_runs() {
        let mut file = Vec::new();
        let body: Vec<u8> = (0..300u32).map(|i| i as u8).collect();
        // A 255 + 45 byte packet and a 0-byte packet, then a run that goes on.
        write_page(
            &mut file,
            FLAG_BOS,
            7,
            9,
            0,
            &[255, 45, 0, 255],
            &[&body[..], &[1; 255]].concat(),
        );
        let mut pages = Pages::new(&file);
        let page = pages.next_page().unwrap().unwrap();
        assert!(page.is_bos() && !page.is_eos() && !page.is_continued());
        assert_eq!((page.granule, page.serial, page.sequence), (7, 9, 0));
        let runs: Vec<(usize, bool)> = page.runs().map(|(r, e)| (r.len(), e)).collect();
        assert_eq!(runs, [(300, true), (0, true), (255, false)]);
        assert!(matches!(pages.next_page(), Ok(None)));
    }

    #[test]
    fn damaged_pages_are_reported() {
        let mut file = Vec::new();
        write_page(&mut file, FLAG_BOS, 0, 1, 0, &[3], b"abc");
        let mut flipped = file.clone();
        flipped[30] ^= 1;
        assert!(
            matches!(Pages::new(&flipped).next_page(), Err(PageError::Corrupt(m)) if m.contains("CRC"))
        );
        for cut in [3, 20, 27, 29] {
            assert!(
                matches!(
                    Pages::new(&file[..cut]).next_page(),
                    Err(PageError::Truncated(_))
                ),
                "cut at {cut}"
            );
        }
        assert!(matches!(
            Pages::new(b"RIFF....").next_page(),
            Err(PageError::Corrupt(_))
        ));
    }
}
