//! Property tests: any script of joins, leaves, option changes, inputs (any level, any
//! length) and mixes never panics; every output stays short of full scale; no more talkers
//! than the cap are mixed; a participant alone in making sound hears silence; and a
//! conference of real sessions fed any datagrams and ticked at any times keeps its clock.

use core::time::Duration;

use proptest::prelude::*;

use super::*;
use crate::{Codec, Instant, SessionConfig};

#[derive(Debug, Clone)]
enum Op {
    Add(Options),
    Remove(usize),
    Set(usize, Options),
    /// Participant, amplitude (up to full scale), frequency, length off by this much.
    Input(usize, i16, u16, i8),
    Measure(usize, i16),
    Mix,
}

/// Options with lists given as picks among the participants present.
#[derive(Debug, Clone)]
struct Options {
    gains: (f32, f32),
    flags: (bool, bool, bool),
    whisper: Vec<usize>,
    exclude: Vec<usize>,
}

fn options() -> impl Strategy<Value = Options> {
    (
        (-60.0f32..12.0, -60.0f32..12.0),
        (
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.1),
        ),
        prop::collection::vec(0usize..64, 0..2),
        prop::collection::vec(0usize..64, 0..3),
    )
        .prop_map(|(gains, flags, whisper, exclude)| Options {
            gains,
            flags,
            whisper,
            exclude,
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => options().prop_map(Op::Add),
        1 => (0usize..64).prop_map(Op::Remove),
        2 => (0usize..64, options()).prop_map(|(i, o)| Op::Set(i, o)),
        10 => (0usize..64, any::<i16>(), 50u16..4000, -2i8..2)
            .prop_map(|(i, a, f, off)| Op::Input(i, a, f, off)),
        2 => (0usize..64, any::<i16>()).prop_map(|(i, a)| Op::Measure(i, a)),
        6 => Just(Op::Mix),
    ]
}

fn resolve(o: &Options, ids: &[ParticipantId]) -> ParticipantOptions {
    let pick = |list: &[usize]| -> Vec<ParticipantId> {
        if ids.is_empty() {
            return Vec::new();
        }
        list.iter().map(|&i| ids[i % ids.len()]).collect()
    };
    ParticipantOptions {
        input_gain_db: o.gains.0,
        output_gain_db: o.gains.1,
        muted: o.flags.0,
        deaf: o.flags.1,
        listen_only: o.flags.2,
        whisper_to: pick(&o.whisper),
        exclude: pick(&o.exclude),
    }
}

