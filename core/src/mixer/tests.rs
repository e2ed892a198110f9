//! The mixing core on exact frames: who hears whom, levels, limiting, options, the talker
//! cap, speaker events and fades.

use core::time::Duration;

use super::*;

const RATE: u32 = 16_000;
const N: usize = 320;

/// Tick `k` of a tone: continuous from tick to tick.
fn tone(freq: f32, amp: f32, k: usize) -> Vec<i16> {
    (0..N)
        .map(|n| {
            let t = (k * N + n) as f32 / RATE as f32;
            (amp * (core::f32::consts::TAU * freq * t).sin()).round() as i16
        })
        .collect()
}

fn mixer(config: impl FnOnce(&mut ConferenceConfig)) -> Mixer {
    let mut c = ConferenceConfig::new(RATE);
    config(&mut c);
    Mixer::new(c).unwrap()
}

fn add(m: &mut Mixer) -> ParticipantId {
    m.add(ParticipantOptions::default()).unwrap()
}

/// What `id` heard in the last mix.
fn heard(m: &Mixer, id: ParticipantId) -> Vec<i16> {
    match m.output(id).unwrap() {
        Hears::Nothing => vec![0; N],
        Hears::Shared => m.shared_mix().to_vec(),
        Hears::Own(x) => x.to_vec(),
    }
}

/// Mixes tick `k` with each `(id, freq, amp)` talking.
fn mix_tick(m: &mut Mixer, k: usize, talkers: &[(ParticipantId, f32, f32)]) {
    for &(id, freq, amp) in talkers {
        m.set_input(id, &tone(freq, amp, k)).unwrap();
    }
    m.mix();
}

fn sum(parts: &[&[i16]]) -> Vec<i16> {
    (0..N)
        .map(|n| parts.iter().map(|p| i32::from(p[n])).sum::<i32>() as i16)
        .collect()
}

fn events(m: &mut Mixer) -> Vec<SpeakerEvent> {
    core::iter::from_fn(|| m.poll_event()).collect()
}

