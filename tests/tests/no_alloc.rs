//! The per-frame paths allocate nothing after construction: codecs, the media session and
//! the transcoder, each run for a warm-up and then counted over many frames.

use core::time::Duration;

use mediacore::{
    AudioFrame, Codec, CodecFormat, Instant, MediaSession, SessionConfig, Transcoder,
    VoiceSettings, new_decoder, new_encoder,
};
use mediacore_tests::alloc_count::{CountingAllocator, allocations};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn tone(rate: u32, len: usize) -> Vec<i16> {
    (0..len)
        .map(|i| ((i as f32 * 700.0 * std::f32::consts::TAU / rate as f32).sin() * 9000.0) as i16)
        .collect()
}

/// Runs `step` 5 times to warm up, then asserts 200 more calls allocate nothing.
fn assert_steady_state_allocates_nothing(what: &str, step: impl FnMut(usize)) {
    assert_steady_state_allocates_at_most(what, 0, step);
}

/// Runs `step` 5 times to warm up, then asserts 200 more calls allocate at most `limit`
/// times in all (not per call): for the packet store, whose slots get their payload room the
/// first time a deeper slot is used.
fn assert_steady_state_allocates_at_most(what: &str, limit: usize, mut step: impl FnMut(usize)) {
    for i in 0..5 {
        step(i);
    }
    let before = allocations();
    for i in 5..205 {
        step(i);
    }
    let made = allocations() - before;
    assert!(
        made <= limit,
        "{what} allocated {made} times in 200 frames; at most {limit} allowed"
    );
}

#[test]
fn codecs_encode_and_decode_without_allocating() {
    for &codec in Codec::ALL {
        for &rate in codec.sample_rates() {
            let frame = tone(rate, rate as usize / 50);
            let mut enc = new_encoder(codec, rate, 1).unwrap();
            // Every rate a codec lists encodes and decodes.
            let mut dec = new_decoder(codec, rate, 1).unwrap();
            let mut payload = vec![0u8; enc.max_payload_len(frame.len())];
            let mut pcm = vec![0i16; frame.len() * 2];
            assert_steady_state_allocates_nothing(&format!("{codec} at {rate} Hz"), |_| {
                let n = enc.encode(&frame, &mut payload).unwrap();
                dec.decode(&payload[..n], &mut pcm).unwrap();
            });
        }
    }
}

#[test]
fn a_media_session_runs_its_frame_loop_without_allocating() {
    for (codec, rate) in [
        (Codec::Pcmu, 8000),
        (Codec::G722, 16_000),
        (Codec::Opus, 8000),
    ] {
        let config = SessionConfig {
            // A dynamic payload type where the codec has no static one.
            payload_type: codec.static_payload_type().or(Some(111)),
            sample_rate: Some(rate),
            ..SessionConfig::new(codec)
        };
        let mut a = MediaSession::new(SessionConfig {
            seed: 1,
            ..config.clone()
        })
        .unwrap();
        let mut b = MediaSession::new(SessionConfig { seed: 2, ..config }).unwrap();
        let mic = AudioFrame::new(tone(rate, rate as usize / 50), rate, 1).unwrap();
        let mut wire = vec![0u8; 1500];
        assert_steady_state_allocates_nothing(&format!("MediaSession with {codec}"), |i| {
            let now = Instant::from_millis(20 * i as u64);
            a.push_capture(now, &mic).unwrap();
            while let Some(d) = a.poll_transmit(now) {
                wire[..d.len()].copy_from_slice(d);
                let len = d.len();
                b.handle_rtp(now, &wire[..len]).unwrap();
            }
            let _ = b.pull_playout(now);
            while b.poll_event().is_some() {}
            b.handle_timeout(now);
        });
    }
}