fn signal(amp: i16, freq: u16, len: usize, rate: u32) -> Vec<i16> {
    (0..len)
        .map(|n| {
            let t = n as f32 / rate as f32;
            (f32::from(amp) * (core::f32::consts::TAU * f32::from(freq) * t).sin()) as i16
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_script_mixes_within_bounds(
        rate in prop::sample::select(vec![8000u32, 16_000, 48_000]),
        cap in 1usize..5,
        ops in prop::collection::vec(op(), 1..120),
    ) {
        let mut config = ConferenceConfig::new(rate);
        config.max_talkers = cap;
        config.max_participants = 12;
        let mut m = Mixer::new(config).unwrap();
        let n = m.frame_samples();
        let mut ids: Vec<ParticipantId> = Vec::new();
        for op in ops {
            match op {
                Op::Add(o) => {
                    // Lists may name itself or nobody: then it is refused, changing nothing.
                    if let Ok(id) = m.add(resolve(&o, &ids)) {
                        ids.push(id);
                    }
                }
                Op::Remove(i) if !ids.is_empty() => {
                    let id = ids.remove(i % ids.len());
                    m.remove(id).unwrap();
                    prop_assert!(m.remove(id).is_err());
                }
                Op::Set(i, o) if !ids.is_empty() => {
                    let id = ids[i % ids.len()];
                    let before = m.options(id).cloned();
                    if m.set_options(id, resolve(&o, &ids)).is_err() {
                        prop_assert_eq!(m.options(id).cloned(), before);
                    }
                }
                Op::Input(i, amp, freq, off) if !ids.is_empty() => {
                    let len = (n as isize + isize::from(off)) as usize;
                    let result = m.set_input(ids[i % ids.len()], &signal(amp, freq, len, rate));
                    prop_assert_eq!(result.is_ok(), off == 0);
                }
                Op::Measure(i, amp) if !ids.is_empty() => {
                    m.measure(ids[i % ids.len()], &signal(amp, 300, n / 2, rate)).unwrap();
                }
                Op::Mix => {
                    m.mix();
                    prop_assert!(m.shared_mix().iter().all(|s| s.unsigned_abs() <= 32_766));
                    let mut mixed = 0;
                    for &id in &ids {
                        match m.output(id).unwrap() {
                            Hears::Own(x) => {
                                prop_assert_eq!(x.len(), n);
                                prop_assert!(x.iter().all(|s| s.unsigned_abs() <= 32_766));
                            }
                            Hears::Shared | Hears::Nothing => {}
                        }
                        let whispering = !m.options(id).unwrap().whisper_to.is_empty();
                        mixed += usize::from(m.in_mix(id) && !whispering);
                    }
                    prop_assert!(mixed <= cap);
                }
                _ => {}
            }
        }
        prop_assert_eq!(m.len(), ids.len());
    }

    #[test]
    fn the_only_participant_making_sound_hears_silence(
        others in 1usize..8,
        amp in 1000i16..32_767,
        freq in 100u16..3000,
        gain in -20.0f32..12.0,
        ticks in 1usize..12,
    ) {
        let mut m = Mixer::new(ConferenceConfig::new(16_000)).unwrap();
        let talker = m
            .add(ParticipantOptions { input_gain_db: gain, ..ParticipantOptions::default() })
            .unwrap();
        for _ in 0..others {
            m.add(ParticipantOptions::default()).unwrap();
        }
        for k in 0..ticks {
            let x: Vec<i16> = signal(amp, freq, 320 * (k + 1), 16_000)[320 * k..].to_vec();
            m.set_input(talker, &x).unwrap();
            m.mix();
            match m.output(talker).unwrap() {
                Hears::Own(x) => prop_assert!(x.iter().all(|&s| s == 0)),
                other => prop_assert!(false, "the talker hears {:?}", other),
            }
        }
    }

    #[test]
    fn a_conference_keeps_its_clock_whatever_it_is_fed(
        steps in prop::collection::vec(
            (0u64..70, prop::collection::vec(any::<u8>(), 0..80), 0usize..4, any::<bool>()),
            1..40,
        ),
    ) {
        let mut conf = Conference::new(ConferenceConfig::new(16_000)).unwrap();
        let configs = [
            SessionConfig { seed: 1, ..SessionConfig::new(Codec::Pcmu) },
            SessionConfig { seed: 2, ptime: Duration::from_millis(30), ..SessionConfig::new(Codec::G722) },
            SessionConfig { seed: 3, ptime: Duration::from_millis(10), ..SessionConfig::new(Codec::Pcma) },
        ];
        let mut ids: Vec<ParticipantId> = configs
            .iter()
            .map(|c| conf.add_participant(c.clone(), ParticipantOptions::default()).unwrap())
            .collect();
        let mut now = Instant::ZERO;
        let mut ticks = 0;
        for (dt, mut datagram, who, leave) in steps {
            now = now + Duration::from_millis(dt);
            if let Some(&id) = ids.get(who) {
                if datagram.len() > 12 {
                    // Half of them look like RTP of the right payload type.
                    datagram[0] = 0x80;
                    datagram[1] &= 0x7f;
                }
                let _ = conf.handle_rtp(now, id, &datagram);
                let _ = conf.handle_rtcp(now, id, &datagram);
                if leave && ids.len() > 1 {
                    conf.remove_participant(now, id).unwrap();
                    ids.remove(who);
                }
            }
            let before = conf.poll_timeout();
            conf.tick(now);
            let due = match before {
                None => 1,
                Some(at) if at <= now => {
                    (now.as_micros() - at.as_micros()) / 20_000 + 1
                }
                Some(_) => 0,
            };
            ticks += due.min(5);
            prop_assert_eq!(conf.stats().ticks, ticks);
            prop_assert!(conf.poll_timeout().is_some_and(|at| at > now));
            while conf.poll_transmit(now).is_some() {}
            while conf.poll_rtcp(now).is_some() {}
            while conf.poll_event().is_some() {}
            prop_assert_eq!(conf.len(), ids.len());
        }
    }
}
