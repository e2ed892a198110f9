//! The input of a scripted fuzz target, read front to back: each read takes bytes off the
//! front and gives `None` once the input runs out, which ends the script.

/// The rest of the input.
pub struct Script<'a>(pub &'a [u8]);

impl<'a> Script<'a> {
    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }

    /// The next byte.
    pub fn byte(&mut self) -> Option<u8> {
        self.bytes(1).map(|b| b[0])
    }

    /// The next two bytes, little-endian.
    pub fn u16(&mut self) -> Option<u16> {
        self.bytes(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
}
