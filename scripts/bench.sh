#!/usr/bin/env bash
# Runs the criterion benchmarks and prints the table for docs/BENCHMARKS.md from criterion's
# mean estimates, with the ratio to the reference measured in the same run.
#
#   scripts/bench.sh        G.711: nanoseconds per sample against a plain copy
#   scripts/bench.sh opus   Opus: microseconds per second of audio against libopus
#   scripts/bench.sh jitter jitter buffer: microseconds per 20 ms PCMU frame against the
#                           plain G.711 decode of the same frame
#   scripts/bench.sh dtmf   in-band DTMF detection: microseconds per second of audio against
#                           SpanDSP's dtmf_rx
#   scripts/bench.sh record recording cost per call per second of audio against sox and
#                           opusenc (the bench prints its own table)
#   scripts/bench.sh playback prompt decoding against ffmpeg, the player's cost per call and
#                           memory for 1,000 calls on one prompt (the bench prints its table)
#   scripts/bench.sh voice-wasm the session's voice pipelines (AEC, NS, AGC, VAD, meters) per
#                           10 ms frame natively and in WASM under node, on the same call loop
#   scripts/bench.sh mixer  conference cost per 20 ms tick for 10 to 4,000 PCMU
#                           participants (3 talking, 16 kHz mix) against the naive N-1 mixer
#   scripts/bench.sh server [loadgen args]  the media server under K concurrent echo calls
#                           from tests/src/bin/loadgen.rs in a separate process (default
#                           1,000 PCMU calls, 20 s measured after 5 s); prints one JSON object
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = server ]; then
    shift
    cargo build --release -p mediacore-server -p mediacore-tests --bin mediacore-server --bin loadgen >&2
    # Two sockets per call on each side; raise the descriptor limit as far as allowed.
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    exec target/release/loadgen "$@"
fi

case "${1:-}" in
    voice-wasm)
        # The session's voice pipelines per 10 ms frame, natively and in WASM (node), on the
        # same loop (tests/src/bin/voice_cost.rs, bindings-wasm/bench/voice_cost.mjs).
        out="${CARGO_TARGET_DIR:-target}/mediacore-wasm-node"
        cargo build --release -q -p mediacore-wasm --target wasm32-unknown-unknown >&2
        rm -rf "$out"
        wasm-bindgen --target nodejs --out-dir "$out" \
            "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/mediacore_wasm.wasm"
        native="$(cargo run --release -q -p mediacore-tests --bin voice_cost)"
        wasm="$(node bindings-wasm/bench/voice_cost.mjs "$out")"
        echo "| session rate | native: voice on / off, µs per 10 ms | pipelines natively | WASM (node $(node --version)): voice on / off | pipelines in WASM | WASM / native |"
        echo "|---|---|---|---|---|---|"
        paste -d' ' <(echo "$native") <(echo "$wasm") | while read -r rate on off _ won woff; do
            awk -v r="$rate" -v a="$on" -v b="$off" -v c="$won" -v d="$woff" 'BEGIN {
                printf "| %d kHz | %.1f / %.1f | %.1f | %.1f / %.1f | %.1f | %.1f |\n",
                    r / 1000, a, b, a - b, c, d, c - d, (c - d) / (a - b) }'
        done
        exit 0 ;;
    record)
        exec cargo bench -p mediacore --bench record -- --warm-up-time 2 --measurement-time 10 ;;
    playback)
        exec cargo bench -p mediacore --bench playback -- --warm-up-time 2 --measurement-time 5 ;;
esac

if [ "${1:-}" = mixer ]; then
    # Old results would stand in for a side that is not measured this time.
    rm -rf target/criterion/mixer
    cargo bench -p mediacore --bench mixer -- --warm-up-time 2 --measurement-time 5 >&2
    python3 - <<'PY'
import json, pathlib
root = pathlib.Path("target/criterion/mixer")

def tick_us(name):
    """Mean microseconds per iteration (one 20 ms tick), or None when it did not run."""
    est = root / name / "new" / "estimates.json"
    if not est.exists():
        return None
    return json.loads(est.read_text())["mean"]["point_estimate"] / 1000

def cell(us, n):
    return "not measured" if us is None else f"{us:.1f} ({us / n:.3f})"

print("| participants | ours: µs per tick (per participant) | share of one core | naive N-1: µs per tick (per participant) | naive / ours | sessions alone, no mixing: µs per tick (per participant) |")
print("|---|---|---|---|---|---|")
for n in [10, 100, 1000, 2000, 4000]:
    ours, naive, floor = (tick_us(f"{k}_{n}") for k in ("conference", "naive", "sessions"))
    if ours is None:
        continue
    ratio = "" if naive is None else f"{naive / ours:.1f}"
    print(f"| {n:,} | {cell(ours, n)} | {ours / 20_000 * 100:.2f}% | {cell(naive, n)} | {ratio} | {cell(floor, n)} |")
PY
    exit 0
fi

if [ "${1:-}" = opus ]; then
    # Old results would stand in for a side that is not measured this time.
    rm -rf target/criterion/opus
    cargo bench -p mediacore --bench opus -- --warm-up-time 2 --measurement-time 5 >&2
    python3 - <<'PY'
import json, pathlib, re
root = pathlib.Path("target/criterion/opus")

