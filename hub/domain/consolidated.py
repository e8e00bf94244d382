"""The consolidated record of one child, as the CLI prints it and the API returns it (CONTRACT.md).

Field names are the CSV column names; every list item carries its ``state`` (and the state's
student id). The ``student`` section is the newest identity record any state reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

LIST_OF_FAMILY = {"enrollment": "enrollments", "course": "courses", "assessment": "assessments"}

# How each list reads best: a timeline, then stable by id.
_SORT_KEYS = {
    "enrollments": ("enrollment_date", "enrollment_id"),
    "courses": ("school_year", "term_type", "course_id"),
    "assessments": ("administration_date", "assessment_id"),
}


@dataclass(frozen=True, slots=True)
class StoredRecord:
    state: str
    state_student_id: str
    family: str
    record_key: str
    fields: dict[str, Any]  # JSON form, as stored
    source_ts: datetime


def build(
    msix_id: str,
    state_ids: Sequence[tuple[str, str]],
    records: Iterable[StoredRecord],
    moves: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    lists: dict[str, list[dict[str, Any]]] = {name: [] for name in LIST_OF_FAMILY.values()}
    student: StoredRecord | None = None
    for r in records:
        if r.family == "student":
            if student is None or r.source_ts > student.source_ts:
                student = r
        else:
            lists[LIST_OF_FAMILY[r.family]].append(_item(r))
    for name, keys in _SORT_KEYS.items():
        lists[name].sort(key=lambda item, keys=keys: tuple(item.get(k) or "" for k in keys))  # type: ignore[misc]
    return {
        "msix_id": msix_id,
        "student": _item(student) if student else {},
        "state_ids": [{"state": st, "state_student_id": ssid} for st, ssid in sorted(state_ids)],
        **lists,
        "moves": sorted(moves, key=lambda m: (m.get("move_date") or "", m["notice_id"])),
    }


def _item(r: StoredRecord) -> dict[str, Any]:
    return {"state": r.state, "state_student_id": r.state_student_id, **r.fields}
