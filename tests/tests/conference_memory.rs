//! Memory per participant of a conference room and per lone session, counted by the heap
//! they keep (bytes requested from the allocator and not freed, the session's inline part
//! included since the room and the test keep sessions on the heap), after they have run:
//! the jitter buffer's packet slots get their payload room when first used, and the
//! talkers borrow their converters and encoders from their group's pool.
//!
//! The per-participant cost of a big room is bound by memory, not by the work per tick
//! (docs/BENCHMARKS.md, "Conference mixing"), so this is kept from growing back unnoticed:
//! a PCMU participant keeps at most 64 KiB, the same budget as a server endpoint.

use std::time::Duration;

use mediacore::mixer::{Conference, ConferenceConfig, ParticipantId, ParticipantOptions};
use mediacore::rtp::RtpHeader;
use mediacore::{Codec, Instant, MediaSession, SessionConfig, new_encoder};
use mediacore_tests::alloc_count::{CountingAllocator, live_bytes};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const FRAME: usize = 160;
const ROOM: usize = 200;
const TALKERS: usize = 3;
const TICKS: u64 = 100;
const BUDGET_KIB: f64 = 64.0;

/// 20 ms of PCMU: a tone for talkers, faint noise for the others.
fn payload(talker: bool, k: u64) -> Vec<u8> {
    let mut encoder = new_encoder(Codec::Pcmu, 8000, 1).expect("PCMU encoder");
    let pcm: Vec<i16> = (0..FRAME)
        .map(|i| {
            let t = (k as usize * FRAME + i) as f64 / 8000.0;
            if talker {
                (6000.0 * (t * 220.0 * std::f64::consts::TAU).sin()) as i16
            } else {
                ((i * 7919 + k as usize * 31) % 17) as i16 - 8
            }
        })
        .collect();
    let mut out = vec![0u8; FRAME];
    encoder.encode(&pcm, &mut out).expect("encode");
    out
}

fn datagram(ssrc: u32, k: u64, payload: &[u8]) -> Vec<u8> {
    let header = RtpHeader {
        marker: k == 0,
        sequence_number: k as u16,
        timestamp: (k as usize * FRAME) as u32,
        ssrc,
        ..RtpHeader::default()
    };
    let mut d = vec![0u8; header.packet_len(payload.len())];
    header.write(payload, &mut d).expect("datagram");
    d
}

#[test]
fn a_pcmu_participant_keeps_at_most_64_kib() {
    let talk: Vec<Vec<u8>> = (0..10).map(|k| payload(true, k)).collect();
    let quiet: Vec<Vec<u8>> = (0..10).map(|k| payload(false, k)).collect();
    let mut config = ConferenceConfig::new(16_000);
    config.max_participants = ROOM;

    let before = live_bytes();
    let mut room = Conference::new(config).expect("conference");
    let ids: Vec<ParticipantId> = (0..ROOM)
        .map(|i| {
            let session = SessionConfig {
                seed: i as u64,
                ..SessionConfig::new(Codec::Pcmu)
            };
            room.add_participant(session, ParticipantOptions::default())
                .expect("participant")
        })
        .collect();
    for k in 0..TICKS {
        let now = Instant::ZERO + Duration::from_millis(20 * k);
        for (i, id) in ids.iter().enumerate() {
            let pool = if i < TALKERS { &talk } else { &quiet };
            let d = datagram(i as u32 + 1, k, &pool[k as usize % pool.len()]);
            room.handle_rtp(now, *id, &d).expect("RTP in");
        }
        room.tick(now);
        while room.poll_transmit(now).is_some() {}
        while room.poll_rtcp(now).is_some() {}
        while room.poll_event().is_some() {}
    }
    assert!(room.stats().ticks >= TICKS - 1, "{:?}", room.stats());
    let per_kib = (live_bytes() - before) as f64 / ROOM as f64 / 1024.0;

    // A lone session the same way, boxed so that its inline part counts too.
    let before = live_bytes();
    let mut session =
        Box::new(MediaSession::new(SessionConfig::new(Codec::Pcmu)).expect("session"));
    for k in 0..TICKS {
        let now = Instant::ZERO + Duration::from_millis(20 * k);
        session
            .handle_rtp(now, &datagram(9, k, &quiet[k as usize % quiet.len()]))
            .expect("RTP in");
        session.pull_playout(now);
        session.handle_timeout(now);
        while session.poll_transmit(now).is_some() {}
        while session.poll_event().is_some() {}
    }
    let session_kib = (live_bytes() - before) as f64 / 1024.0;
    println!(
        "heap kept: {per_kib:.1} KiB per participant of a {ROOM}-party PCMU room mixed at \
         16 kHz ({TALKERS} talking); {session_kib:.1} KiB for a lone PCMU session"
    );
    assert!(
        session_kib < per_kib,
        "a participant is its session and more"
    );
    assert!(
        per_kib <= BUDGET_KIB,
        "a participant keeps {per_kib:.1} KiB, over the {BUDGET_KIB} KiB budget"
    );
    drop(room);
    drop(session);
}
