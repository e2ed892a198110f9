"""G.722, Opus, L16 and CN through the uniffi binding's generated Python module: round trips,
OpusSettings, loss concealment and FEC recovery, the Transcoder, and sessions at a chosen
sample rate."""

import struct

import numpy as np
import pytest

import mediacore_mobile as mc
from session_helpers import assert_plays_in_order
from signal_checks import aligned_correlation, assert_tone_survives, channel, interleave, rms, sine

FRAME_US = 20_000


def round_trip(enc, dec, pcm, step):
    """Codes interleaved `pcm` `step` samples at a time; returns the payloads and the
    decoded PCM, checking that each payload decodes to a whole frame."""
    payloads, decoded = [], []
    for start in range(0, len(pcm) - step + 1, step):
        payload = enc.encode(pcm[start : start + step].tolist())
        assert isinstance(payload, bytes)
        out = dec.decode(payload)
        assert len(out) == step, f"{dec.codec()}: decoded {len(out)} samples"
        payloads.append(payload)
        decoded.extend(out)
    return payloads, np.array(decoded, dtype=np.int16)


def test_g722_round_trip_keeps_a_tone():
    tone = sine(16000, 440, 16000)
    payloads, decoded = round_trip(mc.Encoder("G722", 16000, 1), mc.Decoder("g722", 16000, 1), tone, 320)
    assert [len(p) for p in payloads] == [160] * 50
    assert_tone_survives(tone, decoded, 16000, min_corr=0.999, max_level_db=0.5, label="G722")


