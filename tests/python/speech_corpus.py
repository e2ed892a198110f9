"""The speech corpus of the quality tests, and PESQ scoring (ITU-T P.862, PyPI `pesq`).

Two natural talkers, read from recordings Debian ships: the ALSA speaker-test voice
(alsa-utils, /usr/share/sounds/alsa) and the freedesktop sound theme's voice
(sound-theme-freedesktop), each eight short phrases ("front left", …) joined with pauses
into about 14 s. Six synthetic ones from espeak-ng in several voices and languages: these
are harder on codecs than human speech (buzzy, flat pitch), so floors taken from the
standards' figures apply to the natural talkers and to corpus means.

Every item starts with half a second of silence (as P.862 test recordings do) and is cut
to whole 20 ms frames.
"""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from pesq import pesq

ESPEAK = [
    ("en-us", "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background."),
    ("en-us+f3", "It is easy to tell the depth of a well. These days a chicken leg is a rare dish."),
    ("en-gb", "Rice is often served in round bowls. The juice of lemons makes fine punch."),
    ("de", "Der Zug nach Berlin fährt heute etwas später ab als geplant."),
    ("fr", "Le petit chat dort sur le canapé du salon depuis ce matin."),
    ("es+f2", "Mañana por la mañana llamaremos al servicio técnico otra vez."),
]

PHRASES = ["Front_Left", "Front_Center", "Front_Right", "Side_Left", "Side_Right", "Rear_Left", "Rear_Center", "Rear_Right"]
NATURAL = {
    "alsa": [Path("/usr/share/sounds/alsa") / f"{p}.wav" for p in PHRASES],
    "freedesktop": [
        Path("/usr/share/sounds/freedesktop/stereo") / f"audio-channel-{p.lower().replace('_', '-')}.oga"
        for p in PHRASES
    ],
}
PACKAGES = {"alsa": "alsa-utils", "freedesktop": "sound-theme-freedesktop"}


def need(*tools):
    for tool in tools:
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing; install it (scripts/setup.sh does)")


def to_rate(audio_file: Path, rate: int) -> np.ndarray:
    """Any audio file as mono 16-bit PCM at `rate`: ffmpeg decodes it, sox resamples
    (without dither)."""
    need("ffmpeg", "sox")
    wav = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(audio_file), "-ac", "1", "-c:a", "pcm_s16le", "-f", "wav", "pipe:1"],
        check=True,
        capture_output=True,
    ).stdout
    raw = subprocess.run(
        ["sox", "-D", "-t", "wav", "-", "-t", "raw", "-e", "signed", "-b", "16", "-c", "1", "-r", str(rate), "-"],
        input=wav,
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2")


def framed(pcm: np.ndarray, rate: int) -> np.ndarray:
    """Half a second of silence, `pcm`, a fifth of a second of silence; whole 20 ms frames."""
    pcm = np.concatenate([np.zeros(rate // 2, dtype=np.int16), pcm, np.zeros(rate // 5, dtype=np.int16)])
    frame = rate // 50
    return pcm[: len(pcm) - len(pcm) % frame]


def espeak(rate: int, voice: str, text: str, tmp_path) -> np.ndarray:
    need("espeak-ng")
    wav = tmp_path / "espeak.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), text], check=True)
    return framed(to_rate(wav, rate), rate)


def natural(rate: int, talker: str) -> np.ndarray:
    """One natural talker's eight phrases with 0.3 s pauses between them."""
    pause = np.zeros(rate * 3 // 10, dtype=np.int16)
    parts = []
    for path in NATURAL[talker]:
        if not path.exists():
            pytest.fail(f"{path} is missing; install {PACKAGES[talker]} (scripts/setup.sh does)")
        parts += [to_rate(path, rate), pause]
    return framed(np.concatenate(parts[:-1]), rate)


def corpus(rate: int, tmp_path, synthetic: bool = True):
    """(name, speech) for the natural talkers, then the espeak-ng voices."""
    items = [(talker, natural(rate, talker)) for talker in NATURAL]
    if synthetic:
        items += [(voice, espeak(rate, voice, text, tmp_path)) for voice, text in ESPEAK]
    return items


def score(rate: int, mode: str, ref: np.ndarray, deg: np.ndarray) -> float:
    """PESQ MOS-LQO of `deg` against `ref` ("nb" P.862.1 at 8 kHz, "wb" P.862.2 at 16 kHz)."""
    n = min(len(ref), len(deg))
    return pesq(rate, ref[:n].astype(np.float32), deg[:n].astype(np.float32), mode)
