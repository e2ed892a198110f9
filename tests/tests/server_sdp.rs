//! End to end: SDP endpoints of the server (started in-process on loopback) with ffmpeg as
//! the remote party, for PCMU, G.722 and Opus.
//!
//! - Answer: ffmpeg's RTP muxer writes the SDP of the stream it sends (`-sdp_file`), naming
//!   the port an ffmpeg receiver listens on. That SDP is the remote offer of an echo
//!   endpoint; the ffmpeg receiver reads the same SDP, the ffmpeg sender sends speech to the
//!   port of our answer. The speech that comes back must correlate with what was sent, and
//!   the endpoint must have read ffmpeg's RTCP sender report on port + 1.
//! - Offer: the endpoint offers G.722 or Opus; an answer naming the ffmpeg receiver's port
//!   (Opus with another payload type number than ours) is given back to it; a prompt
//!   played on the endpoint must reach ffmpeg.
//!
//! Every wait has a timeout; children are killed when the test fails. The calls run in real
//! time and take turns (a static lock), like the other server tests.

use core::time::Duration;
use std::path::Path;
use std::process::Stdio;

use mediacore_tests::align::{best_alignment, energy};
use mediacore_tests::oracle::{espeak_speech, free_rtp_port_pair};
use serde_json::json;
use tokio::process::{Child, Command};
use tokio::time::{Instant, timeout};

mod server_common;
use server_common::Server;

const SPEECH: &str = "Please hold the line while the media server checks this call.";
/// Longest wait for an HTTP answer or for a child to start.
const WAIT: Duration = Duration::from_secs(15);

/// The calls run in real time; two at once on a 2-core machine make shards late.
static REAL_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How ffmpeg codes one codec.
struct Coding {
    /// ffmpeg's encoder.
    encoder: &'static str,
    /// The rate ffmpeg encodes at.
    encode_rate: u32,
    /// Samples per 20 ms frame at `encode_rate`.
    frame: u32,
    /// The rate speech is compared at: the codec's audio band.
    rate: u32,
    /// Correlation the audio must reach after two passes through the codec.
    min_correlation: f64,
}

const PCMU: Coding = Coding {
    encoder: "pcm_mulaw",
    encode_rate: 8000,
    frame: 160,
    rate: 8000,
    min_correlation: 0.95,
};
const G722: Coding = Coding {
    encoder: "g722",
    encode_rate: 16_000,
    frame: 320,
    rate: 16_000,
    min_correlation: 0.95,
};
const OPUS: Coding = Coding {
    encoder: "libopus",
    encode_rate: 48_000,
    frame: 960,
    rate: 16_000,
    min_correlation: 0.85,
};

/// Starts ffmpeg with `args` (quiet, no stdin), its stderr to `log`; killed on drop.
fn ffmpeg(args: &[&str], log: &Path) -> Child {
    let log = std::fs::File::create(log).expect("ffmpeg log");
    Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-loglevel", "warning"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run ffmpeg ({e}); install the Debian package `ffmpeg` (scripts/setup.sh)"
            )
        })
}

