use super::*;
use crate::codec::g711::ulaw_to_linear;
use crate::playback::{InterruptReason, PlayOptions, PlaybackEvent, Prompt};
use crate::rng::SeededRng;
use crate::voice::level::{mean_power, power_dbov};

const FRAME: usize = 160;

/// A voiced, speech-like signal at `rate`: a 100-180 Hz buzz gliding in pitch, shaped by two
/// moving formant peaks, in syllables of about 170 ms with 50 ms gaps. earshot hears it as
/// speech from its first syllable.
pub(super) fn speechlike(rate: u32, ms: usize, amplitude: f64) -> Vec<i16> {
    let r = f64::from(rate);
    let tau = std::f64::consts::TAU;
    let mut phase = 0.0f64;
    (0..rate as usize * ms / 1000)
        .map(|i| {
            let t = i as f64 / r;
            let f0 = 140.0 + 40.0 * (t * tau * 1.3).sin();
            phase += f0 / r;
            let syllable = (t * 4.5).fract();
            let envelope = if syllable < 0.75 {
                (syllable / 0.75 * std::f64::consts::PI).sin()
            } else {
                0.0
            };
            let f1 = 700.0 + 200.0 * (t * tau * 2.1).sin();
            let f2 = 1600.0 + 400.0 * (t * tau * 1.7).cos();
            let voice: f64 = (1..30)
                .map(|h| {
                    let f = f0 * f64::from(h);
                    if f > r / 2.0 {
                        return 0.0;
                    }
                    let gain = 1.0 / (1.0 + ((f - f1) / 150.0).powi(2))
                        + 0.6 / (1.0 + ((f - f2) / 200.0).powi(2))
                        + 0.05;
                    gain * (phase * tau * f64::from(h)).sin()
                })
                .sum();
            (voice * amplitude * envelope) as i16
        })
        .collect()
}

/// White noise of RMS `rms` (sample units).
fn noise(len: usize, rms: f64, seed: u64) -> Vec<i16> {
    let mut rng = SeededRng::new(seed);
    (0..len)
        .map(|_| ((f64::from(rng.next_u32()) / 2_147_483_648.0 - 1.0) * rms * 3f64.sqrt()) as i16)
        .collect()
}

fn dbov(x: &[i16]) -> f64 {
    power_dbov(mean_power(x))
}

/// A PCMU session (8 kHz, 20 ms) with `voice`, no RTCP, no quality events.
fn session(seed: u64, voice: impl FnOnce(&mut VoiceSettings)) -> MediaSession {
    let mut settings = VoiceSettings::default();
    voice(&mut settings);
    MediaSession::new(SessionConfig {
        seed,
        rtcp: None,
        quality_interval: None,
        voice: settings,
        ..SessionConfig::new(Codec::Pcmu)
    })
    .unwrap()
}

/// One packet a session sent.
#[derive(Debug)]
struct Sent {
    payload_type: u8,
    marker: bool,
    timestamp: u32,
    payload: Vec<u8>,
}

impl Sent {
    fn audio(&self) -> Vec<i16> {
        self.payload.iter().map(|&b| ulaw_to_linear(b)).collect()
    }

    /// The packet again, as sequence number `sequence` of source `ssrc`.
    fn datagram(&self, sequence: u16, ssrc: u32) -> Vec<u8> {
        let header = crate::rtp::RtpHeader {
            payload_type: self.payload_type,
            marker: self.marker,
            timestamp: self.timestamp,
            sequence_number: sequence,
            ssrc,
            ..crate::rtp::RtpHeader::default()
        };
        let mut buf = vec![0; header.packet_len(self.payload.len())];
        header.write(&self.payload, &mut buf).unwrap();
        buf
    }
}

fn drain(s: &mut MediaSession, now: Instant) -> Vec<Sent> {
    std::iter::from_fn(|| {
        s.poll_transmit(now).map(|d| {
            let p = RtpPacket::parse(d).unwrap();
            Sent {
                payload_type: p.payload_type(),
                marker: p.marker(),
                timestamp: p.timestamp(),
                payload: p.payload().to_vec(),
            }
        })
    })
    .collect()
}

