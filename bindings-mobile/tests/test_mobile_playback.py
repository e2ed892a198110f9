"""Prompts, the player and play-and-collect through the generated binding: the suite shared
with bindings-python (tests/python/playback_suite.py) and the uniffi types (records, enums)
the events and results are."""

import pytest

import mediacore_mobile as mc
from playback_suite import *  # noqa: F401,F403 (the shared tests, run against `binding`)


def test_prompts_are_objects_and_options_records():
    prompt = mc.Prompt.from_samples(16000, list(range(320)))
    assert (prompt.sample_rate(), prompt.channels(), prompt.frames()) == (16000, 1, 320)
    assert prompt.duration_ms() == 20.0
    assert prompt.samples()[-1] == 319 and prompt.shares_samples_with(prompt)
    assert mc.PlayOptions() == mc.PlayOptions(looping=False, start_offset_ms=0, gain_db=0.0,
                                              interruptible=True)
    player = mc.Player(16000)
    first = player.play(prompt)
    second = player.enqueue(prompt, mc.PlayOptions(interruptible=False))
    assert (player.current(), player.queued(), player.sample_rate()) == (first, 1, 16000)
    assert player.fill(320) == list(range(320))
    assert player.poll_event() == mc.PlaybackEvent.STARTED(id=first)
    assert player.poll_event() == mc.PlaybackEvent.FINISHED(id=first)
    assert player.stop()
    stopped = player.poll_event()
    assert stopped.is_interrupted() and stopped.reason is mc.InterruptReason.STOPPED
    assert (stopped.id, stopped.started, stopped.digit) == (second, False, None), "unplayed"
    assert player.events_dropped() == 0
    with pytest.raises(mc.MediaError.Playback, match="1 or 2 channels"):
        mc.Prompt.from_samples(8000, [0] * 3, 3)


def test_play_collect_config_is_a_record_and_its_result_carries_enums():
    config = mc.PlayCollectConfig(prompts=[])
    assert (config.max_attempts, config.accept, config.barge_in, config.terminators) == (
        1, [], True, "#")
    assert (config.first_digit_timeout_ms, config.inter_digit_timeout_ms,
            config.overall_timeout_ms) == (5000, 3000, None)
    config.validate()
    config.accept = ["1#"]
    with pytest.raises(mc.MediaError.InvalidArgument, match="terminator"):
        config.validate()
    session = mc.MediaSession("PCMU", quality_interval_ms=None)
    with pytest.raises(mc.MediaError.InvalidArgument, match="terminator"):
        session.play_and_collect(0, config)
    config.accept, config.max_digits = ["42"], 2
    session.play_and_collect(0, config)  # no prompts: collects at once
    assert session.is_play_collecting() and not session.is_playing()
    session.push_signalled_digit(10, "4")
    session.push_signalled_digit(20, "2")
    done = [e for e in iter(session.poll_event, None) if e.is_play_collect_done()]
    assert done == [mc.MediaEvent.PLAY_COLLECT_DONE(result=mc.PlayCollectResult(
        reason=mc.PlayCollectReason.DIGITS, digits="42", terminator=None, attempts=1,
        collect_reason=mc.CollectEndReason.MAX_DIGITS, ended_at_us=20))]
    session.play_and_collect(30, config)
    session.cancel_play_and_collect(40)
    (cancelled,) = [e for e in iter(session.poll_event, None) if e.is_play_collect_done()]
    assert cancelled.result.reason is mc.PlayCollectReason.CANCELLED
    assert (cancelled.result.digits, cancelled.result.ended_at_us) == ("", 40)
    ivr = mc.PlayAndCollect(8000)
    assert not ivr.is_active() and ivr.poll_result() is None and not ivr.cancel(0)
