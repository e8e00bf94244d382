"""The Ed-Fi connector's row checks give exactly what the MDE row models give: the same row, or the
same Problem, for valid rows and for rows broken in every way a field or a rule can be."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest

from connectors.edfi.rows import RowChecker
from connectors.mde.rows import ROW_MODELS, CourseRow, Problem, Row, RowContext, validate_row

CONTEXT = RowContext(today=date(2025, 10, 1))

VALID: dict[type[Row], dict[str, str]] = {
    CourseRow: {
        "action": "I",
        "state_student_id": "6883459553",
        "course_id": "47355-01002-S10:2025-2026:Fall Semester",
        "school_year": "2025-2026",
        "term_type": "S1",
        "course_title": "ENGLISH II",
        "subject_area": "01",
        "course_type": "HON",
        "credits_attempted": "0.500",
        "credits_granted": "0.000",
        "final_grade": "63",
        "in_progress": "N",
    },
}

# Values each checked field of a course row may be given: good ones and every kind of bad one.
COURSE_VALUES: dict[str, list[str]] = {
    "action": ["I", "U", "D", "X", "i", ""],
    "school_year": ["2025-2026", "2025-2027", "2025", "25-26", "abcd-efgh", ""],
    "term_type": ["S1", "FY", "SUM", "S3", "s1", ""],
    "subject_area": ["01", "24", "1", "001", "xx", ""],
    "course_type": ["HON", "AP", "REG", "XYZ", ""],
    "credits_attempted": [
        "0.500",
        "1",
        "1.5",
        "1.5000",
        "1E+2",
        "-0",
        "-1",
        "0.0001",
        "100000",
        "abc",
        "NaN",
        "inf",
        "",
    ],
    "credits_granted": ["0.000", "0.25", "99999.999", "1e-3", "x", ""],
    "clock_hours": ["120", "12.5", "-3", ""],
    "in_progress": ["Y", "N", "y", "maybe", ""],
    "course_title": ["GEOMETRY", ""],
}


def _same(model: type[Row], fields: dict[str, Any]) -> None:
    fast = RowChecker().check(model, dict(fields), CONTEXT)
    full = validate_row(model, dict(fields), CONTEXT)
    if isinstance(full, Problem):
        assert fast == full
        return
    assert isinstance(fast, model)
    assert fast == full
    assert list(fast.__dict__.items()) == list(full.__dict__.items())  # same values, same order
    assert fast.model_fields_set == full.model_fields_set


def test_a_valid_course_row_is_the_same_row() -> None:
    _same(CourseRow, VALID[CourseRow])
    fields = dict(VALID[CourseRow])
    checker = RowChecker()
    first, again = checker.check(CourseRow, fields, CONTEXT), checker.check(CourseRow, fields, CONTEXT)
    assert first == again == validate_row(CourseRow, fields, CONTEXT)  # remembered values give the same row


@pytest.mark.parametrize("column", sorted(COURSE_VALUES))
def test_each_course_field_good_or_bad_gives_the_same_answer(column: str) -> None:
    for value in COURSE_VALUES[column]:
        fields = dict(VALID[CourseRow])
        if value:
            fields[column] = value
        else:
            fields.pop(column, None)  # an empty cell is not reported
        _same(CourseRow, fields)


def test_random_course_rows_give_the_same_answers() -> None:
    rng = random.Random(6)
    checker = RowChecker()  # one checker for all: its remembered values must not leak between rows
    for _ in range(3000):
        fields = dict(VALID[CourseRow])
        for column in rng.sample(sorted(COURSE_VALUES), rng.randint(1, 4)):
            value = rng.choice(COURSE_VALUES[column])
            if value:
                fields[column] = value
            else:
                fields.pop(column, None)
        fast, full = checker.check(CourseRow, dict(fields), CONTEXT), validate_row(CourseRow, dict(fields), CONTEXT)
        assert fast == full, fields
        if not isinstance(full, Problem):
            assert list(fast.__dict__.items()) == list(full.__dict__.items())


@pytest.mark.parametrize(
    "change",
    [
        {"state_student_id": None},  # a required column missing
        {"course_id": None},
        {"surprise": "x"},  # a column the model does not have
        {"final_grade": 63},  # not text
        {"school_year": None, "action": "U"},  # required for U
        {"school_year": None, "course_title": None, "action": "D"},  # not for D
    ],
)
def test_missing_unknown_and_untyped_columns_give_the_same_answer(change: dict[str, Any]) -> None:
    fields: dict[str, Any] = dict(VALID[CourseRow])
    for column, value in change.items():
        if value is None:
            fields.pop(column, None)
        else:
            fields[column] = value
    _same(CourseRow, fields)


@pytest.mark.parametrize("model", ROW_MODELS)
def test_every_family_is_checked_as_the_mde_rows_check_it(model: type[Row]) -> None:
    # Families whose fields pydantic checks without calling Python go to validate_row itself; either
    # way the answers are the same.
    samples: dict[str, dict[str, str]] = {
        "StudentIdentity": {"action": "I", "state_student_id": "1", "first_name": "Ana", "last_name_1": "Ruiz",
                            "birth_date": "2012-03-04", "sex": "F"},
        "Enrollment": {"action": "I", "state_student_id": "1", "enrollment_id": "9-2025-08-20",
                       "enrollment_date": "2025-08-20", "withdrawal_date": "2025-08-01"},
        "Course": VALID[CourseRow],
        "Assessment": {"action": "I", "state_student_id": "1", "assessment_id": "A:1",
                       "administration_date": "2025-13"},
    }  # fmt: skip
    fields = samples[model.FAMILY]
    _same(model, fields)
    _same(model, {**fields, "birth_date": "2030-01-01"} if model.FAMILY == "StudentIdentity" else dict(fields))
