"""DTMF and tones, tested alike in both Python-facing bindings: the in-band detector on
generated digits (through a WAV file), on silence, noise and speech; muting; generation of
DTMF and call-progress tones; and in sessions, RFC 4733 telephone-events both ways (PCMU and
Opus's 48 kHz clock), in-band detection, signalled digits and digit collection.

bindings-python/tests/test_dtmf.py and bindings-mobile/tests/test_mobile_dtmf.py import these
tests; each takes the suite's `binding` fixture (see binding.py). Sessions call each other in
simulated time, 20 ms a tick.
"""

import array
import wave

import numpy as np
import pytest

from speech_corpus import natural

FRAME_US = 20_000
DIGITS = "123#*0"
# Where the detector may put a tone's edges: its windows are 5 ms apart.
TOLERANCE_MS = 10
NOTHING = np.zeros(0, dtype=np.int16)


def write_wav(path, pcm, rate):
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(array.array("h", pcm).tobytes())


def read_wav(path):
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        pcm = array.array("h")
        pcm.frombytes(wav.readframes(wav.getnframes()))
        return pcm, wav.getframerate()


def found(digits):
    """(digit, start_ms, duration_ms) of each detected digit."""
    return [(d.digit, d.start_ms, d.duration_ms) for d in digits]


def rms(pcm):
    x = np.asarray(pcm, dtype=np.float64)
    return float(np.sqrt(np.mean(x * x))) if len(x) else 0.0


def speech_like_noise(rate, seconds, seed):
    """Seeded noise shaped like speech: a voiced buzz whose pitch glides between 90 and 260
    Hz with formant-like resonances, and hiss, both under a 4 Hz syllable envelope."""
    rng = np.random.default_rng(seed)
    n = rate * seconds
    t = np.arange(n) / rate
    pitch = 170 + 80 * np.sin(2 * np.pi * 0.7 * t) + 10 * rng.standard_normal(n).cumsum() / np.sqrt(n)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voiced = sum(np.sin(k * phase) / k for k in range(1, 25))
    hiss = np.convolve(rng.standard_normal(n), np.ones(4) / 4, mode="same")
    envelope = np.clip(np.sin(2 * np.pi * 4 * t + rng.uniform(0, 6)), 0, None) ** 0.5
    signal = envelope * (voiced + 0.5 * hiss)
    return (signal / np.max(np.abs(signal)) * 12000).astype(np.int16)


# The detector.


@pytest.mark.parametrize("rate", [8000, 16000])
def test_dtmf_wav_round_trip(binding, rate, tmp_path):
    pcm = binding.module.generate_dtmf(DIGITS, rate)
    assert len(pcm) == len(DIGITS) * rate // 5, "100 ms of tone and 100 ms of gap each"
    path = tmp_path / f"dtmf-{rate}.wav"
    write_wav(path, pcm, rate)
    audio, file_rate = read_wav(path)
    assert file_rate == rate and list(audio) == list(pcm)
    detector = binding.module.DtmfDetector(rate)
    assert binding.get(detector, "sample_rate") == rate
    digits = detector.process(audio) + detector.flush()
    assert "".join(d.digit for d in digits) == DIGITS
    for i, d in enumerate(digits):
        assert abs(d.start_ms - 200 * i) <= TOLERANCE_MS, found(digits)
        assert abs(d.duration_ms - 100) <= TOLERANCE_MS, found(digits)


def test_detector_takes_audio_in_any_chunks(binding):
    pcm = np.asarray(binding.module.generate_dtmf("9A", 8000, duration_ms=60, gap_ms=60),
                     dtype=np.int16)
    whole = binding.module.DtmfDetector(8000).process(pcm)
    detector = binding.module.DtmfDetector(8000)
    pieces = []
    for i in range(0, len(pcm), 37):
        pieces += detector.process(pcm[i:i + 37])
    assert found(pieces) == found(whole)
    assert [d.digit for d in whole] == ["9", "A"]


