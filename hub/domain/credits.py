"""Credit accrual toward graduation: pure, from the consolidated record's courses and one state's
requirements (no I/O; the requirement files are read by ``hub.requirements``).

- A course counts once: when two states report the same course (a receiving school records the
  transcript the child brings), the copies share school year, term, SCED subject and title; the copy
  with the most credit granted counts, the others are listed as duplicates.
- A course still in progress (``in_progress`` = Y, or no credit granted yet and no final grade) counts
  apart, with its credits attempted: what the child earns if it is passed.
- Credits above a subject's minimum count toward the total (electives); so do subjects the state
  does not name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Area:
    """A requirement: ``credits`` Carnegie units from courses of any of ``subjects`` (SCED codes)."""

    name: str
    subjects: tuple[str, ...]
    credits: Decimal


@dataclass(frozen=True, slots=True)
class Requirements:
    """One state's graduation requirements. Areas are filled in file order, so a subject named by
    two areas fills the first before the second; what no area takes counts toward ``total`` only."""

    state: str  # USPS code, or "default"
    name: str
    source: str
    total: Decimal
    areas: tuple[Area, ...]


@dataclass(frozen=True, slots=True)
class CountedCourse:
    course: dict[str, Any]
    status: str  # "earned", "in_progress", "duplicate", "no_credit"
    credits: Decimal  # granted (earned), attempted (in progress), 0 otherwise


@dataclass(frozen=True, slots=True)
class AreaStanding:
    area: Area
    earned: Decimal  # taken toward this area from earned credits
    in_progress: Decimal  # taken toward what is still missing from courses in progress

    @property
    def remaining(self) -> Decimal:
        return max(ZERO, self.area.credits - self.earned)

    @property
    def missing_after_current(self) -> Decimal:
        return max(ZERO, self.area.credits - self.earned - self.in_progress)


@dataclass(frozen=True, slots=True)
class CreditSummary:
    requirements: Requirements
    earned: dict[str, Decimal]  # by SCED subject
    in_progress: dict[str, Decimal]  # by SCED subject
    areas: list[AreaStanding]
    earned_total: Decimal
    in_progress_total: Decimal
    courses: list[CountedCourse]

    @property
    def remaining_total(self) -> Decimal:
        return max(ZERO, self.requirements.total - self.earned_total)

    @property
    def missing_total_after_current(self) -> Decimal:
        return max(ZERO, self.requirements.total - self.earned_total - self.in_progress_total)

    @property
    def graduates_if_current_courses_passed(self) -> bool:
        return all(a.missing_after_current == ZERO for a in self.areas) and self.missing_total_after_current == ZERO

    @property
    def requirements_met(self) -> bool:
        return all(a.remaining == ZERO for a in self.areas) and self.remaining_total == ZERO


_WORDS = re.compile(r"[^a-z0-9]+")


def same_course_key(course: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """What makes two states' reports one course: year, term, SCED subject, title (case, accents and
    punctuation ignored). Course ids differ between states, so they cannot decide it."""
    title = unicodedata.normalize("NFKD", str(course.get("course_title") or ""))
    plain = "".join(ch for ch in title if not unicodedata.combining(ch)).lower()
    return (
        str(course.get("school_year") or ""),
        str(course.get("term_type") or ""),
        str(course.get("subject_area") or ""),
        _WORDS.sub(" ", plain).strip(),
    )


def _units(value: Any) -> Decimal:
    if value is None or value == "":
        return ZERO
    return Decimal(str(value))


def _is_in_progress(course: Mapping[str, Any]) -> bool:
    if course.get("in_progress") == "Y":
        return True
    # Not flagged, but nothing final reported yet: a course a state left open.
    return course.get("in_progress") is None and course.get("credits_granted") is None and not course.get("final_grade")


def _rank(course: Mapping[str, Any]) -> tuple[int, Decimal]:
    """Which copy of a course counts: a finished one over one in progress, then the most credit."""
    return (0 if _is_in_progress(course) else 1, _units(course.get("credits_granted")))


def classify(courses: Iterable[Mapping[str, Any]]) -> list[CountedCourse]:
    """Every course with how it counts, in the order given."""
    listed = [dict(c) for c in courses]
    best: dict[tuple[str, str, str, str], int] = {}
    for i, course in enumerate(listed):
        key = same_course_key(course)
        if key not in best or _rank(course) > _rank(listed[best[key]]):
            best[key] = i
    out: list[CountedCourse] = []
    for i, course in enumerate(listed):
        if best[same_course_key(course)] != i:
            out.append(CountedCourse(course, "duplicate", ZERO))
        elif _is_in_progress(course):
            out.append(CountedCourse(course, "in_progress", _units(course.get("credits_attempted"))))
        else:
            granted = _units(course.get("credits_granted"))
            out.append(CountedCourse(course, "earned" if granted > ZERO else "no_credit", granted))
    return out


def by_subject(counted: Iterable[CountedCourse], status: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for c in counted:
        if c.status == status:
            subject = str(c.course.get("subject_area") or "")
            out[subject] = out.get(subject, ZERO) + c.credits
    return dict(sorted(out.items()))


def _fill(areas: tuple[Area, ...], pool: dict[str, Decimal], wanted: list[Decimal]) -> list[Decimal]:
    """Take from ``pool`` (credits by subject, consumed) toward each area's ``wanted``, in order."""
    taken: list[Decimal] = []
    for area, want in zip(areas, wanted, strict=True):
        got = ZERO
        for subject in area.subjects:
            step = min(want - got, pool.get(subject, ZERO))
            if step > ZERO:
                pool[subject] -= step
                got += step
        taken.append(got)
    return taken


def accrue(courses: Iterable[Mapping[str, Any]], requirements: Requirements) -> CreditSummary:
    counted = classify(courses)
    earned = by_subject(counted, "earned")
    progress = by_subject(counted, "in_progress")
    areas = requirements.areas
    from_earned = _fill(areas, dict(earned), [a.credits for a in areas])
    # Courses in progress go only toward what earned credits leave missing.
    from_progress = _fill(areas, dict(progress), [a.credits - e for a, e in zip(areas, from_earned, strict=True)])
    return CreditSummary(
        requirements=requirements,
        earned=earned,
        in_progress=progress,
        areas=[AreaStanding(a, e, p) for a, e, p in zip(areas, from_earned, from_progress, strict=True)],
        earned_total=sum(earned.values(), ZERO),
        in_progress_total=sum(progress.values(), ZERO),
        courses=counted,
    )
