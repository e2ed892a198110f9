"""Puts the generated Python binding and the shared test helpers and suites (tests/python) on
sys.path, and gives the `binding` fixture those suites run against.

scripts/test-mobile.sh generates the binding with uniffi-bindgen into
bindings-mobile/generated/python and copies libmediacore_mobile.so next to it;
MEDIACORE_MOBILE_PYTHON_DIR overrides where.
"""

import enum
import os
import pathlib
import sys

import pytest

GENERATED = pathlib.Path(
    os.environ.get(
        "MEDIACORE_MOBILE_PYTHON_DIR",
        pathlib.Path(__file__).resolve().parents[1] / "generated" / "python",
    )
)

if not (GENERATED / "mediacore_mobile.py").is_file():
    raise RuntimeError(
        f"no generated binding in {GENERATED}; run scripts/test-mobile.sh to build it"
    )
sys.path.insert(0, str(GENERATED))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tests" / "python"))

import mediacore_mobile as mc  # noqa: E402
from binding import Binding  # noqa: E402
from session_helpers import drain_events  # noqa: E402


def record_dict(record):
    """A uniffi record's fields by name, in declaration order."""
    return dict(vars(record))


def fields_dict(value):
    """The fields of a uniffi record or enum variant by name, enums (a digit's source, a
    collection's reason) as their snake_case names."""
    return {
        k: v.name.lower() if isinstance(v, enum.Enum) else v
        for k, v in vars(value).items()
        if not k.startswith("_")
    }


def event_dict(event, kinds=None, prefix=""):
    """A `MediaEvent` (or, with `kinds` and `prefix`, a `PlaybackEvent` or `RecorderEvent`)
    as bindings-python gives events: {"type": snake_case, ...fields}, a quality report's, a
    play-and-collect result's and a recording summary's fields inline, enums as their
    snake_case names, and a playback's `digit` only when a digit interrupted it."""
    kind = next(name for name in kinds or EVENT_KINDS if getattr(event, f"is_{name}")())
    fields = fields_dict(event)
    for nested in ("report", "result", "summary"):
        if nested in fields:
            fields.update(fields_dict(fields.pop(nested)))
    if kind.endswith("interrupted") and fields["digit"] is None:
        del fields["digit"]
    return {"type": prefix + kind, **fields}


EVENT_KINDS = ["remote_source_started", "remote_source_changed", "rtp_timeout", "rtp_resumed",
               "remote_bye", "quality", "dtmf_started", "dtmf", "digits_collected",
               "playback_started", "playback_finished", "playback_interrupted",
               "play_collect_done", "recording_limit_reached", "recording_failed",
               "talk_started", "talk_stopped", "other"]
PLAYBACK_EVENT_KINDS = ["started", "finished", "interrupted"]
RECORDER_EVENT_KINDS = ["limit_reached"]
CONFERENCE_EVENT_KINDS = ["talk_started", "talk_stopped", "active_speaker", "session",
                          "recording_limit_reached", "recording_failed", "media_failed",
                          "other"]
PARTICIPANT_OPTIONS = {"input_gain_db", "output_gain_db", "muted", "deaf", "listen_only",
                       "whisper_to", "exclude"}


def conference_event_dict(event):
    """A `ConferenceEvent` as bindings-python gives it: a session's event as `event_dict`
    gives it plus its "participant", the others as {"type": snake_case, ...fields}."""
    if event.is_session():
        return {**event_dict(event.event), "participant": event.participant}
    return event_dict(event, CONFERENCE_EVENT_KINDS)


def finished(recording):
    """A `FinishedRecording` as bindings-python gives it: (bytes or None, summary dict)."""
    return recording.bytes, record_dict(recording.summary)


def opus_settings(settings):
    """An `OpusSettings` record from settings by name ("voip"/"audio" for the application)."""
    settings = dict(settings)
    if "application" in settings:
        settings["application"] = mc.OpusApplication[settings["application"].upper()]
    return mc.OpusSettings(**settings)


