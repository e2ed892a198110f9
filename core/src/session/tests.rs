use super::*;
use crate::codec::g711::{linear_to_ulaw, ulaw_to_linear};
use crate::dtmf::CollectConfig;
use crate::dtmf::Digit;
use crate::rtp::RtpHeader;

fn ms(n: u64) -> Instant {
    Instant::from_millis(n)
}

fn pcmu_packet(seq: u16, ts: u32, ssrc: u32, samples: &[i16]) -> Vec<u8> {
    let payload: Vec<u8> = samples.iter().map(|&s| linear_to_ulaw(s)).collect();
    let header = RtpHeader {
        payload_type: 0,
        sequence_number: seq,
        timestamp: ts,
        ssrc,
        ..RtpHeader::default()
    };
    let mut buf = vec![0; header.packet_len(payload.len())];
    header.write(&payload, &mut buf).unwrap();
    buf
}

/// Two PCMU sessions without RTCP, seeds 1 and 2.
pub(super) fn pcmu_pair() -> (MediaSession, MediaSession) {
    let config = |seed| SessionConfig {
        seed,
        rtcp: None,
        ..SessionConfig::new(Codec::Pcmu)
    };
    (
        MediaSession::new(config(1)).unwrap(),
        MediaSession::new(config(2)).unwrap(),
    )
}

fn ramp(start: i16) -> Vec<i16> {
    (0..160).map(|i| (start + i) * 64).collect()
}

fn quantized(samples: &[i16]) -> Vec<i16> {
    samples
        .iter()
        .map(|&s| ulaw_to_linear(linear_to_ulaw(s)))
        .collect()
}

#[test]
fn capture_becomes_packets_that_another_session_plays_back() {
    let mut a = MediaSession::new(SessionConfig {
        seed: 1,
        ..SessionConfig::new(Codec::Pcma)
    })
    .unwrap();
    let mut b = MediaSession::new(SessionConfig {
        seed: 2,
        ..SessionConfig::new(Codec::Pcma)
    })
    .unwrap();
    let tone: Vec<i16> = (0..480)
        .map(|i| ((i as f32 * 0.3).sin() * 10_000.0) as i16)
        .collect();
    // 30 ms pushed: one 20 ms packet now, the rest waits for more audio.
    a.push_capture(
        ms(0),
        &AudioFrame::new(tone[..240].to_vec(), 8000, 1).unwrap(),
    )
    .unwrap();
    let first = a.poll_transmit(ms(0)).unwrap().to_vec();
    assert!(a.poll_transmit(ms(0)).is_none());
    let p = RtpPacket::parse(&first).unwrap();
    assert!(p.marker());
    assert_eq!(p.payload_type(), 8);
    assert_eq!(p.ssrc(), a.local_ssrc());
    assert_eq!(p.payload().len(), 160);
    a.push_capture(
        ms(30),
        &AudioFrame::new(tone[240..].to_vec(), 8000, 1).unwrap(),
    )
    .unwrap();
    let mut packets = vec![first];
    while let Some(d) = a.poll_transmit(ms(30)) {
        packets.push(d.to_vec());
    }
    assert_eq!(packets.len(), 3);
    for d in &packets {
        b.handle_rtp(ms(40), d).unwrap();
    }
    assert_eq!(
        b.poll_event(),
        Some(Event::RemoteSourceStarted {
            ssrc: a.local_ssrc()
        })
    );
    // The first packet has waited the jitter buffer's initial 50 ms target at 60 ms.
    assert!(b.pull_playout(ms(40)).samples().iter().all(|&x| x == 0));
    let mut heard = Vec::new();
    for i in 0..3 {
        heard.extend_from_slice(b.pull_playout(ms(60 + 20 * i)).samples());
    }
    let expected: Vec<i16> = tone
        .iter()
        .map(|&s| crate::codec::g711::alaw_to_linear(crate::codec::g711::linear_to_alaw(s)))
        .collect();
    assert_eq!(heard, expected);
}

