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
    from typing import Unpack
else:
    from typing_extensions import Buffer, Unpack

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

# Anything with the buffer protocol; int16 items for PCM, single bytes for payloads.
Pcm = Union[bytes, bytearray, Buffer]
Payload = Union[bytes, bytearray, Buffer]

class MediaError(ValueError):
    """An error reported by the engine; ``str(e)`` is the engine's message, unchanged."""

OpusApplication = Literal["voip", "audio"]

class OpusSettings(TypedDict):
    """The Opus encoder's settings in force (``Encoder.opus_settings``), keyed like the
    keyword arguments."""

    application: OpusApplication
    bitrate: int
    complexity: int
    cbr: bool
    inband_fec: bool
    expected_loss_percent: int
    frame_ms: int

class OpusOptions(TypedDict, total=False):
    """Opus settings as the ``**opus`` keyword arguments of ``MediaSession`` and
    ``Transcoder``, whose packet time sets the frame duration. One left out, or None, keeps
    the engine's default (``OpusSettings`` shows them): ``application`` "voip" or "audio",
    target ``bitrate`` in bit/s for all channels, ``complexity`` 0 to 10, ``cbr`` (constant
    bit rate), ``inband_fec`` and ``expected_loss_percent`` 0 to 100."""

    application: Optional[OpusApplication]
    bitrate: Optional[int]
    complexity: Optional[int]
    cbr: Optional[bool]
    inband_fec: Optional[bool]
    expected_loss_percent: Optional[int]

class EncoderOpusOptions(OpusOptions, total=False):
    """``Encoder``'s Opus keyword arguments: ``OpusOptions`` and the frame duration
    ``frame_ms`` (10, 20, 40 or 60; ``encode`` then takes exactly that much audio)."""

    frame_ms: Optional[int]

class Encoder:
    """Encodes interleaved int16 PCM into codec payload."""

    def __init__(
        self, codec: str, sample_rate: int, channels: int, **opus: Unpack[EncoderOpusOptions]
    ) -> None:
        """Builds an encoder for an SDP encoding name ("PCMU", "PCMA", "G722", "opus",
        "L16", "CN"; case-insensitive).

        The keyword arguments set the Opus encoder (see ``EncoderOpusOptions``); one left
        out keeps the engine's default (read it back from ``opus_settings``).

        Raises MediaError for an unknown codec, an unsupported rate or channel count, Opus
        settings the engine refuses (the message names the setting) or Opus settings given
        for another codec, and TypeError for an unknown keyword or a value of the wrong type.
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
    @property
    def opus_settings(self) -> Optional[OpusSettings]:
        """The Opus settings in force, or None for another codec."""
    def encode(self, pcm: Pcm) -> bytes:
        """Encodes interleaved int16 samples and returns the payload.

        Raises TypeError for a buffer whose items are not int16, ValueError for bytes of
        odd length and MediaError when the engine rejects the audio (for Opus, anything
        but exactly one ``frame_ms`` frame).
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
    @overload
    def conceal(self, samples_per_channel: int, *, numpy: Literal[False] = False) -> array[int]:
        """Audio in place of a lost packet of ``samples_per_channel`` samples from the
        decoder's loss concealment (Opus: 2.5 ms steps, up to 120 ms).

        Raises MediaError for a codec without concealment (e.g. "CN has no loss
        concealment") or a duration the decoder cannot conceal.
        """
    @overload
    def conceal(self, samples_per_channel: int, *, numpy: Literal[True]) -> Any:
        """``conceal`` into a numpy int16 array."""
    @overload
    def decode_fec(
        self, next_payload: Payload, samples_per_channel: int, *, numpy: Literal[False] = False
    ) -> array[int]:
        """Opus: rebuilds a lost packet of ``samples_per_channel`` samples from the in-band
        FEC of ``next_payload``, the packet after the loss (decode that packet with
        ``decode`` afterwards); concealment where it carries none.

        Raises MediaError for another codec ("PCMU has no in-band FEC"), a bad duration or
        a malformed payload.
        """
    @overload
    def decode_fec(
        self, next_payload: Payload, samples_per_channel: int, *, numpy: Literal[True]
    ) -> Any:
        """``decode_fec`` into a numpy int16 array."""

class Transcoder:
    """Converts a stream of payloads from one codec, rate and channel count to another:
    decode, remix, resample, re-frame to the output packet time, encode."""

    def __init__(
        self,
        input_codec: str,
        output_codec: str,
        *,
        input_rate: Optional[int] = None,
        input_channels: int = 1,
        output_rate: Optional[int] = None,
        output_channels: int = 1,
        output_ptime_ms: int = 20,
        **opus: Unpack[OpusOptions],
    ) -> None:
        """Builds a transcoder; a rate of None is the codec's default rate. The Opus
        keyword arguments set the output encoder when the output is Opus, whose frame
        duration is ``output_ptime_ms`` (10, 20, 40 or 60). Raises MediaError for a
        configuration the engine refuses.
        """
    @property
    def input_codec(self) -> str:
        """The SDP encoding name of the input codec."""
    @property
    def input_rate(self) -> int:
        """Input sample rate in Hz."""
    @property
    def input_channels(self) -> int:
        """Input channels."""
    @property
    def output_codec(self) -> str:
        """The SDP encoding name of the output codec."""
    @property
    def output_rate(self) -> int:
        """Output sample rate in Hz."""
    @property
    def output_channels(self) -> int:
        """Output channels."""
    @property
    def dropped(self) -> int:
        """Output payloads dropped because they were not polled in time (16 are kept)."""
    @property
    def resampler_delay(self) -> int:
        """Samples per channel by which the output lags the input, from resampling."""
    def push(self, payload: Payload) -> None:
        """Decodes one input payload and encodes every output payload it completes.

        Raises MediaError for a payload the input decoder refuses; nothing changes then.
        """
    def poll_payload(self) -> Optional[bytes]:
        """The next output payload, oldest first, or None."""
    def transcode(self, payload: Payload) -> list[bytes]:
        """``push(payload)``, then every output payload ready, oldest first."""

