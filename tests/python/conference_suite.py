"""Conferences, tested alike in both Python-facing bindings: three PCMU peers (plain
MediaSessions on the test side) exchange datagrams with a conference in simulated time while
peer A talks a tone; who hears it and how loud, what muting and deafening change, the speaker
events, a recording of the mix, and bad input.

bindings-python/tests/test_conference.py and bindings-mobile/tests/test_mobile_conference.py
import these tests; each takes the suite's `binding` fixture (see binding.py):
`conference(**config)`, `add_participant(conference, codec, **settings)`,
`conference_transmit(conference, now_us)`, `conference_events(conference)` and
`conference_stats(conference)`; the setters, `tick`, `handle_rtp`, `active_speaker`,
`is_talking` and the recording calls are the same in both.
"""

import numpy as np
import pytest

from record_suite import read_wav, tone_level
from signal_checks import aligned_correlation, rms, sine

FRAME = 160  # 20 ms of PCMU at 8 kHz
TICK_US = 20_000
TONE_HZ = 440


class Call:
    """A conference at 8 kHz and three PCMU peers in it; A talks a tone, B and C are silent."""

    def __init__(self, binding):
        self.b = binding
        self.conference = binding.conference(sample_rate=8000)
        self.peers, self.ids = {}, {}
        for seed, name in enumerate("ABC", start=1):
            self.peers[name] = binding.session("PCMU", seed=seed, rtcp=False)
            self.ids[name] = binding.add_participant(
                self.conference, "PCMU", seed=10 + seed, rtcp=False)
        self.names = {v: k for k, v in self.ids.items()}
        self.heard = {name: [] for name in "ABC"}
        self.tick = 0

    def run(self, ticks, a_talks=True):
        """`ticks` ticks: each peer sends a frame, the conference mixes, each peer plays one.
        Returns what each peer played in these ticks."""
        heard = {name: [] for name in "ABC"}
        for _ in range(ticks):
            now = self.tick * TICK_US
            for name, peer in self.peers.items():
                loud = name == "A" and a_talks
                frame = (sine(FRAME, TONE_HZ, 8000, start=self.tick * FRAME) if loud
                         else np.zeros(FRAME, dtype=np.int16))
                peer.push_capture(now, frame)
                while (datagram := peer.poll_transmit(now)) is not None:
                    self.conference.handle_rtp(now, self.ids[name], datagram)
            self.conference.tick(now)
            for to, datagram in self.b.conference_transmit(self.conference, now):
                self.peers[self.names[to]].handle_rtp(now, datagram)
            for name, peer in self.peers.items():
                heard[name].extend(peer.pull_playout(now))
            self.tick += 1
        for name in "ABC":
            self.heard[name].extend(heard[name])
        return {name: np.asarray(pcm, dtype=np.float64) for name, pcm in heard.items()}


def tone(n, start):
    return sine(n, TONE_HZ, 8000, start=start)


def test_b_and_c_hear_a_at_the_same_level_and_a_does_not_hear_itself(binding):
    call = Call(binding)
    call.run(25)  # jitter buffers fill, A starts talking
    heard = call.run(50)
    reference = tone(len(heard["B"]) + 2000, 25 * FRAME)
    for name in "BC":
        corr, lag = aligned_correlation(reference, np.r_[np.zeros(2000), heard[name]], 2000)
        assert corr > 0.95, f"{name} hears A with correlation {corr:.3f}"
    level_b, level_c = rms(heard["B"]), rms(heard["C"])
    assert level_b > 0.5 * rms(reference), level_b
    assert abs(20 * np.log10(level_b / level_c)) < 0.5
    assert rms(heard["A"]) < 0.01 * level_b, "A hears itself"
    stats = binding.conference_stats(call.conference)
    assert stats["ticks"] == 75 and stats["ticks_skipped"] == 0


