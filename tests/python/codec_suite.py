"""Encoder and Decoder tests that both Python-facing bindings run: G.722, Opus, L16 and CN
round trips, Opus settings, loss concealment and FEC recovery, and the errors of each.

bindings-python/tests/test_wideband.py and bindings-mobile/tests/test_mobile_wideband.py
import these tests; each test takes the suite's `binding` fixture (see binding.py).
"""

import struct

import numpy as np
import pytest

from signal_checks import aligned_correlation, assert_tone_survives, channel, interleave, rms, sine


def round_trip(enc, dec, pcm, step):
    """Codes interleaved `pcm` `step` samples at a time; returns the payloads and the decoded
    PCM, checking that each payload decodes to a whole frame."""
    payloads, decoded = [], []
    for start in range(0, len(pcm) - step + 1, step):
        payload = enc.encode(pcm[start : start + step])
        assert isinstance(payload, bytes)
        out = dec.decode(payload)
        assert len(out) == step, f"decoded {len(out)} samples, expected {step}"
        payloads.append(payload)
        decoded.extend(out)
    return payloads, np.array(decoded, dtype=np.int16)


def test_g722_round_trip_keeps_a_tone_and_codes_4_bits_per_sample(binding):
    rate = 16000
    tone = sine(rate, 440, rate)
    enc, dec = binding.encoder("G722", rate, 1), binding.decoder("g722", rate, 1)
    payloads, decoded = round_trip(enc, dec, tone, 320)
    assert [len(p) for p in payloads] == [160] * 50
    corr, lag = aligned_correlation(tone, decoded, 80, skip=1600)
    assert corr > 0.999, corr
    assert 0 < lag < 40, "G.722's QMF delay is 22 samples"
    assert_tone_survives(tone, decoded, rate, min_corr=0.999, max_level_db=0.5, label="G722")


