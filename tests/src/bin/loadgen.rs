//! Load generator for the media server: K concurrent bidirectional G.711 calls over loopback.
//!
//! It starts the release build of `mediacore-server` as its own process, creates K echo
//! endpoints through the HTTP API (each decodes what it receives, plays it out through its
//! jitter buffer and sends it back encoded: the whole media path both ways), and plays one
//! RTP peer per call from this process: a 20 ms PCMU packet per call every 20 ms on absolute
//! deadlines, and everything the server sends read back. After a warm-up it measures, over a
//! window:
//!
//! - the server's CPU time (all threads, `/proc/<pid>/stat`) per call,
//! - tick lateness p50 / p99 / max from the shards' histograms (`GET /v1/stats`),
//! - loss added by the server: packets it did not send on its 20 ms schedule (gaps in the
//!   sequence numbers each peer receives) and datagrams it dropped on the way in,
//! - resident memory per endpoint (`VmRSS` before the endpoints and after they run).
//!
//! With `--mode transcode` each call is instead two endpoints bridged by the server, a PCMU
//! leg and an Opus leg (the server decodes and re-encodes both ways), with one peer on each:
//! K calls are 2K endpoints and 2K peers.
//!
//! Usage: `loadgen [--calls K] [--seconds S] [--warmup S] [--shards N] [--server PATH]
//! [--mode echo|transcode]`; `scripts/bench.sh server` builds the server and runs it. It
//! prints one JSON object.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mediacore::Codec;
use mediacore::codec::new_encoder;
use mediacore::rtp::RtpHeader;
use serde_json::{Value, json};

const FRAME: usize = 160;
const PTIME: Duration = Duration::from_millis(20);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Echo,
    Transcode,
}

struct Args {
    mode: Mode,
    calls: usize,
    seconds: u64,
    warmup: u64,
    shards: u16,
    server: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        mode: Mode::Echo,
        calls: 1000,
        seconds: 20,
        warmup: 5,
        shards: 2,
        server: "target/release/mediacore-server".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--calls" => args.calls = value()?.parse().map_err(|e| format!("--calls: {e}"))?,
            "--seconds" => {
                args.seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?
            }
            "--warmup" => args.warmup = value()?.parse().map_err(|e| format!("--warmup: {e}"))?,
            "--shards" => args.shards = value()?.parse().map_err(|e| format!("--shards: {e}"))?,
            "--server" => args.server = value()?,
            "--mode" => {
                args.mode = match value()?.as_str() {
                    "echo" => Mode::Echo,
                    "transcode" => Mode::Transcode,
                    other => return Err(format!("--mode {other:?}: expected echo or transcode")),
                }
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if args.calls == 0 || args.seconds == 0 {
        return Err("--calls and --seconds must be above 0".into());
    }
    Ok(args)
}

/// One HTTP/1.1 request with a JSON body; returns the status and the parsed body.
fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).expect("connect to the server's HTTP API");
    let body = body.map(Value::to_string).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    // A chunked body: the JSON is the first chunk.
    let json_text = if response
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body.split_once("\r\n").map_or("", |(_, rest)| rest)
    } else {
        body
    };
    let end = json_text.rfind('}').map_or(0, |i| i + 1);
    let value = serde_json::from_str(&json_text[..end]).unwrap_or(Value::Null);
    (status, value)
}

fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free TCP port")
        .port()
}

/// Resident memory of a process in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// CPU time of a process, all threads, user + system.
fn cpu_time(pid: u32, ticks_per_s: f64) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name may hold spaces; the fields after it are fixed.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = [11usize, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<f64>().ok()))
        .sum();
    Duration::from_secs_f64(ticks / ticks_per_s)
}

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// What one peer has seen from the server.
#[derive(Default, Clone, Copy)]
struct Received {
    packets: u64,
    first: Option<u64>,
    highest: u64,
    last_seq: u16,
}