/// Pushes `pcm` in 20 ms frames from `from_ms`; returns what was sent.
fn capture(s: &mut MediaSession, from_ms: u64, pcm: &[i16]) -> Vec<Sent> {
    let mut sent = Vec::new();
    for (i, frame) in pcm.chunks_exact(FRAME).enumerate() {
        let now = Instant::from_millis(from_ms + 20 * i as u64);
        s.push_capture(now, &AudioFrame::new(frame.to_vec(), 8000, 1).unwrap())
            .unwrap();
        sent.extend(drain(s, now));
    }
    sent
}

/// The audio of the packets sent, in order.
fn audio(sent: &[Sent]) -> Vec<i16> {
    sent.iter()
        .filter(|p| p.payload_type == 0)
        .flat_map(Sent::audio)
        .collect()
}

fn events(s: &mut MediaSession) -> Vec<Event> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn talk(events: &[Event]) -> Vec<Event> {
    events
        .iter()
        .filter(|e| matches!(e, Event::TalkStarted { .. } | Event::TalkStopped { .. }))
        .cloned()
        .collect()
}

#[test]
fn voice_is_off_by_default_and_a_meter_alone_leaves_the_audio_as_it_was() {
    assert_eq!(
        SessionConfig::new(Codec::Pcmu).voice,
        VoiceSettings::default()
    );
    let mut plain = session(1, |_| {});
    assert!(plain.voice.is_none(), "no voice state without a stage on");
    assert!(!VoiceStage::ALL.iter().any(|&stage| {
        plain.voice_stage(VoiceDirection::Capture, stage)
            || plain.voice_stage(VoiceDirection::Playout, stage)
    }));
    assert_eq!(plain.voice_level(VoiceDirection::Capture), None);
    let mut metered = session(1, |v| v.capture.level_meter = true);
    let pcm = speechlike(8000, 1000, 3000.0);
    let a = audio(&capture(&mut plain, 0, &pcm));
    let b = audio(&capture(&mut metered, 0, &pcm));
    assert_eq!(a, b);
    assert!(metered.voice_level(VoiceDirection::Capture).is_some());
    assert!(
        talk(&events(&mut metered)).is_empty(),
        "no VAD, no talk events"
    );
}

#[test]
fn bad_voice_settings_are_typed_errors_and_runtime_refusals_change_nothing() {
    let build = |voice: VoiceSettings, codec| {
        MediaSession::new(SessionConfig {
            voice,
            payload_type: Some(111),
            ..SessionConfig::new(codec)
        })
    };
    let mut v = VoiceSettings::default();
    v.playout.echo_cancellation = true;
    let e = build(v, Codec::Pcmu).unwrap_err();
    assert_eq!(
        e,
        Error::VoiceSettings(VoiceSettingsError::NotOnPath {
            stage: VoiceStage::EchoCancellation,
            direction: VoiceDirection::Playout
        })
    );
    assert!(e.to_string().contains("capture path only"), "{e}");

    let mut v = VoiceSettings::default();
    v.capture.comfort_noise = true;
    let e = build(v, Codec::Pcmu).unwrap_err();
    assert!(matches!(
        e,
        Error::VoiceSettings(VoiceSettingsError::NeedsVad { .. })
    ));
    assert!(e.to_string().contains("capture vad stage"), "{e}");
    v.capture.vad = true;
    let e = build(v, Codec::Opus).unwrap_err();
    assert!(e.to_string().contains("48000 Hz"), "{e}");

    let v = VoiceSettings {
        barge_in_on_speech: true,
        ..VoiceSettings::default()
    };
    assert!(e.to_string().contains("RTP clock"), "{e}");
    assert!(build(v, Codec::Pcmu).is_err());
    let v = VoiceSettings {
        gain_target_dbov: -80.0,
        ..VoiceSettings::default()
    };
    let e = build(v, Codec::Pcmu).unwrap_err();
    assert_eq!(
        e.to_string(),
        "gain_target_dbov = -80 is out of range; expected a number from -60 to -3"
    );
    let v = VoiceSettings {
        vad_hangover: Duration::from_secs(61),
        ..VoiceSettings::default()
    };
    assert!(matches!(build(v, Codec::Pcmu), Err(Error::Vad(_))));
    let v = VoiceSettings {
        sid_interval: Duration::ZERO,
        ..VoiceSettings::default()
    };
    let e = build(v, Codec::Pcmu).unwrap_err();
    assert!(e.to_string().contains("20 ms to 10 s"), "{e}");

    // At runtime: refused, nothing changes, and the session goes on.
    let mut s = session(1, |v| {
        v.capture.vad = true;
        v.capture.comfort_noise = true;
    });
    let before = s.voice_settings();
    assert!(
        s.set_voice_stage(VoiceDirection::Playout, VoiceStage::ComfortNoise, true)
            .is_err()
    );
    assert!(
        s.set_voice_stage(VoiceDirection::Capture, VoiceStage::Vad, false)
            .is_err()
    );
    assert!(s.set_barge_in_on_speech(true).is_err());
    assert_eq!(s.voice_settings(), before);
    assert_eq!(
        VoiceStage::from_name("agc").unwrap_err().to_string(),
        "unknown voice stage \"agc\"; expected echo_cancellation, noise_suppression, \
         gain_control, vad, level_meter or comfort_noise"
    );
    assert!(VoiceDirection::from_name("both").is_err());
    for stage in VoiceStage::ALL {
        assert_eq!(VoiceStage::from_name(stage.name()), Ok(stage));
    }
    // Digital silence: audio until 50 ms of background is heard, then a SID.
    let sent = capture(&mut s, 0, &[0; FRAME * 5]);
    assert_eq!(sent.last().map(|p| p.payload_type), Some(13));
}