class MobileBinding(Binding):
    """`mediacore_mobile`: Opus settings are an `OpusSettings` record (an Encoder takes them
    through `Encoder.new_opus`), accessors are methods and errors have one subclass per
    domain."""

    CodecError = mc.MediaError.Codec
    InvalidArgument = mc.MediaError.InvalidArgument
    RtpError = mc.MediaError.Rtp
    RtcpError = mc.MediaError.Rtcp

    def encoder(self, codec, rate, channels, opus=None):
        if opus is None:
            return mc.Encoder(codec, rate, channels)
        assert codec == "opus", "only an Opus encoder takes settings here"
        return mc.Encoder.new_opus(rate, channels, opus_settings(opus))

    def opus_settings(self, encoder):
        record = encoder.opus_settings()
        if record is None:
            return None
        settings = vars(record).copy()
        settings["application"] = record.application.name.lower()
        return settings

    def transcoder(self, input_codec, input_rate, input_channels, output_codec, output_rate,
                   output_channels, output_ptime_ms=20, opus=None):
        settings = None if opus is None else opus_settings(opus)
        return mc.Transcoder(input_codec, input_rate, input_channels, output_codec,
                             output_rate, output_channels, output_ptime_ms, settings)

    def session(self, codec, opus=None, **config):
        settings = None if opus is None else opus_settings(opus)
        return mc.MediaSession(codec, **config, opus=settings)

    def get(self, obj, name):
        return getattr(obj, name)()

    def stat(self, session, name):
        return getattr(session.stats(), name)

    def jitter_stats(self, session):
        return record_dict(session.jitter_stats())

    def rtcp_stats(self, session):
        return record_dict(session.rtcp_stats())

    def quality(self, session):
        report = session.quality()
        return None if report is None else record_dict(report)

    def close(self, session, now_us, reason=None):
        session.leave(now_us, reason)

    def events(self, session):
        return [event_dict(event) for event in drain_events(session)]

    def voice_settings(self, **settings):
        for path in ("capture", "playout"):
            settings[path] = [mc.VoiceStage[name.upper()] for name in settings.get(path, [])]
        if "echo_engine" in settings:
            settings["echo_engine"] = mc.EchoEngine[settings["echo_engine"].upper()]
        record = mc.VoiceSettings(**settings)
        record.validate()  # the record checks itself on request, Python's class when built
        return record

    def voice_settings_dict(self, session):
        fields = fields_dict(session.voice_settings())
        return {**fields, "capture": [s.name.lower() for s in fields["capture"]],
                "playout": [s.name.lower() for s in fields["playout"]],
                "echo_engine": fields["echo_engine"] or "aec3"}

    def set_voice_stage(self, session, direction, stage, on):
        session.set_voice_stage(mc.VoiceDirection[direction.upper()],
                                mc.VoiceStage[stage.upper()], on)

    def voice_stage(self, session, direction, stage):
        return session.voice_stage(mc.VoiceDirection[direction.upper()],
                                   mc.VoiceStage[stage.upper()])

    def voice_level(self, session, direction):
        level = session.voice_level(mc.VoiceDirection[direction.upper()])
        return None if level is None else record_dict(level)

    def is_talking(self, session, direction):
        return session.is_talking(mc.VoiceDirection[direction.upper()])

    def set_barge_in_on_speech(self, session, on):
        session.set_barge_in_on_speech(on)

    def prompt(self, rate, pcm, channels=1):
        return mc.Prompt.from_samples(rate, pcm, channels)

    def play_collect_config(self, prompts, **settings):
        config = mc.PlayCollectConfig(prompts=prompts, **settings)
        config.validate()  # the record checks itself on request, Python's class when built
        return config

    def playback_events(self, player):
        return [event_dict(event, PLAYBACK_EVENT_KINDS, "playback_")
                for event in drain_events(player)]

    def play_collect_result(self, ivr):
        result = ivr.poll_result()
        return None if result is None else fields_dict(result)

    def record_options(self, **settings):
        if "extra" in settings:
            settings["extra"] = [mc.KeyValue(key=k, value=v) for k, v in settings["extra"]]
        options = mc.RecordOptions(**settings)
        options.validate()  # the record checks itself on request, Python's class when built
        return options

    def recorder(self, options, now_us, path=None):
        return mc.Recorder(options, now_us, path)

    def finish(self, recorder, now_us):
        return finished(recorder.finish(now_us))

    def stop_recording(self, session, now_us):
        return finished(session.stop_recording(now_us))

    def recorder_events(self, recorder):
        return [event_dict(event, RECORDER_EVENT_KINDS) for event in drain_events(recorder)]

    def decode(self, data, rate, channels=1, hint=None, max_seconds=None):
        return mc.Prompt.decode(data, rate, channels, hint, max_seconds)

    def cache_get_or_decode(self, cache, key, rate, data):
        return cache.get_or_decode(key, rate, data)

    def cache_stats(self, cache):
        return record_dict(cache.stats())

    def conference(self, **config):
        return mc.Conference(mc.ConferenceOptions(**config))

    def add_participant(self, conference, codec, opus=None, **settings):
        options = {k: settings.pop(k) for k in list(settings) if k in PARTICIPANT_OPTIONS}
        session = mc.SessionSettings(
            codec=codec, opus=None if opus is None else opus_settings(opus), **settings)
        return conference.add_participant(session, mc.ParticipantOptions(**options))

    def conference_transmit(self, conference, now_us):
        out = []
        while (sent := conference.poll_transmit(now_us)) is not None:
            out.append((sent.participant, sent.datagram))
        return out

    def conference_events(self, conference):
        return [conference_event_dict(event) for event in drain_events(conference)]

    def conference_stats(self, conference):
        return record_dict(conference.stats())


@pytest.fixture
def binding():
    return MobileBinding(mc)
