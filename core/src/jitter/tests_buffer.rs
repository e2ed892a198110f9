use core::time::Duration;

use super::*;
use crate::codec::{self, Codec, Encoder};
use crate::rng::SeededRng;
use crate::rtp::{RtpHeader, RtpPacket};
use crate::time::Instant;

/// Makes RTP packets of a voiced, speech-like signal (harmonics of a slowly gliding pitch).
struct Sender {
    encoder: Box<dyn Encoder>,
    clock_rate: u32,
    frame: usize,
    seq: u16,
    ts: u32,
    ssrc: u32,
    payload_type: u8,
    phase: f64,
    n: u64,
    pcm: Vec<i16>,
    payload: Vec<u8>,
}

impl Sender {
    fn new(codec: Codec, rate: u32, ptime_ms: u32) -> Self {
        let encoder = if codec == Codec::Opus {
            codec::new_packet_encoder(
                codec,
                rate,
                1,
                Duration::from_millis(u64::from(ptime_ms)),
                crate::codec::opus::OpusConfig::default(),
            )
            .unwrap()
        } else {
            codec::new_encoder(codec, rate, 1).unwrap()
        };
        let frame = (rate * ptime_ms / 1000) as usize;
        Sender {
            clock_rate: codec.rtp_clock_rate(rate),
            payload: vec![0; encoder.max_payload_len(frame)],
            encoder,
            frame,
            seq: 65_500,
            ts: u32::MAX - 3000,
            ssrc: 0xABCD,
            payload_type: codec.static_payload_type().unwrap_or(96),
            phase: 0.0,
            n: 0,
            pcm: vec![0; frame],
        }
    }

    fn ticks(&self) -> u32 {
        (self.frame as u64 * u64::from(self.clock_rate) / u64::from(self.encoder.sample_rate()))
            as u32
    }

    /// The next packet; `marker` flags a talkspurt start.
    fn next(&mut self, marker: bool) -> Vec<u8> {
        let rate = f64::from(self.encoder.sample_rate());
        for s in self.pcm.iter_mut() {
            let t = self.n as f64 / rate;
            let f0 = 130.0 + 20.0 * (t * 0.7).sin();
            self.phase += 2.0 * core::f64::consts::PI * f0 / rate;
            let v: f64 = (1..=8)
                .map(|h| (self.phase * f64::from(h)).sin() / f64::from(h))
                .sum();
            // Phrases of 1.2 s with 0.3 s pauses, like speech.
            let talking = t % 1.5 < 1.2;
            *s = if talking { (v * 4000.0) as i16 } else { 0 };
            self.n += 1;
        }
        let len = self.encoder.encode(&self.pcm, &mut self.payload).unwrap();
        let mut out = vec![0u8; 12 + len];
        let header = RtpHeader {
            marker,
            payload_type: self.payload_type,
            sequence_number: self.seq,
            timestamp: self.ts,
            ssrc: self.ssrc,
            ..RtpHeader::default()
        };
        let n = header.write(&self.payload[..len], &mut out).unwrap();
        out.truncate(n);
        self.seq = self.seq.wrapping_add(1);
        self.ts = self.ts.wrapping_add(self.ticks());
        out
    }
}

fn pcmu_buffer(config: JitterConfig) -> JitterBuffer {
    JitterBuffer::new(config, codec::new_decoder(Codec::Pcmu, 8000, 1).unwrap()).unwrap()
}

fn insert(jb: &mut JitterBuffer, at: Instant, datagram: &[u8]) -> Insert {
    jb.insert(at, &RtpPacket::parse(datagram).unwrap(), PacketKind::Audio)
        .unwrap()
}

/// Runs a stream of `packets` 20 ms packets whose arrival offsets (µs after their send
/// time) come from `delay_of`, pulling 20 ms at a time; returns the played delays.
fn run(
    jb: &mut JitterBuffer,
    sender: &mut Sender,
    packets: u64,
    mut delay_of: impl FnMut(u64) -> Option<u64>,
) -> Vec<Duration> {
    let ptime = 20_000u64;
    let mut arrivals: Vec<(u64, Vec<u8>)> = Vec::new();
    for i in 0..packets {
        let datagram = sender.next(i == 0);
        if let Some(d) = delay_of(i) {
            arrivals.push((i * ptime + d, datagram));
        }
    }
    arrivals.sort_by_key(|(t, _)| *t);
    let mut delays = Vec::new();
    let mut out = vec![0i16; 160];
    let mut next = 0;
    let mut now = 0;
    // Until everything has arrived and played (the stream's end is not an underrun).
    while next < arrivals.len() || jb.packets_stored() > 0 || jb.samples_queued() >= out.len() {
        while next < arrivals.len() && arrivals[next].0 <= now {
            let at = Instant::from_micros(arrivals[next].0);
            insert(jb, at, &arrivals[next].1);
            next += 1;
        }
        jb.pull(Instant::from_micros(now), &mut out);
        if let Some(d) = jb.playout_delay() {
            delays.push(d);
        }
        now += ptime;
    }
    delays
}

