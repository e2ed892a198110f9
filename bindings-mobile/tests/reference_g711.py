"""An independent G.711 reference for the tests: the decoders written from the formulas of
ITU-T G.711 tables 1 and 2 (16-bit scaled), and a tone generator."""

import math


def ulaw_decode(code: int) -> int:
    """16-bit value of a µ-law code (G.711 table 2, scaled by 4)."""
    u = ~code & 0xFF
    exponent = (u >> 4) & 0x07
    magnitude = ((((u & 0x0F) << 3) + 0x84) << exponent) - 0x84
    return -magnitude if u & 0x80 else magnitude


def alaw_decode(code: int) -> int:
    """16-bit value of an A-law code (G.711 table 1, scaled by 8)."""
    a = code ^ 0x55
    segment = (a >> 4) & 0x07
    magnitude = ((a & 0x0F) << 4) + (8 if segment == 0 else 0x108)
    if segment > 1:
        magnitude <<= segment - 1
    return magnitude if a & 0x80 else -magnitude


DECODERS = {"PCMU": ulaw_decode, "PCMA": alaw_decode}


def tone(n: int, freq: float = 440.0, amplitude: float = 12000.0, rate: int = 8000) -> list:
    """`n` samples of a sine tone."""
    return [int(round(amplitude * math.sin(2 * math.pi * freq * i / rate))) for i in range(n)]
