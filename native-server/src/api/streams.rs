//! Recordings (`GET /v1/recordings`, `GET /v1/recordings/{name}`) and the event stream
//! (`GET /v1/events`, a WebSocket of JSON objects).

use core::time::Duration;
use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;
use tokio::sync::{broadcast, watch};

use crate::endpoint::Endpoints;
use crate::error::ApiError;
use crate::events::ServerEvent;
use crate::media::RecordingFile;

/// Bytes read from a recording per chunk of a download.
const DOWNLOAD_CHUNK: usize = 64 << 10;
/// A client that does not take one event within this time is disconnected.
const EVENT_SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// The body of `GET /v1/recordings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordingList {
    /// Finished recordings by name.
    pub recordings: Vec<RecordingFile>,
}

/// `GET /v1/recordings`.
pub async fn list_recordings(
    State(endpoints): State<Arc<Endpoints>>,
) -> Result<Json<RecordingList>, ApiError> {
    let recordings = endpoints.recordings().clone();
    let list = tokio::task::spawn_blocking(move || recordings.list())
        .await
        .map_err(|e| ApiError::Io(format!("listing recordings did not complete: {e}")))??;
    Ok(Json(RecordingList { recordings: list }))
}

/// `GET /v1/recordings/{name}`: the file, streamed, with its audio Content-Type.
pub async fn download_recording(
    State(endpoints): State<Arc<Endpoints>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let recordings = endpoints.recordings().clone();
    let wanted = name.clone();
    let (path, len) = tokio::task::spawn_blocking(move || recordings.download(&wanted))
        .await
        .map_err(|e| ApiError::Io(format!("opening the recording did not complete: {e}")))??;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| ApiError::Io(format!("cannot open recording {name:?}: {e}")))?;
    let chunks = futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buf = vec![0u8; DOWNLOAD_CHUNK];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    });
    let content_type = match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("wav") => "audio/wav",
        Some(e) if e.eq_ignore_ascii_case("ogg") || e.eq_ignore_ascii_case("opus") => "audio/ogg",
        _ => "application/octet-stream",
    };
    let file_name: String = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_LENGTH, len.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        Body::from_stream(chunks),
    )
        .into_response())
}

/// The query of `GET /v1/events`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventFilter {
    /// Only this endpoint's events.
    #[serde(default)]
    pub endpoint: Option<String>,
}

/// `GET /v1/events`: a WebSocket carrying one JSON event per text message.
pub async fn events(
    State(endpoints): State<Arc<Endpoints>>,
    Query(filter): Query<EventFilter>,
    upgrade: WebSocketUpgrade,
) -> Response {
    // Subscribe before the upgrade so that nothing published after the answer is missed.
    let (events, closed) = endpoints.events().subscribe();
    upgrade.on_upgrade(move |socket| stream_events(socket, events, closed, filter.endpoint))
}

async fn stream_events(
    mut socket: WebSocket,
    mut events: broadcast::Receiver<ServerEvent>,
    mut closed: watch::Receiver<bool>,
    endpoint: Option<String>,
) {
    let wanted = |event: &ServerEvent| endpoint.as_deref().is_none_or(|e| event.involves(e));
    loop {
        let text = tokio::select! {
            received = events.recv() => match received {
                Ok(event) if wanted(&event) => event_text(&event),
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    serde_json::json!({"type": "lagged", "missed": missed}).to_string()
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            () = async { let _ = closed.wait_for(|closed| *closed).await; } => {
                // The server stops: deliver what shutdown published, then close.
                while let Ok(event) = events.try_recv() {
                    if wanted(&event) && !send(&mut socket, event_text(&event)).await {
                        return;
                    }
                }
                break;
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => continue,
            },
        };
        if !send(&mut socket, text).await {
            return;
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

fn event_text(event: &ServerEvent) -> String {
    serde_json::to_string(event).unwrap_or_else(|e| {
        serde_json::json!({"type": "error", "message": format!("event not serializable: {e}")})
            .to_string()
    })
}

/// Sends one message; false when the client is gone or too slow to take it.
async fn send(socket: &mut WebSocket, text: String) -> bool {
    matches!(
        tokio::time::timeout(EVENT_SEND_TIMEOUT, socket.send(Message::Text(text.into()))).await,
        Ok(Ok(()))
    )
}
