"""Transcoder tests that both Python-facing bindings run: payload counts and sizes between
codecs, rates, channels and packet times, the audio that comes through, Opus settings on the
output, and errors.

bindings-python/tests/test_transcoder.py and bindings-mobile/tests/test_mobile_wideband.py
import these tests; each test takes the suite's `binding` fixture (see binding.py).
"""

import numpy as np
import pytest

from signal_checks import assert_tone_survives, sine


def pcmu_packets(binding, frames):
    """`frames` 20 ms PCMU payloads of a 440 Hz tone, and the tone."""
    enc = binding.encoder("PCMU", 8000, 1)
    tone = sine(160 * frames, 440, 8000)
    return [enc.encode(tone[i : i + 160]) for i in range(0, len(tone), 160)], tone


def transcode_all(transcoder, payloads):
    """Every output payload of `payloads`, through `transcode`."""
    return [out for payload in payloads for out in transcoder.transcode(payload)]


def decode_all(binding, codec, rate, payloads):
    dec = binding.decoder(codec, rate, 1)
    return np.concatenate([np.asarray(dec.decode(p), dtype=np.int16) for p in payloads])


def test_pcmu_to_opus_to_pcmu(binding):
    packets, tone = pcmu_packets(binding, 50)
    to_opus = binding.transcoder("PCMU", 8000, 1, "opus", 48000, 1)
    sides = [binding.get(to_opus, f"{side}_{what}")
             for side in ("input", "output") for what in ("codec", "rate", "channels")]
    assert sides == ["PCMU", 8000, 1, "opus", 48000, 1]
    opus = []
    for packet in packets:
        out = to_opus.transcode(packet)
        assert len(out) == 1, "one 20 ms packet in, one out"
        opus.extend(out)
    # The default Opus encoder: 24 kbit/s CBR, so 60 bytes per 20 ms.
    assert [len(p) for p in opus] == [60] * len(packets)

    back = binding.transcoder("opus", 48000, 1, "PCMU", 8000, 1)
    pcmu = transcode_all(back, opus)
    assert [len(p) for p in pcmu] == [160] * len(packets)
    heard = decode_all(binding, "PCMU", 8000, pcmu)
    assert_tone_survives(tone, heard, 8000, min_corr=0.95, label="PCMU-opus-PCMU")
    assert binding.get(to_opus, "dropped") == binding.get(back, "dropped") == 0


def test_pcmu_to_g722_resamples_to_16_khz(binding):
    packets, _ = pcmu_packets(binding, 50)
    t = binding.transcoder("PCMU", 8000, 1, "G722", 16000, 1)
    assert binding.get(t, "resampler_delay") > 0
    g722 = []
    for packet in packets:
        t.push(packet)
        while (p := t.poll_payload()) is not None:
            g722.append(p)
    assert [len(p) for p in g722] == [160] * len(packets)
    heard = decode_all(binding, "G722", 16000, g722)
    assert_tone_survives(sine(16000, 440, 16000), heard, 16000, min_corr=0.95, label="PCMU-G722")


def test_output_packet_time_and_channels(binding):
    packets, _ = pcmu_packets(binding, 10)
    t = binding.transcoder("PCMU", 8000, 1, "G722", 16000, 1, output_ptime_ms=40)
    assert [len(p) for p in transcode_all(t, packets)] == [320] * 5
    stereo = binding.transcoder("PCMU", 8000, 1, "L16", 16000, 2)
    out = transcode_all(stereo, packets)
    # 20 ms at 16 kHz, two channels of 2 bytes.
    assert [len(p) for p in out] == [320 * 2 * 2] * 10
    samples = np.frombuffer(b"".join(out), dtype=">i2").reshape(-1, 2)
    assert (samples[:, 0] == samples[:, 1]).all() and np.abs(samples).max() > 4000


def test_opus_settings_apply_to_the_output_encoder(binding):
    packets, _ = pcmu_packets(binding, 20)
    t = binding.transcoder("PCMU", 8000, 1, "opus", 16000, 1, output_ptime_ms=40,
                           opus=dict(bitrate=32000))
    assert [len(p) for p in transcode_all(t, packets)] == [32000 * 40 // 8000] * 10
    with pytest.raises(binding.InvalidArgument, match="opus bitrate 2000 bit/s is out of range"):
        binding.transcoder("PCMU", 8000, 1, "opus", 48000, 1, opus=dict(bitrate=2000))


@pytest.mark.parametrize(
    "output, opus, message",
    [
        (("opus", 48000, 1, 30), None,
         "invalid argument: opus cannot send 30 ms packets; its ptime must be 10, 20, 40 or 60 ms"),
        (("G722", 16000, 1, 25), None,
         "invalid argument: output ptime 25 ms is not supported; expected 10 to 120 ms in steps of 10 ms"),
        (("opus", 48000, 1, 20), dict(frame_ms=20),
         "invalid argument: opus frame_ms does not apply here: output_ptime_ms sets the opus frame duration"),
        (("G722", 16000, 1, 20), dict(bitrate=32000),
         "invalid argument: bitrate only applies to the opus codec; got G722"),
    ],
)
def test_configuration_the_engine_refuses(binding, output, opus, message):
    with pytest.raises(binding.InvalidArgument) as err:
        binding.transcoder("PCMU", 8000, 1, *output, opus=opus)
    assert str(err.value) == message


@pytest.mark.parametrize(
    "formats, message",
    [
        (("PCMU", 8000, 1, "G722", 8000, 1), "G722 does not run at 8000 Hz; supported rates: 16000"),
        (("PCMU", 16000, 1, "G722", 16000, 1), "PCMU does not run at 16000 Hz; supported rates: 8000"),
        (("PCMU", 8000, 1, "G722", 16000, 2), "G722 does not support 2 channels; supported: 1"),
    ],
)
def test_formats_the_codecs_refuse(binding, formats, message):
    with pytest.raises(binding.CodecError) as err:
        binding.transcoder(*formats)
    assert str(err.value) == message


def test_undrained_payloads_are_dropped_oldest_first(binding):
    packets, _ = pcmu_packets(binding, 20)
    t = binding.transcoder("PCMU", 8000, 1, "PCMA", 8000, 1)
    for packet in packets:
        t.push(packet)
    assert binding.get(t, "dropped") == 4, "16 payloads are kept"
    kept = []
    while (p := t.poll_payload()) is not None:
        kept.append(p)
    assert len(kept) == 16
    assert t.poll_payload() is None


def test_errors_leave_the_transcoder_usable(binding):
    t = binding.transcoder("L16", 8000, 1, "PCMU", 8000, 1)
    with pytest.raises(binding.RtpError) as err:
        t.push(b"\x00\x01\x02")
    assert str(err.value) == "RTP payload of 3 bytes is not a whole number of 2-byte units"
    assert [len(p) for p in t.transcode(bytes(320))] == [160]