def test_flush_ends_a_digit_still_sounding(binding):
    pcm = binding.module.generate_dtmf("8", 16000, duration_ms=300, gap_ms=0)
    detector = binding.module.DtmfDetector(16000)
    assert detector.process(pcm) == [], "the tone has not ended yet"
    (digit,) = detector.flush()
    assert digit.digit == "8" and abs(digit.duration_ms - 300) <= TOLERANCE_MS
    assert detector.flush() == []
    detector.process(pcm)
    detector.reset()
    assert detector.flush() == [], "reset forgets the tone"


@pytest.mark.parametrize("rate", [8000, 16000])
def test_detector_finds_nothing_in_silence_noise_and_speech(binding, rate):
    quiet = [
        np.zeros(rate * 2, dtype=np.int16),
        speech_like_noise(rate, 20, seed=rate),
        natural(rate, "alsa"),
        natural(rate, "freedesktop"),
    ]
    for audio in quiet:
        detector = binding.module.DtmfDetector(rate)
        assert found(detector.process(audio) + detector.flush()) == []


def test_muting_delays_50_ms_and_removes_the_tones(binding):
    rate = 8000
    delay = rate // 20
    speech = speech_like_noise(rate, 2, seed=5)
    detector = binding.module.DtmfDetector(rate)
    out = detector.process_muted(speech)
    assert list(out) == [0] * delay + list(speech[:-delay]), "speech passes, 50 ms late"
    assert detector.process(NOTHING) == []

    tones = np.asarray(binding.module.generate_dtmf("5", rate, gap_ms=400), dtype=np.int16)
    out = detector.process_muted(tones)
    assert rms(out[delay:]) < rms(tones) / 20, "the tone is zeroed"
    (digit,) = detector.process(NOTHING)
    assert digit.digit == "5"


def test_detector_errors_carry_the_engine_message(binding):
    with pytest.raises(binding.InvalidArgument) as err:
        binding.module.DtmfDetector(44100)
    assert "44100" in str(err.value)


# Generation.


def test_generate_dtmf_options_and_errors(binding):
    gen = binding.module.generate_dtmf
    assert list(gen("1", 8000)) == list(
        gen("1", 8000, level_dbm0=-10.0, twist_db=2.0, duration_ms=100, gap_ms=100))
    pcm = gen("1", 8000, level_dbm0=-20.0, twist_db=0.0, duration_ms=40, gap_ms=10)
    assert len(pcm) == 400 and not any(pcm[320:])
    assert rms(pcm[:320]) < rms(gen("1", 8000)[:800]) / 2
    with pytest.raises(binding.InvalidArgument) as err:
        gen("12x", 8000)
    assert str(err.value) == ("invalid argument: 'x' at index 2 of the DTMF string is not a "
                              "DTMF digit; expected 0-9, *, #, A-D")
    with pytest.raises(binding.InvalidArgument) as err:
        gen("1", 8000, level_dbm0=5.0)
    assert str(err.value) == ("invalid argument: DTMF level 5 dBm0 is out of range; "
                              "expected -60 to 0")


def on_off(pcm, rate, block_ms):
    """For each `block_ms` block: whether it has tone (some energy) or is silent (zero)."""
    block = rate * block_ms // 1000
    blocks = [pcm[i:i + block] for i in range(0, len(pcm), block)]
    for b in blocks:
        assert rms(b) > 300 or not any(b), "a block is wholly tone or wholly silence"
    return "".join("#" if any(b) else "." for b in blocks)


def test_us_busy_has_its_cadence(binding):
    pcm = binding.module.generate_tone("us/busy", 8000, 3000)
    assert len(pcm) == 24000
    assert on_off(pcm, 8000, 500) == "#.#.#."
    assert on_off(pcm, 8000, 100) == "#####.....#####.....#####....."
    assert binding.module.generate_tone("US/Busy", 8000, 3000) == pcm