fn played(stats: &JitterStats) -> u64 {
    stats.samples_decoded + stats.samples_concealed + stats.samples_fec
}

#[test]
fn a_steady_stream_plays_every_packet_and_settles_near_the_least_delay() {
    let mut jb = pcmu_buffer(JitterConfig::default());
    let mut sender = Sender::new(Codec::Pcmu, 8000, 20);
    let delays = run(&mut jb, &mut sender, 1500, |_| Some(5_000));
    let stats = jb.stats();
    assert_eq!(stats.packets_inserted, 1500);
    assert_eq!(stats.samples_decoded, 1500 * 160);
    assert_eq!(stats.samples_concealed, 0);
    assert_eq!(stats.packets_late, 0);
    // Started at the initial 40 ms; the target falls to its 20 ms floor, and a continuous
    // voiced signal is not stretched to gain less than a pull: each packet is decoded
    // within a pull above the target.
    let target = jb.target_delay();
    assert_eq!(target, Duration::from_millis(20));
    let settled = &delays[delays.len() - 500..delays.len() - 40];
    assert!(
        settled
            .iter()
            .all(|d| *d <= target + Duration::from_millis(25)),
        "{:?}",
        &settled[..10]
    );
}

#[test]
fn reordered_and_duplicated_packets_play_in_timestamp_order() {
    let mut jb = pcmu_buffer(JitterConfig::default());
    let mut sender = Sender::new(Codec::Pcmu, 8000, 20);
    let datagrams: Vec<Vec<u8>> = (0..200).map(|i| sender.next(i == 0)).collect();
    let mut out = [0i16; 160];
    for i in 0..200usize {
        let now = Instant::from_millis(i as u64 * 20);
        // Pairs swapped, and every tenth packet twice.
        let j = if i % 2 == 0 { i + 1 } else { i - 1 };
        insert(&mut jb, now, &datagrams[j.min(199)]);
        if i % 10 == 0 {
            assert_eq!(
                insert(&mut jb, now, &datagrams[j.min(199)]),
                Insert::Duplicate
            );
        }
        jb.pull(now, &mut out);
    }
    let mut i = 200;
    while jb.packets_stored() > 0 || jb.samples_queued() >= out.len() {
        jb.pull(Instant::from_millis(i * 20), &mut out);
        i += 1;
    }
    let stats = jb.stats();
    assert_eq!(stats.packets_duplicate, 20);
    assert_eq!(stats.samples_concealed, 0, "{stats:?}");
    assert_eq!(stats.samples_decoded, 200 * 160);
}

#[test]
fn a_lost_packet_is_concealed_for_exactly_its_length() {
    let mut jb = pcmu_buffer(JitterConfig::fixed(Duration::from_millis(60)));
    let mut sender = Sender::new(Codec::Pcmu, 8000, 20);
    run(&mut jb, &mut sender, 300, |i| {
        (i != 100 && i != 200).then_some(1_000)
    });
    let stats = jb.stats();
    assert_eq!(stats.samples_concealed, 2 * 160, "{stats:?}");
    assert_eq!(stats.samples_decoded, 298 * 160);
    assert_eq!(stats.underruns, 0);
}

