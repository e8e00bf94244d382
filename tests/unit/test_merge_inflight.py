"""One batch in flight at most: its result or its error comes back to the loop, in order."""

from __future__ import annotations

import threading

import pytest

from consumers.merge_inflight import InFlight
from hub.errors import DatabaseUnavailable


def test_settle_returns_the_result_once_and_none_when_idle() -> None:
    inflight: InFlight[int] = InFlight()
    try:
        assert inflight.settle() is None
        inflight.submit(lambda: 7)
        assert inflight.busy
        assert inflight.settle() == 7
        assert not inflight.busy and inflight.settle() is None
    finally:
        inflight.close()


def test_a_second_batch_waits_for_the_first() -> None:
    inflight: InFlight[int] = InFlight()
    release = threading.Event()
    try:
        inflight.submit(lambda: 1 if release.wait(5) else 0)
        with pytest.raises(RuntimeError, match="already in flight"):
            inflight.submit(lambda: 2)
        release.set()
        assert inflight.settle() == 1
    finally:
        inflight.close()


def test_drain_waits_without_raising_and_settle_raises_after() -> None:
    inflight: InFlight[int] = InFlight()

    def lost() -> int:
        raise DatabaseUnavailable("connection lost")

    try:
        inflight.submit(lost)
        inflight.drain()  # a rebalance callback: must not raise
        assert inflight.busy
        with pytest.raises(DatabaseUnavailable):
            inflight.settle()
        assert not inflight.busy
    finally:
        inflight.close()
