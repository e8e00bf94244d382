"""`msix publish` refuses Ed-Fi-only options on an MDE submission: one line, exit 2, before any
connection is tried."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("option", "said"),
    [
        (["--read-ahead"], "--read-ahead is for --format edfi"),
        (["--no-read-ahead"], "--read-ahead is for --format edfi"),
        (["--submitted-at", "2025-10-01T10:00:00Z"], "--submitted-at is for --format edfi"),
    ],
)
def test_edfi_options_on_an_mde_submission(tmp_path: Path, option: list[str], said: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hub", "publish", "--state", "TX", *option, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert said in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
