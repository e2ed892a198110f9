//! A conference over time: a silent or late participant never holds the others up, the
//! common mix is encoded once per group, joins and leaves make no clicks, the mix clock
//! catches up and skips, the mix can be recorded, and misuse is an error.

mod conference_common;

use std::io::Cursor;
use std::time::Duration;

use conference_common::*;
use mediacore::mixer::{Conference, ConferenceConfig, ParticipantId, ParticipantOptions};
use mediacore::record::{RecordConfig, RecordLayout};
use mediacore::{Codec, Instant, RecordTarget, SessionConfig};

#[test]
fn a_silent_or_late_participant_never_stalls_the_others() {
    let mut room = Room::at(16_000);
    let a = room.join(
        session(Codec::Pcmu, 8000, 20, 1),
        ParticipantOptions::default(),
        tone(500.0, -20.0, 8000),
    );
    let b = room.join(
        session(Codec::G722, 16_000, 20, 2),
        ParticipantOptions::default(),
        tone(900.0, -20.0, 16_000),
    );
    let c = room.join(
        session(Codec::Pcmu, 8000, 20, 3),
        ParticipantOptions::default(),
        tone(1300.0, -20.0, 8000),
    );
    let d = room.join(
        session(Codec::Pcmu, 8000, 20, 4),
        ParticipantOptions::default(),
        tone(1700.0, -20.0, 8000),
    );
    // C sends nothing for 3 s; D's packets take 700 ms, then 40 ms.
    room.peers[c].connected = false;
    room.peers[d].delay = Duration::from_millis(700);
    room.run(Duration::from_secs(3));
    room.peers[c].connected = true;
    room.peers[d].delay = Duration::from_millis(40);
    room.run(Duration::from_secs(3));
    // A hears B in every 100 ms from 0.5 s on: no gap, no stall.
    let heard = &room.peers[a].heard;
    let window = samples(8000, Duration::from_millis(100));
    for w in 5..60 {
        let level = level_at(&heard[w * window..(w + 1) * window], 8000, 900.0);
        assert!(
            (level + 20.0).abs() < 1.5,
            "A hears B at {level:.1} dBov at {} ms",
            w * 100
        );
    }
    // Everyone was sent a packet every tick, the silent one too.
    for p in [a, b, c, d] {
        let sent = room.conf.session(room.id(p)).unwrap().stats().packets_sent;
        assert!((299..=301).contains(&sent), "peer {p}: {sent} packets");
    }
    // Once connected, C is heard, and so is D.
    let late = &heard[samples(8000, Duration::from_secs(4))..];
    assert!(level_at(late, 8000, 1300.0) > -21.0);
    assert!(level_at(late, 8000, 1700.0) > -21.0);
    assert_eq!(room.conf.stats().ticks, 300);
}

#[test]
fn the_common_mix_is_encoded_once_per_group() {
    let mut room = Room::at(16_000);
    let talker = room.join(
        session(Codec::Pcmu, 8000, 20, 0),
        ParticipantOptions::default(),
        noise(7, 6000.0),
    );
    let pcmu: Vec<usize> = (1..=10)
        .map(|i| {
            room.join(
                session(Codec::Pcmu, 8000, 20, i),
                ParticipantOptions::default(),
                silence(),
            )
        })
        .collect();
    let g722: Vec<usize> = (11..=13)
        .map(|i| {
            room.join(
                session(Codec::G722, 16_000, 20, i),
                ParticipantOptions::default(),
                silence(),
            )
        })
        .collect();
    let opus: Vec<usize> = (14..=15)
        .map(|i| {
            room.join(
                session(Codec::Opus, 48_000, 20, i),
                ParticipantOptions::default(),
                silence(),
            )
        })
        .collect();
    room.run(Duration::from_secs(1));
    let before = room.conf.stats();
    room.run(Duration::from_secs(1));
    let after = room.conf.stats();
    // 50 ticks: one common encode per group (PCMU, G.722, Opus) and one for the talker,
    // where one per participant would be 16.
    assert_eq!(after.ticks - before.ticks, 50);
    assert_eq!(after.shared_encodes - before.shared_encodes, 150);
    assert_eq!(after.own_encodes - before.own_encodes, 50);
    assert_eq!(after.shared_sends - before.shared_sends, 15 * 50);
    // The members of a group were sent the same payload; the talker its own.
    let payload = |p: usize| -> Vec<u8> {
        let id = room.id(p);
        let (_, d) = room.last_sent.iter().find(|(who, _)| *who == id).unwrap();
        d[12..].to_vec()
    };
    for group in [&pcmu, &g722, &opus] {
        for &p in &group[1..] {
            assert_eq!(payload(p), payload(group[0]));
        }
    }
    assert_ne!(payload(talker), payload(pcmu[0]));
    // And what they heard is the talker, at its level.
    let heard = &room.peers[pcmu[3]].heard;
    let sent = &room.peers[talker].sent;
    let c = max_correlation(&heard[..16_000], sent, 8000, 1600);
    assert!(c > 0.95, "correlation {c:.3}");
    assert!((dbov(&heard[8000..]) - dbov(&sent[8000..])).abs() < 0.5);
}