def test_built_in_tones_by_name(binding):
    gen = binding.module.generate_tone
    assert on_off(gen("europe/ringback", 16000, 10000), 16000, 1000) == "#....#...."
    assert on_off(gen("us/ringback", 8000, 12000), 8000, 1000) == "##....##...."
    assert on_off(gen("us/congestion", 8000, 1000), 8000, 250) == "#.#."
    assert on_off(gen("europe/dial", 8000, 1000), 8000, 100) == "#" * 10
    assert on_off(gen("europe/call_waiting", 8000, 1000), 8000, 200) == "#...#"
    with pytest.raises(binding.InvalidArgument) as err:
        gen("us/howler", 8000, 100)
    message = str(err.value)
    assert '"us/howler" is not a built-in call-progress tone' in message
    for name in ("us/dial", "us/call_waiting", "europe/congestion"):
        assert name in message


def test_custom_tone_plan_and_parse_errors(binding):
    pcm = binding.module.generate_tone("440/300,0/200;repeat=2", 8000, 1500)
    assert on_off(pcm, 8000, 100) == "###..###.." + "....."
    assert len(binding.module.generate_tone("350+440@-13", 16000, 250)) == 4000
    with pytest.raises(binding.InvalidArgument) as err:
        binding.module.generate_tone("480+620/500,0/x", 8000, 1000)
    assert str(err.value) == ("invalid argument: tone plan is invalid at byte 14: expected a "
                              "duration in milliseconds, found 'x'")
    with pytest.raises(binding.InvalidArgument, match="at byte 0"):
        binding.module.generate_tone("", 8000, 1000)


# Sessions.


def pair(binding, codec="PCMU", a_config=None, b_config=None, **config):
    """Two sessions without the RTP timeout, RTCP or quality reports."""
    common = dict(rtp_timeout_ms=None, rtcp=False, quality_interval_ms=None, **config)
    return (binding.session(codec, seed=1, **common, **(a_config or {})),
            binding.session(codec, seed=2, **common, **(b_config or {})))


def exchange(binding, a, b, ticks, start=0, spoken=None):
    """A sends to B for `ticks` ticks from tick `start`, capturing `spoken` (silence when it
    runs out or is None); B plays and acts on its timers. Returns B's events, each with the
    time it was reported under "at_us" (besides "remote_source_started")."""
    frame = binding.get(a, "frame_samples")
    silence = np.zeros(frame, dtype=np.int16)
    events = []
    for tick in range(start, start + ticks):
        now = tick * FRAME_US
        i = (tick - start) * frame
        chunk = spoken[i:i + frame] if spoken is not None else NOTHING
        a.push_capture(now, chunk if len(chunk) == frame else silence)
        while (datagram := a.poll_transmit(now)) is not None:
            b.handle_rtp(now, datagram)
        b.pull_playout(now)
        b.handle_timeout(now)
        events += [dict(e, at_us=now) for e in binding.events(b)
                   if e["type"] != "remote_source_started"]
    return events


def without_time(events):
    return [{k: v for k, v in e.items() if k != "at_us"} for e in events]


@pytest.mark.parametrize("codec, config", [
    ("PCMU", {}),
    ("opus", dict(payload_type=111)),  # telephone-events on Opus's 48 kHz clock
])
def test_send_dtmf_arrives_as_telephone_events(binding, codec, config):
    a, b = pair(binding, codec, **config)
    assert not a.is_sending_dtmf()
    a.send_dtmf("19#")
    assert a.is_sending_dtmf()
    events = without_time(exchange(binding, a, b, 50))
    assert not a.is_sending_dtmf()
    expected = []
    for digit in "19#":
        expected += [{"type": "dtmf_started", "digit": digit},
                     {"type": "dtmf", "digit": digit, "duration_ms": 100, "source": "rfc4733"}]
    assert events == expected