@pytest.mark.parametrize("rate", [48000, 16000])
@pytest.mark.parametrize("channels", [1, 2])
def test_opus_round_trip_keeps_a_tone_on_each_channel(rate, channels):
    tones = [sine(rate, f, rate) for f in (440, 660)[:channels]]
    # The default 24 kbit/s codes 48 kHz stereo as one mixed channel.
    settings = mc.OpusSettings(bitrate=64000) if channels == 2 else mc.OpusSettings()
    enc = mc.Encoder.new_opus(rate, channels, settings)
    dec = mc.Decoder("opus", rate, channels)
    payloads, decoded = round_trip(enc, dec, interleave(*tones), rate // 50 * channels)
    assert len(payloads) == 50
    for c, tone in enumerate(tones):
        heard = channel(decoded, channels, c)
        assert_tone_survives(tone, heard, rate, min_corr=0.97, label=f"opus {rate} ch{c}")
        if channels == 2:
            other, _ = aligned_correlation(tones[1 - c], heard, rate // 50, skip=rate // 10)
            assert other < 0.2, f"channel {c} carries the other tone: {other:.2f}"


@pytest.mark.parametrize("rate", [8000, 16000, 48000])
@pytest.mark.parametrize("channels", [1, 2])
def test_l16_is_bit_exact_big_endian(rate, channels):
    rng = np.random.default_rng(rate * channels)
    pcm = rng.integers(-32768, 32768, size=rate // 50 * channels, dtype=np.int16).tolist()
    pcm[:4] = [-32768, 32767, 0, -1]
    payload = mc.Encoder("L16", rate, channels).encode(pcm)
    assert payload == struct.pack(f">{len(pcm)}h", *pcm)
    assert mc.Decoder("L16", rate, channels).decode(payload) == pcm


@pytest.mark.parametrize("rate", [8000, 16000, 48000])
def test_cn_codes_noise_as_a_sid_and_plays_noise_at_its_level(rate):
    rng = np.random.default_rng(11)
    noise = np.round(rng.standard_normal(rate // 50) * 1000).astype(np.int16)
    payload = mc.Encoder("CN", rate, 1).encode(noise.tolist())
    assert len(payload) == 1 + 10
    assert payload[0] == round(-20 * np.log10(rms(noise) / 32767))
    dec = mc.Decoder("CN", rate, 1)
    for _ in range(3):
        played = dec.decode(payload)
        assert len(played) == rate // 50
        db = 20 * np.log10(rms(played) / rms(noise))
        assert abs(db) < 1.5, f"comfort noise {db:+.1f} dB from the noise it describes"


def test_opus_settings_default_and_read_back():
    default = mc.Encoder("opus", 16000, 1).opus_settings()
    assert default == mc.Encoder.new_opus(16000, 1).opus_settings()
    assert default == mc.OpusSettings(application=mc.OpusApplication.VOIP, bitrate=24000,
                                      complexity=9, cbr=True, inband_fec=False,
                                      expected_loss_percent=0, frame_ms=20)
    assert mc.Encoder("PCMU", 8000, 1).opus_settings() is None
    given = mc.OpusSettings(application=mc.OpusApplication.AUDIO, bitrate=40000, complexity=5,
                            cbr=True, inband_fec=True, expected_loss_percent=10, frame_ms=40)
    assert mc.Encoder.new_opus(24000, 1, given).opus_settings() == given


@pytest.mark.parametrize(
    "rate, channels, bitrate, frame_ms",
    [(48000, 2, 64000, 20), (16000, 1, 32000, 40), (8000, 1, 12000, 60)],
)
def test_opus_cbr_packets_are_bitrate_times_duration(rate, channels, bitrate, frame_ms):
    enc = mc.Encoder.new_opus(rate, channels, mc.OpusSettings(bitrate=bitrate, frame_ms=frame_ms))
    dec = mc.Decoder("opus", rate, channels)
    pcm = interleave(*[sine(rate, 440 * (c + 1), rate) for c in range(channels)])
    payloads, _ = round_trip(enc, dec, pcm, rate * frame_ms // 1000 * channels)
    assert {len(p) for p in payloads} == {bitrate * frame_ms // 8000}


def test_opus_settings_errors_name_the_setting():
    with pytest.raises(mc.MediaError.InvalidArgument) as err:
        mc.Encoder.new_opus(16000, 1, mc.OpusSettings(bitrate=1000))
    assert str(err.value) == (
        "invalid argument: opus bitrate 1000 bit/s is out of range at 16000 Hz with 1 channel(s); "
        "allowed 8000 to 64000"
    )
    with pytest.raises(mc.MediaError.InvalidArgument, match="opus complexity 11 is out of range"):
        mc.Encoder.new_opus(16000, 1, mc.OpusSettings(complexity=11))
    with pytest.raises(mc.MediaError.InvalidArgument, match="opus frame_ms 30 is not supported"):
        mc.Encoder.new_opus(16000, 1, mc.OpusSettings(frame_ms=30))
    with pytest.raises(mc.MediaError.InvalidArgument, match=r"variable bit rate \(cbr: false\)"):
        mc.Encoder.new_opus(16000, 1, mc.OpusSettings(cbr=False))
    with pytest.raises(mc.MediaError.Codec, match="opus does not run at 44100 Hz"):
        mc.Encoder.new_opus(44100, 1)
    with pytest.raises(mc.MediaError.InvalidArgument, match="takes 20 ms frames"):
        mc.Encoder("opus", 16000, 1).encode([0] * 160)


@pytest.mark.parametrize("fec", [True, False])
def test_opus_concealment_and_fec_recovery(fec):
    rate, frame = 16000, 320
    tone = sine(rate, 440, rate).tolist()
    settings = mc.OpusSettings(inband_fec=fec, expected_loss_percent=20 if fec else 0)
    enc = mc.Encoder.new_opus(rate, 1, settings)
    packets = [enc.encode(tone[i : i + frame]) for i in range(0, rate, frame)]
    assert mc.Decoder("opus", rate, 1).conceal(frame) == [0] * frame
    plc_dec, fec_dec, clean_dec = (mc.Decoder("opus", rate, 1) for _ in range(3))
    for packet in packets[:10]:
        for decoder in (plc_dec, fec_dec, clean_dec):
            decoder.decode(packet)
    clean = np.array(clean_dec.decode(packets[10]), dtype=np.float64)
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


def test_concealment_errors():
    dec = mc.Decoder("opus", 16000, 1)
    with pytest.raises(mc.MediaError.InvalidArgument) as err:
        dec.conceal(100)
    assert str(err.value) == (
        "invalid argument: opus can conceal 40 to 1920 samples per channel in steps of 40 "
        "(2.5 ms at 16000 Hz); got 100"
    )
    with pytest.raises(mc.MediaError.InvalidArgument) as err:
        mc.Decoder("PCMU", 8000, 1).conceal(160)
    assert str(err.value) == "invalid argument: conceal needs an opus decoder; this one decodes PCMU"
    with pytest.raises(mc.MediaError.InvalidArgument, match="decode_fec needs an opus decoder"):
        mc.Decoder("L16", 8000, 1).decode_fec(b"\x00", 160)


@pytest.mark.parametrize(
    "codec, rate, channels, message",
    [
        ("G722", 8000, 1, "G722 does not run at 8000 Hz; supported rates: 16000"),
        ("opus", 44100, 1, "opus does not run at 44100 Hz; supported rates: 48000, 24000, 16000, 12000, 8000"),
        ("L16", 44100, 2, "L16 does not run at 44100 Hz; supported rates: 8000, 16000, 48000"),
        ("CN", 8000, 2, "CN does not support 2 channels; supported: 1"),
    ],
)
def test_wrong_rates_and_channels(codec, rate, channels, message):
    for cls in (mc.Encoder, mc.Decoder):
        with pytest.raises(mc.MediaError.Codec) as err:
            cls(codec, rate, channels)
        assert str(err.value) == message


def test_unknown_codec_names():
    for build in (lambda: mc.Encoder("iLBC", 8000, 1), lambda: mc.Decoder("iLBC", 8000, 1),
                  lambda: mc.Transcoder("iLBC", 8000, 1, "PCMU", 8000, 1),
                  lambda: mc.Transcoder("PCMU", 8000, 1, "iLBC", 8000, 1),
                  lambda: mc.MediaSession("iLBC")):
        with pytest.raises(mc.MediaError.Codec, match='codec "iLBC" is not supported'):
            build()


def pcmu_packets(frames):
    enc = mc.Encoder("PCMU", 8000, 1)
    tone = sine(160 * frames, 440, 8000)
    return [enc.encode(tone[i : i + 160].tolist()) for i in range(0, len(tone), 160)], tone


def test_pcmu_to_opus_to_pcmu():
    packets, tone = pcmu_packets(50)
    to_opus = mc.Transcoder("PCMU", 8000, 1, "opus", 48000, 1)
    assert (to_opus.input_codec(), to_opus.input_rate(), to_opus.output_codec()) == ("PCMU", 8000, "opus")
    opus = []
    for packet in packets:
        out = to_opus.transcode(packet)
        assert len(out) == 1, "one 20 ms packet in, one out"
        opus.extend(out)
    assert [len(p) for p in opus] == [60] * 50
    back = mc.Transcoder("opus", 48000, 1, "PCMU", 8000, 1, output_ptime_ms=20)
    pcmu = [p for packet in opus for p in back.transcode(packet)]
    assert [len(p) for p in pcmu] == [160] * 50
    dec = mc.Decoder("PCMU", 8000, 1)
    heard = [s for p in pcmu for s in dec.decode(p)]
    assert_tone_survives(tone, heard, 8000, min_corr=0.95, label="PCMU-opus-PCMU")
    assert to_opus.dropped() == back.dropped() == 0


def test_pcmu_to_g722_and_packet_times():
    packets, _ = pcmu_packets(10)
    t = mc.Transcoder("PCMU", 8000, 1, "G722", 16000, 1)
    assert t.resampler_delay() > 0
    out = []
    for packet in packets:
        t.push(packet)
        while (p := t.poll_payload()) is not None:
            out.append(p)
    assert [len(p) for p in out] == [160] * 10
    t40 = mc.Transcoder("PCMU", 8000, 1, "G722", 16000, 1, output_ptime_ms=40)
    assert [len(p) for packet in packets for p in t40.transcode(packet)] == [320] * 5
    t_opus = mc.Transcoder("PCMU", 8000, 1, "opus", 16000, 1, 40, mc.OpusSettings(bitrate=32000))
    assert [len(p) for packet in packets for p in t_opus.transcode(packet)] == [160] * 5


def test_transcoder_errors():
    with pytest.raises(mc.MediaError.Codec, match="G722 does not run at 8000 Hz"):
        mc.Transcoder("PCMU", 8000, 1, "G722", 8000, 1)
    with pytest.raises(mc.MediaError.InvalidArgument) as err:
        mc.Transcoder("PCMU", 8000, 1, "opus", 48000, 1, 30)
    assert str(err.value) == (
        "invalid argument: opus cannot send 30 ms packets; its ptime must be 10, 20, 40 or 60 ms"
    )
    with pytest.raises(mc.MediaError.InvalidArgument) as err:
        mc.Transcoder("PCMU", 8000, 1, "opus", 48000, 1, opus=mc.OpusSettings(frame_ms=20))
    assert str(err.value) == (
        "invalid argument: opus frame_ms does not apply here: output_ptime_ms sets the opus "
        "frame duration"
    )
    with pytest.raises(mc.MediaError.InvalidArgument) as err:
        mc.Transcoder("PCMU", 8000, 1, "G722", 16000, 1, opus=mc.OpusSettings(bitrate=32000))
    assert str(err.value) == "invalid argument: bitrate only applies to the opus codec; got G722"
    t = mc.Transcoder("L16", 8000, 1, "PCMU", 8000, 1)
    with pytest.raises(mc.MediaError.Rtp) as err:
        t.push(b"\x00\x01\x02")
    assert str(err.value) == "RTP payload of 3 bytes is not a whole number of 2-byte units"
    assert [len(p) for p in t.transcode(bytes(320))] == [160]


def talk(a, b, spoken, frame, frames, tick_us=FRAME_US):
    heard, sizes = [], []
    for i in range(frames):
        now = i * tick_us
        a.push_capture(now, list(spoken[i * frame:(i + 1) * frame]))
        while (datagram := a.poll_transmit(now)) is not None:
            sizes.append(len(datagram))
            b.handle_rtp(now, datagram)
        out = b.pull_playout(now)
        assert len(out) == b.frame_samples() == frame
        heard.extend(out)
    return heard, sizes


def test_opus_sessions_at_16_khz_talk():
    settings = mc.OpusSettings(bitrate=32000)
    a = mc.MediaSession("opus", seed=1, payload_type=111, sample_rate=16000, opus=settings)
    b = mc.MediaSession("opus", seed=2, payload_type=111, sample_rate=16000, opus=settings)
    assert (a.sample_rate(), a.frame_samples(), a.payload_type()) == (16000, 320, 111)
    frames = 50
    spoken = sine(320 * frames, 440, 16000)
    heard, sizes = talk(a, b, spoken, 320, frames)
    assert sizes == [12 + 80] * frames
    start = next(i for i in range(0, len(heard), 320) if any(heard[i:i + 320]))
    assert start <= 3 * 320
    assert_tone_survives(spoken[: len(heard) - start], heard[start:], 16000, label="opus session")
    assert b.stats().packets_received == frames


@pytest.mark.parametrize("rate", [8000, 16000, 48000])
def test_l16_sessions_are_bit_exact(rate):
    ptime_ms = 10 if rate == 48000 else 20  # 20 ms at 48 kHz would not fit 1500 bytes
    frame = rate * ptime_ms // 1000
    a = mc.MediaSession("L16", seed=1, payload_type=96, ptime_ms=ptime_ms, sample_rate=rate)
    b = mc.MediaSession("L16", seed=2, payload_type=96, ptime_ms=ptime_ms, sample_rate=rate)
    frames = 8
    spoken = sine(frame * frames, 1000, rate).tolist()
    heard, sizes = talk(a, b, spoken, frame, frames, ptime_ms * 1000)
    assert sizes == [12 + 2 * frame] * frames
    assert_plays_in_order(heard, spoken, frames, frame=frame)


def test_session_rate_and_opus_errors():
    assert mc.MediaSession("G722").sample_rate() == 16000
    with pytest.raises(mc.MediaError.Codec) as err:
        mc.MediaSession("PCMU", sample_rate=16000)
    assert str(err.value) == "PCMU does not run at 16000 Hz; supported rates: 8000"
    with pytest.raises(mc.MediaError.InvalidArgument) as err:
        mc.MediaSession("opus")
    assert str(err.value) == "invalid argument: opus has no static payload type; give one in the configuration"
    with pytest.raises(mc.MediaError.InvalidArgument) as err:
        mc.MediaSession("PCMU", opus=mc.OpusSettings(inband_fec=True))
    assert str(err.value) == "invalid argument: inband_fec only applies to the opus codec; got PCMU"
    assert mc.MediaSession("PCMU", opus=mc.OpusSettings()).codec() == "PCMU", "nothing set"
    with pytest.raises(mc.MediaError.InvalidArgument, match="ptime_ms sets the opus frame duration"):
        mc.MediaSession("opus", payload_type=111, opus=mc.OpusSettings(frame_ms=20))
    with pytest.raises(mc.MediaError.InvalidArgument, match="opus cannot send 30 ms packets"):
        mc.MediaSession("opus", payload_type=111, ptime_ms=30)
