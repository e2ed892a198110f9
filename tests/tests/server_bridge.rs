//! End to end: bridges and conferences through the server's HTTP API, started in-process on
//! loopback, with peers that are core `MediaSession`s over tokio UDP sockets.
//!
//! - A PCMU peer and an Opus peer bridged (transcoding) hear each other's espeak-ng speech:
//!   PESQ narrowband on the PCMU side, wideband on the Opus side, against the speech at that
//!   side's rate. Measured on the development machine: Opus to PCMU 3.77 narrowband (held
//!   to 3.4); PCMU to Opus 3.28-3.36 narrowband after sox takes it to 8 kHz (held to 3.0) and
//!   2.25-2.39 wideband (held to 2.0: the speech crossed PCMU, so nothing is above 4 kHz
//!   for wideband PESQ to find). RFC 4733
//!   digits of each peer arrive at the other as digits. A stereo recording of the bridge
//!   holds the first peer on the left channel and the second on the right (soxi, and each
//!   channel correlates with its party's speech).
//! - A pass-through bridge between PCMU legs with different payload type numbers delivers
//!   the payload bytes unchanged, with the receiving leg's payload type.
//! - Three parties in a conference each hear the two others' tones and not their own; a
//!   muted party is no longer heard.
//!
//! Real-time tests take turns (one static lock); every wait has a timeout.

use core::time::Duration;
use std::net::SocketAddr;

use mediacore::rtp::RtpPacket;
use mediacore::{AudioFrame, Codec, Event, MediaSession, SessionConfig};
use mediacore_tests::align::{best_alignment, median_piece_correlation};
use mediacore_tests::oracle::{espeak_speech, pesq_scores, run, s16le_samples};
use serde_json::{Value, json};
use tokio::net::UdpSocket;
use tokio::time::Instant;

mod server_common;
use server_common::Server;

const PTIME: Duration = Duration::from_millis(20);

static REAL_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A remote party: a core session on its own socket, sending `signal` (then silence).
struct Peer {
    socket: UdpSocket,
    session: MediaSession,
    to: Option<SocketAddr>,
    rate: u32,
    signal: Vec<i16>,
    sent: usize,
    /// What it played out, one frame per 20 ms.
    heard: Vec<i16>,
    /// Audio payloads it sent and received.
    sent_payloads: Vec<Vec<u8>>,
    received: Vec<(u8, Vec<u8>)>,
    digits: String,
}

impl Peer {
    async fn new(codec: Codec, rate: u32, payload_type: Option<u8>, seed: u64) -> Peer {
        Peer {
            socket: UdpSocket::bind("127.0.0.1:0").await.expect("bind peer"),
            session: MediaSession::new(SessionConfig {
                seed,
                sample_rate: Some(rate),
                payload_type,
                ..SessionConfig::new(codec)
            })
            .expect("peer session"),
            to: None,
            rate,
            signal: Vec::new(),
            sent: 0,
            heard: Vec::new(),
            sent_payloads: Vec::new(),
            received: Vec::new(),
            digits: String::new(),
        }
    }

    fn addr(&self) -> SocketAddr {
        self.socket.local_addr().expect("peer address")
    }

    /// One 20 ms step at `now`: take what arrived, send a frame, play a frame.
    async fn step(&mut self, now: mediacore::Instant) {
        let mut buf = [0u8; 2048];
        while let Ok((len, _)) = self.socket.try_recv_from(&mut buf) {
            if let Ok(p) = RtpPacket::parse(&buf[..len]) {
                self.received.push((p.payload_type(), p.payload().to_vec()));
            }
            let _ = self.session.handle_rtp(now, &buf[..len]);
        }
        let frame = self.session.frame_samples();
        let samples: Vec<i16> = (0..frame)
            .map(|i| self.signal.get(self.sent + i).copied().unwrap_or(0))
            .collect();
        self.sent += frame;
        let frame = AudioFrame::new(samples, self.rate, 1).expect("frame");
        self.session.push_capture(now, &frame).expect("capture");
        let audio_pt = self.session.payload_type();
        while let Some(datagram) = self.session.poll_transmit(now) {
            if let Ok(p) = RtpPacket::parse(datagram)
                && p.payload_type() == audio_pt
            {
                self.sent_payloads.push(p.payload().to_vec());
            }
            if let Some(to) = self.to {
                let _ = self.socket.send_to(datagram, to).await;
            }
        }
        let played = self.session.pull_playout(now).samples().to_vec();
        self.heard.extend_from_slice(&played);
        self.session.handle_timeout(now);
        while let Some(event) = self.session.poll_event() {
            if let Event::Dtmf { digit, .. } = event {
                self.digits.push(digit.as_char());
            }
        }
    }
}

