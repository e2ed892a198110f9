//! Ogg Opus recordings read back with the `ogg` crate's reader and our Opus decoder:
//! headers, packet durations, granule positions, end of stream, checkpoints and the size
//! limit.

use core::time::Duration;
use std::io::Cursor;

use super::tests::{at, frame};
use super::*;
use crate::codec::Decoder;
use crate::codec::opus::{OpusDecoder, packet_samples};
use crate::{AudioFrame, Instant};

/// A packet and the granule position and end-of-stream flag of its page.
pub(super) struct Read {
    pub(super) data: Vec<u8>,
    pub(super) granule: u64,
    pub(super) last_in_page: bool,
    pub(super) eos: bool,
}

pub(super) fn read_ogg(bytes: &[u8]) -> Vec<Read> {
    let mut reader = ogg::reading::PacketReader::new(Cursor::new(bytes));
    let mut out = Vec::new();
    while let Some(p) = reader.read_packet().expect("valid Ogg pages") {
        out.push(Read {
            granule: p.absgp_page(),
            last_in_page: p.last_in_page(),
            eos: p.last_in_stream(),
            data: p.data,
        });
    }
    out
}

fn tone(rate: u32, from: usize, n: usize, hz: f64) -> Vec<i16> {
    (from..from + n)
        .map(|i| ((i as f64 * hz * std::f64::consts::TAU / f64::from(rate)).sin() * 8000.0) as i16)
        .collect()
}

fn ogg_config(layout: RecordLayout, rate: u32, bitrate: u32) -> RecordConfig {
    RecordConfig {
        format: RecordFormat::OggOpus { bitrate },
        ..RecordConfig::new(layout, rate)
    }
}

fn record(config: RecordConfig, ms: u64) -> (Vec<u8>, RecordingSummary, Vec<i16>) {
    let rate = config.sample_rate;
    let legs = config.layout.legs();
    let mut r = Recorder::new(Cursor::new(Vec::new()), config, Instant::ZERO).unwrap();
    let n = rate as usize / 50;
    let mut sent = Vec::new();
    for i in 0..ms / 20 {
        let pcm = tone(rate, i as usize * n, n, 440.0);
        for leg in 0..legs {
            r.write(at(i * 20), leg, &frame(rate, pcm.clone())).unwrap();
        }
        sent.extend(pcm);
    }
    let (target, summary) = r.finish(at(ms)).unwrap();
    (target.into_inner(), summary, sent)
}

#[test]
fn ogg_opus_has_headers_20_ms_packets_and_a_trimming_last_granule() {
    let mut config = ogg_config(RecordLayout::Mono, 16_000, 24_000);
    config.metadata.call_id = Some("call-17".into());
    let (bytes, summary, sent) = record(config, 1010);
    assert_eq!(summary.duration, Duration::from_millis(1010));
    assert_eq!(summary.bytes, bytes.len() as u64);
    let packets = read_ogg(&bytes);
    let head = &packets[0].data;
    assert_eq!(&head[..8], b"OpusHead");
    assert_eq!(
        (head[9], u16::from_le_bytes([head[10], head[11]])),
        (1, 312)
    );
    assert_eq!(u32::from_le_bytes(head[12..16].try_into().unwrap()), 16_000);
    assert!(packets[0].last_in_page && packets[1].last_in_page);
    assert!(String::from_utf8_lossy(&packets[1].data).contains("CALL_ID=call-17"));
    let audio = &packets[2..];
    assert!(
        audio
            .iter()
            .all(|p| packet_samples(&p.data, 48_000).unwrap() == 960)
    );
    // 1010 ms and 6.5 ms of look-ahead take 51 packets.
    assert_eq!(audio.len(), 51);
    let last = audio.last().unwrap();
    assert!(last.eos);
    assert_eq!(last.granule, 312 + 48 * 1010);
    let pages: Vec<u64> = audio
        .iter()
        .filter(|p| p.last_in_page)
        .map(|p| p.granule)
        .collect();
    assert!(
        pages.windows(2).all(|w| w[0] <= w[1]),
        "granules never go back: {pages:?}"
    );
    // Packets of a constant bit rate: 24 kbit/s is 60 bytes per 20 ms.
    assert!(audio.iter().all(|p| p.data.len() == 60), "CBR packet sizes");

    let mut decoder = OpusDecoder::new(16_000, 1).unwrap();
    let mut decoded = Vec::new();
    let mut out = vec![0i16; 5760];
    for p in audio {
        let n = decoder.decode(&p.data, &mut out).unwrap();
        decoded.extend_from_slice(&out[..n]);
    }
    let decoded = &decoded[104..104 + sent.len()]; // pre-skip at 16 kHz
    let (num, den) = decoded
        .iter()
        .zip(&sent)
        .skip(320)
        .fold((0.0, 0.0), |(n, d), (&a, &b)| {
            let e = f64::from(a) - f64::from(b);
            (n + f64::from(b) * f64::from(b), d + e * e)
        });
    let snr = 10.0 * (num / den).log10();
    assert!(snr > 10.0, "a 440 Hz tone comes back aligned: {snr:.1} dB");
}

