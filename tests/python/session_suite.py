"""MediaSession tests that both Python-facing bindings run: sessions at a chosen sample rate
(Opus at 16 kHz, L16 at each rate, G.722), Opus settings, and the configurations the engine
refuses.

bindings-python/tests/test_session.py and bindings-mobile/tests/test_mobile_wideband.py
import these tests; each test takes the suite's `binding` fixture (see binding.py).
"""

import pytest

from session_helpers import assert_plays_in_order, talk
from signal_checks import assert_tone_survives, sine


def test_opus_sessions_at_16_khz_talk(binding):
    opus = dict(bitrate=32000)
    a = binding.session("opus", opus, seed=1, payload_type=111, sample_rate=16000)
    b = binding.session("opus", opus, seed=2, payload_type=111, sample_rate=16000)
    shape = [binding.get(a, name) for name in ("codec", "sample_rate", "frame_samples", "payload_type")]
    assert shape == ["opus", 16000, 320, 111]
    frames = 50
    spoken = sine(320 * frames, 440, 16000)
    heard, sizes = talk(a, b, spoken, 320, frames)
    # 32 kbit/s CBR: 80 bytes of payload per 20 ms after the 12-byte RTP header.
    assert sizes == [12 + 80] * frames
    start = next(i for i in range(0, len(heard), 320) if any(heard[i:i + 320]))
    assert start <= 3 * 320, "playout starts after its prefill"
    assert_tone_survives(spoken[: len(heard) - start], heard[start:], 16000, label="opus session")
    assert binding.stat(b, "packets_received") == frames


def test_opus_session_settings_and_packet_time(binding):
    opus = dict(bitrate=16000, complexity=3, inband_fec=True, expected_loss_percent=10,
                application="voip")
    a = binding.session("opus", opus, payload_type=111, ptime_ms=40, sample_rate=8000)
    assert binding.get(a, "frame_samples") == 320
    a.push_capture(0, sine(320, 440, 8000))
    assert len(a.poll_transmit(0)) == 12 + 16000 * 40 // 8000
    assert binding.get(binding.session("PCMU", {}), "codec") == "PCMU", "nothing set"


@pytest.mark.parametrize("rate", [8000, 16000, 48000])
def test_l16_sessions_are_bit_exact_at_each_rate(binding, rate):
    # 20 ms of 48 kHz L16 (1920 bytes) would not fit a 1500-byte datagram: 10 ms there.
    ptime_ms = 10 if rate == 48000 else 20
    frame = rate * ptime_ms // 1000
    # The jitter buffer's least delay, so that 10 ms frames prefill in two or three frames.
    config = dict(payload_type=96, ptime_ms=ptime_ms, sample_rate=rate, initial_delay_ms=20)
    a = binding.session("L16", seed=1, **config)
    b = binding.session("L16", seed=2, **config)
    assert [binding.get(a, name) for name in ("sample_rate", "frame_samples")] == [rate, frame]
    frames = 8
    spoken = sine(frame * frames, 1000, rate)
    heard, sizes = talk(a, b, spoken, frame, frames, ptime_ms * 1000)
    assert sizes == [12 + 2 * frame] * frames
    assert_plays_in_order(heard, spoken, frames, frame=frame)


def test_g722_session_runs_at_16_khz(binding):
    s = binding.session("G722")
    assert [binding.get(s, name) for name in ("sample_rate", "frame_samples", "payload_type")] == [16000, 320, 9]
    assert binding.get(binding.session("G722", sample_rate=16000), "frame_samples") == 320


@pytest.mark.parametrize(
    "codec, config, opus, error, message",
    [
        ("PCMU", dict(sample_rate=16000), None, "CodecError",
         "PCMU does not run at 16000 Hz; supported rates: 8000"),
        ("opus", dict(payload_type=111, sample_rate=44100), None, "CodecError",
         "opus does not run at 44100 Hz; supported rates: 48000, 24000, 16000, 12000, 8000"),
        ("G722", dict(sample_rate=8000), None, "CodecError",
         "G722 does not run at 8000 Hz; supported rates: 16000"),
        ("opus", {}, None, "InvalidArgument",
         "invalid argument: opus has no static payload type; give one in the configuration"),
        ("PCMU", dict(ptime_ms=15), None, "InvalidArgument",
         "invalid argument: ptime 15 ms is not supported; expected 10 to 120 ms in steps of 10 ms"),
        ("opus", dict(payload_type=111, ptime_ms=30), None, "InvalidArgument",
         "invalid argument: opus cannot send 30 ms packets; its ptime must be 10, 20, 40 or 60 ms"),
        ("opus", dict(payload_type=111), dict(complexity=12), "InvalidArgument",
         "invalid argument: opus complexity 12 is out of range; allowed 0 to 10"),
        ("PCMU", {}, dict(inband_fec=True), "InvalidArgument",
         "invalid argument: inband_fec only applies to the opus codec; got PCMU"),
        ("opus", dict(payload_type=111), dict(frame_ms=20), "InvalidArgument",
         "invalid argument: opus frame_ms does not apply here: ptime_ms sets the opus frame duration"),
    ],
)
def test_configuration_the_engine_refuses(binding, codec, config, opus, error, message):
    with pytest.raises(getattr(binding, error)) as err:
        binding.session(codec, opus, **config)
    assert str(err.value) == message
