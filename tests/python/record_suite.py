"""Recordings and prompt files, tested alike in both Python-facing bindings: the Recorder's
layouts, timeline, limits and formats (WAV read back with the standard library's `wave`, Ogg
Opus through our own decoder and, when installed, ffmpeg); prompt decoding and its errors; the
prompt cache; and a session recording a call in stereo.

bindings-python/tests/test_record.py and bindings-mobile/tests/test_mobile_record.py import
these tests; each takes the suite's `binding` fixture (see binding.py): `record_options(**kw)`
builds options by the Python names, `recorder(options, now_us, path=None)`,
`finish(recorder, now_us)` and `stop_recording(session, now_us)` give (bytes or None, summary
dict), `decode(data, rate, channels=1, hint=None, max_seconds=None)` a Prompt,
`recorder_events(recorder)` dicts.
"""

import io
import shutil
import subprocess
import wave

import numpy as np
import pytest

FRAME_US = 20_000


def sine(hz, ms, rate=8000, amplitude=8000.0, start=0):
    n = ms * rate // 1000
    t = (np.arange(n) + start) / rate
    return (np.sin(2 * np.pi * hz * t) * amplitude).astype(np.int16)


def tone_level(x, hz, rate):
    """Amplitude of `x` at `hz` (one DFT bin)."""
    x = np.asarray(x, dtype=np.float64)
    phase = 2 * np.pi * hz * np.arange(len(x)) / rate
    return 2 * abs(np.sum(x * np.exp(-1j * phase))) / len(x)


def read_wav(data):
    with wave.open(io.BytesIO(data), "rb") as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return w.getnchannels(), w.getframerate(), pcm


def wav_bytes(pcm, rate, channels=1):
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(pcm, dtype="<i2").tobytes())
    return out.getvalue()


def test_a_stereo_recording_keeps_each_leg_on_its_channel_and_gaps_as_silence(binding):
    b = binding
    options = b.record_options(layout="stereo", sample_rate=8000, call_id="abc-123",
                               start_time="2026-11-21T10:00:00Z", legs=["alice", "bob"])
    rec = b.recorder(options, 0)
    for i in range(100):
        now = i * FRAME_US
        rec.write(now, 0, sine(440, 20, start=i * 160), 8000)
        if not 40 <= i < 60:  # leg 1 lost 400 ms of packets
            rec.write(now, 1, sine(1000, 20, rate=16000, start=i * 320), 16000)
    data, summary = b.finish(rec, 100 * FRAME_US)
    assert summary == {"duration_ms": 2000.0, "bytes": len(data), "sample_rate": 8000,
                       "channels": 2, "format": "wav"}
    assert b"abc-123" in data and b"alice" in data, "metadata is in the file"
    channels, rate, pcm = read_wav(data)
    assert (channels, rate, len(pcm)) == (2, 8000, 32000)
    left, right = pcm[0::2], pcm[1::2]
    assert tone_level(left[800:15000], 440, 8000) > 7000
    assert tone_level(right[800:6000], 1000, 8000) > 7000, "resampled from 16 kHz"
    gap = right[40 * 160 + 100:60 * 160 - 100]
    assert np.max(np.abs(gap)) == 0, "the lost packets are silence of the right length"
    assert tone_level(right[60 * 160 + 200:], 1000, 8000) > 7000, "and the leg goes on aligned"


def test_limits_pause_and_bad_input(binding):
    b = binding
    rec = b.recorder(b.record_options(layout="mono", max_duration_ms=500, pause_mode="skip"), 0)
    with pytest.raises(b.MediaError, match="leg 1 does not exist"):
        rec.write(0, 1, sine(440, 20), 8000)
    with pytest.raises(b.MediaError):
        rec.write(0, 0, sine(440, 20), 11025)
    rec.write(0, 0, sine(440, 100), 8000)
    rec.pause(100_000)
    rec.write(100_000, 0, sine(440, 100), 8000)  # dropped while paused
    rec.resume(300_000)
    written = 0
    for i in range(30):
        try:
            rec.write(300_000 + i * FRAME_US, 0, sine(440, 20), 8000)
            written += 1
        except b.MediaError as err:
            assert "duration limit" in str(err)
            break
    assert 19 <= written <= 21, "100 ms before the pause and 400 ms after it fill the limit"
    events = b.recorder_events(rec)
    assert [(e["type"], e["limit"], e["duration_ms"]) for e in events] == [
        ("limit_reached", "duration", 500.0)]
    with pytest.raises(b.MediaError, match="duration limit"):
        rec.write(900_000, 0, sine(440, 20), 8000)
    data, summary = b.finish(rec, 1_000_000)
    assert summary["duration_ms"] == 500.0
    assert read_wav(data)[2].size == 4000
    with pytest.raises(b.MediaError, match="layout"):
        b.record_options(layout="quad")
    with pytest.raises(b.MediaError, match="sample_rate"):
        b.record_options(sample_rate=11025)


