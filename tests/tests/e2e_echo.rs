//! End to end: the real `mediacore-server` binary echoes speech between two ffmpeg peers.
//!
//! espeak-ng speaks a few sentences, sox makes them 8 kHz mono, ffmpeg sends them as PCMU
//! RTP to a server endpoint whose `remote` is an ffmpeg receiver reading an SDP file. The
//! server decodes and re-encodes through a `MediaSession`; the received WAV must match the
//! sent speech (normalized cross-correlation at the best lag within +-1 s).
//!
//! The server is a binary of another package, which Cargo does not build for this crate's
//! tests (`CARGO_BIN_EXE_*` exists only inside its own package), so the test runs
//! `cargo build -p mediacore-server` itself with the same cargo, workspace, target dir and
//! profile, and takes the executable's path from cargo's JSON messages. When the binary is
//! fresh this costs well under a second.
//!
//! Everything runs on 127.0.0.1; every wait has a timeout; every child is killed if the test
//! fails. Missing tools fail the test with a message saying what to install.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use mediacore_tests::align::{best_alignment, energy};
use mediacore_tests::oracle::free_rtp_port_pair;
use serde_json::{Value, json};

/// What espeak-ng says: about six seconds of speech.
const SPEECH: &str = "The quick brown fox jumps over the lazy dog. \
    Please hold the line while the media server echoes this back to you.";
const SAMPLE_RATE: u32 = 8000;
/// Correlation the echoed speech must reach against the sent speech.
const MIN_CORRELATION: f64 = 0.9;
/// Alignment search range: +-1 s.
const MAX_LAG: usize = SAMPLE_RATE as usize;