class DetectedDigit:
    """A digit found in audio by ``DtmfDetector``; compares equal by value."""

    @property
    def digit(self) -> str:
        """The key: one of "0"-"9", "*", "#", "A"-"D"."""
    @property
    def start_ms(self) -> int:
        """When its tone began, in milliseconds of audio since the detector started."""
    @property
    def duration_ms(self) -> int:
        """How long the tone lasted, in milliseconds."""

class DtmfDetector:
    """In-band DTMF detector (ITU-T Q.24: frequency, twist, level and timing limits; talk-off
    resistant) for mono int16 audio. Feed a stream in chunks of any size."""

    def __init__(self, sample_rate: int) -> None:
        """A detector for 8000 or 16000 Hz audio; raises MediaError for another rate
        (resample first)."""
    @property
    def sample_rate(self) -> int:
        """The sample rate in Hz."""
    def process(self, pcm: Pcm) -> list[DetectedDigit]:
        """Analyses the next samples and returns the digits whose tones have ended, oldest
        first (including any found by ``process_muted`` since the last call)."""
    @overload
    def process_muted(self, pcm: Pcm, *, numpy: Literal[False] = False) -> array[int]:
        """Analyses the samples like ``process`` and returns them delayed by 50 ms with
        detected DTMF tones zeroed (for audio forwarded to another leg or a recording); the
        digits found are returned by the next ``process`` (an empty one will do) or
        ``flush``."""
    @overload
    def process_muted(self, pcm: Pcm, *, numpy: Literal[True]) -> Any:
        """``process_muted`` into a numpy int16 array."""
    def flush(self) -> list[DetectedDigit]:
        """Ends a digit still sounding (at the end of a recording) and returns every digit
        not yet returned."""
    def reset(self) -> None:
        """Forgets all audio and digits, as if newly built."""

@overload
def generate_dtmf(
    digits: str,
    sample_rate: int,
    level_dbm0: float = -10.0,
    twist_db: float = 2.0,
    duration_ms: int = 100,
    gap_ms: int = 100,
    *,
    numpy: Literal[False] = False,
) -> array[int]:
    """DTMF digits ("0"-"9", "*", "#", "A"-"D") as mono int16 PCM at ``sample_rate`` (8000
    to 48000 Hz): each digit's tone pair for ``duration_ms`` (1 to 60000), then ``gap_ms``
    of silence. ``level_dbm0`` (-60 to 0) is the low (row) tone's level, ``twist_db`` (-10
    to 10) how much louder the high (column) tone is.

    Raises MediaError naming the first character that is not a digit, or the option out of
    range.
    """

@overload
def generate_dtmf(
    digits: str,
    sample_rate: int,
    level_dbm0: float = -10.0,
    twist_db: float = 2.0,
    duration_ms: int = 100,
    gap_ms: int = 100,
    *,
    numpy: Literal[True],
) -> Any:
    """``generate_dtmf`` into a numpy int16 array."""

@overload
def generate_tone(
    plan: str, sample_rate: int, duration_ms: int, *, numpy: Literal[False] = False
) -> array[int]:
    """``duration_ms`` (at most one hour) of a call-progress tone as mono int16 PCM; zeros
    after a plan that ends sooner.

    ``plan`` is a built-in tone by name, ``region/tone`` with region "us" (North American
    Precise Tone Plan) or "europe" (CEPT/ITU-T E.180) and tone "dial", "ringback", "busy",
    "congestion" or "call_waiting" (case-insensitive), or a tone plan in the engine's text
    form, e.g. "480+620/500,0/500;level=-24" (see docs/api-python.md).

    Raises MediaError for an unknown name, or for plan text the engine cannot read, with the
    byte position of the problem ("tone plan is invalid at byte 14: ...").
    """

@overload
def generate_tone(
    plan: str, sample_rate: int, duration_ms: int, *, numpy: Literal[True]
) -> Any:
    """``generate_tone`` into a numpy int16 array."""

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

class RemoteBye(TypedDict):
    type: Literal["remote_bye"]
    ssrc: int
    reason: Optional[str]

class QualityReport(TypedDict):
    """An ITU-T G.107 E-model estimate of the call as heard here, for the packets received
    since the previous one."""

    r: float
    mos: float
    packet_loss_percent: float
    burst_ratio: float
    one_way_delay_ms: float
    jitter_buffer_delay_ms: float
    packets: int

class Quality(QualityReport):
    type: Literal["quality"]

class DtmfStarted(TypedDict):
    """An RFC 4733 telephone-event began (its end comes as "dtmf")."""

    type: Literal["dtmf_started"]
    digit: str

DigitSource = Literal["rfc4733", "in_band", "signalling"]

class Dtmf(TypedDict):
    """A digit ended: from a telephone-event, the in-band detector or signalling."""

    type: Literal["dtmf"]
    digit: str
    duration_ms: int
    source: DigitSource

CollectReason = Literal[
    "terminator",
    "max_digits",
    "first_digit_timeout",
    "inter_digit_timeout",
    "overall_timeout",
    "cancelled",
]

class DigitsCollected(TypedDict):
    """A digit collection ended. ``ended_at_us`` is the ending digit's time, the deadline
    for timeouts or the time given to ``cancel_digit_collection``."""

    type: Literal["digits_collected"]
    digits: str
    reason: CollectReason
    terminator: Optional[str]
    min_digits_met: bool
    ended_at_us: int