def per_second_us(bench):
    """Mean microseconds per second of audio, or None when the bench did not run."""
    new = bench / "new"
    if not (new / "estimates.json").exists():
        return None
    mean_ns = json.loads((new / "estimates.json").read_text())["mean"]["point_estimate"]
    samples = json.loads((new / "benchmark.json").read_text())["throughput"]["Elements"]
    rate = int(re.search(r"_(\d+)k_", bench.parent.name).group(1)) * 1000
    return mean_ns / 1000 / (samples / rate)

def label(name):
    m = re.fullmatch(r"(encode|decode)_(\d+)k_(\d+)kbps_c(\d+)(?:_(libopus|our)_packets)?", name)
    op, rate, kbps, cx, source = m.groups()
    if op == "encode":
        return f"encode, {rate} kHz {kbps} kbit/s, complexity {cx}"
    whose = "libopus's" if source == "libopus" else "our"
    return f"decode {whose} packets, {rate} kHz {kbps} kbit/s (complexity {cx})"

def order(name):
    m = re.fullmatch(r"(encode|decode)_(\d+)k_\d+kbps_c(\d+)(.*)", name)
    return (int(m.group(2)), m.group(1) != "encode", -int(m.group(3)), m.group(4))

print("| operation | ours (µs per second of audio) | libopus (µs) | ratio ours / libopus |")
print("|---|---|---|---|")
for name in sorted((d.name for d in root.iterdir() if d.is_dir() and d.name != "report"), key=order):
    ours = per_second_us(root / name / "ours")
    theirs = per_second_us(root / name / "libopus")
    if ours is None:
        continue
    if theirs is None:
        print(f"| {label(name)} | {ours:.0f} | not measured | |")
    else:
        print(f"| {label(name)} | {ours:.0f} | {theirs:.0f} | {ours / theirs:.2f} |")
PY
    exit 0
fi

if [ "${1:-}" = dtmf ]; then
    # Old results would stand in for a side that is not measured this time.
    rm -rf target/criterion/dtmf
    cargo bench -p mediacore --bench dtmf -- --warm-up-time 2 --measurement-time 5 >&2
    python3 - <<'PY'
import json, pathlib
root = pathlib.Path("target/criterion/dtmf")

def per_second_us(name, rate):
    """Mean microseconds per second of audio, or None when the bench did not run."""
    new = root / name / "new"
    if not (new / "estimates.json").exists():
        return None
    mean_ns = json.loads((new / "estimates.json").read_text())["mean"]["point_estimate"]
    samples = json.loads((new / "benchmark.json").read_text())["throughput"]["Elements"]
    return mean_ns / 1000 / (samples / rate)

ours8 = per_second_us("detect_1s_8k_ours", 8000)
ours16 = per_second_us("detect_1s_16k_ours", 16000)
theirs = per_second_us("detect_1s_8k_spandsp", 8000)
print("| detector | µs per second of audio | ratio to SpanDSP at 8 kHz |")
print("|---|---|---|")
if theirs is None:
    print("| SpanDSP dtmf_rx, 8 kHz (reference) | not measured | |")
else:
    print(f"| SpanDSP dtmf_rx, 8 kHz (reference) | {theirs:.1f} | 1.0 |")
for label, us in [("ours, 8 kHz", ours8), ("ours, 16 kHz", ours16)]:
    ratio = f"{us / theirs:.2f}" if theirs else ""
    print(f"| {label} | {us:.1f} | {ratio} |")
PY
    exit 0
fi

if [ "${1:-}" = jitter ]; then
    rm -rf target/criterion/jitter
    cargo bench -p mediacore --bench jitter -- --warm-up-time 2 --measurement-time 5 >&2
    python3 - <<'PY'
import json, pathlib
root = pathlib.Path("target/criterion/jitter")

def frame_us(name):
    """Mean microseconds per iteration: one 20 ms frame of 160 samples."""
    est = json.loads((root / name / "new" / "estimates.json").read_text())
    return est["mean"]["point_estimate"] / 1000

decode = frame_us("decode_pcmu_160")
print("| operation, per 20 ms PCMU frame at 8 kHz | µs per frame | ratio to decode |")
print("|---|---|---|")
print(f"| G.711 decode of 160 bytes (reference) | {decode:.3f} | 1.0 |")
for name, label in [
    ("steady", "insert + pull, steady stream"),
    ("loss5_jitter", "insert + pull, 5% loss, jitter and stretching"),
]:
    us = frame_us(name)
    print(f"| {label} | {us:.3f} | {us / decode:.1f} |")
PY
    exit 0
fi

cargo bench -p mediacore --bench g711 -- --warm-up-time 2 --measurement-time 5 >&2

python3 - <<'PY'
import json, pathlib
root = pathlib.Path("target/criterion/g711")
samples = 8000  # one second of 8 kHz audio per iteration

def mean_ns(name):
    est = json.loads((root / name / "new" / "estimates.json").read_text())
    return est["mean"]["point_estimate"]

copy = mean_ns("copy_i16") / samples
print("| operation | ns per sample | ratio to copy |")
print("|---|---|---|")
print(f"| copy of the same i16 samples (reference) | {copy:.4f} | 1.0 |")
for name in ["encode_PCMU", "decode_PCMU", "encode_PCMA", "decode_PCMA"]:
    ns = mean_ns(name) / samples
    print(f"| G.711 {name.replace('_', ' ')} | {ns:.4f} | {ns / copy:.1f} |")
PY
