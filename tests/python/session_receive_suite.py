"""The receive path of MediaSession, tested alike in both Python-facing bindings: the jitter
buffer (adaptive and fixed, its counters and delays), RTCP (reports, round trip, BYE,
malformed compounds) and the periodic quality estimate.

bindings-python/tests/test_session.py and bindings-mobile/tests/test_mobile.py import these
tests; each takes the suite's `binding` fixture (see binding.py). Two sessions call each
other in simulated time, 20 ms a tick, and the network between them is this file's loop.
"""

import pytest

from signal_checks import sine

FRAME_US = 20_000
# Ticks a "late" packet is held: 500 ms, past any target delay the tests allow.
LATE_TICKS = 25


def call(binding, a, b, ticks, start=0, lost=(), swapped=(), late=(), doubled=()):
    """A and B talk for `ticks` ticks from tick `start`: each captures a tone, sends RTP,
    plays a frame, acts on its timers and sends its due RTCP, which reaches the peer one tick
    later (a 40 ms round trip). A's RTP packets, counted from 0 at `start`, are impaired on
    the way to B: those in `lost` never arrive, those in `swapped` arrive after the next one,
    those in `late` arrive `LATE_TICKS` ticks late and those in `doubled` arrive twice.
    Returns the events each side reported, as dicts, `(a_events, b_events)`."""
    to_b, rtcp = [], []  # (due tick, datagram), and (due tick, receiver, datagram)
    events = ([], [])
    sent = 0
    tone = sine(160, 440, 8000)
    for tick in range(start, start + ticks):
        now = tick * FRAME_US
        for s in (a, b):
            s.push_capture(now, tone)
        while (datagram := a.poll_transmit(now)) is not None:
            n, sent = sent, sent + 1
            if n in lost:
                continue
            delay = LATE_TICKS if n in late else 1 if n in swapped else 0
            to_b.append((tick + delay, datagram))
            if n in doubled:
                to_b.append((tick, datagram))
        # Newest first, so that a packet held back arrives after the one behind it.
        for due, datagram in reversed([p for p in to_b if p[0] <= tick]):
            b.handle_rtp(now, datagram)
        to_b = [p for p in to_b if p[0] > tick]
        while (datagram := b.poll_transmit(now)) is not None:
            a.handle_rtp(now, datagram)
        for due, receiver, datagram in [p for p in rtcp if p[0] <= tick]:
            receiver.handle_rtcp(now, datagram)
        rtcp = [p for p in rtcp if p[0] > tick]
        for s, peer, log in ((a, b, events[0]), (b, a, events[1])):
            assert len(s.pull_playout(now)) == 160
            s.handle_timeout(now)
            while (compound := s.poll_rtcp(now)) is not None:
                rtcp.append((tick + 1, peer, compound))
            log.extend(binding.events(s))
    return events


def pair(binding, **config):
    """Two PCMU sessions with `config`, without the RTP timeout."""
    return tuple(binding.session("PCMU", seed=seed, rtp_timeout_ms=None, **config)
                 for seed in (1, 2))


def test_jitter_buffer_conceals_drops_late_and_duplicate_packets(binding):
    a, b = pair(binding, min_delay_ms=20, max_delay_ms=300, initial_delay_ms=60,
                quality_interval_ms=None)
    assert b.playout_delay_ms() is None, "nothing played yet"
    assert b.target_delay_ms() == 60, "the initial delay"
    call(binding, a, b, 250, lost={20, 21, 90, 160}, swapped={40, 80, 120, 200},
         late={140}, doubled={60})
    jitter = binding.jitter_stats(b)
    assert list(jitter) == [
        "packets_inserted", "packets_duplicate", "packets_late", "packets_overflow",
        "decode_errors", "samples_decoded", "samples_fec", "samples_concealed",
        "samples_comfort_noise", "samples_silence", "samples_accelerated", "samples_expanded",
        "samples_dropped", "underruns", "resumed_late", "resyncs",
    ]
    assert jitter["samples_concealed"] >= 3 * 160, "three packets lost in the middle"
    assert jitter["packets_late"] == 1, "the packet held 500 ms"
    assert jitter["packets_duplicate"] == 1
    assert jitter["packets_overflow"] == 0 and jitter["decode_errors"] == 0
    assert jitter["samples_decoded"] >= 200 * 160
    # The swapped packets came in time: only the lost ones and the late one are missing.
    assert jitter["packets_inserted"] == 250 - 4 - 1
    assert binding.stat(b, "packets_lost") == 4
    assert binding.stat(b, "packets_late") == 2, "the late packet and the duplicate"
    delay = b.playout_delay_ms()
    assert delay is not None and 0 <= delay <= 300
    assert 20 <= b.target_delay_ms() <= 300


def test_fixed_jitter_buffer_holds_its_delay(binding):
    a, b = pair(binding, jitter_mode="fixed", initial_delay_ms=80, quality_interval_ms=None)
    assert b.target_delay_ms() == 80
    call(binding, a, b, 100, swapped={10, 30, 50})
    assert b.target_delay_ms() == 80
    assert b.playout_delay_ms() is not None
    jitter = binding.jitter_stats(b)
    assert jitter["samples_accelerated"] == 0 and jitter["samples_expanded"] == 0, (
        "a fixed buffer does not stretch")
    default = binding.session("PCMU").target_delay_ms()
    assert binding.session("PCMU", jitter_mode="FIXED").target_delay_ms() == default


