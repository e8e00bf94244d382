"""Where the machine's CPU went during a timed step: the database's, the brokers' and the whole
machine's core-seconds, next to the workers' own (``hub.bench.pipeline`` reads those itself).

The merge's rate is bound by all of them at once on a small machine: the workers, PostgreSQL and
Kafka share its cores. A server's CPU is its processes' user and system time, its exited children
included (a PostgreSQL backend's time is added to the postmaster's children's when it exits); a
service not run by ``msix infra`` (a container, a server elsewhere) is not counted, and says so
with ``None``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import psutil

from hub.config import Settings
from infra.local import kafka, postgres


@dataclass(frozen=True)
class CpuReading:
    """Cumulative CPU seconds at one moment; two readings' difference is a step's."""

    database: float | None
    brokers: float | None
    busy: float
    """Every core's non-idle time (steal included: the hypervisor took it, nobody here had it)."""
    cores: int

    @classmethod
    def take(cls, settings: Settings) -> CpuReading:
        database = postgres.status(settings).pid
        brokers = [s.pid for s in kafka.statuses(settings) if s.pid is not None]
        machine = psutil.cpu_times()
        idle = machine.idle + getattr(machine, "iowait", 0.0)
        # Linux counts a guest's time in ``user`` too.
        guest = getattr(machine, "guest", 0.0) + getattr(machine, "guest_nice", 0.0)
        return cls(
            database=_tree_seconds(database) if database is not None else None,
            brokers=sum(_seconds(pid) for pid in brokers) if brokers else None,
            busy=sum(machine) - idle - guest,
            cores=psutil.cpu_count() or 1,
        )

    def since(self, earlier: CpuReading, wall: float) -> CpuSpent:
        return CpuSpent(
            database=_minus(self.database, earlier.database),
            brokers=_minus(self.brokers, earlier.brokers),
            busy=self.busy - earlier.busy,
            available=wall * self.cores,
        )


@dataclass(frozen=True)
class CpuSpent:
    """Core-seconds spent during a step."""

    database: float | None
    brokers: float | None
    busy: float
    available: float
    """The step's wall time times the machine's cores."""


def _minus(later: float | None, earlier: float | None) -> float | None:
    return later - earlier if later is not None and earlier is not None else None


def _seconds(pid: int) -> float:
    with contextlib.suppress(psutil.Error):
        times = psutil.Process(pid).cpu_times()
        return times.user + times.system
    return 0.0


def _tree_seconds(pid: int) -> float:
    """A server process's time, its live children's, and its exited children's."""
    try:
        root = psutil.Process(pid)
        times = root.cpu_times()
        total = times.user + times.system + times.children_user + times.children_system
        children = root.children()
    except psutil.Error:
        return 0.0
    return total + sum(_seconds(child.pid) for child in children)
