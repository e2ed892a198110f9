#!/usr/bin/env bash
# Builds the Python binding (bindings-python, module `mediacore`) into .venv with maturin and
# runs its pytest suite. Run scripts/setup.sh first; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="$PWD/.venv"
if [ ! -x "$VENV/bin/python" ] || [ ! -x "$VENV/bin/maturin" ]; then
    echo "error: $VENV with maturin is missing; run scripts/setup.sh first" >&2
    exit 1
fi
export VIRTUAL_ENV="$VENV"
export PATH="$VENV/bin:$PATH"

echo "==> maturin develop (bindings-python)"
# An editable install: the extension lands in bindings-python/python/mediacore/.
(cd bindings-python && maturin develop --quiet </dev/null)

echo "==> pytest bindings-python/tests"
python -m pytest -q -p no:cacheprovider bindings-python/tests "$@" </dev/null
