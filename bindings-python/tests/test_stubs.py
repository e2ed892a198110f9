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


def stub_functions():
    """The stub's module-level functions by name, with their parameter names."""
    tree = ast.parse(STUB.read_text())
    return {
        node.name: [a.arg for a in node.args.args + node.args.kwonlyargs]
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    }


def test_stub_names_match_the_module():
    classes = stub_classes()
    functions = stub_functions()
    for name in mediacore.__all__:
        assert name in classes or name in functions, f"{name} missing from the stub"
    for name in ("Encoder", "Decoder", "MediaSession", "Transcoder", "DtmfDetector",
                 "DetectedDigit", "Prompt", "PlayOptions", "Player", "PlayCollectConfig",
                 "PlayAndCollect", "PromptCache", "RecordOptions", "Recorder", "Conference"):
        runtime = {
            n for n, _ in inspect.getmembers(getattr(mediacore, name))
            if not n.startswith("_")
        }
        stubbed = {n for n in classes[name] if not n.startswith("_")}
        assert runtime == stubbed, name


def stub_init_parameters(class_name):
    """(name, kind) of each parameter of the stub's ``__init__``, without ``self``."""
    tree = ast.parse(STUB.read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name)
    init = next(i for i in cls.body if isinstance(i, ast.FunctionDef) and i.name == "__init__")
    kind = inspect.Parameter
    kwargs = [(init.args.kwarg.arg, kind.VAR_KEYWORD)] if init.args.kwarg else []
    return [(a.arg, kind.POSITIONAL_OR_KEYWORD) for a in init.args.args[1:]] + [
        (a.arg, kind.KEYWORD_ONLY) for a in init.args.kwonlyargs
    ] + kwargs


def test_stub_functions_match_the_module():
    for name, params in stub_functions().items():
        runtime = inspect.signature(getattr(mediacore, name)).parameters
        assert list(runtime) == params, name


def test_stub_constructors_match_the_module():
    for name in ("Encoder", "Decoder", "MediaSession", "Transcoder", "DtmfDetector",
                 "Conference"):
        runtime = [
            (p.name, p.kind) for p in inspect.signature(getattr(mediacore, name)).parameters.values()
        ]
        assert runtime == stub_init_parameters(name), name


def stub_typed_dict_keys(name):
    """The keys of a TypedDict of the stub, its bases' first."""
    classes = {n.name: n for n in ast.parse(STUB.read_text()).body if isinstance(n, ast.ClassDef)}
    keys = []
    for base in classes[name].bases:
        if isinstance(base, ast.Name) and base.id in classes:
            keys += stub_typed_dict_keys(base.id)
    return keys + [item.target.id for item in classes[name].body if isinstance(item, ast.AnnAssign)]


def test_stub_opus_keywords_match_the_module():
    settings = mediacore.Encoder("opus", 16000, 1).opus_settings
    assert stub_typed_dict_keys("OpusSettings") == list(settings)
    assert stub_typed_dict_keys("EncoderOpusOptions") == list(settings)
    packet_time_keys = stub_typed_dict_keys("OpusOptions")
    assert packet_time_keys == [key for key in settings if key != "frame_ms"]
    for key in packet_time_keys:
        mediacore.MediaSession("opus", payload_type=111, **{key: settings[key]})
        mediacore.Transcoder("PCMU", "opus", **{key: settings[key]})


def test_stub_session_options_are_the_session_keywords():
    keywords = [p for p in inspect.signature(mediacore.MediaSession).parameters
                if p not in ("codec", "opus")]
    assert stub_typed_dict_keys("SessionOptions") == stub_typed_dict_keys("OpusOptions") + keywords
