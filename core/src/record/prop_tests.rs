//! Property tests: any script of writes (any leg, rate, channels, size and `now`, in or out
//! of order), pauses, resumes, hang-ups and timeouts, under any configuration, never
//! panics; after every call the target is a valid WAV file of whole frames whose sizes match
//! its length (or whole Ogg pages); and the finished file's duration follows the timeline
//! within a frame.

use core::time::Duration;
use std::io::Cursor;

use proptest::prelude::*;

use super::ogg_tests::read_ogg;
use super::tests::read_wav;
use super::*;
use crate::{AudioFrame, Instant};

#[derive(Debug, Clone)]
enum Op {
    /// A frame of `samples` per channel on `leg`, `skew_ms` off the clock.
    Write {
        leg: usize,
        dt_ms: u64,
        skew_ms: i64,
        rate: u32,
        channels: u16,
        samples: usize,
    },
    Pause(u64),
    Resume(u64),
    EndLeg(usize, u64),
    Timeout(u64),
}

fn op() -> impl Strategy<Value = Op> {
    let rates = prop::sample::select(vec![8000u32, 16_000, 44_100, 48_000, 11_025]);
    prop_oneof![
        12 => (0usize..3, 0u64..45, -60i64..60, rates, 1u16..4, 0usize..2000).prop_map(
            |(leg, dt_ms, skew_ms, rate, channels, samples)| Op::Write {
                leg, dt_ms, skew_ms, rate, channels, samples
            }
        ),
        1 => (0u64..400).prop_map(Op::Pause),
        1 => (0u64..400).prop_map(Op::Resume),
        1 => (0usize..3, 0u64..100).prop_map(|(leg, dt)| Op::EndLeg(leg, dt)),
        2 => (0u64..700).prop_map(Op::Timeout),
    ]
}

fn config() -> impl Strategy<Value = RecordConfig> {
    (
        prop::sample::select(vec![
            RecordLayout::Mono,
            RecordLayout::Stereo,
            RecordLayout::MixedMono,
        ]),
        prop::sample::select(vec![8000u32, 16_000, 48_000]),
        any::<bool>(),
        10u64..1000,
        prop::option::of(50u64..4000),
        prop::option::of(2000u64..100_000),
    )
        .prop_map(
            |(layout, rate, skip, interval, max_ms, max_bytes)| RecordConfig {
                pause_mode: if skip {
                    PauseMode::Skip
                } else {
                    PauseMode::Silence
                },
                checkpoint_interval: Duration::from_millis(interval),
                max_duration: max_ms.map(Duration::from_millis),
                max_bytes,
                ..RecordConfig::new(layout, rate)
            },
        )
}

/// The host's clock, and the timeline as the recorder should see it.
struct Model {
    rate: u64,
    skip: bool,
    clock_us: u64,
    paused_at: Option<u64>,
    skipped_us: u64,
    /// The furthest any accepted frame may reach, in output samples.
    reach: u64,
}

impl Model {
    fn position(&self, now_us: u64) -> u64 {
        let now = match (self.paused_at, self.skip) {
            (Some(at), true) => at.min(now_us),
            _ => now_us,
        };
        now.saturating_sub(self.skipped_us) * self.rate / 1_000_000
    }
}

