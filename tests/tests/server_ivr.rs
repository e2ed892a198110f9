//! End to end: IVR and recording through the server's HTTP API, started in-process on
//! loopback, with a peer that is a core `MediaSession` over a tokio UDP socket.
//!
//! - A prompt spoken by espeak-ng, in a temporary media folder, reaches the peer: the PCMU
//!   it receives, decoded, correlates with the prompt.
//! - The peer's RFC 4733 digits come back on the WebSocket event stream as `dtmf` and end a
//!   play-and-collect (`play_collect_done`); digits the server sends reach the peer.
//! - A stereo recording of the call (the peer's tone left, the prompt right) is checked with
//!   soxi and downloaded over HTTP; deleting an endpoint and stopping the server complete
//!   the recordings under way.
//! - Names out of the folders and unknown endpoints are refused.
//!
//! Every wait has a timeout; the tests take a few seconds each.

use core::time::Duration;
use std::net::SocketAddr;
use std::path::Path;

use mediacore::dtmf::DigitSource;
use mediacore::rtp::RtpPacket;
use mediacore::{AudioFrame, Codec, Decoder, Event, MediaSession, SessionConfig, new_decoder};
use mediacore_tests::oracle::{espeak_speech, run};
use serde_json::json;
use tokio::net::UdpSocket;
use tokio::time::Instant;

mod server_common;
use server_common::{Server, try_http};

const RATE: u32 = 8000;
const FRAME: usize = 160;

/// The remote party: a core session on its own UDP socket, on its own 20 ms clock.
struct Peer {
    socket: UdpSocket,
    session: MediaSession,
    decoder: Box<dyn Decoder>,
    started: Instant,
    /// The audio the server sent, decoded from each PCMU packet in arrival order.
    heard: Vec<i16>,
    /// What the peer's session reported (telephone-events from the server among them).
    events: Vec<Event>,
    sent_frames: u64,
}

impl Peer {
    async fn new(seed: u64) -> Peer {
        Peer {
            socket: UdpSocket::bind("127.0.0.1:0").await.expect("bind peer"),
            session: MediaSession::new(SessionConfig {
                seed,
                ..SessionConfig::new(Codec::Pcmu)
            })
            .expect("peer session"),
            decoder: new_decoder(Codec::Pcmu, RATE, 1).expect("PCMU decoder"),
            started: Instant::now(),
            heard: Vec::new(),
            events: Vec::new(),
            sent_frames: 0,
        }
    }

    fn addr(&self) -> SocketAddr {
        self.socket.local_addr().expect("peer address")
    }

    /// For `duration`, sends a frame every 20 ms to `to` (a 600 Hz tone when `tone`, else
    /// silence; queued DTMF takes its place) and takes in what arrives.
    async fn talk(&mut self, to: SocketAddr, duration: Duration, tone: bool) {
        let mut ticker = tokio::time::interval(Duration::from_millis(20));
        let end = Instant::now() + duration;
        let mut buf = [0u8; 2048];
        loop {
            tokio::select! {
                at = ticker.tick() => {
                    if at >= end {
                        break;
                    }
                    let now = self.now();
                    let samples = (0..FRAME)
                        .map(|i| {
                            if !tone {
                                return 0;
                            }
                            let t = (self.sent_frames as usize * FRAME + i) as f32 / RATE as f32;
                            ((t * 600.0 * core::f32::consts::TAU).sin() * 6000.0) as i16
                        })
                        .collect();
                    self.sent_frames += 1;
                    let frame = AudioFrame::new(samples, RATE, 1).expect("frame");
                    self.session.push_capture(now, &frame).expect("capture");
                    while let Some(datagram) = self.session.poll_transmit(now) {
                        self.socket.send_to(datagram, to).await.expect("send RTP");
                    }
                    self.session.handle_timeout(now);
                    while let Some(event) = self.session.poll_event() {
                        self.events.push(event);
                    }
                }
                received = self.socket.recv(&mut buf) => {
                    let len = received.expect("receive RTP");
                    self.take(&buf[..len]);
                }
            }
        }
    }

