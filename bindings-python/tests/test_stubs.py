"""The shipped type stubs describe what the extension module really has."""

import ast
import inspect
import pathlib

import mediacore

STUB = pathlib.Path(mediacore.__file__).with_name("__init__.pyi")


def stub_classes():
    tree = ast.parse(STUB.read_text())
    return {
        node.name: {
            item.name for item in node.body if isinstance(item, ast.FunctionDef)
        }
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }


def test_stub_and_marker_are_shipped():
    assert STUB.is_file()
    assert STUB.with_name("py.typed").is_file()


def test_stub_names_match_the_module():
    classes = stub_classes()
    for name in mediacore.__all__:
        assert name in classes, f"{name} missing from the stub"
    for name in ("Encoder", "Decoder", "MediaSession"):
        runtime = {
            n for n, _ in inspect.getmembers(getattr(mediacore, name))
            if not n.startswith("_")
        }
        stubbed = {n for n in classes[name] if not n.startswith("_")}
        assert runtime == stubbed, name
