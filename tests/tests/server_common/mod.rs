//! What the `server_*` tests share: the media server started in-process on loopback with
//! its folders in a temporary directory, one-shot HTTP/1.1 requests to its API, and its
//! WebSocket event stream.

#![allow(dead_code)] // each test binary uses its own part

use core::time::Duration;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use mediacore_server::Config;
use mediacore_server::config::PortRange;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout};

/// Longest wait for the server to start or stop, an HTTP answer or an event.
pub const SERVER_WAIT: Duration = Duration::from_secs(15);

/// The server, in-process, with its media and recordings folders in a temporary
/// directory; stopped when dropped.
pub struct Server {
    pub addr: SocketAddr,
    dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), mediacore_server::ServerError>>>,
}

impl Server {
    /// The server with its embedded defaults, 40 RTP ports of a free range and the
    /// temporary folders.
    pub async fn start() -> Server {
        Server::start_with(|_| {}).await
    }

    /// As [`Server::start`], with `configure` changing the configuration first.
    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> Server {
        let dir = tempfile::tempdir().expect("temporary directory");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind HTTP");
        let addr = listener.local_addr().expect("HTTP address");
        let mut config = Config::with_listen(addr);
        config.rtp_ports = free_port_range(40);
        config.media_dir = dir.path().join("media");
        config.recordings_dir = dir.path().join("recordings");
        configure(&mut config);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(mediacore_server::serve(listener, config, async {
            let _ = stopped.await;
        }));
        let server = Server {
            addr,
            dir,
            stop: Some(stop),
            task: Some(task),
        };
        let deadline = Instant::now() + SERVER_WAIT;
        while server.media().symlink_metadata().is_err()
            || !matches!(
                try_http(addr, "GET", "/healthz", None).await,
                Some((200, ..))
            )
        {
            assert!(Instant::now() < deadline, "the server did not start");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server
    }

    /// The temporary directory holding the server's folders.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn media(&self) -> PathBuf {
        self.dir.path().join("media")
    }

    pub fn recordings(&self) -> PathBuf {
        self.dir.path().join("recordings")
    }

    /// `method path body`: status, head and body of the answer.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, String, Vec<u8>) {
        try_http(self.addr, method, path, body)
            .await
            .unwrap_or_else(|| panic!("{method} {path}: no HTTP answer"))
    }

    /// `method path body`: the status and the JSON answer (null when the body is not
    /// JSON).
    pub async fn answer(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let (status, _, bytes) = self.request(method, path, body).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// `method path body`, asserting `status`; returns the JSON answer (null when the
    /// body is not JSON).
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>, status: u16) -> Value {
        let (got, _, bytes) = self.request(method, path, body).await;
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        assert_eq!(
            got,
            status,
            "{method} {path}: {value} {}",
            String::from_utf8_lossy(&bytes)
        );
        value
    }

    /// `POST path body`, asserting `status`; returns the JSON answer.
    pub async fn post(&self, path: &str, body: Value, status: u16) -> Value {
        self.call("POST", path, Some(body), status).await
    }

    /// An endpoint made from `body` sending to `peer`; returns its id and RTP address.
    pub async fn endpoint(&self, mut body: Value, peer: SocketAddr) -> (String, SocketAddr) {
        body["remote"] = Value::String(peer.to_string());
        let created = self.post("/v1/endpoints", body, 201).await;
        let port = created["local_port"].as_u64().expect("local_port") as u16;
        (
            created["id"].as_str().expect("id").to_owned(),
            SocketAddr::from(([127, 0, 0, 1], port)),
        )
    }

    /// The event stream, of one endpoint or of all.
    pub async fn events(&self, endpoint: Option<&str>) -> Events {
        let query = endpoint.map_or(String::new(), |e| format!("?endpoint={e}"));
        let url = format!("ws://{}/v1/events{query}", self.addr);
        let (mut socket, _) = timeout(SERVER_WAIT, tokio_tungstenite::connect_async(url))
            .await
            .expect("WebSocket connect timed out")
            .expect("WebSocket connect");
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(Ok(message)) = socket.next().await {
                if let Ok(text) = message.to_text()
                    && let Ok(value) = serde_json::from_str::<Value>(text)
                {
                    let _ = tx.send(value);
                }
            }
        });
        Events {
            rx,
            seen: Vec::new(),
        }
    }

    /// Stops the server as a signal would and waits for it to finish cleanly.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let result = timeout(SERVER_WAIT, task)
                .await
                .expect("server stop timed out");
            result.expect("server task").expect("server result");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Events from `GET /v1/events`.
pub struct Events {
    rx: mpsc::UnboundedReceiver<Value>,
    seen: Vec<Value>,
}

impl Events {
    /// The first event (seen before or arriving within the wait) of `kind` for which
    /// `matches` holds.
    pub async fn wait(&mut self, kind: &str, matches: impl Fn(&Value) -> bool) -> Value {
        let wanted = |e: &Value| e["type"] == kind && matches(e);
        if let Some(found) = self.seen.iter().find(|e| wanted(e)) {
            return found.clone();
        }
        let deadline = Instant::now() + SERVER_WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(event)) => {
                    self.seen.push(event.clone());
                    if wanted(&event) {
                        return event;
                    }
                }
                _ => panic!("no {kind} event came; events seen: {:?}", self.seen),
            }
        }
    }
}

/// An even port of a free range of `count` UDP ports on loopback (another process may
/// still take some; the server skips taken ports).
pub fn free_port_range(count: u16) -> PortRange {
    loop {
        let probe = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind UDP");
        let port = probe.local_addr().expect("UDP address").port();
        if port.is_multiple_of(2) && port.checked_add(count).is_some() {
            return PortRange::new(port, port + count - 1).expect("port range");
        }
    }
}

/// One HTTP/1.1 request with `Connection: close`: status, head and body.
pub async fn try_http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Option<(u16, String, Vec<u8>)> {
    let mut stream = timeout(SERVER_WAIT, TcpStream::connect(addr))
        .await
        .ok()?
        .ok()?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    // Always JSON, also when empty: the routes that take no body ignore it.
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut answer = Vec::new();
    timeout(SERVER_WAIT, stream.read_to_end(&mut answer))
        .await
        .ok()?
        .ok()?;
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8(answer[..split].to_vec()).ok()?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, head, answer[split + 4..].to_vec()))
}
