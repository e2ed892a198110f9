"""Prompts, the player and play-and-collect from Python: the suite shared with the mobile
binding (tests/python/playback_suite.py) and what only this binding has (numpy output,
properties, repr)."""

import numpy as np

import mediacore
from playback_suite import *  # noqa: F401,F403 (the shared tests, run against `binding`)


def test_prompts_are_values_that_share_samples():
    prompt = mediacore.Prompt.from_samples(16000, np.arange(320, dtype=np.int16))
    assert (prompt.sample_rate, prompt.channels, prompt.frames) == (16000, 1, 320)
    assert prompt.duration_ms == 20.0
    assert repr(prompt) == "Prompt(sample_rate=16000, channels=1, duration_ms=20.0)"
    samples = prompt.samples(numpy=True)
    assert samples.dtype == np.int16 and samples[-1] == 319
    player = mediacore.Player(16000)
    player.play(prompt)
    assert player.fill(320, numpy=True).dtype == np.int16
    assert prompt.shares_samples_with(prompt)
