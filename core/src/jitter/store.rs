//! [`PacketStore`]: received packets waiting for playout, in RTP timestamp order.
//!
//! Keyed by the RTP timestamp extended to 64 bits, so reordering, duplicates and wrap are
//! all a matter of where a timestamp sorts. The store is bounded both ways: a fixed number
//! of packets, each of at most a fixed payload size; when it is full the packet nearest
//! playout gives way to the newcomer (a buffer that far behind has to catch up, and the
//! newest audio is what the listener needs next).
//!
//! A slot's payload room is allocated the first time the slot is used, a quarter larger than
//! the packet that needs it, and kept; it grows (up to the maximum) only for a packet larger
//! than any that slot has held. Free slots are reused most recently freed first, so a stream
//! with a steady delay keeps using the same few slots: after its first packets it allocates
//! nothing, and a PCMU stream with 20 ms packets holds a few hundred bytes of payload room
//! rather than room for 64 packets of 120 ms (61 KiB). The bound stays `capacity` times
//! `max_payload`.

use crate::error::{Result, RtpError};
use crate::time::Instant;

/// What became of a packet offered to [`PacketStore::insert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insert {
    /// Stored in its place.
    Stored,
    /// Stored, and the packet nearest playout was dropped to make room.
    StoredDroppingOldest,
    /// A packet with the same timestamp is already stored; the new one was not kept.
    Duplicate,
    /// Its timestamp is before the playout point: its time has passed.
    Late,
    /// The store is full and this packet is older than all it holds, so it would be the
    /// first to go: not kept.
    Overflow,
}

/// A stored packet, borrowed from the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredPacket<'a> {
    /// RTP timestamp, extended to 64 bits.
    pub timestamp: u64,
    /// RTP sequence number, extended to 64 bits.
    pub sequence: u64,
    /// The RTP marker bit (the first packet of a talkspurt, RFC 3551 §4.1).
    pub marker: bool,
    /// When it arrived.
    pub arrival: Instant,
    /// Whether the payload is comfort noise (RFC 3389) rather than the stream's codec.
    pub comfort_noise: bool,
    /// The payload.
    pub payload: &'a [u8],
}

#[derive(Debug, Clone)]
struct Slot {
    timestamp: u64,
    sequence: u64,
    marker: bool,
    arrival: Instant,
    comfort_noise: bool,
    len: usize,
    payload: Vec<u8>,
}

/// Received packets in timestamp order; see the module documentation.
#[derive(Debug, Clone)]
pub struct PacketStore {
    slots: Vec<Slot>,
    /// Indices of occupied slots, by ascending timestamp.
    order: Vec<usize>,
    /// Indices of free slots.
    free: Vec<usize>,
    max_payload: usize,
}

impl PacketStore {
    /// A store for up to `capacity` packets of up to `max_payload` bytes each (both at
    /// least 1). The slots are allocated here; their payload room when first used.
    pub fn new(capacity: usize, max_payload: usize) -> Result<Self> {
        if capacity == 0 || max_payload == 0 {
            return Err(crate::Error::InvalidArgument(format!(
                "a packet store needs room for at least one packet of at least one byte; got \
                 capacity {capacity}, max_payload {max_payload}"
            )));
        }
        let slot = Slot {
            timestamp: 0,
            sequence: 0,
            marker: false,
            arrival: Instant::ZERO,
            comfort_noise: false,
            len: 0,
            payload: Vec::new(),
        };
        Ok(PacketStore {
            slots: vec![slot; capacity],
            order: Vec::with_capacity(capacity),
            free: (0..capacity).rev().collect(),
            max_payload,
        })
    }

    /// How many packets the store holds at most.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// The largest payload a packet may carry, in bytes.
    pub fn max_payload(&self) -> usize {
        self.max_payload
    }