#[test]
fn reordered_packets_play_in_order_and_duplicates_are_counted() {
    let mut s = MediaSession::new(SessionConfig::new(Codec::Pcmu)).unwrap();
    s.handle_rtp(ms(0), &pcmu_packet(65535, 4_294_967_000, 9, &ramp(0)))
        .unwrap();
    // Sequence 1 skips sequence 0 (lost) and wraps both counters.
    s.handle_rtp(
        ms(40),
        &pcmu_packet(1, 4_294_967_000u32.wrapping_add(320), 9, &ramp(1)),
    )
    .unwrap();
    s.handle_rtp(
        ms(41),
        &pcmu_packet(0, 4_294_967_000u32.wrapping_add(160), 9, &ramp(2)),
    )
    .unwrap();
    s.handle_rtp(
        ms(42),
        &pcmu_packet(1, 4_294_967_000u32.wrapping_add(320), 9, &ramp(1)),
    )
    .unwrap();
    let stats = s.stats();
    assert_eq!(stats.packets_received, 3);
    assert_eq!(stats.packets_late, 1, "the duplicate");
    assert_eq!(stats.packets_lost, 0, "sequence 0 came after all");
    assert_eq!(s.pull_playout(ms(60)).samples(), &quantized(&ramp(0))[..]);
    assert_eq!(s.pull_playout(ms(80)).samples(), &quantized(&ramp(2))[..]);
    assert_eq!(s.pull_playout(ms(100)).samples(), &quantized(&ramp(1))[..]);
    // A packet whose turn has passed is late; a gap is concealed, not silent.
    s.handle_rtp(
        ms(120),
        &pcmu_packet(3, 4_294_967_000u32.wrapping_add(640), 9, &ramp(3)),
    )
    .unwrap();
    let concealed = s.pull_playout(ms(120)).samples().to_vec();
    assert!(concealed.iter().any(|&x| x != 0));
    s.handle_rtp(
        ms(121),
        &pcmu_packet(2, 4_294_967_000u32.wrapping_add(480), 9, &ramp(2)),
    )
    .unwrap();
    assert_eq!(s.stats().packets_late, 2);
    assert_eq!(s.jitter_stats().samples_concealed, 160);
}

#[test]
fn bad_datagrams_are_errors_and_leave_the_session_usable() {
    let mut s = MediaSession::new(SessionConfig::new(Codec::Pcmu)).unwrap();
    assert!(matches!(
        s.handle_rtp(ms(0), &[0x80, 0]),
        Err(Error::Rtp(RtpError::Truncated { .. }))
    ));
    let mut wrong_pt = pcmu_packet(1, 0, 5, &ramp(0));
    wrong_pt[1] = 8;
    let err = s.handle_rtp(ms(0), &wrong_pt).unwrap_err();
    assert_eq!(
        err.to_string(),
        "RTP payload type 8 is not negotiated; expected 0"
    );
    let huge = pcmu_packet(1, 0, 5, &vec![0; 2000]);
    assert!(matches!(
        s.handle_rtp(ms(0), &huge),
        Err(Error::Rtp(RtpError::PayloadTooLarge { .. }))
    ));
    assert_eq!(s.stats().packets_rejected, 3);
    assert!(s.poll_event().is_none());
    s.handle_rtp(ms(0), &pcmu_packet(2, 0, 5, &ramp(0)))
        .unwrap();
    assert_eq!(s.stats().packets_received, 1);
}

#[test]
fn wrong_capture_shapes_are_rejected() {
    let mut s = MediaSession::new(SessionConfig::new(Codec::Pcmu)).unwrap();
    let err = s
        .push_capture(ms(0), &AudioFrame::new(vec![0; 320], 16_000, 1).unwrap())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "audio at 16000 Hz was given where 8000 Hz is expected"
    );
    assert!(
        s.push_capture(ms(0), &AudioFrame::new(vec![0; 320], 8000, 2).unwrap())
            .is_err()
    );
    assert!(s.poll_transmit(ms(0)).is_none());
}

