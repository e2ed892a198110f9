"""The uniffi binding, exercised through its generated Python module, and the receive-path
suite shared with bindings-python (tests/python/session_receive_suite.py: jitter buffer,
RTCP, quality)."""

import threading

import pytest

import mediacore_mobile as mc
from g711_reference import DECODERS, tone
from session_helpers import assert_no_timeout, assert_plays_in_order, drain_events, rtp, talk
from session_receive_suite import *  # noqa: F401,F403 (the shared tests, run against `binding`)

FRAME_US = 20_000


@pytest.mark.parametrize("codec", ["PCMU", "PCMA"])
def test_decoder_matches_the_g711_tables(codec):
    decoded = mc.Decoder(codec, 8000, 1).decode(bytes(range(256)))
    assert decoded == [DECODERS[codec](c) for c in range(256)]


@pytest.mark.parametrize("codec", ["PCMU", "PCMA"])
def test_tone_round_trip_is_g711_quantisation(codec):
    enc = mc.Encoder(codec, 8000, 1)
    dec = mc.Decoder(codec, 8000, 1)
    samples = tone(800) + [0, -1, 32767, -32768]
    payload = enc.encode(samples)
    assert isinstance(payload, bytes) and len(payload) == len(samples)
    decoded = dec.decode(payload)
    assert decoded == [DECODERS[codec](c) for c in payload]
    assert dec.decode(enc.encode(decoded)) == decoded


def test_known_values_and_accessors():
    assert mc.Encoder("PCMU", 8000, 1).encode([0]) == b"\xff"
    assert mc.Encoder("PCMA", 8000, 1).encode([0]) == b"\xd5"
    assert mc.Decoder("PCMU", 8000, 1).decode(b"\x80") == [32124]
    assert mc.Decoder("PCMA", 8000, 1).decode(b"\xaa") == [32256]
    enc = mc.Encoder("pcma", 8000, 2)
    assert (enc.codec(), enc.sample_rate(), enc.channels()) == ("PCMA", 8000, 2)


def test_wrong_item_types_are_rejected_by_the_binding():
    enc = mc.Encoder("PCMU", 8000, 1)
    with pytest.raises((TypeError, ValueError)):
        enc.encode([40000])
    with pytest.raises((TypeError, ValueError)):
        enc.encode([0.5])
    with pytest.raises(TypeError):
        mc.Decoder("PCMU", 8000, 1).decode([1, 2])


def test_errors_carry_the_core_message():
    with pytest.raises(mc.MediaError) as err:
        mc.Encoder("G729", 8000, 1)
    assert isinstance(err.value, mc.MediaError.Codec)
    assert str(err.value) == 'codec "G729" is not supported; supported codecs are PCMU, PCMA, G722, opus, L16, CN'
    with pytest.raises(mc.MediaError.Codec) as err:
        mc.Decoder("PCMU", 16000, 1)
    assert str(err.value) == "PCMU does not run at 16000 Hz; supported rates: 8000"
    with pytest.raises(mc.MediaError.Frame) as err:
        mc.Encoder("PCMA", 8000, 2).encode([1, 2, 3])
    assert str(err.value) == "3 interleaved samples cannot be split into 2 channels"
    with pytest.raises(mc.MediaError.InvalidArgument) as err:
        mc.MediaSession("PCMU", ptime_ms=15)
    assert str(err.value) == (
        "invalid argument: ptime 15 ms is not supported; expected 10 to 120 ms in steps of 10 ms"
    )


def test_session_defaults_and_properties():
    s = mc.MediaSession("PCMU")
    assert s.codec() == "PCMU"
    assert s.payload_type() == 0
    assert s.sample_rate() == 8000
    assert s.frame_samples() == 160
    assert s.remote_ssrc() is None
    assert s.local_ssrc() == mc.MediaSession("PCMU", seed=0).local_ssrc()
    assert s.local_ssrc() != mc.MediaSession("PCMU", seed=1).local_ssrc()
    assert mc.MediaSession("PCMA", payload_type=96, ptime_ms=10).payload_type() == 96
    assert mc.MediaSession("PCMA", ptime_ms=10).frame_samples() == 80
    assert s.poll_transmit(0) is None and s.poll_event() is None and s.poll_timeout() is None


