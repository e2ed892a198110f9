"""mediacore: a sans-IO telephony media engine (codecs, transcoding, RTP media
sessions, DTMF and tones).

The classes come from the Rust extension module ``mediacore.mediacore``; see
``__init__.pyi`` for their types and docs/api-python.md for a guide.
"""

from .mediacore import (
    Decoder,
    DetectedDigit,
    DtmfDetector,
    Encoder,
    MediaError,
    MediaSession,
    Transcoder,
    generate_dtmf,
    generate_tone,
)

__all__ = [
    "Decoder",
    "DetectedDigit",
    "DtmfDetector",
    "Encoder",
    "MediaError",
    "MediaSession",
    "Transcoder",
    "generate_dtmf",
    "generate_tone",
]