#[test]
fn invalid_configurations_are_rejected() {
    for ptime in [0, 5, 25, 130] {
        let cfg = SessionConfig {
            ptime: Duration::from_millis(ptime),
            ..SessionConfig::new(Codec::Pcmu)
        };
        assert!(MediaSession::new(cfg).is_err(), "ptime {ptime}");
    }
    let cfg = SessionConfig {
        payload_type: Some(200),
        ..SessionConfig::new(Codec::Pcmu)
    };
    assert!(MediaSession::new(cfg).is_err());
    let cfg = SessionConfig {
        payload_type: Some(100),
        ptime: Duration::from_millis(30),
        ..SessionConfig::new(Codec::Pcmu)
    };
    let s = MediaSession::new(cfg).unwrap();
    assert_eq!(s.payload_type(), 100);
    assert_eq!(s.frame_samples(), 240);
    // Telephone-events need a payload type of their own.
    let err = MediaSession::new(SessionConfig {
        payload_type: Some(101),
        ..SessionConfig::new(Codec::Pcmu)
    })
    .unwrap_err();
    assert!(
        err.to_string().contains("telephone_event_payload_type 101"),
        "{err}"
    );
    let cfg = SessionConfig {
        payload_type: Some(101),
        telephone_event_payload_type: Some(102),
        ..SessionConfig::new(Codec::Pcmu)
    };
    assert!(MediaSession::new(cfg).is_ok());
}

#[test]
fn ssrc_change_timeout_and_resume_are_events() {
    let mut s = MediaSession::new(SessionConfig {
        rtp_timeout: Some(Duration::from_secs(2)),
        // Without RTCP, whose timer would also set the deadline.
        rtcp: None,
        ..SessionConfig::new(Codec::Pcmu)
    })
    .unwrap();
    assert_eq!(s.poll_timeout(), None);
    s.handle_rtp(ms(0), &pcmu_packet(10, 1000, 1, &ramp(0)))
        .unwrap();
    s.handle_rtp(ms(20), &pcmu_packet(500, 77, 2, &ramp(0)))
        .unwrap();
    assert_eq!(s.poll_event(), Some(Event::RemoteSourceStarted { ssrc: 1 }));
    assert_eq!(
        s.poll_event(),
        Some(Event::RemoteSourceChanged { old: 1, new: 2 })
    );
    assert_eq!(
        s.stats().packets_received,
        2,
        "the new source is not judged by the old one's numbers"
    );
    assert_eq!(s.poll_timeout(), Some(ms(2020)));
    s.handle_timeout(ms(2019));
    assert!(s.poll_event().is_none());
    s.handle_timeout(ms(2500));
    assert_eq!(
        s.poll_event(),
        Some(Event::RtpTimeout {
            silent_for: Duration::from_millis(2480)
        })
    );
    s.handle_timeout(ms(3000));
    assert!(s.poll_event().is_none(), "the timeout is reported once");
    s.handle_rtp(ms(3000), &pcmu_packet(501, 237, 2, &ramp(0)))
        .unwrap();
    assert_eq!(s.poll_event(), Some(Event::RtpResumed));
}

#[test]
fn same_seed_same_packets() {
    let run = |seed| {
        let mut s = MediaSession::new(SessionConfig {
            seed,
            ..SessionConfig::new(Codec::Pcmu)
        })
        .unwrap();
        s.push_capture(ms(0), &AudioFrame::new(ramp(3), 8000, 1).unwrap())
            .unwrap();
        s.poll_transmit(ms(0)).unwrap().to_vec()
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_datagrams_never_panic_and_valid_audio_still_plays(
            junk in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..20)
        ) {
            let mut s = MediaSession::new(SessionConfig::new(Codec::Pcmu)).unwrap();
            for (i, d) in junk.iter().enumerate() {
                let _ = s.handle_rtp(ms(i as u64), d);
                prop_assert_eq!(s.pull_playout(ms(i as u64)).samples().len(), 160);
            }
            // A fresh source after the junk is heard in full.
            s.reset_playout();
            let before = s.stats().packets_received;
            s.handle_rtp(ms(1000), &pcmu_packet(100, 0, 0xABCD, &ramp(0))).unwrap();
            s.handle_rtp(ms(1020), &pcmu_packet(101, 160, 0xABCD, &ramp(1))).unwrap();
            prop_assert_eq!(s.stats().packets_received, before + 2);
            // After the jitter buffer's initial 50 ms.
            prop_assert_eq!(s.pull_playout(ms(1060)).samples(), &quantized(&ramp(0))[..]);
        }
    }
}

