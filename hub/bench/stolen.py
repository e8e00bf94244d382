"""How much of the machine's CPU time the hypervisor gave to others during a measurement.

This project's machines are virtual: when the host is busy, a virtual CPU that wants to run may
wait, and Linux counts that time as "steal" in ``/proc/stat``. A benchmark's figures by the clock
(throughput, look-up latency percentiles) move with it, so the benchmarks print it beside them.
"""

from __future__ import annotations

from pathlib import Path

_STAT = Path("/proc/stat")


def cpu_ticks() -> tuple[int, int] | None:
    """(stolen, all) clock ticks of every CPU since boot; None where ``/proc/stat`` says nothing of it."""
    try:
        head = _STAT.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if head[:1] != ["cpu"] or len(head) < 9:
        return None
    ticks = [int(t) for t in head[1:9]]  # user nice system idle iowait irq softirq steal
    return ticks[7], sum(ticks)


def stolen_percent(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """The share of all CPU time between two ``cpu_ticks`` that was stolen, in percent."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return round(100 * (after[0] - before[0]) / (after[1] - before[1]), 1)