#[test]
fn joins_and_leaves_make_no_clicks() {
    let mut room = Room::at(16_000);
    let listener = room.join(
        session(Codec::L16, 16_000, 20, 1),
        ParticipantOptions::default(),
        silence(),
    );
    room.join(
        session(Codec::L16, 16_000, 20, 2),
        ParticipantOptions::default(),
        tone(200.0, -12.0, 16_000),
    );
    room.run(Duration::from_secs(1));
    // B joins talking, its tone starting at a peak of 0.35 of full scale.
    let amp = 0.35 * 32_768.0;
    let peak_first: Signal = Box::new(move |i| {
        (amp * (std::f64::consts::TAU * 300.0 * i as f64 / 16_000.0).cos()) as i16
    });
    let b = room.join(
        session(Codec::L16, 16_000, 30, 3),
        ParticipantOptions::default(),
        peak_first,
    );
    room.run(Duration::from_millis(1010));
    // It leaves mid-tone.
    let gone = room.leave(b);
    assert!(gone.stats().packets_received > 30);
    room.run(Duration::from_secs(1));
    let heard = &room.peers[listener].heard;
    // The two tones together move at most this much per sample.
    let a_amp = 32_768.0 * 10f64.powf((-12.0 + 3.0103) / 20.0);
    let slope = std::f64::consts::TAU * (200.0 * a_amp + 300.0 * amp) / 16_000.0;
    let step = max_step(heard);
    assert!(
        f64::from(step) < slope * 1.05,
        "step {step} against {slope:.0}"
    );
    // B was heard in between.
    let middle = &heard[samples(16_000, Duration::from_millis(1300))
        ..samples(16_000, Duration::from_millis(1900))];
    assert!(level_at(middle, 16_000, 300.0) > -13.0);
    assert!(
        room.conf
            .handle_rtp(room.now, room.id(b), &[0x80, 0, 0, 0])
            .is_err()
    );
}

#[test]
fn the_mix_clock_runs_every_tick_due_and_skips_what_is_too_late() {
    let config = |seed| SessionConfig {
        seed,
        ..SessionConfig::new(Codec::Pcmu)
    };
    let mut conf = Conference::new(ConferenceConfig::new(8000)).unwrap();
    let a = conf
        .add_participant(config(1), ParticipantOptions::default())
        .unwrap();
    assert_eq!(conf.poll_timeout(), None, "no clock before the first tick");
    let packets = |conf: &mut Conference| {
        let mut n = 0;
        while conf.poll_transmit(Instant::ZERO).is_some() {
            n += 1;
        }
        n
    };
    conf.tick(Instant::from_millis(1000));
    assert_eq!(conf.poll_timeout(), Some(Instant::from_millis(1020)));
    assert_eq!(packets(&mut conf), 1);
    conf.tick(Instant::from_millis(1010));
    assert_eq!(conf.stats().ticks, 1, "an early call does nothing");
    conf.tick(Instant::from_millis(1065));
    assert_eq!(conf.stats().ticks, 4);
    assert_eq!(packets(&mut conf), 3);
    assert_eq!(conf.poll_timeout(), Some(Instant::from_millis(1080)));
    // Two seconds late: five ticks run, the rest are skipped.
    conf.tick(Instant::from_millis(3065));
    let stats = conf.stats();
    assert_eq!((stats.ticks, stats.ticks_skipped), (9, 95));
    assert_eq!(packets(&mut conf), 5);
    assert_eq!(conf.poll_timeout(), Some(Instant::from_millis(3080)));
    assert_eq!(conf.session(a).unwrap().stats().packets_sent, 9);
}

#[test]
fn the_common_mix_can_be_recorded() {
    let mut room = Room::at(16_000);
    room.join(
        session(Codec::G722, 16_000, 20, 1),
        ParticipantOptions::default(),
        tone(500.0, -20.0, 16_000),
    );
    room.join(
        session(Codec::Pcmu, 8000, 20, 2),
        ParticipantOptions::default(),
        tone(900.0, -20.0, 8000),
    );
    let stereo = RecordConfig::new(RecordLayout::Stereo, 16_000);
    let err = room
        .conf
        .start_recording(room.now, stereo, RecordTarget::memory())
        .unwrap_err();
    assert!(
        err.to_string().contains("layout stereo is not mono"),
        "{err}"
    );
    room.conf
        .start_recording(
            room.now,
            RecordConfig::new(RecordLayout::Mono, 16_000),
            RecordTarget::memory(),
        )
        .unwrap();
    assert!(room.conf.is_recording());
    room.run(Duration::from_secs(3));
    let (target, summary) = room.conf.stop_recording(room.now).unwrap();
    assert!(!room.conf.is_recording());
    let diff = summary.duration.abs_diff(Duration::from_secs(3));
    assert!(diff <= Duration::from_millis(20), "{:?}", summary.duration);
    let bytes = target.into_bytes().unwrap();
    let reader = hound::WavReader::new(Cursor::new(bytes)).unwrap();
    assert_eq!(reader.spec().sample_rate, 16_000);
    let pcm: Vec<i16> = reader.into_samples::<i16>().map(Result::unwrap).collect();
    let middle = &pcm[16_000..40_000];
    for f in [500.0, 900.0] {
        let level = level_at(middle, 16_000, f);
        assert!(
            (level + 20.0).abs() < 0.5,
            "{f} Hz recorded at {level:.2} dBov"
        );
    }
    assert!(room.conf.stop_recording(room.now).is_err());
}

