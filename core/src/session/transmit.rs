//! A bounded ring of outgoing datagrams, allocated once.

/// Largest datagram the ring holds: a typical Ethernet MTU payload.
pub(crate) const MAX_DATAGRAM: usize = 1500;

/// Fixed slots of one size (at most [`MAX_DATAGRAM`] bytes) in one allocation; when all are
/// full the oldest is dropped.
#[derive(Debug)]
pub(crate) struct TransmitQueue {
    buf: Vec<u8>,
    slot_len: usize,
    lens: Vec<usize>,
    head: usize,
    len: usize,
    /// Datagrams dropped because the queue was full.
    pub(crate) dropped: u64,
}

impl TransmitQueue {
    /// Room for `capacity` datagrams of up to `slot_len` bytes (capped at [`MAX_DATAGRAM`]):
    /// a session sizes slots to its largest packet, so a PCMU session holds 32 slots of 172
    /// bytes rather than of 1500.
    pub(crate) fn new(capacity: usize, slot_len: usize) -> Self {
        let capacity = capacity.max(1);
        let slot_len = slot_len.clamp(1, MAX_DATAGRAM);
        TransmitQueue {
            buf: vec![0u8; capacity * slot_len],
            slot_len,
            lens: vec![0; capacity],
            head: 0,
            len: 0,
            dropped: 0,
        }
    }

    /// The buffer the next datagram is written into; [`TransmitQueue::commit`] keeps it.
    pub(crate) fn slot(&mut self) -> &mut [u8] {
        if self.len == self.capacity() {
            self.head = (self.head + 1) % self.capacity();
            self.len -= 1;
            self.dropped += 1;
        }
        let tail = (self.head + self.len) % self.capacity();
        let at = tail * self.slot_len;
        &mut self.buf[at..at + self.slot_len]
    }

    /// Keeps the first `len` bytes written into the last [`TransmitQueue::slot`].
    pub(crate) fn commit(&mut self, len: usize) {
        let tail = (self.head + self.len) % self.capacity();
        self.lens[tail] = len;
        self.len += 1;
    }

    /// The oldest datagram, removed from the queue.
    pub(crate) fn pop(&mut self) -> Option<&[u8]> {
        if self.len == 0 {
            return None;
        }
        let slot = self.head;
        self.len -= 1;
        // Emptied: start again at the first slot, so that a host draining every tick keeps
        // writing the same memory instead of walking the whole ring (it stays in cache).
        self.head = if self.len == 0 {
            0
        } else {
            (self.head + 1) % self.capacity()
        };
        let at = slot * self.slot_len;
        Some(&self.buf[at..at + self.lens[slot]])
    }

    fn capacity(&self) -> usize {
        self.lens.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_drops_oldest_when_full() {
        let mut q = TransmitQueue::new(2, 4);
        for i in 1..=3u8 {
            q.slot()[0] = i;
            q.commit(1);
        }
        assert_eq!(q.dropped, 1);
        assert_eq!(q.pop(), Some(&[2u8][..]));
        assert_eq!(q.pop(), Some(&[3u8][..]));
        assert_eq!(q.pop(), None);
    }
}
