//! Each participant option through real sessions: who hears whose tone (each party sends
//! its own frequency, so every tone in what a peer heard names who it came from), the
//! talker cap and the speaker events.

mod conference_common;

use std::time::Duration;

use conference_common::*;
use mediacore::mixer::{ConferenceConfig, ConferenceEvent, ParticipantOptions, SpeakerEvent};
use mediacore::{Codec, Event};

/// Heard at the level it was sent (-20 dBov), give or take codec error.
const HEARD: f64 = -21.0;
/// Not heard: codec noise only.
const ABSENT: f64 = -55.0;

/// What peer `p` heard after the first second: the level of each of `freqs`.
fn levels(room: &Room, p: usize, freqs: &[f64]) -> Vec<f64> {
    let peer = &room.peers[p];
    let r = peer.rate();
    let heard = &peer.heard[samples(r, Duration::from_secs(1))..];
    freqs.iter().map(|&f| level_at(heard, r, f)).collect()
}

fn pcmu(seed: u64) -> mediacore::SessionConfig {
    session(Codec::Pcmu, 8000, 20, seed)
}

fn g722(seed: u64) -> mediacore::SessionConfig {
    session(Codec::G722, 16_000, 20, seed)
}

#[test]
fn a_muted_participant_is_not_heard_and_a_deaf_one_hears_nothing() {
    let mut room = Room::at(16_000);
    let muted = ParticipantOptions {
        muted: true,
        ..ParticipantOptions::default()
    };
    let a = room.join(pcmu(1), muted, tone(500.0, -20.0, 8000));
    let b = room.join(
        pcmu(2),
        ParticipantOptions::default(),
        tone(900.0, -20.0, 8000),
    );
    let deaf = room.join(
        g722(3),
        ParticipantOptions {
            deaf: true,
            ..ParticipantOptions::default()
        },
        tone(1300.0, -20.0, 16_000),
    );
    room.run(Duration::from_secs(2));
    let freqs = [500.0, 900.0, 1300.0];
    let [a500, a900, a1300] = levels(&room, a, &freqs)[..] else {
        unreachable!()
    };
    assert!(
        a500 < ABSENT && a900 > HEARD && a1300 > HEARD,
        "A: {a500:.1} {a900:.1} {a1300:.1}"
    );
    let [b500, b900, b1300] = levels(&room, b, &freqs)[..] else {
        unreachable!()
    };
    assert!(b500 < ABSENT, "B hears muted A at {b500:.1}");
    assert!(b900 < ABSENT && b1300 > HEARD, "B: {b900:.1} {b1300:.1}");
    let r = room.peers[deaf].rate();
    let heard = &room.peers[deaf].heard[samples(r, Duration::from_secs(1))..];
    assert!(
        dbov(heard) < -70.0,
        "the deaf participant hears {:.1} dBov",
        dbov(heard)
    );
    // It is still sent packets (silence), once per packet time.
    let sent = room
        .conf
        .session(room.id(deaf))
        .unwrap()
        .stats()
        .packets_sent;
    assert!((99..=101).contains(&sent), "{sent}");
    // Unmuted, A is heard from then on.
    room.conf.set_muted(room.id(a), false).unwrap();
    room.run(Duration::from_secs(2));
    let heard = &room.peers[b].heard[samples(8000, Duration::from_secs(3))..];
    assert!(level_at(heard, 8000, 500.0) > HEARD);
}

