use super::*;
use proptest::prelude::*;

fn ramp(start: i16, frames: usize) -> Prompt {
    Prompt::from_samples(8000, 1, (0..frames).map(|i| start + i as i16).collect()).unwrap()
}

fn drain(player: &mut Player) -> Vec<PlaybackEvent> {
    core::iter::from_fn(|| player.poll_event()).collect()
}

#[test]
fn queued_prompts_join_without_a_gap_and_each_reports_start_and_finish() {
    let mut player = Player::new(8000, 1).unwrap();
    let a = player.play(ramp(0, 100), PlayOptions::default()).unwrap();
    let b = player
        .enqueue(ramp(1000, 100), PlayOptions::default())
        .unwrap();
    assert_eq!(player.queued(), 1);
    let mut out = [7i16; 160];
    assert_eq!(player.fill(&mut out), 160);
    assert_eq!(out[99], 99);
    assert_eq!(
        out[100], 1000,
        "the second prompt starts on the next sample"
    );
    let mut rest = [7i16; 160];
    assert_eq!(player.fill(&mut rest), 40);
    assert_eq!(rest[39], 1099);
    assert!(
        rest[40..].iter().all(|&s| s == 0),
        "silence after the last prompt"
    );
    assert!(!player.is_playing());
    assert_eq!(
        drain(&mut player),
        [
            PlaybackEvent::Started { id: a },
            PlaybackEvent::Finished { id: a },
            PlaybackEvent::Started { id: b },
            PlaybackEvent::Finished { id: b },
        ]
    );
}

#[test]
fn play_replaces_what_plays_and_what_waits() {
    let mut player = Player::new(8000, 1).unwrap();
    let a = player.play(ramp(0, 400), PlayOptions::default()).unwrap();
    let b = player
        .enqueue(ramp(0, 400), PlayOptions::default())
        .unwrap();
    let mut out = [0i16; 160];
    player.fill(&mut out);
    let c = player.play(ramp(500, 400), PlayOptions::default()).unwrap();
    player.fill(&mut out);
    assert_eq!(out[0], 500);
    assert_eq!(
        drain(&mut player),
        [
            PlaybackEvent::Started { id: a },
            PlaybackEvent::Interrupted {
                id: a,
                reason: InterruptReason::Replaced,
                started: true
            },
            PlaybackEvent::Interrupted {
                id: b,
                reason: InterruptReason::Replaced,
                started: false
            },
            PlaybackEvent::Started { id: c },
        ]
    );
    assert!(player.stop());
    assert!(!player.stop(), "nothing left to stop");
    assert_eq!(
        drain(&mut player),
        [PlaybackEvent::Interrupted {
            id: c,
            reason: InterruptReason::Stopped,
            started: true
        }]
    );
}

#[test]
fn a_digit_stops_interruptible_prompts_only() {
    let mut player = Player::new(8000, 1).unwrap();
    let legal = PlayOptions {
        interruptible: false,
        ..PlayOptions::default()
    };
    let notice = player.play(ramp(0, 800), legal).unwrap();
    let menu = player
        .enqueue(ramp(0, 800), PlayOptions::default())
        .unwrap();
    let mut out = [0i16; 160];
    player.fill(&mut out);
    assert!(!player.barge_in(Digit::D1), "the notice plays on");
    for _ in 0..5 {
        player.fill(&mut out);
    }
    assert_eq!(player.current(), Some(menu));
    assert!(player.barge_in(Digit::D1));
    assert!(!player.is_playing());
    let events = drain(&mut player);
    assert_eq!(events[1], PlaybackEvent::Finished { id: notice });
    assert_eq!(
        events[3],
        PlaybackEvent::Interrupted {
            id: menu,
            reason: InterruptReason::Dtmf(Digit::D1),
            started: true
        }
    );
}

#[test]
fn a_looping_prompt_restarts_until_stopped_and_the_offset_applies_once() {
    let mut player = Player::new(8000, 1).unwrap();
    let hold = PlayOptions {
        looping: true,
        start_offset: Duration::from_millis(10), // 80 samples in
        ..PlayOptions::default()
    };
    player.play(ramp(0, 100), hold).unwrap();
    let mut out = [0i16; 160];
    for _ in 0..100 {
        assert_eq!(player.fill(&mut out), 160);
    }
    // 16000 samples: the first pass gave 80..=99 (20 samples), then 0..=99 again and again,
    // so the last sample is (15999 - 20) % 100.
    assert_eq!(out[159], 79);
    assert!(player.is_playing());
    assert_eq!(drain(&mut player).len(), 1, "only Started while looping");
}

#[test]
fn gain_scales_and_saturates() {
    let mut player = Player::new(8000, 1).unwrap();
    let loud = Prompt::from_samples(8000, 1, vec![10_000, -10_000, 100]).unwrap();
    let six_down = PlayOptions {
        gain_db: -6.0206,
        ..PlayOptions::default()
    };
    player.play(loud.clone(), six_down).unwrap();
    let mut out = [0i16; 3];
    player.fill(&mut out);
    assert_eq!(out, [5000, -5000, 50]);
    let up = PlayOptions {
        gain_db: 20.0,
        ..PlayOptions::default()
    };
    player.play(loud, up).unwrap();
    player.fill(&mut out);
    assert_eq!(out, [i16::MAX, i16::MIN, 1000]);
}

