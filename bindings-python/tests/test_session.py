"""MediaSession driven from Python: the suite shared with the mobile binding
(tests/python/session_suite.py: Opus at 16 kHz, L16 at each rate, G.722, configuration
errors; session_receive_suite.py: jitter buffer, RTCP, quality), and two G.711 peers,
events, errors, timeouts, stats and Opus keyword arguments."""

import array

import pytest

import mediacore
from g711_reference import tone
from session_helpers import assert_no_timeout, assert_plays_in_order, drain_events, rtp, talk
from session_receive_suite import *  # noqa: F401,F403 (the shared tests, run against `binding`)
from session_suite import *  # noqa: F401,F403

FRAME_US = 20_000


def quantised(codec, samples):
    """What a peer should hear: the samples through the codec."""
    enc = mediacore.Encoder(codec, 8000, 1)
    return list(mediacore.Decoder(codec, 8000, 1).decode(enc.encode(array.array("h", samples))))


def test_properties():
    s = mediacore.MediaSession("pcmu", seed=7)
    assert s.codec == "PCMU"
    assert s.payload_type == 0
    assert s.sample_rate == 8000
    assert s.frame_samples == 160
    assert s.remote_ssrc is None
    assert isinstance(s.local_ssrc, int)
    assert s.local_ssrc == mediacore.MediaSession("PCMU", seed=7).local_ssrc
    assert s.local_ssrc != mediacore.MediaSession("PCMU", seed=8).local_ssrc
    assert mediacore.MediaSession("PCMA").payload_type == 8
    assert mediacore.MediaSession("PCMA", payload_type=96, ptime_ms=10).payload_type == 96
    assert mediacore.MediaSession("PCMA", ptime_ms=10).frame_samples == 80
    assert s.poll_timeout() is None
    assert s.poll_transmit(0) is None
    assert s.poll_event() is None


def test_two_sessions_talking():
    a = mediacore.MediaSession("PCMU", seed=1)
    b = mediacore.MediaSession("PCMU", seed=2)
    frames = 8
    spoken = tone(160 * frames)
    heard, sizes = talk(a, b, array.array("h", spoken), b.frame_samples, frames)
    assert sizes == [12 + 160] * frames
    assert_plays_in_order(heard, quantised("PCMU", spoken), frames)
    out = b.pull_playout(frames * FRAME_US)
    assert isinstance(out, array.array) and out.typecode == "h"

    assert drain_events(b) == [{"type": "remote_source_started", "ssrc": a.local_ssrc}]
    assert b.remote_ssrc == a.local_ssrc
    sa, sb = a.stats(), b.stats()
    assert sa["packets_sent"] == frames and sa["bytes_sent"] == 160 * frames
    assert sb["packets_received"] == frames and sb["bytes_received"] == 160 * frames
    assert sb["packets_lost"] == 0 and sb["packets_rejected"] == 0


def test_capture_is_cut_into_ptime_frames():
    a = mediacore.MediaSession("PCMA", seed=3, ptime_ms=10)
    a.push_capture(0, array.array("h", tone(50)))
    assert a.poll_transmit(0) is None
    a.push_capture(0, array.array("h", tone(150)).tobytes())
    packets = []
    while (p := a.poll_transmit(0)) is not None:
        packets.append(p)
    assert [len(p) for p in packets] == [12 + 80, 12 + 80]
    assert packets[0][1] == 0x80 | 8, "first packet has the marker bit and PT 8"
    assert packets[1][1] == 8


def test_capture_rejects_wrong_item_type():
    s = mediacore.MediaSession("PCMU")
    with pytest.raises(TypeError, match="expected int16 PCM"):
        s.push_capture(0, array.array("f", [0.0] * 160))


