"""Voice processing through the generated binding: the suite shared with bindings-python
(tests/python/voice_suite.py) and the uniffi types (enums, records, the Voice error) it
takes and gives."""

import pytest

import mediacore_mobile as mc
from voice_suite import *  # noqa: F401,F403 (the shared tests, run against `binding`)


def test_voice_settings_are_a_record_with_enums_and_errors_are_voice_errors():
    settings = mc.VoiceSettings()
    assert settings == mc.VoiceSettings(capture=[], playout=[], gain_target_dbov=-26.0,
                                        vad_hangover_ms=200, sid_interval_ms=500,
                                        barge_in_on_speech=False)
    settings.validate()
    settings.capture = [mc.VoiceStage.COMFORT_NOISE]
    with pytest.raises(mc.MediaError.Voice, match="capture VAD"):
        settings.validate()
    settings.capture = [mc.VoiceStage.VAD, mc.VoiceStage.COMFORT_NOISE]
    session = mc.MediaSession("PCMU", voice=settings)
    assert session.voice_settings() == settings
    session.set_voice_stage(mc.VoiceDirection.PLAYOUT, mc.VoiceStage.LEVEL_METER, True)
    assert session.voice_level(mc.VoiceDirection.PLAYOUT) == mc.VoiceLevel(
        rms_dbov=-127.0, peak_dbov=-127.0)
    with pytest.raises(mc.MediaError.Voice, match="playout path"):
        session.set_voice_stage(mc.VoiceDirection.PLAYOUT, mc.VoiceStage.ECHO_CANCELLATION,
                                True)
    session.push_capture(0, [0] * 160)
    assert mc.MediaSession("PCMU", voice=None).voice_settings() == mc.VoiceSettings()
