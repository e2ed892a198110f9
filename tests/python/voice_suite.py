"""Voice processing in sessions, tested alike in both Python-facing bindings: settings and
their refusals, noise suppression and gain control changing what is sent, talk events and
levels both ways, RFC 3389 comfort noise in the capture's silence with the talkspurt's
marker on return, and barge-in on the remote party's speech.

bindings-python/tests/test_voice.py and bindings-mobile/tests/test_mobile_voice.py import
these tests; each takes the suite's `binding` fixture (see binding.py), whose voice calls
take directions and stages by their snake_case names.
"""

import numpy as np
import pytest

RATE = 8000
FRAME = 160
FRAME_US = 20_000


def speechlike(ms, amplitude, rate=RATE):
    """A voiced, speech-like signal: a 100-180 Hz buzz gliding in pitch, through two moving
    formant peaks, in syllables of about 170 ms with 50 ms gaps (the core's tests use the
    same). The engine's VAD hears it as speech from the first syllable."""
    t = np.arange(rate * ms // 1000) / rate
    f0 = 140.0 + 40.0 * np.sin(t * 2 * np.pi * 1.3)
    phase = np.cumsum(f0 / rate)
    syllable = np.mod(t * 4.5, 1.0)
    envelope = np.where(syllable < 0.75, np.sin(syllable / 0.75 * np.pi), 0.0)
    f1 = 700.0 + 200.0 * np.sin(t * 2 * np.pi * 2.1)
    f2 = 1600.0 + 400.0 * np.cos(t * 2 * np.pi * 1.7)
    voice = np.zeros_like(t)
    for h in range(1, 30):
        f = f0 * h
        gain = 1 / (1 + ((f - f1) / 150) ** 2) + 0.6 / (1 + ((f - f2) / 200) ** 2) + 0.05
        voice += np.where(f > rate / 2, 0.0, gain * np.sin(phase * 2 * np.pi * h))
    return (voice * amplitude * envelope).astype(np.int16)


def noise(n, rms, seed):
    return (np.random.default_rng(seed).uniform(-1, 1, n) * rms * np.sqrt(3)).astype(np.int16)


def dbov(x):
    power = np.mean(np.asarray(x, dtype=np.float64) ** 2)
    return 10 * np.log10(max(power, 1e-9) / 32767.0 ** 2)


def parse(datagram):
    """(payload type, marker, timestamp, payload) of an RTP packet without CSRCs."""
    d = bytes(datagram)
    return d[1] & 0x7F, bool(d[1] & 0x80), int.from_bytes(d[4:8], "big"), d[12:]


def capture(session, pcm, start_us=0):
    """Pushes `pcm` in 20 ms frames; returns every datagram sent, parsed."""
    sent = []
    for i in range(len(pcm) // FRAME):
        now = start_us + i * FRAME_US
        session.push_capture(now, pcm[i * FRAME:(i + 1) * FRAME])
        while (d := session.poll_transmit(now)) is not None:
            sent.append(parse(d))
    return sent


def sent_audio(binding, sent):
    decoder = binding.decoder("PCMU", RATE, 1)
    return np.concatenate([np.asarray(decoder.decode(p), dtype=np.int16)
                           for pt, _, _, p in sent if pt == 0])


def session(binding, **voice):
    return binding.session("PCMU", rtcp=False, quality_interval_ms=None,
                           voice=binding.voice_settings(**voice))


def test_voice_is_off_by_default_and_bad_settings_are_refused(binding):
    b = binding
    plain = b.session("PCMU")
    assert b.voice_settings_dict(plain) == {
        "capture": [], "playout": [], "gain_target_dbov": -26.0, "vad_hangover_ms": 200,
        "sid_interval_ms": 500, "barge_in_on_speech": False, "echo_engine": "aec3"}
    assert b.voice_level(plain, "capture") is None and not b.is_talking(plain, "playout")
    with pytest.raises(b.MediaError, match="echo_cancellation does not run on the playout"):
        session(b, playout=["echo_cancellation"])
    with pytest.raises(b.MediaError, match="comfort noise needs the capture VAD"):
        session(b, capture=["comfort_noise"])
    with pytest.raises(b.MediaError, match="barge-in on speech needs the playout VAD"):
        session(b, barge_in_on_speech=True)
    with pytest.raises(b.MediaError, match="sid_interval"):
        session(b, sid_interval_ms=5)
    with pytest.raises(b.MediaError, match="needs an 8000 Hz RTP clock"):
        b.session("opus", payload_type=111,
                  voice=b.voice_settings(capture=["vad", "comfort_noise"]))

    # Refused at runtime: nothing changes and the session goes on.
    s = session(b, capture=["vad", "comfort_noise"])
    with pytest.raises(b.MediaError, match="comfort noise needs the capture VAD"):
        b.set_voice_stage(s, "capture", "vad", False)
    with pytest.raises(b.MediaError, match="does not run on the playout path"):
        b.set_voice_stage(s, "playout", "comfort_noise", True)
    with pytest.raises(b.MediaError, match="playout VAD"):
        b.set_barge_in_on_speech(s, True)
    assert b.voice_settings_dict(s)["capture"] == ["vad", "comfort_noise"]
    assert b.voice_stage(s, "capture", "vad") and not b.voice_stage(s, "playout", "vad")
    assert capture(s, np.zeros(FRAME * 3, dtype=np.int16))


def test_the_echo_canceller_is_chosen_by_name(binding):
    b = binding
    aec3 = session(b, capture=["echo_cancellation"])
    mdf = session(b, capture=["echo_cancellation"], echo_engine="mdf")
    assert b.voice_settings_dict(aec3)["echo_engine"] == "aec3"
    assert b.voice_settings_dict(mdf)["echo_engine"] == "mdf"
    # With nothing played out, ours passes the near end through untouched, 10 ms late
    # (its suppressor's overlap); AEC3 high-passes it and is not 10 ms late.
    pcm = speechlike(2000, 8000.0)
    plain = sent_audio(b, capture(session(b), pcm))
    lag = RATE // 100
    ours = sent_audio(b, capture(mdf, pcm))
    assert np.corrcoef(ours[lag:].astype(float), plain[:-lag].astype(float))[0, 1] > 0.999
    theirs = sent_audio(b, capture(aec3, pcm))
    assert np.corrcoef(theirs[lag:].astype(float), plain[:-lag].astype(float))[0, 1] < 0.99
    # An unknown engine is refused (a typed binding cannot name one: its enum refuses it).
    with pytest.raises((b.MediaError, KeyError), match="unknown echo engine|NLMS"):
        session(b, echo_engine="nlms")


def test_noise_suppression_lowers_noise_and_switches_at_runtime(binding):
    b = binding
    pcm = noise(RATE * 4, 1000.0, 7)  # -30 dBov
    off = sent_audio(b, capture(session(b), pcm))
    s = session(b, capture=["noise_suppression"])
    on = sent_audio(b, capture(s, pcm))
    last = slice(RATE * 3, RATE * 4)
    assert abs(dbov(off[last]) - dbov(pcm[last])) < 0.5
    assert dbov(on[last]) < dbov(pcm[last]) - 10, "noise suppressed by at least 10 dB"
    b.set_voice_stage(s, "capture", "noise_suppression", False)
    again = sent_audio(b, capture(s, pcm[:RATE], start_us=4_000_000))
    assert abs(dbov(again) - dbov(pcm[:RATE])) < 0.5


def test_gain_control_raises_a_quiet_talker(binding):
    b = binding
    pcm = speechlike(6000, 250.0)
    tail = slice(RATE * 4, RATE * 6)
    s = session(b, capture=["gain_control"], gain_target_dbov=-20.0)
    out = sent_audio(b, capture(s, pcm))
    assert dbov(out[tail]) > dbov(pcm[tail]) + 10


def test_talk_events_and_levels_both_ways(binding):
    b = binding
    talker = session(b, capture=["vad", "level_meter"], vad_hangover_ms=300)
    listener = session(b, playout=["vad", "level_meter"])
    pcm = np.concatenate([speechlike(1000, 3000.0), np.zeros(RATE, dtype=np.int16)])
    playout_talk = []
    for i in range(len(pcm) // FRAME):
        now = i * FRAME_US
        talker.push_capture(now, pcm[i * FRAME:(i + 1) * FRAME])
        while (d := talker.poll_transmit(now)) is not None:
            listener.handle_rtp(now, d)
        listener.pull_playout(now)
        playout_talk.append(b.is_talking(listener, "playout"))
    events = [e for e in b.events(talker) if e["type"].startswith("talk_")]
    assert [(e["type"], e["direction"]) for e in events] == [
        ("talk_started", "capture"), ("talk_stopped", "capture")]
    assert events[0]["at_us"] < 150_000
    assert 1_250_000 <= events[1]["at_us"] <= 1_450_000, "speech end + 300 ms hangover"
    heard = [e for e in b.events(listener) if e["type"].startswith("talk_")]
    assert heard[0]["type"] == "talk_started" and heard[0]["direction"] == "playout"
    assert any(playout_talk) and not playout_talk[-1]
    level = b.voice_level(talker, "capture")
    assert set(level) == {"rms_dbov", "peak_dbov"}
    # 1 s after the talk: the peak is still held, the 300 ms RMS has fallen by some 14 dB.
    assert -20 < level["peak_dbov"] < 0 and -45 < level["rms_dbov"] < -30, level
    assert b.voice_level(listener, "playout")["peak_dbov"] > -20
    assert b.voice_level(listener, "capture") is None, "no capture meter"


def test_comfort_noise_in_silence_and_a_marker_when_talk_returns(binding):
    b = binding
    s = session(b, capture=["vad", "comfort_noise"])
    pcm = np.concatenate([np.zeros(1600, dtype=np.int16), speechlike(1000, 3000.0),
                          np.zeros(RATE * 2, dtype=np.int16), speechlike(400, 3000.0)])
    pcm = pcm + noise(len(pcm), 60.0, 5)  # background at about -55 dBov
    sent = capture(s, pcm)
    kinds = "".join({(0, True): "M", (0, False): "a"}.get((pt, m), "S" if pt == 13 else "?")
                    for pt, m, _, _ in sent)
    spurts = kinds.split("M")
    assert len(spurts) == 4 and spurts[1] == "aS", kinds
    pause = spurts[2].lstrip("a")
    assert pause and set(pause) == {"S"} and 3 <= len(pause) <= 7, kinds
    assert set(spurts[3]) == {"a"}, kinds
    sids = [p for pt, _, _, p in sent if pt == 13]
    assert all(53 <= sid[0] <= 58 for sid in sids[1:]), "SID level byte: -dBov"
    assert all(len(sid) == 11 for sid in sids), "level and 10 reflection coefficients"
    # The timestamps follow the clock across the silence: talk returns at 3.2 s, and the
    # VAD hears it within a syllable's soft start.
    first_ts = sent[0][2]
    back = next(ts for pt, m, ts, _ in sent if m and ts - first_ts > 16000)
    assert 3200 * 8 <= back - first_ts <= 3300 * 8

    # Switched off in a silence: the audio comes back, marked.
    s = session(b, capture=["vad", "comfort_noise"])
    pcm = np.concatenate([speechlike(600, 3000.0), np.zeros(RATE, dtype=np.int16)])
    assert capture(s, pcm + noise(len(pcm), 60.0, 5))[-1][0] == 13
    b.set_voice_stage(s, "capture", "comfort_noise", False)
    assert b.voice_settings_dict(s)["capture"] == ["vad"]
    after = capture(s, noise(FRAME * 2, 60.0, 6), start_us=1_600_000)
    assert [(pt, m) for pt, m, _, _ in after] == [(0, True), (0, False)]


def test_speech_stops_an_interruptible_prompt_when_asked(binding):
    b = binding
    outcomes = []
    for barge_in in (True, False):
        ivr = session(b, playout=["vad"], barge_in_on_speech=barge_in)
        caller = session(b)
        ivr_id = ivr.play_prompt(b.prompt(RATE, np.full(RATE * 3, 1000, dtype=np.int16)), None)
        voice = np.concatenate([np.zeros(3200, dtype=np.int16), speechlike(1200, 3000.0)])
        silence = np.zeros(FRAME, dtype=np.int16)
        events = []
        for i in range(len(voice) // FRAME):
            now = i * FRAME_US
            caller.push_capture(now, voice[i * FRAME:(i + 1) * FRAME])
            ivr.push_capture(now, silence)
            while (d := caller.poll_transmit(now)) is not None:
                ivr.handle_rtp(now, d)
            while ivr.poll_transmit(now) is not None:
                pass
            ivr.pull_playout(now)
            events += [e for e in b.events(ivr) if e["type"].startswith("playback_")]
        outcomes.append(events)
        assert events[0] == {"type": "playback_started", "id": ivr_id}
    assert outcomes[0][1:] == [{"type": "playback_interrupted", "id": ivr_id,
                                "reason": "speech", "started": True}]
    assert outcomes[1][1:] == [], "without barge-in on speech the prompt plays on"
