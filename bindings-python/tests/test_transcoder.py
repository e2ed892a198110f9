"""Transcoder: payload counts and sizes between codecs, rates, channels and packet times, the
audio that comes through, Opus settings on the output, and errors."""

import numpy as np
import pytest

import mediacore
from signal_checks import assert_tone_survives, sine


def pcmu_packets(seconds=1.0, freq=440):
    """20 ms PCMU payloads of a tone."""
    enc = mediacore.Encoder("PCMU", 8000, 1)
    tone = sine(int(8000 * seconds), freq, 8000)
    return [enc.encode(tone[i : i + 160]) for i in range(0, len(tone), 160)], tone


def decode_all(codec, rate, payloads, channels=1):
    dec = mediacore.Decoder(codec, rate, channels)
    return np.concatenate([np.asarray(dec.decode(p), dtype=np.int16) for p in payloads])


def test_pcmu_to_opus_to_pcmu():
    packets, tone = pcmu_packets()
    to_opus = mediacore.Transcoder("PCMU", "opus")
    assert (to_opus.input_codec, to_opus.input_rate, to_opus.input_channels) == ("PCMU", 8000, 1)
    assert (to_opus.output_codec, to_opus.output_rate, to_opus.output_channels) == ("opus", 48000, 1)
    opus = []
    for packet in packets:
        out = to_opus.transcode(packet)
        assert len(out) == 1, "one 20 ms packet in, one out"
        opus.extend(out)
    # The default Opus encoder: 24 kbit/s CBR, so 60 bytes per 20 ms.
    assert [len(p) for p in opus] == [60] * len(packets)

    back = mediacore.Transcoder("opus", "PCMU")
    pcmu = [p for packet in opus for p in back.transcode(packet)]
    assert [len(p) for p in pcmu] == [160] * len(packets)
    heard = decode_all("PCMU", 8000, pcmu)
    assert_tone_survives(tone, heard, 8000, min_corr=0.95, label="PCMU-opus-PCMU")
    assert to_opus.dropped == back.dropped == 0


def test_pcmu_to_g722_resamples_to_16_khz():
    packets, _ = pcmu_packets()
    t = mediacore.Transcoder("PCMU", "G722")
    assert t.output_rate == 16000
    assert t.resampler_delay > 0
    g722 = []
    for packet in packets:
        t.push(packet)
        while (p := t.poll_payload()) is not None:
            g722.append(p)
    assert [len(p) for p in g722] == [160] * len(packets)
    heard = decode_all("G722", 16000, g722)
    assert_tone_survives(sine(16000, 440, 16000), heard, 16000, min_corr=0.95, label="PCMU-G722")


def test_output_packet_time_and_channels():
    packets, _ = pcmu_packets(0.2)
    t = mediacore.Transcoder("PCMU", "G722", output_ptime_ms=40)
    out = [p for packet in packets for p in t.transcode(packet)]
    assert [len(p) for p in out] == [320] * 5
    stereo = mediacore.Transcoder("PCMU", "L16", output_rate=16000, output_channels=2)
    out = [p for packet in packets for p in stereo.transcode(packet)]
    # 20 ms at 16 kHz, two channels of 2 bytes.
    assert [len(p) for p in out] == [320 * 2 * 2] * 10
    samples = np.frombuffer(b"".join(out), dtype=">i2").reshape(-1, 2)
    assert (samples[:, 0] == samples[:, 1]).all() and np.abs(samples).max() > 4000


def test_opus_settings_apply_to_the_output_encoder():
    packets, _ = pcmu_packets(0.4)
    t = mediacore.Transcoder("PCMU", "opus", output_rate=16000, output_ptime_ms=40, bitrate=32000)
    out = [p for packet in packets for p in t.transcode(packet)]
    assert [len(p) for p in out] == [32000 * 40 // 8000] * 10
    with pytest.raises(mediacore.MediaError) as err:
        mediacore.Transcoder("PCMU", "opus", output_ptime_ms=30)
    assert str(err.value) == (
        "invalid argument: opus cannot send 30 ms packets; its ptime must be 10, 20, 40 or 60 ms"
    )
    with pytest.raises(mediacore.MediaError, match="opus bitrate 2000 bit/s is out of range"):
        mediacore.Transcoder("PCMU", "opus", bitrate=2000)
    with pytest.raises(mediacore.MediaError) as err:
        mediacore.Transcoder("opus", "PCMU", bitrate=32000)
    assert str(err.value) == "invalid argument: bitrate only applies to the opus codec; got PCMU"


def test_undrained_payloads_are_dropped_oldest_first():
    packets, _ = pcmu_packets(0.4)
    t = mediacore.Transcoder("PCMU", "PCMA")
    for packet in packets:
        t.push(packet)
    assert t.dropped == 4, "16 payloads are kept"
    kept = []
    while (p := t.poll_payload()) is not None:
        kept.append(p)
    assert len(kept) == 16
    assert t.poll_payload() is None


def test_errors_leave_the_transcoder_usable():
    t = mediacore.Transcoder("L16", "PCMU", input_rate=8000)
    with pytest.raises(mediacore.MediaError) as err:
        t.push(b"\x00\x01\x02")
    assert str(err.value) == "RTP payload of 3 bytes is not a whole number of 2-byte units"
    with pytest.raises(TypeError):
        t.push("not bytes")
    assert [len(p) for p in t.transcode(bytes(320))] == [160]
    assert repr(t) == (
        "Transcoder('L16', 'PCMU', input_rate=8000, input_channels=1, output_rate=8000, "
        "output_channels=1)"
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(output_rate=8000), "G722 does not run at 8000 Hz; supported rates: 16000"),
        (dict(input_rate=16000), "PCMU does not run at 16000 Hz; supported rates: 8000"),
        (dict(output_channels=2), "G722 does not support 2 channels; supported: 1"),
        (dict(output_ptime_ms=25), "invalid argument: output ptime 25 ms is not supported; "
                                   "expected 10 to 120 ms in steps of 10 ms"),
    ],
)
def test_configuration_errors(kwargs, message):
    with pytest.raises(mediacore.MediaError) as err:
        mediacore.Transcoder("PCMU", "G722", **kwargs)
    assert str(err.value) == message