#[test]
fn a_media_session_runs_its_voice_pipelines_without_allocating() {
    // Every stage but echo cancellation (sonora's AEC3 allocates inside itself per frame),
    // both ways, on talk and on silence, so that comfort noise and talk events run too.
    let mut voice = VoiceSettings::default();
    for stages in [&mut voice.capture, &mut voice.playout] {
        stages.noise_suppression = true;
        stages.gain_control = true;
        stages.vad = true;
        stages.level_meter = true;
    }
    voice.capture.comfort_noise = true;
    voice.barge_in_on_speech = true;
    for (codec, rate) in [(Codec::Pcmu, 8000), (Codec::G722, 16_000)] {
        let config = SessionConfig {
            voice,
            ..SessionConfig::new(codec)
        };
        let mut a = MediaSession::new(SessionConfig {
            seed: 1,
            ..config.clone()
        })
        .unwrap();
        let mut b = MediaSession::new(SessionConfig { seed: 2, ..config }).unwrap();
        let talk = AudioFrame::new(tone(rate, rate as usize / 50), rate, 1).unwrap();
        let quiet = AudioFrame::silence(rate, 1, Duration::from_millis(20)).unwrap();
        let mut wire = vec![0u8; 1500];
        let mut voice_allocations = 0;
        // The receiver's packet store gives a slot its payload room the first time it is
        // used; the gaps of comfort noise reach a few slots late (see the store's test).
        assert_steady_state_allocates_at_most(&format!("voice with {codec}"), 4, |i| {
            let now = Instant::from_millis(20 * i as u64);
            // 600 ms of tone, then 600 ms of silence.
            let mic = if (i / 30) % 2 == 0 { &talk } else { &quiet };
            let before = allocations();
            a.push_capture(now, mic).unwrap();
            let _ = a.pull_playout(now);
            let _ = b.pull_playout(now);
            voice_allocations += allocations() - before;
            while let Some(d) = a.poll_transmit(now) {
                wire[..d.len()].copy_from_slice(d);
                let len = d.len();
                b.handle_rtp(now, &wire[..len]).unwrap();
            }
            while a.poll_event().is_some() || b.poll_event().is_some() {}
            b.handle_timeout(now);
        });
        assert_eq!(
            voice_allocations, 0,
            "the voice pipelines of {codec} allocated"
        );
        assert!(
            a.stats().packets_sent < 205,
            "comfort noise left frames out"
        );
    }
}

#[test]
fn a_transcoder_converts_without_allocating() {
    let mut t = Transcoder::new(
        CodecFormat::new(Codec::Pcmu),
        CodecFormat::new(Codec::G722),
        Duration::from_millis(20),
    )
    .unwrap();
    let mut enc = new_encoder(Codec::Pcmu, 8000, 1).unwrap();
    let pcm = tone(8000, 160);
    let mut payload = vec![0u8; 160];
    enc.encode(&pcm, &mut payload).unwrap();
    assert_steady_state_allocates_nothing("PCMU→G722 transcoder", |_| {
        t.push(&payload).unwrap();
        while t.poll_payload().is_some() {}
    });
}

#[test]
fn codecs_conceal_losses_without_allocating() {
    for codec in [
        Codec::Pcmu,
        Codec::Pcma,
        Codec::G722,
        Codec::L16,
        Codec::Opus,
    ] {
        for &rate in codec.sample_rates() {
            for channels in 1..=codec.max_channels() {
                let frame = rate as usize / 50;
                let mono = tone(rate, frame);
                let pcm: Vec<i16> = mono
                    .iter()
                    .flat_map(|&s| std::iter::repeat_n(s, usize::from(channels)))
                    .collect();
                let mut enc = new_encoder(codec, rate, channels).unwrap();
                let mut dec = new_decoder(codec, rate, channels).unwrap();
                let mut payload = vec![0u8; enc.max_payload_len(pcm.len())];
                let mut out = vec![0i16; pcm.len() * 2];
                let n = enc.encode(&pcm, &mut payload).unwrap();
                let what = format!("{codec} at {rate} Hz, {channels} channels, concealing");
                // Single losses, and runs of four (80 ms, past the fade to silence).
                assert_steady_state_allocates_nothing(&what, |i| {
                    if i % 3 == 1 || i % 16 >= 12 {
                        dec.conceal(frame, &mut out).unwrap();
                    } else {
                        dec.decode(&payload[..n], &mut out).unwrap();
                    }
                });
            }
        }
    }
}

#[test]
fn the_jitter_packet_store_inserts_and_drops_without_allocating() {
    use mediacore::jitter::{PacketStore, StoredPacket};
    let mut store = PacketStore::new(16, 160).unwrap();
    let payload = [0x55u8; 160];
    // Each of the 16 slots gets its payload room once, when first used; never again.
    assert_steady_state_allocates_at_most("PacketStore", 16, |i| {
        // Out of order, a duplicate, and the oldest dropped once the store is full.
        let ts = (i as u64 ^ 1) * 160;
        for t in [ts, ts] {
            let _ = store
                .insert(
                    StoredPacket {
                        timestamp: t,
                        sequence: t / 160,
                        marker: false,
                        arrival: Instant::from_micros(t * 125),
                        comfort_noise: false,
                        payload: &payload,
                    },
                    None,
                )
                .unwrap();
        }
        if i % 3 == 0 {
            store.pop_first();
        }
        store.discard_before(ts.saturating_sub(160 * 12));
    });
}

