#!/usr/bin/env bash
# Installs everything the test suites need on a fresh Debian 12 machine with rustup:
# apt packages (oracles, Chromium), the wasm32 target, the pinned wasm-bindgen-cli and a
# Python venv at .venv. Safe to run again: each step skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130
# alsa-utils and sound-theme-freedesktop ship short recordings of human speech, the natural
# talkers of the speech-quality tests (espeak-ng gives the synthetic ones).
APT_PACKAGES=(ffmpeg sox espeak-ng alsa-utils sound-theme-freedesktop libspandsp-dev opus-tools libopus-dev pkg-config chromium chromium-driver tshark)

log() { printf '\n==> %s\n' "$*"; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

log "rustup target add wasm32-unknown-unknown"
rustup target add wasm32-unknown-unknown

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
    log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if [ ! -x .venv/bin/python ]; then
    log "python3 -m venv .venv"
    python3 -m venv .venv
fi
log "pip install (maturin, pytest, numpy, pesq, schemathesis)"
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r scripts/requirements-test.txt