#[test]
fn noise_suppression_lowers_steady_noise_when_on_and_not_when_off() {
    let pcm = noise(8000 * 4, 1000.0, 7); // -30 dBov
    let last_second = 8000 * 3..;
    let mut off = session(1, |_| {});
    let mut on = session(1, |v| v.capture.noise_suppression = true);
    let heard_off = audio(&capture(&mut off, 0, &pcm));
    let heard_on = audio(&capture(&mut on, 0, &pcm));
    let input = dbov(&pcm[last_second.clone()]);
    let (off_db, on_db) = (
        dbov(&heard_off[last_second.clone()]),
        dbov(&heard_on[last_second.clone()]),
    );
    assert!(
        (off_db - input).abs() < 0.5,
        "off: {off_db:.1} against {input:.1}"
    );
    assert!(on_db < input - 10.0, "on: {on_db:.1} against {input:.1}");

    // Switched off while the call runs: the noise goes through again.
    on.set_voice_stage(VoiceDirection::Capture, VoiceStage::NoiseSuppression, false)
        .unwrap();
    let later = audio(&capture(&mut on, 4000, &pcm[..8000]));
    assert!((dbov(&later) - dbov(&pcm[..8000])).abs() < 0.5);
}

#[test]
fn gain_control_brings_a_quiet_talker_toward_the_target() {
    let pcm = speechlike(8000, 8000, 250.0);
    let tail = 8000 * 6..;
    let input = dbov(&pcm[tail.clone()]);
    let mut off = session(1, |_| {});
    let mut on = session(1, |v| {
        v.capture.gain_control = true;
        v.gain_target_dbov = -20.0;
    });
    let off_db = dbov(&audio(&capture(&mut off, 0, &pcm))[tail.clone()]);
    let on_db = dbov(&audio(&capture(&mut on, 0, &pcm))[tail.clone()]);
    assert!(
        (off_db - input).abs() < 0.5,
        "off: {off_db:.1} against {input:.1}"
    );
    assert!(
        on_db > input + 10.0,
        "on: {on_db:.1} dBov against {input:.1} dBov in"
    );
}

