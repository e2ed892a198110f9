//! The bearer token, the body size limit, and the refusal to listen beyond loopback
//! without a token.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;

use super::auth::{MAX_BODY, Token, protect};
use super::tests::{app, free_ports};
use crate::config::Config;
use crate::server::{ServerError, run, serve};

async fn send(
    app: &axum::Router,
    method: &str,
    uri: &str,
    authorization: Option<&str>,
    body: Option<String>,
) -> (StatusCode, Option<String>, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(a) = authorization {
        request = request.header(header::AUTHORIZATION, a);
    }
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    let request = request
        .body(body.map_or_else(Body::empty, Body::from))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, challenge, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn with_a_token_every_request_must_carry_it() {
    let (plain, _files) = app(free_ports(4));
    let app = protect(plain, Token::from_config(Some("s3cret-token")));
    for path in [
        "/healthz",
        "/v1/stats",
        "/v1/endpoints",
        "/metrics",
        "/nowhere",
    ] {
        let (status, challenge, body) = send(&app, "GET", path, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(challenge.as_deref(), Some("Bearer realm=\"mediacore\""));
        assert!(
            body["error"].as_str().unwrap().contains("Bearer <token>"),
            "{body}"
        );
    }
    let wrong = send(&app, "GET", "/healthz", Some("Bearer s3cret-tokeN"), None).await;
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    assert!(
        wrong.2["error"].as_str().unwrap().contains("wrong"),
        "{}",
        wrong.2
    );
    let longer = send(&app, "GET", "/healthz", Some("Bearer s3cret-token2"), None).await;
    assert_eq!(longer.0, StatusCode::UNAUTHORIZED);
    let basic = send(&app, "GET", "/healthz", Some("Basic czNjcmV0"), None).await;
    assert_eq!(basic.0, StatusCode::UNAUTHORIZED);
    assert!(
        basic.2["error"].as_str().unwrap().contains("must be"),
        "{}",
        basic.2
    );

    let ok = send(&app, "GET", "/healthz", Some("Bearer s3cret-token"), None).await;
    assert_eq!(ok.0, StatusCode::OK);
    let lower = send(&app, "GET", "/v1/stats", Some("bearer s3cret-token"), None).await;
    assert_eq!(lower.0, StatusCode::OK, "the scheme is case-insensitive");
}

#[test]
fn an_empty_token_is_no_token() {
    assert!(Token::from_config(Some("")).is_none());
    assert!(Token::from_config(None).is_none());
}

#[tokio::test]
async fn bodies_past_the_limit_are_refused_with_413() {
    let (app, _files) = app(free_ports(4));
    let sdp = "a=x\r\n".repeat(MAX_BODY / 5 + 10);
    let body = serde_json::json!({ "sdp": sdp }).to_string();
    assert!(body.len() > MAX_BODY);
    let (status, _, answer) = send(&app, "POST", "/v1/endpoints", None, Some(body)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert!(answer["error"].as_str().is_some(), "{answer}");
}

#[tokio::test]
async fn the_api_does_not_listen_beyond_loopback_without_a_token() {
    let mut config = Config::with_listen("0.0.0.0:0".parse().unwrap());
    match run(config.clone(), async {}).await {
        Err(e @ ServerError::TokenRequired { .. }) => {
            assert!(e.to_string().contains("MEDIACORE_TOKEN"), "{e}")
        }
        other => panic!("expected TokenRequired, got {other:?}"),
    }
    // The same for a listener bound by the caller.
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    config.media_dir = dir.path().join("media");
    config.recordings_dir = dir.path().join("recordings");
    match serve(listener, config.clone(), async {}).await {
        Err(ServerError::TokenRequired { .. }) => {}
        other => panic!("expected TokenRequired, got {other:?}"),
    }
    // An empty token is no token either.
    config.token = Some(String::new());
    assert!(matches!(
        run(config, async {}).await,
        Err(ServerError::TokenRequired { .. })
    ));
}