/// Runs `peers` on one 20 ms clock for `duration`.
async fn talk(peers: &mut [&mut Peer], duration: Duration) {
    let origin = Instant::now();
    let mut ticker = tokio::time::interval(PTIME);
    let end = origin + duration;
    loop {
        let at = ticker.tick().await;
        if at >= end {
            break;
        }
        let now = mediacore::Instant::from_micros(at.duration_since(origin).as_micros() as u64);
        for peer in peers.iter_mut() {
            peer.step(now).await;
        }
    }
}

fn floats(x: &[i16]) -> Vec<f64> {
    x.iter().map(|&v| f64::from(v)).collect()
}

/// `heard` aligned to `reference` (within 1 s), cut to its length; and the correlation.
fn aligned(reference: &[i16], heard: &[i16], rate: u32) -> (Vec<i16>, f64) {
    let (lag, corr) = best_alignment(&floats(reference), &floats(heard), rate as usize);
    let start = lag.max(0) as usize;
    let mut out: Vec<i16> = heard
        .iter()
        .skip(start)
        .take(reference.len())
        .copied()
        .collect();
    out.resize(reference.len(), 0);
    (out, corr)
}

/// Goertzel power of `freq` in `x`, relative to the signal's power.
fn tone_share(x: &[i16], rate: u32, freq: f64) -> f64 {
    let w = 2.0 * core::f64::consts::PI * freq / f64::from(rate);
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &v in x {
        let s = f64::from(v) + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let power = s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2;
    let energy: f64 = x.iter().map(|&v| f64::from(v).powi(2)).sum();
    if energy == 0.0 {
        0.0
    } else {
        power / (energy * x.len() as f64 / 2.0)
    }
}

fn tone(rate: u32, freq: f32, seconds: f32) -> Vec<i16> {
    (0..(rate as f32 * seconds) as usize)
        .map(|i| ((i as f32 / rate as f32 * freq * core::f32::consts::TAU).sin() * 5000.0) as i16)
        .collect()
}

/// Bridges endpoints `a` and `b`; the bridge as created.
async fn create_bridge(server: &Server, a: &str, b: &str) -> Value {
    server
        .call(
            "POST",
            "/v1/bridges",
            Some(json!({"endpoints": [a, b]})),
            201,
        )
        .await
}

const TEXT_A: &str =
    "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background.";
const TEXT_B: &str =
    "It is easy to tell the depth of a well. These days a chicken leg is a rare dish.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pcmu_and_opus_bridged_hear_each_other_send_digits_and_record_in_stereo() {
    let _turn = REAL_TIME.lock().await;
    // Two shards: the bridge moves the second endpoint to the first one's shard.
    let server = Server::start_with(|c| c.shards = 2).await;
    let mut a = Peer::new(Codec::Pcmu, 8000, None, 1).await;
    let mut b = Peer::new(Codec::Opus, 16_000, Some(96), 2).await;
    let (ea, ra) = server.endpoint(json!({"codec": "PCMU"}), a.addr()).await;
    let (eb, rb) = server.endpoint(json!({"codec": "opus"}), b.addr()).await;
    a.to = Some(ra);
    b.to = Some(rb);

    let bridge = create_bridge(&server, &ea, &eb).await;
    assert_eq!(bridge["mode"], "transcode", "{bridge}");
    let id = bridge["id"].as_str().expect("bridge id").to_owned();
    let again = json!({"endpoints": [ea, eb]});
    server.call("POST", "/v1/bridges", Some(again), 409).await;
    server
        .call("POST", "/v1/bridges", Some(json!({"endpoints": [ea]})), 422)
        .await;
    server.call("GET", "/v1/bridges/br-999", None, 404).await;
    let listed = server.call("GET", "/v1/bridges", None, 200).await;
    assert_eq!(listed["bridges"].as_array().map(Vec::len), Some(1));
    server
        .call(
            "POST",
            &format!("/v1/bridges/{id}/record/start"),
            Some(json!({"name": "bridge.wav"})),
            201,
        )
        .await;

    let speech_a = espeak_speech(8000, TEXT_A);
    let speech_b = espeak_speech(16_000, TEXT_B);
    let seconds = (speech_a.len() as f64 / 8000.0).max(speech_b.len() as f64 / 16_000.0);
    a.signal = [vec![0; 4000], speech_a.clone()].concat();
    b.signal = [vec![0; 8000], speech_b.clone()].concat();
    talk(
        &mut [&mut a, &mut b],
        Duration::from_secs_f64(seconds + 1.5),
    )
    .await;

    let done = server
        .call("POST", &format!("/v1/bridges/{id}/record/stop"), None, 200)
        .await;
    assert_eq!(done["channels"], 2, "{done}");

    // PCMU side hears B narrowband; Opus side hears A (through PCMU) wideband.
    let reference_a_side = espeak_speech(8000, TEXT_B);
    let (heard_by_a, corr_a) = aligned(&reference_a_side, &a.heard, 8000);
    let (heard_by_b, corr_b) = aligned(&espeak_speech(16_000, TEXT_A), &b.heard, 16_000);
    // A's speech crossed PCMU: narrowband at the Opus peer too, after sox takes it to 8 kHz.
    let b_heard_8k = s16le_samples(&run(
        "sox",
        &[
            "-t", "raw", "-r", "16000", "-e", "signed", "-b", "16", "-c", "1", "-", "-t", "raw",
            "-r", "8000", "-",
        ],
        &mediacore_tests::oracle::s16le_bytes(&b.heard),
        "sox",
    ));
    let (heard_by_b_8k, _) = aligned(&speech_a, &b_heard_8k, 8000);
    let nb = pesq_scores(
        8000,
        &[
            (&reference_a_side, &heard_by_a),
            (&speech_a, &heard_by_b_8k),
        ],
    );
    let wb = pesq_scores(16_000, &[(&espeak_speech(16_000, TEXT_A), &heard_by_b)])[0];
    println!(
        "PESQ nb Opus->PCMU {:.2} (corr {corr_a:.3}); PCMU->Opus nb {:.2}, wb {wb:.2} (corr {corr_b:.3})",
        nb[0], nb[1]
    );
    assert!(
        nb[0] >= 3.4,
        "narrowband PESQ at the PCMU peer {:.2}",
        nb[0]
    );
    assert!(
        nb[1] >= 3.0,
        "narrowband PESQ at the Opus peer {:.2}",
        nb[1]
    );
    assert!(wb >= 2.0, "wideband PESQ at the Opus peer {wb:.2}");

    // Digits each way, carried as digits (the peers' sessions report them).
    a.session.send_dtmf("159").expect("dtmf a");
    b.session.send_dtmf("#0").expect("dtmf b");
    a.signal.clear();
    b.signal.clear();
    talk(&mut [&mut a, &mut b], Duration::from_secs(3)).await;
    assert_eq!(b.digits, "159", "digits A sent, as B heard them");
    assert_eq!(a.digits, "#0", "digits B sent, as A heard them");

    // The recording: stereo at A's rate, A left, B right.
    let path = server.dir().join("recordings/bridge.wav");
    let path = path.to_str().expect("utf-8 path");
    let soxi = |flag: &str| {
        String::from_utf8(run("soxi", &[flag, path], &[], "sox"))
            .expect("text")
            .trim()
            .to_owned()
    };
    assert_eq!(soxi("-c"), "2");
    assert_eq!(soxi("-r"), "8000");
    let duration: f64 = soxi("-D").parse().expect("duration");
    assert!(
        duration >= seconds,
        "recorded {duration} s of a {seconds} s call"
    );
    let channel = |n: &str| {
        s16le_samples(&run(
            "sox",
            &[
                path, "-t", "raw", "-e", "signed", "-b", "16", "-", "remix", n,
            ],
            &[],
            "sox",
        ))
    };
    let (left, right) = (channel("1"), channel("2"));
    let b_at_8k = reference_a_side;
    // Piece by piece: a shard that falls behind under load leaves short gaps in the
    // recording's timeline, which one alignment for the whole call does not survive.
    let corr = |reference: &[i16], x: &[i16]| {
        median_piece_correlation(&floats(reference), &floats(x), 3200, 480)
    };
    let (ll, lr) = (corr(&speech_a, &left), corr(&speech_a, &right));
    let (rr, rl) = (corr(&b_at_8k, &right), corr(&b_at_8k, &left));
    println!("recording: A left {ll:.3} right {lr:.3}; B right {rr:.3} left {rl:.3}");
    assert!(
        ll > 0.8 && ll > lr + 0.4,
        "A on the left: {ll:.3} vs {lr:.3}"
    );
    assert!(
        rr > 0.6 && rr > rl + 0.3,
        "B on the right: {rr:.3} vs {rl:.3}"
    );

    // Unbridged, both go on alone (silence), and the bridge is gone.
    server
        .call("DELETE", &format!("/v1/bridges/{id}"), None, 200)
        .await;
    server
        .call("GET", &format!("/v1/bridges/{id}"), None, 404)
        .await;
    let ep = server
        .call("GET", &format!("/v1/endpoints/{eb}"), None, 200)
        .await;
    assert_eq!(
        ep["shard"],
        server
            .call("GET", &format!("/v1/endpoints/{ea}"), None, 200)
            .await["shard"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pass_through_keeps_the_payload_bytes_with_the_other_legs_payload_type() {
    let _turn = REAL_TIME.lock().await;
    let server = Server::start_with(|c| c.shards = 2).await;
    let mut a = Peer::new(Codec::Pcmu, 8000, None, 3).await;
    let mut b = Peer::new(Codec::Pcmu, 8000, Some(100), 4).await;
    let (ea, ra) = server.endpoint(json!({"codec": "PCMU"}), a.addr()).await;
    let (eb, rb) = server
        .endpoint(json!({"codec": "PCMU", "payload_type": 100}), b.addr())
        .await;
    a.to = Some(ra);
    b.to = Some(rb);
    let bridge = create_bridge(&server, &ea, &eb).await;
    assert_eq!(bridge["mode"], "passthrough", "{bridge}");
    let id = bridge["id"].as_str().expect("id").to_owned();
    a.signal = tone(8000, 700.0, 2.0);
    b.signal = tone(8000, 450.0, 2.0);
    talk(&mut [&mut a, &mut b], Duration::from_secs(3)).await;

    for (from, to, pt) in [(&a, &b, 100u8), (&b, &a, 0u8)] {
        let got: Vec<&Vec<u8>> = to
            .received
            .iter()
            .filter(|(p, _)| *p == pt)
            .map(|(_, x)| x)
            .collect();
        let first = from
            .sent_payloads
            .iter()
            .position(|p| got.first().is_some_and(|g| *g == p))
            .expect("the first payload received was one the other peer sent");
        let run_len = got
            .iter()
            .zip(&from.sent_payloads[first..])
            .take_while(|(g, s)| **g == *s)
            .count();
        assert!(
            run_len >= 120,
            "{run_len} payloads relayed unchanged in order (pt {pt})"
        );
    }
    let state = server
        .call("GET", &format!("/v1/bridges/{id}"), None, 200)
        .await;
    assert!(
        state["legs"][0]["relayed"].as_u64().unwrap_or(0) >= 120,
        "{state}"
    );

    // Deleting a leg mid-bridge ends the bridge; the other leg lives on and can be bridged
    // again.
    let mut events = server.events(None).await;
    server
        .call("DELETE", &format!("/v1/endpoints/{eb}"), None, 200)
        .await;
    let ended = events.wait("bridge_ended", |e| e["bridge"] == id).await;
    assert_eq!(ended["reason"], "endpoint_deleted", "{ended}");
    server
        .call("GET", &format!("/v1/bridges/{id}"), None, 404)
        .await;
    let listed = server.call("GET", "/v1/bridges", None, 200).await;
    assert_eq!(listed["bridges"], json!([]), "{listed}");
    server
        .call("GET", &format!("/v1/endpoints/{ea}"), None, 200)
        .await;
    // Free again: an endpoint in a bridge would be refused (409).
    let (ec, _) = server.endpoint(json!({"codec": "PCMU"}), b.addr()).await;
    create_bridge(&server, &ea, &ec).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_parties_hear_the_others_not_themselves_and_mute_works() {
    let _turn = REAL_TIME.lock().await;
    let server = Server::start_with(|c| c.shards = 2).await;
    let conference = server
        .call(
            "POST",
            "/v1/conferences",
            Some(json!({"sample_rate": 16000})),
            201,
        )
        .await;
    let id = conference["id"].as_str().expect("id").to_owned();
    server
        .call(
            "POST",
            "/v1/conferences",
            Some(json!({"sample_rate": 11025})),
            400,
        )
        .await;
    let freqs = [400.0f32, 900.0, 1500.0];
    let mut peers = Vec::new();
    let mut ids = Vec::new();
    for (i, f) in freqs.iter().enumerate() {
        let mut p = Peer::new(Codec::Pcmu, 8000, None, 10 + i as u64).await;
        let (e, r) = server.endpoint(json!({"codec": "PCMU"}), p.addr()).await;
        p.to = Some(r);
        p.signal = tone(8000, *f, 10.0);
        server
            .call(
                "POST",
                &format!("/v1/conferences/{id}/participants"),
                Some(json!({"endpoint": e})),
                201,
            )
            .await;
        ids.push(e);
        peers.push(p);
    }
    server
        .call(
            "POST",
            &format!("/v1/conferences/{id}/participants"),
            Some(json!({"endpoint": ids[0]})),
            409,
        )
        .await;
    server
        .call(
            "POST",
            "/v1/bridges",
            Some(json!({"endpoints": [ids[0], ids[1]]})),
            409,
        )
        .await;
    server
        .call(
            "POST",
            &format!("/v1/conferences/{id}/participants"),
            Some(json!({"endpoint": "ep-999"})),
            404,
        )
        .await;
    // The room's mix is recorded while all three talk (a stereo layout is refused).
    let record = |verb: &str| format!("/v1/conferences/{id}/record/{verb}");
    server
        .call(
            "POST",
            &record("start"),
            Some(json!({"name": "room.wav", "layout": "stereo"})),
            400,
        )
        .await;
    server
        .call(
            "POST",
            &record("start"),
            Some(json!({"name": "room.wav"})),
            201,
        )
        .await;
    server
        .call(
            "POST",
            &record("start"),
            Some(json!({"name": "again.wav"})),
            409,
        )
        .await;
    let [p0, p1, p2] = &mut peers[..] else {
        unreachable!()
    };
    talk(&mut [p0, p1, p2], Duration::from_secs(3)).await;
    server.call("POST", &record("pause"), None, 200).await;
    server.call("POST", &record("resume"), None, 200).await;
    let done = server.call("POST", &record("stop"), None, 200).await;
    let recorded_ms = done["duration_ms"].as_u64().expect("duration_ms");
    assert!((2500..=3600).contains(&recorded_ms), "{done}");
    assert_eq!(
        (done["channels"].as_u64(), done["sample_rate"].as_u64()),
        (Some(1), Some(16_000))
    );
    server.call("POST", &record("stop"), None, 409).await;
    let path = server.dir().join("recordings/room.wav");
    let path = path.to_str().expect("utf-8 path");
    let soxi =
        |flag: &str| String::from_utf8(run("soxi", &[flag, path], &[], "sox")).expect("text");
    assert_eq!(soxi("-c").trim(), "1");
    assert_eq!(soxi("-r").trim(), "16000");
    let mix = s16le_samples(&run(
        "sox",
        &[path, "-t", "raw", "-e", "signed", "-b", "16", "-"],
        &[],
        "sox",
    ));
    let tail = &mix[mix.len().saturating_sub(16_000)..];
    for f in freqs {
        let share = tone_share(tail, 16_000, f64::from(f));
        assert!(share > 0.15, "the recorded mix lacks {f} Hz: {share}");
    }
    let state = server
        .call("GET", &format!("/v1/conferences/{id}"), None, 200)
        .await;
    assert_eq!(
        state["participants"].as_array().map(Vec::len),
        Some(3),
        "{state}"
    );
    for (i, p) in peers.iter().enumerate() {
        let tail = &p.heard[p.heard.len() - 8000..];
        let shares: Vec<f64> = freqs
            .iter()
            .map(|&f| tone_share(tail, 8000, f64::from(f)))
            .collect();
        println!("party {i} hears {shares:?}");
        for (j, share) in shares.iter().enumerate() {
            if i == j {
                assert!(*share < 0.02, "party {i} hears itself: {shares:?}");
            } else {
                assert!(
                    *share > 0.15,
                    "party {i} does not hear party {j}: {shares:?}"
                );
            }
        }
    }
    server
        .call(
            "PATCH",
            &format!("/v1/conferences/{id}/participants/{}", ids[0]),
            Some(json!({"muted": true})),
            200,
        )
        .await;
    for p in &mut peers {
        p.heard.clear();
    }
    let [p0, p1, p2] = &mut peers[..] else {
        unreachable!()
    };
    talk(&mut [p0, p1, p2], Duration::from_secs(2)).await;
    for p in &peers[1..] {
        let tail = &p.heard[p.heard.len() - 8000..];
        let muted = tone_share(tail, 8000, f64::from(freqs[0]));
        assert!(muted < 0.02, "the muted party is still heard: {muted}");
    }
    server
        .call(
            "DELETE",
            &format!("/v1/conferences/{id}/participants/{}", ids[2]),
            None,
            200,
        )
        .await;
    server
        .call("DELETE", &format!("/v1/conferences/{id}"), None, 200)
        .await;
    server
        .call("GET", &format!("/v1/conferences/{id}"), None, 404)
        .await;
}