#[test]
fn a_listen_only_participant_is_never_heard_nor_detected() {
    let mut room = Room::at(16_000);
    let listen_only = ParticipantOptions {
        listen_only: true,
        ..ParticipantOptions::default()
    };
    let l = room.join(pcmu(1), listen_only, tone(500.0, -10.0, 8000));
    let a = room.join(
        pcmu(2),
        ParticipantOptions::default(),
        tone(900.0, -20.0, 8000),
    );
    room.run(Duration::from_secs(2));
    let [l500, l900] = levels(&room, l, &[500.0, 900.0])[..] else {
        unreachable!()
    };
    assert!(l500 < ABSENT && l900 > HEARD, "L: {l500:.1} {l900:.1}");
    let [a500] = levels(&room, a, &[500.0])[..] else {
        unreachable!()
    };
    assert!(
        a500 < ABSENT,
        "A hears the listen-only participant at {a500:.1}"
    );
    let lid = room.id(l);
    assert!(!room.events.iter().any(|e| matches!(
        e,
        ConferenceEvent::Speaker(SpeakerEvent::TalkStarted { participant }) if *participant == lid
    )));
}

#[test]
fn a_coach_is_heard_by_the_agent_alone() {
    let mut room = Room::at(16_000);
    let agent = room.join(
        pcmu(1),
        ParticipantOptions::default(),
        tone(500.0, -20.0, 8000),
    );
    let customer = room.join(
        pcmu(2),
        ParticipantOptions::default(),
        tone(900.0, -20.0, 8000),
    );
    let coach = room.join(
        g722(3),
        ParticipantOptions {
            whisper_to: vec![room.id(agent)],
            ..ParticipantOptions::default()
        },
        tone(1300.0, -20.0, 16_000),
    );
    let supervisor = room.join(g722(4), ParticipantOptions::default(), silence());
    room.run(Duration::from_secs(2));
    let freqs = [500.0, 900.0, 1300.0];
    let l = |p| levels(&room, p, &freqs);
    let agent_hears = l(agent);
    assert!(
        agent_hears[1] > HEARD && agent_hears[2] > HEARD,
        "agent: {agent_hears:?}"
    );
    let customer_hears = l(customer);
    assert!(
        customer_hears[0] > HEARD && customer_hears[2] < ABSENT,
        "customer: {customer_hears:?}"
    );
    let coach_hears = l(coach);
    assert!(
        coach_hears[0] > HEARD && coach_hears[1] > HEARD,
        "coach: {coach_hears:?}"
    );
    let supervisor_hears = l(supervisor);
    assert!(
        supervisor_hears[2] < ABSENT,
        "supervisor: {supervisor_hears:?}"
    );
    let coach_id = room.id(coach);
    assert!(room.events.iter().all(|e| *e
        != ConferenceEvent::Speaker(SpeakerEvent::ActiveSpeaker {
            participant: Some(coach_id)
        })));
}

#[test]
fn an_exclusion_hides_one_participant_from_another() {
    let mut room = Room::at(8000);
    let a = room.join(pcmu(1), ParticipantOptions::default(), silence());
    let b = room.join(
        pcmu(2),
        ParticipantOptions::default(),
        tone(500.0, -20.0, 8000),
    );
    let c = room.join(
        pcmu(3),
        ParticipantOptions::default(),
        tone(900.0, -20.0, 8000),
    );
    let d = room.join(pcmu(4), ParticipantOptions::default(), silence());
    room.conf.set_exclude(room.id(a), &[room.id(b)]).unwrap();
    room.run(Duration::from_secs(2));
    let [a500, a900] = levels(&room, a, &[500.0, 900.0])[..] else {
        unreachable!()
    };
    assert!(a500 < ABSENT && a900 > HEARD, "A: {a500:.1} {a900:.1}");
    let [d500, d900] = levels(&room, d, &[500.0, 900.0])[..] else {
        unreachable!()
    };
    assert!(d500 > HEARD && d900 > HEARD, "D: {d500:.1} {d900:.1}");
    let [c500] = levels(&room, c, &[500.0])[..] else {
        unreachable!()
    };
    assert!(c500 > HEARD, "C hears B: {c500:.1}");
}

