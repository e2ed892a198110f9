"""Recordings, prompt files and the prompt cache from Python: the suite shared with the
mobile binding (tests/python/record_suite.py) and what only this binding has."""

import mediacore
from record_suite import *  # noqa: F401,F403 (the shared tests, run against `binding`)
from record_suite import sine, wav_bytes


def test_decode_info_says_what_the_file_was():
    prompt, info = mediacore.Prompt.decode_info(wav_bytes(sine(500, 100), 8000), 16000)
    assert info == {"format": "WAV", "source_rate": 8000, "source_channels": 1,
                    "source_frames": 800}
    assert prompt.frames == 1600


def test_the_cache_calls_a_loader_only_on_a_miss():
    cache = mediacore.PromptCache()
    calls = []

    def load():
        calls.append(1)
        return wav_bytes(sine(500, 100), 8000)

    cache.get_or_decode("a.wav", 8000, load)
    cache.get_or_decode("a.wav", 8000, load)
    assert len(calls) == 1
    assert cache.get("a.wav", 8000) is not None and cache.get("a.wav", 16000) is None