#[test]
fn misuse_is_an_error_that_changes_nothing() {
    let mut config = ConferenceConfig::new(16_000);
    config.max_participants = 2;
    let mut conf = Conference::new(config).unwrap();
    let err = Conference::new(ConferenceConfig::new(11_025)).unwrap_err();
    assert!(err.to_string().contains("not a mix rate"), "{err}");
    let bad_ptime = SessionConfig {
        ptime: Duration::from_millis(25),
        ..SessionConfig::new(Codec::Pcmu)
    };
    assert!(
        conf.add_participant(bad_ptime, ParticipantOptions::default())
            .is_err()
    );
    let loud = ParticipantOptions {
        input_gain_db: 40.0,
        ..ParticipantOptions::default()
    };
    assert!(
        conf.add_participant(SessionConfig::new(Codec::Pcmu), loud)
            .is_err()
    );
    assert!(conf.is_empty());
    let a = conf
        .add_participant(
            SessionConfig::new(Codec::Pcmu),
            ParticipantOptions::default(),
        )
        .unwrap();
    let b = conf
        .add_participant(
            SessionConfig::new(Codec::G722),
            ParticipantOptions::default(),
        )
        .unwrap();
    let err = conf
        .add_participant(
            SessionConfig::new(Codec::Pcmu),
            ParticipantOptions::default(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("the conference is full"), "{err}");
    let nobody = ParticipantId::new(99);
    assert!(conf.handle_rtp(Instant::ZERO, nobody, &[0; 20]).is_err());
    assert!(
        conf.handle_rtp(Instant::ZERO, a, &[0x40; 20]).is_err(),
        "RTP version 1"
    );
    assert!(conf.set_exclude(a, &[nobody]).is_err());
    assert!(conf.set_whisper_to(a, &[a]).is_err());
    assert_eq!(conf.options(a), Some(&ParticipantOptions::default()));
    conf.set_exclude(a, &[b]).unwrap();
    conf.remove_participant(Instant::ZERO, b).unwrap();
    assert!(conf.remove_participant(Instant::ZERO, b).is_err());
    assert_eq!(conf.participants().collect::<Vec<_>>(), [a]);
    conf.tick(Instant::ZERO);
    assert!(conf.mix().samples().iter().all(|&s| s == 0));
}

#[test]
fn a_running_session_moves_into_a_room_and_back_and_a_refused_one_is_handed_back() {
    use mediacore::{AudioFrame, MediaSession};
    let now = Instant::ZERO;
    // A call's session with a remote source and counters, as a server holds it.
    let mut peer = MediaSession::new(session(Codec::Pcmu, 8000, 20, 7)).unwrap();
    let mut call = MediaSession::new(session(Codec::Pcmu, 8000, 20, 1)).unwrap();
    let frame = AudioFrame::silence(8000, 1, Duration::from_millis(20)).unwrap();
    peer.push_capture(now, &frame).unwrap();
    while let Some(d) = peer.poll_transmit(now) {
        let d = d.to_vec();
        call.handle_rtp(now, &d).unwrap();
    }
    let (ssrc, received) = (call.local_ssrc(), call.stats().packets_received);
    assert_eq!(received, 1);

    let mut config = ConferenceConfig::new(16_000);
    config.max_participants = 1;
    let mut room = Conference::new(config).unwrap();
    let id = room
        .add_session(call, ParticipantOptions::default())
        .unwrap();
    assert_eq!(
        room.session(id).unwrap().remote_ssrc(),
        Some(peer.local_ssrc())
    );

    // The room is full: the next session is refused and handed back as it was.
    let other = MediaSession::new(session(Codec::Pcma, 8000, 20, 2)).unwrap();
    let other_ssrc = other.local_ssrc();
    let rejected = room
        .add_session(other, ParticipantOptions::default())
        .unwrap_err();
    assert!(
        rejected.error.to_string().contains("full"),
        "{}",
        rejected.error
    );
    assert_eq!(rejected.session.local_ssrc(), other_ssrc);

    let back = room.remove_participant(now, id).unwrap();
    assert_eq!(back.local_ssrc(), ssrc);
    assert_eq!(back.stats().packets_received, received);
    assert!(room.is_empty());
}