#[test]
fn packets_held_up_by_a_delay_spike_resume_playout_instead_of_being_dropped() {
    let mut jb = pcmu_buffer(JitterConfig::default());
    let mut sender = Sender::new(Codec::Pcmu, 8000, 20);
    // From packet 300 on, 15 packets are held back and all arrive 300 ms later.
    let delays = run(&mut jb, &mut sender, 1000, |i| {
        Some(match i {
            300..315 => 2_000 + (315 - i) * 20_000,
            _ => 2_000,
        })
    });
    let stats = jb.stats();
    assert_eq!(stats.packets_late, 0, "{stats:?}");
    assert_eq!(stats.samples_decoded, 1000 * 160);
    assert_eq!(stats.resumed_late, 1);
    // The delay grew by the spike and came back down by accelerating.
    let peak = delays.iter().max().unwrap();
    assert!(*peak >= Duration::from_millis(250), "{peak:?}");
    let end = &delays[delays.len() - 60..delays.len() - 31];
    assert!(
        end.iter().all(|d| *d < Duration::from_millis(80)),
        "{end:?}"
    );
}

#[test]
fn sequence_and_timestamp_wrap_are_seamless() {
    // The sender starts just below both wraps.
    let mut jb = pcmu_buffer(JitterConfig::default());
    let mut sender = Sender::new(Codec::Pcmu, 8000, 20);
    run(&mut jb, &mut sender, 100, |_| Some(0));
    let stats = jb.stats();
    assert_eq!(stats.samples_decoded, 100 * 160);
    assert_eq!(stats.samples_concealed, 0);
    assert_eq!(stats.resyncs, 0);
}

#[test]
fn an_ssrc_change_or_timestamp_jump_carries_on_without_a_gap() {
    for change in ["ssrc", "timestamp"] {
        let mut jb = pcmu_buffer(JitterConfig::default());
        let mut sender = Sender::new(Codec::Pcmu, 8000, 20);
        let mut out = [0i16; 160];
        for i in 0..400u64 {
            if i == 200 {
                match change {
                    "ssrc" => {
                        sender.ssrc = 0x5555;
                        sender.seq = 7;
                        sender.ts = 123_456;
                    }
                    _ => sender.ts = sender.ts.wrapping_add(80_000_000),
                }
            }
            let now = Instant::from_millis(i * 20);
            insert(&mut jb, now, &sender.next(i == 0));
            jb.pull(now, &mut out);
        }
        let stats = jb.stats();
        assert_eq!(stats.resyncs, 1, "{change}: {stats:?}");
        assert_eq!(stats.samples_concealed, 0, "{change}: {stats:?}");
        assert_eq!(stats.packets_late, 0, "{change}: {stats:?}");
        assert!(stats.samples_decoded >= 397 * 160, "{change}: {stats:?}");
    }
}

#[test]
fn silence_between_talkspurts_is_not_concealed() {
    let mut jb = pcmu_buffer(JitterConfig::default());
    let mut sender = Sender::new(Codec::Pcmu, 8000, 20);
    // Talkspurts of 50 packets with 1 s of sender silence between, marker on each start.
    let mut out = [0i16; 160];
    let mut now = 0u64;
    for spurt in 0..4 {
        for i in 0..50 {
            insert(&mut jb, Instant::from_millis(now), &sender.next(i == 0));
            jb.pull(Instant::from_millis(now), &mut out);
            now += 20;
        }
        let _ = spurt;
        for _ in 0..50 {
            let _ = sender.next(false); // media time passes, nothing is sent
            jb.pull(Instant::from_millis(now), &mut out);
            now += 20;
        }
    }
    let stats = jb.stats();
    assert_eq!(stats.samples_decoded, 200 * 160);
    // Each talkspurt's end looks like an underrun until the next marker (PLC fades out),
    // but never more than the underrun limit.
    assert!(stats.samples_concealed <= 4 * 800 + 160, "{stats:?}");
    assert!(stats.samples_silence > 4 * 30 * 160, "{stats:?}");
}

#[test]
fn comfort_noise_fills_intended_silence() {
    let mut jb = pcmu_buffer(JitterConfig::default());
    let mut sender = Sender::new(Codec::Pcmu, 8000, 20);
    let mut out = [0i16; 160];
    let mut now = 0u64;
    for i in 0..50 {
        insert(&mut jb, Instant::from_millis(now), &sender.next(i == 0));
        jb.pull(Instant::from_millis(now), &mut out);
        now += 20;
    }
    // A SID at -40 dBov, then nothing for 1 s.
    let sid = [40u8];
    let header = RtpHeader {
        payload_type: 13,
        sequence_number: sender.seq,
        timestamp: sender.ts,
        ssrc: sender.ssrc,
        ..RtpHeader::default()
    };
    let mut datagram = [0u8; 13];
    header.write(&sid, &mut datagram).unwrap();
    jb.insert(
        Instant::from_millis(now),
        &RtpPacket::parse(&datagram).unwrap(),
        PacketKind::ComfortNoise,
    )
    .unwrap();
    let mut energy = 0.0;
    for i in 0..50 {
        jb.pull(Instant::from_millis(now), &mut out);
        // The speech still queued plays first.
        if i >= 10 {
            energy += out.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>();
        }
        now += 20;
    }
    let stats = jb.stats();
    assert_eq!(stats.samples_concealed, 0, "{stats:?}");
    assert!(stats.samples_comfort_noise >= 45 * 160, "{stats:?}");
    let rms = (energy / (40.0 * 160.0)).sqrt();
    let expected = 32768.0 * 10f64.powf(-40.0 / 20.0);
    assert!(
        rms > expected * 0.5 && rms < expected * 2.0,
        "rms {rms} vs {expected}"
    );
}