class PlaybackStarted(TypedDict):
    """A prompt's first sample was played."""

    type: Literal["playback_started"]
    id: int

class PlaybackFinished(TypedDict):
    """A prompt played to its end."""

    type: Literal["playback_finished"]
    id: int

class PlaybackInterrupted(TypedDict, total=False):
    """A prompt was stopped ("stopped"), replaced ("replaced"), stopped by a DTMF digit
    ("dtmf", with ``digit``) or by the remote party's speech ("speech", with
    ``VoiceSettings(barge_in_on_speech=True)``), or taken from the queue before it started
    (``started`` false)."""

    type: Literal["playback_interrupted"]
    id: int
    reason: Literal["stopped", "replaced", "dtmf", "speech"]
    started: bool
    digit: str

PlaybackEvent = Union[PlaybackStarted, PlaybackFinished, PlaybackInterrupted]

class PlayCollectResult(TypedDict):
    """How a play-and-collect ended: "digits" or "terminator" (a valid entry), "timeout"
    (no digits in the last attempt), "max_retries" (an invalid entry in the last attempt)
    or "cancelled"."""

    reason: Literal["digits", "terminator", "timeout", "max_retries", "cancelled"]
    digits: str
    terminator: Optional[str]
    attempts: int
    collect_reason: Optional[CollectReason]
    ended_at_us: int

class PlayCollectDone(PlayCollectResult):
    """A play-and-collect started with ``MediaSession.play_and_collect`` ended."""

    type: Literal["play_collect_done"]

class RecordingSummary(TypedDict):
    """What a recording holds."""

    duration_ms: float
    bytes: int
    sample_rate: int
    channels: int
    format: Literal["wav", "ogg-opus"]

class RecordingLimitReached(RecordingSummary):
    """The session's recording reached ``max_duration_ms`` ("duration") or ``max_bytes``
    ("size"): it is complete up to there and records no more; collect it with
    ``stop_recording``."""

    type: Literal["recording_limit_reached"]
    limit: Literal["duration", "size"]

class RecordingFailed(TypedDict):
    """The recording's file failed; it holds what was written up to its last checkpoint."""

    type: Literal["recording_failed"]
    message: str

class RecorderLimitReached(RecordingSummary):
    """A Recorder reached a limit."""

    type: Literal["limit_reached"]
    limit: Literal["duration", "size"]

class PromptInfo(TypedDict):
    """What a decoded file held: format ("WAV", "MP3", "FLAC", "Ogg Vorbis", "Ogg Opus") and
    its own rate, channels and length."""

    format: str
    source_rate: int
    source_channels: int
    source_frames: int

class CacheStats(TypedDict):
    entries: int
    bytes: int
    hits: int
    misses: int
    evictions: int

VoiceDirection = Literal["capture", "playout"]
VoiceStage = Literal[
    "echo_cancellation", "noise_suppression", "gain_control", "vad", "level_meter",
    "comfort_noise",
]

class VoiceTalkStarted(TypedDict):
    """A session's VAD heard talk start: the local talker on "capture", the remote one on
    "playout"; ``at_us`` is the media time of the first 10 ms judged to be speech."""

    type: Literal["talk_started"]
    direction: VoiceDirection
    at_us: int

class VoiceTalkStopped(TypedDict):
    """Talk stopped: the VAD's hangover after the last speech ran out at ``at_us``."""

    type: Literal["talk_stopped"]
    direction: VoiceDirection
    at_us: int

class VoiceLevel(TypedDict):
    """A voice pipeline's level: RMS over about 300 ms and the peak held 1 s, in dBov."""

    rms_dbov: float
    peak_dbov: float

Event = Union[
    RemoteSourceStarted,
    RemoteSourceChanged,
    RtpTimeout,
    RtpResumed,
    RemoteBye,
    Quality,
    DtmfStarted,
    Dtmf,
    DigitsCollected,
    PlaybackStarted,
    PlaybackFinished,
    PlaybackInterrupted,
    PlayCollectDone,
    RecordingLimitReached,
    RecordingFailed,
    VoiceTalkStarted,
    VoiceTalkStopped,
]

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

class JitterStats(TypedDict):
    """The jitter buffer's counters; sample counts are at the session's sample rate."""

    packets_inserted: int
    packets_duplicate: int
    packets_late: int
    packets_overflow: int
    decode_errors: int
    samples_decoded: int
    samples_fec: int
    samples_concealed: int
    samples_comfort_noise: int
    samples_silence: int
    samples_accelerated: int
    samples_expanded: int
    samples_dropped: int
    underruns: int
    resumed_late: int
    resyncs: int

class RtcpStats(TypedDict):
    """RTCP figures (RFC 3550 A.1, A.3, A.8): reception of the remote source, round trip,
    the peer's last report on our stream, compounds in and out."""

    remote_ssrc: Optional[int]
    packets_expected: int
    packets_received: int
    cumulative_lost: int
    fraction_lost: float
    jitter: int
    jitter_ms: float
    rtt_ms: Optional[float]
    rtt_samples: int
    remote_fraction_lost: Optional[float]
    remote_cumulative_lost: Optional[int]
    remote_jitter_ms: Optional[float]
    reports_sent: int
    reports_received: int
    rtcp_rejected: int

