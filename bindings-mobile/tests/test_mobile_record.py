"""Recordings, prompt files and the prompt cache through the generated binding: the suite
shared with bindings-python (tests/python/record_suite.py) and the uniffi types (records,
enums, the Record error domain) they come as."""

import resource
import signal

import pytest

import mediacore_mobile as mc
from record_suite import *  # noqa: F401,F403 (the shared tests, run against `binding`)
from record_suite import FRAME_US, read_wav, sine, wav_bytes


def test_record_options_is_a_record_with_pythons_defaults():
    options = mc.RecordOptions()
    assert (options.layout, options.sample_rate, options.format, options.opus_bitrate,
            options.pause_mode) == ("stereo", 8000, "wav", 32000, "silence")
    assert (options.max_duration_ms, options.max_bytes, options.checkpoint_interval_ms) == (
        None, None, 1000)
    assert (options.start_time, options.call_id, options.legs, options.extra) == (
        "", None, [], [])
    options.validate()
    assert options.channels() == 2
    options.extra = [mc.KeyValue(key="a=b", value="c")]
    with pytest.raises(mc.MediaError.Record, match="metadata.extra"):
        options.validate()
    options.extra, options.format = [], "mp3"
    with pytest.raises(mc.MediaError.Record, match="expected wav or ogg-opus"):
        mc.Recorder(options)
    session = mc.MediaSession("PCMU", quality_interval_ms=None)
    with pytest.raises(mc.MediaError.Record, match="checkpoint_interval"):
        session.start_recording(0, mc.RecordOptions(checkpoint_interval_ms=5))
    assert not session.is_recording() and session.recording_duration_ms() is None
    with pytest.raises(mc.MediaError.Record, match="cannot create recording file"):
        mc.Recorder(mc.RecordOptions(), 0, "/nonexistent/dir/call.wav")


def test_recordings_and_their_events_are_records_and_enums():
    rec = mc.Recorder(mc.RecordOptions(layout="mono", max_duration_ms=100,
                                       extra=[mc.KeyValue(key="queue", value="sales")]))
    for i in range(6):
        try:
            rec.write(i * FRAME_US, 0, sine(440, 20), 8000)
        except mc.MediaError.Record:
            break
    assert rec.is_stopped() and not rec.is_paused() and rec.duration_ms() == 100.0
    summary = mc.RecordingSummary(duration_ms=100.0, bytes=rec.bytes_written(),
                                  sample_rate=8000, channels=1, format="wav")
    assert rec.poll_event() == mc.RecorderEvent.LIMIT_REACHED(
        limit=mc.RecordLimit.DURATION, summary=summary)
    assert rec.poll_event() is None
    done = rec.finish(200_000)
    assert done.summary == summary and len(done.bytes) == summary.bytes
    assert b"queue=sales" in done.bytes
    with pytest.raises(mc.MediaError.Record, match="has finished"):
        rec.finish(300_000)
    with pytest.raises(mc.MediaError.Record, match="has finished"):
        rec.write(300_000, 0, sine(440, 20), 8000)
    assert (rec.duration_ms(), rec.bytes_written(), rec.is_stopped()) == (
        100.0, summary.bytes, True), "the summary stays readable"

    session = mc.MediaSession("PCMU", quality_interval_ms=None, rtcp=False)
    session.start_recording(0, mc.RecordOptions(layout="mono", max_duration_ms=40))
    for i in range(4):
        session.push_capture(i * FRAME_US, sine(440, 20))
        session.pull_playout(i * FRAME_US)
    (limit,) = [e for e in iter(session.poll_event, None) if e.is_recording_limit_reached()]
    assert limit.limit is mc.RecordLimit.DURATION and limit.summary.duration_ms == 40.0
    assert session.is_recording(), "stopped at the limit, not yet collected"
    assert session.stop_recording(100_000).summary == limit.summary


def test_a_file_that_fails_is_reported_as_recording_failed(tmp_path):
    """The process may write files of at most 2000 bytes while the call runs (RLIMIT_FSIZE;
    SIGXFSZ ignored so that the write fails with EFBIG instead of ending the process)."""
    session = mc.MediaSession("PCMU", quality_interval_ms=None, rtcp=False)
    path = tmp_path / "call.wav"
    session.start_recording(0, mc.RecordOptions(layout="mono", checkpoint_interval_ms=20),
                            str(path))
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2000, hard))
    try:
        for i in range(50):
            session.pull_playout(i * FRAME_US)
            session.handle_timeout(i * FRAME_US)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
    failed = [e for e in iter(session.poll_event, None) if e.is_recording_failed()]
    assert len(failed) == 1, "reported once; the recording takes no more audio"
    assert "recording target failed" in failed[0].message
    assert session.is_recording(), "stopped, not yet collected"
    recording = session.stop_recording(1_000_000)
    assert recording.bytes is None and 0 < recording.summary.duration_ms < 1000
    channels, rate, pcm = read_wav(path.read_bytes())
    assert (channels, rate) == (1, 8000), "what was written is a valid file"
    assert 0 < len(pcm) <= recording.summary.duration_ms * 8


def test_decode_info_and_the_cache_are_records():
    decoded = mc.decode_prompt_info(wav_bytes(sine(500, 100), 8000), 16000)
    assert decoded.info == mc.PromptInfo(format="WAV", source_rate=8000, source_channels=1,
                                         source_frames=800)
    assert decoded.prompt.frames() == 1600
    with pytest.raises(mc.MediaError.Playback, match="(?i)empty"):
        mc.Prompt.decode(b"", 8000)
    with pytest.raises(mc.MediaError.Playback, match="input bytes|larger|limit"):
        mc.Prompt.decode(wav_bytes(sine(500, 100), 8000), 8000, max_input_bytes=100)
    cache = mc.PromptCache()
    assert cache.max_bytes() == 64 << 20
    assert cache.get("a.wav", 8000) is None
    prompt = mc.Prompt.from_samples(8000, [1] * 800)
    assert cache.insert("a.wav", prompt) and cache.insert("a.wav", decoded.prompt)
    assert cache.get("a.wav", 8000).shares_samples_with(prompt)
    assert cache.get("a.wav", 16000, 1).shares_samples_with(decoded.prompt)
    assert cache.stats() == mc.CacheStats(entries=2, bytes=800 * 2 + 1600 * 2, hits=2,
                                          misses=1, evictions=0)
    assert cache.remove("a.wav") == 2 and cache.stats().entries == 0
    assert not mc.PromptCache(1000).insert("a.wav", prompt), "larger than the budget"
