"""Conferences through the generated binding: the suite shared with bindings-python
(tests/python/conference_suite.py) and the uniffi types they come as (records with the
Python binding's defaults, the `ConferenceEvent` enum, `Transmit`, error domains)."""

import pytest

import mediacore_mobile as mc
from conference_suite import *  # noqa: F401,F403 (the shared tests, run against `binding`)
from conference_suite import TICK_US, Call


def test_options_are_records_with_pythons_defaults():
    o = mc.ConferenceOptions()
    assert (o.sample_rate, o.tick_ms, o.max_talkers, o.max_participants) == (16000, 20, 4, 1000)
    assert (o.talk_on_dbov, o.talk_off_dbov, o.attack_ms, o.hangover_ms, o.switch_margin_db,
            o.active_hold_ms, o.smoothing_ms) == (-40.0, -45.0, 40, 600, 3.0, 500, 200)
    p = mc.ParticipantOptions()
    assert (p.input_gain_db, p.output_gain_db, p.muted, p.deaf, p.listen_only, p.whisper_to,
            p.exclude) == (0.0, 0.0, False, False, False, [], [])
    s = mc.SessionSettings(codec="PCMU")
    assert (s.seed, s.payload_type, s.ptime_ms, s.rtp_timeout_ms, s.jitter_mode, s.rtcp,
            s.telephone_event_payload_type) == (0, None, 20, 30000, "adaptive", True, 101)


def test_participants_options_and_events_are_uniffi_types():
    conference = mc.Conference()
    a = conference.add_participant(mc.SessionSettings(codec="G722", seed=1))
    b = conference.add_participant(mc.SessionSettings(codec="PCMA", seed=2),
                                   mc.ParticipantOptions(exclude=[a], muted=True))
    assert conference.participants() == [a, b]
    assert conference.options(b) == mc.ParticipantOptions(exclude=[a], muted=True)
    conference.set_options(b, mc.ParticipantOptions(whisper_to=[a]))
    assert conference.options(b).whisper_to == [a] and not conference.options(b).muted
    assert conference.options(99) is None
    with pytest.raises(mc.MediaError.InvalidArgument, match="no participant 99"):
        conference.set_options(99, mc.ParticipantOptions())
    conference.tick(0)
    sent = conference.poll_transmit(0)
    assert isinstance(sent, mc.Transmit) and sent.participant in (a, b)
    assert isinstance(conference.stats(), mc.ConferenceStats)


def test_session_events_come_wrapped_with_their_participant(binding):
    call = Call(binding)
    call.run(10)
    events = []
    while (event := call.conference.poll_event()) is not None:
        events.append(event)
    wrapped = [e for e in events if e.is_session()]
    assert wrapped and all(isinstance(e.event, mc.MediaEvent) for e in wrapped)
    assert {e.participant for e in wrapped} == set(call.ids.values())
    session = call.conference.remove_participant(10 * TICK_US, call.ids["A"])
    assert isinstance(session, mc.MediaSession) and session.stats().packets_received > 0
