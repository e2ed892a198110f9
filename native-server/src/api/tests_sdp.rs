//! API tests of SDP endpoints through the router, with real RTP and RTCP sockets on
//! loopback: answers and offers, hold and unhold, a codec change under a recording, RTCP on
//! port + 1 and muxed, payload type rewriting, and the errors.

use core::time::Duration;
use std::net::SocketAddr;

use axum::http::StatusCode;
use mediacore::{AudioFrame, Codec, Instant, MediaSession, SessionConfig};
use serde_json::{Value, json};
use tokio::net::UdpSocket;

use super::tests::{app, app_and_endpoints, app_with, assert_error, call, free_ports};

/// A remote party: RTP on an even port, RTCP on the next.
struct Remote {
    rtp: UdpSocket,
    rtcp: UdpSocket,
}

impl Remote {
    async fn new() -> Remote {
        loop {
            let rtp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let port = rtp.local_addr().unwrap().port();
            if port.is_multiple_of(2)
                && let Ok(rtcp) = UdpSocket::bind(("127.0.0.1", port + 1)).await
            {
                return Remote { rtp, rtcp };
            }
        }
    }

    fn port(&self) -> u16 {
        self.rtp.local_addr().unwrap().port()
    }

    /// An offer from this party: `m=audio <port> RTP/AVP <formats>` and `lines`.
    fn offer(&self, formats: &str, lines: &str) -> String {
        format!(
            "v=0\r\no=- 5 5 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
             m=audio {} RTP/AVP {formats}\r\n{lines}",
            self.port()
        )
    }

    /// Datagrams arriving on `socket` during `listen`.
    async fn collect(socket: &UdpSocket, listen: Duration) -> Vec<Vec<u8>> {
        let mut buf = [0u8; 2048];
        let mut got = Vec::new();
        let deadline = tokio::time::Instant::now() + listen;
        while let Ok(Ok(len)) = tokio::time::timeout_at(deadline, socket.recv(&mut buf)).await {
            got.push(buf[..len].to_vec());
        }
        got
    }

    /// RTP payload types (RTCP excluded) of what arrives on the RTP port during `listen`.
    async fn rtp_payload_types(&self, listen: Duration) -> Vec<u8> {
        Remote::collect(&self.rtp, listen)
            .await
            .iter()
            .filter(|d| d.len() >= 12 && !(192..=223).contains(&d[1]))
            .map(|d| d[1] & 0x7f)
            .collect()
    }

    /// The first RTCP compound (an SR or RR) arriving on `socket` within 8 s (the first
    /// report is due 1.25 to 3.75 s after the session starts).
    async fn first_rtcp(socket: &UdpSocket) -> Vec<u8> {
        let mut buf = [0u8; 2048];
        let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
        loop {
            let len = tokio::time::timeout_at(deadline, socket.recv(&mut buf))
                .await
                .expect("no RTCP within 8 s")
                .unwrap();
            if len >= 8 && (buf[1] == 200 || buf[1] == 201) {
                return buf[..len].to_vec();
            }
        }
    }
}

