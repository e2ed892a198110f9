"""Transcoder: the suite shared with the mobile binding (tests/python/transcoder_suite.py), and
what is Python's own: keyword arguments with each codec's default rate, Opus settings as
keyword arguments, argument types and repr."""

import pytest

import mediacore
from transcoder_suite import *  # noqa: F401,F403 (the shared tests, run against `binding`)


def test_rates_default_to_each_codecs_rate_and_channels_to_mono():
    t = mediacore.Transcoder("PCMU", "opus")
    assert (t.input_codec, t.input_rate, t.input_channels) == ("PCMU", 8000, 1)
    assert (t.output_codec, t.output_rate, t.output_channels) == ("opus", 48000, 1)
    assert mediacore.Transcoder("PCMU", "G722").output_rate == 16000
    assert mediacore.Transcoder("G722", "L16", output_channels=2).output_rate == 8000


def test_opus_settings_are_keyword_arguments():
    t = mediacore.Transcoder("PCMU", "opus", output_rate=16000, bitrate=32000, complexity=None)
    assert len(t.transcode(bytes(160))[0]) == 32000 * 20 // 8000
    with pytest.raises(mediacore.MediaError) as err:
        mediacore.Transcoder("opus", "PCMU", bitrate=32000)
    assert str(err.value) == "invalid argument: bitrate only applies to the opus codec; got PCMU"
    with pytest.raises(TypeError, match="unexpected keyword argument 'ptime_ms'"):
        mediacore.Transcoder("PCMU", "opus", ptime_ms=20)


def test_arguments_of_the_wrong_type_and_repr():
    t = mediacore.Transcoder("L16", "PCMU", input_rate=8000)
    with pytest.raises(TypeError):
        t.push("not bytes")
    with pytest.raises(TypeError):
        mediacore.Transcoder("PCMU", "G722", 8000)  # the formats are keyword-only
    assert repr(t) == (
        "Transcoder('L16', 'PCMU', input_rate=8000, input_channels=1, output_rate=8000, "
        "output_channels=1)"
    )
