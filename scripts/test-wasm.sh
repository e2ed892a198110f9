#!/usr/bin/env bash
# Tests the browser binding (crate mediacore-wasm) on wasm32-unknown-unknown: the
# wasm-bindgen-test suite in node and in headless Chromium, the generated `--target web`
# package from plain JS in node, and two softphone AudioWorklets calling each other in headless
# Chromium. Assumes scripts/setup.sh ran (Chromium + chromedriver, the wasm32 target,
# wasm-bindgen-cli; python3 serves the worklet page). Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130
TARGET=wasm32-unknown-unknown
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
PKG_DIR="$TARGET_DIR/mediacore-wasm-pkg"
WORKLET_DIR="$TARGET_DIR/mediacore-wasm-worklet"
WORKLET_TIMEOUT_S=60

log() { printf '\n==> %s\n' "$*"; }
die() {
    printf 'test-wasm.sh: %s\n' "$*" >&2
    exit 1
}

for tool in cargo node python3 wasm-bindgen wasm-bindgen-test-runner; do
    command -v "$tool" >/dev/null || die "$tool not found on PATH; run scripts/setup.sh"
done
found="$(wasm-bindgen --version | awk '{print $2}')"
[ "$found" = "$WASM_BINDGEN_VERSION" ] ||
    die "wasm-bindgen-cli $found found; $WASM_BINDGEN_VERSION is needed (the crate pins it)"
rustup target list --installed 2>/dev/null | grep -qx "$TARGET" ||
    die "rust target $TARGET missing; run: rustup target add $TARGET"
CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver || true)}"
[ -n "$CHROMEDRIVER" ] && [ -x "$CHROMEDRIVER" ] ||
    die "chromedriver not found; run scripts/setup.sh (apt: chromium chromium-driver)"
CHROME_BIN="${CHROME_BIN:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
[ -n "$CHROME_BIN" ] || die "Chromium not found; run scripts/setup.sh"

# Everything started in the background, and temporary files, go when the script exits.
scratch="$(mktemp -d)"
bg_pids=()
cleanup() {
    for pid in "${bg_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    # Chromium's helper processes may still be writing to the profile for a moment.
    for pid in "${bg_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    for _ in 1 2 3 4 5; do rm -rf "$scratch" 2>/dev/null && break; sleep 0.5; done
    return 0
}
trap cleanup EXIT

export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
# One mode variable at a time: the runner refuses several and picks node when none is set.
unset WASM_BINDGEN_USE_BROWSER WASM_BINDGEN_USE_NODE_EXPERIMENTAL WASM_BINDGEN_USE_DENO

log "native unit tests (argument conversion)"
cargo test -p mediacore-wasm

log "wasm-bindgen-test in node"
cargo test -p mediacore-wasm --target "$TARGET"

log "wasm-bindgen-test in headless Chromium ($CHROMEDRIVER)"
browser_log="$scratch/browser.log"
# The runner adds --headless and --no-sandbox to Chrome's arguments itself.
WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER="$CHROMEDRIVER" \
    cargo test -p mediacore-wasm --target "$TARGET" --tests 2>&1 | tee "$browser_log"
grep -q "Running headless tests in Chrome" "$browser_log" ||
    die "the wasm tests did not run in headless Chromium"

log "generated package (wasm-bindgen --target web) from JS in node"
cargo build -p mediacore-wasm --target "$TARGET"
rm -rf "$PKG_DIR"
wasm-bindgen --target web --out-dir "$PKG_DIR" "$TARGET_DIR/$TARGET/debug/mediacore_wasm.wasm"
node bindings-wasm/tests/js/smoke.mjs "$PKG_DIR"

log "two softphone AudioWorklets in headless Chromium ($CHROME_BIN)"
rm -rf "$WORKLET_DIR"
mkdir -p "$WORKLET_DIR"
cp -r "$PKG_DIR" "$WORKLET_DIR/pkg"
cp -r bindings-wasm/js "$WORKLET_DIR/js"
cp bindings-wasm/tests/worklet/index.html "$WORKLET_DIR/"
python3 bindings-wasm/tests/worklet/serve.py "$WORKLET_DIR" "$scratch/port" "$scratch/result" &
bg_pids+=($!)
for _ in $(seq 50); do [ -s "$scratch/port" ] && break; sleep 0.2; done
[ -s "$scratch/port" ] || die "the worklet page server did not start"
# --no-sandbox: Chromium refuses to run as root with its sandbox (CI containers).
"$CHROME_BIN" --headless --no-sandbox --disable-gpu --no-first-run --disable-quic \
    --disable-background-networking --disable-component-update --disable-sync \
    --autoplay-policy=no-user-gesture-required --user-data-dir="$scratch/profile" \
    "http://127.0.0.1:$(cat "$scratch/port")/index.html" >"$scratch/chromium.log" 2>&1 </dev/null &
bg_pids+=($!)
for _ in $(seq $((WORKLET_TIMEOUT_S * 5))); do [ -s "$scratch/result" ] && break; sleep 0.2; done
result="$(cat "$scratch/result" 2>/dev/null || true)"
echo "worklet page: ${result:-no result within ${WORKLET_TIMEOUT_S}s}"
if [[ "$result" != PASS* ]]; then
    tail -n 20 "$scratch/chromium.log" >&2
    die "the AudioWorklet test failed"
fi

log "wasm tests passed (node, headless Chromium, JS package, AudioWorklet)"