@pytest.mark.parametrize("codec, config", [("PCMU", {}), ("opus", dict(payload_type=111))])
def test_dtmf_duration_gap_and_volume_are_session_options(binding, codec, config):
    a, b = pair(binding, codec, dtmf_duration_ms=160, dtmf_gap_ms=60, dtmf_volume=20, **config)
    a.send_dtmf("5*")
    volumes, events = [], []
    for tick in range(40):
        now = tick * FRAME_US
        a.push_capture(now, np.zeros(binding.get(a, "frame_samples"), dtype=np.int16))
        while (datagram := a.poll_transmit(now)) is not None:
            if datagram[1] & 0x7F == 101:  # a telephone-event: volume in byte 1 of the block
                volumes.append(datagram[13] & 0x3F)
            b.handle_rtp(now, datagram)
        b.pull_playout(now)
        b.handle_timeout(now)
        events += [dict(e, at_us=now) for e in binding.events(b)
                   if e["type"] != "remote_source_started"]
    assert [e for e in without_time(events) if e["type"] == "dtmf"] == [
        {"type": "dtmf", "digit": d, "duration_ms": 160, "source": "rfc4733"} for d in "5*"]
    starts = [e["at_us"] for e in events if e["type"] == "dtmf_started"]
    assert starts[1] - starts[0] == 220_000, "one duration and one gap apart"
    assert volumes and set(volumes) == {20}
    for option, value, field in [("dtmf_duration_ms", 0, "dtmf.duration"),
                                 ("dtmf_gap_ms", 60_001, "dtmf.gap"),
                                 ("dtmf_volume", 64, "dtmf.volume")]:
        with pytest.raises(binding.InvalidArgument, match=field):
            binding.session(codec, **config, **{option: value})


def test_telephone_events_can_be_turned_off_and_digits_are_checked(binding):
    a, b = pair(binding, a_config=dict(telephone_event_payload_type=None))
    with pytest.raises(binding.InvalidArgument) as err:
        a.send_dtmf("1")
    assert str(err.value) == ("invalid argument: this session has no telephone-event payload "
                              "type to send DTMF with")
    with pytest.raises(binding.InvalidArgument, match="'x'") as err:
        b.send_dtmf("12x")
    assert not b.is_sending_dtmf(), "nothing was queued"
    c, d = pair(binding, telephone_event_payload_type=96)
    c.send_dtmf("7")
    assert [e["digit"] for e in exchange(binding, c, d, 20) if e["type"] == "dtmf"] == ["7"]


def test_collect_digits_ends_with_the_terminator(binding):
    a, b = pair(binding)
    b.collect_digits(0, min_digits=2, max_digits=10)
    a.send_dtmf("42#5")
    events = exchange(binding, a, b, 60)
    collected = [e for e in events if e["type"] == "digits_collected"]
    hash_end = next(e for e in events if e["type"] == "dtmf" and e["digit"] == "#")
    assert without_time(collected) == [{
        "type": "digits_collected", "digits": "42", "reason": "terminator", "terminator": "#",
        "min_digits_met": True, "ended_at_us": hash_end["at_us"],
    }]
    assert collected[0]["at_us"] == hash_end["at_us"]
    assert [e["digit"] for e in events if e["type"] == "dtmf"] == list("42#5"), (
        "digits after the collection are still reported")


def test_collect_digits_ends_with_a_timeout(binding):
    a, b = pair(binding)
    b.collect_digits(0, min_digits=2, first_digit_timeout_ms=None, inter_digit_timeout_ms=1000,
                     terminators="")
    a.send_dtmf("7")
    events = exchange(binding, a, b, 100)
    digit = next(e for e in events if e["type"] == "dtmf")
    collected = [e for e in events if e["type"] == "digits_collected"]
    assert without_time(collected) == [{
        "type": "digits_collected", "digits": "7", "reason": "inter_digit_timeout",
        "terminator": None, "min_digits_met": False, "ended_at_us": digit["at_us"] + 1_000_000,
    }]

    b.collect_digits(3_000_000, first_digit_timeout_ms=500)
    assert b.poll_timeout() <= 3_500_000
    events = exchange(binding, a, b, 50, start=150)
    assert without_time(events) == [{
        "type": "digits_collected", "digits": "", "reason": "first_digit_timeout",
        "terminator": None, "min_digits_met": False, "ended_at_us": 3_500_000,
    }]

    b.collect_digits(5_000_000, overall_timeout_ms=200, first_digit_timeout_ms=None)
    b.cancel_digit_collection(5_100_000)
    (cancelled,) = binding.events(b)
    assert (cancelled["reason"], cancelled["ended_at_us"]) == ("cancelled", 5_100_000)
    b.cancel_digit_collection(5_200_000)
    assert binding.events(b) == [], "nothing to cancel"