#[test]
fn time_stretching_accelerates_and_expands_without_allocating() {
    use mediacore::dsp::TimeStretch;
    for rate in [8000, 16_000, 48_000] {
        let mut ts = TimeStretch::new(rate).unwrap();
        // 40 ms of a tone (stretched by its period), of silence (by the longest period),
        // and too short to work on (copied).
        let inputs = [
            tone(rate, rate as usize / 25),
            vec![0; rate as usize / 25],
            tone(rate, ts.min_input() - 1),
        ];
        let mut out = vec![0i16; inputs[0].len() + ts.max_period()];
        assert_steady_state_allocates_nothing(&format!("TimeStretch at {rate} Hz"), |i| {
            let input = &inputs[i % inputs.len()];
            let a = ts.accelerate(input, &mut out).unwrap();
            let e = ts.expand(input, &mut out).unwrap();
            assert!(i % 3 == 2 || (a.removed > 0 && e.inserted > 0));
        });
    }
}

#[test]
fn a_media_session_with_rtcp_allocates_only_to_write_and_read_reports() {
    let mut a = MediaSession::new(SessionConfig {
        seed: 1,
        ..SessionConfig::new(Codec::Pcmu)
    })
    .unwrap();
    let mut b = MediaSession::new(SessionConfig {
        seed: 2,
        ..SessionConfig::new(Codec::Pcmu)
    })
    .unwrap();
    let mic = AudioFrame::new(tone(8000, 160), 8000, 1).unwrap();
    let mut wire = vec![0u8; 1500];
    let (mut rtcp_steps, mut quiet_steps) = (0, 0);
    // 20 s of 20 ms steps: several reports each way (the first due after 1 to 3 s).
    for i in 0..1000u64 {
        let now = Instant::from_millis(20 * i);
        let before = allocations();
        let mut rtcp = step(&mut a, &mut b, now, &mic, &mut wire);
        rtcp |= step(&mut b, &mut a, now, &mic, &mut wire);
        let allocated = allocations() - before;
        if rtcp {
            rtcp_steps += 1;
        } else if i >= 5 {
            quiet_steps += 1;
            assert_eq!(allocated, 0, "step {i} allocated without RTCP");
        }
    }
    assert!(rtcp_steps >= 6, "{rtcp_steps} steps carried RTCP");
    assert!(quiet_steps > 900);
}

/// One 20 ms step of `from` with what it sends handed to `to`; whether RTCP went across.
fn step(
    from: &mut MediaSession,
    to: &mut MediaSession,
    now: Instant,
    mic: &AudioFrame,
    wire: &mut [u8],
) -> bool {
    let mut rtcp = false;
    from.push_capture(now, mic).unwrap();
    from.handle_timeout(now);
    while let Some(d) = from.poll_transmit(now) {
        let len = d.len();
        wire[..len].copy_from_slice(d);
        to.handle_rtp(now, &wire[..len]).unwrap();
    }
    // Writing a compound (rtcp-types builders) and parsing one (owned packets) allocate;
    // they run every few seconds, not per frame.
    while let Some(d) = from.poll_rtcp(now) {
        let len = d.len();
        wire[..len].copy_from_slice(d);
        to.handle_rtcp(now, &wire[..len]).unwrap();
        rtcp = true;
    }
    let _ = from.pull_playout(now);
    while from.poll_event().is_some() {}
    let _ = from.rtcp_stats();
    let _ = from.poll_timeout();
    rtcp
}

#[test]
fn a_jitter_buffer_plays_reordered_lost_and_duplicated_packets_without_allocating() {
    use mediacore::jitter::{JitterBuffer, JitterConfig, PacketKind};
    use mediacore::rtp::{RtpHeader, RtpPacket};
    // 20 ms PCMU packets of a tone, built before counting: pairs swapped, every 16th lost
    // (concealed), every 8th sent twice and every 32nd held 60 ms.
    let mut enc = new_encoder(Codec::Pcmu, 8000, 1).unwrap();
    let mut arrivals: Vec<(u64, Vec<u8>)> = Vec::new();
    for i in 0..260u64 {
        let mut payload = [0u8; 160];
        enc.encode(&tone(8000, 160), &mut payload).unwrap();
        let header = RtpHeader {
            sequence_number: i as u16,
            timestamp: (i * 160) as u32,
            ssrc: 7,
            ..RtpHeader::default()
        };
        let mut datagram = vec![0u8; header.packet_len(160)];
        header.write(&payload, &mut datagram).unwrap();
        let send = i * 20_000 + if i % 2 == 0 { 21_000 } else { 0 };
        let held = if i % 32 == 31 { 60_000 } else { 0 };
        // The network's delay drops by 80 ms after 1 s: the buffer accelerates.
        let held = held + if i < 50 { 80_000 } else { 0 };
        if i % 16 != 9 {
            arrivals.push((send + held, datagram.clone()));
        }
        if i % 8 == 3 {
            arrivals.push((send + 1_000, datagram));
        }
    }
    arrivals.sort_by_key(|a| a.0);
    let decoder = new_decoder(Codec::Pcmu, 8000, 1).unwrap();
    let config = JitterConfig::default();
    let mut jb = JitterBuffer::new(config, decoder).unwrap();
    let mut out = [0i16; 160];
    let mut next = 0;
    // Only the store's slots allocate, each once when first used (packets all 160 bytes).
    assert_steady_state_allocates_at_most("JitterBuffer", config.capacity, |i| {
        let now = 20_000 * i as u64;
        while next < arrivals.len() && arrivals[next].0 <= now {
            let packet = RtpPacket::parse(&arrivals[next].1).unwrap();
            let at = Instant::from_micros(arrivals[next].0);
            jb.insert(at, &packet, PacketKind::Audio).unwrap();
            next += 1;
        }
        jb.pull(Instant::from_micros(now), &mut out);
    });
    let stats = jb.stats();
    assert!(stats.samples_decoded > 150 * 160, "{stats:?}");
    assert!(stats.samples_concealed > 0, "{stats:?}");
    assert!(stats.packets_duplicate > 0, "{stats:?}");
    assert!(
        stats.samples_accelerated + stats.samples_expanded > 0,
        "{stats:?}"
    );
}

