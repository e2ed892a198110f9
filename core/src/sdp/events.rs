//! RFC 4733 telephone-event event lists as `a=fmtp` carries them (`0-15,66,70`).

use core::fmt;

/// A set of RFC 4733 event codes (0-255), as the telephone-event `a=fmtp` lists them.
///
/// Kept as a bit set so that two lists that name the same events compare equal however
/// they were written (`0-15` and `0-9,10-15`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct EventSet {
    bits: [u64; 4],
}

impl EventSet {
    /// No events.
    pub const EMPTY: EventSet = EventSet { bits: [0; 4] };

    /// Events 0-15: DTMF digits 0-9, `*`, `#` and A-D (RFC 4733 §3.2). A telephone-event
    /// format without an event list is taken to support these (RFC 4733 §7.1.1).
    pub const DTMF: EventSet = EventSet {
        bits: [0xffff, 0, 0, 0],
    };

    /// The events `first..=last`; empty when `first > last`.
    pub fn range(first: u8, last: u8) -> EventSet {
        let mut set = EventSet::EMPTY;
        for event in first..=last {
            set.insert(event);
        }
        set
    }

    /// Adds one event.
    pub fn insert(&mut self, event: u8) {
        self.bits[usize::from(event / 64)] |= 1u64 << (event % 64);
    }

    /// Whether `event` is in the set.
    pub fn contains(&self, event: u8) -> bool {
        self.bits[usize::from(event / 64)] & (1u64 << (event % 64)) != 0
    }

    /// Whether the set holds no event.
    pub fn is_empty(&self) -> bool {
        self.bits == [0; 4]
    }

    /// The events in both sets: what two ends can both send and receive.
    pub fn intersection(&self, other: &EventSet) -> EventSet {
        let mut bits = [0; 4];
        for (i, word) in bits.iter_mut().enumerate() {
            *word = self.bits[i] & other.bits[i];
        }
        EventSet { bits }
    }

    /// The events in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = u8> + '_ {
        (0..=u8::MAX).filter(|&e| self.contains(e))
    }

    /// Parses an event list such as `0-15,66,70`; `None` when it is not one.
    ///
    /// Items are single events or inclusive ranges `a-b` with `a <= b`, separated by
    /// commas (RFC 4733 §7.1.1). An empty list is not a list.
    pub fn parse(text: &str) -> Option<EventSet> {
        let mut set = EventSet::EMPTY;
        for item in text.split(',') {
            let item = item.trim();
            let (first, last) = match item.split_once('-') {
                Some((a, b)) => (event_code(a.trim())?, event_code(b.trim())?),
                None => {
                    let e = event_code(item)?;
                    (e, e)
                }
            };
            if first > last {
                return None;
            }
            for event in first..=last {
                set.insert(event);
            }
        }
        Some(set)
    }
}

fn event_code(text: &str) -> Option<u8> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl fmt::Display for EventSet {
    /// Writes the shortest list of ranges, for example `0-15,66,70`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first_item = true;
        let mut event: u16 = 0;
        while event <= 255 {
            // `event` is at most 255 inside the loop, so the conversion cannot fail.
            let start = event as u8;
            if !self.contains(start) {
                event += 1;
                continue;
            }
            let mut end = start;
            while end < u8::MAX && self.contains(end + 1) {
                end += 1;
            }
            if !first_item {
                f.write_str(",")?;
            }
            first_item = false;
            if start == end {
                write!(f, "{start}")?;
            } else {
                write!(f, "{start}-{end}")?;
            }
            event = u16::from(end) + 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_and_render_canonically() {
        let set = EventSet::parse("0-9, 10-15,66 ,70").unwrap();
        assert_eq!(set.to_string(), "0-15,66,70");
        assert_eq!(EventSet::parse("0-15").unwrap(), EventSet::DTMF);
        assert_eq!(EventSet::parse("255").unwrap().to_string(), "255");
        assert_eq!(EventSet::range(250, 255).to_string(), "250-255");
    }

    #[test]
    fn malformed_lists_are_rejected() {
        for bad in ["", "0-", "-5", "15-0", "256", "a", "0-15,", "+1", "1-2-3"] {
            assert_eq!(EventSet::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn intersection_keeps_common_events() {
        let a = EventSet::parse("0-16").unwrap();
        let b = EventSet::parse("0-11,16,32").unwrap();
        assert_eq!(a.intersection(&b).to_string(), "0-11,16");
        assert!(
            EventSet::range(32, 40)
                .intersection(&EventSet::DTMF)
                .is_empty()
        );
    }
}
