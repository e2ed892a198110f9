"""Puts the generated Python binding and the shared test helpers (tests/python) on sys.path.

scripts/test-mobile.sh generates the binding with uniffi-bindgen into
bindings-mobile/generated/python and copies libmediacore_mobile.so next to it;
MEDIACORE_MOBILE_PYTHON_DIR overrides where.
"""

import os
import pathlib
import sys

GENERATED = pathlib.Path(
    os.environ.get(
        "MEDIACORE_MOBILE_PYTHON_DIR",
        pathlib.Path(__file__).resolve().parents[1] / "generated" / "python",
    )
)

if not (GENERATED / "mediacore_mobile.py").is_file():
    raise RuntimeError(
        f"no generated binding in {GENERATED}; run scripts/test-mobile.sh to build it"
    )
sys.path.insert(0, str(GENERATED))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tests" / "python"))
