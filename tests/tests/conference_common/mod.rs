//! What the conference tests share: a room of remote peers, each a real `MediaSession`
//! talking RTP with its participant's session in the conference, stepped in 10 ms of
//! simulated time; signals; and measurements on what each peer heard.

#![allow(dead_code)] // each test binary uses its own part

use std::time::Duration;

use mediacore::mixer::{
    Conference, ConferenceConfig, ConferenceEvent, ParticipantId, ParticipantOptions,
};
use mediacore::{AudioFrame, Codec, Instant, MediaSession, SessionConfig};

/// The simulation step: every packet time and tick is a multiple of it.
pub const STEP: Duration = Duration::from_millis(10);

/// What a peer sends: the sample at each index of its stream, at its rate.
pub type Signal = Box<dyn FnMut(usize) -> i16>;

/// A sine of `freq` Hz at `dbov` (its mean power) for a `rate` Hz stream.
pub fn tone(freq: f64, dbov: f64, rate: u32) -> Signal {
    let amp = 32_768.0 * 10f64.powf((dbov + 3.0103) / 20.0);
    Box::new(move |i| {
        (amp * (std::f64::consts::TAU * freq * i as f64 / f64::from(rate)).sin()).round() as i16
    })
}

/// Deterministic noise, low-passed a little, of about `amp` peak.
pub fn noise(seed: u64, amp: f64) -> Signal {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut last = 0.0;
    Box::new(move |_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let white = (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
        last = 0.5 * last + 0.5 * white;
        (last * amp) as i16
    })
}

/// Silence.
pub fn silence() -> Signal {
    Box::new(|_| 0)
}

/// The session configuration of a participant: `codec` at `rate` with `ptime_ms` packets.
pub fn session(codec: Codec, rate: u32, ptime_ms: u64, seed: u64) -> SessionConfig {
    SessionConfig {
        payload_type: codec.static_payload_type().or(Some(111)),
        sample_rate: Some(rate),
        ptime: Duration::from_millis(ptime_ms),
        seed,
        ..SessionConfig::new(codec)
    }
}

/// A remote party: its own session, what it sends and what it heard.
pub struct Peer {
    pub id: ParticipantId,
    pub session: MediaSession,
    pub signal: Signal,
    /// Samples sent and heard, at the peer's rate.
    pub sent: Vec<i16>,
    pub heard: Vec<i16>,
    /// Whether its packets reach the conference.
    pub connected: bool,
    /// Whether it still takes part.
    pub present: bool,
    /// How long its packets take to reach the conference.
    pub delay: Duration,
    in_flight: Vec<(Instant, Vec<u8>)>,
    ptime: Duration,
}

impl Peer {
    pub fn rate(&self) -> u32 {
        self.session.sample_rate()
    }
}

/// A conference with its peers and a simulated clock.
pub struct Room {
    pub conf: Conference,
    pub peers: Vec<Peer>,
    pub now: Instant,
    pub events: Vec<ConferenceEvent>,
    /// The datagrams the conference sent in the last step that it sent any, and to whom.
    pub last_sent: Vec<(ParticipantId, Vec<u8>)>,
}

impl Room {
    pub fn new(config: ConferenceConfig) -> Room {
        Room {
            conf: Conference::new(config).unwrap(),
            peers: Vec::new(),
            now: Instant::ZERO,
            events: Vec::new(),
            last_sent: Vec::new(),
        }
    }

    /// A room mixing at `rate` with the default configuration.
    pub fn at(rate: u32) -> Room {
        Room::new(ConferenceConfig::new(rate))
    }

    /// Adds a participant configured as `config` and its remote peer sending `signal`;
    /// returns the peer's index.
    pub fn join(
        &mut self,
        config: SessionConfig,
        options: ParticipantOptions,
        signal: Signal,
    ) -> usize {
        let remote = SessionConfig {
            seed: config.seed + 1000,
            ..config.clone()
        };
        let ptime = config.ptime;
        let id = self.conf.add_participant(config, options).unwrap();
        self.peers.push(Peer {
            id,
            session: MediaSession::new(remote).unwrap(),
            signal,
            sent: Vec::new(),
            heard: Vec::new(),
            connected: true,
            present: true,
            delay: Duration::ZERO,
            in_flight: Vec::new(),
            ptime,
        });
        self.peers.len() - 1
    }

    /// Removes peer `p`'s participant; returns its session in the conference.
    pub fn leave(&mut self, p: usize) -> MediaSession {
        self.peers[p].present = false;
        self.conf
            .remove_participant(self.now, self.peers[p].id)
            .unwrap()
    }

    pub fn id(&self, p: usize) -> ParticipantId {
        self.peers[p].id
    }

    /// Runs `d` of simulated time.
    pub fn run(&mut self, d: Duration) {
        let end = self.now + d;
        while self.now < end {
            self.step();
        }
    }

    fn due(&self, every: Duration) -> bool {
        self.now
            .as_micros()
            .is_multiple_of(every.as_micros() as u64)
    }

