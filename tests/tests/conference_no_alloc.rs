//! A conference's tick allocates nothing once warmed up: receiving, mixing, converting,
//! encoding once per group and per talker, sending, recording, with talkers coming and going
//! and participants of four codecs at three rates and four packet times. The sessions send
//! no RTCP: building and reading reports allocates in the session's RTCP code, which the
//! conference only passes through (`poll_rtcp`, `handle_rtcp`).

use std::io::Cursor;
use std::time::Duration;

use mediacore::mixer::{Conference, ConferenceConfig, ParticipantOptions};
use mediacore::record::{RecordConfig, RecordLayout};
use mediacore::{AudioFrame, Codec, Instant, MediaSession, RecordTarget, SessionConfig};
use mediacore_tests::alloc_count::{CountingAllocator, allocations};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

struct Remote {
    session: MediaSession,
    /// One packet time of its voice per frame, cycled; silence in every other second.
    frames: Vec<AudioFrame>,
    silence: AudioFrame,
    ptime_ms: u64,
    sent: usize,
}

fn config(codec: Codec, rate: u32, ptime_ms: u64, seed: u64) -> SessionConfig {
    SessionConfig {
        payload_type: codec.static_payload_type().or(Some(111)),
        sample_rate: Some(rate),
        ptime: Duration::from_millis(ptime_ms),
        seed,
        rtcp: None,
        ..SessionConfig::new(codec)
    }
}

#[test]
fn a_warm_conference_ticks_without_allocating() {
    let mut conf = Conference::new(ConferenceConfig::new(16_000)).unwrap();
    let parties = [
        (Codec::Pcmu, 8000, 20, 300.0),
        (Codec::G722, 16_000, 30, 500.0),
        (Codec::Opus, 48_000, 40, 700.0),
        (Codec::Opus, 16_000, 20, 0.0),
        (Codec::L16, 16_000, 10, 900.0),
        (Codec::Pcma, 8000, 20, 0.0),
        (Codec::Pcmu, 8000, 20, 0.0),
    ];
    let mut remotes = Vec::new();
    for (i, &(codec, rate, ptime_ms, freq)) in parties.iter().enumerate() {
        let c = config(codec, rate, ptime_ms, i as u64);
        let id = conf
            .add_participant(c.clone(), ParticipantOptions::default())
            .unwrap();
        let n = (rate as u64 * ptime_ms / 1000) as usize;
        let frames = (0..50)
            .map(|k| {
                let pcm = (0..n)
                    .map(|j| {
                        let t = (k * n + j) as f32 / rate as f32;
                        (8000.0 * (std::f32::consts::TAU * freq * t).sin()) as i16
                    })
                    .collect();
                AudioFrame::new(pcm, rate, 1).unwrap()
            })
            .collect();
        let remote = MediaSession::new(SessionConfig {
            seed: 100 + i as u64,
            ..c
        })
        .unwrap();
        remotes.push((
            id,
            Remote {
                session: remote,
                frames,
                silence: AudioFrame::silence(rate, 1, Duration::from_millis(ptime_ms)).unwrap(),
                ptime_ms,
                sent: 0,
            },
        ));
    }
    let target = RecordTarget::Memory(Cursor::new(Vec::with_capacity(4 << 20)));
    conf.start_recording(
        Instant::ZERO,
        RecordConfig::new(RecordLayout::Mono, 16_000),
        target,
    )
    .unwrap();
    let mut wire = vec![0u8; 4096];
    let mut step = |ms: u64, conf: &mut Conference| {
        let now = Instant::from_millis(ms);
        for (id, r) in remotes.iter_mut() {
            if ms.is_multiple_of(r.ptime_ms) {
                // Talk in odd seconds, so talking starts and stops while counting.
                let frame = if (ms / 1000) % 2 == 1 {
                    &r.frames[r.sent % r.frames.len()]
                } else {
                    &r.silence
                };
                r.sent += 1;
                r.session.push_capture(now, frame).unwrap();
                while let Some(d) = r.session.poll_transmit(now) {
                    let n = d.len();
                    wire[..n].copy_from_slice(d);
                    conf.handle_rtp(now, *id, &wire[..n]).unwrap();
                }
                if let Some(report) = r.session.poll_rtcp(now) {
                    let n = report.len();
                    wire[..n].copy_from_slice(report);
                    conf.handle_rtcp(now, *id, &wire[..n]).unwrap();
                }
            }
        }
        conf.tick(now);
        while let Some((id, d)) = conf.poll_transmit(now) {
            let n = d.len();
            wire[..n].copy_from_slice(d);
            let (_, r) = remotes.iter_mut().find(|(who, _)| *who == id).unwrap();
            r.session.handle_rtp(now, &wire[..n]).unwrap();
        }
        while let Some((id, d)) = conf.poll_rtcp(now) {
            let n = d.len();
            wire[..n].copy_from_slice(d);
            let (_, r) = remotes.iter_mut().find(|(who, _)| *who == id).unwrap();
            r.session.handle_rtcp(now, &wire[..n]).unwrap();
        }
        for (_, r) in remotes.iter_mut() {
            if ms.is_multiple_of(r.ptime_ms) {
                let _ = r.session.pull_playout(now);
            }
            r.session.handle_timeout(now);
            while r.session.poll_event().is_some() {}
        }
        let mut talk = 0;
        while let Some(e) = conf.poll_event() {
            talk += usize::from(e.name() == "talk_started");
        }
        talk
    };
    // Warm up over two talk spurts.
    for ms in (0..4000).step_by(10) {
        step(ms, &mut conf);
    }
    let before = allocations();
    let mut started = 0;
    for ms in (4000..8000).step_by(10) {
        started += step(ms, &mut conf);
    }
    assert_eq!(
        allocations() - before,
        0,
        "the conference allocated while ticking"
    );
    assert_eq!(started, 8, "four talkers started twice while counting");
    let stats = conf.stats();
    assert!(stats.shared_encodes > 0 && stats.own_encodes > 0);
    let (_, summary) = conf.stop_recording(Instant::from_millis(8000)).unwrap();
    assert!(summary.duration >= Duration::from_millis(7900));
}
