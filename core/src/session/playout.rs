//! In-order playout: decoded audio placed on the sender's timeline and pulled in frames.
//!
//! This is the simple receive path of the first session: packets are accepted in
//! sequence order, a gap in timestamps becomes silence of the same length, and playout
//! waits for a small prefill before it starts or restarts. The adaptive jitter buffer
//! replaces it.

/// A bounded FIFO of samples with a prefill threshold.
#[derive(Debug)]
pub(crate) struct PlayoutQueue {
    ring: Vec<i16>,
    head: usize,
    len: usize,
    prefill: usize,
    playing: bool,
    /// Samples dropped because the queue was full.
    pub(crate) overflow_samples: u64,
    /// Pulls that could not be served from received audio while playing.
    pub(crate) underruns: u64,
}

impl PlayoutQueue {
    /// A queue holding at most `capacity` samples that starts playing once `prefill` are in.
    pub(crate) fn new(capacity: usize, prefill: usize) -> Self {
        PlayoutQueue {
            ring: vec![0; capacity.max(1)],
            head: 0,
            len: 0,
            prefill: prefill.min(capacity),
            playing: false,
            overflow_samples: 0,
            underruns: 0,
        }
    }

    /// Samples waiting.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends samples; when full, the oldest samples are dropped to make room.
    pub(crate) fn push(&mut self, samples: &[i16]) {
        let cap = self.ring.len();
        let samples = if samples.len() > cap {
            self.overflow_samples += (samples.len() - cap) as u64;
            &samples[samples.len() - cap..]
        } else {
            samples
        };
        let excess = (self.len + samples.len()).saturating_sub(cap);
        if excess > 0 {
            self.head = (self.head + excess) % cap;
            self.len -= excess;
            self.overflow_samples += excess as u64;
        }
        let mut tail = (self.head + self.len) % cap;
        for &s in samples {
            self.ring[tail] = s;
            tail += 1;
            if tail == cap {
                tail = 0;
            }
        }
        self.len += samples.len();
    }

    /// Appends `count` samples of silence.
    pub(crate) fn push_silence(&mut self, count: usize) {
        const ZEROS: [i16; 256] = [0; 256];
        let mut left = count.min(self.ring.len());
        while left > 0 {
            let n = left.min(ZEROS.len());
            self.push(&ZEROS[..n]);
            left -= n;
        }
    }

    /// Fills `out` from the queue, with silence where nothing is available.
    ///
    /// Returns the number of samples that came from received audio.
    pub(crate) fn pull(&mut self, out: &mut [i16]) -> usize {
        if !self.playing {
            if self.len >= self.prefill && self.len > 0 {
                self.playing = true;
            } else {
                out.fill(0);
                return 0;
            }
        }
        let n = out.len().min(self.len);
        let cap = self.ring.len();
        for o in out[..n].iter_mut() {
            *o = self.ring[self.head];
            self.head += 1;
            if self.head == cap {
                self.head = 0;
            }
        }
        self.len -= n;
        out[n..].fill(0);
        if n < out.len() {
            self.underruns += 1;
            self.playing = false;
        }
        n
    }

    /// Drops everything queued and waits for the prefill again.
    pub(crate) fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
        self.playing = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_for_prefill_then_plays_in_order() {
        let mut q = PlayoutQueue::new(10, 4);
        let mut out = [9i16; 3];
        q.push(&[1, 2, 3]);
        assert_eq!(q.pull(&mut out), 0);
        assert_eq!(out, [0, 0, 0]);
        q.push(&[4]);
        assert_eq!(q.pull(&mut out), 3);
        assert_eq!(out, [1, 2, 3]);
        assert_eq!(q.pull(&mut out), 1);
        assert_eq!(out, [4, 0, 0]);
        assert_eq!(q.underruns, 1);
    }

    #[test]
    fn overflow_drops_the_oldest_and_counts() {
        let mut q = PlayoutQueue::new(4, 1);
        q.push(&[1, 2, 3]);
        q.push(&[4, 5, 6]);
        assert_eq!(q.overflow_samples, 2);
        let mut out = [0i16; 4];
        assert_eq!(q.pull(&mut out), 4);
        assert_eq!(out, [3, 4, 5, 6]);
        q.push(&[7, 8, 9, 10, 11, 12]);
        assert_eq!(q.overflow_samples, 4);
        q.pull(&mut out);
        assert_eq!(out, [9, 10, 11, 12]);
    }
}