@pytest.mark.parametrize("config, message", [
    (dict(max_digits=0), "invalid argument: max_digits 0 is out of range; expected 1 to 64"),
    (dict(min_digits=5, max_digits=4), "invalid argument: min_digits 5 is greater than max_digits 4"),
    (dict(inter_digit_timeout_ms=0),
     "invalid argument: inter_digit_timeout is zero; give a positive duration, or None for no timeout"),
    (dict(terminators="#x"), "invalid argument: 'x' is not a DTMF digit; expected 0-9, *, #, A-D"),
])
def test_collect_configuration_the_engine_refuses(binding, config, message):
    session = binding.session("PCMU")
    with pytest.raises(binding.InvalidArgument) as err:
        session.collect_digits(0, **config)
    assert str(err.value) == message


def test_signalled_digits_are_reported_and_collected(binding):
    session = binding.session("PCMU", quality_interval_ms=None)
    session.push_signalled_digit(0, "9")  # no collection yet: reported, not collected
    session.collect_digits(1000, max_digits=2)
    session.push_signalled_digit(2000, "4")
    session.push_signalled_digit(3000, "d")
    assert binding.events(session) == [
        {"type": "dtmf", "digit": "9", "duration_ms": 0, "source": "signalling"},
        {"type": "dtmf", "digit": "4", "duration_ms": 0, "source": "signalling"},
        {"type": "dtmf", "digit": "D", "duration_ms": 0, "source": "signalling"},
        {"type": "digits_collected", "digits": "4D", "reason": "max_digits", "terminator": None,
         "min_digits_met": True, "ended_at_us": 3000},
    ]
    with pytest.raises(binding.InvalidArgument) as err:
        session.push_signalled_digit(4000, "x")
    assert str(err.value) == "invalid argument: 'x' is not a DTMF digit; expected 0-9, *, #, A-D"
    with pytest.raises(binding.InvalidArgument, match="not one DTMF digit"):
        session.push_signalled_digit(4000, "12")
    assert binding.events(session) == []


@pytest.mark.parametrize("rate, codec", [(8000, "PCMU"), (16000, "G722")])
def test_in_band_digits_are_detected_in_a_session(binding, rate, codec):
    spoken = np.asarray(binding.module.generate_dtmf("59*", rate), dtype=np.int16)
    a, b = pair(binding, codec, telephone_event_payload_type=None,
                b_config=dict(detect_inband_dtmf=True))
    b.collect_digits(0, max_digits=3)
    events = exchange(binding, a, b, 60, spoken=spoken)
    dtmf = [e for e in events if e["type"] == "dtmf"]
    assert [(e["digit"], e["source"]) for e in dtmf] == [
        ("5", "in_band"), ("9", "in_band"), ("*", "in_band")]
    for e in dtmf:
        assert abs(e["duration_ms"] - 100) <= TOLERANCE_MS, dtmf
    (collected,) = [e for e in events if e["type"] == "digits_collected"]
    assert (collected["digits"], collected["reason"]) == ("59*", "max_digits")

    a, c = pair(binding, codec, telephone_event_payload_type=None)
    events = exchange(binding, a, c, 60, spoken=spoken)
    assert [e for e in events if e["type"] == "dtmf"] == [], "in-band detection is off by default"
