"""pytest configuration: the tests import the installed `mediacore` package (built with
`maturin develop`, see scripts/test-python.sh), never a source tree copy, and the helpers and
suites shared with the mobile binding's tests from tests/python. The `binding` fixture is
what those suites run against."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tests" / "python"))

import mediacore  # noqa: E402
from binding import Binding  # noqa: E402
from session_helpers import drain_events  # noqa: E402


class PythonBinding(Binding):
    """`mediacore`: Opus settings are keyword arguments, accessors are properties and every
    engine error is a MediaError."""

    CodecError = InvalidArgument = RtpError = RtcpError = mediacore.MediaError

    def encoder(self, codec, rate, channels, opus=None):
        return mediacore.Encoder(codec, rate, channels, **(opus or {}))

    def opus_settings(self, encoder):
        return encoder.opus_settings

    def transcoder(self, input_codec, input_rate, input_channels, output_codec, output_rate,
                   output_channels, output_ptime_ms=20, opus=None):
        return mediacore.Transcoder(
            input_codec, output_codec, input_rate=input_rate, input_channels=input_channels,
            output_rate=output_rate, output_channels=output_channels,
            output_ptime_ms=output_ptime_ms, **(opus or {}))

    def session(self, codec, opus=None, **config):
        return mediacore.MediaSession(codec, **config, **(opus or {}))

    def get(self, obj, name):
        return getattr(obj, name)

    def stat(self, session, name):
        return session.stats()[name]

    def jitter_stats(self, session):
        return session.jitter_stats()

    def rtcp_stats(self, session):
        return session.rtcp_stats()

    def quality(self, session):
        return session.quality()

    def close(self, session, now_us, reason=None):
        session.close(now_us, reason)

    def events(self, session):
        return drain_events(session)

    def voice_settings(self, **settings):
        return mediacore.VoiceSettings(**settings)

    def voice_settings_dict(self, session):
        v = session.voice_settings()
        return {name: getattr(v, name) for name in (
            "capture", "playout", "gain_target_dbov", "vad_hangover_ms", "sid_interval_ms",
            "barge_in_on_speech", "echo_engine")}

    def set_voice_stage(self, session, direction, stage, on):
        session.set_voice_stage(direction, stage, on)

    def voice_stage(self, session, direction, stage):
        return session.voice_stage(direction, stage)

    def voice_level(self, session, direction):
        return session.voice_level(direction)

    def is_talking(self, session, direction):
        return session.is_talking(direction)

    def set_barge_in_on_speech(self, session, on):
        session.set_barge_in_on_speech(on)

    def prompt(self, rate, pcm, channels=1):
        return mediacore.Prompt.from_samples(rate, pcm, channels)

    def play_collect_config(self, prompts, **settings):
        return mediacore.PlayCollectConfig(prompts, **settings)

    def playback_events(self, player):
        return drain_events(player)

    def play_collect_result(self, ivr):
        return ivr.poll_result()

    def record_options(self, **settings):
        return mediacore.RecordOptions(**settings)

    def recorder(self, options, now_us, path=None):
        return mediacore.Recorder(options, now_us, path)

    def finish(self, recorder, now_us):
        return recorder.finish(now_us)

    def stop_recording(self, session, now_us):
        return session.stop_recording(now_us)

    def recorder_events(self, recorder):
        return drain_events(recorder)

    def decode(self, data, rate, channels=1, hint=None, max_seconds=None):
        return mediacore.Prompt.decode(data, rate, channels, hint, max_seconds)

    def cache_get_or_decode(self, cache, key, rate, data):
        return cache.get_or_decode(key, rate, data)

    def cache_stats(self, cache):
        return cache.stats()

    def conference(self, **config):
        return mediacore.Conference(**config)

    def add_participant(self, conference, codec, **settings):
        return conference.add_participant(codec, **settings)

    def conference_transmit(self, conference, now_us):
        out = []
        while (sent := conference.poll_transmit(now_us)) is not None:
            out.append(sent)
        return out

    def conference_events(self, conference):
        return drain_events(conference)

    def conference_stats(self, conference):
        return conference.stats()


@pytest.fixture
def binding():
    return PythonBinding(mediacore)