def test_an_ogg_opus_file_on_disk_decodes_back(binding, tmp_path):
    b = binding
    path = tmp_path / "call.opus"
    options = b.record_options(layout="mono", sample_rate=16000, format="ogg-opus",
                               opus_bitrate=24000, call_id="ogg-1")
    rec = b.recorder(options, 0, path=str(path))
    speechish = sine(300, 3000, rate=16000) // 2 + sine(1200, 3000, rate=16000) // 3
    for i in range(150):
        rec.write(i * FRAME_US, 0, speechish[i * 320:(i + 1) * 320], 16000)
    data, summary = b.finish(rec, 150 * FRAME_US)
    assert data is None and summary["format"] == "ogg-opus"
    raw = path.read_bytes()
    assert raw[:4] == b"OggS" and b"OpusHead" in raw and b"ogg-1" in raw
    assert summary["bytes"] == len(raw) < 16000 * 2 * 3 // 8, "compact"
    prompt = b.decode(raw, 16000, hint="opus")
    assert abs(b.get(prompt, "frames") - 48000) <= 320
    decoded = np.asarray(prompt.samples(), dtype=np.int16)
    assert tone_level(decoded[4000:44000], 300, 16000) > 2500
    if shutil.which("ffmpeg"):
        pcm = subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar",
             "16000", "-"], check=True, capture_output=True).stdout
        theirs = np.frombuffer(pcm, dtype="<i2")
        assert abs(len(theirs) - 48000) <= 320
        assert tone_level(theirs[4000:44000], 300, 16000) > 2500


def test_prompts_decode_from_files_and_bad_files_name_the_problem(binding):
    b = binding
    tone = sine(500, 1000, rate=16000)
    prompt = b.decode(wav_bytes(tone, 16000), 8000)
    assert (b.get(prompt, "sample_rate"), b.get(prompt, "frames")) == (8000, 8000)
    samples = np.asarray(prompt.samples(), dtype=np.int16)
    assert tone_level(samples[500:7500], 500, 8000) > 7500
    stereo = b.decode(wav_bytes(np.repeat(tone, 2), 16000, channels=2), 16000, channels=2)
    assert b.get(stereo, "channels") == 2
    with pytest.raises(b.MediaError, match="PNG image.*expected WAV"):
        b.decode(b"\x89PNG\r\n\x1a\n" + bytes(100), 8000)
    with pytest.raises(b.MediaError, match="(?i)empty"):
        b.decode(b"", 8000)
    with pytest.raises(b.MediaError, match="(?i)limit|too long"):
        b.decode(wav_bytes(tone, 16000), 8000, max_seconds=0.5)
    with pytest.raises(b.MediaError, match="(?i)truncat|corrupt|no audio|empty"):
        b.decode(wav_bytes(tone, 16000)[:30], 8000)


def test_the_prompt_cache_shares_one_copy(binding):
    b = binding
    cache = b.module.PromptCache(1 << 20)
    data = wav_bytes(sine(500, 500), 8000)
    first = b.cache_get_or_decode(cache, "welcome.wav", 8000, data)
    again = b.cache_get_or_decode(cache, "welcome.wav", 8000, b"not read on a hit")
    assert first.shares_samples_with(again)
    stats = b.cache_stats(cache)
    assert (stats["entries"], stats["hits"], stats["misses"]) == (1, 1, 1)
    assert stats["bytes"] == 8000
    with pytest.raises(b.MediaError):
        b.cache_get_or_decode(cache, "broken.wav", 8000, b"RIFF")
    assert cache.remove("welcome.wav") == 1


def test_a_session_records_the_call_in_stereo(binding):
    b = binding
    caller = b.session("PCMU", seed=1, rtcp=False)
    callee = b.session("PCMU", seed=2, rtcp=False)
    callee.start_recording(0, b.record_options(layout="stereo", call_id="s-1"))
    assert callee.is_recording()
    for i in range(150):
        now = i * FRAME_US
        caller.push_capture(now, sine(440, 20, start=i * 160))
        callee.push_capture(now, sine(1000, 20, amplitude=4000.0, start=i * 160))
        while (d := caller.poll_transmit(now)) is not None:
            callee.handle_rtp(now, d)
        while (d := callee.poll_transmit(now)) is not None:
            caller.handle_rtp(now, d)
        caller.pull_playout(now)
        callee.pull_playout(now)
        callee.handle_timeout(now)
    data, summary = b.stop_recording(callee, 150 * FRAME_US)
    assert not callee.is_recording() and summary["channels"] == 2
    channels, rate, pcm = read_wav(data)
    left, right = pcm[0::2], pcm[1::2]
    assert tone_level(left[8000:20000], 440, 8000) > 7000
    assert tone_level(left[8000:20000], 1000, 8000) < 100
    assert tone_level(right[8000:20000], 1000, 8000) > 3500
    assert tone_level(right[8000:20000], 440, 8000) < 100
    with pytest.raises(b.MediaError, match="not recording"):
        b.stop_recording(callee, 0)
