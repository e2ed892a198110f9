//! Property tests of [`JitterBuffer`]: any packets, any timing and any pulls keep it within
//! its bounds, account for every sample, and play decoded audio in timestamp order.
//!
//! Bounds, from `JitterBuffer::new`: the store holds at most `capacity` packets, and the
//! queue of decoded samples is one allocation of `3 × (120 ms of samples) + 2 × (15 ms
//! pitch period, adaptive mono only)` that every write is clipped to, so
//! `samples_queued() <= 3 × rate × 0.12 + 2 × rate × 0.015` (mono; 3120 samples for PCMU,
//! 6240 for G.722 at 16 kHz, 18 720 for Opus at 48 kHz).

use std::sync::{Arc, Mutex};

use proptest::prelude::*;

use super::*;
use crate::codec::{self, Codec, CodecInfo, Decoder};
use crate::rtp::{RtpHeader, RtpPacket};
use crate::time::Instant;

/// The bound on `samples_queued()` for a mono buffer at `rate`; see the module docs.
fn max_queued(rate: u32, mode: JitterMode) -> usize {
    let per_ms = rate as usize / 1000;
    let period = if mode == JitterMode::Adaptive {
        15 * per_ms
    } else {
        0
    };
    3 * 120 * per_ms + 2 * period
}

/// What a test does to a buffer.
#[derive(Debug, Clone)]
enum Op {
    /// An audio packet: `timestamp` is `frame × ticks per 20 ms` plus `skew` (or, with
    /// `raw`, `skew` alone); `ssrc` one of a few; `len` bytes of payload.
    Audio {
        seq: u16,
        frame: u16,
        skew: u32,
        raw: bool,
        ssrc: u8,
        marker: bool,
        len: usize,
        fill: u8,
    },
    /// A comfort-noise packet with any payload.
    ComfortNoise {
        seq: u16,
        frame: u16,
        payload: Vec<u8>,
    },
    /// The last datagram again.
    Duplicate,
    /// The clock moves on by this many µs.
    Advance(u64),
    /// A pull of this many samples.
    Pull(usize),
    Reset,
}

fn op() -> impl Strategy<Value = Op> {
    let audio = (
        any::<u16>(),
        0u16..400,
        prop_oneof![3 => Just(0u32), 1 => any::<u32>(), 1 => 0u32..2000],
        prop::bool::weighted(0.1),
        0u8..3,
        prop::bool::weighted(0.1),
        prop_oneof![6 => Just(160usize), 2 => 0usize..400, 1 => 0usize..8000],
        any::<u8>(),
    )
        .prop_map(
            |(seq, frame, skew, raw, ssrc, marker, len, fill)| Op::Audio {
                seq,
                frame,
                skew,
                raw,
                ssrc,
                marker,
                len,
                fill,
            },
        );
    let cn = (
        any::<u16>(),
        0u16..400,
        prop::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(seq, frame, payload)| Op::ComfortNoise {
            seq,
            frame,
            payload,
        });
    let advance = prop_oneof![
        2 => Just(0u64),
        8 => 0u64..40_000,
        2 => 0u64..3_000_000,
        1 => 0u64..(1 << 40),
    ];
    let pull = prop_oneof![
        6 => Just(20usize),
        3 => 0usize..=400,
        1 => Just(0usize),
    ];
    prop_oneof![
        12 => audio,
        2 => cn,
        2 => Just(Op::Duplicate),
        8 => advance.prop_map(Op::Advance),
        // Milliseconds here; scaled to samples at the buffer's rate.
        10 => pull.prop_map(Op::Pull),
        1 => Just(Op::Reset),
    ]
}

/// Sum of what went into the queue less what stretching took out: per the counters, the
/// samples played or still queued.
fn produced(s: &JitterStats) -> i128 {
    i128::from(s.samples_decoded)
        + i128::from(s.samples_fec)
        + i128::from(s.samples_concealed)
        + i128::from(s.samples_comfort_noise)
        + i128::from(s.samples_silence)
        - i128::from(s.samples_accelerated)
        + i128::from(s.samples_expanded)
        - i128::from(s.samples_dropped)
}