@pytest.mark.parametrize("rate", [48000, 16000])
@pytest.mark.parametrize("channels", [1, 2])
def test_opus_round_trip_keeps_a_tone_on_each_channel(binding, rate, channels):
    # 440 Hz on the left, 660 Hz on the right: each channel must carry its own tone.
    tones = [sine(rate, f, rate) for f in (440, 660)[:channels]]
    # The default 24 kbit/s codes stereo at 48 kHz as one mixed channel; 32 kbit/s per
    # channel keeps the two apart.
    opus = dict(bitrate=64000) if channels == 2 else None
    enc, dec = binding.encoder("opus", rate, channels, opus), binding.decoder("OPUS", rate, channels)
    payloads, decoded = round_trip(enc, dec, interleave(*tones), rate // 50 * channels)
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
def test_l16_is_bit_exact_big_endian(binding, rate, channels):
    rng = np.random.default_rng(rate + channels)
    pcm = rng.integers(-32768, 32768, size=rate // 50 * channels, dtype=np.int16)
    pcm[:4] = [-32768, 32767, 0, -1]
    payload = binding.encoder("L16", rate, channels).encode(pcm)
    assert payload == struct.pack(f">{len(pcm)}h", *pcm.tolist())
    assert list(binding.decoder("L16", rate, channels).decode(payload)) == pcm.tolist()


@pytest.mark.parametrize("rate", [8000, 16000, 48000])
def test_cn_codes_noise_as_a_sid_and_plays_noise_at_its_level(binding, rate):
    rng = np.random.default_rng(7)
    noise = np.round(rng.standard_normal(rate // 50) * 1000).astype(np.int16)
    payload = binding.encoder("CN", rate, 1).encode(noise)
    # RFC 3389: one level byte (-dBov) and one reflection coefficient per model order (10).
    assert len(payload) == 1 + 10
    assert payload[0] == round(-20 * np.log10(rms(noise) / 32767))
    dec = binding.decoder("CN", rate, 1)
    for _ in range(3):
        played = dec.decode(payload)
        assert len(played) == rate // 50
        db = 20 * np.log10(rms(played) / rms(noise))
        assert abs(db) < 1.5, f"comfort noise {db:+.1f} dB from the noise it describes"
    assert list(dec.decode(payload)) != list(dec.decode(payload)), "noise, not a loop"


def test_opus_settings_default_and_read_back(binding):
    assert binding.opus_settings(binding.encoder("opus", 16000, 1)) == binding.OPUS_DEFAULTS
    assert binding.opus_settings(binding.encoder("opus", 16000, 1, {})) == binding.OPUS_DEFAULTS
    assert binding.opus_settings(binding.encoder("PCMU", 8000, 1)) is None
    given = dict(application="audio", bitrate=40000, complexity=5, cbr=True, inband_fec=True,
                 expected_loss_percent=10, frame_ms=40)
    assert binding.opus_settings(binding.encoder("opus", 24000, 1, given)) == given
    partial = binding.opus_settings(binding.encoder("opus", 24000, 1, dict(bitrate=32000)))
    assert partial == dict(binding.OPUS_DEFAULTS, bitrate=32000)


@pytest.mark.parametrize(
    "rate, channels, bitrate, frame_ms",
    [(48000, 2, 64000, 20), (16000, 1, 32000, 40), (8000, 1, 12000, 60), (24000, 1, 16000, 10)],
)
def test_opus_cbr_packets_are_bitrate_times_duration(binding, rate, channels, bitrate, frame_ms):
    enc = binding.encoder("opus", rate, channels, dict(bitrate=bitrate, frame_ms=frame_ms))
    dec = binding.decoder("opus", rate, channels)
    pcm = interleave(*[sine(rate, 440 * (c + 1), rate) for c in range(channels)])
    payloads, _ = round_trip(enc, dec, pcm, rate * frame_ms // 1000 * channels)
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
    ],
)
def test_opus_settings_the_engine_refuses_raise_its_message(binding, settings, message):
    with pytest.raises(binding.InvalidArgument) as err:
        binding.encoder("opus", 16000, 1, settings)
    assert message in str(err.value)


def test_opus_takes_exactly_one_frame(binding):
    enc = binding.encoder("opus", 16000, 1, dict(frame_ms=10))
    assert len(enc.encode(sine(160, 440, 16000))) == 30
    with pytest.raises(binding.InvalidArgument, match="takes 10 ms frames: 160 interleaved samples"):
        enc.encode(sine(320, 440, 16000))


@pytest.mark.parametrize("fec", [True, False])
def test_opus_concealment_and_fec_recovery(binding, fec):
    rate, frame = 16000, 320
    tone = sine(rate, 440, rate)
    opus = dict(inband_fec=fec, expected_loss_percent=20 if fec else 0)
    enc = binding.encoder("opus", rate, 1, opus)
    packets = [enc.encode(tone[i : i + frame]) for i in range(0, rate, frame)]
    fresh = binding.decoder("opus", rate, 1)
    assert list(fresh.conceal(frame)) == [0] * frame, "nothing to extrapolate yet"
    # Three decoders with the same history.
    plc_dec, fec_dec, clean_dec = (binding.decoder("opus", rate, 1) for _ in range(3))
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


def test_concealment_and_malformed_packet_errors(binding):
    dec = binding.decoder("opus", 16000, 1)
    with pytest.raises(binding.InvalidArgument) as err:
        dec.conceal(100)
    assert str(err.value) == (
        "invalid argument: opus can conceal 40 to 1920 samples per channel in steps of 40 "
        "(2.5 ms at 16000 Hz); got 100"
    )
    with pytest.raises(binding.CodecError, match="^malformed opus packet: "):
        dec.decode_fec(b"\x03", 320)
    with pytest.raises(binding.CodecError) as err:
        dec.decode(b"")
    assert str(err.value) == (
        "malformed opus packet: empty payload (call Decoder::conceal for a lost packet)"
    )
    assert len(dec.conceal(320)) == 320, "the decoder stays usable"


@pytest.mark.parametrize(
    "codec, rate, channels", [("PCMU", 8000, 1), ("PCMA", 8000, 2), ("G722", 16000, 1), ("L16", 48000, 2)]
)
def test_waveform_codecs_conceal_a_lost_packet(binding, codec, rate, channels):
    frame = rate // 50
    tone = interleave(*[sine(frame * 10, 440 * (c + 1), rate) for c in range(channels)])
    enc, dec = binding.encoder(codec, rate, channels), binding.decoder(codec, rate, channels)
    round_trip(enc, dec, tone, frame * channels)
    concealed = dec.conceal(frame)
    assert len(concealed) == frame * channels
    assert rms(concealed) > 0.5 * rms(tone), "the lost packet goes on the tone, not silence"
    # Near the most a caller can ask for (an even count, as G.722 codes pairs): the binding
    # allocates no more than the core allows.
    most = 2**32 - 2
    with pytest.raises(binding.InvalidArgument) as err:
        dec.conceal(most)
    assert str(err.value) == (
        f"invalid argument: {codec}: loss concealment covers 1 to {rate * 120 // 1000} samples per "
        f"channel (120 ms at {rate} Hz); got {most}"
    )


def test_a_codec_without_concealment_says_so(binding):
    with pytest.raises(binding.CodecError) as err:
        binding.decoder("CN", 8000, 1).conceal(160)
    assert str(err.value) == "CN has no loss concealment"


@pytest.mark.parametrize("codec, rate", [("PCMU", 8000), ("G722", 16000), ("L16", 8000), ("CN", 8000)])
def test_only_opus_recovers_from_fec(binding, codec, rate):
    with pytest.raises(binding.CodecError) as err:
        binding.decoder(codec, rate, 1).decode_fec(b"\x00", rate // 50)
    assert str(err.value) == f"{codec} has no in-band FEC"


@pytest.mark.parametrize(
    "codec, rate, channels, message",
    [
        ("G722", 8000, 1, "G722 does not run at 8000 Hz; supported rates: 16000"),
        ("G722", 16000, 2, "G722 does not support 2 channels; supported: 1"),
        ("opus", 44100, 1, "opus does not run at 44100 Hz; supported rates: 48000, 24000, 16000, 12000, 8000"),
        ("opus", 48000, 3, "opus does not support 3 channels; supported: 1 or 2"),
        ("L16", 44100, 2, "L16 does not run at 44100 Hz; supported rates: 8000, 16000, 48000"),
        ("CN", 8000, 2, "CN does not support 2 channels; supported: 1"),
    ],
)
def test_wrong_rates_and_channels(binding, codec, rate, channels, message):
    for build in (binding.encoder, binding.decoder):
        with pytest.raises(binding.CodecError) as err:
            build(codec, rate, channels)
        assert str(err.value) == message
    if codec == "opus":
        with pytest.raises(binding.CodecError) as err:
            binding.encoder(codec, rate, channels, dict(bitrate=32000))
        assert str(err.value) == message


@pytest.mark.parametrize("name", ["G729", "opus/48000", "", "iLBC"])
def test_unknown_codec_names(binding, name):
    for build in (lambda: binding.encoder(name, 8000, 1), lambda: binding.decoder(name, 8000, 1),
                  lambda: binding.transcoder(name, 8000, 1, "PCMU", 8000, 1),
                  lambda: binding.transcoder("PCMU", 8000, 1, name, 8000, 1),
                  lambda: binding.session(name)):
        with pytest.raises(binding.CodecError) as err:
            build()
        assert str(err.value) == (
            f'codec "{name}" is not supported; supported codecs are PCMU, PCMA, G722, opus, L16, CN'
        )
