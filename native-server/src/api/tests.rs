//! API tests through the router (tower `oneshot`), with real RTP sockets on loopback.

use core::time::Duration;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use mediacore::{AudioFrame, Codec, Instant, MediaSession, SessionConfig};
use serde_json::{Value, json};
use tokio::net::UdpSocket;
use tower::ServiceExt;

use super::router;
use crate::clock::MediaClock;
use crate::config::{Config, PortRange};
use crate::endpoint::Endpoints;

/// `count` consecutive ports starting at an even port nothing listened on a moment ago.
pub(super) fn free_ports(count: u16) -> PortRange {
    loop {
        let probe = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = probe.local_addr().unwrap().port();
        if port.is_multiple_of(2) && port.checked_add(count).is_some() {
            return PortRange::new(port, port + count - 1).unwrap();
        }
    }
}

/// The router over `ports`, with media and recordings folders in the returned temporary
/// folder (which must outlive the router).
pub(super) fn app(ports: PortRange) -> (Router, tempfile::TempDir) {
    app_with(ports, |_| {})
}

/// [`app`] with the configuration changed by `adjust`.
pub(super) fn app_with(
    ports: PortRange,
    adjust: impl FnOnce(&mut Config),
) -> (Router, tempfile::TempDir) {
    let (app, _, files) = app_and_endpoints(ports, adjust);
    (app, files)
}

/// [`app_with`], and the endpoints behind the router (for their event bus).
pub(super) fn app_and_endpoints(
    ports: PortRange,
    adjust: impl FnOnce(&mut Config),
) -> (Router, Arc<Endpoints>, tempfile::TempDir) {
    let files = tempfile::tempdir().unwrap();
    let mut config = Config::with_listen("127.0.0.1:0".parse().unwrap());
    config.rtp_ports = ports;
    adjust(&mut config);
    config.media_dir = files.path().join("media");
    config.recordings_dir = files.path().join("recordings");
    let endpoints = Arc::new(Endpoints::start(&config, MediaClock::new()).unwrap());
    (router(endpoints.clone()), endpoints, files)
}

pub(super) async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let request = request
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned())))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{method} {uri}: body is not JSON ({e}): {bytes:?}"));
    (status, value)
}

/// Asserts a JSON error answer whose message contains every one of `needles`.
pub(super) fn assert_error(answer: &(StatusCode, Value), status: StatusCode, needles: &[&str]) {
    assert_eq!(answer.0, status, "{}", answer.1);
    let message = answer.1["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no \"error\" string in {}", answer.1));
    for needle in needles {
        assert!(
            message.contains(needle),
            "error {message:?} does not mention {needle:?}"
        );
    }
}

#[tokio::test]
async fn healthz_answers_ok() {
    let (app, _files) = app(free_ports(4));
    assert_eq!(
        call(&app, "GET", "/healthz", None).await,
        (StatusCode::OK, json!({"status": "ok"}))
    );
}

