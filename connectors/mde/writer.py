"""Write an MDE submission folder: the inverse of the reader, for the synthetic data and the tests.

Rows are streamed to disk and counted as they go, and the manifest is written last, so its counts
are right by construction and a folder without a manifest is visibly unfinished.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.mde.manifest import MANIFEST
from connectors.mde.rows import ROW_MODELS

_COLUMNS: dict[str, tuple[str, ...]] = {model.FILE: model.columns() for model in ROW_MODELS}


def write_submission(
    folder: Path,
    state: str,
    submitted_at: datetime | str,
    source_system: str,
    rows_by_file: Mapping[str, Iterable[Mapping[str, Any]]],
) -> dict[str, Any]:
    """Write one CSV per entry of ``rows_by_file`` and then ``manifest.json``; return what it holds.

    A file's header is the keys of its first row (so a test can leave columns out or add unknown
    ones); a file with no rows gets the contract's full header. Values are written with ``str``,
    None as an empty cell. A naive ``submitted_at`` is taken as UTC.
    """
    folder.mkdir(parents=True, exist_ok=True)
    counts = {name: _write_csv(folder / name, rows) for name, rows in rows_by_file.items()}
    if isinstance(submitted_at, datetime):
        moment = submitted_at if submitted_at.tzinfo else submitted_at.replace(tzinfo=UTC)
        submitted_at = moment.isoformat()
    manifest = {
        "state": state,
        "submitted_at": submitted_at,
        "source_system": source_system,
        "counts": counts,
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")
    return manifest


def _write_csv(path: Path, rows: Iterable[Mapping[str, Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer: csv.DictWriter[str] | None = None
        for row in rows:
            if writer is None:
                writer = csv.DictWriter(fh, fieldnames=list(row), extrasaction="raise")
                writer.writeheader()
            writer.writerow(row)
            count += 1
        if writer is None:
            csv.writer(fh).writerow(_COLUMNS.get(path.name, ()))
    return count