/// Waits for `child` to succeed within `limit`; fails with its log otherwise.
async fn finish(mut child: Child, limit: Duration, what: &str, log: &Path) {
    let status = match timeout(limit, child.wait()).await {
        Ok(status) => status.expect("wait for ffmpeg"),
        Err(_) => {
            let _ = child.kill().await;
            panic!(
                "{what} did not finish within {limit:?}:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
    };
    assert!(
        status.success(),
        "{what} failed ({status}):\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// Waits until something has bound UDP `port` on this host (Linux: /proc/net/udp).
async fn wait_udp_bound(port: u16) {
    let wanted = format!(":{port:04X} ");
    let deadline = Instant::now() + WAIT;
    loop {
        let table = std::fs::read_to_string("/proc/net/udp").unwrap_or_default();
        if table.is_empty() {
            tokio::time::sleep(Duration::from_secs(2)).await;
            return;
        }
        if table
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1))
            .any(|local| format!("{local} ").ends_with(&wanted))
        {
            return;
        }
        assert!(Instant::now() < deadline, "nothing bound UDP port {port}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn write_wav(path: &Path, rate: u32, samples: &[i16]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("create WAV");
    for s in samples {
        writer.write_sample(*s).expect("write WAV");
    }
    writer.finalize().expect("finish WAV");
}

fn read_wav(path: &Path, rate: u32) -> Vec<f64> {
    let reader = hound::WavReader::open(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let spec = reader.spec();
    assert_eq!(
        (spec.sample_rate, spec.channels),
        (rate, 1),
        "{}",
        path.display()
    );
    reader
        .into_samples::<i16>()
        .map(|s| f64::from(s.expect("WAV sample")))
        .collect()
}

/// The `m=audio` port and first payload type of an SDP.
fn media_line(sdp: &str) -> (u16, u8) {
    let m = sdp
        .lines()
        .find_map(|l| l.strip_prefix("m=audio "))
        .unwrap_or_else(|| panic!("no m=audio line in {sdp:?}"));
    let fields: Vec<&str> = m.split_whitespace().collect();
    (
        fields[0].parse().expect("m= port"),
        fields[2].parse().expect("m= payload type"),
    )
}

/// Checks that `received` holds `sent` (found within +-2 s) with at least `min` correlation
/// and about the same level.
fn assert_same_speech(sent: &[i16], received: &[f64], rate: u32, min: f64, what: &str) {
    let sent: Vec<f64> = sent.iter().map(|&s| f64::from(s)).collect();
    let (lag, correlation) = best_alignment(&sent, received, 2 * rate as usize);
    let start = lag.max(0) as usize;
    let end = (start + sent.len()).min(received.len());
    let level = energy(&received[start.min(end)..end]) / energy(&sent);
    println!(
        "{what}: {:.2} s received, lag {:.1} ms, correlation {correlation:.3}, energy ratio {level:.2}",
        received.len() as f64 / f64::from(rate),
        lag as f64 * 1000.0 / f64::from(rate)
    );
    assert!(
        correlation >= min,
        "{what}: the audio correlates only {correlation:.3} with what was sent (lag {lag})"
    );
    assert!(
        (0.5..=1.6).contains(&level),
        "{what}: the audio has {level:.2} times the energy of what was sent"
    );
}

/// ffmpeg sends speech to an echo endpoint made from ffmpeg's own SDP and receives the echo.
async fn echo_through_an_answer(coding: &Coding, name: &str) {
    let _turn = REAL_TIME.lock().await;
    let mut server = Server::start().await;
    let dir = server.dir().to_owned();
    let speech = espeak_speech(coding.rate, SPEECH);
    let speech_secs = speech.len() as f64 / f64::from(coding.rate);
    let sent_wav = dir.join("speech.wav");
    write_wav(&sent_wav, coding.rate, &speech);
    let rate = coding.encode_rate.to_string();

    // ffmpeg's SDP for a stream to the receiver's port: our remote offer.
    let recv_port = free_rtp_port_pair();
    let offer_path = dir.join("offer.sdp");
    let log = dir.join("sdp.log");
    let offer_args = [
        "-f",
        "lavfi",
        "-i",
        "anullsrc=r=48000:cl=mono",
        "-t",
        "0.04",
        "-c:a",
        coding.encoder,
        "-ar",
        &rate,
        "-ac",
        "1",
        "-f",
        "rtp",
        "-sdp_file",
        offer_path.to_str().expect("utf-8 path"),
        &format!("rtp://127.0.0.1:{recv_port}"),
    ];
    finish(ffmpeg(&offer_args, &log), WAIT, "ffmpeg (SDP)", &log).await;
    let offer = std::fs::read_to_string(&offer_path).expect("ffmpeg's SDP");
    let (_, offered_pt) = media_line(&offer);

    let created = server
        .call(
            "POST",
            "/v1/endpoints",
            Some(json!({"sdp": offer, "echo": true})),
            201,
        )
        .await;
    let answer = created["sdp"].as_str().expect("answer SDP");
    let (endpoint_port, answered_pt) = media_line(answer);
    assert_eq!(answered_pt, offered_pt, "{answer}");
    assert_eq!(u64::from(endpoint_port), created["local_port"]);
    assert_eq!(created["remote"], format!("127.0.0.1:{recv_port}"));
    let id = created["id"].as_str().expect("id").to_owned();

    // The receiver reads ffmpeg's SDP (its own port and payload type); -t ends it.
    let received_wav = dir.join("received.wav");
    let receiver_log = dir.join("receiver.log");
    let record_secs = format!("{:.1}", speech_secs + 2.0);
    let compare_rate = coding.rate.to_string();
    let receiver = ffmpeg(
        &[
            "-protocol_whitelist",
            "file,udp,rtp",
            "-i",
            offer_path.to_str().expect("utf-8 path"),
            "-t",
            &record_secs,
            "-c:a",
            "pcm_s16le",
            "-ar",
            &compare_rate,
            "-ac",
            "1",
            "-y",
            received_wav.to_str().expect("utf-8 path"),
        ],
        &receiver_log,
    );
    wait_udp_bound(recv_port).await;

    // The sender: one 20 ms packet every 20 ms to the port of our answer.
    let sender_log = dir.join("sender.log");
    let filter = format!(
        "aresample={},asetnsamples=n={},arealtime",
        coding.encode_rate, coding.frame
    );
    let mut sender_args = vec![
        "-i",
        sent_wav.to_str().expect("utf-8 path"),
        "-af",
        &filter,
        "-c:a",
        coding.encoder,
        "-ar",
        &rate,
        "-ac",
        "1",
    ];
    if coding.encoder == "libopus" {
        sender_args.extend(["-frame_duration", "20", "-b:a", "48k"]);
    }
    let target = format!("rtp://127.0.0.1:{endpoint_port}");
    sender_args.extend(["-f", "rtp", &target]);
    let sender = ffmpeg(&sender_args, &sender_log);
    let limit = Duration::from_secs_f64(speech_secs + 20.0);
    finish(sender, limit, "ffmpeg sender", &sender_log).await;
    finish(receiver, limit, "ffmpeg receiver", &receiver_log).await;

    let described = server
        .call("GET", &format!("/v1/endpoints/{id}"), None, 200)
        .await;
    let stats = &described["stats"];
    println!("{name} endpoint: {stats}");
    let frames = speech_secs * 50.0;
    assert!(
        stats["packets_received"].as_f64().unwrap_or(0.0) >= frames * 0.95,
        "{name}: too few packets received: {stats}"
    );
    assert_eq!(stats["packets_rejected"], 0, "{name}: {stats}");
    // ffmpeg's sender reports go to port + 1.
    assert!(
        described["receive"]["rtcp"]["reports_received"]
            .as_u64()
            .unwrap_or(0)
            >= 1,
        "{name}: no RTCP read from ffmpeg: {}",
        described["receive"]["rtcp"]
    );
    server
        .call("DELETE", &format!("/v1/endpoints/{id}"), None, 200)
        .await;
    server.stop().await;

    let received = read_wav(&received_wav, coding.rate);
    assert_same_speech(
        &speech,
        &received,
        coding.rate,
        coding.min_correlation,
        name,
    );
}

/// The endpoint offers `codec`; ffmpeg's answer (with `answer_pt`, possibly another number
/// than ours) is given back; a prompt played on the endpoint reaches ffmpeg.
async fn prompt_through_an_offer(coding: &Coding, codec: &str, rtpmap: &str, answer_pt: u8) {
    let _turn = REAL_TIME.lock().await;
    let mut server = Server::start().await;
    let dir = server.dir().to_owned();
    let speech = espeak_speech(coding.rate, SPEECH);
    let speech_secs = speech.len() as f64 / f64::from(coding.rate);
    write_wav(&dir.join("media").join("prompt.wav"), coding.rate, &speech);

    let created = server
        .call(
            "POST",
            "/v1/endpoints",
            Some(json!({"offer": {"codecs": [codec], "telephone_events": false}})),
            201,
        )
        .await;
    let offer = created["sdp"].as_str().expect("offer SDP");
    let (_, our_pt) = media_line(offer);
    assert_eq!(created["awaiting_answer"], true);
    let id = created["id"].as_str().expect("id").to_owned();

    // ffmpeg's side: it receives `answer_pt` on its port; the same text is the answer.
    let recv_port = free_rtp_port_pair();
    let rtpmap_line = if rtpmap.is_empty() {
        String::new()
    } else {
        format!("a=rtpmap:{answer_pt} {rtpmap}\r\n")
    };
    let answer = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=ffmpeg\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {recv_port} RTP/AVP {answer_pt}\r\n{rtpmap_line}"
    );
    let answer_path = dir.join("answer.sdp");
    std::fs::write(&answer_path, &answer).expect("write answer");
    let received_wav = dir.join("received.wav");
    let receiver_log = dir.join("receiver.log");
    let record_secs = format!("{:.1}", speech_secs + 1.5);
    let compare_rate = coding.rate.to_string();
    let receiver = ffmpeg(
        &[
            "-protocol_whitelist",
            "file,udp,rtp",
            "-i",
            answer_path.to_str().expect("utf-8 path"),
            "-t",
            &record_secs,
            "-c:a",
            "pcm_s16le",
            "-ar",
            &compare_rate,
            "-ac",
            "1",
            "-y",
            received_wav.to_str().expect("utf-8 path"),
        ],
        &receiver_log,
    );
    wait_udp_bound(recv_port).await;

    let settled = server
        .call(
            "PUT",
            &format!("/v1/endpoints/{id}/sdp"),
            Some(json!({ "sdp": answer })),
            200,
        )
        .await;
    assert_eq!(settled["awaiting_answer"], false);
    assert_eq!(settled["payload_type"], our_pt);
    assert_eq!(settled["send_payload_type"], answer_pt);
    server
        .call(
            "POST",
            &format!("/v1/endpoints/{id}/play"),
            Some(json!({"file": "prompt.wav"})),
            200,
        )
        .await;
    let limit = Duration::from_secs_f64(speech_secs + 20.0);
    finish(receiver, limit, "ffmpeg receiver", &receiver_log).await;
    server
        .call("DELETE", &format!("/v1/endpoints/{id}"), None, 200)
        .await;
    server.stop().await;

    let received = read_wav(&received_wav, coding.rate);
    assert_same_speech(
        &speech,
        &received,
        coding.rate,
        coding.min_correlation,
        &format!("{codec} prompt"),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pcmu_from_ffmpegs_sdp_echoes_speech() {
    echo_through_an_answer(&PCMU, "PCMU").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn g722_from_ffmpegs_sdp_echoes_speech() {
    echo_through_an_answer(&G722, "G722").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opus_from_ffmpegs_sdp_echoes_speech() {
    echo_through_an_answer(&OPUS, "opus").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_g722_offer_answered_by_ffmpeg_carries_a_prompt() {
    prompt_through_an_offer(&G722, "G722", "", 9).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opus_offer_answered_with_another_payload_type_carries_a_prompt() {
    prompt_through_an_offer(&OPUS, "opus", "opus/48000/2", 111).await;
}
