"""The reference libopus (Debian's libopus0, from libopus-dev) through ctypes, so the
quality tests code and decode with exactly the settings ours uses: the application, bit
rate, complexity, constant bit rate, frame duration and output rate."""

import ctypes
import ctypes.util

import numpy as np
import pytest

APPLICATION = {"voip": 2048, "audio": 2049}
SET_BITRATE = 4002
SET_VBR = 4006
SET_COMPLEXITY = 4010
MAX_PACKET = 4000


def _library():
    name = ctypes.util.find_library("opus")
    if name is None:
        pytest.fail("libopus is missing; install libopus-dev (scripts/setup.sh does)")
    lib = ctypes.CDLL(name)
    lib.opus_encoder_create.restype = ctypes.c_void_p
    lib.opus_encoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    lib.opus_encode.restype = ctypes.c_int32
    lib.opus_encode.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16), ctypes.c_int, ctypes.c_char_p, ctypes.c_int32]
    lib.opus_encoder_destroy.argtypes = [ctypes.c_void_p]
    lib.opus_decoder_create.restype = ctypes.c_void_p
    lib.opus_decoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    lib.opus_decode.restype = ctypes.c_int
    lib.opus_decode.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32, ctypes.POINTER(ctypes.c_int16), ctypes.c_int, ctypes.c_int]
    lib.opus_decoder_destroy.argtypes = [ctypes.c_void_p]
    lib.opus_get_version_string.restype = ctypes.c_char_p
    return lib


def version() -> str:
    return _library().opus_get_version_string().decode()


def encode(pcm: np.ndarray, rate: int, bitrate: int, complexity: int = 9, application: str = "voip", frame_ms: int = 20) -> list:
    """Mono `pcm` at `rate` as libopus packets, constant bit rate."""
    lib = _library()
    err = ctypes.c_int()
    enc = lib.opus_encoder_create(rate, 1, APPLICATION[application], ctypes.byref(err))
    assert err.value == 0, f"opus_encoder_create: {err.value}"
    try:
        # opus_encoder_ctl is variadic: each request takes one int.
        for request, value in [(SET_BITRATE, bitrate), (SET_VBR, 0), (SET_COMPLEXITY, complexity)]:
            assert lib.opus_encoder_ctl(ctypes.c_void_p(enc), request, ctypes.c_int32(value)) == 0
        frame = rate * frame_ms // 1000
        out = ctypes.create_string_buffer(MAX_PACKET)
        samples = np.ascontiguousarray(pcm, dtype=np.int16)
        packets = []
        for start in range(0, len(samples) - frame + 1, frame):
            chunk = samples[start : start + frame]
            n = lib.opus_encode(enc, chunk.ctypes.data_as(ctypes.POINTER(ctypes.c_int16)), frame, out, MAX_PACKET)
            assert n > 0, f"opus_encode: {n}"
            packets.append(out.raw[:n])
        return packets
    finally:
        lib.opus_encoder_destroy(enc)


def decode(packets: list, rate: int) -> np.ndarray:
    """Mono PCM at `rate` (any Opus rate, 8 kHz included) decoded by libopus."""
    lib = _library()
    err = ctypes.c_int()
    dec = lib.opus_decoder_create(rate, 1, ctypes.byref(err))
    assert err.value == 0, f"opus_decoder_create: {err.value}"
    try:
        most = rate * 120 // 1000
        buf = (ctypes.c_int16 * most)()
        out = []
        for packet in packets:
            n = lib.opus_decode(dec, packet, len(packet), buf, most, 0)
            assert n > 0, f"opus_decode: {n}"
            out.append(np.frombuffer(buf, dtype=np.int16, count=n).copy())
        return np.concatenate(out)
    finally:
        lib.opus_decoder_destroy(dec)
