"""mediacore: a sans-IO telephony media engine (codecs, transcoding, RTP media
sessions, DTMF and tones, prompts and IVR, recordings, conferences).

The classes come from the Rust extension module ``mediacore.mediacore``; see
``__init__.pyi`` for their types and docs/api-python.md for a guide.
"""

from .mediacore import (
    Conference,
    Decoder,
    DetectedDigit,
    DtmfDetector,
    Encoder,
    MediaError,
    MediaSession,
    PlayAndCollect,
    PlayCollectConfig,
    PlayOptions,
    Player,
    Prompt,
    PromptCache,
    RecordOptions,
    Recorder,
    Transcoder,
    VoiceSettings,
    generate_dtmf,
    generate_tone,
)

__all__ = [
    "Conference",
    "Decoder",
    "DetectedDigit",
    "DtmfDetector",
    "Encoder",
    "MediaError",
    "MediaSession",
    "PlayAndCollect",
    "PlayCollectConfig",
    "PlayOptions",
    "Player",
    "Prompt",
    "PromptCache",
    "RecordOptions",
    "Recorder",
    "Transcoder",
    "VoiceSettings",
    "generate_dtmf",
    "generate_tone",
]