#[test]
fn g722_runs_16_khz_audio_on_an_8_khz_rtp_clock() {
    // RFC 3551 §4.5.2: G.722 samples at 16 kHz but its RTP clock runs at 8 kHz.
    let mut a = MediaSession::new(SessionConfig {
        seed: 3,
        ..SessionConfig::new(Codec::G722)
    })
    .unwrap();
    let mut b = MediaSession::new(SessionConfig {
        seed: 4,
        ..SessionConfig::new(Codec::G722)
    })
    .unwrap();
    assert_eq!(a.sample_rate(), 16_000);
    assert_eq!(a.frame_samples(), 320);
    assert_eq!(a.payload_type(), 9);
    let tone: Vec<i16> = (0..3200)
        .map(|i| ((i as f32 * 0.11).sin() * 9000.0) as i16)
        .collect();
    a.push_capture(ms(0), &AudioFrame::new(tone.clone(), 16_000, 1).unwrap())
        .unwrap();
    let mut stamps = Vec::new();
    let mut packets = Vec::new();
    while let Some(d) = a.poll_transmit(ms(0)) {
        let p = RtpPacket::parse(d).unwrap();
        assert_eq!(p.payload().len(), 160, "64 kbit/s for 20 ms");
        stamps.push(p.timestamp());
        packets.push(d.to_vec());
    }
    assert_eq!(stamps.len(), 10);
    assert!(stamps.windows(2).all(|w| w[1].wrapping_sub(w[0]) == 160));
    // Delivered in real time; playout starts once the jitter buffer's delay has passed.
    let mut heard = Vec::new();
    for i in 0..20u64 {
        if let Some(d) = packets.get(i as usize) {
            b.handle_rtp(ms(20 * i), d).unwrap();
        }
        let frame = b.pull_playout(ms(20 * i)).samples().to_vec();
        if b.playout_delay().is_some() && heard.len() < 3200 {
            heard.extend_from_slice(&frame);
        }
    }
    assert_eq!(b.stats().packets_lost, 0);
    // Exactly what a standalone encoder and decoder make of the same audio.
    let mut enc = crate::codec::new_encoder(Codec::G722, 16_000, 1).unwrap();
    let mut dec = crate::codec::new_decoder(Codec::G722, 16_000, 1).unwrap();
    let mut bytes = vec![0u8; 1600];
    let n = enc.encode(&tone, &mut bytes).unwrap();
    let mut direct = vec![0i16; 3200];
    dec.decode(&bytes[..n], &mut direct).unwrap();
    assert_eq!(heard, direct);
}

#[test]
fn opus_packets_last_one_ptime_on_a_48_khz_clock_at_any_audio_rate() {
    for (rate, ptime) in [(48_000u32, 20u64), (16_000, 40), (8000, 60), (12_000, 10)] {
        let config = SessionConfig {
            payload_type: Some(111),
            sample_rate: Some(rate),
            ptime: Duration::from_millis(ptime),
            opus: OpusConfig {
                bitrate: 16_000,
                ..OpusConfig::default()
            },
            ..SessionConfig::new(Codec::Opus)
        };
        let mut a = MediaSession::new(SessionConfig {
            seed: 5,
            ..config.clone()
        })
        .unwrap();
        let mut b = MediaSession::new(SessionConfig { seed: 6, ..config }).unwrap();
        assert_eq!(a.frame_samples(), rate as usize / 1000 * ptime as usize);
        let frames = 6;
        let tone: Vec<i16> = (0..a.frame_samples() * frames)
            .map(|i| ((i as f32 * 2400.0 / rate as f32).sin() * 9000.0) as i16)
            .collect();
        a.push_capture(ms(0), &AudioFrame::new(tone, rate, 1).unwrap())
            .unwrap();
        let mut stamps = Vec::new();
        while let Some(d) = a.poll_transmit(ms(0)) {
            let p = RtpPacket::parse(d).unwrap();
            // CBR: bitrate * ptime / 8 bytes.
            assert_eq!(
                p.payload().len(),
                2 * ptime as usize,
                "{rate} Hz {ptime} ms"
            );
            let samples = crate::codec::opus::packet_samples(p.payload(), 48_000).unwrap();
            assert_eq!(samples, 48 * ptime as usize);
            stamps.push(p.timestamp());
            let d = d.to_vec();
            b.handle_rtp(ms(0), &d).unwrap();
        }
        assert_eq!(stamps.len(), frames);
        assert!(
            stamps
                .windows(2)
                .all(|w| w[1].wrapping_sub(w[0]) == 48 * ptime as u32)
        );
        let mut heard = Vec::new();
        let frame_samples = b.frame_samples();
        for i in 0..frames as u64 {
            let frame = b.pull_playout(ms(ptime * i));
            assert_eq!(frame.samples().len(), frame_samples);
            heard.extend_from_slice(frame.samples());
        }
        let energy: f64 = heard.iter().map(|&x| f64::from(x).powi(2)).sum();
        let rms = (energy / heard.len() as f64).sqrt();
        // A 9000-peak tone (RMS 6364) comes through; the start is the codec's delay.
        assert!(rms > 3000.0, "{rate} Hz {ptime} ms: rms {rms}");
        assert_eq!(b.stats().packets_received, frames as u64);
    }
}

