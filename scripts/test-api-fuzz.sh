#!/usr/bin/env bash
# Fuzzes the server's control API from its own OpenAPI document with schemathesis (in the
# workspace's .venv, from scripts/requirements-test.txt): generated, boundary and stateful
# requests against every operation; no answer may be a 5xx, and the server must not panic.
# Seeded and bounded (a few thousand requests, under a minute).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -q -p mediacore-server --bin mediacore-server
dir=$(mktemp -d)
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
target/debug/mediacore-server --listen "127.0.0.1:$port" --rtp-ports 41000-41999 \
    --media-dir "$dir/media" --recordings-dir "$dir/recordings" >"$dir/server.log" 2>&1 &
server=$!
cleanup() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
for _ in $(seq 100); do
    if .venv/bin/python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/healthz')" 2>/dev/null; then
        break
    fi
    sleep 0.1
done

# From the scratch folder: schemathesis keeps its own files where it runs.
st="$PWD/.venv/bin/st"
(cd "$dir" && "$st" run "http://127.0.0.1:$port/v1/openapi.json" \
    --checks not_a_server_error --max-examples 25 --workers 1 --seed 20261121 \
    --no-color)

if grep -n "panicked" "$dir/server.log"; then
    echo "the server panicked during the API fuzzing" >&2
    exit 1
fi
kill -TERM "$server"
wait "$server" || { echo "the server did not exit cleanly on SIGTERM" >&2; exit 1; }
echo "API fuzzing: no server error, no panic, clean shutdown"
