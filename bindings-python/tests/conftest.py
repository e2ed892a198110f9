"""pytest configuration: the tests import the installed `mediacore` package (built with
`maturin develop`, see scripts/test-python.sh), never a source tree copy."""
