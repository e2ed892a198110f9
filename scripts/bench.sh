#!/usr/bin/env bash
# Runs the criterion benchmarks and prints the table for docs/BENCHMARKS.md: nanoseconds
# per sample (criterion's mean estimate) and the ratio to the reference measured in the
# same run.
set -euo pipefail
cd "$(dirname "$0")/.."

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
