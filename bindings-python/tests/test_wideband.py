"""G.722, Opus, L16 and CN through Encoder and Decoder: round trips, Opus settings, loss
concealment and FEC recovery, and the errors of each."""

import struct

import numpy as np
import pytest

import mediacore
from signal_checks import aligned_correlation, assert_tone_survives, channel, interleave, rms, sine


def round_trip(codec, rate, channels, pcm, frame, **settings):
    """Codes `pcm` (interleaved) frame by frame; returns the payloads and the decoded PCM,
    checking that each payload decodes to a whole frame."""
    enc = mediacore.Encoder(codec, rate, channels, **settings)
    dec = mediacore.Decoder(codec, rate, channels)
    payloads, decoded = [], []
    step = frame * channels
    for start in range(0, len(pcm) - step + 1, step):
        payload = enc.encode(pcm[start : start + step])
        payloads.append(payload)
        out = dec.decode(payload)
        assert len(out) == step, f"{codec} {rate} Hz x{channels}: decoded {len(out)} samples"
        decoded.extend(out)
    return payloads, np.array(decoded, dtype=np.int16)


def test_g722_round_trip_keeps_a_tone_and_codes_4_bits_per_sample():
    rate = 16000
    tone = sine(rate, 440, rate)
    payloads, decoded = round_trip("G722", rate, 1, tone, 320)
    assert [len(p) for p in payloads] == [160] * 50
    corr, lag = aligned_correlation(tone, decoded, 80, skip=1600)
    assert corr > 0.999, corr
    assert 0 < lag < 40, "G.722's QMF delay is 22 samples"
    assert_tone_survives(tone, decoded, rate, min_corr=0.999, max_level_db=0.5, label="G722")


