"""mediacore: a sans-IO telephony media engine (codecs, transcoding and RTP media sessions).

The classes come from the Rust extension module ``mediacore.mediacore``; see
``__init__.pyi`` for their types and docs/api-python.md for a guide.
"""

from .mediacore import Decoder, Encoder, MediaError, MediaSession, Transcoder

__all__ = ["Decoder", "Encoder", "MediaError", "MediaSession", "Transcoder"]