/// Power of `freq` in `x` (Goertzel), relative units.
fn power_at(x: &[i16], freq: f32) -> f64 {
    let w = core::f64::consts::TAU * f64::from(freq) / f64::from(RATE);
    let (mut s1, mut s2) = (0.0, 0.0);
    for &v in x {
        let s = f64::from(v) + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2
}

#[test]
fn each_talker_hears_exactly_the_others_and_listeners_share_one_mix() {
    let mut m = mixer(|_| {});
    let (a, b, c, d) = (add(&mut m), add(&mut m), add(&mut m), add(&mut m));
    let talk = [(a, 440.0, 6000.0), (b, 700.0, 5000.0), (c, 1100.0, 4000.0)];
    for k in 0..10 {
        mix_tick(&mut m, k, &talk);
        if k < 2 {
            continue; // fading in
        }
        let (ta, tb, tc) = (
            tone(440.0, 6000.0, k),
            tone(700.0, 5000.0, k),
            tone(1100.0, 4000.0, k),
        );
        assert_eq!(heard(&m, a), sum(&[&tb, &tc]), "tick {k}");
        assert_eq!(heard(&m, b), sum(&[&ta, &tc]));
        assert_eq!(heard(&m, c), sum(&[&ta, &tb]));
        assert_eq!(m.output(d), Some(Hears::Shared));
        assert_eq!(m.shared_mix(), &sum(&[&ta, &tb, &tc])[..]);
    }
}

#[test]
fn one_talker_reaches_every_listener_bit_exact() {
    let mut m = mixer(|_| {});
    let a = add(&mut m);
    let others: Vec<_> = (0..5).map(|_| add(&mut m)).collect();
    for k in 0..20 {
        mix_tick(&mut m, k, &[(a, 300.0, 20_000.0)]);
        if k >= 1 {
            assert_eq!(m.shared_mix(), &tone(300.0, 20_000.0, k)[..]);
            for &o in &others {
                assert_eq!(m.output(o), Some(Hears::Shared));
            }
            assert_eq!(heard(&m, a), vec![0; N], "a talker alone hears silence");
        }
    }
}

#[test]
fn a_loud_room_is_limited_without_hard_clipping() {
    let mut m = mixer(|c| c.max_talkers = 16);
    let ids: Vec<_> = (0..12).map(|_| add(&mut m)).collect();
    let listener = add(&mut m);
    // Twelve talkers on one tone: twelve times 0.6 of full scale.
    let mut out = Vec::new();
    for k in 0..50 {
        let talk: Vec<_> = ids.iter().map(|&id| (id, 500.0, 20_000.0)).collect();
        mix_tick(&mut m, k, &talk);
        out.extend(heard(&m, listener));
    }
    let peak = out.iter().map(|s| s.unsigned_abs()).max().unwrap();
    assert!(peak <= 32_766, "peak {peak}");
    let settled = &out[5 * N..];
    let settled_peak = settled.iter().map(|s| s.unsigned_abs()).max().unwrap();
    assert!((24_000..=25_000).contains(&settled_peak), "{settled_peak}");
    // A clean tone: harmonics far below the fundamental; a hard clip of the same sum
    // is not (the check can tell them apart).
    let thd = |x: &[i16]| {
        10.0 * ((power_at(x, 1000.0) + power_at(x, 1500.0)) / power_at(x, 500.0)).log10()
    };
    assert!(thd(settled) < -50.0, "limited: {} dB", thd(settled));
    let clipped: Vec<i16> = (5..50)
        .flat_map(|k| tone(500.0, 20_000.0, k))
        .map(|s| (i32::from(s) * 12).clamp(-32_768, 32_767) as i16)
        .collect();
    assert!(thd(&clipped) > -15.0, "clipped: {} dB", thd(&clipped));
}

#[test]
fn muted_and_listen_only_are_not_heard_and_deaf_hears_nothing() {
    let mut m = mixer(|_| {});
    let (a, b, c) = (add(&mut m), add(&mut m), add(&mut m));
    m.set_muted(a, true).unwrap();
    m.set_listen_only(b, true).unwrap();
    for k in 0..10 {
        mix_tick(&mut m, k, &[(a, 440.0, 8000.0), (b, 600.0, 8000.0)]);
        assert_eq!(m.shared_mix(), &[0; N][..]);
        if k > 0 {
            assert_eq!(heard(&m, c), vec![0; N]);
        }
    }
    let ev = events(&mut m);
    assert!(
        ev.contains(&SpeakerEvent::TalkStarted { participant: a }),
        "muted talk is reported"
    );
    assert!(
        !ev.contains(&SpeakerEvent::TalkStarted { participant: b }),
        "listen-only is not"
    );
    assert!(
        !ev.iter()
            .any(|e| matches!(e, SpeakerEvent::ActiveSpeaker { .. }))
    );
    assert!(!m.in_mix(a) && !m.in_mix(b));

    // Unmuted, A is heard (after a one-tick fade); made deaf, C hears nothing.
    m.set_muted(a, false).unwrap();
    m.set_deaf(c, true).unwrap();
    mix_tick(&mut m, 10, &[(a, 440.0, 8000.0)]);
    assert!(matches!(m.output(c), Some(Hears::Own(_))), "C fades out");
    for k in 11..15 {
        mix_tick(&mut m, k, &[(a, 440.0, 8000.0)]);
        assert_eq!(m.shared_mix(), &tone(440.0, 8000.0, k)[..]);
        assert_eq!(m.output(c), Some(Hears::Nothing));
    }
    // Hearing again, C fades in and then shares the common mix.
    m.set_deaf(c, false).unwrap();
    mix_tick(&mut m, 15, &[(a, 440.0, 8000.0)]);
    let first = heard(&m, c);
    assert_eq!(first[0], 0);
    assert_eq!(first[N - 1], tone(440.0, 8000.0, 15)[N - 1]);
    mix_tick(&mut m, 16, &[(a, 440.0, 8000.0)]);
    assert_eq!(m.output(c), Some(Hears::Shared));
}

#[test]
fn a_whisper_reaches_only_its_targets() {
    let mut m = mixer(|_| {});
    let (agent, customer, coach, other) = (add(&mut m), add(&mut m), add(&mut m), add(&mut m));
    m.set_whisper_to(coach, &[agent]).unwrap();
    for k in 0..10 {
        mix_tick(
            &mut m,
            k,
            &[(customer, 500.0, 6000.0), (coach, 900.0, 5000.0)],
        );
        if k < 2 {
            continue;
        }
        let (tc, tw) = (tone(500.0, 6000.0, k), tone(900.0, 5000.0, k));
        assert_eq!(heard(&m, agent), sum(&[&tc, &tw]));
        assert_eq!(
            heard(&m, customer),
            vec![0; N],
            "the customer does not hear the coach"
        );
        assert_eq!(heard(&m, other), tc);
        assert_eq!(heard(&m, coach), tc);
        assert_eq!(m.shared_mix(), &tc[..]);
    }
    assert_eq!(
        m.active_speaker(),
        Some(customer),
        "a whisperer is never the active speaker"
    );
}

#[test]
fn an_excluded_participant_is_not_heard_by_the_one_excluding() {
    let mut m = mixer(|_| {});
    let (a, b, c, d) = (add(&mut m), add(&mut m), add(&mut m), add(&mut m));
    m.set_exclude(a, &[b]).unwrap();
    for k in 0..8 {
        mix_tick(&mut m, k, &[(b, 500.0, 6000.0), (c, 800.0, 6000.0)]);
        if k < 2 {
            continue;
        }
        let (tb, tc) = (tone(500.0, 6000.0, k), tone(800.0, 6000.0, k));
        assert_eq!(heard(&m, a), tc);
        assert_eq!(heard(&m, d), sum(&[&tb, &tc]));
    }
    // While B is silent A hears the common mix, computed once.
    for k in 8..40 {
        mix_tick(&mut m, k, &[(c, 800.0, 6000.0)]);
    }
    assert_eq!(m.output(a), Some(Hears::Shared));
}

#[test]
fn gains_scale_what_goes_in_and_what_comes_out() {
    let mut m = mixer(|_| {});
    let (a, b, c) = (add(&mut m), add(&mut m), add(&mut m));
    m.set_input_gain_db(a, 6.0206).unwrap(); // x2
    m.set_output_gain_db(c, -6.0206).unwrap(); // x0.5
    for k in 0..5 {
        mix_tick(&mut m, k, &[(a, 440.0, 4000.0)]);
    }
    let t = tone(440.0, 4000.0, 4);
    for (got, want) in heard(&m, b).iter().zip(&t) {
        assert!((i32::from(*got) - 2 * i32::from(*want)).abs() <= 1);
    }
    for (got, want) in heard(&m, c).iter().zip(&t) {
        assert!((i32::from(*got) - i32::from(*want)).abs() <= 1);
    }
    let err = m.set_input_gain_db(a, 20.0).unwrap_err().to_string();
    assert!(err.contains("input_gain_db 20 is out of range"), "{err}");
}

#[test]
fn the_talker_cap_mixes_the_loudest_with_a_margin() {
    let mut m = mixer(|c| c.max_talkers = 3);
    let ids: Vec<_> = (0..6).map(|_| add(&mut m)).collect();
    let mut amps = [1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0];
    let run = |m: &mut Mixer, amps: &[f32; 6], ticks: core::ops::Range<usize>| {
        for k in ticks {
            let talk: Vec<_> = ids
                .iter()
                .zip(amps)
                .enumerate()
                .map(|(i, (&id, &amp))| (id, 300.0 + 100.0 * i as f32, amp))
                .collect();
            mix_tick(m, k, &talk);
        }
    };
    run(&mut m, &amps, 0..30);
    let mixed: Vec<bool> = ids.iter().map(|&id| m.in_mix(id)).collect();
    assert_eq!(mixed, [false, false, false, true, true, true]);
    // 10% (0.8 dB) louder than the quietest talker mixed: within the 3 dB margin.
    amps[2] = 4400.0;
    run(&mut m, &amps, 30..60);
    assert!(!m.in_mix(ids[2]) && m.in_mix(ids[3]));
    // 7 dB louder: takes the quietest one's place.
    amps[2] = 9000.0;
    run(&mut m, &amps, 60..90);
    let mixed: Vec<bool> = ids.iter().map(|&id| m.in_mix(id)).collect();
    assert_eq!(mixed, [false, false, true, false, true, true]);
    // The one dropped fades out: the others hear its last tick ramped down, then nothing.
    assert_eq!(m.shared_mix().len(), N);
}

#[test]
fn talk_and_active_speaker_events_have_hysteresis() {
    let mut m = mixer(|c| {
        c.speaker.attack = Duration::from_millis(40);
        c.speaker.hangover = Duration::from_millis(200);
        c.speaker.active_hold = Duration::from_millis(400);
    });
    let (a, b) = (add(&mut m), add(&mut m));
    mix_tick(&mut m, 0, &[(a, 440.0, 5000.0)]);
    assert_eq!(events(&mut m), []);
    assert!(m.in_mix(a), "mixed from the first loud tick");
    mix_tick(&mut m, 1, &[(a, 440.0, 5000.0)]);
    assert_eq!(
        events(&mut m),
        [
            SpeakerEvent::TalkStarted { participant: a },
            SpeakerEvent::ActiveSpeaker {
                participant: Some(a)
            }
        ]
    );
    // B talks 1 dB louder: no switch.
    for k in 2..40 {
        mix_tick(&mut m, k, &[(a, 440.0, 5000.0), (b, 600.0, 5600.0)]);
    }
    assert_eq!(
        events(&mut m),
        [SpeakerEvent::TalkStarted { participant: b }]
    );
    assert_eq!(m.active_speaker(), Some(a));
    // B 6 dB louder: switches.
    for k in 40..60 {
        mix_tick(&mut m, k, &[(a, 440.0, 5000.0), (b, 600.0, 10_000.0)]);
    }
    assert_eq!(
        events(&mut m),
        [SpeakerEvent::ActiveSpeaker {
            participant: Some(b)
        }]
    );
    // A stops: reported after the 200 ms hangover (10 ticks), not before.
    for k in 60..69 {
        mix_tick(&mut m, k, &[(b, 600.0, 10_000.0)]);
    }
    assert_eq!(events(&mut m), []);
    mix_tick(&mut m, 69, &[(b, 600.0, 10_000.0)]);
    assert_eq!(
        events(&mut m),
        [SpeakerEvent::TalkStopped { participant: a }]
    );
    // The active speaker leaves while nobody else talks.
    m.remove(b).unwrap();
    assert_eq!(
        events(&mut m),
        [SpeakerEvent::TalkStopped { participant: b }]
    );
    m.mix();
    assert_eq!(
        events(&mut m),
        [SpeakerEvent::ActiveSpeaker { participant: None }]
    );
}

/// The largest difference between neighbouring samples.
fn max_step(x: &[i16]) -> i32 {
    x.windows(2)
        .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
        .max()
        .unwrap_or(0)
}

#[test]
fn joining_and_leaving_talkers_fade_without_clicks() {
    let mut m = mixer(|_| {});
    let listener = add(&mut m);
    let mut out = vec![0i16; N];
    for _ in 0..3 {
        m.mix();
        out.extend(heard(&m, listener));
    }
    // A joins already talking, at a peak of its tone (a step of 12,000 without a fade).
    let a = add(&mut m);
    let peak_tone = |k: usize| -> Vec<i16> {
        (0..N)
            .map(|n| {
                let t = (k * N + n) as f32 / RATE as f32;
                (12_000.0 * (core::f32::consts::TAU * 250.0 * t).cos()) as i16
            })
            .collect()
    };
    for k in 0..10 {
        m.set_input(a, &peak_tone(k)).unwrap();
        m.mix();
        out.extend(heard(&m, listener));
    }
    // It leaves, giving the audio it had left: the tick after is faded out.
    m.set_input(a, &peak_tone(10)).unwrap();
    m.remove(a).unwrap();
    for _ in 0..3 {
        m.mix();
        out.extend(heard(&m, listener));
    }
    // A 250 Hz tone of 12,000 moves at most 12,000 * 2pi * 250 / 16,000 = 1178 per sample.
    assert!(max_step(&out) < 1300, "step {}", max_step(&out));
    assert!(!m.contains(a));
}

#[test]
fn a_participant_leaving_while_mixed_fades_out_over_the_next_tick() {
    let mut m = mixer(|_| {});
    let (a, listener) = (add(&mut m), add(&mut m));
    for k in 0..5 {
        mix_tick(&mut m, k, &[(a, 250.0, 12_000.0)]);
    }
    let last = *m.shared_mix().last().unwrap();
    // The host gives the audio it had left before removing it (as the conference does).
    m.set_input(a, &tone(250.0, 12_000.0, 5)).unwrap();
    m.remove(a).unwrap();
    assert!(m.set_input(a, &tone(250.0, 12_000.0, 5)).is_err());
    m.mix();
    let fade = heard(&m, listener);
    assert!((i32::from(fade[0]) - i32::from(last)).abs() < 1300);
    assert_eq!(fade[N - 1], 0);
    assert!(max_step(&fade) < 1300);
    m.mix();
    assert_eq!(m.shared_mix(), &[0; N][..]);
    assert_eq!(m.len(), 1);
}

#[test]
fn only_the_picked_need_their_audio_converted() {
    let mut m = mixer(|c| c.max_talkers = 1);
    let (a, b, c) = (add(&mut m), add(&mut m), add(&mut m));
    for k in 0..20 {
        // Levels from audio at another rate (8 kHz: half as many samples).
        m.measure(a, &tone(300.0, 9000.0, k)[..N / 2]).unwrap();
        m.measure(b, &tone(300.0, 3000.0, k)[..N / 2]).unwrap();
        m.select();
        assert!(m.wants_input(a) && !m.wants_input(b) && !m.wants_input(c));
        m.input_mut(a)
            .unwrap()
            .copy_from_slice(&tone(300.0, 9000.0, k));
        m.mix();
    }
    assert_eq!(m.shared_mix(), &tone(300.0, 9000.0, 19)[..]);
    let level = m.level_dbov(a).unwrap();
    assert!((level - (-14.2)).abs() < 0.2, "{level}");
}

#[test]
fn ids_are_never_reused_and_bad_lists_are_refused() {
    let mut m = mixer(|c| c.max_participants = 2);
    let (a, b) = (add(&mut m), add(&mut m));
    assert!(m.add(ParticipantOptions::default()).is_err(), "full");
    m.remove(a).unwrap();
    assert!(m.remove(a).is_err());
    m.mix();
    let c = add(&mut m);
    assert!(c > b);
    let err = m.set_exclude(c, &[c]).unwrap_err().to_string();
    assert!(err.contains("names itself"), "{err}");
    let err = m.set_whisper_to(c, &[a]).unwrap_err().to_string();
    assert!(
        err.contains("names participant 1, who is not in the conference"),
        "{err}"
    );
    assert_eq!(m.options(c), Some(&ParticipantOptions::default()));
    assert_eq!(m.participants().collect::<Vec<_>>(), [b, c]);
}

#[test]
fn those_who_left_stay_in_the_lists_without_blocking_other_changes() {
    let mut m = mixer(|_| {});
    let (agent, coach, customer) = (add(&mut m), add(&mut m), add(&mut m));
    m.set_whisper_to(coach, &[agent]).unwrap();
    m.set_exclude(customer, &[agent]).unwrap();
    m.remove(agent).unwrap();
    m.mix();
    // Other options still change; the lists keep the one who left.
    m.set_muted(coach, false).unwrap();
    m.set_output_gain_db(customer, -3.0).unwrap();
    assert_eq!(m.options(coach).unwrap().whisper_to, [agent]);
    // The coach whispers to nobody now: the customer does not hear it.
    for k in 0..5 {
        mix_tick(&mut m, k, &[(coach, 500.0, 8000.0)]);
    }
    assert_eq!(m.shared_mix(), &[0; N][..]);
    assert_eq!(heard(&m, customer), vec![0; N]);
    // A list may keep the one who left, but not gain someone absent.
    m.set_exclude(customer, &[agent, coach]).unwrap();
    let err = m
        .set_whisper_to(customer, &[agent])
        .unwrap_err()
        .to_string();
    assert!(err.contains("who is not in the conference"), "{err}");
}