    fn take(&mut self, datagram: &[u8]) {
        let now = self.now();
        let _ = self.session.handle_rtp(now, datagram);
        if let Ok(packet) = RtpPacket::parse(datagram)
            && packet.payload_type() == 0
        {
            let mut out = vec![0i16; self.decoder.max_decoded_len(packet.payload().len())];
            let n = self
                .decoder
                .decode(packet.payload(), &mut out)
                .expect("decode PCMU");
            self.heard.extend_from_slice(&out[..n]);
        }
        while let Some(event) = self.session.poll_event() {
            self.events.push(event);
        }
    }

    fn now(&self) -> mediacore::Instant {
        mediacore::Instant::from_micros(self.started.elapsed().as_micros() as u64)
    }
}

/// A spoken prompt of about two seconds at 8 kHz, written to `media/name` as WAV.
fn write_prompt(media: &Path, name: &str) -> Vec<i16> {
    let speech = espeak_speech(RATE, "Welcome to the media server. Press four two.");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(media.join(name), spec).expect("create prompt");
    for s in &speech {
        writer.write_sample(*s).expect("write prompt");
    }
    writer.finalize().expect("finish prompt");
    speech
}

fn energy(x: &[i16]) -> f64 {
    x.iter().map(|&s| f64::from(s) * f64::from(s)).sum()
}

/// The normalized correlation of `prompt` with `heard` at the frame-aligned lag where they
/// match best (prompts start on a frame boundary), and that lag.
/// The tests that run a call in real time take turns: on a 2-core machine two servers and
/// their peers ticking at once make each other late, and a late shard skips frames.
static REAL_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn best_frame_alignment(prompt: &[i16], heard: &[i16]) -> (usize, f64) {
    let mut best = (0, 0.0);
    let mut lag = 0;
    while lag + prompt.len() / 2 < heard.len() {
        let n = prompt.len().min(heard.len() - lag);
        let (a, b) = (&prompt[..n], &heard[lag..lag + n]);
        let dot: f64 = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| f64::from(x) * f64::from(y))
            .sum();
        let c = dot / (energy(prompt) * energy(b)).sqrt().max(1.0);
        if c > best.1 {
            best = (lag, c);
        }
        lag += FRAME;
    }
    best
}

/// The median over the prompt's voiced 400 ms pieces of each one's best correlation with
/// `heard`, following the prompt through short gaps (see
/// [`mediacore_tests::align::median_piece_correlation`]).
fn median_piece_correlation(prompt: &[i16], heard: &[i16]) -> f64 {
    let floats = |x: &[i16]| -> Vec<f64> { x.iter().map(|&s| f64::from(s)).collect() };
    mediacore_tests::align::median_piece_correlation(&floats(prompt), &floats(heard), 3200, 480)
}

