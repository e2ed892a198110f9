#!/usr/bin/env bash
# Sets up everything (scripts/setup.sh) and runs every suite: formatting and lints, the
# native Rust tests (unit, property, conformance against sox/ffmpeg/SpanDSP, end to end
# with the server and ffmpeg), the server's API fuzzed from its OpenAPI document, WASM in
# node and headless Chromium, the Python module and the uniffi bindings. Fails at the first
# failing step and says which.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
trap 'status=$?; if [ $status -ne 0 ]; then printf "\nFAILED (exit %s) during: %s\n" "$status" "${CURRENT_STEP:-setup}" >&2; fi' EXIT
run() { CURRENT_STEP="$*"; step "$*"; "$@"; }

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# A one-off build from a fresh clone gains nothing from incremental compilation's caches.
if [ "${CI:-}" = "true" ]; then export CARGO_INCREMENTAL=0; fi

CURRENT_STEP="scripts/setup.sh"
bash scripts/setup.sh

run cargo fmt --all --check
run cargo clippy --workspace --all-targets -- -D warnings
# Core's library must build for the browser; its dev-dependencies (proptest, criterion) need
# not, so only the library is checked there. The WASM binding is checked with its tests.
run cargo clippy -p mediacore --target wasm32-unknown-unknown -- -D warnings
run cargo clippy -p mediacore-wasm --target wasm32-unknown-unknown --all-targets -- -D warnings

CURRENT_STEP="core never reads a clock"
step "$CURRENT_STEP"
if grep -rnE 'Instant::now|SystemTime::now|std::thread|tokio' core/src; then
    echo "core must not read a clock, spawn threads or use async" >&2
    exit 1
fi

run cargo test --workspace --no-fail-fast
run bash scripts/test-api-fuzz.sh
run bash scripts/test-wasm.sh
run bash scripts/test-python.sh
run bash scripts/test-mobile.sh

CURRENT_STEP=""
step "all suites passed"