@pytest.mark.parametrize("rate", [48000, 16000])
@pytest.mark.parametrize("channels", [1, 2])
def test_opus_round_trip_keeps_a_tone_on_each_channel(rate, channels):
    # 440 Hz on the left, 660 Hz on the right: each channel must carry its own tone.
    tones = [sine(rate, f, rate) for f in (440, 660)[:channels]]
    frame = rate // 50
    # The default 24 kbit/s codes stereo at 48 kHz as one mixed channel; 32 kbit/s per
    # channel keeps the two apart.
    settings = {"bitrate": 64000} if channels == 2 else {}
    payloads, decoded = round_trip("opus", rate, channels, interleave(*tones), frame, **settings)
    assert len(payloads) == 50
    assert len(decoded) == len(tones[0]) * channels
    for c, tone in enumerate(tones):
        heard = channel(decoded, channels, c)
        assert_tone_survives(tone, heard, rate, min_corr=0.97, label=f"opus {rate} ch{c}")
        if channels == 2:
            other, _ = aligned_correlation(tones[1 - c], heard, rate // 50, skip=rate // 10)
            assert other < 0.2, f"channel {c} carries the other tone: {other:.2f}"


@pytest.mark.parametrize("rate", [8000, 16000, 48000])
@pytest.mark.parametrize("channels", [1, 2])
def test_l16_is_bit_exact_big_endian(rate, channels):
    rng = np.random.default_rng(rate + channels)
    pcm = rng.integers(-32768, 32768, size=rate // 50 * channels, dtype=np.int16)
    pcm[:4] = [-32768, 32767, 0, -1]
    enc = mediacore.Encoder("L16", rate, channels)
    dec = mediacore.Decoder("L16", rate, channels)
    payload = enc.encode(pcm)
    assert payload == struct.pack(f">{len(pcm)}h", *pcm.tolist())
    assert list(dec.decode(payload)) == pcm.tolist()


@pytest.mark.parametrize("rate", [8000, 16000, 48000])
def test_cn_codes_noise_as_a_sid_and_plays_noise_at_its_level(rate):
    rng = np.random.default_rng(7)
    noise = np.round(rng.standard_normal(rate // 50) * 1000).astype(np.int16)
    payload = mediacore.Encoder("CN", rate, 1).encode(noise)
    # RFC 3389: one level byte (-dBov) and one reflection coefficient per model order (10).
    assert len(payload) == 1 + 10
    level_dbov = -20 * np.log10(rms(noise) / 32767)
    assert payload[0] == round(level_dbov)
    dec = mediacore.Decoder("CN", rate, 1)
    for _ in range(3):
        played = dec.decode(payload)
        assert len(played) == rate // 50
        db = 20 * np.log10(rms(played) / rms(noise))
        assert abs(db) < 1.5, f"comfort noise {db:+.1f} dB from the noise it describes"
    assert list(dec.decode(payload)) != list(dec.decode(payload)), "noise, not a loop"


def test_opus_defaults_come_from_the_engine_and_show_in_repr():
    enc = mediacore.Encoder("opus", 16000, 1)
    assert enc.opus_settings == {
        "bitrate": 24000, "complexity": 9, "cbr": True, "inband_fec": False,
        "expected_loss_percent": 0, "frame_ms": 20, "application": "voip",
    }
    assert repr(enc) == (
        "Encoder('opus', 16000, 1, bitrate=24000, complexity=9, cbr=True, inband_fec=False, "
        "expected_loss_percent=0, frame_ms=20, application='voip')"
    )
    assert mediacore.Encoder("PCMU", 8000, 1).opus_settings is None
    assert repr(mediacore.Encoder("PCMU", 8000, 1)) == "Encoder('PCMU', 8000, 1)"


def test_opus_settings_are_applied():
    settings = dict(bitrate=40000, complexity=5, cbr=True, inband_fec=True,
                    expected_loss_percent=10, frame_ms=40, application="AUDIO")
    enc = mediacore.Encoder("opus", 24000, 1, **settings)
    assert enc.opus_settings == dict(settings, application="audio")


@pytest.mark.parametrize(
    "rate, channels, bitrate, frame_ms",
    [(48000, 2, 64000, 20), (16000, 1, 32000, 40), (8000, 1, 12000, 60), (24000, 1, 16000, 10)],
)
def test_opus_cbr_packets_are_bitrate_times_duration(rate, channels, bitrate, frame_ms):
    frame = rate * frame_ms // 1000
    pcm = interleave(*[sine(rate, 440 * (c + 1), rate) for c in range(channels)])
    payloads, _ = round_trip("opus", rate, channels, pcm, frame, bitrate=bitrate, frame_ms=frame_ms)
    assert {len(p) for p in payloads} == {bitrate * frame_ms // 8000}


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(bitrate=1000), "invalid argument: opus bitrate 1000 bit/s is out of range at 16000 Hz "
                             "with 1 channel(s); allowed 8000 to 64000"),
        (dict(complexity=11), "invalid argument: opus complexity 11 is out of range; allowed 0 to 10"),
        (dict(expected_loss_percent=101), "expected_loss_percent 101 is out of range"),
        (dict(frame_ms=30), "invalid argument: opus frame_ms 30 is not supported; allowed 10, 20, 40 or 60"),
        (dict(cbr=False), "variable bit rate (cbr: false) is not allowed"),
        (dict(application="music"), 'opus application "music" is not supported; expected "voip" or "audio"'),
    ],
)
def test_opus_settings_the_engine_refuses_raise_its_message(settings, message):
    with pytest.raises(mediacore.MediaError) as err:
        mediacore.Encoder("opus", 16000, 1, **settings)
    assert message in str(err.value)


def test_opus_settings_for_another_codec_are_an_error():
    with pytest.raises(mediacore.MediaError) as err:
        mediacore.Encoder("PCMU", 8000, 1, bitrate=64000, cbr=True)
    assert str(err.value) == "invalid argument: bitrate, cbr only apply to the opus codec; got PCMU"
    with pytest.raises(TypeError):
        mediacore.Encoder("opus", 16000, 1, 24000)  # settings are keyword-only


def test_opus_takes_exactly_one_frame():
    enc = mediacore.Encoder("opus", 16000, 1, frame_ms=10)
    assert len(enc.encode(sine(160, 440, 16000))) == 30
    with pytest.raises(mediacore.MediaError, match="takes 10 ms frames: 160 interleaved samples"):
        enc.encode(sine(320, 440, 16000))


@pytest.mark.parametrize("fec", [True, False])
def test_opus_concealment_and_fec_recovery(fec):
    rate, frame = 16000, 320
    tone = sine(rate, 440, rate)
    enc = mediacore.Encoder("opus", rate, 1, inband_fec=fec, expected_loss_percent=20 if fec else 0)
    packets = [enc.encode(tone[i : i + frame]) for i in range(0, rate, frame)]
    fresh = mediacore.Decoder("opus", rate, 1)
    assert list(fresh.conceal(frame)) == [0] * frame, "nothing to extrapolate yet"
    # Three decoders with the same history.
    plc_dec, fec_dec, clean_dec = (mediacore.Decoder("opus", rate, 1) for _ in range(3))
    for packet in packets[:10]:
        for decoder in (plc_dec, fec_dec, clean_dec):
            decoder.decode(packet)
    clean = np.array(clean_dec.decode(packets[10]), dtype=np.float64)
    # Packet 10 is lost: conceal it, or rebuild it from the FEC in packet 11.
    plc = np.array(plc_dec.conceal(frame), dtype=np.float64)
    rebuilt = np.array(fec_dec.decode_fec(packets[11], frame), dtype=np.float64)
    assert len(plc) == len(rebuilt) == frame
    assert rms(plc) > 0.3 * rms(clean) and rms(rebuilt) > 0.3 * rms(clean)
    similarity = lambda a: float(np.dot(a, clean) / np.sqrt(np.dot(a, a) * np.dot(clean, clean)))
    if fec:
        assert similarity(rebuilt) > similarity(plc), "the FEC copy is closer than concealment"
    else:
        assert list(rebuilt) == list(plc), "without FEC data, FEC recovery is concealment"
    assert len(fec_dec.decode(packets[11])) == frame
    assert len(plc_dec.conceal(frame // 2, numpy=True)) == frame // 2


def test_concealment_errors():
    dec = mediacore.Decoder("opus", 16000, 1)
    with pytest.raises(mediacore.MediaError) as err:
        dec.conceal(100)
    assert str(err.value) == (
        "invalid argument: opus can conceal 40 to 1920 samples per channel in steps of 40 "
        "(2.5 ms at 16000 Hz); got 100"
    )
    with pytest.raises(mediacore.MediaError, match="malformed opus packet"):
        dec.decode_fec(b"\x03", 320)
    for codec, rate in [("PCMU", 8000), ("G722", 16000)]:
        other = mediacore.Decoder(codec, rate, 1)
        with pytest.raises(mediacore.MediaError) as err:
            other.conceal(160)
        assert str(err.value) == f"invalid argument: conceal needs an opus decoder; this one decodes {codec}"
        with pytest.raises(mediacore.MediaError, match="decode_fec needs an opus decoder"):
            other.decode_fec(b"\x00", 160)


@pytest.mark.parametrize(
    "codec, rate, channels, message",
    [
        ("G722", 8000, 1, "G722 does not run at 8000 Hz; supported rates: 16000"),
        ("G722", 16000, 2, "G722 does not support 2 channels; supported: 1"),
        ("opus", 44100, 1, "opus does not run at 44100 Hz; supported rates: 48000, 24000, 16000, 12000, 8000"),
        ("opus", 48000, 3, "opus does not support 3 channels; supported: 1 or 2"),
        ("L16", 44100, 1, "L16 does not run at 44100 Hz; supported rates: 8000, 16000, 48000"),
        ("CN", 8000, 2, "CN does not support 2 channels; supported: 1"),
    ],
)
def test_wrong_rates_and_channels(codec, rate, channels, message):
    for cls in (mediacore.Encoder, mediacore.Decoder):
        with pytest.raises(mediacore.MediaError) as err:
            cls(codec, rate, channels)
        assert str(err.value) == message


@pytest.mark.parametrize("name", ["G729", "opus/48000", "", "iLBC"])
def test_unknown_codec_names(name):
    for build in (lambda: mediacore.Encoder(name, 8000, 1), lambda: mediacore.Decoder(name, 8000, 1),
                  lambda: mediacore.Transcoder(name, "PCMU"), lambda: mediacore.Transcoder("PCMU", name),
                  lambda: mediacore.MediaSession(name)):
        with pytest.raises(mediacore.MediaError, match=f'codec "{name}" is not supported'):
            build()
