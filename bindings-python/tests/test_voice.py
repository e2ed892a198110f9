"""Voice processing from Python: the suite shared with the mobile binding
(tests/python/voice_suite.py) and what only this binding has (stage names as strings, the
settings' class)."""

import pytest

import mediacore
from voice_suite import *  # noqa: F401,F403 (the shared tests, run against `binding`)


def test_stages_are_named_and_unknown_names_are_refused():
    settings = mediacore.VoiceSettings(capture=["vad", "noise_suppression"], playout=["vad"])
    assert settings.capture == ["noise_suppression", "vad"], "in pipeline order"
    assert settings == mediacore.VoiceSettings(capture=["noise_suppression", "vad"],
                                               playout=["vad"])
    assert repr(settings).startswith("VoiceSettings(capture=[")
    with pytest.raises(mediacore.MediaError, match='unknown voice stage "agc"'):
        mediacore.VoiceSettings(capture=["agc"])
    session = mediacore.MediaSession("PCMU", voice=settings)
    with pytest.raises(mediacore.MediaError, match='unknown voice direction "both"'):
        session.is_talking("both")
    with pytest.raises(mediacore.MediaError, match="gain_target_dbov = -80 is out of range"):
        mediacore.VoiceSettings(gain_target_dbov=-80.0)
    session.set_voice_stage("capture", "echo_cancellation", True)
    assert session.voice_settings().capture == ["echo_cancellation", "noise_suppression", "vad"]