JitterMode = Literal["adaptive", "fixed"]

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
        sample_rate: Optional[int] = None,
        jitter_mode: JitterMode = "adaptive",
        min_delay_ms: Optional[int] = None,
        max_delay_ms: Optional[int] = None,
        initial_delay_ms: Optional[int] = None,
        quality_interval_ms: Optional[int] = 5000,
        rtcp: bool = True,
        cname: Optional[str] = None,
        ntp_origin_unix_ms: Optional[int] = None,
        telephone_event_payload_type: Optional[int] = 101,
        detect_inband_dtmf: bool = False,
        dtmf_duration_ms: int = 100,
        dtmf_gap_ms: int = 100,
        dtmf_volume: int = 10,
        voice: Optional[VoiceSettings] = None,
        **opus: Unpack[OpusOptions],
    ) -> None:
        """Builds a session; ``payload_type=None`` uses the codec's static type (opus and
        L16 have none: give one), ``rtp_timeout_ms=None`` disables the RTP timeout and
        ``sample_rate=None`` runs at the codec's default rate. The Opus keyword arguments
        (``OpusOptions``) set an Opus session's encoder; the frame duration is ``ptime_ms``
        (10, 20, 40 or 60 for opus).

        The jitter buffer is "adaptive" (follows the network's jitter between
        ``min_delay_ms`` and ``max_delay_ms``, starting at ``initial_delay_ms``) or "fixed"
        (holds ``initial_delay_ms``); a delay left as None keeps the engine's default (the
        core's ``DelayConfig::default()``). A "quality" event comes every ``quality_interval_ms`` while RTP
        arrives (None or 0: never). ``rtcp=False`` sends no RTCP (received RTCP is still
        read); ``cname`` is the RTCP CNAME (None derives one from the seed) and
        ``ntp_origin_unix_ms`` the wall-clock time at ``now_us == 0`` for SR timestamps
        (None: the Unix epoch).

        RFC 4733 telephone-events use payload type ``telephone_event_payload_type`` both
        ways, on the codec's RTP clock (8000 Hz for G.711 and G.722, 48000 Hz for Opus);
        None sends and takes none. ``detect_inband_dtmf=True`` also looks for DTMF tones in
        the received audio (8 and 16 kHz sessions); both kinds come as "dtmf" events.
        Digits given to ``send_dtmf`` last ``dtmf_duration_ms`` (1 to 600000) with
        ``dtmf_gap_ms`` (at most 60000) between them, at volume ``dtmf_volume`` (dBm0 below
        0, 0 to 63; larger is quieter).
        ``voice`` turns voice processing stages on (see ``VoiceSettings``; None: all off).
        Raises MediaError for a configuration that cannot work (e.g. delays out of order).
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
        """Lets the session act on time passing (the RTP inactivity timeout, the RTCP
        timer, the quality report)."""
    def stats(self) -> SessionStats:
        """Every counter of the session, by name."""
    def jitter_stats(self) -> JitterStats:
        """Every counter of the jitter buffer, by name."""
    def playout_delay_ms(self) -> Optional[float]:
        """The delay the jitter buffer added to the last frame played, in milliseconds;
        None before playout starts or during the sender's silence."""
    def target_delay_ms(self) -> float:
        """The delay the jitter buffer aims for now, in milliseconds."""
    def quality(self) -> Optional[QualityReport]:
        """The last quality estimate (what the last "quality" event said), or None."""
    def handle_rtcp(self, now_us: int, datagram: Payload) -> None:
        """Takes one received RTCP compound; raises MediaError if it is malformed (counted
        in ``rtcp_stats()["rtcp_rejected"]``; nothing else changes). A BYE from the remote
        source becomes a "remote_bye" event."""
    def poll_rtcp(self, now_us: int) -> Optional[bytes]:
        """The RTCP compound to send now, if one is due (each is returned once), or None.
        Call it after ``handle_timeout``."""
    def close(self, now_us: int, reason: Optional[str] = None) -> None:
        """Leaves the session: a BYE with ``reason`` is queued for ``poll_rtcp`` (none
        when RTCP is off or nothing was ever sent). Raises MediaError for a reason longer
        than 255 bytes."""
    def send_dtmf(self, digits: str) -> None:
        """Queues DTMF digits ("0"-"9", "*", "#", "A"-"D") to send as RFC 4733
        telephone-events, 100 ms each with 100 ms between them, in place of the captured
        audio: keep calling ``push_capture`` (with silence if need be) while they go out.
        Raises MediaError, queueing nothing, for a character that is not a digit, a full
        queue or a session without a telephone-event payload type."""
    def is_sending_dtmf(self) -> bool:
        """Whether telephone-events are being sent (captured audio is held back meanwhile)."""
    def collect_digits(
        self,
        now_us: int,
        min_digits: int = 1,
        max_digits: int = 20,
        terminators: str = "#",
        first_digit_timeout_ms: Optional[int] = 5000,
        inter_digit_timeout_ms: Optional[int] = 3000,
        overall_timeout_ms: Optional[int] = None,
    ) -> None:
        """Starts collecting digits (telephone-events, in-band and signalled alike) until a
        key of ``terminators`` (reported apart, not among the digits), ``max_digits`` (1 to
        64) digits or a timeout; the result comes as a "digits_collected" event, whose
        ``min_digits_met`` says whether ``min_digits`` were reached. A timeout of None is
        off. A collection under way is replaced. Raises MediaError for a configuration the
        engine refuses (e.g. a zero timeout)."""
    def cancel_digit_collection(self, now_us: int) -> None:
        """Ends the collection under way, if any, with reason "cancelled"."""
    def push_signalled_digit(self, now_us: int, digit: str) -> None:
        """A digit the call's signalling carried (e.g. SIP INFO), as a one-character string:
        reported as a "dtmf" event (source "signalling", duration 0) and collected like any
        other. Raises MediaError for anything but one DTMF key."""
    def play_prompt(self, prompt: Prompt, options: Optional[PlayOptions] = None) -> int:
        """Plays ``prompt`` (mono, at the session's rate) to the remote party in place of the
        captured audio, replacing what plays or waits; returns its id for the playback
        events. Raises MediaError for a prompt of another layout."""
    def enqueue_prompt(self, prompt: Prompt, options: Optional[PlayOptions] = None) -> int:
        """Plays ``prompt`` after the prompts playing or waiting; returns its id."""
    def stop_playback(self) -> bool:
        """Stops the prompts; returns whether any played or waited."""
    def is_playing(self) -> bool:
        """Whether a prompt plays or waits."""
    def play_and_collect(self, now_us: int, config: PlayCollectConfig) -> None:
        """Starts a play-and-collect (replacing one under way); its result comes as a
        "play_collect_done" event. While it runs it takes every digit."""
    def cancel_play_and_collect(self, now_us: int) -> None:
        """Ends the play-and-collect under way with reason "cancelled"."""
    def is_play_collecting(self) -> bool:
        """Whether a play-and-collect is under way."""
    def start_recording(
        self, now_us: int, options: RecordOptions, path: Optional[str] = None
    ) -> None:
        """Records the call into memory, or into a new file at ``path``: the remote party as
        heard is leg 0 (left in stereo, the only leg in mono), what the session sends (capture
        or prompts) leg 1. Raises MediaError when already recording."""
    def pause_recording(self, now_us: int) -> None:
        """Pauses the recording (skip or silence, per its options)."""
    def resume_recording(self, now_us: int) -> None:
        """Resumes the recording."""
    def stop_recording(self, now_us: int) -> tuple[Optional[bytes], RecordingSummary]:
        """Completes the recording: the file's bytes (None for a file on disk) and a
        summary. Raises MediaError when not recording."""
    def is_recording(self) -> bool:
        """Whether a recording runs (also after a limit, until ``stop_recording``)."""
    def recording_duration_ms(self) -> Optional[float]:
        """Audio recorded so far, or None."""
    def voice_settings(self) -> VoiceSettings:
        """The voice settings in force: the constructor's, with the stages switched since."""
    def voice_stage(self, direction: VoiceDirection, stage: VoiceStage) -> bool:
        """Whether ``stage`` runs on ``direction``."""
    def set_voice_stage(self, direction: VoiceDirection, stage: VoiceStage, on: bool) -> None:
        """Switches one voice stage while the call runs (built when first switched on; one
        switched off keeps what it learnt). Raises MediaError, changing nothing, for a stage
        that path does not have, comfort noise without the capture VAD or on a session
        whose RTP clock is not 8 kHz, or switching off a VAD that comfort noise or barge-in
        needs."""
    def set_barge_in_on_speech(self, on: bool) -> None:
        """Whether the remote party's speech stops an interruptible prompt; raises
        MediaError when turning it on while the playout VAD is off."""
    def voice_level(self, direction: VoiceDirection) -> Optional[VoiceLevel]:
        """``direction``'s level while its level meter is on, else None."""
    def is_talking(self, direction: VoiceDirection) -> bool:
        """Whether ``direction``'s VAD hears voice now (False while it is off)."""
    def rtcp_stats(self) -> RtcpStats:
        """RTCP figures: reception of the remote source, round trip, reports in and out."""