#[test]
fn stereo_ogg_opus_keeps_the_legs_apart() {
    let config = ogg_config(RecordLayout::Stereo, 48_000, 64_000);
    let mut r = Recorder::new(Cursor::new(Vec::new()), config, Instant::ZERO).unwrap();
    for i in 0..50u64 {
        let left = tone(48_000, i as usize * 960, 960, 440.0);
        r.write(at(i * 20), 0, &frame(48_000, left)).unwrap();
        r.write(
            at(i * 20),
            1,
            &AudioFrame::silence(48_000, 1, Duration::from_millis(20)).unwrap(),
        )
        .unwrap();
    }
    let (target, summary) = r.finish(at(1000)).unwrap();
    assert_eq!(summary.channels, 2);
    let packets = read_ogg(target.get_ref());
    assert_eq!(packets[0].data[9], 2);
    let mut decoder = OpusDecoder::new(48_000, 2).unwrap();
    let mut out = vec![0i16; 11_520];
    let (mut left, mut right) = (0.0f64, 0.0f64);
    for p in &packets[12..40] {
        let n = decoder.decode(&p.data, &mut out).unwrap();
        for pair in out[..n].chunks(2) {
            left += f64::from(pair[0]).powi(2);
            right += f64::from(pair[1]).powi(2);
        }
    }
    assert!(
        left > 1000.0 * right.max(1.0),
        "left {left:.0} right {right:.0}"
    );
}

#[test]
fn ogg_pages_reach_the_target_at_every_checkpoint() {
    let mut config = ogg_config(RecordLayout::Mono, 8000, 16_000);
    config.checkpoint_interval = Duration::from_millis(200);
    let mut r = Recorder::new(Cursor::new(Vec::new()), config, Instant::ZERO).unwrap();
    for i in 0..100u64 {
        r.write(
            at(i * 20),
            0,
            &frame(8000, tone(8000, i as usize * 160, 160, 300.0)),
        )
        .unwrap();
        let packets = read_ogg(r.target().get_ref());
        let audio_ms = (packets.len() as u64 - 2) * 20;
        let behind = (i + 1) * 20 - audio_ms;
        assert!(behind <= 220, "{behind} ms of audio not yet on pages");
        if let Some(last) = packets.last().filter(|_| packets.len() > 2) {
            assert!(last.last_in_page && !last.eos);
            assert_eq!(last.granule, audio_ms * 48);
        }
    }
}

#[test]
fn ogg_size_limit_keeps_the_file_within_max_bytes() {
    for max in [1500u64, 4000, 20_000] {
        let mut config = ogg_config(RecordLayout::Mono, 16_000, 24_000);
        config.max_bytes = Some(max);
        let mut r = Recorder::new(Cursor::new(Vec::new()), config, Instant::ZERO).unwrap();
        let mut i = 0;
        while !r.is_stopped() && i < 1000 {
            let _ = r.write(at(i * 20), 0, &frame(16_000, tone(16_000, 0, 320, 700.0)));
            i += 1;
        }
        assert!(r.is_stopped(), "{max}: never stopped");
        let Some(RecordEvent::LimitReached { limit, summary }) = r.poll_event() else {
            panic!("no event");
        };
        assert_eq!(limit, RecordLimit::Size);
        let bytes = r.finish(at(i * 20)).unwrap().0.into_inner();
        assert_eq!(summary.bytes, bytes.len() as u64);
        assert!(
            bytes.len() as u64 <= max,
            "{} bytes over {max}",
            bytes.len()
        );
        assert!(
            bytes.len() as u64 + 300 > max,
            "{} bytes leave too much of {max}",
            bytes.len()
        );
        let packets = read_ogg(&bytes);
        let last = packets.last().unwrap();
        assert!(last.eos);
        assert_eq!(
            last.granule,
            312 + summary.duration.as_micros() as u64 * 48 / 1000
        );
    }
}