#[test]
fn telephone_event_sender_and_receiver_allocate_nothing_per_packet() {
    use mediacore::dtmf::{
        ReceiverConfig, SenderConfig, TelephoneEventReceiver, TelephoneEventSender,
    };
    for rate in [8000u32, 48_000] {
        let config = SenderConfig {
            // Long enough to cross a 0xFFFF segment boundary at 48 kHz.
            digit_duration: Duration::from_millis(1500),
            ..SenderConfig::new(rate, Duration::from_millis(20))
        };
        let mut tx = TelephoneEventSender::new(config).unwrap();
        let mut rx = TelephoneEventReceiver::new(ReceiverConfig::new(rate)).unwrap();
        let step = rate / 50;
        let mut events = 0;
        let mut seq = 0u16;
        assert_steady_state_allocates_nothing(&format!("telephone-events at {rate} Hz"), |i| {
            let now = Instant::from_millis(20 * i as u64);
            if tx.queued() == 0 && !tx.is_active() {
                tx.queue("1*").unwrap();
            }
            while let Some(p) = tx.poll(step.wrapping_mul(i as u32)) {
                seq = seq.wrapping_add(1);
                rx.handle_packet(now, 7, seq, p.timestamp, p.marker, &p.payload)
                    .unwrap();
                // A duplicate, as the network may make.
                rx.handle_packet(now, 7, seq, p.timestamp, p.marker, &p.payload)
                    .unwrap();
            }
            rx.handle_timeout(now);
            while rx.poll_event().is_some() {
                events += 1;
            }
        });
        assert!(events >= 4, "{events} events at {rate} Hz");
        assert_eq!(rx.stats().events_dropped, 0);
    }
}

#[test]
fn tone_generators_and_the_digit_collector_allocate_nothing_per_call() {
    use mediacore::dtmf::{CollectConfig, Digit, DigitCollector, DigitSource};
    use mediacore::tones::{
        CallProgressTone, DtmfGenerator, DtmfOptions, ToneGenerator, TonePlan, ToneRegion,
    };
    for rate in [8000u32, 16_000, 48_000] {
        let mut frame = vec![0i16; rate as usize / 50];
        let plan = TonePlan::parse("!350+440/100,!0/100,425*15/130,0/70,480+620@-24/90").unwrap();
        let mut tones = ToneGenerator::new(plan, rate).unwrap();
        let mut ringback = ToneGenerator::new(
            TonePlan::call_progress(ToneRegion::Us, CallProgressTone::Ringback),
            rate,
        )
        .unwrap();
        let mut dtmf = DtmfGenerator::new(rate, DtmfOptions::default()).unwrap();
        assert_steady_state_allocates_nothing(&format!("tone generators at {rate} Hz"), |i| {
            tones.fill(&mut frame);
            ringback.fill(&mut frame);
            if dtmf.is_idle() {
                dtmf.push_str("123#").unwrap();
                dtmf.push(Digit::from_event_code((i % 16) as u8).unwrap())
                    .unwrap();
            }
            dtmf.fill(&mut frame);
        });
    }
    let mut collector = DigitCollector::new();
    let config = CollectConfig {
        max_digits: 8,
        ..CollectConfig::default()
    };
    assert_steady_state_allocates_nothing("DigitCollector", |i| {
        let now = Instant::from_millis(1000 * i as u64);
        if !collector.is_collecting() {
            collector.start(now, config).unwrap();
        }
        let digit = Digit::ALL[i % 16];
        collector.push_digit(now, digit, DigitSource::Rfc4733);
        collector.handle_timeout(now + Duration::from_millis(10));
        let _ = collector.poll_timeout();
        if let Some(result) = collector.poll_result() {
            assert!(result.digits.len() <= 8);
        }
        if i % 7 == 0 {
            collector.cancel(now);
        }
    });
}