def test_two_sessions_talking():
    a = mc.MediaSession("PCMU", seed=1)
    b = mc.MediaSession("PCMU", seed=2)
    frames = 8
    spoken = tone(160 * frames)
    heard, sizes = talk(a, b, spoken, b.frame_samples(), frames)
    assert sizes == [12 + 160] * frames
    enc, dec = mc.Encoder("PCMU", 8000, 1), mc.Decoder("PCMU", 8000, 1)
    assert_plays_in_order(heard, dec.decode(enc.encode(spoken)), frames)

    events = drain_events(b)
    assert events == [mc.MediaEvent.REMOTE_SOURCE_STARTED(ssrc=a.local_ssrc())]
    assert events[0].is_remote_source_started() and events[0].ssrc == a.local_ssrc()
    assert b.remote_ssrc() == a.local_ssrc()
    stats = b.stats()
    assert isinstance(stats, mc.SessionStats)
    assert stats.packets_received == frames and stats.bytes_received == 160 * frames
    assert a.stats().packets_sent == frames


def test_malformed_datagram_raises_and_the_session_stays_usable():
    b = mc.MediaSession("PCMU")
    with pytest.raises(mc.MediaError.Rtp) as err:
        b.handle_rtp(0, b"\x40" + bytes(11))
    assert str(err.value) == "RTP version 1 is not supported; expected 2"
    with pytest.raises(mc.MediaError.Rtp) as err:
        b.handle_rtp(0, rtp(8, 1, 0, 7, bytes(160)))
    assert str(err.value) == "RTP payload type 8 is not negotiated; expected 0"
    b.handle_rtp(0, rtp(0, 1, 0, 7, bytes(160)))
    assert drain_events(b) == [mc.MediaEvent.REMOTE_SOURCE_STARTED(ssrc=7)]
    assert b.stats().packets_rejected == 2
    assert b.stats().packets_received == 1


def test_source_change_timeout_and_resume_events():
    b = mc.MediaSession("PCMU", rtp_timeout_ms=1000, rtcp=False, quality_interval_ms=None)
    b.handle_rtp(0, rtp(0, 1, 0, 1111, bytes(160)))
    b.handle_rtp(FRAME_US, rtp(0, 9, 800, 2222, bytes(160)))
    assert drain_events(b) == [
        mc.MediaEvent.REMOTE_SOURCE_STARTED(ssrc=1111),
        mc.MediaEvent.REMOTE_SOURCE_CHANGED(old=1111, new=2222),
    ]
    assert b.poll_timeout() == FRAME_US + 1_000_000
    b.handle_timeout(FRAME_US + 999_999)
    assert b.poll_event() is None
    b.handle_timeout(FRAME_US + 1_000_250)
    assert drain_events(b) == [mc.MediaEvent.RTP_TIMEOUT(silent_for_ms=1000.25)]
    b.handle_rtp(2_000_000, rtp(0, 10, 960, 2222, bytes(160)))
    assert drain_events(b) == [mc.MediaEvent.RTP_RESUMED()]


def test_timeout_can_be_disabled():
    assert_no_timeout(
        mc.MediaSession("PCMU", rtp_timeout_ms=None, rtcp=False, quality_interval_ms=None))


def test_objects_can_be_shared_between_threads():
    a = mc.MediaSession("PCMA", seed=4)
    frames = 50

    def capture():
        for i in range(frames):
            a.push_capture(i * FRAME_US, [1000] * 160)

    thread = threading.Thread(target=capture)
    thread.start()
    sent = 0
    while thread.is_alive():
        if a.poll_transmit(0) is not None:
            sent += 1
    thread.join()
    while a.poll_transmit(0) is not None:
        sent += 1
    stats = a.stats()
    assert stats.packets_sent == frames
    assert sent + stats.packets_send_dropped == frames
