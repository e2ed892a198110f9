//! The recorder's per-frame path, counted by a counting allocator: a WAV recording (with
//! resampling, checkpoints, a late leg and a gap) allocates nothing once warmed up. An Ogg
//! Opus recording allocates twice per 20 ms packet and once per page, all for the `ogg`
//! crate (0.9): it takes each packet as an owned buffer, builds a page-state value (with a
//! 255-entry `Vec`) on every `write_packet` call even when one exists, and a header buffer
//! per page. The Opus encoder itself allocates nothing.

use core::time::Duration;
use std::io::Cursor;

use mediacore::record::{RecordConfig, RecordFormat, RecordLayout, Recorder};
use mediacore::{AudioFrame, Instant};
use mediacore_tests::alloc_count::{CountingAllocator, allocations};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn tone(rate: u32, k: usize) -> AudioFrame {
    let n = rate as usize / 50;
    let pcm = (k * n..(k + 1) * n)
        .map(|i| ((i as f32 * 0.05).sin() * 9000.0) as i16)
        .collect();
    AudioFrame::new(pcm, rate, 1).expect("frame")
}

/// Records `ticks` 20 ms ticks after a warm-up of 100 and returns the allocations made
/// during them. Leg 0 sends 48 kHz audio every tick; leg 1 sends 8 kHz audio but skips
/// ticks 150 to 169 (a gap the lag bound fills with silence).
fn allocations_over(config: RecordConfig, ticks: usize) -> usize {
    // Room for the whole recording, so the target itself never grows.
    let target = Cursor::new(Vec::with_capacity(64 << 20));
    let mut r = Recorder::new(target, config, Instant::ZERO).expect("start");
    let frames_a: Vec<AudioFrame> = (0..100 + ticks).map(|k| tone(48_000, k)).collect();
    let frames_b: Vec<AudioFrame> = (0..100 + ticks).map(|k| tone(8000, k)).collect();
    let mut before = 0;
    for k in 0..100 + ticks {
        if k == 100 {
            before = allocations();
        }
        let now = Instant::from_millis(k as u64 * 20);
        r.write(now, 0, &frames_a[k]).expect("leg 0");
        if !(150..170).contains(&k) {
            r.write(now, 1, &frames_b[k]).expect("leg 1");
        }
        if r.poll_timeout().is_some_and(|t| t <= now) {
            r.handle_timeout(now).expect("timeout");
        }
    }
    let counted = allocations() - before;
    let (_, summary) = r
        .finish(Instant::from_millis((100 + ticks) as u64 * 20))
        .expect("finish");
    assert_eq!(
        summary.duration,
        Duration::from_millis((100 + ticks) as u64 * 20)
    );
    counted
}

#[test]
fn a_wav_recording_allocates_nothing_per_frame() {
    for layout in [RecordLayout::Stereo, RecordLayout::MixedMono] {
        let mut config = RecordConfig::new(layout, 16_000);
        config.checkpoint_interval = Duration::from_millis(250);
        config.metadata.call_id = Some("no-alloc".into());
        let n = allocations_over(config, 500);
        assert_eq!(n, 0, "{layout:?}: {n} allocations over 10 s of recording");
    }
}

#[test]
fn an_ogg_opus_recording_allocates_only_for_the_ogg_crate() {
    let mut config = RecordConfig::new(RecordLayout::Stereo, 16_000);
    config.format = RecordFormat::OggOpus { bitrate: 32_000 };
    let n = allocations_over(config, 500);
    println!("{n} allocations for 500 packets on 10 pages");
    assert!(n <= 2 * 500 + 2 * 10, "{n} allocations over 500 packets");
}