#[test]
fn opus_refuses_packet_times_it_cannot_frame() {
    for ptime in [30, 50, 80, 120] {
        let err = MediaSession::new(SessionConfig {
            payload_type: Some(111),
            ptime: Duration::from_millis(ptime),
            ..SessionConfig::new(Codec::Opus)
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "invalid argument: opus cannot send {ptime} ms packets; its ptime must be 10, 20, 40 or 60 ms"
            )
        );
    }
    // The Opus settings are checked too, naming the parameter.
    let err = MediaSession::new(SessionConfig {
        payload_type: Some(111),
        opus: OpusConfig {
            complexity: 11,
            ..OpusConfig::default()
        },
        ..SessionConfig::new(Codec::Opus)
    })
    .unwrap_err();
    assert!(err.to_string().contains("complexity 11"), "{err}");
}

#[test]
fn stats_fields_name_every_counter_once() {
    let stats = SessionStats {
        packets_received: 1,
        bytes_received: 2,
        packets_rejected: 3,
        packets_late: 4,
        packets_lost: 5,
        packets_sent: 6,
        bytes_sent: 7,
        packets_send_dropped: 8,
        playout_underruns: 9,
        playout_samples_dropped: 10,
        events_dropped: 11,
    };
    let fields = stats.fields();
    let values: Vec<u64> = fields.iter().map(|&(_, v)| v).collect();
    assert_eq!(values, (1..=11).collect::<Vec<u64>>());
    let mut names: Vec<&str> = fields.iter().map(|&(n, _)| n).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 11);
    // The struct literal above fails to compile when a counter is added, which is the
    // reminder to add it to `fields()` too.
}

#[test]
fn quality_events_follow_loss_and_delay() {
    let mut s = MediaSession::new(SessionConfig {
        rtcp: None,
        ..SessionConfig::new(Codec::Pcmu)
    })
    .unwrap();
    let mut reports = Vec::new();
    // 12 s of 20 ms packets: clean for the first 5 s, then every tenth lost.
    for i in 0..600u16 {
        let now = ms(u64::from(i) * 20);
        if i < 250 || i % 10 != 0 {
            s.handle_rtp(now, &pcmu_packet(i, u32::from(i) * 160, 5, &ramp(0)))
                .unwrap();
        }
        let _ = s.pull_playout(now);
        while let Some(event) = s.poll_event() {
            if let Event::Quality(q) = event {
                reports.push(q);
            }
        }
    }
    assert_eq!(reports.len(), 2, "{reports:?}");
    let (clean, lossy) = (reports[0], reports[1]);
    assert_eq!(clean.packet_loss_percent, 0.0);
    assert!(clean.r > 90.0 && clean.mos > 4.3, "{clean:?}");
    assert!((lossy.packet_loss_percent - 10.0).abs() < 1.0, "{lossy:?}");
    // G.711 with concealment at 10% random loss: Ie,eff = 95 * 10 / (10 + 25.1) = 27.
    assert!(
        lossy.r < clean.r - 20.0 && lossy.r > clean.r - 35.0,
        "{lossy:?}"
    );
    assert!(lossy.one_way_delay >= Duration::from_millis(20) + lossy.jitter_buffer_delay);
    assert_eq!(s.quality(), Some(lossy));
    assert_eq!(Event::Quality(lossy).name(), "quality");
}

