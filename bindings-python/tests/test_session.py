"""MediaSession driven from Python: two peers (G.711, Opus at 16 kHz, L16 at each rate),
events, errors, timeouts and stats."""

import array

import pytest

import mediacore
from g711_reference import tone
from session_helpers import assert_no_timeout, assert_plays_in_order, drain_events, rtp
from signal_checks import assert_tone_survives, sine

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
    assert mediacore.MediaSession("PCMA", payload_type=101, ptime_ms=10).payload_type == 101
    assert mediacore.MediaSession("PCMA", ptime_ms=10).frame_samples == 80
    assert s.poll_timeout() is None
    assert s.poll_transmit(0) is None
    assert s.poll_event() is None


def test_two_sessions_talking():
    a = mediacore.MediaSession("PCMU", seed=1)
    b = mediacore.MediaSession("PCMU", seed=2)
    frames = 8
    spoken = tone(160 * frames)
    heard = []
    sent = 0
    for i in range(frames):
        now = i * FRAME_US
        a.push_capture(now, array.array("h", spoken[i * 160:(i + 1) * 160]))
        while (datagram := a.poll_transmit(now)) is not None:
            assert isinstance(datagram, bytes)
            assert len(datagram) == 12 + 160
            b.handle_rtp(now, datagram)
            sent += 1
        out = b.pull_playout(now)
        assert isinstance(out, array.array) and out.typecode == "h"
        assert len(out) == b.frame_samples
        heard.extend(out)
    assert sent == frames

    assert_plays_in_order(heard, quantised("PCMU", spoken), frames)

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
    b = mediacore.MediaSession("PCMU", rtp_timeout_ms=1000)
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
    assert_no_timeout(mediacore.MediaSession("PCMU", rtp_timeout_ms=None))


def test_poll_timeout_follows_playout():
    b = mediacore.MediaSession("PCMU", rtp_timeout_ms=None)
    b.pull_playout(5_000)
    assert b.poll_timeout() == 5_000 + FRAME_US


def test_invalid_configuration_raises_the_core_message():
    with pytest.raises(mediacore.MediaError) as err:
        mediacore.MediaSession("PCMU", ptime_ms=15)
    assert str(err.value) == (
        "invalid argument: ptime 15 ms is not supported; expected 10 to 120 ms in steps of 10 ms"
    )
    with pytest.raises(mediacore.MediaError) as err:
        mediacore.MediaSession("PCMU", payload_type=128)
    assert str(err.value) == "RTP payload type 128 is out of range; expected 0..=127"
    with pytest.raises(mediacore.MediaError) as err:
        mediacore.MediaSession("G729")
    assert str(err.value) == 'codec "G729" is not supported; supported codecs are PCMU, PCMA, G722, opus, L16, CN'


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


def talk(a, b, spoken, frame, frames, tick_us=FRAME_US):
    """A captures `spoken` frame by frame, one frame per `tick_us`, and B plays; returns
    what B played and the sizes of the datagrams sent."""
    heard, sizes = [], []
    for i in range(frames):
        now = i * tick_us
        a.push_capture(now, spoken[i * frame:(i + 1) * frame])
        while (datagram := a.poll_transmit(now)) is not None:
            sizes.append(len(datagram))
            b.handle_rtp(now, datagram)
        out = b.pull_playout(now)
        assert len(out) == b.frame_samples == frame
        heard.extend(out)
    return heard, sizes


def test_opus_sessions_at_16_khz_talk():
    a = mediacore.MediaSession("opus", seed=1, payload_type=111, sample_rate=16000, bitrate=32000)
    b = mediacore.MediaSession("opus", seed=2, payload_type=111, sample_rate=16000, bitrate=32000)
    assert (a.codec, a.sample_rate, a.frame_samples, a.payload_type) == ("opus", 16000, 320, 111)
    frames = 50
    spoken = sine(320 * frames, 440, 16000)
    heard, sizes = talk(a, b, spoken, 320, frames)
    # 32 kbit/s CBR: 80 bytes of payload per 20 ms after the 12-byte RTP header.
    assert sizes == [12 + 80] * frames
    start = next(i for i in range(0, len(heard), 320) if any(heard[i:i + 320]))
    assert start <= 3 * 320, "playout starts after its prefill"
    assert_tone_survives(spoken[: len(heard) - start], heard[start:], 16000, label="opus session")
    assert b.stats()["packets_received"] == frames


def test_opus_session_settings_and_packet_time():
    a = mediacore.MediaSession("opus", payload_type=111, ptime_ms=40, sample_rate=8000,
                               bitrate=16000, complexity=3, inband_fec=True,
                               expected_loss_percent=10, application="voip")
    assert a.frame_samples == 320
    a.push_capture(0, array.array("h", tone(320)))
    assert len(a.poll_transmit(0)) == 12 + 16000 * 40 // 8000
    with pytest.raises(mediacore.MediaError) as err:
        mediacore.MediaSession("opus", payload_type=111, ptime_ms=30)
    assert str(err.value) == (
        "invalid argument: opus cannot send 30 ms packets; its ptime must be 10, 20, 40 or 60 ms"
    )
    with pytest.raises(mediacore.MediaError, match="opus complexity 12 is out of range"):
        mediacore.MediaSession("opus", payload_type=111, complexity=12)
    with pytest.raises(mediacore.MediaError) as err:
        mediacore.MediaSession("PCMU", inband_fec=True)
    assert str(err.value) == "invalid argument: inband_fec only applies to the opus codec; got PCMU"
    with pytest.raises(TypeError):
        mediacore.MediaSession("opus", payload_type=111, frame_ms=20)  # ptime_ms sets it


@pytest.mark.parametrize("rate", [8000, 16000, 48000])
def test_l16_sessions_are_bit_exact_at_each_rate(rate):
    # 20 ms of 48 kHz L16 (1920 bytes) would not fit a 1500-byte datagram: 10 ms there.
    ptime_ms = 10 if rate == 48000 else 20
    frame = rate * ptime_ms // 1000
    a = mediacore.MediaSession("L16", seed=1, payload_type=96, ptime_ms=ptime_ms, sample_rate=rate)
    b = mediacore.MediaSession("L16", seed=2, payload_type=96, ptime_ms=ptime_ms, sample_rate=rate)
    assert (a.sample_rate, a.frame_samples) == (rate, frame)
    frames = 8
    spoken = tone(frame * frames, freq=1000, rate=rate)
    heard, sizes = talk(a, b, array.array("h", spoken), frame, frames, ptime_ms * 1000)
    assert sizes == [12 + 2 * frame] * frames
    assert_plays_in_order(heard, spoken, frames, frame=frame)


def test_g722_session_runs_at_16_khz():
    s = mediacore.MediaSession("G722")
    assert (s.sample_rate, s.frame_samples, s.payload_type) == (16000, 320, 9)
    assert mediacore.MediaSession("G722", sample_rate=16000).frame_samples == 320


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (("PCMU",), dict(sample_rate=16000), "PCMU does not run at 16000 Hz; supported rates: 8000"),
        (("opus",), dict(payload_type=111, sample_rate=44100),
         "opus does not run at 44100 Hz; supported rates: 48000, 24000, 16000, 12000, 8000"),
        (("G722",), dict(sample_rate=8000), "G722 does not run at 8000 Hz; supported rates: 16000"),
        (("opus",), {}, "invalid argument: opus has no static payload type; give one in the configuration"),
    ],
)
def test_session_rate_errors(args, kwargs, message):
    with pytest.raises(mediacore.MediaError) as err:
        mediacore.MediaSession(*args, **kwargs)
    assert str(err.value) == message
