"""Bad rows: rows spoiled on purpose, the way a record system spoils them.

An impossible date, a grade code nobody knows, a missing required field, sex ``Q``, negative
credits. Each is listed as a ``BadRow``, so tests know exactly which rows the hub must reject. Only
rows whose loss changes nothing else are spoilable (``rows`` decides): never the row that first
reports a child, nor the rows a move notice depends on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row spoiled on purpose: the hub must reject it, naming this file, line and column."""

    file: str
    line: int
    """Line in the CSV file (the header is line 1)."""
    column: str
    defect: str
    """``invalid_date``, ``unknown_code``, ``missing_required``, ``bad_sex``, ``negative_credits``."""
    state_student_id: str


def _bad_date(value: str) -> str:
    """A date no calendar has, in the month of ``value``: 2025-02-30, 2025-04-31..."""
    year, month = value[:4], int(value[5:7])
    return f"{year}-{month:02d}-31" if month in (4, 6, 9, 11) else f"{year}-02-30"


_DEFECTS: dict[str, tuple[tuple[str, str], ...]] = {
    "students.csv": (("sex", "bad_sex"), ("birth_date", "invalid_date"), ("first_name", "missing_required")),
    "enrollments.csv": (
        ("grade_level", "unknown_code"),
        ("enrollment_date", "invalid_date"),
        ("enrollment_date", "missing_required"),
        ("withdrawal_date", "invalid_date"),
    ),
    "courses.csv": (
        ("credits_attempted", "negative_credits"),
        ("course_title", "missing_required"),
        ("school_year", "missing_required"),
    ),
    "assessments.csv": (("administration_date", "invalid_date"), ("administration_date", "missing_required")),
}
_UNKNOWN_GRADES = ("13", "K", "1", "9th", "PS", "GR10")


def _spoil(rng: random.Random, name: str, index: int, row: dict[str, str]) -> BadRow:
    column, defect = rng.choice([(c, d) for c, d in _DEFECTS[name] if c in row and (row[c] or d != "invalid_date")])
    value = row[column]
    if defect == "bad_sex":
        row[column] = "Q"
    elif defect == "unknown_code":
        row[column] = rng.choice(_UNKNOWN_GRADES)
    elif defect == "negative_credits":
        row[column] = f"-{value}" if value and float(value) > 0 else "-0.5"  # "-0.0" would be valid
    elif defect == "missing_required":
        row[column] = ""
    elif column == "administration_date":
        row[column] = f"{value[:4]}-13"
    else:
        row[column] = _bad_date(value)
    return BadRow(name, index + 2, column, defect, row["state_student_id"])


def spoil_rows(
    seed: str, rate: float, by_file: dict[str, list[dict[str, str]]], spoilable: dict[str, list[int]]
) -> tuple[BadRow, ...]:
    """Spoil about ``rate`` of the rows of ``by_file`` in place, picked from the ``spoilable`` lines
    of each file; the bad rows, by file and line."""
    rng = random.Random(seed)  # noqa: S311 - test data, nothing secret
    wanted = int(rate * sum(map(len, by_file.values())) + rng.random())  # rounded at random: small submissions get some
    bad = []
    for _ in range(wanted):
        # A file first, then a row: courses would otherwise take most of the bad rows.
        files = [name for name, lines in spoilable.items() if lines]
        if not files:
            break
        name = rng.choice(files)
        line = spoilable[name].pop(rng.randrange(len(spoilable[name])))
        bad.append(_spoil(rng, name, line, by_file[name][line]))
    return tuple(sorted(bad, key=lambda b: (b.file, b.line)))