class TalkStarted(TypedDict):
    type: Literal["talk_started"]
    participant: int

class TalkStopped(TypedDict):
    type: Literal["talk_stopped"]
    participant: int

class ActiveSpeaker(TypedDict):
    """The loudest talker changed; None when the active speaker left and nobody talks."""

    type: Literal["active_speaker"]
    participant: Optional[int]

class MediaFailed(TypedDict):
    """A participant's media (None: a group's common mix) failed in one tick."""

    type: Literal["media_failed"]
    participant: Optional[int]
    message: str

# A participant's session events are the session's dicts with a "participant" key added.
ConferenceEvent = Union[
    TalkStarted,
    TalkStopped,
    ActiveSpeaker,
    Event,
    RecordingLimitReached,
    RecordingFailed,
    MediaFailed,
]

class ParticipantOptions(TypedDict):
    input_gain_db: float
    output_gain_db: float
    muted: bool
    deaf: bool
    listen_only: bool
    whisper_to: list[int]
    exclude: list[int]

class ConferenceStats(TypedDict):
    ticks: int
    ticks_skipped: int
    shared_encodes: int
    shared_sends: int
    own_encodes: int
    events_dropped: int

class SessionOptions(OpusOptions, total=False):
    """The keyword arguments of ``MediaSession(...)`` after ``codec``."""

    seed: int
    payload_type: Optional[int]
    ptime_ms: int
    rtp_timeout_ms: Optional[int]
    sample_rate: Optional[int]
    jitter_mode: JitterMode
    min_delay_ms: Optional[int]
    max_delay_ms: Optional[int]
    initial_delay_ms: Optional[int]
    quality_interval_ms: Optional[int]
    rtcp: bool
    cname: Optional[str]
    ntp_origin_unix_ms: Optional[int]
    telephone_event_payload_type: Optional[int]
    detect_inband_dtmf: bool
    dtmf_duration_ms: int
    dtmf_gap_ms: int
    dtmf_volume: int
    voice: Optional[VoiceSettings]