/// A call where `near` hears `far`'s noise and its microphone picks it up again 40 ms later,
/// 6 dB down; returns the echo `near` sends in the last second and the echo it picked up.
fn echo_call(near: &mut MediaSession) -> (f64, f64) {
    let mut far = session(2, |_| {});
    let far_pcm = noise(8000 * 6, 3000.0, 3);
    let mut picked_up = Vec::new();
    let mut sent = Vec::new();
    let mut speaker: Vec<i16> = vec![0; 320]; // the room's 40 ms
    for (i, frame) in far_pcm.chunks_exact(FRAME).enumerate() {
        let now = Instant::from_millis(20 * i as u64);
        far.push_capture(now, &AudioFrame::new(frame.to_vec(), 8000, 1).unwrap())
            .unwrap();
        for p in drain(&mut far, now) {
            near.handle_rtp(now, &p.datagram(i as u16, 9)).unwrap();
        }
        speaker.extend_from_slice(near.pull_playout(now).samples());
        let mic: Vec<i16> = speaker.drain(..FRAME).map(|s| s / 2).collect();
        near.push_capture(now, &AudioFrame::new(mic.clone(), 8000, 1).unwrap())
            .unwrap();
        picked_up.extend(mic);
        sent.extend(audio(&drain(near, now)));
    }
    let tail = 8000 * 5..;
    (dbov(&sent[tail.clone()]), dbov(&picked_up[tail]))
}

#[test]
fn echo_cancellation_removes_the_played_audio_from_the_capture() {
    let (sent, picked_up) = echo_call(&mut session(1, |_| {}));
    assert!(
        (sent - picked_up).abs() < 0.5,
        "off: {sent:.1} of {picked_up:.1}"
    );
    let (sent, picked_up) = echo_call(&mut session(1, |v| v.capture.echo_cancellation = true));
    assert!(
        sent < picked_up - 15.0,
        "on: {sent:.1} dBov sent of {picked_up:.1} dBov echo"
    );
}

#[test]
fn vads_report_talk_both_ways_with_media_time() {
    let mut pcm = speechlike(8000, 1000, 3000.0);
    pcm.extend(vec![0i16; 8000]);
    let mut off = session(1, |_| {});
    capture(&mut off, 0, &pcm);
    assert!(talk(&events(&mut off)).is_empty());

    let mut s = session(1, |v| {
        v.capture.vad = true;
        v.vad_hangover = Duration::from_millis(300);
    });
    capture(&mut s, 1000, &pcm);
    let events = talk(&events(&mut s));
    let [
        Event::TalkStarted {
            direction: VoiceDirection::Capture,
            at: start,
        },
        Event::TalkStopped {
            direction: VoiceDirection::Capture,
            at: stop,
        },
    ] = events[..]
    else {
        panic!("{events:?}");
    };
    assert!(
        (1000..1150).contains(&(start.as_micros() / 1000)),
        "{start:?}"
    );
    // The speech ends at 2 s; the hangover runs 300 ms past it, the detector's context
    // (three 16 ms blocks) and resampling add some more.
    assert!(
        (2250..=2450).contains(&(stop.as_micros() / 1000)),
        "{stop:?}"
    );
    assert!(!s.is_talking(VoiceDirection::Capture));

    // The remote talker, heard on playout.
    let mut caller = session(2, |_| {});
    let mut callee = session(1, |v| v.playout.vad = true);
    let mut talking = false;
    for (i, frame) in pcm.chunks_exact(FRAME).take(40).enumerate() {
        let now = Instant::from_millis(20 * i as u64);
        caller
            .push_capture(now, &AudioFrame::new(frame.to_vec(), 8000, 1).unwrap())
            .unwrap();
        while let Some(d) = caller.poll_transmit(now) {
            let d = d.to_vec();
            callee.handle_rtp(now, &d).unwrap();
        }
        let _ = callee.pull_playout(now);
        talking |= callee.is_talking(VoiceDirection::Playout);
    }
    assert!(talking);
    let heard = talk(&self::events(&mut callee));
    assert!(
        matches!(
            heard[..],
            [Event::TalkStarted {
                direction: VoiceDirection::Playout,
                ..
            }]
        ),
        "{heard:?}"
    );
}