#[test]
fn comfort_noise_packets_play_noise_for_the_senders_silence() {
    let mut s = MediaSession::new(SessionConfig::new(Codec::Pcmu)).unwrap();
    for i in 0..10u16 {
        s.handle_rtp(
            ms(u64::from(i) * 20),
            &pcmu_packet(i, u32::from(i) * 160, 5, &ramp(0)),
        )
        .unwrap();
        let _ = s.pull_playout(ms(u64::from(i) * 20));
    }
    // A SID at -50 dBov (RFC 3389, payload type 13), then 1 s without packets.
    let header = RtpHeader {
        payload_type: 13,
        sequence_number: 10,
        timestamp: 1600,
        ssrc: 5,
        ..RtpHeader::default()
    };
    let mut sid = [0u8; 13];
    header.write(&[50], &mut sid).unwrap();
    s.handle_rtp(ms(200), &sid).unwrap();
    for i in 10..60u64 {
        let _ = s.pull_playout(ms(i * 20));
    }
    let stats = s.jitter_stats();
    assert!(stats.samples_comfort_noise > 40 * 160, "{stats:?}");
    assert_eq!(stats.samples_concealed, 0, "{stats:?}");
    assert_eq!(s.stats().packets_received, 11);
    // Another unknown payload type is still refused.
    let mut other = sid;
    other[1] = 14;
    assert!(s.handle_rtp(ms(1300), &other).is_err());
}

/// Fuzz reproducer (session_rtp, 2026-11-21): the first 20 ms Opus frame of a sawtooth makes
/// opus-rs 0.1.40's AVX2 `xcorr_kernel_avx2` (via `silk_pitch_xcorr` in the SILK encoder's
/// Burg analysis) load 16 bytes where 14 remain. The read past the end shows only under
/// AddressSanitizer (`cargo +nightly fuzz run session_rtp`, or this test built with
/// `-Zsanitizer=address`) on a CPU with AVX2; without it the test passes.
#[test]
fn opus_encodes_a_sawtooth_frame_from_the_session_fuzzer() {
    let mut session = MediaSession::new(SessionConfig {
        payload_type: Some(111),
        ..SessionConfig::new(Codec::Opus)
    })
    .unwrap();
    let mut counter = 0u16;
    let saw: Vec<i16> = (0..session.frame_samples())
        .map(|_| {
            counter = counter.wrapping_add(997);
            counter as i16 / 4
        })
        .collect();
    let rate = session.sample_rate();
    session
        .push_capture(ms(0), &AudioFrame::new(saw, rate, 1).unwrap())
        .unwrap();
    assert!(session.poll_transmit(ms(0)).is_some());
}

/// Runs `a` → `b` for `frames` 20 ms frames of a quiet tone, delivering each datagram at once;
/// returns `b`'s events.
fn talk(a: &mut MediaSession, b: &mut MediaSession, from: u64, frames: u64) -> Vec<Event> {
    let rate = a.sample_rate();
    let tone: Vec<i16> = (0..a.frame_samples())
        .map(|i| ((i as f32 * 0.3).sin() * 500.0) as i16)
        .collect();
    let mut events = Vec::new();
    for i in from..from + frames {
        let now = ms(i * 20);
        a.push_capture(now, &AudioFrame::new(tone.clone(), rate, 1).unwrap())
            .unwrap();
        while let Some(d) = a.poll_transmit(now) {
            let d = d.to_vec();
            b.handle_rtp(now, &d).unwrap();
        }
        let _ = b.pull_playout(now);
        b.handle_timeout(now);
        while let Some(e) = b.poll_event() {
            events.push(e);
        }
    }
    events
}

#[test]
fn dtmf_goes_out_as_telephone_events_and_comes_back_as_digits_on_any_clock() {
    for codec in [Codec::Pcmu, Codec::G722, Codec::Opus] {
        let config = |seed| SessionConfig {
            seed,
            payload_type: Some(111).filter(|_| codec == Codec::Opus),
            rtcp: None,
            ..SessionConfig::new(codec)
        };
        let mut a = MediaSession::new(config(1)).unwrap();
        let mut b = MediaSession::new(config(2)).unwrap();
        talk(&mut a, &mut b, 0, 10);
        a.send_dtmf("19#").unwrap();
        assert!(a.is_sending_dtmf());
        let events = talk(&mut a, &mut b, 10, 60);
        assert!(!a.is_sending_dtmf());
        let digits: Vec<(Digit, u64, DigitSource)> = events
            .iter()
            .filter_map(|e| match e {
                Event::Dtmf {
                    digit,
                    duration_ms,
                    source,
                } => Some((*digit, *duration_ms, *source)),
                _ => None,
            })
            .collect();
        let expected: Vec<_> = "19#"
            .chars()
            .map(|c| (Digit::from_char(c).unwrap(), 100, DigitSource::Rfc4733))
            .collect();
        assert_eq!(digits, expected, "{codec}");
        let started = events
            .iter()
            .filter(|e| matches!(e, Event::DtmfStarted { .. }))
            .count();
        assert_eq!(started, 3, "{codec}");
        // No concealment over the event's gap in the audio.
        assert_eq!(
            b.jitter_stats().samples_concealed,
            0,
            "{codec}: {:?}",
            b.jitter_stats()
        );
        assert!(a.send_dtmf("12x").is_err());
    }
}