class VoiceSettings:
    """Which voice stages run on a session's capture (before encoding: echo cancellation,
    noise suppression, gain control, VAD, level meter, comfort noise) and playout (after
    decoding: noise suppression, gain control, VAD, level meter), and their settings."""

    def __init__(
        self,
        *,
        capture: list[VoiceStage] = [],
        playout: list[VoiceStage] = [],
        gain_target_dbov: float = -26.0,
        vad_hangover_ms: int = 200,
        sid_interval_ms: int = 500,
        barge_in_on_speech: bool = False,
        echo_engine: Literal["aec3", "mdf"] = "aec3",
    ) -> None:
        """``capture``/``playout``: the stages to run (echo cancellation and comfort noise
        on capture only; comfort noise needs the capture "vad", ``barge_in_on_speech`` the
        playout "vad"). ``gain_target_dbov``: -60 to -3; ``vad_hangover_ms``: at most
        60000; ``sid_interval_ms``: 20 to 10000, how often a comfort-noise SID is repeated
        (and at once when the background moves 3 dB). ``echo_engine``: "aec3" (WebRTC AEC3:
        relearns a changed echo path within 0.25 s, but cuts the near end while both talk) or
        "mdf" (ours: keeps the near end while both talk, about as much echo removed, relearns
        a changed path in 1 to 3 s).
        Raises MediaError otherwise."""
    @property
    def capture(self) -> list[VoiceStage]:
        """The capture stages on, in pipeline order."""
    @property
    def playout(self) -> list[VoiceStage]:
        """The playout stages on, in pipeline order."""
    @property
    def gain_target_dbov(self) -> float: ...
    @property
    def vad_hangover_ms(self) -> float: ...
    @property
    def sid_interval_ms(self) -> float: ...
    @property
    def barge_in_on_speech(self) -> bool: ...
    @property
    def echo_engine(self) -> Literal["aec3", "mdf"]: ...

class Conference:
    """Participants that are sessions (each with its own codec, rate and packet time) mixed
    by one clock: each hears everyone but itself, the loudest ``max_talkers`` at once.

    Drive it with ``handle_rtp(now_us, id, datagram)`` for each participant's datagrams,
    ``tick(now_us)`` at ``poll_timeout()``, then ``poll_transmit``/``poll_rtcp`` until None
    (each gives ``(id, datagram)``) and ``poll_event`` until None.
    """

    def __init__(
        self,
        sample_rate: int = 16000,
        tick_ms: int = 20,
        max_talkers: int = 4,
        max_participants: int = 1000,
        *,
        talk_on_dbov: float = -40.0,
        talk_off_dbov: float = -45.0,
        attack_ms: int = 40,
        hangover_ms: int = 600,
        switch_margin_db: float = 3.0,
        active_hold_ms: int = 500,
        smoothing_ms: int = 200,
    ) -> None:
        """A conference mixing at ``sample_rate`` (8000, 16000 or 48000 Hz) in ticks of
        ``tick_ms`` (10 to 60, in steps of 10). A participant starts talking after
        ``attack_ms`` at or above ``talk_on_dbov`` and stops after ``hangover_ms`` below
        ``talk_off_dbov``; another talker takes the active speaker's place when
        ``switch_margin_db`` louder (levels smoothed over ``smoothing_ms``) and the active
        speaker has held it ``active_hold_ms``. Raises MediaError for a value out of range."""
    def add_participant(
        self,
        codec: str,
        *,
        input_gain_db: float = 0.0,
        output_gain_db: float = 0.0,
        muted: bool = False,
        deaf: bool = False,
        listen_only: bool = False,
        whisper_to: Optional[list[int]] = None,
        exclude: Optional[list[int]] = None,
        **session: Unpack[SessionOptions],
    ) -> int:
        """Adds a participant whose session is ``MediaSession(codec, **session)``; returns
        its id (never reused). Gains are -60 to 12 dB; a muted participant is not heard, a
        deaf one hears nothing, a listen-only one is never heard nor talking; ``whisper_to``
        makes it heard by those alone, ``exclude`` lists who it does not hear. Raises
        MediaError for a session that cannot be built, options out of range or a full
        conference."""
    def remove_participant(self, now_us: int, participant: int) -> MediaSession:
        """Removes a participant and hands back its session (to close it, read its
        counters). Raises MediaError for an id not present."""
    def participants(self) -> list[int]:
        """The participants present, in the order they joined."""
    def __len__(self) -> int: ...
    def options(self, participant: int) -> Optional[ParticipantOptions]:
        """A participant's options, or None for an id not present."""
    def set_muted(self, participant: int, muted: bool) -> None: ...
    def set_deaf(self, participant: int, deaf: bool) -> None: ...
    def set_listen_only(self, participant: int, listen_only: bool) -> None: ...
    def set_input_gain_db(self, participant: int, db: float) -> None: ...
    def set_output_gain_db(self, participant: int, db: float) -> None: ...
    def set_whisper_to(self, participant: int, targets: list[int]) -> None:
        """Makes the participant heard only by ``targets`` (empty: by everyone again)."""
    def set_exclude(self, participant: int, excluded: list[int]) -> None:
        """Sets who the participant does not hear."""
    def active_speaker(self) -> Optional[int]:
        """The active speaker, or None."""
    def is_talking(self, participant: int) -> bool: ...
    def level_dbov(self, participant: int) -> Optional[float]:
        """The participant's level over the last tick in dBov, or None."""
    def stats(self) -> ConferenceStats: ...
    def handle_rtp(self, now_us: int, participant: int, datagram: Payload) -> None:
        """Takes a datagram from the participant; raises MediaError if it is rejected or
        the id is not present."""
    def handle_rtcp(self, now_us: int, participant: int, datagram: Payload) -> None: ...
    def tick(self, now_us: int) -> None:
        """Runs the mix clock up to ``now_us``: every tick due (the first call starts it; a
        host more than five ticks late skips the oldest)."""
    def poll_timeout(self) -> Optional[int]:
        """When the next tick is due, or None before the first ``tick``."""
    def poll_transmit(self, now_us: int) -> Optional[tuple[int, bytes]]:
        """The next RTP datagram to send and to whom, or None when all are drained."""
    def poll_rtcp(self, now_us: int) -> Optional[tuple[int, bytes]]:
        """The next RTCP compound to send and to whom, or None."""
    def poll_event(self) -> Optional[ConferenceEvent]:
        """The next event, oldest first, or None."""
    def start_recording(
        self, now_us: int, options: RecordOptions, path: Optional[str] = None
    ) -> None:
        """Records the common mix into memory, or a new file at ``path``; ``options`` must
        have layout "mono". Raises MediaError when already recording."""
    def pause_recording(self, now_us: int) -> None: ...
    def resume_recording(self, now_us: int) -> None: ...
    def stop_recording(self, now_us: int) -> tuple[Optional[bytes], RecordingSummary]:
        """Completes the recording: the file's bytes (None for a file on disk) and a
        summary. Raises MediaError when not recording."""
    def is_recording(self) -> bool: ...
    def recording_duration_ms(self) -> Optional[float]: ...