fn run(config: RecordConfig, ops: &[Op]) -> Result<(), TestCaseError> {
    let rate = config.sample_rate;
    let mut model = Model {
        rate: u64::from(rate),
        skip: config.pause_mode == PauseMode::Skip,
        clock_us: 0,
        paused_at: None,
        skipped_us: 0,
        reach: 0,
    };
    let limits = (config.max_duration, config.max_bytes);
    let block = 2 * u64::from(config.channels());
    let header = super::wav::min_bytes(&config) - block;
    let size_frames = match (config.format, config.max_bytes) {
        (_, None) => u64::MAX,
        (RecordFormat::Wav, Some(max)) => (max - header) / block,
        // Where the size limit stops an Ogg file depends on its packets: no lower bound.
        (RecordFormat::OggOpus { .. }, Some(_)) => 0,
    };
    let mut r = Recorder::new(Cursor::new(Vec::new()), config, Instant::ZERO).unwrap();
    for op in ops {
        let now = |model: &Model| Instant::from_micros(model.clock_us);
        match *op {
            Op::Write {
                leg,
                dt_ms,
                skew_ms,
                rate: in_rate,
                channels,
                samples,
            } => {
                model.clock_us += dt_ms * 1000;
                let at = (model.clock_us as i64 + skew_ms * 1000).max(0) as u64;
                let pcm: Vec<i16> = (0..samples * usize::from(channels))
                    .map(|i| (i as i16).wrapping_mul(977))
                    .collect();
                let frame = AudioFrame::new(pcm, in_rate, channels).unwrap();
                let taken = !r.is_paused() && !r.is_stopped();
                // Any `now` given moves the timeline up to it (silence while paused).
                model.reach = model.reach.max(model.position(at));
                if r.write(Instant::from_micros(at), leg, &frame).is_ok() && taken {
                    let len = samples as u64 * model.rate / u64::from(in_rate);
                    let tolerance = len.max(model.rate / 50);
                    model.reach = model.reach.max(model.position(at) + len + tolerance);
                }
            }
            Op::Pause(dt) => {
                model.clock_us += dt * 1000;
                if !r.is_paused() && !r.is_stopped() {
                    model.paused_at = Some(model.clock_us);
                }
                r.pause(now(&model));
                prop_assert_eq!(r.is_paused(), model.paused_at.is_some());
            }
            Op::Resume(dt) => {
                model.clock_us += dt * 1000;
                if let Some(at) = model.paused_at.take().filter(|_| r.is_paused())
                    && model.skip
                {
                    model.skipped_us += model.clock_us - at;
                }
                r.resume(now(&model));
            }
            Op::EndLeg(leg, dt) => {
                model.clock_us += dt * 1000;
                r.end_leg(now(&model), leg);
            }
            Op::Timeout(dt) => {
                model.clock_us += dt * 1000;
                r.handle_timeout(now(&model)).unwrap();
            }
        }
        let channels = u64::from(r.config().channels());
        let on_target = match r.config().format {
            RecordFormat::Wav => read_wav(r.target().get_ref()).1.len() as u64 / channels,
            RecordFormat::OggOpus { .. } => {
                let packets = read_ogg(r.target().get_ref());
                let granule = packets.last().map_or(0, |p| p.granule);
                granule * model.rate / 48_000
            }
        };
        let on_target_ns = on_target * 1_000_000_000 / model.rate;
        prop_assert!(on_target_ns <= r.duration().as_nanos() as u64 + 20_000_000);
    }
    let stopped = r.is_stopped();
    let end = Instant::from_micros(model.clock_us);
    let max_frames = limits
        .0
        .map_or(u64::MAX, |d| d.as_micros() as u64 * model.rate / 1_000_000);
    let timeline_end = model.position(model.clock_us);
    let expected = timeline_end.min(max_frames).min(size_frames);
    let channels = usize::from(r.config().channels());
    let (target, summary) = r.finish(end).unwrap();
    let bytes = target.into_inner();
    let frames = match summary.format {
        RecordFormat::Wav => (read_wav(&bytes).1.len() / channels) as u64,
        RecordFormat::OggOpus { .. } => {
            let packets = read_ogg(&bytes);
            let last = packets.last().unwrap();
            prop_assert!(last.eos);
            (last.granule - 312) * model.rate / 48_000
        }
    };
    prop_assert_eq!(summary.bytes, bytes.len() as u64);
    prop_assert_eq!(
        summary.duration.as_nanos() as u64,
        frames * 1_000_000_000 / model.rate
    );
    if let Some(max) = limits.0 {
        prop_assert!(summary.duration <= max);
    }
    if let Some(max) = limits.1 {
        prop_assert!(bytes.len() as u64 <= max);
    }
    if !stopped {
        prop_assert!(
            frames >= expected,
            "{} frames, timeline at {}",
            frames,
            expected
        );
        // Rounding to whole samples at each rate change and correction: under 1 ms.
        let most = timeline_end.max(model.reach) + model.rate / 1000;
        prop_assert!(
            frames <= most,
            "{} frames, at most {} expected",
            frames,
            most
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_script_leaves_a_valid_wav_that_follows_the_timeline(
        config in config(),
        ops in prop::collection::vec(op(), 0..160),
    ) {
        run(config, &ops)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn any_script_leaves_whole_ogg_pages_that_follow_the_timeline(
        config in config(),
        bitrate in 16_000u32..32_000,
        ops in prop::collection::vec(op(), 0..60),
    ) {
        let mut config = RecordConfig { format: RecordFormat::OggOpus { bitrate }, ..config };
        config.max_bytes = config.max_bytes.map(|b| b.max(super::ogg_opus::min_bytes(&config)));
        run(config, &ops)?;
    }
}
