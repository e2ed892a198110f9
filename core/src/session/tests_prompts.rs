use super::tests::pcmu_pair as pair;
use super::*;
use crate::dtmf::CollectConfig;
use crate::dtmf::Digit;
use crate::ivr::{PlayCollectConfig, PlayCollectReason};
use crate::playback::{InterruptReason, PlayOptions, PlaybackEvent, Prompt};

fn tone(ms: usize, amplitude: f32) -> Prompt {
    let samples = (0..ms * 8)
        .map(|i| ((i as f32 * 0.3).sin() * amplitude) as i16)
        .collect();
    Prompt::from_samples(8000, 1, samples).unwrap()
}

fn rms(samples: &[i16]) -> f64 {
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / samples.len().max(1) as f64).sqrt()
}

/// 20 ms frames both ways: `caller` speaks silence (and its DTMF), `ivr` sends its prompts.
/// Returns per frame the RMS the caller hears, and the IVR's events.
fn call(
    caller: &mut MediaSession,
    ivr: &mut MediaSession,
    from: u64,
    frames: u64,
) -> (Vec<f64>, Vec<Event>) {
    let silence = AudioFrame::new(vec![0; 160], 8000, 1).unwrap();
    let (mut heard, mut events) = (Vec::new(), Vec::new());
    for i in from..from + frames {
        let now = Instant::from_millis(i * 20);
        caller.push_capture(now, &silence).unwrap();
        ivr.push_capture(now, &silence).unwrap();
        while let Some(d) = caller.poll_transmit(now) {
            let d = d.to_vec();
            ivr.handle_rtp(now, &d).unwrap();
        }
        while let Some(d) = ivr.poll_transmit(now) {
            let d = d.to_vec();
            caller.handle_rtp(now, &d).unwrap();
        }
        heard.push(rms(caller.pull_playout(now).samples()));
        let _ = ivr.pull_playout(now);
        ivr.handle_timeout(now);
        caller.handle_timeout(now);
        while let Some(e) = ivr.poll_event() {
            events.push(e);
        }
    }
    (heard, events)
}

#[test]
fn a_prompt_is_heard_by_the_remote_party_and_reports_its_end() {
    let (mut caller, mut ivr) = pair();
    let id = ivr
        .play_prompt(tone(400, 8000.0), PlayOptions::default())
        .unwrap();
    assert!(ivr.is_playing());
    let (heard, events) = call(&mut caller, &mut ivr, 0, 40);
    let events: Vec<Event> = events
        .into_iter()
        .filter(|e| matches!(e, Event::Playback(_)))
        .collect();
    let loud = heard.iter().filter(|&&r| r > 4000.0).count();
    assert!(
        (18..=21).contains(&loud),
        "{loud} loud frames of 20: {heard:?}"
    );
    assert!(
        heard[30..].iter().all(|&r| r < 10.0),
        "silence after the prompt"
    );
    assert_eq!(
        events,
        [
            Event::Playback(PlaybackEvent::Started { id }),
            Event::Playback(PlaybackEvent::Finished { id }),
        ]
    );
    assert_eq!(events[1].name(), "playback_finished");
    let wide = Prompt::from_samples(16_000, 1, vec![0; 320]).unwrap();
    assert!(ivr.play_prompt(wide, PlayOptions::default()).is_err());
}

#[test]
fn a_caller_digit_stops_an_interruptible_prompt() {
    let (mut caller, mut ivr) = pair();
    let id = ivr
        .play_prompt(tone(3000, 8000.0), PlayOptions::default())
        .unwrap();
    call(&mut caller, &mut ivr, 0, 20);
    caller.send_dtmf("5").unwrap();
    let (heard, events) = call(&mut caller, &mut ivr, 20, 30);
    assert!(
        events.contains(&Event::Playback(PlaybackEvent::Interrupted {
            id,
            reason: InterruptReason::Dtmf(Digit::D5),
            started: true,
        }))
    );
    assert!(heard[25..].iter().all(|&r| r < 10.0), "{heard:?}");
}

#[test]
fn play_and_collect_takes_the_callers_digits_after_a_retry() {
    let (mut caller, mut ivr) = pair();
    let mut config = PlayCollectConfig::new(
        vec![tone(600, 6000.0)],
        CollectConfig {
            max_digits: 1,
            first_digit_timeout: Some(core::time::Duration::from_secs(2)),
            ..CollectConfig::default()
        },
    );
    config.accept = vec!["1".into(), "2".into()];
    config.invalid_prompt = Some(tone(200, 3000.0));
    config.max_attempts = 2;
    ivr.play_and_collect(Instant::ZERO, config).unwrap();
    assert!(ivr.is_play_collecting());
    let (heard, _) = call(&mut caller, &mut ivr, 0, 40);
    assert!(
        heard[5..30].iter().all(|&r| r > 3000.0),
        "the menu: {heard:?}"
    );
    caller.send_dtmf("8").unwrap();
    let (heard, events) = call(&mut caller, &mut ivr, 40, 60);
    assert!(
        heard.iter().any(|&r| (1500.0..2500.0).contains(&r)),
        "the invalid-input prompt: {heard:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::PlayCollectDone(_)))
    );
    caller.send_dtmf("2").unwrap();
    let (_, events) = call(&mut caller, &mut ivr, 100, 20);
    let result = events
        .iter()
        .find_map(|e| match e {
            Event::PlayCollectDone(r) => Some(*r),
            _ => None,
        })
        .expect("a result");
    assert_eq!(result.reason, PlayCollectReason::Digits);
    assert_eq!(result.digits.to_string(), "2");
    assert_eq!(result.attempts, 2);
    assert!(!ivr.is_play_collecting());
    // The digits were still reported one by one.
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Dtmf {
            digit: Digit::D2,
            ..
        }
    )));
}
