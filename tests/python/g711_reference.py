"""An independent G.711 reference for the Python suites of both bindings: the decoders written
from the formulas of ITU-T G.711 tables 1 and 2 (16-bit scaled), and a tone generator."""

import math


def ulaw_decode(code: int) -> int:
    """16-bit value of a µ-law code (G.711 table 2, scaled by 4)."""
    u = ~code & 0xFF
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return -magnitude if u & 0x80 else magnitude


def alaw_decode(code: int) -> int:
    """16-bit value of an A-law code (G.711 table 1, scaled by 8)."""
    a = code ^ 0x55
    segment = (a >> 4) & 0x07
    mantissa = a & 0x0F
    if segment == 0:
        magnitude = (mantissa << 4) + 8
    else:
        magnitude = ((mantissa << 4) + 0x108) << (segment - 1)
    return magnitude if a & 0x80 else -magnitude


DECODERS = {"PCMU": ulaw_decode, "PCMA": alaw_decode}


def levels(codec: str) -> list:
    """Every reconstruction level of the law, sorted."""
    return sorted({DECODERS[codec](c) for c in range(256)})


def bracketing_levels(sorted_levels: list, x: int) -> tuple:
    """The reconstruction levels just below and just above `x` (equal when `x` is one)."""
    below = max((v for v in sorted_levels if v <= x), default=sorted_levels[0])
    above = min((v for v in sorted_levels if v >= x), default=sorted_levels[-1])
    return below, above


def tone(n: int, freq: float = 440.0, amplitude: float = 12000.0, rate: int = 8000,
         start: int = 0) -> list:
    """`n` samples of a sine tone starting at sample index `start`."""
    return [
        int(round(amplitude * math.sin(2 * math.pi * freq * (start + i) / rate)))
        for i in range(n)
    ]
