//! A bounded ring of outgoing datagrams, allocated once.

/// Largest datagram the ring holds: a typical Ethernet MTU payload.
pub(crate) const MAX_DATAGRAM: usize = 1500;

/// Fixed slots of [`MAX_DATAGRAM`] bytes; when all are full the oldest is dropped.
#[derive(Debug)]
pub(crate) struct TransmitQueue {
    slots: Vec<[u8; MAX_DATAGRAM]>,
    lens: Vec<usize>,
    head: usize,
    len: usize,
    /// Datagrams dropped because the queue was full.
    pub(crate) dropped: u64,
}

impl TransmitQueue {
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        TransmitQueue {
            slots: vec![[0u8; MAX_DATAGRAM]; capacity],
            lens: vec![0; capacity],
            head: 0,
            len: 0,
            dropped: 0,
        }
    }

    /// The buffer the next datagram is written into; [`TransmitQueue::commit`] keeps it.
    pub(crate) fn slot(&mut self) -> &mut [u8] {
        if self.len == self.slots.len() {
            self.head = (self.head + 1) % self.slots.len();
            self.len -= 1;
            self.dropped += 1;
        }
        let tail = (self.head + self.len) % self.slots.len();
        &mut self.slots[tail][..]
    }

    /// Keeps the first `len` bytes written into the last [`TransmitQueue::slot`].
    pub(crate) fn commit(&mut self, len: usize) {
        let tail = (self.head + self.len) % self.slots.len();
        self.lens[tail] = len;
        self.len += 1;
    }

    /// The oldest datagram, removed from the queue.
    pub(crate) fn pop(&mut self) -> Option<&[u8]> {
        if self.len == 0 {
            return None;
        }
        let at = self.head;
        self.head = (self.head + 1) % self.slots.len();
        self.len -= 1;
        Some(&self.slots[at][..self.lens[at]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_drops_oldest_when_full() {
        let mut q = TransmitQueue::new(2);
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
