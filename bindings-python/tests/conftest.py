"""pytest configuration: the tests import the installed `mediacore` package (built with
`maturin develop`, see scripts/test-python.sh), never a source tree copy, and the helpers
shared with the mobile binding's suite from tests/python."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tests" / "python"))