#[test]
fn sender_clock_drift_of_1000_ppm_neither_grows_nor_starves_the_buffer() {
    for ppm in [-1000i64, 1000] {
        let mut jb = pcmu_buffer(JitterConfig::default());
        let mut sender = Sender::new(Codec::Pcmu, 8000, 20);
        // 10 minutes: the sender's 20 ms packets come every 20 ms × (1 - ppm/1e6) of ours.
        let packets = 30_000u64;
        let mut rng = SeededRng::new(7);
        let delays = run(&mut jb, &mut sender, packets, |i| {
            let skew = (i as i64 * 20_000 * -ppm / 1_000_000) + 700_000;
            Some(skew as u64 + u64::from(rng.next_u32() % 10_000))
        });
        let stats = jb.stats();
        let tail = &delays[delays.len() / 2..delays.len() - 40];
        let max = tail.iter().max().unwrap();
        assert!(
            *max < Duration::from_millis(60),
            "{ppm} ppm: {max:?} {stats:?}"
        );
        // Concealment stays rare: drift is absorbed by time stretching.
        assert!(
            stats.samples_concealed < played(&stats) / 1000,
            "{ppm} ppm: {stats:?}"
        );
        assert_eq!(stats.samples_dropped, 0, "{ppm} ppm: {stats:?}");
        if ppm > 0 {
            assert!(stats.samples_accelerated > 0, "{stats:?}");
        } else {
            assert!(stats.samples_expanded > 0, "{stats:?}");
        }
    }
}

#[test]
fn the_target_rises_with_jitter_and_comes_back_when_the_network_calms() {
    let mut jb = pcmu_buffer(JitterConfig::default());
    let mut sender = Sender::new(Codec::Pcmu, 8000, 20);
    let mut rng = SeededRng::new(3);
    let mut target_during = Duration::ZERO;
    let mut out = [0i16; 160];
    let mut arrivals: Vec<(u64, Vec<u8>)> = (0..3000u64)
        .map(|i| {
            let jitter = if (500..1000).contains(&i) {
                u64::from(rng.next_u32() % 80_000)
            } else {
                u64::from(rng.next_u32() % 2_000)
            };
            (i * 20_000 + jitter, sender.next(i == 0))
        })
        .collect();
    arrivals.sort_by_key(|a| a.0);
    let mut next = 0;
    for step in 0..3000u64 {
        let now = step * 20_000;
        while next < arrivals.len() && arrivals[next].0 <= now {
            insert(
                &mut jb,
                Instant::from_micros(arrivals[next].0),
                &arrivals[next].1,
            );
            next += 1;
        }
        jb.pull(Instant::from_micros(now), &mut out);
        if step == 999 {
            target_during = jb.target_delay();
        }
    }
    assert!(
        target_during >= Duration::from_millis(60),
        "{target_during:?}"
    );
    assert!(
        jb.target_delay() <= Duration::from_millis(25),
        "{:?}",
        jb.target_delay()
    );
    let stats = jb.stats();
    assert!(stats.samples_accelerated > 0, "{stats:?}");
    // Most of the jitter episode plays without loss.
    assert!(stats.samples_concealed < played(&stats) / 20, "{stats:?}");
}