#[test]
fn digits_are_collected_from_every_source_with_a_terminator() {
    let mut a = MediaSession::new(SessionConfig {
        seed: 1,
        ..SessionConfig::new(Codec::Pcmu)
    })
    .unwrap();
    let mut b = MediaSession::new(SessionConfig {
        seed: 2,
        detect_inband_dtmf: true,
        ..SessionConfig::new(Codec::Pcmu)
    })
    .unwrap();
    b.collect_digits(ms(0), CollectConfig::default()).unwrap();
    a.send_dtmf("4").unwrap();
    talk(&mut a, &mut b, 0, 20);
    b.push_signalled_digit(ms(400), Digit::D2);
    // An in-band digit: the sender's audio itself carries the tones.
    let tone =
        crate::tones::generate_dtmf("7", 8000, &crate::tones::DtmfOptions::default()).unwrap();
    let mut events = Vec::new();
    for (i, chunk) in tone.chunks(160).enumerate() {
        let now = ms(420 + 20 * i as u64);
        let mut frame = chunk.to_vec();
        frame.resize(160, 0);
        a.push_capture(now, &AudioFrame::new(frame, 8000, 1).unwrap())
            .unwrap();
        while let Some(d) = a.poll_transmit(now) {
            let d = d.to_vec();
            b.handle_rtp(now, &d).unwrap();
        }
        let _ = b.pull_playout(now);
        while let Some(e) = b.poll_event() {
            events.push(e);
        }
    }
    events.extend(talk(&mut a, &mut b, 40, 10));
    b.push_signalled_digit(ms(1000), Digit::Hash);
    while let Some(e) = b.poll_event() {
        events.push(e);
    }
    let collected = events
        .iter()
        .find_map(|e| match e {
            Event::DigitsCollected(c) => Some(*c),
            _ => None,
        })
        .expect("a collection result");
    assert_eq!(collected.digits.to_string(), "427");
    assert_eq!(collected.reason, crate::dtmf::CollectReason::Terminator);
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Dtmf {
            digit: Digit::D7,
            source: DigitSource::InBand,
            ..
        }
    )));
}

#[test]
fn dtmf_duration_gap_and_volume_come_from_the_session_config() {
    let dtmf = DtmfSendConfig {
        duration: Duration::from_millis(160),
        gap: Duration::from_millis(60),
        volume: 20,
    };
    for codec in [Codec::Pcmu, Codec::Opus] {
        let config = |seed| SessionConfig {
            seed,
            payload_type: Some(111).filter(|_| codec == Codec::Opus),
            rtcp: None,
            dtmf,
            ..SessionConfig::new(codec)
        };
        let mut a = MediaSession::new(config(1)).unwrap();
        let mut b = MediaSession::new(config(2)).unwrap();
        a.send_dtmf("5*").unwrap();
        let rate = a.sample_rate();
        let quiet = vec![0i16; a.frame_samples()];
        let (mut events, mut volumes, mut starts) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..40 {
            let now = ms(i * 20);
            a.push_capture(now, &AudioFrame::new(quiet.clone(), rate, 1).unwrap())
                .unwrap();
            while let Some(d) = a.poll_transmit(now) {
                let d = d.to_vec();
                let p = RtpPacket::parse(&d).unwrap();
                if p.payload_type() == DEFAULT_TELEPHONE_EVENT_PT {
                    volumes.push(p.payload()[1] & 0x3F);
                    if p.marker() {
                        starts.push(i * 20);
                    }
                }
                b.handle_rtp(now, &d).unwrap();
            }
            let _ = b.pull_playout(now);
            b.handle_timeout(now);
            while let Some(e) = b.poll_event() {
                events.push(e);
            }
        }
        let digits: Vec<(Digit, u64)> = events
            .iter()
            .filter_map(|e| match e {
                Event::Dtmf {
                    digit,
                    duration_ms,
                    source: DigitSource::Rfc4733,
                } => Some((*digit, *duration_ms)),
                _ => None,
            })
            .collect();
        assert_eq!(digits, [(Digit::D5, 160), (Digit::Star, 160)], "{codec}");
        assert!(
            !volumes.is_empty() && volumes.iter().all(|&v| v == 20),
            "{codec}"
        );
        // The second digit starts one duration plus one gap after the first.
        assert_eq!(starts.len(), 2, "{codec}");
        assert_eq!(starts[1] - starts[0], 160 + 60, "{codec}");
    }
    let default = DtmfSendConfig::default();
    assert_eq!(
        (default.duration, default.gap, default.volume),
        (Duration::from_millis(100), Duration::from_millis(100), 10)
    );
    for (bad, field) in [
        (
            DtmfSendConfig {
                duration: Duration::ZERO,
                ..default
            },
            "dtmf.duration",
        ),
        (
            DtmfSendConfig {
                duration: Duration::from_secs(601),
                ..default
            },
            "dtmf.duration",
        ),
        (
            DtmfSendConfig {
                gap: Duration::from_secs(61),
                ..default
            },
            "dtmf.gap",
        ),
        (
            DtmfSendConfig {
                volume: 64,
                ..default
            },
            "dtmf.volume",
        ),
    ] {
        let err = MediaSession::new(SessionConfig {
            dtmf: bad,
            ..SessionConfig::new(Codec::Pcmu)
        })
        .unwrap_err();
        assert!(err.to_string().contains(field), "{field}: {err}");
    }
}

