"""A world's states as Ed-Fi systems see them: one snapshot per state, written as Ed-Fi interchanges.

An MDE submission says what changed since the last one; an Ed-Fi interchange says what is. So each
state's submissions are replayed in time order, keeping the latest version of every record and
dropping deleted ones, and the result is written with the Ed-Fi connector's writer.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from connectors.edfi.writer import NAMESPACE_5, EdfiWriter
from hub.synthetic.rows import SubmissionRows, submissions
from hub.synthetic.world import World

_KEYS = {
    "students.csv": None,
    "enrollments.csv": "enrollment_id",
    "courses.csv": "course_id",
    "assessments.csv": "assessment_id",
}

Rows = dict[str, list[dict[str, str]]]


def snapshots(subs: Iterable[SubmissionRows]) -> dict[str, Rows]:
    """Per state, the rows of each file as they stand after every submission (no ``D`` rows)."""
    latest: dict[str, dict[tuple[str, str, str], dict[str, str]]] = {}
    for sub in subs:
        records = latest.setdefault(sub.state, {})
        for name, rows in sub.rows_by_file.items():
            column = _KEYS[name]
            for row in rows:
                key = (name, row["state_student_id"], row.get(column, "") if column else "")
                if row.get("action") == "D":
                    records.pop(key, None)
                else:
                    records[key] = row
    out: dict[str, Rows] = {}
    for state, records in latest.items():
        files: Rows = {name: [] for name in _KEYS}
        for (name, _, _), row in records.items():
            files[name].append(row)
        out[state] = files
    return out


def write_edfi(world: World, out_dir: Path, namespace: str = NAMESPACE_5) -> dict[str, Path]:
    """``out_dir/<ST>/``: each state's snapshot as Ed-Fi interchange files (no bad rows)."""
    folders: dict[str, Path] = {}
    for state, rows in snapshots(submissions(world, 0.0)).items():
        writer = EdfiWriter(out_dir / state, namespace)
        try:
            writer.add(rows)
        finally:
            writer.close()
        folders[state] = out_dir / state
    return folders
