"""Signal helpers shared by the Python suites of both bindings (bindings-python and
bindings-mobile): tones, interleaving, and the checks that judge a lossy codec's output
(delay-aligned correlation and level) where a bit-exact comparison cannot apply."""

import numpy as np


def sine(n: int, freq: float, rate: int, amplitude: float = 8000.0, start: int = 0) -> np.ndarray:
    """`n` int16 samples of a sine tone at `rate` Hz, from sample index `start`."""
    t = (np.arange(n) + start) / rate
    return np.round(amplitude * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def interleave(*channels: np.ndarray) -> np.ndarray:
    """Channels of equal length as one interleaved int16 array."""
    return np.stack(channels, axis=1).reshape(-1).astype(np.int16)


def channel(pcm, channels: int, which: int) -> np.ndarray:
    """One channel of interleaved PCM as float64."""
    return np.asarray(pcm, dtype=np.int16)[which::channels].astype(np.float64)


def rms(x) -> float:
    x = np.asarray(x, dtype=np.float64)
    return float(np.sqrt(np.mean(x * x)))


def aligned_correlation(reference, decoded, max_lag: int, skip: int = 0) -> tuple:
    """The normalised correlation of `decoded` with `reference` at the delay (0 to
    `max_lag` samples) that maximises it, and that delay; the first `skip` samples of the
    reference (codec start-up) are left out. Silence correlates as 0."""
    ref = np.asarray(reference, dtype=np.float64)[skip:]
    dec = np.asarray(decoded, dtype=np.float64)
    length = len(ref) - max_lag
    assert length > 0, "signal shorter than the lag window"
    best = (0.0, 0)
    for lag in range(max_lag + 1):
        a = ref[:length]
        b = dec[skip + lag : skip + lag + length]
        norm = np.sqrt(np.dot(a, a) * np.dot(b, b))
        corr = float(np.dot(a, b) / norm) if norm > 0 else 0.0
        if corr > best[0]:
            best = (corr, lag)
    return best


def assert_tone_survives(reference, decoded, rate: int, min_corr: float = 0.9,
                         max_level_db: float = 3.0, label: str = "") -> None:
    """`decoded` is `reference` delayed by at most 20 ms, correlating at least `min_corr`
    after the first 100 ms and within `max_level_db` of its level."""
    corr, lag = aligned_correlation(reference, decoded, rate // 50, skip=rate // 10)
    tail_ref = np.asarray(reference, dtype=np.float64)[rate // 10 :]
    tail_dec = np.asarray(decoded, dtype=np.float64)[rate // 10 + lag :]
    level_db = 20 * np.log10(rms(tail_dec) / rms(tail_ref))
    assert corr >= min_corr, f"{label}: correlation {corr:.3f} at lag {lag}"
    assert abs(level_db) <= max_level_db, f"{label}: level {level_db:+.1f} dB"
