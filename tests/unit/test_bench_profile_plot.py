"""``msix bench pipeline --profile`` and ``--plot``: what they read from the workers' logs and py-spy."""

from __future__ import annotations

import json
from pathlib import Path

from consumers.merge_worker import _batch_latency
from hub.bench import plot, profile


def _line(t: str, applied: int, children: int, **extra: float) -> str:
    entry = {"event": "batch applied", "timestamp": t, "applied": applied, "new_children": children, **extra}
    return json.dumps(entry)


def test_step_totals_sum_every_batch_line_of_every_worker() -> None:
    a = "\n".join([_line("2026-01-01T00:00:00Z", 10, 1, poll=1.0, link=5.5), "worker: 10 events applied"])
    b = _line("2026-01-01T00:00:01Z", 10, 1, link=2.0, commit=3.0)
    totals = profile.step_totals([a, b])
    assert totals["link"] == 7.5 and totals["poll"] == 1.0 and totals["commit"] == 3.0
    assert list(totals) == list(profile.STEPS)


def test_raw_stacks_are_ranked_by_inclusive_share() -> None:
    raw = "main (a.py:1);work (b.py:2);inner (c.py:3) 3\nmain (a.py:1);other (b.py:9) 1\nbroken line\n"
    ranked = profile.functions(profile.read_stacks(raw))
    assert ranked[0] == ("a.main", 1.0, 0.0)
    assert ("b.work", 0.75, 0.0) in ranked and ("c.inner", 0.75, 0.75) in ranked


def test_merge_points_are_the_rate_per_window_against_children_stored() -> None:
    logs = [
        _line("2026-01-01T00:00:00.5Z", 1000, 100) + "\n" + _line("2026-01-01T00:00:03Z", 3000, 50),
        _line("2026-01-01T00:00:01Z", 1000, 100),
    ]
    points = plot.merge_points(logs)
    # First window (2 s): the two batches at 0 and 0.5 s, 200 children; the third closes no window.
    assert points == [(200, 1000.0)]
    assert plot.merge_points(logs, stored=1_000_000) == [(1_000_200, 1000.0)]  # a store loaded first (--stored)


def test_batch_latency_is_median_p99_and_worst() -> None:
    produced = list(range(1000, 1100))  # produced 1000..1099 ms, committed at 1200
    lat = _batch_latency(1200.0, produced)
    assert lat == {"latency_p50_ms": 150.0, "latency_p99_ms": 199.0, "latency_max_ms": 200.0}
    assert _batch_latency(1.0, []) == {}


def test_plot_writes_an_svg_with_two_panels(tmp_path: Path) -> None:
    out = tmp_path / "p.svg"
    plot.write(out, [(0, 5000.0), (10_000, 4000.0)], ([(0.0, 300.0)], [(0.0, 700.0)]), workers=2)
    text = out.read_text()
    assert text.startswith("<svg") and text.count("<polyline") == 3 and "children stored" in text


def test_latency_points_are_every_workers_batches_in_time_order() -> None:
    first = _line("2026-01-01T00:00:01Z", 10, 0, latency_p50_ms=100.0, latency_p99_ms=150.0)
    second = "\n".join(
        [
            _line("2026-01-01T00:00:00Z", 10, 0, latency_p50_ms=200.0, latency_p99_ms=250.0),
            _line("2026-01-01T00:00:02Z", 10, 0, latency_p50_ms=300.0, latency_p99_ms=350.0),
        ]
    )
    p50, p99 = plot.latency_points([first, second])
    assert p50 == [(0.0, 200.0), (1.0, 100.0), (2.0, 300.0)]
    assert p99 == [(0.0, 250.0), (1.0, 150.0), (2.0, 350.0)]