#[test]
fn a_frame_encoded_elsewhere_is_sent_as_the_sessions_own() {
    let (mut a, mut b) = pcmu_pair();
    let mut shared = codec::new_encoder(Codec::Pcmu, 8000, 1).unwrap();
    let mut payload = vec![0u8; 160];
    let mut last_ts = None;
    for i in 0..10u64 {
        let now = ms(i * 20);
        let n = shared.encode(&ramp(i as i16), &mut payload).unwrap();
        a.send_encoded(now, &payload[..n]).unwrap();
        let datagram = a.poll_transmit(now).unwrap().to_vec();
        let packet = RtpPacket::parse(&datagram).unwrap();
        assert_eq!(packet.marker(), i == 0);
        if let Some(last) = last_ts {
            assert_eq!(packet.timestamp().wrapping_sub(last), 160);
        }
        last_ts = Some(packet.timestamp());
        assert_eq!(packet.payload(), &payload[..n]);
        b.handle_rtp(now, &datagram).unwrap();
    }
    assert_eq!(a.stats().packets_sent, 10);
    assert_eq!(b.stats().packets_received, 10);
    let e = a
        .send_encoded(ms(200), &[0u8; 161])
        .unwrap_err()
        .to_string();
    assert!(e.contains("161 bytes"), "{e}");
    assert!(a.send_encoded(ms(200), &[]).is_err());
    assert_eq!(a.stats().packets_sent, 10, "a refused frame sends nothing");
}

#[test]
fn a_skipped_frame_moves_the_rtp_clock_and_lets_dtmf_out() {
    let (mut a, _) = pcmu_pair();
    let payload = [0xffu8; 160];
    a.send_encoded(ms(0), &payload).unwrap();
    let first = RtpPacket::parse(a.poll_transmit(ms(0)).unwrap()).unwrap();
    let (seq, ts) = (first.sequence_number(), first.timestamp());
    a.skip_frame(ms(20)).unwrap();
    assert!(
        a.poll_transmit(ms(20)).is_none(),
        "a skipped frame sends nothing"
    );
    a.send_encoded(ms(40), &payload).unwrap();
    let next = RtpPacket::parse(a.poll_transmit(ms(40)).unwrap()).unwrap();
    assert_eq!(next.sequence_number(), seq.wrapping_add(1));
    assert_eq!(
        next.timestamp().wrapping_sub(ts),
        320,
        "the gap shows in the timestamps"
    );
    a.send_dtmf("5").unwrap();
    a.skip_frame(ms(60)).unwrap();
    let event = RtpPacket::parse(a.poll_transmit(ms(60)).unwrap()).unwrap();
    assert_eq!(
        event.payload_type(),
        101,
        "the digit goes out in the skipped frame"
    );
    assert_eq!(event.payload()[0], 5);
}
