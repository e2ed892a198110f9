"""Encoder and Decoder: G.711 values, accepted PCM inputs and errors."""

import array
import subprocess
import sys

import pytest

import mediacore
from g711_reference import DECODERS, bracketing_levels, levels, tone


@pytest.mark.parametrize("codec", ["PCMU", "PCMA"])
def test_decoder_matches_the_g711_tables_for_every_code(codec):
    dec = mediacore.Decoder(codec, 8000, 1)
    decoded = dec.decode(bytes(range(256)))
    assert isinstance(decoded, array.array)
    assert decoded.typecode == "h"
    assert list(decoded) == [DECODERS[codec](c) for c in range(256)]


@pytest.mark.parametrize("codec", ["PCMU", "PCMA"])
def test_tone_round_trip_is_g711_quantisation(codec):
    enc = mediacore.Encoder(codec, 8000, 1)
    dec = mediacore.Decoder(codec, 8000, 1)
    samples = tone(800) + [0, 1, -1, 32767, -32768, 8159, -8159, 4063, -4064]
    payload = enc.encode(array.array("h", samples))
    assert len(payload) == len(samples)
    decoded = list(dec.decode(payload))
    assert decoded == [DECODERS[codec](c) for c in payload]
    sorted_levels = levels(codec)
    for x, y in zip(samples, decoded):
        # A G.711 quantiser outputs one of the two levels around its input.
        assert y in bracketing_levels(sorted_levels, x), (x, y)
    # Quantised audio is a fixed point of the codec.
    assert list(dec.decode(enc.encode(array.array("h", decoded)))) == decoded


@pytest.mark.parametrize("codec", ["PCMU", "PCMA"])
def test_every_code_survives_decode_then_encode(codec):
    enc = mediacore.Encoder(codec, 8000, 1)
    dec = mediacore.Decoder(codec, 8000, 1)
    codes = bytes(c for c in range(256) if not (codec == "PCMU" and c == 0x7F))
    assert enc.encode(dec.decode(codes)) == codes


def test_known_values():
    assert mediacore.Encoder("PCMU", 8000, 1).encode(b"\x00\x00") == b"\xff"
    assert mediacore.Encoder("PCMA", 8000, 1).encode(b"\x00\x00") == b"\xd5"
    assert list(mediacore.Decoder("PCMU", 8000, 1).decode(b"\x80")) == [32124]
    assert list(mediacore.Decoder("PCMA", 8000, 1).decode(b"\xaa")) == [32256]


def test_codec_names_are_case_insensitive_and_properties_reflect_the_codec():
    enc = mediacore.Encoder("pcmu", 8000, 2)
    assert (enc.codec, enc.sample_rate, enc.channels) == ("PCMU", 8000, 2)
    dec = mediacore.Decoder("Pcma", 8000, 1)
    assert (dec.codec, dec.sample_rate, dec.channels) == ("PCMA", 8000, 1)
    assert repr(dec) == "Decoder('PCMA', 8000, 1)"


def test_bytes_array_memoryview_and_bytearray_inputs_agree():
    samples = tone(160)
    pcm = array.array("h", samples)
    enc = mediacore.Encoder("PCMU", 8000, 1)
    expected = enc.encode(pcm)
    assert enc.encode(pcm.tobytes()) == expected
    assert enc.encode(bytearray(pcm.tobytes())) == expected
    assert enc.encode(memoryview(pcm)) == expected
    assert enc.encode(memoryview(pcm.tobytes()).cast("h")) == expected


def test_payload_accepts_bytes_like_objects():
    dec = mediacore.Decoder("PCMU", 8000, 1)
    expected = dec.decode(b"\x80\x00")
    assert dec.decode(bytearray(b"\x80\x00")) == expected
    assert dec.decode(memoryview(b"\x80\x00")) == expected
    with pytest.raises(TypeError, match="single-byte items"):
        dec.decode(array.array("h", [1]))
    with pytest.raises(TypeError, match="expected bytes"):
        dec.decode("not bytes")