def test_malformed_datagrams_raise_and_the_session_stays_usable():
    a = mediacore.MediaSession("PCMU", seed=1)
    b = mediacore.MediaSession("PCMU", seed=2)
    with pytest.raises(mediacore.MediaError) as err:
        b.handle_rtp(0, b"\x40" + bytes(11))
    assert str(err.value) == "RTP version 1 is not supported; expected 2"
    with pytest.raises(mediacore.MediaError) as err:
        b.handle_rtp(0, rtp(8, 1, 0, 1234, bytes(160)))
    assert str(err.value) == "RTP payload type 8 is not negotiated; expected 0"
    with pytest.raises(mediacore.MediaError, match="truncated"):
        b.handle_rtp(0, b"\x80\x00")
    assert b.remote_ssrc is None
    assert b.poll_event() is None

    a.push_capture(0, array.array("h", tone(160)))
    b.handle_rtp(0, a.poll_transmit(0))
    assert drain_events(b) == [{"type": "remote_source_started", "ssrc": a.local_ssrc}]
    stats = b.stats()
    assert stats["packets_rejected"] == 3
    assert stats["packets_received"] == 1


def test_source_change_event():
    b = mediacore.MediaSession("PCMU")
    b.handle_rtp(0, rtp(0, 1, 0, 1111, bytes(160)))
    b.handle_rtp(FRAME_US, rtp(0, 500, 9000, 2222, bytes(160)))
    assert drain_events(b) == [
        {"type": "remote_source_started", "ssrc": 1111},
        {"type": "remote_source_changed", "old": 1111, "new": 2222},
    ]
    assert b.remote_ssrc == 2222


def test_rtp_timeout_via_handle_timeout():
    b = mediacore.MediaSession("PCMU", rtp_timeout_ms=1000, rtcp=False, quality_interval_ms=None)
    b.handle_rtp(0, rtp(0, 1, 0, 42, bytes(160)))
    assert drain_events(b)[0]["type"] == "remote_source_started"
    assert b.poll_timeout() == 1_000_000
    b.handle_timeout(999_999)
    assert b.poll_event() is None
    b.handle_timeout(1_000_500)
    assert drain_events(b) == [{"type": "rtp_timeout", "silent_for_ms": 1000.5}]
    assert b.poll_timeout() is None, "no deadline once timed out"
    b.handle_rtp(1_500_000, rtp(0, 2, 160, 42, bytes(160)))
    assert drain_events(b) == [{"type": "rtp_resumed"}]


def test_no_timeout_when_disabled():
    assert_no_timeout(
        mediacore.MediaSession("PCMU", rtp_timeout_ms=None, rtcp=False, quality_interval_ms=None))


def test_poll_timeout_follows_playout():
    b = mediacore.MediaSession("PCMU", rtp_timeout_ms=None)
    b.pull_playout(5_000)
    assert b.poll_timeout() == 5_000 + FRAME_US


def test_payload_type_out_of_range_raises_the_core_message():
    with pytest.raises(mediacore.MediaError) as err:
        mediacore.MediaSession("PCMU", payload_type=128)
    assert str(err.value) == "RTP payload type 128 is out of range; expected 0..=127"


def test_stats_has_every_counter():
    assert sorted(mediacore.MediaSession("PCMU").stats()) == sorted([
        "packets_received", "bytes_received", "packets_rejected", "packets_late",
        "packets_lost", "packets_sent", "bytes_sent", "packets_send_dropped",
        "playout_underruns", "playout_samples_dropped", "events_dropped",
    ])


def test_playout_as_numpy():
    np = pytest.importorskip("numpy")
    s = mediacore.MediaSession("PCMU")
    out = s.pull_playout(0, numpy=True)
    assert isinstance(out, np.ndarray) and out.dtype == np.int16 and out.shape == (160,)
    s.push_capture(0, np.zeros(160, dtype=np.int16))
    assert s.poll_transmit(0) is not None


def test_opus_settings_are_keyword_arguments():
    s = mediacore.MediaSession("opus", payload_type=111, sample_rate=16000, bitrate=32000,
                               application="voip")
    s.push_capture(0, array.array("h", tone(320)))
    assert len(s.poll_transmit(0)) == 12 + 80
    with pytest.raises(TypeError, match="unexpected keyword argument 'ptime'"):
        mediacore.MediaSession("opus", payload_type=111, ptime=20)