    fn step(&mut self) {
        let now = self.now;
        for p in 0..self.peers.len() {
            if !self.peers[p].present || !self.due(self.peers[p].ptime) {
                continue;
            }
            let peer = &mut self.peers[p];
            let rate = peer.rate();
            let n = peer.session.frame_samples();
            let start = peer.sent.len();
            let frame: Vec<i16> = (start..start + n).map(|i| (peer.signal)(i)).collect();
            peer.sent.extend_from_slice(&frame);
            peer.session
                .push_capture(now, &AudioFrame::new(frame, rate, 1).unwrap())
                .unwrap();
            while let Some(d) = peer.session.poll_transmit(now) {
                if peer.connected {
                    peer.in_flight.push((now + peer.delay, d.to_vec()));
                }
            }
        }
        for peer in self.peers.iter_mut().filter(|p| p.present) {
            let (due, later): (Vec<_>, Vec<_>) =
                peer.in_flight.drain(..).partition(|(at, _)| *at <= now);
            peer.in_flight = later;
            for (_, d) in due {
                self.conf.handle_rtp(now, peer.id, &d).unwrap();
            }
        }
        self.conf.tick(now);
        let mut sent = Vec::new();
        while let Some((id, d)) = self.conf.poll_transmit(now) {
            let d = d.to_vec();
            sent.push((id, d.clone()));
            if let Some(peer) = self.peers.iter_mut().find(|p| p.id == id && p.present) {
                peer.session.handle_rtp(now, &d).unwrap();
            }
        }
        if !sent.is_empty() {
            self.last_sent = sent;
        }
        while let Some((id, d)) = self.conf.poll_rtcp(now) {
            let d = d.to_vec();
            if let Some(peer) = self.peers.iter_mut().find(|p| p.id == id && p.present) {
                peer.session.handle_rtcp(now, &d).unwrap();
            }
        }
        for p in 0..self.peers.len() {
            let peer = &mut self.peers[p];
            if !peer.present {
                continue;
            }
            if let Some(report) = peer.session.poll_rtcp(now) {
                let report = report.to_vec();
                if peer.connected {
                    let _ = self.conf.handle_rtcp(now, peer.id, &report);
                }
            }
            peer.session.handle_timeout(now);
            while peer.session.poll_event().is_some() {}
            if self
                .now
                .as_micros()
                .is_multiple_of(peer.ptime.as_micros() as u64)
            {
                let heard = peer.session.pull_playout(now).samples().to_vec();
                peer.heard.extend_from_slice(&heard);
            }
        }
        while let Some(e) = self.conf.poll_event() {
            self.events.push(e);
        }
        self.now = self.now + STEP;
    }
}

/// The level in dBov of the `freq` Hz component of `x` (a Hann-windowed Goertzel filter);
/// a sine at -20 dBov reads -20.
pub fn level_at(x: &[i16], rate: u32, freq: f64) -> f64 {
    let n = x.len() as f64;
    let w = std::f64::consts::TAU * freq / f64::from(rate);
    let (mut s1, mut s2) = (0.0, 0.0);
    for (i, &v) in x.iter().enumerate() {
        let hann = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n).cos();
        let s = f64::from(v) * hann + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let power = (s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2).max(0.0);
    // Amplitude of the sine: 2 sqrt(P) / (N * 0.5) for the Hann window's gain of 0.5.
    let amp = 4.0 * power.sqrt() / n;
    20.0 * (amp / 32_768.0).log10() - 3.0103
}

/// The mean power of `x` in dBov.
pub fn dbov(x: &[i16]) -> f64 {
    let ms = x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len().max(1) as f64;
    10.0 * (ms / (32_768.0f64 * 32_768.0)).log10()
}

/// The largest normalized cross-correlation of `heard` with `sent` delayed by 0 to
/// `max_lag` samples (both at one rate), over `heard[from..]`.
pub fn max_correlation(heard: &[i16], sent: &[i16], from: usize, max_lag: usize) -> f64 {
    let h = &heard[from..];
    let mut best: f64 = 0.0;
    for lag in 0..=max_lag.min(from) {
        let s = &sent[from - lag..];
        let n = h.len().min(s.len());
        let (mut hs, mut hh, mut ss) = (0.0, 0.0, 0.0);
        for i in 0..n {
            let (a, b) = (f64::from(h[i]), f64::from(s[i]));
            hs += a * b;
            hh += a * a;
            ss += b * b;
        }
        if hh > 0.0 && ss > 0.0 {
            best = best.max((hs / (hh * ss).sqrt()).abs());
        }
    }
    best
}

/// The largest difference between neighbouring samples.
pub fn max_step(x: &[i16]) -> i32 {
    x.windows(2)
        .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
        .max()
        .unwrap_or(0)
}

/// Samples in `d` at `rate`.
pub fn samples(rate: u32, d: Duration) -> usize {
    (u128::from(rate) * d.as_micros() / 1_000_000) as usize
}

/// For each `window` of `x`: the power of what is left after taking out the best-fitting
/// sine of `freq` Hz, relative to the power of that sine, in dB. A clean tone gives a low
/// figure throughout; a glitch raises it in its window.
pub fn residual_db(x: &[i16], rate: u32, freq: f64, window: usize) -> Vec<f64> {
    let w = std::f64::consts::TAU * freq / f64::from(rate);
    x.chunks_exact(window)
        .enumerate()
        .map(|(k, chunk)| {
            let (mut ss, mut sc, mut cc, mut xs, mut xc) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for (j, &v) in chunk.iter().enumerate() {
                let phase = w * (k * window + j) as f64;
                let (s, c) = phase.sin_cos();
                let v = f64::from(v);
                ss += s * s;
                sc += s * c;
                cc += c * c;
                xs += v * s;
                xc += v * c;
            }
            // Least squares for v ~ a sin + b cos.
            let det = ss * cc - sc * sc;
            let a = (xs * cc - xc * sc) / det;
            let b = (xc * ss - xs * sc) / det;
            let (mut tone, mut rest) = (0.0, 0.0);
            for (j, &v) in chunk.iter().enumerate() {
                let phase = w * (k * window + j) as f64;
                let fit = a * phase.sin() + b * phase.cos();
                tone += fit * fit;
                rest += (f64::from(v) - fit).powi(2);
            }
            10.0 * (rest.max(1e-9) / tone.max(1e-9)).log10()
        })
        .collect()
}
