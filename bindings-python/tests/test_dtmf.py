"""DTMF detection and generation, tones, telephone-events and digit collection from Python:
the suite shared with the mobile binding (tests/python/dtmf_suite.py) and what only this
binding has (DetectedDigit objects, numpy output)."""

import numpy as np

import mediacore
from dtmf_suite import *  # noqa: F401,F403 (the shared tests, run against `binding`)


def test_detected_digits_are_values():
    pcm = mediacore.generate_dtmf("4", 8000, numpy=True)
    assert isinstance(pcm, np.ndarray) and pcm.dtype == np.int16
    (digit,) = mediacore.DtmfDetector(8000).process(pcm)
    assert isinstance(digit, mediacore.DetectedDigit)
    assert repr(digit).startswith('DetectedDigit(digit="4", start_ms=')
    (again,) = mediacore.DtmfDetector(8000).process(pcm.tobytes())
    assert again == digit
    assert repr(mediacore.DtmfDetector(16000)) == "DtmfDetector(16000)"


def test_numpy_output_of_tones_and_muting():
    tone = mediacore.generate_tone("us/dial", 8000, 100, numpy=True)
    assert tone.dtype == np.int16 and len(tone) == 800
    muted = mediacore.DtmfDetector(8000).process_muted(tone, numpy=True)
    assert muted.dtype == np.int16 and len(muted) == 800


def test_session_dtmf_options_default_on_and_off():
    session = mediacore.MediaSession("PCMU")
    session.send_dtmf("1")
    assert session.is_sending_dtmf()
    off = mediacore.MediaSession("PCMU", telephone_event_payload_type=None)
    try:
        off.send_dtmf("1")
    except mediacore.MediaError as err:
        assert "no telephone-event payload type" in str(err)
    else:
        raise AssertionError("send_dtmf without a payload type")