#[test]
fn server_echoes_speech_between_ffmpeg_peers() {
    let started = Instant::now();
    for (tool, arg) in [
        ("ffmpeg", "-version"),
        ("espeak-ng", "--version"),
        ("sox", "--version"),
    ] {
        require_tool(tool, arg);
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let dir = dir.path();
    let mut logs = Logs::default();

    // Speech: espeak-ng at 22.05 kHz, then 8 kHz mono 16-bit with sox.
    let raw = dir.join("speech-raw.wav");
    let speech = dir.join("speech.wav");
    run_tool(
        Command::new("espeak-ng").arg("-w").arg(&raw).arg(SPEECH),
        Duration::from_secs(60),
    );
    run_tool(
        Command::new("sox")
            .arg(&raw)
            .args(["-r", "8000", "-c", "1", "-b", "16"])
            .arg(&speech),
        Duration::from_secs(60),
    );
    let sent = read_wav(&speech);
    let speech_secs = sent.len() as f64 / f64::from(SAMPLE_RATE);
    assert!(
        speech_secs > 3.0,
        "espeak-ng made only {speech_secs:.1} s of speech"
    );

    // The server, on a free HTTP port and an RTP range of its own.
    let server_bin = build_server(dir);
    let http_port = free_tcp_port();
    let rtp_first = 21_000 + (std::process::id() % 400) as u16 * 20;
    let server_log = logs.add(dir.join("server.log"));
    let mut server = Guard::spawn(
        "mediacore-server",
        Command::new(&server_bin)
            .args(["--listen", &format!("127.0.0.1:{http_port}")])
            .args(["--rtp-ports", &format!("{rtp_first}-{}", rtp_first + 19)])
            .args(["--rtp-bind", "127.0.0.1"])
            .env("RUST_LOG", "info")
            .stdout(log_file(&server_log))
            .stderr(log_file(&server_log)),
    );
    wait_healthy(&mut server, http_port, Duration::from_secs(30));

    // The endpoint echoes (an explicit option; endpoints send silence by default) to the
    // receiver's port.
    let recv_port = free_rtp_port_pair();
    let (status, endpoint) = http(
        http_port,
        "POST",
        "/v1/endpoints",
        Some(json!({
            "codec": "PCMU",
            "remote": format!("127.0.0.1:{recv_port}"),
            "echo": true
        })),
    );
    assert_eq!(status, 201, "create endpoint: {endpoint}");
    let id = endpoint["id"].as_str().expect("endpoint id").to_owned();
    let endpoint_port = endpoint["local_port"].as_u64().expect("endpoint port");

    // The receiver: ffmpeg reading an SDP file, stopped by -t, writing a WAV.
    let sdp = dir.join("receive.sdp");
    std::fs::write(
        &sdp,
        format!(
            "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=mediacore echo\r\nc=IN IP4 127.0.0.1\r\n\
             t=0 0\r\nm=audio {recv_port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
        ),
    )
    .expect("write SDP");
    let received_wav = dir.join("received.wav");
    let record_secs = speech_secs.ceil() + 3.0;
    let receiver_log = logs.add(dir.join("receiver.log"));
    let mut receiver = Guard::spawn(
        "ffmpeg receiver",
        Command::new("ffmpeg")
            .args(["-nostdin", "-hide_banner", "-loglevel", "warning"])
            .args(["-protocol_whitelist", "file,udp,rtp", "-i"])
            .arg(&sdp)
            .args(["-t", &record_secs.to_string()])
            .args(["-c:a", "pcm_s16le", "-ar", "8000", "-ac", "1", "-y"])
            .arg(&received_wav)
            .stdout(Stdio::null())
            .stderr(log_file(&receiver_log)),
    );
    wait_udp_bound(&mut receiver, recv_port, Duration::from_secs(15));

    // The sender: ffmpeg with one 20 ms packet every 20 ms, as a phone sends. asetnsamples
    // cuts 160-sample frames and arealtime releases each at its time. `-re` is not used: it
    // paces the demuxer's 2048-sample reads, so packets leave in bursts of 13 every 256 ms,
    // more than the core's fixed 200 ms playout queue holds.
    let sender_log = logs.add(dir.join("sender.log"));
    let mut sender = Guard::spawn(
        "ffmpeg sender",
        Command::new("ffmpeg")
            .args(["-nostdin", "-hide_banner", "-loglevel", "warning", "-i"])
            .arg(&speech)
            .args(["-af", "asetnsamples=n=160,arealtime", "-c:a", "pcm_mulaw"])
            .args(["-ar", "8000", "-ac", "1", "-f", "rtp"])
            .arg(format!("rtp://127.0.0.1:{endpoint_port}"))
            .stdout(Stdio::null())
            .stderr(log_file(&sender_log)),
    );
    let deadline = Duration::from_secs_f64(speech_secs + 30.0);
    let sender_status = sender.wait(deadline);
    assert!(
        sender_status.success(),
        "ffmpeg sender failed: {sender_status}"
    );
    let receiver_status = receiver.wait(deadline);
    assert!(
        receiver_status.success(),
        "ffmpeg receiver failed: {receiver_status}"
    );

    // What the server saw, then release the endpoint.
    let (status, described) = http(http_port, "GET", &format!("/v1/endpoints/{id}"), None);
    assert_eq!(status, 200, "describe endpoint: {described}");
    let (status, released) = http(http_port, "DELETE", &format!("/v1/endpoints/{id}"), None);
    assert_eq!(status, 200, "release endpoint: {released}");
    let (_, stats) = http(http_port, "GET", "/v1/stats", None);
    let rx = &released["stats"];
    println!("endpoint stats: {rx}");
    println!("server stats: {stats}");
    assert!(
        rx["packets_received"].as_u64().unwrap_or(0) as f64 >= speech_secs * 50.0 * 0.95,
        "the server received too few packets: {rx}"
    );
    assert_eq!(
        rx["packets_rejected"], 0,
        "the server rejected packets: {rx}"
    );

    // Graceful shutdown on SIGTERM.
    #[cfg(unix)]
    {
        let pid = server.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(killed.is_ok_and(|s| s.success()), "could not send SIGTERM");
        let status = server.wait(Duration::from_secs(10));
        assert!(
            status.success(),
            "server exited with {status} after SIGTERM"
        );
    }

    // The echo is the speech.
    let received = read_wav(&received_wav);
    assert!(
        received.len() >= sent.len(),
        "received {:.2} s of audio, sent {speech_secs:.2} s",
        received.len() as f64 / f64::from(SAMPLE_RATE)
    );
    let (lag, correlation) = best_alignment(&sent, &received, MAX_LAG);
    let level = energy(&received[lag.max(0) as usize..]) / energy(&sent);
    println!(
        "speech {speech_secs:.2} s, received {:.2} s, lag {lag} samples ({:.1} ms), \
         correlation {correlation:.4}, energy ratio {level:.3}, test took {:.1} s",
        received.len() as f64 / f64::from(SAMPLE_RATE),
        lag as f64 * 1000.0 / f64::from(SAMPLE_RATE),
        started.elapsed().as_secs_f64()
    );
    assert!(
        correlation >= MIN_CORRELATION,
        "echoed speech correlates only {correlation:.4} with the sent speech (lag {lag})"
    );
    assert!(
        (0.7..=1.4).contains(&level),
        "echoed speech has {level:.3} times the energy of the sent speech"
    );
    logs.passed = true;
}

/// Fails with an installation hint when `tool` cannot be run.
fn require_tool(tool: &str, version_arg: &str) {
    match Command::new(tool)
        .arg(version_arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(_) => {}
        Err(e) => panic!(
            "{tool} is needed by this test but cannot be run ({e}); install it with \
             scripts/setup.sh (apt-get install ffmpeg sox espeak-ng)"
        ),
    }
}

/// Builds the server with the cargo running this test and returns the executable's path.
fn build_server(dir: &Path) -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let messages = dir.join("cargo-build.json");
    let errors = dir.join("cargo-build.log");
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "-p",
            "mediacore-server",
            "--bin",
            "mediacore-server",
        ])
        .args([
            "--message-format",
            "json-render-diagnostics",
            "--manifest-path",
        ])
        .arg(&manifest)
        .stdout(log_file(&messages))
        .stderr(log_file(&errors));
    if !cfg!(debug_assertions) {
        command.arg("--release");
    }
    let status = Guard::spawn("cargo build", &mut command).wait(Duration::from_secs(1200));
    assert!(
        status.success(),
        "cargo build -p mediacore-server failed: {status}\n{}",
        std::fs::read_to_string(&errors).unwrap_or_default()
    );
    let text = std::fs::read_to_string(&messages).expect("cargo messages");
    text.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "mediacore-server")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo reported no mediacore-server executable")
}

