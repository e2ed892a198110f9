"""G.722, Opus, L16 and CN, the Transcoder and sessions at a chosen sample rate through the
uniffi binding's generated Python module: the suites shared with bindings-python
(tests/python/codec_suite.py, transcoder_suite.py and session_suite.py), and what is the
mobile binding's own: the `OpusSettings` record and `OpusApplication` enum."""

import pytest

import mediacore_mobile as mc
from codec_suite import *  # noqa: F401,F403 (the shared tests, run against `binding`)
from session_suite import *  # noqa: F401,F403
from transcoder_suite import *  # noqa: F401,F403


def test_opus_settings_record_and_enum():
    default = mc.OpusSettings(application=mc.OpusApplication.VOIP, bitrate=24000, complexity=9,
                              cbr=True, inband_fec=False, expected_loss_percent=0, frame_ms=20)
    assert mc.Encoder("opus", 16000, 1).opus_settings() == default
    assert mc.Encoder.new_opus(16000, 1).opus_settings() == default, "settings default to none"
    given = mc.OpusSettings(application=mc.OpusApplication.AUDIO, bitrate=40000)
    settings = mc.Encoder.new_opus(24000, 1, given).opus_settings()
    assert settings.application is mc.OpusApplication.AUDIO
    assert (settings.bitrate, settings.complexity) == (40000, 9)
    assert mc.Encoder("PCMU", 8000, 1).opus_settings() is None
    with pytest.raises(ValueError, match="voip"):
        mc.Encoder.new_opus(16000, 1, mc.OpusSettings(application="voip"))  # not the enum
