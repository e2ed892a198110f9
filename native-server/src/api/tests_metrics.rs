//! `GET /metrics` over a live endpoint: the exposition parses line by line, the histogram's
//! buckets are cumulative and end with `+Inf` equal to the count, and the endpoint's packets
//! show up under its id.

use core::time::Duration;
use std::collections::HashMap;
use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use mediacore::{AudioFrame, Codec, Instant, MediaSession, SessionConfig};
use tokio::net::UdpSocket;
use tower::ServiceExt;

use super::tests::{app, call, free_ports};

/// The text of `GET /metrics` and its content type.
async fn scrape(app: &axum::Router) -> (String, String) {
    let request = Request::builder()
        .uri("/metrics")
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let kind = response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
        .await
        .unwrap();
    (String::from_utf8(bytes.to_vec()).unwrap(), kind)
}

/// Samples by `name{labels}` (labels as written), checking every line's shape.
fn parse(text: &str) -> HashMap<String, f64> {
    let mut samples = HashMap::new();
    let mut typed = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            assert!(
                ["counter", "gauge", "histogram"].contains(&kind),
                "type {kind:?} in {line:?}"
            );
            typed.push(name.to_owned());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("a sample is `series value`");
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v
                .parse()
                .unwrap_or_else(|_| panic!("value {v:?} in {line:?}")),
        };
        let name = series.split('{').next().unwrap();
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "metric name {name:?}"
        );
        assert!(
            typed.iter().any(|t| name == t
                || name
                    .strip_prefix(t.as_str())
                    .is_some_and(|s| { ["_bucket", "_sum", "_count"].contains(&s) })),
            "{name} has no # TYPE line before it"
        );
        assert!(
            samples.insert(series.to_owned(), value).is_none(),
            "{series} twice"
        );
    }
    samples
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_expose_endpoints_packets_and_tick_lateness() {
    let (app, _files) = app(free_ports(4));
    let (status, created) = call(
        &app,
        "POST",
        "/v1/endpoints",
        Some(r#"{"codec": "PCMU", "echo": true}"#),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["id"].as_str().unwrap().to_owned();
    let to: SocketAddr = format!("127.0.0.1:{}", created["local_port"])
        .parse()
        .unwrap();

    // Half a second of PCMU into the endpoint.
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut peer = MediaSession::new(SessionConfig::new(Codec::Pcmu)).unwrap();
    let frame = AudioFrame::silence(8000, 1, Duration::from_millis(20)).unwrap();
    let mut now = Instant::ZERO;
    for _ in 0..25 {
        peer.push_capture(now, &frame).unwrap();
        while let Some(d) = peer.poll_transmit(now) {
            socket.send_to(d, to).await.unwrap();
        }
        now = now + Duration::from_millis(20);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;

    let (text, kind) = scrape(&app).await;
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    let samples = parse(&text);
    assert_eq!(samples["mediacore_endpoints"], 1.0);
    let received =
        samples[&format!("mediacore_endpoint_packets_received_total{{endpoint=\"{id}\"}}")];
    assert!((20.0..=25.0).contains(&received), "{received} packets");
    assert!(samples["mediacore_packets_received_total"] >= received);
    assert!(samples.contains_key(&format!(
        "mediacore_endpoint_jitter_seconds{{endpoint=\"{id}\"}}"
    )));

    // Each shard: buckets cumulative, ending at +Inf with the count, which is its ticks.
    let shards = samples
        .keys()
        .filter(|k| k.starts_with("mediacore_shard_ticks_total{"))
        .count();
    assert_eq!(shards, 2, "the test app runs two shards");
    for shard in 0..shards {
        let mut buckets: Vec<(f64, f64)> = samples
            .iter()
            .filter_map(|(k, v)| {
                let rest = k.strip_prefix(&format!(
                    "mediacore_tick_lateness_seconds_bucket{{shard=\"{shard}\",le=\""
                ))?;
                let le = rest.strip_suffix("\"}")?;
                let le = if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().ok()?
                };
                Some((le, *v))
            })
            .collect();
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(buckets.len() > 5, "{buckets:?}");
        assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "{buckets:?}");
        let (last_le, last) = *buckets.last().unwrap();
        assert!(last_le.is_infinite());
        let count = samples[&format!("mediacore_tick_lateness_seconds_count{{shard=\"{shard}\"}}")];
        let ticks = samples[&format!("mediacore_shard_ticks_total{{shard=\"{shard}\"}}")];
        assert_eq!(last, count);
        // The shard ticks on between the two reads of its counters.
        assert!((count - ticks).abs() <= 2.0, "{count} vs {ticks}");
        assert!(ticks > 10.0, "{ticks} ticks in about 0.6 s");
    }
}