def test_talk_started_and_active_speaker_name_a(binding):
    call = Call(binding)
    call.run(40)
    a = call.ids["A"]
    events = binding.conference_events(call.conference)
    speaker = [e for e in events if e["type"] in ("talk_started", "active_speaker")]
    assert {"type": "talk_started", "participant": a} in speaker, events
    assert {"type": "active_speaker", "participant": a} in speaker, events
    assert call.conference.active_speaker() == a
    assert call.conference.is_talking(a)
    assert not call.conference.is_talking(call.ids["B"])
    # The sessions' own events come with their participant.
    started = [e for e in events if e["type"] == "remote_source_started"]
    assert {e["participant"] for e in started} == set(call.ids.values())
    for e in started:
        assert e["ssrc"] == binding.get(call.peers[call.names[e["participant"]]], "local_ssrc")


def test_muting_a_silences_it_and_deafening_b_silences_b_alone(binding):
    call = Call(binding)
    call.run(40)
    conference, a, b = call.conference, call.ids["A"], call.ids["B"]
    conference.set_muted(a, True)
    call.run(10)  # what was on the way drains
    heard = call.run(30)
    assert rms(heard["B"]) < 30 and rms(heard["C"]) < 30, "a muted A is heard"
    conference.set_muted(a, False)
    conference.set_deaf(b, True)
    call.run(10)
    heard = call.run(30)
    assert rms(heard["B"]) < 30, "a deaf B hears"
    assert rms(heard["C"]) > 3000, "C no longer hears A"
    conference.set_deaf(b, False)
    call.run(10)
    heard = call.run(30)
    assert abs(20 * np.log10(rms(heard["B"]) / rms(heard["C"]))) < 0.5


def test_a_conference_recording_holds_the_tone(binding):
    call = Call(binding)
    conference = call.conference
    conference.start_recording(0, binding.record_options(layout="mono", sample_rate=8000))
    assert conference.is_recording()
    call.run(100)
    data, summary = binding.stop_recording(conference, 100 * TICK_US)
    assert not conference.is_recording()
    assert summary["channels"] == 1 and summary["sample_rate"] == 8000
    assert summary["duration_ms"] == pytest.approx(2000, abs=40)
    channels, rate, pcm = read_wav(data)
    assert (channels, rate) == (1, 8000)
    tail = pcm[8000:16000]
    assert tone_level(tail, TONE_HZ, 8000) > 4000
    assert tone_level(tail, 1000, 8000) < 100


def test_a_participant_leaves_and_bad_input_raises_the_core_message(binding):
    b = binding
    with pytest.raises(b.InvalidArgument, match="sample_rate 44100 Hz is not a mix rate"):
        b.conference(sample_rate=44100)
    with pytest.raises(b.InvalidArgument, match="tick 15ms is not supported"):
        b.conference(tick_ms=15)
    call = Call(binding)
    conference = call.conference
    with pytest.raises(b.InvalidArgument, match="input_gain_db 20 is out of range"):
        b.add_participant(conference, "PCMU", input_gain_db=20.0)
    with pytest.raises(b.CodecError, match="G729"):
        b.add_participant(conference, "G729")
    with pytest.raises(b.InvalidArgument, match="no participant 99 in this conference"):
        conference.handle_rtp(0, 99, bytes(172))
    with pytest.raises(b.InvalidArgument, match="no participant 99 in this conference"):
        conference.set_muted(99, True)
    with pytest.raises(b.RtpError):
        conference.handle_rtp(0, call.ids["A"], b"\x80")
    with pytest.raises(b.InvalidArgument, match="layout stereo is not mono"):
        conference.start_recording(0, b.record_options(layout="stereo"))
    with pytest.raises(b.InvalidArgument, match="not recording"):
        b.stop_recording(conference, 0)
    # Still usable afterwards; a participant that leaves hands back its session.
    call.run(30)
    session = conference.remove_participant(30 * TICK_US, call.ids["C"])
    assert b.stat(session, "packets_received") > 0
    assert sorted(conference.participants()) == sorted([call.ids["A"], call.ids["B"]])
    with pytest.raises(b.InvalidArgument, match="no participant"):
        conference.remove_participant(0, call.ids["C"])