#[test]
fn level_meters_read_capture_and_playout() {
    let mut s = session(1, |v| {
        v.capture.level_meter = true;
        v.playout.level_meter = true;
    });
    // A sine at 10% of full scale: -20 dBov peak, -23 dBov RMS.
    let sine: Vec<i16> = (0..16_000)
        .map(|i| (3277.0 * (i as f64 * 0.37).sin()).round() as i16)
        .collect();
    capture(&mut s, 0, &sine);
    let level = s.voice_level(VoiceDirection::Capture).unwrap();
    assert!((level.rms_dbov + 23.0).abs() < 0.5, "{level:?}");
    assert!((level.peak_dbov + 20.0).abs() < 0.5, "{level:?}");
    let _ = s.pull_playout(Instant::from_millis(2000));
    let silent = s.voice_level(VoiceDirection::Playout).unwrap();
    assert!(silent.rms_dbov <= -100.0, "nothing received: {silent:?}");
    s.set_voice_stage(VoiceDirection::Capture, VoiceStage::LevelMeter, false)
        .unwrap();
    assert_eq!(s.voice_level(VoiceDirection::Capture), None);
}

#[test]
fn comfort_noise_replaces_silence_with_sid_packets_and_audio_resumes_with_a_marker() {
    // 200 ms of background at about -55 dBov, talk for 1 s, 3 s of pause, talk again.
    let mut pcm = vec![0; 1600];
    pcm.extend(speechlike(8000, 1000, 3000.0));
    pcm.extend(vec![0; 8000 * 3]);
    pcm.extend(speechlike(8000, 600, 3000.0));
    for (s, n) in pcm.iter_mut().zip(noise(8000 * 5 + 1600, 60.0, 5)) {
        *s += n;
    }
    let mut s = session(1, |v| {
        v.capture.vad = true;
        v.capture.comfort_noise = true;
    });
    let sent = capture(&mut s, 0, &pcm);
    let kinds: String = sent
        .iter()
        .map(|p| match (p.payload_type, p.marker) {
            (0, true) => 'M',
            (0, false) => 'a',
            (13, _) => 'S',
            _ => '?',
        })
        .collect();
    // Before the talk: audio until 50 ms of background was heard, then a SID. Then each
    // talkspurt starts with a marked packet, and the pause between is SIDs only.
    let spurts: Vec<&str> = kinds.split('M').collect();
    assert_eq!(spurts.len(), 4, "{kinds}");
    assert_eq!(spurts[1], "aS", "{kinds}");
    let pause = spurts[2].trim_start_matches('a');
    assert!(pause.chars().all(|c| c == 'S'), "{kinds}");
    assert!(spurts[3].chars().all(|c| c == 'a'), "{kinds}");
    // Silence begins after the hangover, some 300 ms after the speech; about 2.7 s of it
    // at one SID per 500 ms, and more when the level moves.
    assert!((5..=9).contains(&pause.len()), "{kinds}");
    // "MaSM" comes before the second spurt's audio.
    let first_sid = 4 + spurts[2].len() - pause.len();
    let resumed = first_sid + pause.len();
    // Timestamps follow the sampling clock across the silence: talk resumes at 4.2 s.
    let ms_at = |p: &Sent| p.timestamp.wrapping_sub(sent[0].timestamp) / 8;
    let (sid, back) = (&sent[first_sid], &sent[resumed]);
    // The speech ends at 1.2 s.
    assert!((1400..1600).contains(&ms_at(sid)), "{}", ms_at(sid));
    assert!((4200..4300).contains(&ms_at(back)), "{}", ms_at(back));
    let levels: Vec<u8> = sent[first_sid..resumed]
        .iter()
        .map(|p| crate::codec::cn::Sid::parse(&p.payload).unwrap().level)
        .collect();
    assert!(levels.iter().all(|l| (53..=58).contains(l)), "{levels:?}");

    // The peer takes them as they come and plays comfort noise for the pause.
    let mut peer = session(2, |_| {});
    let mut packets = sent.iter().enumerate().peekable();
    for frame in 0..(pcm.len() / FRAME) as u32 {
        let now = Instant::from_millis(u64::from(frame) * 20);
        while let Some((i, p)) = packets.next_if(|(_, p)| ms_at(p) <= frame * 20) {
            peer.handle_rtp(now, &p.datagram(i as u16, 7)).unwrap();
        }
        let _ = peer.pull_playout(now);
    }
    let played = peer.jitter_stats().samples_comfort_noise;
    assert!(played > 8000 * 2, "{played} samples of comfort noise");
}