@pytest.mark.parametrize(
    "bad",
    [array.array("i", [1, 2]), array.array("H", [1, 2]), array.array("d", [0.5]),
     memoryview(b"\x00\x00")],
)
def test_buffers_of_other_item_types_are_rejected(bad):
    enc = mediacore.Encoder("PCMU", 8000, 1)
    with pytest.raises(TypeError, match=r"expected int16 PCM.*item format"):
        enc.encode(bad)


def test_non_buffers_and_odd_byte_counts_are_rejected():
    enc = mediacore.Encoder("PCMU", 8000, 1)
    with pytest.raises(TypeError, match="expected int16 PCM.*got list"):
        enc.encode([1, 2, 3])
    with pytest.raises(ValueError, match="whole int16 samples; got 3 bytes"):
        enc.encode(b"\x00\x00\x00")


def test_unknown_codec_raises_the_core_message():
    with pytest.raises(mediacore.MediaError) as err:
        mediacore.Encoder("G729", 8000, 1)
    assert str(err.value) == 'codec "G729" is not supported; supported codecs are PCMU, PCMA, G722, opus, L16, CN'
    assert isinstance(err.value, ValueError)
    with pytest.raises(mediacore.MediaError):
        mediacore.Decoder("G729", 8000, 1)


def test_unsupported_rate_and_channels_raise_the_core_message():
    with pytest.raises(mediacore.MediaError) as err:
        mediacore.Encoder("PCMU", 16000, 1)
    assert str(err.value) == "PCMU does not run at 16000 Hz; supported rates: 8000"
    with pytest.raises(mediacore.MediaError) as err:
        mediacore.Decoder("PCMA", 8000, 3)
    assert str(err.value) == "PCMA does not support 3 channels; supported: 1 or 2"


def test_stereo_needs_whole_sample_frames():
    enc = mediacore.Encoder("PCMA", 8000, 2)
    assert len(enc.encode(array.array("h", [1, 2, 3, 4]))) == 4
    with pytest.raises(mediacore.MediaError) as err:
        enc.encode(array.array("h", [1, 2, 3]))
    assert str(err.value) == "3 interleaved samples cannot be split into 2 channels"


def test_numpy_is_not_imported_by_the_module():
    code = (
        "import sys, mediacore\n"
        "mediacore.Decoder('PCMU', 8000, 1).decode(b'\\xff')\n"
        "assert 'numpy' not in sys.modules, 'numpy was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


class TestNumpy:
    np = pytest.importorskip("numpy")

    def test_int16_arrays_in_and_out(self):
        np = self.np
        samples = np.array(tone(160), dtype=np.int16)
        enc = mediacore.Encoder("PCMU", 8000, 1)
        dec = mediacore.Decoder("PCMU", 8000, 1)
        payload = enc.encode(samples)
        assert payload == enc.encode(samples.tobytes())
        out = dec.decode(payload, numpy=True)
        assert isinstance(out, np.ndarray)
        assert out.dtype == np.int16
        assert out.tolist() == list(dec.decode(payload))
        out[0] = 7  # the array is writable
        assert out[0] == 7

    def test_strided_and_two_dimensional_arrays_are_read_in_c_order(self):
        np = self.np
        samples = np.array(tone(320), dtype=np.int16)
        enc = mediacore.Encoder("PCMA", 8000, 1)
        assert enc.encode(samples[::2]) == enc.encode(samples[::2].copy())
        stereo = samples.reshape(160, 2)
        enc2 = mediacore.Encoder("PCMA", 8000, 2)
        assert enc2.encode(stereo) == enc.encode(samples)

    def test_other_dtypes_are_rejected(self):
        np = self.np
        enc = mediacore.Encoder("PCMU", 8000, 1)
        for dtype in (np.float32, np.int32, np.uint16, np.uint8):
            with pytest.raises(TypeError, match="expected int16 PCM"):
                enc.encode(np.zeros(4, dtype=dtype))
        swapped = np.zeros(4, dtype=np.int16).astype(
            ">i2" if sys.byteorder == "little" else "<i2"
        )
        with pytest.raises(TypeError, match="expected int16 PCM"):
            enc.encode(swapped)