/// A PCMU sender: `frames` 20 ms frames of a tone to `to`, in real time.
async fn send_pcmu(socket: &UdpSocket, to: SocketAddr, seed: u64, frames: usize) {
    let mut session = MediaSession::new(SessionConfig {
        seed,
        ..SessionConfig::new(Codec::Pcmu)
    })
    .unwrap();
    for k in 0..frames {
        let samples = (0..160)
            .map(|i| (((k * 160 + i) as f32 * 0.3).sin() * 8000.0) as i16)
            .collect();
        let now = Instant::from_millis(20 * k as u64);
        session
            .push_capture(now, &AudioFrame::new(samples, 8000, 1).unwrap())
            .unwrap();
        while let Some(datagram) = session.poll_transmit(now) {
            socket.send_to(datagram, to).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A receiver report compound as the core writes it.
fn receiver_report() -> Vec<u8> {
    let mut session = MediaSession::new(SessionConfig::new(Codec::Pcmu)).unwrap();
    session.handle_timeout(Instant::ZERO);
    session
        .poll_rtcp(Instant::from_millis(10_000))
        .expect("a report is due")
        .to_vec()
}

fn local(created: &Value, field: &str) -> SocketAddr {
    format!("127.0.0.1:{}", created[field]).parse().unwrap()
}

async fn put_sdp(app: &axum::Router, id: &str, body: Value) -> (StatusCode, Value) {
    call(
        app,
        "PUT",
        &format!("/v1/endpoints/{id}/sdp"),
        Some(&body.to_string()),
    )
    .await
}

async fn get(app: &axum::Router, id: &str) -> Value {
    let (status, described) = call(app, "GET", &format!("/v1/endpoints/{id}"), None).await;
    assert_eq!(status, StatusCode::OK, "{described}");
    described
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_is_answered_and_rtp_and_rtcp_go_where_it_says() {
    let (app, _files) = app(free_ports(4));
    let remote = Remote::new().await;
    let offer = remote.offer(
        "9 101",
        "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\n",
    );
    let (status, created) = call(
        &app,
        "POST",
        "/v1/endpoints",
        Some(&json!({ "sdp": offer }).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let port = created["local_port"].as_u64().unwrap();
    let answer = created["sdp"].as_str().unwrap();
    assert!(
        answer.contains(&format!("m=audio {port} RTP/AVP 9 101\r\n")),
        "{answer}"
    );
    assert!(!answer.contains("rtcp-mux"));
    assert_eq!(created["codec"], "G722");
    assert_eq!(created["sample_rate"], 16_000);
    assert_eq!(created["telephone_event_payload_type"], 101);
    assert_eq!(created["local_rtcp_port"], port + 1);
    assert_eq!(created["remote"], format!("127.0.0.1:{}", remote.port()));
    assert_eq!(
        created["remote_rtcp"],
        format!("127.0.0.1:{}", remote.port() + 1)
    );
    assert_eq!(
        (created["rtcp_mux"].clone(), created["direction"].clone()),
        (json!(false), json!("sendrecv"))
    );

    // G.722 at 20 ms: 160 bytes of payload, payload type 9.
    let rtp = Remote::collect(&remote.rtp, Duration::from_millis(300)).await;
    assert!(rtp.len() >= 10, "{} packets", rtp.len());
    assert!(rtp.iter().all(|d| d[1] & 0x7f == 9 && d.len() == 12 + 160));
    // RTCP comes on the port above the RTP one, and RTCP sent to ours is read.
    let report = Remote::first_rtcp(&remote.rtcp).await;
    assert_eq!(report[1], 200, "an SR: the endpoint sends RTP");
    remote
        .rtcp
        .send_to(&receiver_report(), local(&created, "local_rtcp_port"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let id = created["id"].as_str().unwrap();
    let described = get(&app, id).await;
    assert_eq!(described["stats"]["rtcp_received"], 1, "{described}");
    assert_eq!(described["receive"]["rtcp"]["reports_received"], 1);
    assert!(
        described["receive"]["rtcp"]["reports_sent"]
            .as_u64()
            .unwrap()
            >= 1
    );
    assert_eq!(described["rtcp_sending_to"], created["remote_rtcp"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rtcp_mux_carries_rtcp_on_the_rtp_ports() {
    let (app, _files) = app(free_ports(4));
    let remote = Remote::new().await;
    let offer = remote.offer("0", "a=rtcp-mux\r\n");
    let (status, created) = call(
        &app,
        "POST",
        "/v1/endpoints",
        Some(&json!({ "sdp": offer }).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["sdp"].as_str().unwrap().contains("a=rtcp-mux\r\n"));
    assert_eq!(created["rtcp_mux"], true);
    assert_eq!(created["remote_rtcp"], created["remote"]);
    // The report comes on the RTP port, among the RTP packets.
    let report = Remote::first_rtcp(&remote.rtp).await;
    assert_eq!(report[1], 200);
    assert!(
        Remote::collect(&remote.rtcp, Duration::from_millis(50))
            .await
            .is_empty()
    );
    // RTCP to the endpoint's RTP port is told apart from RTP (RFC 5761), not rejected.
    let endpoint = local(&created, "local_port");
    remote
        .rtp
        .send_to(&receiver_report(), endpoint)
        .await
        .unwrap();
    send_pcmu(&remote.rtp, endpoint, 3, 5).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let described = get(&app, created["id"].as_str().unwrap()).await;
    assert_eq!(described["stats"]["rtcp_received"], 1, "{described}");
    assert_eq!(described["stats"]["packets_rejected"], 0);
    assert_eq!(described["stats"]["packets_received"], 5);
    assert_eq!(described["receive"]["rtcp"]["reports_received"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_stops_sending_without_timing_out_and_unhold_resumes() {
    let (app, _files) = app_with(free_ports(4), |c| c.rtp_timeout_ms = 400);
    let remote = Remote::new().await;
    let (_, created) = call(
        &app,
        "POST",
        "/v1/endpoints",
        Some(&json!({ "sdp": remote.offer("0", "") }).to_string()),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let endpoint = local(&created, "local_port");
    send_pcmu(&remote.rtp, endpoint, 1, 10).await;
    assert!(
        remote
            .rtp_payload_types(Duration::from_millis(200))
            .await
            .len()
            >= 5
    );

    // The remote holds the call: it offers sendonly, we answer recvonly and stop sending.
    let (status, held) = put_sdp(
        &app,
        &id,
        json!({"sdp": remote.offer("0", "a=sendonly\r\n")}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{held}");
    assert!(held["sdp"].as_str().unwrap().contains("a=recvonly\r\n"));
    assert_eq!(held["direction"], "recvonly");
    assert_eq!(held["local_port"], created["local_port"]);
    Remote::collect(&remote.rtp, Duration::from_millis(60)).await;
    assert_eq!(
        remote.rtp_payload_types(Duration::from_millis(300)).await,
        Vec::<u8>::new()
    );
    // Nothing arrives for more than the timeout, and none is reported while on hold.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(get(&app, &id).await["rtp_timed_out"], false);

    // inactive: still nothing sent.
    let (_, inactive) = put_sdp(
        &app,
        &id,
        json!({"sdp": remote.offer("0", "a=inactive\r\n")}),
    )
    .await;
    assert_eq!(inactive["direction"], "inactive");
    assert_eq!(
        remote.rtp_payload_types(Duration::from_millis(200)).await,
        Vec::<u8>::new()
    );

    // Unhold: RTP flows again, and the silence is watched again from now on.
    let (_, resumed) = put_sdp(&app, &id, json!({"sdp": remote.offer("0", "")})).await;
    assert_eq!(resumed["direction"], "sendrecv");
    let pts = remote.rtp_payload_types(Duration::from_millis(300)).await;
    assert!(pts.len() >= 10 && pts.iter().all(|&pt| pt == 0), "{pts:?}");
    assert_eq!(get(&app, &id).await["rtp_timed_out"], false);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(get(&app, &id).await["rtp_timed_out"], true);
    // RTP again clears it.
    send_pcmu(&remote.rtp, endpoint, 2, 3).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(get(&app, &id).await["rtp_timed_out"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_re_offer_with_another_codec_keeps_the_port_and_the_recording() {
    let (app, _files) = app(free_ports(4));
    let remote = Remote::new().await;
    let (_, created) = call(
        &app,
        "POST",
        "/v1/endpoints",
        Some(&json!({ "sdp": remote.offer("0", "") }).to_string()),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let started = tokio::time::Instant::now();
    let (status, recording) = call(
        &app,
        "POST",
        &format!("/v1/endpoints/{id}/record/start"),
        Some(r#"{"name": "call.wav", "layout": "mono"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{recording}");
    send_pcmu(&remote.rtp, local(&created, "local_port"), 1, 10).await;

    let opus = remote.offer("111", "a=rtpmap:111 opus/48000/2\r\na=ptime:40\r\n");
    let (status, changed) = put_sdp(&app, &id, json!({ "sdp": opus })).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert!(changed["sdp"].as_str().unwrap().contains("RTP/AVP 111\r\n"));
    assert_eq!(changed["codec"], "opus");
    assert_eq!(changed["payload_type"], 111);
    assert_eq!(changed["sample_rate"], 48_000);
    assert_eq!(changed["ptime_ms"], 40);
    assert_eq!(changed["local_port"], created["local_port"]);
    let described = get(&app, &id).await;
    assert_eq!(described["recording"]["name"], "call.wav", "{described}");
    let mut pts = remote.rtp_payload_types(Duration::from_millis(300)).await;
    pts.retain(|&pt| pt != 0); // PCMU packets sent just before the change
    assert!(pts.len() >= 5 && pts.iter().all(|&pt| pt == 111), "{pts:?}");

    let (status, done) = call(
        &app,
        "POST",
        &format!("/v1/endpoints/{id}/record/stop"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    // One file across the change, at the rate it started with, as long as the call.
    let elapsed = started.elapsed().as_millis() as u64;
    let duration = done["duration_ms"].as_u64().unwrap();
    assert_eq!(done["sample_rate"], 8000);
    assert!(
        duration + 150 >= elapsed && duration <= elapsed + 50,
        "recorded {duration} ms of {elapsed} ms"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_offer_waits_for_the_answer_and_sends_with_its_numbers() {
    let (app, _files) = app(free_ports(4));
    let remote = Remote::new().await;
    let body = json!({"offer": {"codecs": ["opus", "PCMU"], "ptime_ms": 20}});
    let (status, created) = call(&app, "POST", "/v1/endpoints", Some(&body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let offer = created["sdp"].as_str().unwrap();
    let port = created["local_port"].as_u64().unwrap();
    assert!(
        offer.contains(&format!("m=audio {port} RTP/AVP 96 0 97 98 13\r\n")),
        "{offer}"
    );
    assert!(offer.contains("a=rtpmap:96 opus/48000/2\r\n") && offer.contains("a=rtcp-mux\r\n"));
    assert_eq!(created["awaiting_answer"], true);
    assert_eq!(created["direction"], "recvonly");
    assert_eq!(created["remote"], Value::Null);
    let id = created["id"].as_str().unwrap().to_owned();

    // The answer names opus 111 and has no rtcp-mux: we send 111 and RTCP goes to port + 1.
    let answer = remote.offer("111", "a=rtpmap:111 opus/48000/2\r\n");
    let (status, settled) = put_sdp(&app, &id, json!({ "sdp": answer })).await;
    assert_eq!(status, StatusCode::OK, "{settled}");
    assert_eq!(settled["sdp"], Value::Null);
    assert_eq!(settled["awaiting_answer"], false);
    assert_eq!(settled["direction"], "sendrecv");
    assert_eq!(settled["codec"], "opus");
    assert_eq!(
        (
            settled["payload_type"].clone(),
            settled["send_payload_type"].clone()
        ),
        (json!(96), json!(111))
    );
    assert_eq!(settled["rtcp_mux"], false);
    assert_eq!(
        settled["remote_rtcp"],
        format!("127.0.0.1:{}", remote.port() + 1)
    );
    let pts = remote.rtp_payload_types(Duration::from_millis(300)).await;
    assert!(
        pts.len() >= 10 && pts.iter().all(|&pt| pt == 111),
        "{pts:?}"
    );

    // Nothing waits for an answer any more.
    let again = put_sdp(&app, &id, json!({"sdp": answer, "type": "answer"})).await;
    assert_error(&again, StatusCode::CONFLICT, &["no offer"]);
    // A new offer of ours, to hold the remote: sendonly.
    let (status, reoffer) = put_sdp(
        &app,
        &id,
        json!({"offer": {"codecs": ["opus"], "direction": "sendonly"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reoffer}");
    assert!(reoffer["sdp"].as_str().unwrap().contains("a=sendonly\r\n"));
    assert!(
        reoffer["sdp"].as_str().unwrap().contains("o=- ") && reoffer["awaiting_answer"] == true
    );
    let glare = put_sdp(
        &app,
        &id,
        json!({"sdp": remote.offer("0", ""), "type": "offer"}),
    )
    .await;
    assert_error(&glare, StatusCode::CONFLICT, &["glare"]);
    let held = remote.offer("111", "a=rtpmap:111 opus/48000/2\r\na=recvonly\r\n");
    let (_, settled) = put_sdp(&app, &id, json!({ "sdp": held })).await;
    assert_eq!(settled["direction"], "sendonly");
}

#[tokio::test]
async fn sdp_requests_are_refused_with_what_was_wrong() {
    let (app, _files) = app(free_ports(4));
    let post = |body: Value| {
        let app = app.clone();
        async move { call(&app, "POST", "/v1/endpoints", Some(&body.to_string())).await }
    };
    assert_error(
        &post(json!({"sdp": "v=0\r\nm=audio x RTP/AVP 0\r\n"})).await,
        StatusCode::BAD_REQUEST,
        &["SDP line 2", "m=audio"],
    );
    let g729 = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 18 96\r\n\
                a=rtpmap:96 AMR/8000\r\n";
    assert_error(
        &post(json!({ "sdp": g729 })).await,
        StatusCode::BAD_REQUEST,
        &[
            "no audio codec in common",
            "G729/8000",
            "AMR/8000",
            "PCMU/8000",
        ],
    );
    let pcmu = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n";
    assert_error(
        &post(json!({"sdp": pcmu, "remote": "127.0.0.1:5"})).await,
        StatusCode::BAD_REQUEST,
        &["`remote` does not go with `sdp`"],
    );
    assert_error(
        &post(json!({"sdp": pcmu, "codec": "PCMU"})).await,
        StatusCode::BAD_REQUEST,
        &["only one of"],
    );
    assert_error(
        &post(json!({"sdp": pcmu, "codecs": ["G729"]})).await,
        StatusCode::BAD_REQUEST,
        &["G729", "PCMU, PCMA, G722, opus, L16"],
    );
    assert_error(
        &post(json!({"echo": true})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["missing field `codec`", "`sdp`", "`offer`"],
    );
    assert_error(
        &post(json!({"offer": {"codecs": []}})).await,
        StatusCode::BAD_REQUEST,
        &["codecs is empty"],
    );
    assert_error(
        &post(json!({"offer": {"direction": "sideways"}})).await,
        StatusCode::BAD_REQUEST,
        &["sideways", "sendonly"],
    );
    assert_error(
        &post(json!({"offer": {"ptime_ms": 25}})).await,
        StatusCode::BAD_REQUEST,
        &["ptime 25 ms"],
    );
    assert_error(
        &post(json!({"codec": "CN"})).await,
        StatusCode::BAD_REQUEST,
        &["CN", "PCMU, PCMA, G722, opus, L16"],
    );

    let unknown = put_sdp(&app, "ep-404", json!({ "sdp": pcmu })).await;
    assert_error(&unknown, StatusCode::NOT_FOUND, &["ep-404"]);
    let (_, created) = post(json!({ "sdp": pcmu })).await;
    let id = created["id"].as_str().unwrap();
    assert_error(
        &put_sdp(&app, id, json!({"sdp": "garbage"})).await,
        StatusCode::BAD_REQUEST,
        &["SDP line 1"],
    );
    assert_error(
        &put_sdp(&app, id, json!({ "sdp": g729 })).await,
        StatusCode::BAD_REQUEST,
        &["no audio codec in common", "G729/8000"],
    );
    assert_error(
        &put_sdp(&app, id, json!({"sdp": pcmu, "type": "pranswer"})).await,
        StatusCode::BAD_REQUEST,
        &["pranswer"],
    );
    assert_error(
        &put_sdp(&app, id, json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["missing field `sdp`"],
    );
    assert_error(
        &put_sdp(&app, id, json!({"sdp": pcmu, "type": "answer"})).await,
        StatusCode::CONFLICT,
        &["no offer"],
    );
    // Refused updates leave the endpoint as it was.
    let described = get(&app, id).await;
    assert_eq!(
        (described["codec"].clone(), described["direction"].clone()),
        (json!("PCMU"), json!("sendrecv"))
    );
}

#[tokio::test]
async fn json_endpoints_run_every_core_codec() {
    let (app, _files) = app(free_ports(20));
    let post = |body: &'static str| {
        let app = app.clone();
        async move { call(&app, "POST", "/v1/endpoints", Some(body)).await }
    };
    let (status, opus) = post(r#"{"codec": "opus"}"#).await;
    assert_eq!(status, StatusCode::CREATED, "{opus}");
    assert_eq!(
        (opus["payload_type"].clone(), opus["sample_rate"].clone()),
        (json!(96), json!(48_000))
    );
    let (_, g722) = post(r#"{"codec": "G722", "ptime_ms": 30}"#).await;
    assert_eq!(
        (
            g722["payload_type"].clone(),
            g722["sample_rate"].clone(),
            g722["ptime_ms"].clone()
        ),
        (json!(9), json!(16_000), json!(30))
    );
    let (_, opus111) = post(r#"{"codec": "OPUS", "payload_type": 111, "ptime_ms": 40}"#).await;
    assert_eq!(opus111["payload_type"], 111);
    let (_, l16) = post(r#"{"codec": "L16"}"#).await;
    assert_eq!(
        (l16["payload_type"].clone(), l16["sample_rate"].clone()),
        (json!(96), json!(8000))
    );
    assert_error(
        &post(r#"{"codec": "opus", "ptime_ms": 30}"#).await,
        StatusCode::BAD_REQUEST,
        &["30"],
    );
    assert_error(
        &post(r#"{"codec": "PCMU", "payload_type": 200}"#).await,
        StatusCode::BAD_REQUEST,
        &["200"],
    );
    // A codec on 101 leaves telephone-events out rather than sharing the number.
    let (_, on_101) = post(r#"{"codec": "PCMU", "payload_type": 101}"#).await;
    assert_eq!(on_101["payload_type"], 101);
    assert_eq!(on_101["telephone_event_payload_type"], Value::Null);
    // RTCP with rtcp_mux goes to the remote's RTP port, else to the port above it.
    let (_, muxed) =
        post(r#"{"codec": "PCMU", "remote": "127.0.0.1:4000", "rtcp_mux": true}"#).await;
    assert_eq!(muxed["remote_rtcp"], "127.0.0.1:4000");
    let (_, plain) = post(r#"{"codec": "PCMU", "remote": "127.0.0.1:4000"}"#).await;
    assert_eq!(plain["remote_rtcp"], "127.0.0.1:4001");
}

#[tokio::test]
async fn ports_come_in_rtp_rtcp_pairs_and_a_taken_rtcp_port_is_skipped() {
    let ports = free_ports(4);
    let (app, _files) = app(ports);
    let taken = std::net::UdpSocket::bind(("127.0.0.1", ports.first() + 1)).unwrap();
    let (status, created) = call(&app, "POST", "/v1/endpoints", Some(r#"{"codec":"PCMU"}"#)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["local_port"], ports.first() + 2);
    assert_eq!(created["local_rtcp_port"], ports.first() + 3);
    // The RTP port of the skipped pair was not kept; with it taken, no pair is left.
    let _held = std::net::UdpSocket::bind(("127.0.0.1", ports.first()))
        .expect("the RTP port of the skipped pair is free");
    drop(taken);
    let full = call(&app, "POST", "/v1/endpoints", Some(r#"{"codec":"PCMU"}"#)).await;
    assert_error(
        &full,
        StatusCode::SERVICE_UNAVAILABLE,
        &["no free RTP port"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_rtcp_bye_and_the_rtp_timeout_are_published_as_events() {
    let (app, endpoints, _files) = app_and_endpoints(free_ports(4), |c| c.rtp_timeout_ms = 300);
    let (mut events, _) = endpoints.events().subscribe();
    let remote = Remote::new().await;
    let body = json!({"codec": "PCMU", "remote": format!("127.0.0.1:{}", remote.port())});
    let (_, created) = call(&app, "POST", "/v1/endpoints", Some(&body.to_string())).await;
    let id = created["id"].as_str().unwrap().to_owned();
    // A peer session that sent RTP says goodbye with a BYE compound on port + 1.
    let mut peer = MediaSession::new(SessionConfig {
        seed: 9,
        ..SessionConfig::new(Codec::Pcmu)
    })
    .unwrap();
    let endpoint = local(&created, "local_port");
    for k in 0..5u64 {
        let now = Instant::from_millis(20 * k);
        peer.push_capture(
            now,
            &AudioFrame::silence(8000, 1, Duration::from_millis(20)).unwrap(),
        )
        .unwrap();
        while let Some(d) = peer.poll_transmit(now) {
            remote.rtp.send_to(d, endpoint).await.unwrap();
        }
    }
    let at = Instant::from_millis(100);
    peer.close(at);
    let bye = peer.poll_rtcp(at).expect("a BYE is due").to_vec();
    remote
        .rtcp
        .send_to(&bye, local(&created, "local_rtcp_port"))
        .await
        .unwrap();
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let (mut bye_seen, mut timeout_seen) = (false, false);
    while !(bye_seen && timeout_seen) {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap_or_else(|_| panic!("events seen: {seen:?}"))
            .unwrap();
        let value = serde_json::to_value(&event).unwrap();
        if value["endpoint"] == id.as_str() {
            match value["type"].as_str() {
                Some("remote_bye") => {
                    assert_eq!(value["ssrc"], peer.local_ssrc());
                    bye_seen = true;
                }
                Some("rtp_timeout") => {
                    assert!(value["silent_ms"].as_u64().unwrap() >= 300, "{value}");
                    timeout_seen = true;
                }
                _ => {}
            }
        }
        seen.push(value);
    }
}