fn datagram(header: &RtpHeader<'_>, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; header.packet_len(payload.len())];
    let n = header.write(payload, &mut out).unwrap();
    out.truncate(n);
    out
}

/// Runs `ops` on two identical buffers of `codec` at `rate` (the same input gives the same
/// output), pulling each into a buffer prefilled with a different value: a sample a pull
/// did not write would differ. Checks the bounds after every step and the accounting of
/// samples throughout. Returns the most samples ever queued.
fn run_ops(
    codec: Codec,
    rate: u32,
    config: JitterConfig,
    ops: &[Op],
) -> Result<usize, TestCaseError> {
    let new = || JitterBuffer::new(config, codec::new_decoder(codec, rate, 1).unwrap()).unwrap();
    let mut pair = [new(), new()];
    let clock_rate = codec.rtp_clock_rate(rate);
    let frame_ticks = clock_rate / 50;
    let bound = max_queued(rate, config.mode);
    let mut now = 0u64;
    let mut last: Option<(Vec<u8>, PacketKind)> = None;
    let mut outs = [vec![0i16; 0], vec![0i16; 0]];
    // Samples pulled, and samples thrown away from the queue by resets.
    let (mut pulled, mut reset_away) = (0i128, 0i128);
    // What the counters are ahead of pulled + queued, and the pull that made it so.
    let mut most_queued = 0;
    for op in ops {
        let at = Instant::from_micros(now);
        let sent = match op {
            Op::Audio {
                seq,
                frame,
                skew,
                raw,
                ssrc,
                marker,
                len,
                fill,
            } => {
                let timestamp = if *raw {
                    *skew
                } else {
                    (u32::from(*frame) * frame_ticks).wrapping_add(*skew)
                };
                let header = RtpHeader {
                    marker: *marker,
                    sequence_number: *seq,
                    timestamp,
                    ssrc: 0x1000 + u32::from(*ssrc),
                    ..RtpHeader::default()
                };
                let mut payload = vec![*fill; *len];
                for (i, b) in payload.iter_mut().enumerate() {
                    *b = b.wrapping_add((i as u8).wrapping_mul(37));
                }
                Some((datagram(&header, &payload), PacketKind::Audio))
            }
            Op::ComfortNoise {
                seq,
                frame,
                payload,
            } => {
                let header = RtpHeader {
                    payload_type: 13,
                    sequence_number: *seq,
                    timestamp: u32::from(*frame) * frame_ticks,
                    ssrc: 0x1000,
                    ..RtpHeader::default()
                };
                Some((datagram(&header, payload), PacketKind::ComfortNoise))
            }
            Op::Duplicate => last.clone(),
            Op::Advance(us) => {
                now = now.saturating_add(*us);
                None
            }
            Op::Pull(ms) => {
                let n = ms * rate as usize / 1000;
                for (jb, (out, fill)) in pair.iter_mut().zip(outs.iter_mut().zip([7, -7])) {
                    out.clear();
                    out.resize(n, fill);
                    jb.pull(at, out);
                }
                prop_assert_eq!(outs[0].len(), n);
                prop_assert!(outs[0] == outs[1], "a pull of {} left samples unwritten", n);
                pulled += n as i128;
                None
            }
            Op::Reset => {
                reset_away += pair[0].samples_queued() as i128;
                for jb in &mut pair {
                    jb.reset();
                }
                prop_assert_eq!(pair[0].samples_queued(), 0);
                prop_assert_eq!(pair[0].packets_stored(), 0);
                None
            }
        };
        if let Some((d, kind)) = sent {
            let packet = RtpPacket::parse(&d).unwrap();
            let results: Vec<_> = pair
                .iter_mut()
                .map(|jb| jb.insert(at, &packet, kind))
                .collect();
            prop_assert_eq!(&results[0], &results[1]);
            last = Some((d, kind));
        }
        let jb = &pair[0];
        prop_assert_eq!(jb.stats(), pair[1].stats());
        prop_assert!(jb.packets_stored() <= config.capacity);
        prop_assert!(
            jb.samples_queued() <= bound,
            "{} queued, bound {}",
            jb.samples_queued(),
            bound
        );
        most_queued = most_queued.max(jb.samples_queued());
        // The bookkeeping identity: every sample made is pulled, queued or reset away (the
        // concealment resumed playout gives back is taken off its counter).
        let gap = produced(&jb.stats()) - (pulled + jb.samples_queued() as i128 + reset_away);
        prop_assert_eq!(gap, 0, "{:?}", jb.stats());
    }
    Ok(most_queued)
}