#[tokio::test]
async fn endpoints_are_created_described_listed_and_released() {
    let ports = free_ports(10);
    let (app, _files) = app(ports);
    let (status, created) = call(
        &app,
        "POST",
        "/v1/endpoints",
        Some(r#"{"codec": "pcma", "remote": "127.0.0.1:4000", "ptime_ms": 30}"#),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["codec"], "PCMA");
    assert_eq!(created["payload_type"], 8);
    assert_eq!(created["ptime_ms"], 30);
    assert_eq!(created["local_address"], "127.0.0.1");
    assert_eq!(created["remote"], "127.0.0.1:4000");
    let port = created["local_port"].as_u64().unwrap() as u16;
    assert!((ports.first()..=ports.last()).contains(&port) && port.is_multiple_of(2));
    let id = created["id"].as_str().unwrap().to_owned();

    let (status, described) = call(&app, "GET", &format!("/v1/endpoints/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(described["id"], id.as_str());
    assert_eq!(described["echo"], false);
    assert_eq!(described["echo_started"], false);
    // Endpoints that do not echo send silence from the start (a clock for prompts).
    assert_eq!(described["media_started"], true);
    assert_eq!(described["playing"], false);
    assert_eq!(described["recording"], Value::Null);
    assert_eq!(described["stats"]["packets_received"], 0);

    let (status, second) = call(&app, "POST", "/v1/endpoints", Some(r#"{"codec":"PCMU"}"#)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(second["payload_type"], 0);
    assert_eq!(second["remote"], Value::Null);
    assert_ne!(second["local_port"], created["local_port"]);

    let (status, list) = call(&app, "GET", "/v1/endpoints", None).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = list["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str(), second["id"].as_str().unwrap()]);

    let (status, released) = call(&app, "DELETE", &format!("/v1/endpoints/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(released["id"], id.as_str());
    assert_eq!(released["stats"]["packets_received"], 0);
    // The port is free again once the endpoint is released.
    std::net::UdpSocket::bind(("127.0.0.1", port)).expect("released port can be bound");

    let gone = call(&app, "GET", &format!("/v1/endpoints/{id}"), None).await;
    assert_error(&gone, StatusCode::NOT_FOUND, &[&id]);
    let gone = call(&app, "DELETE", &format!("/v1/endpoints/{id}"), None).await;
    assert_error(&gone, StatusCode::NOT_FOUND, &[&id]);
}

#[tokio::test]
async fn bad_requests_get_json_errors_that_say_what_was_wrong() {
    let (app, _files) = app(free_ports(4));
    let post = |body: &'static str| {
        let app = app.clone();
        async move { call(&app, "POST", "/v1/endpoints", Some(body)).await }
    };
    assert_error(&post("{not json").await, StatusCode::BAD_REQUEST, &["JSON"]);
    assert_error(
        &post(r#"{"codec": "G729"}"#).await,
        StatusCode::BAD_REQUEST,
        &["G729", "PCMU, PCMA"],
    );
    assert_error(
        &post(r#"{"codec": "PCMU", "remote": "localhost"}"#).await,
        StatusCode::BAD_REQUEST,
        &["remote", "localhost", "127.0.0.1:4000"],
    );
    assert_error(
        &post(r#"{"codec": "PCMU", "remote": "127.0.0.1:0"}"#).await,
        StatusCode::BAD_REQUEST,
        &["port 0"],
    );
    assert_error(
        &post(r#"{"codec": "PCMU", "remote": "[::1]:4000"}"#).await,
        StatusCode::BAD_REQUEST,
        &["IPv6", "IPv4"],
    );
    assert_error(
        &post(r#"{"codec": "PCMU", "ptime_ms": 25}"#).await,
        StatusCode::BAD_REQUEST,
        &["ptime 25 ms"],
    );
    assert_error(
        &post(r#"{"remote": "127.0.0.1:4000"}"#).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["missing field `codec`"],
    );
    assert_error(
        &post(r#"{"codec": "PCMU", "remot": "127.0.0.1:4000"}"#).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["unknown field `remot`"],
    );
    assert_error(
        &post(r#"{"codec": 0}"#).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["codec"],
    );
    assert_error(
        &call(&app, "POST", "/v1/endpoints", None).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        &["Content-Type"],
    );
    assert_error(
        &call(&app, "GET", "/v1/endpoints/ep-404", None).await,
        StatusCode::NOT_FOUND,
        &["ep-404"],
    );
    assert_error(
        &call(&app, "GET", "/v2/nothing", None).await,
        StatusCode::NOT_FOUND,
        &["GET /v2/nothing"],
    );
    assert_error(
        &call(&app, "PUT", "/healthz", None).await,
        StatusCode::METHOD_NOT_ALLOWED,
        &["PUT", "/healthz"],
    );
}

#[tokio::test]
async fn exhausted_port_range_answers_503() {
    // Two ports hold one endpoint: RTP takes the even one.
    let (app, _files) = app(free_ports(2));
    let body = Some(r#"{"codec":"PCMU"}"#);
    let (status, first) = call(&app, "POST", "/v1/endpoints", body).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let second = call(&app, "POST", "/v1/endpoints", body).await;
    assert_error(
        &second,
        StatusCode::SERVICE_UNAVAILABLE,
        &["no free RTP port"],
    );
}

#[tokio::test]
async fn stats_report_every_shard() {
    let (app, _files) = app(free_ports(4));
    tokio::time::sleep(Duration::from_millis(70)).await;
    let (status, stats) = call(&app, "GET", "/v1/stats", None).await;
    assert_eq!(status, StatusCode::OK);
    let shards = stats["shards"].as_array().unwrap();
    assert_eq!(shards.len(), 2);
    for shard in shards {
        assert!(shard["ticks"].as_u64().unwrap() >= 1, "{shard}");
        assert!(shard["lateness_max_us"].is_u64());
    }
}

/// A peer that speaks RTP with the core's own session.
struct Peer {
    socket: UdpSocket,
    session: MediaSession,
}

impl Peer {
    async fn new(seed: u64) -> Self {
        Peer {
            socket: UdpSocket::bind("127.0.0.1:0").await.unwrap(),
            session: MediaSession::new(SessionConfig {
                seed,
                ..SessionConfig::new(Codec::Pcmu)
            })
            .unwrap(),
        }
    }

    fn addr(&self) -> SocketAddr {
        self.socket.local_addr().unwrap()
    }

    /// Sends `frames` 20 ms frames of a 400 Hz tone to `to`, in real time.
    async fn send_tone(&mut self, to: SocketAddr, frames: usize) {
        for k in 0..frames {
            let samples = (0..160)
                .map(|i| {
                    let t = (k * 160 + i) as f32 / 8000.0;
                    ((t * 400.0 * core::f32::consts::TAU).sin() * 8000.0) as i16
                })
                .collect();
            let now = Instant::from_millis(20 * k as u64);
            let frame = AudioFrame::new(samples, 8000, 1).unwrap();
            self.session.push_capture(now, &frame).unwrap();
            while let Some(datagram) = self.session.poll_transmit(now) {
                self.socket.send_to(datagram, to).await.unwrap();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Decodes what arrives during `listen` (the echo never stops: silence follows the
    /// tone); returns the number of packets and the peak sample.
    async fn receive(&mut self, listen: Duration) -> (usize, i16) {
        let mut buf = [0u8; 2048];
        let (mut packets, mut peak) = (0, 0i16);
        let mut now = Instant::ZERO;
        let deadline = tokio::time::Instant::now() + listen;
        while let Ok(Ok(len)) = tokio::time::timeout_at(deadline, self.socket.recv(&mut buf)).await
        {
            self.session.handle_rtp(now, &buf[..len]).unwrap();
            packets += 1;
            let frame = self.session.pull_playout(now);
            peak = peak.max(
                frame
                    .samples()
                    .iter()
                    .map(|s| s.saturating_abs())
                    .max()
                    .unwrap(),
            );
            now = now + Duration::from_millis(20);
        }
        (packets, peak)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_latches_to_the_first_source_and_returns_decoded_audio() {
    let (app, _files) = app(free_ports(4));
    let body = Some(r#"{"codec": "PCMU", "echo": true}"#);
    let (_, created) = call(&app, "POST", "/v1/endpoints", body).await;
    assert_eq!(created["echo"], true);
    let id = created["id"].as_str().unwrap().to_owned();
    let endpoint: SocketAddr = format!("127.0.0.1:{}", created["local_port"])
        .parse()
        .unwrap();

    let mut peer = Peer::new(7).await;
    let stranger = Peer::new(8).await;
    // Not RTP: counted and ignored, and the stranger does not get latched.
    stranger.socket.send_to(b"hello", endpoint).await.unwrap();
    peer.send_tone(endpoint, 25).await;
    stranger
        .socket
        .send_to(b"\x80\x00\x00\x01\0\0\0\0\0\0\0\x09\xff", endpoint)
        .await
        .unwrap();
    let (packets, peak) = peer.receive(Duration::from_millis(300)).await;
    assert!(packets >= 20, "only {packets} packets came back");
    assert!(
        peak > 4000,
        "echoed audio peaks at {peak}, the tone at 8000"
    );

    let (_, described) = call(&app, "GET", &format!("/v1/endpoints/{id}"), None).await;
    assert_eq!(described["latched_source"], peer.addr().to_string());
    assert_eq!(described["sending_to"], peer.addr().to_string());
    assert_eq!(described["echo_started"], true);
    let stats = &described["stats"];
    assert_eq!(stats["packets_received"], 25, "{stats}");
    assert_eq!(stats["packets_rejected"], 1, "{stats}");
    assert_eq!(stats["datagrams_ignored_source"], 1, "{stats}");
    assert_eq!(stats["send_errors"], 0, "{stats}");
    // The receive path: the jitter buffer decoded the tone and RTCP counted the stream.
    let receive = &described["receive"];
    assert!(
        receive["jitter"]["samples_decoded"].as_u64().unwrap() > 0,
        "{receive}"
    );
    let target = receive["target_delay_ms"].as_f64().unwrap();
    assert!((20.0..=500.0).contains(&target), "{receive}");
    // RFC 3550 A.1: the first packet of the probation is not counted.
    assert_eq!(receive["rtcp"]["packets_received"], 24, "{receive}");
    assert!(receive.get("quality").is_some(), "{receive}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_goes_to_the_configured_remote() {
    let (app, _files) = app(free_ports(4));
    let receiver = Peer::new(3).await;
    let body =
        json!({"codec": "PCMU", "remote": receiver.addr().to_string(), "echo": true}).to_string();
    let (status, created) = call(&app, "POST", "/v1/endpoints", Some(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let endpoint: SocketAddr = format!("127.0.0.1:{}", created["local_port"])
        .parse()
        .unwrap();

    let mut sender = Peer::new(4).await;
    sender.send_tone(endpoint, 15).await;
    let mut receiver = receiver;
    let (packets, peak) = receiver.receive(Duration::from_millis(300)).await;
    assert!(packets >= 10, "only {packets} packets reached the remote");
    assert!(peak > 4000, "echoed audio peaks at {peak}");
    let (got_back, _) = sender.receive(Duration::from_millis(50)).await;
    assert_eq!(
        got_back, 0,
        "nothing goes back to the sender when a remote is set"
    );
}

#[test]
fn collect_timeouts_distinguish_absent_from_null() {
    use super::media::CollectBody;
    let body: CollectBody = serde_json::from_value(json!({
        "max_digits": 4, "terminators": "*#", "first_digit_timeout_ms": null,
        "overall_timeout_ms": 9000
    }))
    .unwrap();
    let config = body.config().unwrap();
    assert_eq!(config.max_digits, 4);
    assert_eq!(
        config.first_digit_timeout, None,
        "null turns the timeout off"
    );
    assert_eq!(
        config.inter_digit_timeout,
        Some(Duration::from_secs(3)),
        "absent keeps the default"
    );
    assert_eq!(config.overall_timeout, Some(Duration::from_secs(9)));
    let zero: CollectBody = serde_json::from_value(json!({"inter_digit_timeout_ms": 0})).unwrap();
    assert!(
        zero.config()
            .unwrap_err()
            .to_string()
            .contains("inter_digit_timeout")
    );
    let bad: CollectBody = serde_json::from_value(json!({"terminators": "#x"})).unwrap();
    assert!(
        bad.config()
            .unwrap_err()
            .to_string()
            .contains("terminators")
    );
}

#[test]
fn recording_formats_follow_the_name_unless_given() {
    use super::media::RecordBody;
    use mediacore::record::{RecordFormat, RecordLayout};
    let body = |v: Value| serde_json::from_value::<RecordBody>(v).unwrap();
    let wav = body(json!({"name": "a.wav"})).config(8000, "ep-1").unwrap();
    assert_eq!(
        (wav.format, wav.layout),
        (RecordFormat::Wav, RecordLayout::Stereo)
    );
    assert_eq!(
        wav.metadata.extra,
        [("endpoint".to_owned(), "ep-1".to_owned())]
    );
    let ogg = body(json!({"name": "a.OGG", "layout": "mono"}))
        .config(8000, "ep-1")
        .unwrap();
    assert_eq!(ogg.format, RecordFormat::OggOpus { bitrate: 24_000 });
    let named = body(json!({"name": "call", "format": "ogg-opus", "bitrate": 32000}))
        .config(16_000, "ep-1")
        .unwrap();
    assert_eq!(named.format, RecordFormat::OggOpus { bitrate: 32_000 });
    for (v, needle) in [
        (json!({"name": "call"}), "give format"),
        (
            json!({"name": "a.wav", "format": "ogg-opus"}),
            "implies format wav",
        ),
        (json!({"name": "a.wav", "layout": "quad"}), "quad"),
        (json!({"name": "a.wav", "pause_mode": "stop"}), "stop"),
        (json!({"name": "a.wav", "bitrate": 32000}), "bitrate"),
        (json!({"name": "a", "format": "mp3"}), "mp3"),
    ] {
        let e = body(v.clone()).config(8000, "ep-1").unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        assert!(e.to_string().contains(needle), "{v}: {e}");
    }
}

#[tokio::test]
async fn media_routes_answer_404_409_and_400() {
    let (app, files) = app(free_ports(4));
    let (_, created) = call(&app, "POST", "/v1/endpoints", Some(r#"{"codec":"PCMU"}"#)).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let post = |path: String, body: Option<&'static str>| {
        let app = app.clone();
        async move { call(&app, "POST", &path, body).await }
    };
    assert_error(
        &post(
            "/v1/endpoints/ep-9/play".into(),
            Some(r#"{"file": "a.wav"}"#),
        )
        .await,
        StatusCode::NOT_FOUND,
        &["ep-9"],
    );
    assert_error(
        &post(
            format!("/v1/endpoints/{id}/play"),
            Some(r#"{"file": "../a.wav"}"#),
        )
        .await,
        StatusCode::BAD_REQUEST,
        &["\"..\""],
    );
    assert_error(
        &post(
            format!("/v1/endpoints/{id}/dtmf"),
            Some(r#"{"digits": "12x"}"#),
        )
        .await,
        StatusCode::BAD_REQUEST,
        &["x"],
    );
    assert_error(
        &post(format!("/v1/endpoints/{id}/record/pause"), None).await,
        StatusCode::CONFLICT,
        &["not recording"],
    );
    let start = format!("/v1/endpoints/{id}/record/start");
    let (status, started) = post(start.clone(), Some(r#"{"name": "r.wav"}"#)).await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let (_, described) = call(&app, "GET", &format!("/v1/endpoints/{id}"), None).await;
    assert_eq!(described["recording"]["name"], "r.wav", "{described}");
    assert_error(
        &post(start.clone(), Some(r#"{"name": "s.wav"}"#)).await,
        StatusCode::CONFLICT,
        &["already recording"],
    );
    // The refused recording left no file behind.
    assert!(!files.path().join("recordings/s.wav").exists());
    let (status, paused) = post(format!("/v1/endpoints/{id}/record/pause"), None).await;
    assert_eq!((status, &paused["paused"]), (StatusCode::OK, &json!(true)));
    let (status, done) = post(format!("/v1/endpoints/{id}/record/stop"), None).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(
        (&done["name"], &done["channels"]),
        (&json!("r.wav"), &json!(2))
    );
    assert_error(
        &post(start, Some(r#"{"name": "r.wav"}"#)).await,
        StatusCode::CONFLICT,
        &["already exists"],
    );
    let (status, list) = call(&app, "GET", "/v1/recordings", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["recordings"][0]["name"], "r.wav", "{list}");
}
