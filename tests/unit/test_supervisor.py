"""The supervisor restarts a part that fails, leaves the others running, and stops them all on a
signal within the shutdown bound."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from consumers.supervisor import Part, Supervisor
from hub.errors import DatabaseMisconfigured


class Flaky:
    """Fails its first ``failures`` runs, then runs until stopped."""

    def __init__(self, name: str, failures: int) -> None:
        self.name, self.left, self.runs = name, failures, 0
        self.running = threading.Event()

    def run(self, stop: threading.Event) -> None:
        self.runs += 1
        if self.left:
            self.left -= 1
            raise RuntimeError("broker gone")
        self.running.set()
        stop.wait()


class Stubborn:
    """Ignores the stop for longer than any shutdown bound (a call stuck in a driver)."""

    name = "stubborn"

    def run(self, stop: threading.Event) -> None:
        stop.wait()
        time.sleep(60)


class Done:
    name = "done"

    def run(self, stop: threading.Event) -> None:
        return


def quick(parts: list[Part], **kw: object) -> Supervisor:
    return Supervisor(parts, backoff_initial_s=0.01, backoff_max_s=0.05, **kw)  # type: ignore[arg-type]


def test_a_failing_part_is_restarted_and_the_others_keep_running() -> None:
    flaky, steady = Flaky("relay", failures=3), Flaky("merge", failures=0)
    sup = quick([Part(flaky), Part(steady)])
    runner = threading.Thread(target=sup.run)
    runner.start()
    assert flaky.running.wait(5) and steady.running.wait(5)
    assert (flaky.runs, steady.runs) == (4, 1)  # the merge never noticed the relay's failures
    sup.stop()
    runner.join(5)
    assert not runner.is_alive()


def test_a_signal_stops_every_part_within_the_bound() -> None:
    parts = [Part(Flaky("merge", 0)), Part(Flaky("relay", 0)), Part(Stubborn())]
    sup = quick(parts)
    previous = signal.signal(signal.SIGTERM, sup.stop)
    try:
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM)).start()
        started = time.monotonic()
        late = sup.run(shutdown_s=2.0)
        elapsed = time.monotonic() - started
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert late == ["stubborn"]  # left behind, not waited for
    assert elapsed < 0.3 + 2.0 + 1.0
    assert not parts[0].thread.is_alive() and not parts[1].thread.is_alive()  # type: ignore[union-attr]


def test_a_part_that_ends_all_stops_the_others() -> None:
    parts = [Part(Done(), ends_all=True), Part(Flaky("relay", 0))]
    assert quick(parts).run(shutdown_s=5) == []
    assert not parts[1].thread.is_alive()  # type: ignore[union-attr]


def test_a_refused_configuration_stops_everything_and_is_raised() -> None:
    class Refused:
        name = "merge"

        def run(self, stop: threading.Event) -> None:
            raise DatabaseMisconfigured("role does not exist")

    other = Flaky("relay", 0)
    with pytest.raises(DatabaseMisconfigured):
        quick([Part(Refused()), Part(other)]).run(shutdown_s=5)


def test_give_up_after_consecutive_failures() -> None:
    with pytest.raises(RuntimeError):
        quick([Part(Flaky("relay", failures=100))], give_up_after=3).run(shutdown_s=5)


def test_backoff_is_capped_exponential_with_jitter() -> None:
    sup = Supervisor([], backoff_initial_s=0.5, backoff_max_s=30.0)
    assert 0.5 <= sup.backoff(1) <= 0.75
    assert 4.0 <= sup.backoff(4) <= 6.0
    assert 30.0 <= sup.backoff(20) <= 45.0
