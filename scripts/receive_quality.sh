#!/usr/bin/env bash
# Runs the receive-path quality benchmark (issue 4): espeak-ng speech through encoder,
# network simulator and MediaSession, scored by PESQ against a fixed 60 ms buffer and the
# lossless path. Needs the tools and the .venv that scripts/setup.sh installs.
#
#   scripts/receive_quality.sh [--quick] [--codec pcmu|g722|opus] [--trace a|b|c|d|e]
#
# Prints a markdown table; JSON goes to target/receive-quality/results.json.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release -q -p mediacore-tests --example receive_quality -- "$@"
