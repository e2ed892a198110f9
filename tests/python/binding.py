"""What the shared suites (codec_suite, transcoder_suite, session_suite,
session_receive_suite, dtmf, playback, record, conference and voice suites) ask of a binding.

bindings-python (module `mediacore`) and bindings-mobile (uniffi's generated
`mediacore_mobile`) expose the same engine with the same messages, but differ in how Opus
settings are passed (keyword arguments against an `OpusSettings` record), in properties
against getter methods, in argument order and in error types (one `MediaError` against one
subclass per domain). Each suite's conftest.py gives a `binding` fixture: a subclass of
`Binding` that answers the calls below for its module. PCM goes in as numpy int16 arrays,
which both bindings take.
"""


class Binding:
    """The calls both bindings answer alike; subclasses add the ones that differ."""

    # Opus settings by name, as the suites write them: the core's field names, with the
    # application as "voip" or "audio".
    OPUS_DEFAULTS = dict(application="voip", bitrate=24000, complexity=9, cbr=True,
                         inband_fec=False, expected_loss_percent=0, frame_ms=20)

    def __init__(self, module):
        self.module = module
        self.MediaError = module.MediaError

    def decoder(self, codec, rate, channels):
        return self.module.Decoder(codec, rate, channels)

    # Subclasses provide, with the exception types `CodecError`, `InvalidArgument`,
    # `RtpError` and `RtcpError` (subclasses of `MediaError`, or `MediaError` itself):
    #   encoder(codec, rate, channels, opus=None): an Encoder; `opus` is a dict of settings
    #   opus_settings(encoder): the settings in force as a dict, or None
    #   transcoder(input_codec, input_rate, input_channels, output_codec, output_rate,
    #              output_channels, output_ptime_ms=20, opus=None)
    #   session(codec, opus=None, **config): a MediaSession; config as bindings-python names it
    #   get(obj, name): the value of a property or getter method
    #   stat(session, name): one counter of `session.stats()`
    #   jitter_stats(session), rtcp_stats(session): the counters as a dict, in order
    #   quality(session): the last quality report as a dict (no "type" key), or None
    #   close(session, now_us, reason=None): the session's `close` (the core's name)
    #   prompt(rate, pcm, channels=1): a Prompt from int16 samples
    #   play_collect_config(prompts, **settings): a PlayCollectConfig; settings by the core's
    #       field names, the collection's flattened (min_digits, first_digit_timeout_ms, ...)
    #   playback_events(player): every queued Player event as a dict, as bindings-python
    #   play_collect_result(ivr): a PlayAndCollect's result as a dict, or None
    #   record_options(**settings): RecordOptions by the Python names (layout="stereo", ...)
    #   recorder(options, now_us, path=None): a Recorder into memory or a new file
    #   finish(recorder, now_us), stop_recording(session, now_us): (bytes or None, summary
    #       dict with duration_ms, bytes, sample_rate, channels, format)
    #   recorder_events(recorder): its events as dicts ({"type": "limit_reached", ...})
    #   decode(data, rate, channels=1, hint=None, max_seconds=None): Prompt.decode
    #   cache_get_or_decode(cache, key, rate, data), cache_stats(cache): the PromptCache's
    #   conference(**config): a Conference by the Python names (sample_rate, tick_ms,
    #       max_talkers, max_participants, talk_on_dbov, ..., smoothing_ms)
    #   add_participant(conference, codec, **settings): a participant's id; settings are the
    #       session's (as `session` takes them) and the participant's options (input_gain_db,
    #       output_gain_db, muted, deaf, listen_only, whisper_to, exclude) mixed
    #   conference_transmit(conference, now_us): every datagram `poll_transmit` gives, as
    #       (participant, bytes) pairs
    #   conference_events(conference): its events as bindings-python's dicts, each with a
    #       "participant" (a session's event as `events` gives it, plus its participant)
    #   conference_stats(conference): its counters as a dict
    #   voice_settings(**settings): VoiceSettings by the Python names (capture=["vad", ...],
    #       playout, gain_target_dbov, vad_hangover_ms, sid_interval_ms, barge_in_on_speech)
    #   voice_settings_dict(session): the session's voice settings in force as a dict by those
    #       names, stages as lists of snake_case names
    #   set_voice_stage(session, direction, stage, on), voice_stage(session, direction,
    #       stage), is_talking(session, direction), set_barge_in_on_speech(session, on):
    #       directions and stages by their snake_case names
    #   voice_level(session, direction): {"rms_dbov", "peak_dbov"}, or None
    #   events(session): every queued event as a dict with a "type" key, as bindings-python
    #                    gives them (durations in ms, `None` for an absent BYE reason)