#[test]
fn a_fixed_buffer_holds_its_delay() {
    let mut jb = pcmu_buffer(JitterConfig::fixed(Duration::from_millis(60)));
    let mut sender = Sender::new(Codec::Pcmu, 8000, 20);
    let mut rng = SeededRng::new(9);
    let delays = run(&mut jb, &mut sender, 1000, |_| {
        Some(u64::from(rng.next_u32() % 30_000))
    });
    let stats = jb.stats();
    assert_eq!(
        stats.samples_accelerated + stats.samples_expanded,
        0,
        "{stats:?} {}",
        delays.len()
    );
    let tail = &delays[100..delays.len() - 40];
    assert!(
        tail.iter()
            .all(|d| *d >= Duration::from_millis(50) && *d <= Duration::from_millis(90)),
        "{:?}",
        tail.iter().max()
    );
}

#[test]
fn ptime_changes_mid_stream_play_through() {
    let mut jb = pcmu_buffer(JitterConfig::default());
    let mut a = Sender::new(Codec::Pcmu, 8000, 20);
    let mut out = [0i16; 160];
    let mut now = 0u64;
    for i in 0..100 {
        insert(&mut jb, Instant::from_micros(now), &a.next(i == 0));
        jb.pull(Instant::from_micros(now), &mut out);
        now += 20_000;
    }
    // The same stream switches to 30 ms packets.
    let mut b = Sender::new(Codec::Pcmu, 8000, 30);
    (b.seq, b.ts, b.ssrc) = (a.seq, a.ts, a.ssrc);
    let mut due = now;
    for _ in 0..100 {
        while due > now {
            jb.pull(Instant::from_micros(now), &mut out);
            now += 20_000;
        }
        insert(&mut jb, Instant::from_micros(due), &b.next(false));
        due += 30_000;
    }
    while jb.packets_stored() > 0 || jb.samples_queued() >= out.len() {
        jb.pull(Instant::from_micros(now), &mut out);
        now += 20_000;
    }
    let stats = jb.stats();
    assert_eq!(stats.samples_decoded, 100 * 160 + 100 * 240, "{stats:?}");
    assert_eq!(stats.samples_concealed, 0, "{stats:?}");
}

#[test]
fn opus_losses_are_rebuilt_from_fec_when_the_next_packet_carries_it() {
    let config = crate::codec::opus::OpusConfig {
        inband_fec: true,
        expected_loss_percent: 20,
        ..crate::codec::opus::OpusConfig::default()
    };
    let mut sender = Sender::new(Codec::Opus, 16_000, 20);
    sender.encoder =
        codec::new_packet_encoder(Codec::Opus, 16_000, 1, Duration::from_millis(20), config)
            .unwrap();
    let decoder = codec::new_decoder(Codec::Opus, 16_000, 1).unwrap();
    let mut jb = JitterBuffer::new(JitterConfig::default(), decoder).unwrap();
    let mut out = vec![0i16; 320];
    let mut now = 0u64;
    for i in 0..200u64 {
        let datagram = sender.next(i == 0);
        if i % 10 != 5 {
            insert(&mut jb, Instant::from_micros(now), &datagram);
        }
        jb.pull(Instant::from_micros(now), &mut out);
        now += 20_000;
    }
    let stats = jb.stats();
    assert_eq!(stats.samples_fec, 20 * 320, "{stats:?}");
    assert_eq!(stats.samples_concealed, 0, "{stats:?}");
}

#[test]
fn oversized_payloads_are_refused_and_change_nothing() {
    let mut jb = pcmu_buffer(JitterConfig::default());
    let payload = vec![0u8; 2000];
    let mut datagram = vec![0u8; 2012];
    RtpHeader::default().write(&payload, &mut datagram).unwrap();
    let err = jb
        .insert(
            Instant::ZERO,
            &RtpPacket::parse(&datagram).unwrap(),
            PacketKind::Audio,
        )
        .unwrap_err();
    assert!(err.to_string().contains("2000"), "{err}");
    assert_eq!(jb.stats(), JitterStats::default());
}

#[test]
fn bad_configurations_are_refused() {
    let decoder = || codec::new_decoder(Codec::Pcmu, 8000, 1).unwrap();
    let zero = JitterConfig {
        capacity: 0,
        ..JitterConfig::default()
    };
    assert!(JitterBuffer::new(zero, decoder()).is_err());
    let mut inverted = JitterConfig::default();
    inverted.delay.min_delay = Duration::from_millis(300);
    assert!(JitterBuffer::new(inverted, decoder()).is_err());
    assert_eq!(JitterMode::from_name("FIXED").unwrap(), JitterMode::Fixed);
    assert!(JitterMode::from_name("elastic").is_err());
}
