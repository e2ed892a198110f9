"""DTMF detection and generation, tones, telephone-events and digit collection through the
generated binding: the suite shared with bindings-python (tests/python/dtmf_suite.py) and the
uniffi types (records, enums) the events carry."""

import mediacore_mobile as mc
from dtmf_suite import *  # noqa: F401,F403 (the shared tests, run against `binding`)


def test_detected_digits_are_records():
    pcm = mc.generate_dtmf("4", 8000)
    assert isinstance(pcm, list) and len(pcm) == 1600
    (digit,) = mc.DtmfDetector(8000).process(pcm)
    assert isinstance(digit, mc.DetectedDigit) and digit.digit == "4"
    assert mc.DtmfDetector(16000).sample_rate() == 16000


def test_dtmf_events_carry_enums():
    session = mc.MediaSession("PCMU", quality_interval_ms=None)
    session.collect_digits(0, max_digits=1)
    session.push_signalled_digit(10, "5")
    dtmf, collected = session.poll_event(), session.poll_event()
    assert dtmf.is_dtmf() and dtmf.source == mc.DtmfSource.SIGNALLING
    assert collected.is_digits_collected()
    assert collected.reason == mc.CollectEndReason.MAX_DIGITS
    assert (collected.digits, collected.terminator, collected.ended_at_us) == ("5", None, 10)
    try:
        session.push_signalled_digit(0, "?")
    except mc.MediaError.InvalidArgument as err:
        assert "'?' is not a DTMF digit" in str(err)
    else:
        raise AssertionError("a bad digit")