    /// Packets stored.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether no packet is stored.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Stores a packet unless its time has passed (`timestamp` before `playout`, the
    /// timestamp playout has reached, if it has started) or one with its timestamp is
    /// already there. A payload longer than the store's slots is an error and changes
    /// nothing.
    pub fn insert(&mut self, packet: StoredPacket<'_>, playout: Option<u64>) -> Result<Insert> {
        if packet.payload.len() > self.max_payload {
            return Err(RtpError::PayloadTooLarge {
                len: packet.payload.len(),
                max: self.max_payload,
            }
            .into());
        }
        if playout.is_some_and(|p| packet.timestamp < p) {
            return Ok(Insert::Late);
        }
        let at = match self
            .order
            .binary_search_by_key(&packet.timestamp, |&i| self.slots[i].timestamp)
        {
            Ok(_) => return Ok(Insert::Duplicate),
            Err(at) => at,
        };
        let (outcome, at) = if self.free.is_empty() {
            if at == 0 {
                // Older than everything in a full store: it would be the first to go.
                return Ok(Insert::Overflow);
            }
            let oldest = self.order.remove(0);
            self.free.push(oldest);
            (Insert::StoredDroppingOldest, at - 1)
        } else {
            (Insert::Stored, at)
        };
        let index = self.free.pop().expect("a free slot");
        self.fill(index, packet);
        self.order.insert(at, index);
        Ok(outcome)
    }

    fn fill(&mut self, index: usize, packet: StoredPacket<'_>) {
        let slot = &mut self.slots[index];
        slot.timestamp = packet.timestamp;
        slot.sequence = packet.sequence;
        slot.marker = packet.marker;
        slot.arrival = packet.arrival;
        slot.comfort_noise = packet.comfort_noise;
        slot.len = packet.payload.len();
        if slot.payload.len() < slot.len {
            // Checked against max_payload by insert; a little spare for variable bit rates.
            let room = (slot.len + slot.len / 4).min(self.max_payload);
            slot.payload.resize(room, 0);
        }
        slot.payload[..slot.len].copy_from_slice(packet.payload);
    }