#[test]
fn comfort_noise_switched_off_in_silence_resumes_audio_with_a_marker() {
    let mut s = session(1, |v| {
        v.capture.vad = true;
        v.capture.comfort_noise = true;
    });
    let mut pcm = speechlike(8000, 600, 3000.0);
    pcm.extend(vec![0; 8000]);
    for (s, n) in pcm.iter_mut().zip(noise(8000 * 2, 60.0, 5)) {
        *s += n;
    }
    let sent = capture(&mut s, 0, &pcm);
    assert_eq!(sent.last().map(|p| p.payload_type), Some(13));
    s.set_voice_stage(VoiceDirection::Capture, VoiceStage::ComfortNoise, false)
        .unwrap();
    let after = capture(&mut s, 1600, &noise(FRAME * 2, 60.0, 6));
    assert_eq!(
        after
            .iter()
            .map(|p| (p.payload_type, p.marker))
            .collect::<Vec<_>>(),
        [(0, true), (0, false)]
    );
}

/// `ivr` plays `prompt`; the caller is silent for 400 ms, then talks. Returns the IVR's
/// playback events.
fn barge_in_call(ivr: &mut MediaSession, options: PlayOptions) -> Vec<PlaybackEvent> {
    let mut caller = session(2, |_| {});
    let prompt = Prompt::from_samples(8000, 1, vec![1000; 8000 * 3]).unwrap();
    ivr.play_prompt(prompt, options).unwrap();
    let mut voice = vec![0i16; 3200];
    voice.extend(speechlike(8000, 1600, 3000.0));
    let mut events = Vec::new();
    for (i, frame) in voice.chunks_exact(FRAME).enumerate() {
        let now = Instant::from_millis(20 * i as u64);
        caller
            .push_capture(now, &AudioFrame::new(frame.to_vec(), 8000, 1).unwrap())
            .unwrap();
        ivr.push_capture(now, &AudioFrame::new(vec![0; FRAME], 8000, 1).unwrap())
            .unwrap();
        while let Some(d) = caller.poll_transmit(now) {
            let d = d.to_vec();
            ivr.handle_rtp(now, &d).unwrap();
        }
        let _ = ivr.pull_playout(now);
        let _ = drain(ivr, now);
        events.extend(self::events(ivr).into_iter().filter_map(|e| match e {
            Event::Playback(p) => Some(p),
            _ => None,
        }));
    }
    events
}

#[test]
fn speech_stops_an_interruptible_prompt_when_asked_to() {
    let barging = |s: &mut MediaSession| {
        s.set_voice_stage(VoiceDirection::Playout, VoiceStage::Vad, true)
            .unwrap();
        s.set_barge_in_on_speech(true).unwrap();
    };
    let mut ivr = session(1, |_| {});
    barging(&mut ivr);
    let events = barge_in_call(&mut ivr, PlayOptions::default());
    assert!(
        matches!(
            events[..],
            [
                PlaybackEvent::Started { .. },
                PlaybackEvent::Interrupted {
                    reason: InterruptReason::Speech,
                    started: true,
                    ..
                }
            ]
        ),
        "{events:?}"
    );
    assert!(!ivr.is_playing());

    // Not interruptible, or barge-in not asked for: the prompt plays on.
    let mut ivr = session(1, |_| {});
    barging(&mut ivr);
    let options = PlayOptions {
        interruptible: false,
        ..PlayOptions::default()
    };
    let events = barge_in_call(&mut ivr, options);
    assert!(
        matches!(events[..], [PlaybackEvent::Started { .. }]),
        "{events:?}"
    );
    let mut ivr = session(1, |v| v.playout.vad = true);
    let events = barge_in_call(&mut ivr, PlayOptions::default());
    assert!(
        matches!(events[..], [PlaybackEvent::Started { .. }]),
        "{events:?}"
    );
    assert!(ivr.is_playing());
}
