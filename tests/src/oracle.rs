//! Running external reference implementations.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

/// A fresh scratch directory under the system temp dir, unique to this process and call.
pub fn scratch_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("mediacore-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Runs `program` with `args`, feeding `stdin`, and returns its stdout.
///
/// Panics with the program's stderr when it fails, and names the Debian package that
/// provides it when it is missing.
pub fn run(program: &str, args: &[&str], stdin: &[u8], package: &str) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} ({e}); install the Debian package `{package}` (scripts/setup.sh does)")
        });
    let mut input = child.stdin.take().expect("stdin is piped");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait for oracle");
    writer.join().expect("stdin writer");
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Compiles `tests/oracles/<name>.c` against pkg-config package `lib` into a scratch
/// directory and returns the executable's path.
pub fn build_c_oracle(name: &str, lib: &str, debian_package: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("oracles")
        .join(format!("{name}.c"));
    let flags = run(
        "pkg-config",
        &["--cflags", "--libs", lib],
        &[],
        "pkg-config",
    );
    let flags = String::from_utf8(flags).expect("pkg-config prints text");
    let flags: Vec<&str> = flags.split_whitespace().collect();
    if flags.is_empty() && !Path::new("/usr/include").join(format!("{lib}.h")).exists() {
        panic!("{lib} headers not found; install the Debian package `{debian_package}`");
    }
    let exe = scratch_dir(name).join(name);
    let mut args = vec![
        "-O2",
        "-o",
        exe.to_str().expect("utf-8 path"),
        src.to_str().expect("utf-8 path"),
    ];
    args.extend(flags.iter().copied());
    run("cc", &args, &[], "gcc");
    exe
}

/// Interleaved 16-bit little-endian bytes of `samples`.
pub fn s16le_bytes(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// Samples from 16-bit little-endian bytes.
pub fn s16le_samples(bytes: &[u8]) -> Vec<i16> {
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// `text` spoken by espeak-ng, converted by sox (no dither) to mono 16-bit at `rate`.
///
/// Fails when the result is shorter than one second, which means espeak-ng said nothing.
pub fn espeak_speech(rate: u32, text: &str) -> Vec<i16> {
    let dir = scratch_dir("speech");
    let wav = dir.join("speech.wav");
    let wav = wav.to_str().expect("utf-8 path");
    run("espeak-ng", &["-w", wav, text], &[], "espeak-ng");
    let rate_arg = rate.to_string();
    let args = [
        "-D", wav, "-t", "raw", "-r", &rate_arg, "-c", "1", "-e", "signed", "-b", "16", "-",
    ];
    let raw = run("sox", &args, &[], "sox");
    let _ = std::fs::remove_dir_all(&dir);
    let pcm = s16le_samples(&raw);
    assert!(
        pcm.len() > rate as usize,
        "espeak-ng produced {} samples at {rate} Hz",
        pcm.len()
    );
    pcm
}

/// An even UDP port on loopback whose odd neighbour is free too: RTP and RTCP for a peer
/// such as ffmpeg that takes the pair. Another process may still take it before use.
pub fn free_rtp_port_pair() -> u16 {
    use std::net::{Ipv4Addr, UdpSocket};
    for _ in 0..1000 {
        let rtp = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a UDP port");
        let port = rtp.local_addr().expect("UDP address").port();
        if port.is_multiple_of(2)
            && port < u16::MAX
            && UdpSocket::bind((Ipv4Addr::LOCALHOST, port + 1)).is_ok()
        {
            return port;
        }
    }
    panic!("found no free pair of UDP ports");
}

/// PESQ MOS-LQO (ITU-T P.862 through PyPI `pesq` in the repository's `.venv`) of each
/// (reference, degraded) pair, narrowband at 8 kHz and wideband at 16 kHz, in one Python
/// run using every core; NaN where PESQ finds no speech to score.
pub fn pesq_scores<R: AsRef<[i16]>, D: AsRef<[i16]>>(rate: u32, pairs: &[(R, D)]) -> Vec<f64> {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing; scripts/setup.sh creates it with the `pesq` package",
        python.display()
    );
    let dir = scratch_dir("pesq");
    let mut jobs = String::new();
    for (i, (reference, degraded)) in pairs.iter().enumerate() {
        let paths = [("ref", reference.as_ref()), ("deg", degraded.as_ref())].map(|(name, pcm)| {
            let path = dir.join(format!("{i}-{name}.raw"));
            std::fs::write(&path, s16le_bytes(pcm)).expect("write scratch file");
            path.to_str().expect("utf-8 path").to_owned()
        });
        jobs.push_str(&format!("{} {}\n", paths[0], paths[1]));
    }
    let script = "import sys, os, numpy as np\nfrom multiprocessing import Pool\n\
        from pesq import pesq\nrate = int(sys.argv[1])\n\
        def score(job):\n\
        \x20   ref, deg = job.split()\n\
        \x20   r = np.fromfile(ref, dtype='<i2').astype(np.float32)\n\
        \x20   d = np.fromfile(deg, dtype='<i2').astype(np.float32)\n\
        \x20   try:\n\
        \x20       return pesq(rate, r, d, 'nb' if rate == 8000 else 'wb')\n\
        \x20   except Exception:\n\
        \x20       return float('nan')\n\
        jobs = sys.stdin.read().split('\\n')[:-1]\n\
        with Pool(os.cpu_count()) as pool:\n\
        \x20   for s in pool.map(score, jobs):\n\
        \x20       print(s)\n";
    let out = run(
        python.to_str().expect("utf-8 path"),
        &["-c", script, &rate.to_string()],
        jobs.as_bytes(),
        "python3 (.venv)",
    );
    let _ = std::fs::remove_dir_all(&dir);
    let scores: Vec<f64> = String::from_utf8(out)
        .expect("text")
        .lines()
        .map(|l| l.trim().parse().expect("a PESQ score"))
        .collect();
    assert_eq!(scores.len(), pairs.len());
    scores
}

/// The digits SpanDSP's DTMF receiver (Debian `libspandsp-dev`, 8 kHz) finds in each of
/// `cases`, one string per case, through `tests/oracles/spandsp_dtmf.c`.
pub fn spandsp_dtmf_digits<P: AsRef<[i16]>>(cases: &[P]) -> Vec<String> {
    let exe = build_c_oracle("spandsp_dtmf", "spandsp", "libspandsp-dev");
    let mut input = Vec::new();
    for pcm in cases {
        let pcm = pcm.as_ref();
        input.extend((pcm.len() as u32).to_le_bytes());
        input.extend(s16le_bytes(pcm));
    }
    let out = run(
        exe.to_str().expect("utf-8 path"),
        &["cases"],
        &input,
        "libspandsp-dev",
    );
    String::from_utf8(out)
        .expect("text")
        .lines()
        .map(|l| {
            if l == "-" {
                String::new()
            } else {
                l.to_owned()
            }
        })
        .collect()
}
