use super::*;
use proptest::prelude::*;

const FRAME: Duration = Duration::from_millis(20);

fn prompt(level: i16, ms: usize) -> Prompt {
    Prompt::from_samples(8000, 1, vec![level; ms * 8]).unwrap()
}

/// Drives `ivr` frame by frame from `from` for `ms`, returning each frame's first sample.
fn run(ivr: &mut PlayAndCollect, from: &mut Instant, ms: u64) -> Vec<i16> {
    let mut heard = Vec::new();
    let mut frame = [0i16; 160];
    for _ in 0..ms / 20 {
        ivr.handle_timeout(*from);
        ivr.fill(*from, &mut frame);
        heard.push(frame[0]);
        *from = *from + FRAME;
    }
    heard
}

fn menu() -> PlayCollectConfig {
    let mut config = PlayCollectConfig::new(
        vec![prompt(100, 500), prompt(200, 500)],
        CollectConfig {
            min_digits: 1,
            max_digits: 1,
            first_digit_timeout: Some(Duration::from_secs(3)),
            ..CollectConfig::default()
        },
    );
    config.invalid_prompt = Some(prompt(300, 200));
    config.no_input_prompt = Some(prompt(400, 200));
    config.max_attempts = 3;
    config.accept = vec!["1".into(), "2".into()];
    config
}

#[test]
fn the_timeout_runs_from_the_end_of_the_prompts() {
    let mut ivr = PlayAndCollect::new(8000, 1).unwrap();
    let mut now = Instant::ZERO;
    let mut config = menu();
    config.max_attempts = 1;
    ivr.start(now, config).unwrap();
    let heard = run(&mut ivr, &mut now, 1000);
    assert_eq!(&heard[..25], &[100; 25]);
    assert_eq!(&heard[25..50], &[200; 25]);
    assert_eq!(ivr.poll_timeout(), Some(Instant::from_millis(4000)));
    run(&mut ivr, &mut now, 3020);
    let result = ivr.poll_result().unwrap();
    assert_eq!(result.reason, PlayCollectReason::Timeout);
    assert_eq!(result.ended_at, Instant::from_millis(4000));
    assert_eq!(result.attempts, 1);
    assert!(!ivr.is_active());
}

#[test]
fn a_digit_during_the_prompts_stops_them_and_is_the_entry() {
    let mut ivr = PlayAndCollect::new(8000, 1).unwrap();
    let mut now = Instant::ZERO;
    ivr.start(now, menu()).unwrap();
    run(&mut ivr, &mut now, 300);
    assert!(ivr.is_prompting());
    assert!(ivr.push_digit(now, Digit::D2));
    let heard = run(&mut ivr, &mut now, 100);
    assert!(heard.iter().all(|&s| s == 0), "the prompt stopped");
    let result = ivr.poll_result().unwrap();
    assert_eq!(result.reason, PlayCollectReason::Digits);
    assert_eq!(result.digits.to_string(), "2");
    assert_eq!(result.collect_reason, Some(CollectReason::MaxDigits));
    assert!(result.reason.is_success());
}

#[test]
fn without_barge_in_digits_during_prompts_are_ignored() {
    let mut ivr = PlayAndCollect::new(8000, 1).unwrap();
    let mut now = Instant::ZERO;
    let mut config = menu();
    config.barge_in = false;
    ivr.start(now, config).unwrap();
    run(&mut ivr, &mut now, 300);
    assert!(!ivr.push_digit(now, Digit::D1));
    run(&mut ivr, &mut now, 800);
    assert!(ivr.push_digit(now, Digit::D1));
    assert_eq!(ivr.poll_result().unwrap().digits.to_string(), "1");
}

#[test]
fn invalid_then_silent_then_valid_uses_both_reprompts_and_counts_attempts() {
    let mut ivr = PlayAndCollect::new(8000, 1).unwrap();
    let mut now = Instant::ZERO;
    ivr.start(now, menu()).unwrap();
    run(&mut ivr, &mut now, 1000);
    assert!(ivr.push_digit(now, Digit::D7), "7 is not on the menu");
    let heard = run(&mut ivr, &mut now, 1200);
    assert_eq!(&heard[..10], &[300; 10], "the invalid-input prompt first");
    assert_eq!(&heard[10..35], &[100; 25], "then the menu again");
    run(&mut ivr, &mut now, 3000);
    let heard = run(&mut ivr, &mut now, 200);
    assert_eq!(heard, [400; 10], "the no-input prompt after the timeout");
    run(&mut ivr, &mut now, 1000);
    assert!(ivr.push_digit(now, Digit::D1));
    let result = ivr.poll_result().unwrap();
    assert_eq!(result.reason, PlayCollectReason::Digits);
    assert_eq!(result.attempts, 3);
}