impl Received {
    fn on_packet(&mut self, seq: u16) {
        self.packets += 1;
        if self.first.is_none() {
            self.first = Some(u64::from(seq));
            self.highest = u64::from(seq);
            self.last_seq = seq;
            return;
        }
        // Extended by the shortest distance from the highest so far (RFC 3550 A.1 in short).
        let delta = seq.wrapping_sub(self.last_seq) as i16;
        let ext = (self.highest as i64 + i64::from(delta)).max(0) as u64;
        if ext > self.highest {
            self.highest = ext;
            self.last_seq = seq;
        }
    }

    /// Packets the sequence numbers say were sent and did not arrive.
    fn missing(&self) -> u64 {
        self.first
            .map_or(0, |f| (self.highest - f + 1).saturating_sub(self.packets))
    }
}

struct Call {
    socket: UdpSocket,
    /// 0 for PCMU, 96 for Opus.
    payload_type: u8,
    /// Timestamp units per packet.
    ticks: u32,
    seq: u16,
    timestamp: u32,
    ssrc: u32,
    received: Received,
}

/// Lateness quantile (µs) from the shards' histograms: `bounds_us[i]` is bucket i's upper
/// edge (the last bucket is open).
fn quantile_us(bounds: &[f64], counts: &[u64], q: f64) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let want = (q * total as f64).ceil() as u64;
    let mut sum = 0;
    for (i, &c) in counts.iter().enumerate() {
        sum += c;
        if sum >= want {
            return Some(bounds.get(i).copied().unwrap_or(f64::INFINITY));
        }
    }
    None
}

/// Sums the shards' lateness histograms and the counters this benchmark reports.
fn shard_totals(stats: &Value) -> (Vec<f64>, Vec<u64>, u64, u64, u64) {
    let mut bounds = Vec::new();
    let mut counts: Vec<u64> = Vec::new();
    let (mut dropped, mut skipped, mut max_us) = (0, 0, 0);
    for shard in stats["shards"].as_array().into_iter().flatten() {
        dropped += shard["inbound_dropped"].as_u64().unwrap_or(0);
        skipped += shard["ticks_skipped"].as_u64().unwrap_or(0);
        max_us = max_us.max(shard["lateness_max_us"].as_u64().unwrap_or(0));
        let h = &shard["lateness_histogram"];
        if let (Some(b), Some(c)) = (h["upper_bounds_us"].as_array(), h["counts"].as_array()) {
            bounds = b.iter().filter_map(Value::as_f64).collect();
            counts.resize(c.len(), 0);
            for (sum, v) in counts.iter_mut().zip(c) {
                *sum += v.as_u64().unwrap_or(0);
            }
        }
    }
    (bounds, counts, dropped, skipped, max_us)
}

struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::exit(2);
        }
    };
    let dir = std::env::temp_dir().join(format!("mediacore-loadgen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let http_port = free_tcp_port();
    let addr: SocketAddr = format!("127.0.0.1:{http_port}").parse().expect("address");
    // Room for every endpoint's RTP (and RTCP) port, away from the peers' ephemeral ports.
    let first_port = 20_000u32;
    let last_port = (first_port + 4 * args.calls as u32 + 64).min(32_767);
    let child = Command::new(&args.server)
        .args([
            "--listen",
            &addr.to_string(),
            "--rtp-ports",
            &format!("{first_port}-{last_port}"),
            "--shards",
            &args.shards.to_string(),
            "--media-dir",
            &dir.join("media").to_string_lossy(),
            "--recordings-dir",
            &dir.join("recordings").to_string_lossy(),
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "start {}: {e} (build it with cargo build --release -p mediacore-server)",
                args.server
            )
        });
    let server = ServerProcess(child);
    let pid = server.0.id();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() || http(addr, "GET", "/healthz", None).0 != 200 {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let rss_before = rss_kib(pid);

    let mut encoder = new_encoder(Codec::Pcmu, 8000, 1).expect("PCMU encoder");
    // A 400 Hz tone at -20 dBov, one packet's worth (20 ms is 8 whole periods).
    let tone: Vec<i16> = (0..FRAME)
        .map(|i| (3277.0 * (i as f64 * 400.0 * std::f64::consts::TAU / 8000.0).sin()) as i16)
        .collect();
    let mut pcmu = vec![0u8; FRAME];
    encoder.encode(&tone, &mut pcmu).expect("encode");
    let pcmu = vec![pcmu];
    // For Opus legs: a second of a gliding tone at 48 kHz, coded as the server's peers would.
    let opus: Vec<Vec<u8>> = if args.mode == Mode::Transcode {
        let mut enc = mediacore::codec::new_packet_encoder(
            Codec::Opus,
            48_000,
            1,
            PTIME,
            mediacore::codec::opus::OpusConfig::default(),
        )
        .expect("Opus encoder");
        let mut phase = 0.0f64;
        (0..50)
            .map(|k| {
                let pcm: Vec<i16> = (0..960)
                    .map(|_| {
                        phase += (300.0 + 4.0 * k as f64) * std::f64::consts::TAU / 48_000.0;
                        (3277.0 * phase.sin()) as i16
                    })
                    .collect();
                let mut out = vec![0u8; 1500];
                let n = enc.encode(&pcm, &mut out).expect("Opus encode");
                out.truncate(n);
                out
            })
            .collect()
    } else {
        Vec::new()
    };

    let legs: &[(&str, u8, u32)] = match args.mode {
        Mode::Echo => &[("PCMU", 0, FRAME as u32)],
        Mode::Transcode => &[("PCMU", 0, FRAME as u32), ("opus", 96, 960)],
    };
    let mut calls = Vec::with_capacity(args.calls * legs.len());
    for i in 0..args.calls {
        let mut ids = Vec::new();
        for (leg, &(codec, payload_type, ticks)) in legs.iter().enumerate() {
            let socket = UdpSocket::bind("127.0.0.1:0").expect("peer socket");
            let local = socket.local_addr().expect("peer address");
            let body = json!({
                "codec": codec,
                "remote": local.to_string(),
                "echo": args.mode == Mode::Echo,
            });
            let (status, created) = http(addr, "POST", "/v1/endpoints", Some(&body));
            assert_eq!(status, 201, "creating endpoint {i}/{leg}: {created}");
            let port = created["local_port"].as_u64().expect("local_port") as u16;
            ids.push(created["id"].as_str().expect("id").to_owned());
            socket
                .connect(("127.0.0.1", port))
                .expect("connect the peer");
            socket.set_nonblocking(true).expect("non-blocking");
            let n = calls.len();
            calls.push(Call {
                socket,
                payload_type,
                ticks,
                seq: (n as u16).wrapping_mul(7919),
                timestamp: (n as u32).wrapping_mul(104_729),
                ssrc: 0x5EED_0000 + n as u32,
                received: Received::default(),
            });
        }
        if args.mode == Mode::Transcode {
            let (status, bridge) = http(
                addr,
                "POST",
                "/v1/bridges",
                Some(&json!({"endpoints": ids, "mode": "transcode"})),
            );
            assert_eq!(status, 201, "bridging call {i}: {bridge}");
        }
    }
    eprintln!("loadgen: {} endpoints created", calls.len());

    let ticks_per_s = clock_ticks_per_second();
    let start = Instant::now();
    let warmup_end = start + Duration::from_secs(args.warmup);
    let end = warmup_end + Duration::from_secs(args.seconds);
    let mut datagram = vec![0u8; 1500];
    let mut frame_index = 0usize;
    let mut buf = [0u8; 2048];
    let mut next = start;
    let mut measuring = false;
    let (mut cpu0, mut stats0, mut rss_running) = (Duration::ZERO, Value::Null, 0);
    let mut window_start = warmup_end;
    let mut late_sends = 0u64;
    let mut sent = 0u64;
    while Instant::now() < end {
        let now = Instant::now();
        if !measuring && now >= warmup_end {
            measuring = true;
            window_start = now;
            cpu0 = cpu_time(pid, ticks_per_s);
            stats0 = http(addr, "GET", "/v1/stats", None).1;
            rss_running = rss_kib(pid);
            for call in &mut calls {
                call.received = Received::default();
            }
            sent = 0;
            late_sends = 0;
        }
        for call in &mut calls {
            let header = RtpHeader {
                payload_type: call.payload_type,
                sequence_number: call.seq,
                timestamp: call.timestamp,
                ssrc: call.ssrc,
                ..RtpHeader::default()
            };
            let pool = if call.payload_type == 0 { &pcmu } else { &opus };
            let payload = &pool[frame_index % pool.len()];
            let len = header.write(payload, &mut datagram).expect("RTP header");
            if call.socket.send(&datagram[..len]).is_ok() {
                sent += 1;
            }
            call.seq = call.seq.wrapping_add(1);
            call.timestamp = call.timestamp.wrapping_add(call.ticks);
        }
        frame_index += 1;
        for call in &mut calls {
            while let Ok(n) = call.socket.recv(&mut buf) {
                if n >= 12 {
                    call.received
                        .on_packet(u16::from_be_bytes([buf[2], buf[3]]));
                }
            }
        }
        next += PTIME;
        let now = Instant::now();
        if now > next + PTIME {
            // This process fell a whole packet time behind: say so rather than hide it.
            late_sends += 1;
            next = now;
        } else if next > now {
            std::thread::sleep(next - now);
        }
    }
    let window = window_start.elapsed();
    let cpu = cpu_time(pid, ticks_per_s).saturating_sub(cpu0);
    let stats1 = http(addr, "GET", "/v1/stats", None).1;
    let (bounds, counts1, dropped1, skipped1, max_us) = shard_totals(&stats1);
    let (_, counts0, dropped0, skipped0, _) = shard_totals(&stats0);
    let counts: Vec<u64> = counts1
        .iter()
        .enumerate()
        .map(|(i, c)| c - counts0.get(i).copied().unwrap_or(0))
        .collect();
    let received: u64 = calls.iter().map(|c| c.received.packets).sum();
    let missing: u64 = calls.iter().map(|c| c.received.missing()).sum();
    let endpoints_n = calls.len() as f64;
    let cpu_share = cpu.as_secs_f64() / window.as_secs_f64();
    let result = json!({
        "mode": if args.mode == Mode::Echo { "echo" } else { "transcode" },
        "calls": args.calls,
        "endpoints": calls.len(),
        "shards": args.shards,
        "window_s": window.as_secs_f64(),
        "server_cpu_share_of_one_core": cpu_share,
        "server_cpu_us_per_call_second": cpu.as_secs_f64() * 1e6 / window.as_secs_f64() / args.calls as f64,
        "tick_lateness_p50_us": quantile_us(&bounds, &counts, 0.50),
        "tick_lateness_p99_us": quantile_us(&bounds, &counts, 0.99),
        "tick_lateness_max_us_since_start": max_us,
        "ticks_skipped": skipped1 - skipped0,
        "inbound_dropped": dropped1 - dropped0,
        "peer_packets_sent": sent,
        "peer_packets_received": received,
        "server_packets_missing": missing,
        "server_loss_percent": 100.0 * missing as f64 / (received + missing).max(1) as f64,
        "rss_kib_before": rss_before,
        "rss_kib_running": rss_running,
        "memory_kib_per_endpoint": (rss_running.saturating_sub(rss_before)) as f64 / endpoints_n,
        "loadgen_late_ticks": late_sends,
    });
    println!("{}", serde_json::to_string_pretty(&result).expect("JSON"));
    drop(calls);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
