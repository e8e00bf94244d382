"""Writing submissions to disk, one folder each: ``out_dir/<ST>/<date>/``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from hub.synthetic.rows import SubmissionRows, submissions
from hub.synthetic.world import World

Writer = Callable[[Path, str, datetime, str, Mapping[str, Iterable[Mapping[str, Any]]]], Any]


def _default_writer() -> Writer:
    from connectors.mde.writer import write_submission  # the connector's writer: one format, one writer

    return write_submission


def write_submissions(subs: Iterable[SubmissionRows], out_dir: Path, *, writer: Writer | None = None) -> list[Path]:
    """Write each submission to ``out_dir/<ST>/<date>/`` (``<date>-bNNN`` for a cohort); the folders,
    in the order written (time order for a world)."""
    write = writer or _default_writer()
    folders = []
    for sub in subs:
        folder = out_dir / sub.state / sub.folder_name
        write(folder, sub.state, sub.submitted_at, sub.source_system, sub.rows_by_file)
        folders.append(folder)
    return folders


def write_all(world: World, out_dir: Path, bad_row_rate: float = 0.0, *, writer: Writer | None = None) -> list[Path]:
    """Every submission of ``world`` as ``out_dir/<ST>/<YYYY-MM-DD>/``; the folders in time order,
    the order to publish them in. ``writer`` defaults to ``connectors.mde.writer.write_submission``."""
    return write_submissions(submissions(world, bad_row_rate), out_dir, writer=writer)