@pytest.mark.parametrize(
    "config, message",
    [
        (dict(min_delay_ms=300, max_delay_ms=100, initial_delay_ms=50),
         "invalid argument: jitter buffer delays must satisfy min_delay <= initial_delay <= "
         "max_delay <= 10 s; got 300 / 50 / 100 ms"),
        (dict(jitter_mode="fixed", min_delay_ms=20, max_delay_ms=500, initial_delay_ms=600),
         "invalid argument: jitter buffer delays must satisfy min_delay <= initial_delay <= "
         "max_delay <= 10 s; got 20 / 600 / 500 ms"),
        (dict(jitter_mode="elastic"),
         'invalid argument: unknown jitter buffer mode "elastic"; expected "adaptive" or "fixed"'),
    ],
)
def test_jitter_configuration_the_engine_refuses(binding, config, message):
    with pytest.raises(binding.InvalidArgument) as err:
        binding.session("PCMU", **config)
    assert str(err.value) == message


def test_rtcp_reports_measure_the_round_trip_and_bye_ends_the_call(binding):
    a, b = pair(binding, quality_interval_ms=None, cname="alice@example.net",
                ntp_origin_unix_ms=1_763_700_000_000)
    call(binding, a, b, 600)  # 12 s
    for s in (a, b):
        stats = binding.rtcp_stats(s)
        assert stats["reports_sent"] >= 2 and stats["reports_received"] >= 2, stats
        assert stats["rtt_samples"] >= 1, stats
        # RTCP takes one tick each way; the timestamps resolve 1/65536 s.
        assert stats["rtt_ms"] == pytest.approx(40, abs=1)
        assert stats["remote_ssrc"] == binding.get(b if s is a else a, "local_ssrc")
        assert stats["packets_received"] >= 590 and stats["cumulative_lost"] == 0
        assert stats["rtcp_rejected"] == 0

    now = 600 * FRAME_US
    with pytest.raises(binding.RtcpError) as err:
        b.handle_rtcp(now, b"\x80\xc9\x00\x05" + bytes(4))
    assert str(err.value) == "RTCP packet is truncated: 24 bytes needed, 8 present"
    assert binding.rtcp_stats(b)["rtcp_rejected"] == 1

    with pytest.raises(binding.RtcpError, match="too long; at most 255"):
        binding.close(a, now, "x" * 256)
    binding.close(a, now, "hanging up")
    bye = a.poll_rtcp(now)
    assert bye is not None and a.poll_rtcp(now) is None
    b.handle_rtcp(now, bye)
    assert binding.events(b) == [
        {"type": "remote_bye", "ssrc": binding.get(a, "local_ssrc"), "reason": "hanging up"}
    ]
    binding.close(b, now)
    a.handle_rtcp(now, b.poll_rtcp(now))
    assert binding.events(a) == [
        {"type": "remote_bye", "ssrc": binding.get(b, "local_ssrc"), "reason": None}
    ]


def test_rtcp_can_be_turned_off(binding):
    a = binding.session("PCMU", seed=1, rtcp=False, quality_interval_ms=None)
    b = binding.session("PCMU", seed=2, quality_interval_ms=None)
    call(binding, a, b, 400)
    assert binding.rtcp_stats(a)["reports_sent"] == 0
    assert binding.rtcp_stats(a)["reports_received"] >= 1, "received RTCP is still read"
    assert binding.rtcp_stats(b)["reports_received"] == 0
    binding.close(a, 400 * FRAME_US)
    assert a.poll_rtcp(400 * FRAME_US) is None, "no BYE without RTCP"


def test_rtcp_cname_longer_than_255_bytes_is_refused(binding):
    with pytest.raises(binding.RtcpError) as err:
        binding.session("PCMU", cname="c" * 256)
    assert str(err.value) == "RTCP CNAME of 256 bytes is too long; at most 255"


def test_quality_events_estimate_r_and_mos(binding):
    a, b = pair(binding, quality_interval_ms=1000)
    assert b.quality() is None
    _, events = call(binding, a, b, 160, lost={10, 30, 31, 100})
    reports = [e for e in events if e["type"] == "quality"]
    assert len(reports) >= 2, events
    for report in reports:
        assert set(report) == {"type", "r", "mos", "packet_loss_percent", "burst_ratio",
                               "one_way_delay_ms", "jitter_buffer_delay_ms", "packets"}
        assert 0 <= report["r"] <= 100 and 1 <= report["mos"] <= 4.5, report
        assert 0 < report["packets"] <= 60
        assert 0 <= report["packet_loss_percent"] < 10
        assert report["one_way_delay_ms"] >= 20 + report["jitter_buffer_delay_ms"]
    assert any(r["packet_loss_percent"] > 0 for r in reports)
    assert max(r["mos"] for r in reports) > 4, "G.711 without loss"
    last = dict(reports[-1])
    del last["type"]
    assert binding.quality(b) == last


@pytest.mark.parametrize("interval", [None, 0])
def test_quality_events_can_be_turned_off(binding, interval):
    a, b = pair(binding, quality_interval_ms=interval)
    _, events = call(binding, a, b, 300)
    assert [e for e in events if e["type"] == "quality"] == []
    assert b.quality() is None
