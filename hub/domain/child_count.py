"""The child count (Title I, Part C): unduplicated counts of eligible migrant children per state and
nationally, by age/grade, from the consolidated records. Pure: a child's facts in, counts out.

- Reporting period ``YYYY-YYYY``: September 1 of the first year to August 31 of the second.
- Eligible in the period: a qualifying arrival date (qad) on or before its end, and eligibility
  lasting to its start: the ``eligibility_expiration_date`` the state reported, or, without one,
  36 months after the qad.
- Category 1: eligible, and resided in the state at some time in the period (an enrollment of any
  type there, residency-only included, that overlaps the period).
- Category 2: eligible, and served in a summer or intersession project (enrollment type ``03``).
- A state's count takes the child once however many ids the state used; the national count takes the
  child once however many states reported them. Age/grade is the grade of the newest enrollment in
  the period (in that state, or anywhere for the national count); before kindergarten or without a
  grade, the age on September 1: ``age 0-2``, ``age 3-5``; an older child without a grade is ``UG``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

AGE_GRADES = ("age 0-2", "age 3-5", "KG", *(f"{g:02d}" for g in range(1, 13)), "UG", "OS")
CATEGORIES = (1, 2)
_PERIOD = re.compile(r"^(\d{4})-(\d{4})$")
SUMMER = "03"


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date


def period(text: str) -> Period:
    """``2025-2026`` → September 1, 2025 to August 31, 2026; anything else is a ValueError."""
    found = _PERIOD.match(text.strip())
    if not found or int(found[2]) != int(found[1]) + 1 or not 1990 <= int(found[1]) <= 2100:
        raise ValueError(f"{text!r} is not a reporting period like 2025-2026")
    first = int(found[1])
    return Period(f"{first}-{first + 1}", date(first, 9, 1), date(first + 1, 8, 31))


@dataclass(frozen=True)
class Child:
    """What the count needs of one consolidated child: each state's student row (by state student id)
    and every enrollment (each with its ``state``)."""

    msix_id: str
    students: Mapping[tuple[str, str], Mapping[str, Any]]  # (state, state_student_id) -> student row
    enrollments: Sequence[Mapping[str, Any]]
    birth_date: date | None


@dataclass(frozen=True)
class Counted:
    msix_id: str
    state: str  # a state's code, or "US" for the national count
    category: int
    age_grade: str


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def ineligible_reason(student: Mapping[str, Any], p: Period) -> str | None:
    """Why a state's student row does not make the child eligible in ``p``; None when it does."""
    qad = _day(student.get("qad"))
    if qad is None:
        return "missing element: qad"
    if qad > p.end:
        return "qualifying arrival after the period"
    expires = _day(student.get("eligibility_expiration_date"))
    if expires is None:
        expires = _add_months(qad, 36)
    return "eligibility expired" if expires < p.start else None


def _add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    return date(day.year + y, m + 1, min(day.day, 28 if m + 1 == 2 else 30 if m + 1 in (4, 6, 9, 11) else 31))


def overlaps(enrollment: Mapping[str, Any], p: Period) -> bool:
    start, end = _day(enrollment.get("enrollment_date")), _day(enrollment.get("withdrawal_date"))
    return start is not None and start <= p.end and (end is None or end >= p.start)


def age_grade(grade: str | None, birth: date | None, p: Period) -> str:
    if grade in AGE_GRADES:
        return grade
    if birth is None:
        return "UG"
    age = p.start.year - birth.year - ((p.start.month, p.start.day) < (birth.month, birth.day))
    return "age 0-2" if age < 3 else "age 3-5" if age <= 5 else "UG"


def _newest_grade(enrollments: Iterable[Mapping[str, Any]]) -> str | None:
    ordered = sorted(enrollments, key=lambda e: (str(e.get("enrollment_date") or ""), str(e.get("state") or "")))
    return str(ordered[-1].get("grade_level") or "") or None if ordered else None


def counted(child: Child, p: Period) -> list[Counted]:
    """The child's places in the count: per state and category, and nationally ("US")."""
    eligible_in = {st for (st, _), row in child.students.items() if ineligible_reason(row, p) is None}
    here = [e for e in child.enrollments if e.get("state") in eligible_in and overlaps(e, p)]
    found: list[Counted] = []
    for category in CATEGORIES:
        chosen = [e for e in here if category == 1 or e.get("enrollment_type") == SUMMER]
        for st in sorted({str(e["state"]) for e in chosen}):
            grade = _newest_grade(e for e in chosen if e["state"] == st)
            found.append(Counted(child.msix_id, st, category, age_grade(grade, child.birth_date, p)))
        if chosen:
            found.append(Counted(child.msix_id, "US", category, age_grade(_newest_grade(chosen), child.birth_date, p)))
    return found


def tally(places: Iterable[Counted], category: int) -> dict[tuple[str, str], int]:
    """Cells (age/grade, state) of one category; the national count is the column "US"."""
    cells: dict[tuple[str, str], int] = {}
    for c in places:
        if c.category == category:
            cells[(c.age_grade, c.state)] = cells.get((c.age_grade, c.state), 0) + 1
    return cells


@dataclass(frozen=True)
class Difference:
    """A child a state's own count and the hub's disagree on, and why."""

    msix_id: str
    state_student_id: str
    reason: str  # "missing element: qad", "eligibility expired", "duplicate resolved by merge"...


def reconcile(child: Child, state: str, p: Period) -> list[Difference]:
    """Where ``state``'s count (each of its student ids with an enrollment there in the period, as the
    state submitted them) and the hub's Category 1 count (children, eligible) differ for this child."""
    mine = (e for e in child.enrollments if e.get("state") == state and overlaps(e, p))
    ids = sorted({str(e.get("state_student_id")) for e in mine})
    if not ids:
        return []
    if any(c.state == state and c.category == 1 for c in counted(child, p)):
        return [Difference(child.msix_id, ssid, "duplicate resolved by merge") for ssid in ids[1:]]
    reasons = [ineligible_reason(child.students.get((state, ssid), {}), p) for ssid in ids]
    return [Difference(child.msix_id, ssid, r or "not eligible") for ssid, r in zip(ids, reasons, strict=True)]