class Prompt:
    """Decoded prompt audio (interleaved int16) at one rate and channel count, immutable;
    copies share one set of samples."""

    @staticmethod
    def from_samples(sample_rate: int, pcm: Pcm, channels: int = 1) -> Prompt:
        """A prompt from interleaved samples; raises MediaError for a rate outside
        8000-192000 Hz, a channel count other than 1 or 2, or a partial frame."""
    @staticmethod
    def decode(
        data: Payload,
        sample_rate: int,
        channels: int = 1,
        hint: Optional[str] = None,
        max_seconds: Optional[float] = None,
        max_input_bytes: Optional[int] = None,
    ) -> Prompt:
        """Decodes a whole prompt file (WAV PCM/float/µ-law/A-law, MP3, FLAC, Ogg Vorbis, Ogg
        Opus), converted to ``sample_rate`` (8000-48000) and ``channels``; ``hint`` is a file
        extension. Limits default to 30 minutes of audio and 64 MiB of input. Raises
        MediaError naming the problem for corrupt, truncated, unsupported or too long files."""
    @staticmethod
    def decode_info(
        data: Payload,
        sample_rate: int,
        channels: int = 1,
        hint: Optional[str] = None,
        max_seconds: Optional[float] = None,
        max_input_bytes: Optional[int] = None,
    ) -> tuple[Prompt, PromptInfo]:
        """``decode``, and what the file held."""
    @property
    def sample_rate(self) -> int:
        """The rate in Hz."""
    @property
    def channels(self) -> int:
        """1 or 2."""
    @property
    def frames(self) -> int:
        """Samples per channel."""
    @property
    def duration_ms(self) -> float:
        """How long it plays."""
    @overload
    def samples(self, *, numpy: Literal[False] = False) -> array[int]:
        """The interleaved samples."""
    @overload
    def samples(self, *, numpy: Literal[True]) -> Any:
        """The samples as a numpy int16 array."""
    def shares_samples_with(self, other: Prompt) -> bool:
        """Whether both hold one copy of the samples."""

class PlayOptions:
    """How a prompt plays."""

    def __init__(
        self,
        *,
        looping: bool = False,
        start_offset_ms: int = 0,
        gain_db: float = 0.0,
        interruptible: bool = True,
    ) -> None:
        """``looping``: again from the start until stopped (music on hold);
        ``start_offset_ms``: where the first pass starts; ``gain_db``: -60 to +20 dB;
        ``interruptible``: whether a DTMF digit stops it."""

class Player:
    """One call's prompt queue, read out frame by frame. Every playback ends with one event:
    "playback_finished" or "playback_interrupted"."""

    def __init__(self, sample_rate: int, channels: int = 1) -> None:
        """A player for audio at ``sample_rate`` Hz, 1 or 2 channels."""
    def play(self, prompt: Prompt, options: Optional[PlayOptions] = None) -> int:
        """Plays ``prompt`` now in place of what plays or waits; returns its id. Raises
        MediaError for a prompt of another layout, an empty prompt, a gain out of range or a
        start offset past the end."""
    def enqueue(self, prompt: Prompt, options: Optional[PlayOptions] = None) -> int:
        """Plays ``prompt`` after what plays or waits (at most 64 waiting); returns its id."""
    def stop(self) -> bool:
        """Stops everything; returns whether anything played or waited."""
    def barge_in(self, digit: str) -> bool:
        """A DTMF digit: stops the interruptible prompt playing and the interruptible ones
        queued after it; returns whether the one playing stopped."""
    @property
    def is_playing(self) -> bool:
        """Whether a prompt plays or waits."""
    @property
    def current(self) -> Optional[int]:
        """The id of the prompt playing."""
    @overload
    def fill(self, samples: int, *, numpy: Literal[False] = False) -> array[int]:
        """The next ``samples`` interleaved samples, silence after the last prompt."""
    @overload
    def fill(self, samples: int, *, numpy: Literal[True]) -> Any:
        """``fill`` into a numpy int16 array."""
    def poll_event(self) -> Optional[PlaybackEvent]:
        """The next event, oldest first."""

class PlayCollectConfig:
    """Prompts, collection, accepted entries and retries of a play-and-collect."""

    def __init__(
        self,
        prompts: list[Prompt],
        *,
        invalid_prompt: Optional[Prompt] = None,
        no_input_prompt: Optional[Prompt] = None,
        max_attempts: int = 1,
        accept: Optional[list[str]] = None,
        barge_in: bool = True,
        gain_db: float = 0.0,
        min_digits: int = 1,
        max_digits: int = 20,
        terminators: str = "#",
        first_digit_timeout_ms: Optional[int] = 5000,
        inter_digit_timeout_ms: Optional[int] = 3000,
        overall_timeout_ms: Optional[int] = None,
    ) -> None:
        """Each attempt plays ``prompts`` then collects; an entry not in ``accept`` (any entry
        when empty) plays ``invalid_prompt``, no entry plays ``no_input_prompt``, and the
        next attempt begins, up to ``max_attempts`` (1-10). Timeouts run from the end of the
        prompts. Raises MediaError for settings the engine refuses."""