#[test]
fn invalid_entries_to_the_last_attempt_end_with_max_retries() {
    let mut ivr = PlayAndCollect::new(8000, 1).unwrap();
    let mut now = Instant::ZERO;
    ivr.start(now, menu()).unwrap();
    for _ in 0..3 {
        assert!(ivr.poll_result().is_none());
        ivr.push_digit(now, Digit::D9);
        run(&mut ivr, &mut now, 2000);
    }
    let result = ivr.poll_result().unwrap();
    assert_eq!(result.reason, PlayCollectReason::MaxRetries);
    assert_eq!(result.digits.to_string(), "9");
    assert_eq!(result.attempts, 3);
    assert!(
        !ivr.push_digit(now, Digit::D1),
        "nothing is collected after the end"
    );
}

#[test]
fn a_terminator_ends_a_longer_entry() {
    let mut ivr = PlayAndCollect::new(8000, 1).unwrap();
    let mut now = Instant::ZERO;
    let config = PlayCollectConfig::new(
        vec![prompt(100, 100)],
        CollectConfig {
            min_digits: 4,
            max_digits: 8,
            ..CollectConfig::default()
        },
    );
    ivr.start(now, config).unwrap();
    run(&mut ivr, &mut now, 200);
    for d in [Digit::D1, Digit::D2, Digit::D3, Digit::D4, Digit::Hash] {
        ivr.push_digit(now, d);
        now = now + Duration::from_millis(300);
    }
    let result = ivr.poll_result().unwrap();
    assert_eq!(result.reason, PlayCollectReason::Terminator);
    assert_eq!(result.terminator, Some(Digit::Hash));
    assert_eq!(result.digits.to_string(), "1234");
}

#[test]
fn no_prompts_collects_at_once_and_cancel_reports_what_was_entered() {
    let mut ivr = PlayAndCollect::new(8000, 1).unwrap();
    let config = PlayCollectConfig::new(Vec::new(), CollectConfig::default());
    ivr.start(Instant::ZERO, config).unwrap();
    assert_eq!(ivr.poll_timeout(), Some(Instant::from_millis(5000)));
    ivr.push_digit(Instant::from_millis(100), Digit::D5);
    assert!(ivr.cancel(Instant::from_millis(200)));
    let result = ivr.poll_result().unwrap();
    assert_eq!(result.reason, PlayCollectReason::Cancelled);
    assert_eq!(result.digits.to_string(), "5");
    assert!(!ivr.cancel(Instant::from_millis(300)));
}

#[test]
fn bad_configurations_are_refused_and_the_running_one_goes_on() {
    let mut ivr = PlayAndCollect::new(8000, 1).unwrap();
    ivr.start(Instant::ZERO, menu()).unwrap();
    let wrong_rate = Prompt::from_samples(16_000, 1, vec![0; 160]).unwrap();
    let mut cases = Vec::new();
    let mut c = menu();
    c.max_attempts = 0;
    cases.push((c, "max_attempts 0"));
    let mut c = menu();
    c.accept = vec!["x".into()];
    cases.push((c, "'x'"));
    let mut c = menu();
    c.accept = vec!["12".into()];
    cases.push((c, "max_digits (1)"));
    let mut c = menu();
    c.accept = vec!["#".into()];
    cases.push((c, "terminator"));
    let mut c = menu();
    c.invalid_prompt = Some(wrong_rate);
    cases.push((c, "16000 Hz"));
    let mut c = menu();
    c.gain_db = 99.0;
    cases.push((c, "gain 99"));
    for (config, needle) in cases {
        let e = ivr.start(Instant::ZERO, config).unwrap_err().to_string();
        assert!(e.contains(needle), "{e} lacks {needle}");
    }
    assert!(
        ivr.is_prompting(),
        "the first play-and-collect is untouched"
    );
}

proptest! {
    /// Whatever the caller does and whenever, one start gives exactly one result, within
    /// the attempts allowed, and the machine never stalls with a timeout in the past.
    #[test]
    fn one_start_one_result(
        steps in proptest::collection::vec((0u64..400, proptest::option::of(0u8..16)), 1..200),
        attempts in 1u32..4,
        barge_in: bool,
    ) {
        let mut ivr = PlayAndCollect::new(8000, 1).unwrap();
        let mut config = menu();
        config.max_attempts = attempts;
        config.barge_in = barge_in;
        let mut now = Instant::ZERO;
        ivr.start(now, config).unwrap();
        let mut results = 0;
        let mut frame = [0i16; 160];
        for (advance, key) in steps {
            now = now + Duration::from_millis(advance);
            ivr.handle_timeout(now);
            if let Some(at) = ivr.poll_timeout() {
                prop_assert!(at > now);
            }
            ivr.fill(now, &mut frame);
            if let Some(k) = key {
                ivr.push_digit(now, Digit::ALL[usize::from(k)]);
            }
            if let Some(result) = ivr.poll_result() {
                results += 1;
                prop_assert!((1..=attempts).contains(&result.attempts));
            }
        }
        // Run out every remaining prompt and timeout.
        for _ in 0..2000 {
            now = now + FRAME;
            ivr.handle_timeout(now);
            ivr.fill(now, &mut frame);
            if let Some(result) = ivr.poll_result() {
                results += 1;
                prop_assert!((1..=attempts).contains(&result.attempts));
            }
        }
        prop_assert_eq!(results, 1);
    }
}
