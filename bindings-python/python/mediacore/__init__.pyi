"""Type stubs for mediacore, a sans-IO telephony media engine.

Times are integers in microseconds on the caller's monotonic clock. PCM is interleaved
int16: accepted as ``bytes``/``bytearray`` (native-endian) or any buffer of int16 items
(``array('h')``, numpy int16, ``memoryview.cast('h')``); returned as ``array('h')``, or a
numpy int16 array when ``numpy=True`` (numpy is imported only then).
"""

import sys
from array import array
from typing import Any, Literal, Optional, TypedDict, Union, overload

if sys.version_info >= (3, 12):
    from collections.abc import Buffer
else:
    from typing_extensions import Buffer

__all__ = ["Decoder", "Encoder", "MediaError", "MediaSession"]

# Anything with the buffer protocol; int16 items for PCM, single bytes for payloads.
Pcm = Union[bytes, bytearray, Buffer]
Payload = Union[bytes, bytearray, Buffer]

class MediaError(ValueError):
    """An error reported by the engine; ``str(e)`` is the engine's message, unchanged."""

class Encoder:
    """Encodes interleaved int16 PCM into codec payload."""

    def __init__(self, codec: str, sample_rate: int, channels: int) -> None:
        """Builds an encoder for an SDP encoding name ("PCMU", "PCMA"; case-insensitive).

        Raises MediaError for an unknown codec or an unsupported rate or channel count.
        """
    @property
    def codec(self) -> str:
        """The SDP encoding name, e.g. "PCMU"."""
    @property
    def sample_rate(self) -> int:
        """Input sample rate in Hz."""
    @property
    def channels(self) -> int:
        """Input channels (interleaved)."""
    def encode(self, pcm: Pcm) -> bytes:
        """Encodes interleaved int16 samples and returns the payload.

        Raises TypeError for a buffer whose items are not int16, ValueError for bytes of
        odd length and MediaError when the engine rejects the audio.
        """

class Decoder:
    """Decodes codec payload into interleaved int16 PCM."""

    def __init__(self, codec: str, sample_rate: int, channels: int) -> None:
        """Builds a decoder; raises MediaError like ``Encoder``."""
    @property
    def codec(self) -> str:
        """The SDP encoding name, e.g. "PCMA"."""
    @property
    def sample_rate(self) -> int:
        """Output sample rate in Hz."""
    @property
    def channels(self) -> int:
        """Output channels (interleaved)."""
    @overload
    def decode(self, payload: Payload, *, numpy: Literal[False] = False) -> array[int]:
        """Decodes one payload into ``array('h')``."""
    @overload
    def decode(self, payload: Payload, *, numpy: Literal[True]) -> Any:
        """Decodes one payload into a numpy int16 array."""

class RemoteSourceStarted(TypedDict):
    type: Literal["remote_source_started"]
    ssrc: int

class RemoteSourceChanged(TypedDict):
    type: Literal["remote_source_changed"]
    old: int
    new: int

class RtpTimeout(TypedDict):
    type: Literal["rtp_timeout"]
    silent_for_ms: float

class RtpResumed(TypedDict):
    type: Literal["rtp_resumed"]

Event = Union[RemoteSourceStarted, RemoteSourceChanged, RtpTimeout, RtpResumed]

class SessionStats(TypedDict):
    packets_received: int
    bytes_received: int
    packets_rejected: int
    packets_late: int
    packets_lost: int
    packets_sent: int
    bytes_sent: int
    packets_send_dropped: int
    playout_underruns: int
    playout_samples_dropped: int
    events_dropped: int

class MediaSession:
    """One call's media: decode and play what arrives, encode and packetize what is captured.

    Drive it with ``handle_rtp``/``push_capture`` in and ``poll_transmit``/``pull_playout``/
    ``poll_event`` out, and call ``handle_timeout`` at ``poll_timeout()``.
    """

    def __init__(
        self,
        codec: str,
        seed: int = 0,
        payload_type: Optional[int] = None,
        ptime_ms: int = 20,
        rtp_timeout_ms: Optional[int] = 30000,
    ) -> None:
        """Builds a session; ``payload_type=None`` uses the codec's static type and
        ``rtp_timeout_ms=None`` disables the RTP timeout. Raises MediaError for a
        configuration that cannot work.
        """
    @property
    def codec(self) -> str:
        """The SDP encoding name of the codec used both ways."""
    @property
    def payload_type(self) -> int:
        """The RTP payload type used both ways."""
    @property
    def sample_rate(self) -> int:
        """Sample rate of captured and played audio, in Hz."""
    @property
    def frame_samples(self) -> int:
        """Samples in one ptime frame (the length of ``pull_playout``'s result)."""
    @property
    def local_ssrc(self) -> int:
        """The SSRC of the stream this session sends."""
    @property
    def remote_ssrc(self) -> Optional[int]:
        """The SSRC of the stream this session receives, once one has been heard."""
    def handle_rtp(self, now_us: int, datagram: Payload) -> None:
        """Takes one received datagram; raises MediaError if it is rejected (the session
        is unchanged and stays usable)."""
    def push_capture(self, now_us: int, pcm: Pcm) -> None:
        """Takes captured mono int16 audio (any length) at the session's sample rate."""
    def poll_transmit(self, now_us: int) -> Optional[bytes]:
        """The next datagram to send, or None when there is nothing to send."""
    @overload
    def pull_playout(self, now_us: int, *, numpy: Literal[False] = False) -> array[int]:
        """One ptime frame of received audio (silence where none arrived)."""
    @overload
    def pull_playout(self, now_us: int, *, numpy: Literal[True]) -> Any:
        """One ptime frame of received audio as a numpy int16 array."""
    def poll_event(self) -> Optional[Event]:
        """The next event as a dict with a "type" key, oldest first, or None."""
    def poll_timeout(self) -> Optional[int]:
        """When to call ``handle_timeout`` next, in microseconds, or None."""
    def handle_timeout(self, now_us: int) -> None:
        """Lets the session act on time passing (the RTP inactivity timeout)."""
    def stats(self) -> SessionStats:
        """Every counter of the session, by name."""