    fn view(&self, index: usize) -> StoredPacket<'_> {
        let slot = &self.slots[index];
        StoredPacket {
            timestamp: slot.timestamp,
            sequence: slot.sequence,
            marker: slot.marker,
            arrival: slot.arrival,
            comfort_noise: slot.comfort_noise,
            payload: &slot.payload[..slot.len],
        }
    }

    /// The packet with the earliest timestamp.
    pub fn first(&self) -> Option<StoredPacket<'_>> {
        self.order.first().map(|&i| self.view(i))
    }

    /// The packet with the latest timestamp.
    pub fn last(&self) -> Option<StoredPacket<'_>> {
        self.order.last().map(|&i| self.view(i))
    }

    /// The packet with exactly `timestamp`.
    pub fn get(&self, timestamp: u64) -> Option<StoredPacket<'_>> {
        self.order
            .binary_search_by_key(&timestamp, |&i| self.slots[i].timestamp)
            .ok()
            .map(|at| self.view(self.order[at]))
    }

    /// The first packet with a timestamp after `timestamp`.
    pub fn next_after(&self, timestamp: u64) -> Option<StoredPacket<'_>> {
        let at = self
            .order
            .partition_point(|&i| self.slots[i].timestamp <= timestamp);
        self.order.get(at).map(|&i| self.view(i))
    }

    /// Drops the packet with the earliest timestamp; false when there was none.
    pub fn pop_first(&mut self) -> bool {
        if self.order.is_empty() {
            return false;
        }
        let index = self.order.remove(0);
        self.free.push(index);
        true
    }

    /// Drops every packet with a timestamp before `timestamp`; returns how many.
    pub fn discard_before(&mut self, timestamp: u64) -> usize {
        let n = self
            .order
            .partition_point(|&i| self.slots[i].timestamp < timestamp);
        for index in self.order.drain(..n) {
            self.free.push(index);
        }
        n
    }

    /// Drops everything.
    pub fn clear(&mut self) {
        self.free.append(&mut self.order);
    }

    /// Timestamps stored, earliest first.
    pub fn timestamps(&self) -> impl Iterator<Item = u64> + '_ {
        self.order.iter().map(|&i| self.slots[i].timestamp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(timestamp: u64, payload: &[u8]) -> StoredPacket<'_> {
        StoredPacket {
            timestamp,
            sequence: timestamp / 160,
            marker: false,
            arrival: Instant::from_micros(timestamp * 125),
            comfort_noise: false,
            payload,
        }
    }

    #[test]
    fn packets_come_out_in_timestamp_order_whatever_order_they_arrive_in() {
        let mut store = PacketStore::new(8, 4).unwrap();
        for ts in [480, 160, 640, 0, 320] {
            let byte = (ts / 160) as u8;
            assert_eq!(
                store.insert(packet(ts, &[byte; 4]), None).unwrap(),
                Insert::Stored
            );
        }
        assert_eq!(
            store.timestamps().collect::<Vec<_>>(),
            [0, 160, 320, 480, 640]
        );
        assert_eq!(store.get(320).unwrap().payload, &[2; 4]);
        assert_eq!(store.next_after(320).unwrap().timestamp, 480);
        assert_eq!(store.next_after(330).unwrap().timestamp, 480);
        assert!(store.next_after(640).is_none());
        assert_eq!(store.first().unwrap().timestamp, 0);
        assert_eq!(store.last().unwrap().timestamp, 640);
        assert!(store.pop_first());
        assert_eq!(store.discard_before(480), 2);
        assert_eq!(store.timestamps().collect::<Vec<_>>(), [480, 640]);
        store.clear();
        assert!(store.is_empty() && !store.pop_first());
    }

    #[test]
    fn duplicates_late_packets_and_oversized_payloads_are_kept_out() {
        let mut store = PacketStore::new(4, 3).unwrap();
        store.insert(packet(320, &[1]), Some(160)).unwrap();
        assert_eq!(
            store.insert(packet(320, &[9, 9]), Some(160)).unwrap(),
            Insert::Duplicate
        );
        assert_eq!(store.get(320).unwrap().payload, &[1]);
        assert_eq!(
            store.insert(packet(0, &[2]), Some(160)).unwrap(),
            Insert::Late
        );
        assert_eq!(
            store
                .insert(packet(480, &[0; 4]), None)
                .unwrap_err()
                .to_string(),
            "RTP payload of 4 bytes exceeds the 3-byte limit for one packet"
        );
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn a_full_store_drops_the_packet_nearest_playout() {
        let mut store = PacketStore::new(3, 1).unwrap();
        for ts in [100, 200, 300] {
            store.insert(packet(ts, &[ts as u8]), None).unwrap();
        }
        assert_eq!(
            store.insert(packet(400, &[4]), None).unwrap(),
            Insert::StoredDroppingOldest
        );
        assert_eq!(store.timestamps().collect::<Vec<_>>(), [200, 300, 400]);
        // One older than everything would be the first to go: it is not kept.
        assert_eq!(
            store.insert(packet(150, &[1]), None).unwrap(),
            Insert::Overflow
        );
        assert_eq!(store.timestamps().collect::<Vec<_>>(), [200, 300, 400]);
        assert_eq!(store.len(), store.capacity());
    }

    #[test]
    fn a_store_needs_room() {
        assert!(PacketStore::new(0, 10).is_err());
        assert!(PacketStore::new(10, 0).is_err());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_arrivals_keep_order_bounds_and_contents(
                arrivals in proptest::collection::vec((0u64..64, 0usize..6, any::<bool>()), 0..200),
            ) {
                let mut store = PacketStore::new(8, 4).unwrap();
                let mut playout = None;
                for (ts, len, advance) in arrivals {
                    let payload = [ts as u8; 6];
                    match store.insert(packet(ts, &payload[..len]), playout) {
                        Ok(Insert::Late) => prop_assert!(playout.is_some_and(|p| ts < p)),
                        Ok(Insert::Duplicate) => prop_assert!(store.get(ts).is_some()),
                        Ok(Insert::Overflow) => {
                            prop_assert_eq!(store.len(), store.capacity());
                            prop_assert!(ts < store.first().unwrap().timestamp);
                        }
                        Ok(_) => prop_assert_eq!(store.get(ts).unwrap().payload, &payload[..len]),
                        Err(_) => prop_assert!(len > 4),
                    }
                    prop_assert!(store.len() <= store.capacity());
                    let stamps: Vec<u64> = store.timestamps().collect();
                    prop_assert!(stamps.windows(2).all(|w| w[0] < w[1]));
                    if advance
                        && let Some(first) = store.first().map(|p| p.timestamp) {
                            playout = Some(first + 1);
                            store.pop_first();
                        }
                }
            }
        }
    }
}
