"""The fault bench's own arithmetic: the merge's longest stall, and the applied counts it reads
from the workers' batch lines."""

from __future__ import annotations

from pathlib import Path

from hub.bench import fault_audit
from hub.bench.fault_run import Monitor
from hub.config import Settings


def monitor(samples: list[tuple[float, int]]) -> Monitor:
    m = Monitor(Settings())
    m.samples = samples
    return m


def test_longest_stall_runs_from_the_fault_to_the_last_commit() -> None:
    m = monitor([(0.0, 10), (1.0, 20), (2.0, 20), (9.0, 20), (10.0, 30), (11.0, 40), (30.0, 40)])
    assert m.longest_stall(since=2.0) == 8.0  # from the fault at 2 s to the commit seen at 10 s
    assert m.longest_stall(since=0.0) == 9.0  # commits at 1 and 10: the gap between them
    assert m.longest_stall(since=12.0) is None  # nothing committed after it


def test_applied_counts_only_the_batch_lines(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    log.write_text(
        '{"event": "batch applied", "applied": 100, "duplicates": 3}\n'
        "MAXPOLL [rdkafka#consumer-1] batch applied elsewhere\n"
        '{"event": "batch applied", "applied": 25}\n'
        '{"event": "PostgreSQL connection lost", "applied": 999}\n'
    )
    assert fault_audit.applied_in_log(log) == 125