fn soxi(path: &Path, flag: &str) -> String {
    let path = path.to_str().expect("utf-8 path");
    let out = run("soxi", &[flag, path], &[], "sox");
    String::from_utf8_lossy(&out).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_prompt_reaches_the_peer_and_its_digits_come_back_as_events() {
    let _one_at_a_time = REAL_TIME.lock().await;
    let server = Server::start().await;
    let prompt = write_prompt(&server.media(), "welcome.wav");
    let mut peer = Peer::new(11).await;
    let (id, rtp) = server.endpoint(json!({"codec": "PCMU"}), peer.addr()).await;
    let mut events = server.events(Some(&id)).await;

    let play = format!("/v1/endpoints/{id}/play");
    let answer = server
        .post(&play, json!({"file": "welcome.wav"}), 200)
        .await;
    let playback = answer["playback_id"].as_u64().expect("playback_id");
    let prompt_secs = prompt.len() as f64 / f64::from(RATE);
    peer.talk(rtp, Duration::from_secs_f64(prompt_secs + 0.6), false)
        .await;
    events
        .wait("playback_started", |e| e["playback_id"] == playback)
        .await;
    events
        .wait("playback_finished", |e| e["playback_id"] == playback)
        .await;

    let (lag, correlation) = best_frame_alignment(&prompt, &peer.heard);
    let heard = &peer.heard[lag..(lag + prompt.len()).min(peer.heard.len())];
    let level = energy(heard) / energy(&prompt);
    println!(
        "prompt {prompt_secs:.2} s, heard {} samples, lag {lag}, correlation {correlation:.4}, \
         energy ratio {level:.3}",
        peer.heard.len()
    );
    assert!(
        correlation > 0.95,
        "the audio the peer heard correlates only {correlation:.4} with the prompt"
    );
    assert!((0.8..=1.25).contains(&level), "energy ratio {level:.3}");

    // Play-and-collect: the peer presses 4 and 2 as RFC 4733 telephone-events.
    let body = json!({"prompts": ["welcome.wav"], "max_digits": 2, "accept": ["42"],
                      "first_digit_timeout_ms": 8000});
    let answer = server
        .post(&format!("/v1/endpoints/{id}/play_and_collect"), body, 200)
        .await;
    assert_eq!(answer["collecting"], true);
    peer.talk(rtp, Duration::from_millis(400), false).await;
    peer.session.send_dtmf("42").expect("queue digits");
    peer.talk(rtp, Duration::from_millis(900), false).await;
    for digit in ["4", "2"] {
        let dtmf = events.wait("dtmf", |e| e["digit"] == digit).await;
        assert_eq!(dtmf["source"], "rfc4733", "{dtmf}");
        assert_eq!(dtmf["endpoint"], id.as_str());
        assert!(dtmf["duration_ms"].as_u64().unwrap() >= 50, "{dtmf}");
    }
    let done = events.wait("play_collect_done", |_| true).await;
    assert_eq!(
        (&done["reason"], &done["digits"], &done["success"]),
        (&json!("digits"), &json!("42"), &json!(true)),
        "{done}"
    );

    // Digits the server sends reach the peer as telephone-events.
    let answer = server
        .post(
            &format!("/v1/endpoints/{id}/dtmf"),
            json!({"digits": "7#"}),
            200,
        )
        .await;
    assert_eq!(answer["queued"], "7#");
    peer.talk(rtp, Duration::from_millis(800), false).await;
    let received: String = peer
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Dtmf {
                digit,
                source: DigitSource::Rfc4733,
                ..
            } => Some(digit.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(received, "7#");

    // A collection ended from the API reports its digits so far.
    server
        .post(
            &format!("/v1/endpoints/{id}/collect"),
            json!({"max_digits": 4}),
            200,
        )
        .await;
    let (status, _) = server
        .answer("POST", &format!("/v1/endpoints/{id}/collect/stop"), None)
        .await;
    assert_eq!(status, 200);
    let collected = events.wait("digits_collected", |_| true).await;
    assert_eq!(collected["reason"], "cancelled", "{collected}");

    let (status, _) = server
        .answer("DELETE", &format!("/v1/endpoints/{id}"), None)
        .await;
    assert_eq!(status, 200);
    events
        .wait("endpoint_closed", |e| e["reason"] == "deleted")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_call_is_recorded_in_stereo_and_downloaded() {
    let _one_at_a_time = REAL_TIME.lock().await;
    let mut server = Server::start().await;
    let prompt = write_prompt(&server.media(), "welcome.wav");
    let mut peer = Peer::new(21).await;
    let (id, rtp) = server.endpoint(json!({"codec": "PCMU"}), peer.addr()).await;
    let mut events = server.events(None).await;

    let start = format!("/v1/endpoints/{id}/record/start");
    let body = json!({"name": "call-42.wav", "layout": "stereo", "call_id": "abc@example"});
    let started = server.post(&start, body.clone(), 201).await;
    assert_eq!(
        (&started["format"], &started["layout"]),
        (&json!("wav"), &json!("stereo"))
    );
    // Recording twice, or a name taken, is a conflict.
    let twice = server.post(&start, json!({"name": "other.wav"}), 409).await;
    assert!(
        twice["error"]
            .as_str()
            .unwrap()
            .contains("already recording"),
        "{twice}"
    );
    // Still being written: not listed, not downloadable.
    let list = server.call("GET", "/v1/recordings", None, 200).await;
    assert_eq!(list["recordings"], json!([]));
    let (status, ..) = try_http(server.addr, "GET", "/v1/recordings/call-42.wav", None)
        .await
        .unwrap();
    assert_eq!(status, 409);

    server
        .post(
            &format!("/v1/endpoints/{id}/play"),
            json!({"file": "welcome.wav"}),
            200,
        )
        .await;
    peer.talk(rtp, Duration::from_millis(2500), true).await;
    let (status, done) = server
        .answer("POST", &format!("/v1/endpoints/{id}/record/stop"), None)
        .await;
    assert_eq!(status, 200, "{done}");
    let duration_ms = done["duration_ms"].as_u64().unwrap();
    assert!((2200..=2900).contains(&duration_ms), "{done}");
    assert_eq!(done["channels"], 2);
    let event = events
        .wait("recording_done", |e| e["name"] == "call-42.wav")
        .await;
    assert_eq!(
        (&event["reason"], &event["bytes"]),
        (&json!("stopped"), &done["bytes"])
    );
    let again = server
        .answer("POST", &format!("/v1/endpoints/{id}/record/stop"), None)
        .await;
    assert_eq!(again.0, 409, "{}", again.1);
    server.post(&start, body, 409).await;

    // The file, as sox sees it.
    let file = server.recordings().join("call-42.wav");
    assert_eq!(soxi(&file, "-c"), "2");
    assert_eq!(soxi(&file, "-r"), "8000");
    let secs: f64 = soxi(&file, "-D").parse().expect("soxi -D");
    assert!(
        (secs * 1000.0 - duration_ms as f64).abs() < 30.0,
        "soxi says {secs} s"
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().len(),
        done["bytes"].as_u64().unwrap()
    );

    // Downloaded over HTTP: the same bytes, as audio/wav.
    let list = server.call("GET", "/v1/recordings", None, 200).await;
    assert_eq!(list["recordings"][0]["name"], "call-42.wav", "{list}");
    let (status, head, bytes) = try_http(server.addr, "GET", "/v1/recordings/call-42.wav", None)
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: audio/wav"),
        "{head}"
    );
    assert_eq!(bytes, std::fs::read(&file).unwrap());

    // Left: the peer's tone; right: the prompt the server played.
    let mut reader = hound::WavReader::new(std::io::Cursor::new(bytes)).expect("WAV");
    let samples: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
    let left: Vec<i16> = samples.iter().step_by(2).copied().collect();
    let right: Vec<i16> = samples.iter().skip(1).step_by(2).copied().collect();
    let rms = |x: &[i16]| (energy(x) / x.len().max(1) as f64).sqrt();
    println!(
        "recording: left rms {:.0}, right rms {:.0}",
        rms(&left),
        rms(&right)
    );
    assert!(
        rms(&left) > 2000.0,
        "the peer's tone is missing on the left"
    );
    // Piece by piece: under load a shard may fall behind and the recording's timeline then
    // holds a short gap, after which the prompt continues a few samples later.
    let correlation = median_piece_correlation(&prompt, &right);
    assert!(
        correlation > 0.9,
        "the right channel correlates {correlation:.3} with the prompt (median of its pieces)"
    );

    // Deleting an endpoint completes its recording (Ogg Opus here).
    let ogg = json!({"name": "deleted.ogg", "max_duration_ms": 60000});
    server.post(&start, ogg, 201).await;
    peer.talk(rtp, Duration::from_millis(600), true).await;
    server
        .answer("DELETE", &format!("/v1/endpoints/{id}"), None)
        .await;
    let deleted = events
        .wait("recording_done", |e| e["name"] == "deleted.ogg")
        .await;
    assert_eq!(deleted["reason"], "endpoint_deleted", "{deleted}");
    let ogg_path = server.recordings().join("deleted.ogg");
    let probe = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name,channels",
            "-of",
            "csv=p=0",
            ogg_path.to_str().unwrap(),
        ],
        &[],
        "ffmpeg",
    );
    assert_eq!(String::from_utf8_lossy(&probe).trim(), "opus,2");

    // A recording that reaches its limit completes by itself.
    let (id2, rtp2) = server.endpoint(json!({"codec": "PCMU"}), peer.addr()).await;
    let limited = json!({"name": "limited.wav", "layout": "mono", "max_duration_ms": 300});
    server
        .post(&format!("/v1/endpoints/{id2}/record/start"), limited, 201)
        .await;
    peer.talk(rtp2, Duration::from_millis(700), true).await;
    let limit = events
        .wait("recording_done", |e| e["name"] == "limited.wav")
        .await;
    assert_eq!(
        (&limit["reason"], &limit["duration_ms"]),
        (&json!("max_duration"), &json!(300))
    );

    // Stopping the server completes the recordings under way.
    server
        .post(
            &format!("/v1/endpoints/{id2}/record/start"),
            json!({"name": "shutdown.wav"}),
            201,
        )
        .await;
    peer.talk(rtp2, Duration::from_millis(500), true).await;
    server.stop().await;
    let at_shutdown = events
        .wait("recording_done", |e| e["name"] == "shutdown.wav")
        .await;
    assert_eq!(at_shutdown["reason"], "shutdown");
    let path = server.recordings().join("shutdown.wav");
    let secs: f64 = soxi(&path, "-D").parse().expect("soxi -D");
    assert!(
        secs >= 0.4,
        "the recording completed at shutdown holds {secs} s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_out_of_the_folders_and_unknown_endpoints_are_refused() {
    let server = Server::start().await;
    let secret = server.dir().join("secret.wav");
    std::fs::write(&secret, b"RIFF").unwrap();
    std::os::unix::fs::symlink(&secret, server.media().join("link.wav")).unwrap();
    std::fs::write(server.media().join("notes.wav"), b"these are not samples").unwrap();
    let peer = Peer::new(31).await;
    let (id, _) = server.endpoint(json!({"codec": "PCMU"}), peer.addr()).await;
    let play = format!("/v1/endpoints/{id}/play");

    let refused = [
        ("../etc/passwd", 400, "\"..\""),
        ("/etc/passwd", 400, "absolute"),
        ("link.wav", 400, "outside the media folder"),
        ("missing.wav", 404, "missing.wav"),
        ("notes.wav", 400, "cannot be played"),
    ];
    for (file, status, needle) in refused {
        let answer = server.post(&play, json!({"file": file}), status).await;
        let message = answer["error"].as_str().unwrap_or_default();
        assert!(
            message.contains(needle),
            "{file}: {message:?} does not say {needle:?}"
        );
    }
    let start = format!("/v1/endpoints/{id}/record/start");
    for (name, status) in [
        ("../out.wav", 400),
        ("/tmp/out.wav", 400),
        ("no/such/dir.wav", 404),
    ] {
        server.post(&start, json!({"name": name}), status).await;
    }
    let bad_format = server
        .post(&start, json!({"name": "a.wav", "format": "ogg-opus"}), 400)
        .await;
    assert!(
        bad_format["error"]
            .as_str()
            .unwrap()
            .contains("implies format wav")
    );
    let (status, ..) = try_http(server.addr, "GET", "/v1/recordings/%2E%2E/secret.wav", None)
        .await
        .unwrap();
    assert_eq!(status, 400);
    let (status, ..) = try_http(server.addr, "GET", "/v1/recordings/nothing.wav", None)
        .await
        .unwrap();
    assert_eq!(status, 404);

    for path in ["play", "dtmf", "record/stop", "moh/stop"] {
        let (status, answer) = server
            .answer(
                "POST",
                &format!("/v1/endpoints/ep-999/{path}"),
                Some(json!({"file": "x.wav", "digits": "1"})),
            )
            .await;
        // Unknown fields are refused before the id is looked up; the others answer 404.
        assert!(status == 404 || status == 422, "{path}: {status} {answer}");
    }
    let (status, answer) = server
        .answer(
            "POST",
            "/v1/endpoints/ep-999/play",
            Some(json!({"file": "x.wav"})),
        )
        .await;
    assert_eq!(status, 404, "{answer}");
    let (status, _) = server
        .answer("POST", "/v1/endpoints/ep-999/record/stop", None)
        .await;
    assert_eq!(status, 404);
    let moh = server
        .answer("POST", &format!("/v1/endpoints/{id}/moh/stop"), None)
        .await;
    assert_eq!(moh.0, 409, "{}", moh.1);
}
