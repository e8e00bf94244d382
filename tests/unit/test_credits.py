"""Credit accrual: duplicates counted once, courses in progress apart, areas filled in order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from hub import requirements
from hub.domain.credits import Area, Requirements, accrue, classify, same_course_key

D = Decimal


def course(title: str, subject: str, granted: float | None = 1.0, **over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "state": "TX",
        "school_year": "2024-2025",
        "term_type": "FY",
        "course_title": title,
        "subject_area": subject,
        "credits_attempted": 1.0,
        "credits_granted": granted,
        "final_grade": "B" if granted is not None else None,
        "in_progress": "N" if granted is not None else "Y",
    }
    row.update(over)
    return row


SMALL = Requirements(
    "XX", "test", "test", D(6), (Area("English", ("01",), D(2)), Area("Arts or CTE", ("05", "18"), D(1)))
)


def test_same_course_from_two_states_counts_once_with_the_most_credit() -> None:
    tx = course("U.S. History", "04", 0.5)
    fl = course("U.S.  history", "04", 1.0, state="FL")
    statuses = [(c.course["state"], c.status, c.credits) for c in classify([tx, fl])]
    assert statuses == [("TX", "duplicate", D(0)), ("FL", "earned", D("1.0"))]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ({}, {"course_title": "Algebra  I!"}, True),
        ({}, {"course_title": "Álgebra I"}, True),
        ({}, {"school_year": "2025-2026"}, False),
        ({}, {"term_type": "S1"}, False),
        ({}, {"subject_area": "03"}, False),
        ({}, {"course_title": "Algebra II"}, False),
    ],
)
def test_what_makes_two_reports_one_course(a: dict[str, Any], b: dict[str, Any], same: bool) -> None:
    base = course("Algebra I", "02")
    assert (same_course_key({**base, **a}) == same_course_key({**base, **b})) is same


def test_a_finished_copy_wins_over_one_in_progress() -> None:
    done, open_ = course("Biology", "03", 1.0), course("Biology", "03", None, state="FL")
    assert [c.status for c in classify([open_, done])] == ["duplicate", "earned"]


@pytest.mark.parametrize(
    ("row", "status", "credits"),
    [
        (course("Art I", "05", 1.0), "earned", D(1)),
        (course("Art I", "05", 0.0, final_grade="F"), "no_credit", D(0)),
        (course("Art I", "05", None), "in_progress", D(1)),
        # no flag, no grade, no credit yet: a course the state left open
        (course("Art I", "05", None, in_progress=None, final_grade=None), "in_progress", D(1)),
        (course("Art I", "05", None, in_progress="N", final_grade="W"), "no_credit", D(0)),
    ],
)
def test_how_one_course_counts(row: dict[str, Any], status: str, credits: Decimal) -> None:
    [counted] = classify([row])
    assert (counted.status, counted.credits) == (status, credits)


def test_graduates_only_if_current_courses_cover_every_area_and_the_total() -> None:
    courses = [
        course("English I", "01"),
        course("Agriculture I", "18"),
        course("Band", "05"),  # beyond the area: counts toward the total only
        course("Algebra I", "02"),
        course("English II", "01", None),
        course("Geometry", "02", None),
    ]
    s = accrue(courses, SMALL)
    assert (s.earned_total, s.in_progress_total) == (D(4), D(2))
    assert [(a.area.name, a.earned, a.in_progress, a.remaining, a.missing_after_current) for a in s.areas] == [
        ("English", D(1), D(1), D(1), D(0)),
        ("Arts or CTE", D(1), D(0), D(0), D(0)),
    ]
    assert s.graduates_if_current_courses_passed and not s.requirements_met
    short = accrue(courses[:-1], SMALL)  # the total falls short by one
    assert not short.graduates_if_current_courses_passed and short.missing_total_after_current == D(1)
    others = [c for c in courses if c["subject_area"] != "01"] + [course("x", "23"), course("y", "23")]
    no_english = accrue(others, SMALL)
    assert no_english.missing_total_after_current == D(0) and not no_english.graduates_if_current_courses_passed


def test_in_progress_fills_only_what_is_missing() -> None:
    s = accrue([course("English I", "01"), course("English II", "01"), course("English III", "01", None)], SMALL)
    assert s.areas[0].earned == D(2) and s.areas[0].in_progress == D(0)
    assert s.in_progress == {"01": D(1)}


@pytest.mark.parametrize("state", ["TX", "CA", "FL", "WA", "default"])
def test_every_shipped_requirements_file_parses(state: str) -> None:
    req = requirements.for_state(state)
    assert req.state == state and req.total >= sum(a.credits for a in req.areas) and req.areas


def test_a_state_without_a_file_gets_the_default() -> None:
    assert requirements.for_state("NY").state == "default"


HEAD = {"state": "XX", "name": "n", "source": "s", "total": 1}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"state": "XX", "name": "n", "source": "s"}, "total"),
        ({**HEAD, "area": [{"name": "a", "subjects": ["1"], "credits": 1}]}, "two-digit"),
        ({**HEAD, "area": [{"name": "a", "subjects": ["01"], "credits": 2}]}, "more credits"),
    ],
)  # fmt: skip
def test_a_malformed_requirements_file_is_refused(data: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        requirements.parse(data)