class PlayAndCollect:
    """Prompts and digit collection with retries as one state machine, for hosts that drive
    it outside a MediaSession."""

    def __init__(self, sample_rate: int, channels: int = 1) -> None:
        """Prompts play at ``sample_rate`` Hz."""
    def start(self, now_us: int, config: PlayCollectConfig) -> None:
        """Starts at ``now_us``, replacing one under way (without a result)."""
    @overload
    def fill(self, now_us: int, samples: int, *, numpy: Literal[False] = False) -> array[int]:
        """The next ``samples`` of prompt audio; ``now_us`` is when the first one plays (the
        prompts advance only as they are read)."""
    @overload
    def fill(self, now_us: int, samples: int, *, numpy: Literal[True]) -> Any:
        """``fill`` into a numpy int16 array."""
    def push_digit(self, now_us: int, digit: str) -> bool:
        """A digit from any source; returns whether it was taken."""
    def handle_timeout(self, now_us: int) -> None:
        """Lets the collection's timeouts fire."""
    def poll_timeout(self) -> Optional[int]:
        """When to call ``handle_timeout`` next, or None."""
    def cancel(self, now_us: int) -> bool:
        """Ends it with reason "cancelled"; returns whether one was under way."""
    @property
    def is_active(self) -> bool:
        """Whether one is under way."""
    @property
    def is_prompting(self) -> bool:
        """Whether its prompts are playing."""
    def poll_result(self) -> Optional[PlayCollectResult]:
        """The result, once; None before the end."""

class PromptCache:
    """Decoded prompts shared by name and layout, so that every call playing one prompt
    shares one copy; the least recently used are dropped past ``max_bytes``."""

    def __init__(self, max_bytes: int = 64 << 20) -> None: ...
    def get_or_decode(
        self,
        key: str,
        sample_rate: int,
        data: Union[Payload, Any],
        channels: int = 1,
        max_seconds: Optional[float] = None,
    ) -> Prompt:
        """The prompt ``key`` at the layout; on a miss decoded from ``data`` (bytes, or a
        callable returning them, called only then; the key's extension is the format hint)
        and kept. Raises MediaError for a file that does not decode (nothing is kept)."""
    def get(self, key: str, sample_rate: int, channels: int = 1) -> Optional[Prompt]:
        """The prompt if held."""
    def insert(self, key: str, prompt: Prompt) -> bool:
        """Keeps ``prompt``; returns whether it fitted the budget."""
    def remove(self, key: str) -> int:
        """Drops every layout of ``key``; returns how many."""
    def clear(self) -> None:
        """Drops everything."""
    def stats(self) -> CacheStats:
        """Entries, bytes, hits, misses, evictions."""

class RecordOptions:
    """How to record."""

    def __init__(
        self,
        *,
        layout: Literal["mono", "stereo", "mixed-mono"] = "stereo",
        sample_rate: int = 8000,
        format: Literal["wav", "ogg-opus"] = "wav",
        opus_bitrate: int = 32000,
        pause_mode: Literal["skip", "silence"] = "silence",
        max_duration_ms: Optional[int] = None,
        max_bytes: Optional[int] = None,
        checkpoint_interval_ms: int = 1000,
        start_time: str = "",
        call_id: Optional[str] = None,
        legs: Optional[list[str]] = None,
        extra: Optional[list[tuple[str, str]]] = None,
    ) -> None:
        """Stereo puts leg 0 left and leg 1 right, mixed-mono sums them, mono takes leg 0.
        WAV at 8000-48000 Hz; Ogg Opus at 8000, 12000, 16000, 24000 or 48000 Hz. The file's
        sizes (WAV) or pages (Ogg) are written every ``checkpoint_interval_ms`` (10-1000) of
        audio, so a crash loses at most that much. The metadata is stored in the file (a WAV
        LIST/INFO chunk, Opus tags). Raises MediaError naming a bad setting."""
    @property
    def channels(self) -> int:
        """Channels of the recording."""

class Recorder:
    """Records legs of audio on the media timeline: each frame is placed by its ``now_us``,
    gaps become silence, a leg running ahead is cut back, and a leg that is late or has
    ended never holds the others back more than 200 ms."""

    def __init__(self, options: RecordOptions, now_us: int = 0, path: Optional[str] = None) -> None:
        """Starts recording at ``now_us`` into memory, or into a new file at ``path``."""
    def write(self, now_us: int, leg: int, pcm: Pcm, sample_rate: int, channels: int = 1) -> None:
        """Records ``pcm`` on ``leg``; ``now_us`` is when its first sample plays. Raises
        MediaError for a leg the layout lacks, an ended leg, a rate that cannot be converted
        or a stopped recording; nothing changes then."""
    def end_leg(self, now_us: int, leg: int) -> None:
        """The leg hung up: silence from here on."""
    def pause(self, now_us: int) -> None: ...
    def resume(self, now_us: int) -> None: ...
    def handle_timeout(self, now_us: int) -> None:
        """Lets time pass: silent legs get silence, checkpoints are written."""
    def poll_timeout(self) -> Optional[int]:
        """When to call ``handle_timeout`` next."""
    def poll_event(self) -> Optional[RecorderLimitReached]:
        """A limit reached (once), or None."""
    @property
    def duration_ms(self) -> float: ...
    @property
    def bytes_written(self) -> int: ...
    @property
    def is_paused(self) -> bool: ...
    @property
    def is_stopped(self) -> bool:
        """Stopped by a limit or a failing file."""
    def finish(self, now_us: int) -> tuple[Optional[bytes], RecordingSummary]:
        """Completes the file: its bytes (None for a file on disk) and a summary."""
