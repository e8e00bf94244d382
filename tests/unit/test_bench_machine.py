"""The pipeline benchmark's CPU split: a server's time counts its children's, exited ones too."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from hub.bench import machine


def _burn_in_child(seconds: float) -> None:
    code = f"import time\nend = time.process_time() + {seconds}\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_an_exited_child_is_counted_in_its_parents_tree() -> None:
    """A PostgreSQL backend that served one connection and exited is still the server's time."""
    before = machine._tree_seconds(os.getpid())
    _burn_in_child(0.3)
    assert machine._tree_seconds(os.getpid()) - before >= 0.25


def test_a_live_child_is_counted_in_its_parents_tree() -> None:
    code = "import time\nwhile True: pass"
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        before = machine._tree_seconds(os.getpid())
        # By the child's CPU, not the clock: on a busy machine 0.4 s of waiting may give it less.
        deadline = time.monotonic() + 30
        while machine._seconds(child.pid) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert machine._tree_seconds(os.getpid()) - before >= 0.2
    finally:
        child.kill()
        child.wait()


def test_a_process_gone_counts_nothing() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert machine._seconds(child.pid) == 0.0
    assert machine._tree_seconds(child.pid) == 0.0


def test_a_step_is_the_difference_of_two_readings() -> None:
    earlier = machine.CpuReading(database=10.0, brokers=None, busy=100.0, cores=2)
    later = machine.CpuReading(database=14.5, brokers=3.0, busy=117.0, cores=2)
    spent = later.since(earlier, wall=10.0)
    assert spent == machine.CpuSpent(database=4.5, brokers=None, busy=17.0, available=20.0)