/// Runs a tool to completion and fails with its output if it fails.
fn run_tool(command: &mut Command, timeout: Duration) {
    let name = format!("{:?}", command.get_program());
    let output = std::env::temp_dir().join(format!("mediacore-e2e-{}.log", std::process::id()));
    let status = Guard::spawn(
        &name,
        command.stdout(Stdio::null()).stderr(log_file(&output)),
    )
    .wait(timeout);
    let log = std::fs::read_to_string(&output).unwrap_or_default();
    let _ = std::fs::remove_file(&output);
    assert!(status.success(), "{name} failed: {status}\n{log}");
}

/// Mono 16-bit samples of an 8 kHz WAV file, as floats.
fn read_wav(path: &Path) -> Vec<f64> {
    let reader = hound::WavReader::open(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let spec = reader.spec();
    assert_eq!(
        (spec.sample_rate, spec.channels, spec.bits_per_sample),
        (SAMPLE_RATE, 1, 16),
        "{} is not 8 kHz mono 16-bit",
        path.display()
    );
    reader
        .into_samples::<i16>()
        .map(|s| f64::from(s.expect("WAV sample")))
        .collect()
}

fn free_tcp_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a TCP port");
    listener.local_addr().expect("TCP address").port()
}

/// Waits until something has bound UDP `port` (the receiver is ready), without binding it.
fn wait_udp_bound(child: &mut Guard, port: u16, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    let wanted = format!(":{port:04X} ");
    loop {
        let table = std::fs::read_to_string("/proc/net/udp").unwrap_or_default()
            + &std::fs::read_to_string("/proc/net/udp6").unwrap_or_default();
        if table.is_empty() {
            // Not Linux: give the receiver time to start.
            sleep(Duration::from_secs(2));
            return;
        }
        // Each line: "sl local_address rem_address ..."; local is "ADDR:PORT" in hex.
        if table
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1))
            .any(|local| format!("{local} ").ends_with(&wanted))
        {
            return;
        }
        child.assert_running();
        assert!(
            Instant::now() < deadline,
            "{} did not bind UDP port {port}",
            child.name
        );
        sleep(Duration::from_millis(50));
    }
}

fn wait_healthy(server: &mut Guard, port: u16, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some((200, body)) = try_http(port, "GET", "/healthz", None) {
            assert_eq!(body, json!({"status": "ok"}));
            return;
        }
        server.assert_running();
        assert!(Instant::now() < deadline, "server did not become healthy");
        sleep(Duration::from_millis(100));
    }
}

/// One HTTP/1.1 request with `Connection: close`; returns the status and the JSON body.
fn http(port: u16, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    try_http(port, method, path, body)
        .unwrap_or_else(|| panic!("{method} {path}: no valid HTTP answer"))
}

fn try_http(port: u16, method: &str, path: &str, body: Option<Value>) -> Option<(u16, Value)> {
    let timeout = Duration::from_secs(10);
    let mut stream =
        TcpStream::connect_timeout(&(Ipv4Addr::LOCALHOST, port).into(), timeout).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    stream.set_write_timeout(Some(timeout)).ok()?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let answer = String::from_utf8(answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "chunked answers are not expected from JSON routes"
    );
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, serde_json::from_str(body).ok()?))
}

fn log_file(path: &Path) -> File {
    File::options()
        .create(true)
        .append(true)
        .open(path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()))
}

/// A child process that is killed when the guard is dropped (e.g. on a failed assertion).
struct Guard {
    name: String,
    child: Child,
}

impl Guard {
    fn spawn(name: &str, command: &mut Command) -> Self {
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Guard {
            name: name.to_owned(),
            child,
        }
    }

    /// Waits for the child to exit; kills it and fails after `timeout`.
    fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for child") {
                return status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("{} did not finish within {timeout:?}; killed", self.name);
            }
            sleep(Duration::from_millis(20));
        }
    }

    fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("{} exited early: {status}", self.name);
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Log files printed when the test fails.
#[derive(Default)]
struct Logs {
    files: Vec<PathBuf>,
    passed: bool,
}

impl Logs {
    fn add(&mut self, path: PathBuf) -> PathBuf {
        self.files.push(path.clone());
        path
    }
}

impl Drop for Logs {
    fn drop(&mut self) {
        if self.passed {
            return;
        }
        for path in &self.files {
            let Ok(file) = File::open(path) else { continue };
            let lines: Vec<String> = BufReader::new(file).lines().map_while(Result::ok).collect();
            eprintln!("--- last lines of {} ---", path.display());
            for line in &lines[lines.len().saturating_sub(40)..] {
                eprintln!("{line}");
            }
        }
    }
}