#[test]
fn gains_change_what_goes_in_and_what_comes_out() {
    let mut room = Room::at(16_000);
    let loud = ParticipantOptions {
        input_gain_db: 6.0,
        ..ParticipantOptions::default()
    };
    let quiet_ear = ParticipantOptions {
        output_gain_db: -10.0,
        ..ParticipantOptions::default()
    };
    room.join(pcmu(1), loud, tone(500.0, -20.0, 8000));
    let b = room.join(pcmu(2), ParticipantOptions::default(), silence());
    let c = room.join(pcmu(3), quiet_ear, silence());
    room.run(Duration::from_secs(2));
    let b500 = levels(&room, b, &[500.0])[0];
    let c500 = levels(&room, c, &[500.0])[0];
    assert!((b500 + 14.0).abs() < 0.3, "B: {b500:.2}");
    assert!((c500 + 24.0).abs() < 0.3, "C: {c500:.2}");
}

#[test]
fn only_the_loudest_talkers_are_mixed_in_a_capped_room() {
    let mut config = ConferenceConfig::new(16_000);
    config.max_talkers = 2;
    let mut room = Room::new(config);
    let parties = [
        (400.0, -30.0),
        (700.0, -24.0),
        (1000.0, -18.0),
        (1300.0, -27.0),
        (1600.0, -15.0),
    ];
    for (i, &(f, level)) in parties.iter().enumerate() {
        room.join(
            pcmu(i as u64),
            ParticipantOptions::default(),
            tone(f, level, 8000),
        );
    }
    let listener = room.join(g722(9), ParticipantOptions::default(), silence());
    room.run(Duration::from_secs(2));
    let heard = levels(&room, listener, &parties.map(|(f, _)| f));
    for (i, (&(f, level), got)) in parties.iter().zip(&heard).enumerate() {
        if i == 2 || i == 4 {
            assert!((got - level).abs() < 1.0, "{f} Hz: {got:.1} of {level}");
        } else {
            assert!(*got < ABSENT, "{f} Hz of a capped talker heard at {got:.1}");
        }
    }
    let mixed: Vec<bool> = room.peers[..5]
        .iter()
        .map(|p| room.conf.mixer().in_mix(p.id))
        .collect();
    assert_eq!(mixed, [false, false, true, false, true]);
}

#[test]
fn speaker_and_session_events_name_their_participant() {
    let mut room = Room::at(16_000);
    let a = room.join(
        pcmu(1),
        ParticipantOptions::default(),
        tone(500.0, -20.0, 8000),
    );
    let b = room.join(pcmu(2), ParticipantOptions::default(), silence());
    room.run(Duration::from_secs(1));
    let (ia, ib) = (room.id(a), room.id(b));
    let speaker: Vec<&SpeakerEvent> = room
        .events
        .iter()
        .filter_map(|e| match e {
            ConferenceEvent::Speaker(s) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(
        speaker,
        [
            &SpeakerEvent::TalkStarted { participant: ia },
            &SpeakerEvent::ActiveSpeaker {
                participant: Some(ia)
            }
        ]
    );
    for id in [ia, ib] {
        assert!(room.events.iter().any(|e| matches!(
            e,
            ConferenceEvent::Session { participant, event: Event::RemoteSourceStarted { .. } }
                if *participant == id
        )));
    }
    assert!(room.conf.is_talking(ia) && !room.conf.is_talking(ib));
    assert_eq!(room.conf.active_speaker(), Some(ia));
    // A falls silent: talking stops after the hangover (600 ms by default).
    room.peers[a].signal = silence();
    room.events.clear();
    room.run(Duration::from_millis(500));
    assert!(
        room.events
            .iter()
            .all(|e| !matches!(e, ConferenceEvent::Speaker(_)))
    );
    room.run(Duration::from_millis(400));
    assert!(
        room.events
            .contains(&ConferenceEvent::Speaker(SpeakerEvent::TalkStopped {
                participant: ia
            }))
    );
    assert_eq!(
        room.conf.active_speaker(),
        Some(ia),
        "the last speaker stays active"
    );
}