fn config() -> impl Strategy<Value = JitterConfig> {
    (
        prop_oneof![Just(JitterMode::Adaptive), Just(JitterMode::Fixed)],
        prop_oneof![3 => Just(64usize), 1 => 1usize..80],
    )
        .prop_map(|(mode, capacity)| {
            let base = match mode {
                JitterMode::Adaptive => JitterConfig::default(),
                JitterMode::Fixed => JitterConfig::fixed(core::time::Duration::from_millis(60)),
            };
            JitterConfig { capacity, ..base }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_script_keeps_pcmu_within_bounds_and_accounts_for_samples(
        config in config(),
        ops in prop::collection::vec(op(), 0..400),
    ) {
        run_ops(Codec::Pcmu, 8000, config, &ops)?;
    }

    #[test]
    fn any_script_keeps_g722_within_bounds_and_accounts_for_samples(
        config in config(),
        ops in prop::collection::vec(op(), 0..300),
    ) {
        run_ops(Codec::G722, 16_000, config, &ops)?;
    }

    #[test]
    fn any_script_keeps_opus_within_bounds_and_accounts_for_samples(
        config in config(),
        ops in prop::collection::vec(op(), 0..200),
    ) {
        run_ops(Codec::Opus, 48_000, config, &ops)?;
    }
}

/// A PCMU decoder that logs the counter each payload it decodes starts with.
struct Logging {
    inner: Box<dyn Decoder>,
    log: Arc<Mutex<Vec<u16>>>,
}

impl CodecInfo for Logging {
    fn codec(&self) -> Codec {
        self.inner.codec()
    }
    fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }
    fn channels(&self) -> u16 {
        self.inner.channels()
    }
}

impl Decoder for Logging {
    fn max_decoded_len(&self, payload_len: usize) -> usize {
        self.inner.max_decoded_len(payload_len)
    }
    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> crate::error::Result<usize> {
        let n = self.inner.decode(payload, out)?;
        self.log
            .lock()
            .unwrap()
            .push(u16::from_be_bytes([payload[0], payload[1]]));
        Ok(n)
    }
    fn conceal(&mut self, samples: usize, out: &mut [i16]) -> crate::error::Result<usize> {
        self.inner.conceal(samples, out)
    }
}

/// One packet of the counter stream: `Some(delay in ms)` after its send time, or lost.
fn fate() -> impl Strategy<Value = (Option<u64>, bool)> {
    (
        prop_oneof![8 => (0u64..60).prop_map(Some), 2 => (0u64..900).prop_map(Some), 1 => Just(None)],
        prop::bool::weighted(0.1),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Packets of a PCMU stream whose payloads start with their index, delayed by up to
    /// 0.9 s (so arriving in any order within that), lost or duplicated, pulled in pieces
    /// of any size: the decoder sees them in index order, each at most once.
    #[test]
    fn decoded_audio_plays_in_timestamp_order(
        fates in prop::collection::vec(fate(), 1..200),
        pulls in prop::collection::vec(prop_oneof![3 => Just(20u64), 1 => 0u64..300], 1..64),
        adaptive in any::<bool>(),
        start in any::<u32>(),
    ) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let decoder = Logging {
            inner: codec::new_decoder(Codec::Pcmu, 8000, 1).unwrap(),
            log: Arc::clone(&log),
        };
        let config = if adaptive {
            JitterConfig::default()
        } else {
            JitterConfig::fixed(core::time::Duration::from_millis(60))
        };
        let mut jb = JitterBuffer::new(config, Box::new(decoder)).unwrap();
        let mut arrivals: Vec<(u64, Vec<u8>)> = Vec::new();
        for (k, (delay, duplicate)) in fates.iter().enumerate() {
            let Some(delay) = delay else { continue };
            let header = RtpHeader {
                marker: k == 0,
                sequence_number: start as u16 ^ k as u16,
                timestamp: start.wrapping_add(k as u32 * 160),
                ssrc: 0x77,
                ..RtpHeader::default()
            };
            let mut payload = [0xd5u8; 160];
            payload[..2].copy_from_slice(&(k as u16).to_be_bytes());
            for (i, b) in payload.iter_mut().enumerate().skip(2) {
                *b = (i as u8).wrapping_mul(29) | 0x40;
            }
            let at = (k as u64 * 20 + delay) * 1000;
            arrivals.push((at, datagram(&header, &payload)));
            if *duplicate {
                arrivals.push((at + 5_000, datagram(&header, &payload)));
            }
        }
        arrivals.sort_by_key(|a| a.0);
        let mut now = 0u64;
        let mut next = 0;
        let mut out = Vec::new();
        // The log up to the first re-anchoring of the timeline, if any.
        let mut checked = None;
        let end = arrivals.last().map_or(0, |a| a.0) + 2_000_000;
        let mut step = 0;
        while now < end {
            while next < arrivals.len() && arrivals[next].0 <= now {
                let before = jb.stats().resyncs;
                let packet = RtpPacket::parse(&arrivals[next].1).unwrap();
                jb.insert(Instant::from_micros(arrivals[next].0), &packet, PacketKind::Audio)
                    .unwrap();
                if jb.stats().resyncs > before && checked.is_none() {
                    checked = Some(log.lock().unwrap().len());
                }
                next += 1;
            }
            let ms = pulls[step % pulls.len()];
            step += 1;
            out.resize(ms as usize * 8, 0);
            jb.pull(Instant::from_micros(now), &mut out);
            now += ms.max(1) * 1000;
        }
        let log = log.lock().unwrap();
        let played = &log[..checked.unwrap_or(log.len())];
        prop_assert!(
            played.windows(2).all(|w| w[0] < w[1]),
            "decoded out of order: {:?}",
            played
        );
        prop_assert_eq!(jb.stats().resyncs, 0, "{:?}", jb.stats());
    }
}

/// A pull that the produce loop cannot fill (here 1-sample packets at consecutive
/// timestamps: 64 rounds give 128 samples of the 160) pads with silence, and counts it.
#[test]
fn padding_a_short_pull_is_counted_as_silence() {
    let config = JitterConfig {
        capacity: 1000,
        ..JitterConfig::default()
    };
    let mut jb =
        JitterBuffer::new(config, codec::new_decoder(Codec::Pcmu, 8000, 1).unwrap()).unwrap();
    for i in 0..300u32 {
        let header = RtpHeader {
            sequence_number: i as u16,
            timestamp: i,
            ssrc: 1,
            ..RtpHeader::default()
        };
        let d = datagram(&header, &[0x55]);
        jb.insert(
            Instant::ZERO,
            &RtpPacket::parse(&d).unwrap(),
            PacketKind::Audio,
        )
        .unwrap();
    }
    let mut out = [7i16; 160];
    let mut pulled = 0;
    for k in 0..6u64 {
        jb.pull(Instant::from_millis(100 + 20 * k), &mut out);
        pulled += 160;
        assert_eq!(
            produced(&jb.stats()),
            pulled + jb.samples_queued() as i128,
            "{:?}",
            jb.stats()
        );
    }
}
