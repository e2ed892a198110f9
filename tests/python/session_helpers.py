"""Helpers shared by the Python suites of both bindings (bindings-python and bindings-mobile):
hand-made RTP packets, draining events, two peers talking and checking what the receiving
one played."""

import struct


def rtp(payload_type, seq, ts, ssrc, payload):
    """A minimal RTP packet (RFC 3550 §5.1)."""
    return struct.pack("!BBHII", 0x80, payload_type, seq, ts, ssrc) + payload


def drain_events(session):
    """Every event the session has queued, oldest first."""
    events = []
    while (event := session.poll_event()) is not None:
        events.append(event)
    return events


def assert_plays_in_order(heard, expected, frames, frame=160):
    """`heard` is silence while playout prefills, then at least `frames - 3` frames of
    `expected`, from its start and in order."""
    start = next(i for i in range(0, len(heard), frame) if any(heard[i:i + frame]))
    assert len(heard) - start >= frame * (frames - 3)
    assert list(heard[start:]) == list(expected[: len(heard) - start])


def assert_no_timeout(session):
    """A session built with `rtp_timeout_ms=None` (and without RTCP or quality reports,
    whose timers `poll_timeout` also gives) hears RTP, then schedules and reports no RTP
    timeout however long it stays silent."""
    session.handle_rtp(0, rtp(0, 1, 0, 42, bytes(160)))
    drain_events(session)
    assert session.poll_timeout() is None
    session.handle_timeout(10**12)
    assert session.poll_event() is None


def talk(a, b, spoken, frame, frames, tick_us=20_000):
    """A captures `spoken` frame by frame, one frame per `tick_us`, and B plays; returns what
    B played and the sizes of the datagrams A sent. Every playout frame has `frame` samples."""
    heard, sizes = [], []
    for i in range(frames):
        now = i * tick_us
        a.push_capture(now, spoken[i * frame:(i + 1) * frame])
        while (datagram := a.poll_transmit(now)) is not None:
            assert isinstance(datagram, bytes)
            sizes.append(len(datagram))
            b.handle_rtp(now, datagram)
        out = b.pull_playout(now)
        assert len(out) == frame
        heard.extend(out)
    return heard, sizes
