"""Speech quality through the codecs, measured with PESQ (ITU-T P.862, PyPI `pesq`).

Speech comes from espeak-ng (several voices and languages), is resampled with sox to the
codec's rate, coded and decoded through the `mediacore` module in 20 ms frames, and scored
against the uncoded speech. The floor applies to the corpus mean (MOS-LQO is reported as a
mean over a corpus); each sentence is also coded by ffmpeg's implementation of the same codec
and must score within 0.1 of it, which shows that a low sentence is the material (espeak-ng's
buzzy male voices are hard on G.722's upper band), not our codec.
"""

import array
import shutil
import subprocess

import numpy as np
import pytest
from pesq import pesq

import mediacore

CORPUS = [
    ("en-us", "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background."),
    ("en-us+f3", "It is easy to tell the depth of a well. These days a chicken leg is a rare dish."),
    ("en-gb", "Rice is often served in round bowls. The juice of lemons makes fine punch."),
    ("de", "Der Zug nach Berlin fährt heute etwas später ab als geplant."),
    ("fr", "Le petit chat dort sur le canapé du salon depuis ce matin."),
    ("es+f2", "Mañana por la mañana llamaremos al servicio técnico otra vez."),
]

FFMPEG = {"PCMU": ("pcm_mulaw", "mulaw"), "PCMA": ("pcm_alaw", "alaw"), "G722": ("g722", "g722")}


def need(*tools):
    for tool in tools:
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing; install it (scripts/setup.sh does)")


def speech(rate: int, voice: str, text: str, tmp_path) -> np.ndarray:
    need("espeak-ng", "sox")
    wav = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), text], check=True)
    raw = subprocess.run(
        ["sox", "-D", str(wav), "-t", "raw", "-e", "signed", "-b", "16", "-c", "1", "-r", str(rate), "-"],
        check=True,
        capture_output=True,
    ).stdout
    pcm = np.frombuffer(raw, dtype="<i2")
    # Half a second of silence either side, as P.862 test recordings have; whole 20 ms frames.
    pad = np.zeros(rate // 2, dtype=np.int16)
    pcm = np.concatenate([pad, pcm, pad])
    frame = rate // 50
    return pcm[: len(pcm) - len(pcm) % frame]


def ours(codec: str, rate: int, pcm: np.ndarray) -> np.ndarray:
    encoder = mediacore.Encoder(codec, rate, 1)
    decoder = mediacore.Decoder(codec, rate, 1)
    frame = rate // 50
    out = array.array("h")
    for start in range(0, len(pcm), frame):
        out.extend(decoder.decode(encoder.encode(pcm[start : start + frame])))
    return np.frombuffer(out, dtype=np.int16)


def ffmpegs(codec: str, rate: int, pcm: np.ndarray) -> np.ndarray:
    need("ffmpeg")
    encoder, fmt = FFMPEG[codec]
    common = ["ffmpeg", "-v", "error"]
    coded = subprocess.run(
        common + ["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0", "-c:a", encoder, "-f", fmt, "pipe:1"],
        input=pcm.astype("<i2").tobytes(),
        check=True,
        capture_output=True,
    ).stdout
    # The raw G.722 demuxer knows its own rate; the G.711 ones need to be told.
    shape = [] if codec == "G722" else ["-ar", str(rate), "-ac", "1"]
    decoded = subprocess.run(
        common + ["-f", fmt, *shape, "-i", "pipe:0", "-f", "s16le", "-ar", str(rate), "pipe:1"],
        input=coded,
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(decoded, dtype="<i2")


def score(rate: int, mode: str, ref: np.ndarray, deg: np.ndarray) -> float:
    n = min(len(ref), len(deg))
    return pesq(rate, ref[:n].astype(np.float32), deg[:n].astype(np.float32), mode)


@pytest.mark.parametrize(
    "codec, rate, mode, floor",
    [
        ("PCMU", 8000, "nb", 3.8),
        ("PCMA", 8000, "nb", 3.8),
        ("G722", 16000, "wb", 3.1),
    ],
)
def test_pesq_of_the_corpus_meets_the_floor_and_matches_ffmpeg(codec, rate, mode, floor, tmp_path):
    rows = []
    for voice, text in CORPUS:
        ref = speech(rate, voice, text, tmp_path)
        mine = score(rate, mode, ref, ours(codec, rate, ref))
        theirs = score(rate, mode, ref, ffmpegs(codec, rate, ref))
        rows.append((voice, mine, theirs))
        assert abs(mine - theirs) <= 0.1, f"{codec} {voice}: ours {mine:.2f}, ffmpeg {theirs:.2f}"
    mean = sum(r[1] for r in rows) / len(rows)
    print(f"\n{codec} PESQ-{mode.upper()} mean {mean:.2f}: " + ", ".join(f"{v} {m:.2f} (ffmpeg {t:.2f})" for v, m, t in rows))
    assert mean >= floor, f"{codec}: corpus mean PESQ {mean:.2f} below {floor}"