#[test]
fn stereo_prompts_play_whole_frames() {
    let mut player = Player::new(16_000, 2).unwrap();
    let prompt = Prompt::from_samples(16_000, 2, vec![1, -1, 2, -2, 3, -3]).unwrap();
    player.play(prompt, PlayOptions::default()).unwrap();
    let mut out = [9i16; 8];
    assert_eq!(player.fill(&mut out), 6);
    assert_eq!(out, [1, -1, 2, -2, 3, -3, 0, 0]);
}

#[test]
fn bad_requests_are_refused_and_change_nothing() {
    let mut player = Player::new(8000, 1).unwrap();
    let id = player.play(ramp(0, 100), PlayOptions::default()).unwrap();
    let wide = Prompt::from_samples(16_000, 1, vec![0; 10]).unwrap();
    let empty = Prompt::from_samples(8000, 1, Vec::new()).unwrap();
    let cases = [
        (wide, PlayOptions::default(), "16000 Hz"),
        (empty, PlayOptions::default(), "no audio"),
        (
            ramp(0, 10),
            PlayOptions {
                gain_db: 30.0,
                ..PlayOptions::default()
            },
            "gain 30",
        ),
        (
            ramp(0, 80),
            PlayOptions {
                start_offset: Duration::from_millis(10),
                ..PlayOptions::default()
            },
            "past the prompt's end",
        ),
    ];
    for (prompt, options, needle) in cases {
        let e = player.play(prompt, options).unwrap_err().to_string();
        assert!(e.contains(needle), "{e}");
    }
    assert_eq!(player.current(), Some(id));
    assert!(Player::new(8000, 3).is_err());
    for _ in 0..MAX_QUEUED_PROMPTS {
        player.enqueue(ramp(0, 10), PlayOptions::default()).unwrap();
    }
    let full = player.enqueue(ramp(0, 10), PlayOptions::default());
    assert!(full.unwrap_err().to_string().contains("queue is full"));
}

#[test]
fn events_nobody_reads_are_bounded() {
    let mut player = Player::new(8000, 1).unwrap();
    for _ in 0..1000 {
        player.play(ramp(0, 10), PlayOptions::default()).unwrap();
    }
    assert_eq!(drain(&mut player).len(), EVENT_CAPACITY);
    assert_eq!(player.events_dropped(), 1000 - 1 - EVENT_CAPACITY as u64);
}

#[derive(Debug, Clone)]
enum Op {
    Play(usize, bool, bool),
    Enqueue(usize, bool, bool),
    Stop,
    Digit,
    Fill(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1usize..400, any::<bool>(), any::<bool>()).prop_map(|(n, l, i)| Op::Play(n, l, i)),
        (1usize..400, any::<bool>(), any::<bool>()).prop_map(|(n, l, i)| Op::Enqueue(n, l, i)),
        Just(Op::Stop),
        Just(Op::Digit),
        (0usize..500).prop_map(Op::Fill),
    ]
}

proptest! {
    /// Whatever the calls, every playback starts at most once, ends exactly once (when it
    /// ends), never after another event of its own, and prompts' samples come out in order.
    #[test]
    fn every_playback_has_one_story(ops in proptest::collection::vec(op(), 1..60)) {
        let mut player = Player::new(8000, 1).unwrap();
        let mut out = vec![0i16; 500];
        let mut ids = Vec::new();
        for op in ops {
            match op {
                Op::Play(n, looping, interruptible) | Op::Enqueue(n, looping, interruptible) => {
                    let options = PlayOptions { looping, interruptible, ..PlayOptions::default() };
                    let r = if matches!(op, Op::Play(..)) {
                        player.play(ramp(0, n), options)
                    } else {
                        player.enqueue(ramp(0, n), options)
                    };
                    if let Ok(id) = r { ids.push(id); }
                }
                Op::Stop => { player.stop(); }
                Op::Digit => { player.barge_in(Digit::Star); }
                Op::Fill(n) => {
                    let written = player.fill(&mut out[..n]);
                    prop_assert!(out[written..n].iter().all(|&s| s == 0));
                }
            }
        }
        player.stop();
        let events = drain(&mut player);
        for id in ids {
            let mine: Vec<_> = events.iter().filter(|e| e.id() == id).collect();
            let ends = mine.iter().filter(|e| !matches!(e, PlaybackEvent::Started { .. })).count();
            prop_assert_eq!(ends, 1, "{:?}", mine);
            let ends_last = !matches!(mine.last(), Some(PlaybackEvent::Started { .. }));
            prop_assert!(ends_last, "{:?}", mine);
            prop_assert!(mine.len() <= 2);
        }
    }
}
