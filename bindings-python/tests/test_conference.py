"""Conferences through `mediacore`: the suite shared with bindings-mobile
(tests/python/conference_suite.py), and what only this binding has (keyword arguments of
MediaSession for a participant's session, the options dict, the event dicts' shape)."""

import pytest

import mediacore
from conference_suite import *  # noqa: F401,F403 (the shared tests, run against `binding`)
from conference_suite import Call


def test_participants_take_the_session_keywords_and_report_their_options():
    conference = mediacore.Conference(16000, tick_ms=20)
    opus = conference.add_participant("opus", payload_type=111, ptime_ms=20, bitrate=32000,
                                      muted=True, output_gain_db=-6.0)
    pcma = conference.add_participant("PCMA", seed=3, exclude=[opus])
    assert conference.participants() == [opus, pcma] and len(conference) == 2
    assert conference.options(pcma) == {
        "input_gain_db": 0.0, "output_gain_db": 0.0, "muted": False, "deaf": False,
        "listen_only": False, "whisper_to": [], "exclude": [opus]}
    assert conference.options(opus)["muted"] and conference.options(opus)["output_gain_db"] == -6
    conference.set_whisper_to(pcma, [opus])
    conference.set_listen_only(pcma, True)
    conference.set_input_gain_db(opus, 6.0)
    assert conference.options(pcma)["whisper_to"] == [opus]
    assert conference.options(99) is None
    with pytest.raises(mediacore.MediaError, match="bitrate"):
        conference.add_participant("opus", payload_type=111, bitrate=1)
    with pytest.raises(TypeError):
        conference.add_participant("PCMU", 1)  # session settings are keywords only
    assert "Conference(sample_rate=16000, tick_ms=20, participants=2)" == repr(conference)


def test_event_dicts_and_the_clock(binding):
    call = Call(binding)
    conference = call.conference
    assert conference.poll_timeout() is None
    call.run(40)
    assert conference.poll_timeout() == 40 * 20_000
    assert conference.level_dbov(call.ids["A"]) > -20
    events = binding.conference_events(conference)
    assert all(isinstance(e, dict) and "participant" in e for e in events)
    conference.remove_participant(40 * 20_000, call.ids["A"])
    conference.tick(40 * 20_000)
    events = binding.conference_events(conference)
    assert {"type": "talk_stopped", "participant": call.ids["A"]} in events
    assert {"type": "active_speaker", "participant": None} in events
