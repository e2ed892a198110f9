"""Prompt playback and play-and-collect, tested alike in both Python-facing bindings: the
player's queue, loop, offset, gain and barge-in; play-and-collect's prompts, retries and
result; and in sessions, a prompt heard by the peer and a menu answered with RFC 4733 digits.

bindings-python/tests/test_playback.py and bindings-mobile/tests/test_mobile_playback.py
import these tests; each takes the suite's `binding` fixture (see binding.py), whose
`playback_events(player)` and `play_collect_result(ivr)` give dicts as bindings-python does.
"""

import numpy as np
import pytest

FRAME_US = 20_000


def level(ms, value, rate=8000):
    return np.full(ms * rate // 1000, value, dtype=np.int16)


def test_player_queue_loop_offset_and_gain(binding):
    b = binding
    player = b.module.Player(8000, 1)
    first = player.play(b.prompt(8000, np.arange(100, dtype=np.int16)), None)
    second = player.enqueue(b.prompt(8000, level(10, 1000)), b.module.PlayOptions(gain_db=-6.0206))
    out = list(player.fill(200))
    assert out[:100] == list(range(100))
    assert out[100:180] == [500] * 80, "the second prompt joins at -6 dB"
    assert out[180:] == [0] * 20
    assert b.playback_events(player) == [
        {"type": "playback_started", "id": first},
        {"type": "playback_finished", "id": first},
        {"type": "playback_started", "id": second},
        {"type": "playback_finished", "id": second},
    ]
    hold = player.play(b.prompt(8000, np.arange(100, dtype=np.int16)),
                       b.module.PlayOptions(looping=True, start_offset_ms=10))
    out = list(player.fill(220))
    assert out[:20] == list(range(80, 100)) and out[20:120] == list(range(100))
    assert b.get(player, "is_playing") and b.get(player, "current") == hold
    assert player.stop()
    assert b.playback_events(player)[-1] == {
        "type": "playback_interrupted", "id": hold, "reason": "stopped", "started": True}


def test_player_barge_in_and_refusals(binding):
    b = binding
    player = b.module.Player(8000, 1)
    notice = player.play(b.prompt(8000, level(100, 7)), b.module.PlayOptions(interruptible=False))
    menu = player.enqueue(b.prompt(8000, level(100, 9)), None)
    player.fill(160)
    assert not player.barge_in("1"), "the notice is not interruptible"
    player.fill(800)
    assert player.barge_in("1")
    events = b.playback_events(player)
    assert events[1] == {"type": "playback_finished", "id": notice}
    assert events[-1] == {"type": "playback_interrupted", "id": menu, "reason": "dtmf",
                          "started": True, "digit": "1"}
    with pytest.raises(b.InvalidArgument, match="16000 Hz"):
        player.play(b.prompt(16000, level(10, 1, 16000)), None)
    with pytest.raises(b.InvalidArgument, match="gain 40 dB is out of range"):
        player.play(b.prompt(8000, level(10, 1)), b.module.PlayOptions(gain_db=40.0))
    with pytest.raises(b.InvalidArgument, match="not a DTMF digit"):
        player.barge_in("x")
    with pytest.raises(b.MediaError, match="not a whole number of 2-channel frames"):
        b.prompt(8000, level(1, 1)[:3], channels=2)


def drive(ivr, now_us, ms):
    for _ in range(ms // 20):
        ivr.handle_timeout(now_us)
        ivr.fill(now_us, 160)
        now_us += FRAME_US
    return now_us


def test_play_and_collect_retries_and_reports(binding):
    b = binding
    menu = b.prompt(8000, level(500, 100))
    config = b.play_collect_config(
        [menu], invalid_prompt=b.prompt(8000, level(100, 300)), max_attempts=2,
        accept=["1", "2"], max_digits=1, first_digit_timeout_ms=2000)
    ivr = b.module.PlayAndCollect(8000, 1)
    ivr.start(0, config)
    assert b.get(ivr, "is_prompting")
    assert list(ivr.fill(0, 160))[:4] == [100] * 4
    now = drive(ivr, 20_000, 480)
    assert ivr.poll_timeout() == 500_000 + 2_000_000
    assert ivr.push_digit(now, "7"), "a digit that is not on the menu"
    assert b.play_collect_result(ivr) is None
    assert list(ivr.fill(now, 4)) == [300] * 4, "the invalid-input prompt"
    now = drive(ivr, now + FRAME_US, 600)
    assert ivr.push_digit(now, "2")
    assert b.play_collect_result(ivr) == {
        "reason": "digits", "digits": "2", "terminator": None, "attempts": 2,
        "collect_reason": "max_digits", "ended_at_us": now}
    assert not b.get(ivr, "is_active")
    with pytest.raises(b.InvalidArgument, match="max_attempts 0 is out of range"):
        b.play_collect_config([menu], max_attempts=0)


def call(caller, ivr, frames, start=0):
    """20 ms frames both ways; returns the RMS of each frame the caller hears."""
    heard = []
    silence = np.zeros(160, dtype=np.int16)
    for i in range(start, start + frames):
        now = i * FRAME_US
        caller.push_capture(now, silence)
        ivr.push_capture(now, silence)
        while (d := caller.poll_transmit(now)) is not None:
            ivr.handle_rtp(now, d)
        while (d := ivr.poll_transmit(now)) is not None:
            caller.handle_rtp(now, d)
        frame = np.asarray(caller.pull_playout(now), dtype=np.float64)
        heard.append(float(np.sqrt(np.mean(frame * frame))))
        ivr.pull_playout(now)
        ivr.handle_timeout(now)
    return heard


def test_a_session_plays_a_menu_and_collects_the_callers_choice(binding):
    b = binding
    caller = b.session("PCMU", seed=1, rtcp=False)
    ivr = b.session("PCMU", seed=2, rtcp=False)
    tone = (np.sin(np.arange(8000) * 0.3) * 8000).astype(np.int16)
    config = b.play_collect_config([b.prompt(8000, tone)], accept=["1", "2"], max_digits=1)
    ivr.play_and_collect(0, config)
    assert ivr.is_play_collecting()
    heard = call(caller, ivr, 30)
    assert all(r > 4000 for r in heard[5:30]), heard
    caller.send_dtmf("1")
    heard = call(caller, ivr, 20, start=30)
    assert all(r < 10 for r in heard[-5:]), "barge-in stopped the menu"
    done = [e for e in b.events(ivr) if e["type"] == "play_collect_done"]
    assert len(done) == 1 and done[0]["digits"] == "1" and done[0]["reason"] == "digits"
    played = ivr.play_prompt(b.prompt(8000, tone[:1600]), None)
    call(caller, ivr, 15, start=50)
    kinds = [(e["type"], e["id"]) for e in b.events(ivr) if e["type"].startswith("playback")]
    assert kinds == [("playback_started", played), ("playback_finished", played)]
    with pytest.raises(b.InvalidArgument, match="16000 Hz"):
        ivr.play_prompt(b.prompt(16000, tone), None)
