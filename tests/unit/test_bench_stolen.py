"""The share of CPU time stolen by the hypervisor, read from /proc/stat."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.bench import stolen


def test_stolen_share_between_two_readings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stat = tmp_path / "stat"
    monkeypatch.setattr(stolen, "_STAT", stat)
    stat.write_text("cpu  100 0 50 800 10 0 0 40 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n")
    before = stolen.cpu_ticks()
    assert before == (40, 1000)
    stat.write_text("cpu  150 0 60 830 10 0 0 70 0 0\n")
    assert stolen.stolen_percent(before, stolen.cpu_ticks()) == 25.0  # 30 of 120 ticks
    assert stolen.stolen_percent(before, before) is None
    stat.write_text("intr 1 2 3\n")
    assert stolen.cpu_ticks() is None
    monkeypatch.setattr(stolen, "_STAT", tmp_path / "none")
    assert stolen.cpu_ticks() is None


def test_this_machine_says_it() -> None:
    ticks = stolen.cpu_ticks()
    assert ticks is not None and 0 <= ticks[0] <= ticks[1]
