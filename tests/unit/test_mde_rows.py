"""Every rule of one MDE row, table-driven: good rows, each kind of bad row, D rows with only keys."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors import codes
from connectors.mde.rows import (
    ROW_MODELS,
    AssessmentRow,
    CourseRow,
    EnrollmentRow,
    Layout,
    Problem,
    Row,
    RowContext,
    StudentRow,
    validate_row,
)
from producers.topics import USPS_CODES

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
CTX = RowContext(today=date(2025, 9, 2))
ENVELOPE = {"event_id", "state", "source_ts", "submission_id"}

GOOD: dict[type[Row], dict[str, str]] = {
    StudentRow: {
        "action": "I",
        "state_student_id": "TX001",
        "state_student_id_type": "01",
        "msix_id": "123456789012",
        "first_name": "José",
        "middle_name": "Ángel",
        "last_name_1": "Núñez",
        "last_name_2": "Peña",
        "sex": "M",
        "birth_date": "2012-02-29",
        "multiple_birth": "N",
        "birth_state": "Oaxaca",
        "qad": "2025-08-01",
        "move_to_state": "WA",
        "eligibility_expiration_date": "2028-07-31",
    },
    EnrollmentRow: {
        "action": "I",
        "state_student_id": "TX001",
        "enrollment_id": "E1",
        "enrollment_date": "2025-08-20",
        "withdrawal_date": "2025-08-20",
        "enrollment_type": "01",
        "facility_state": "TX",
        "grade_level": "KG",
        "lep": "Y",
        "iep": "N",
        "pfs": "Y",
        "medical_alert": "C",
        "immunization_record": "Y",
        "residency_date": "2025-08-01",
        "graduation_date": "2031-06-01",
        "algebra1_or_equivalent": "N",
    },
    CourseRow: {
        "action": "U",
        "state_student_id": "TX001",
        "course_id": "C1",
        "school_year": "2025-2026",
        "term_type": "SUM",
        "course_title": "Álgebra I",
        "subject_area": "02",
        "course_type": "DUAL",
        "credits_attempted": "0.5",
        "credits_granted": "1.250",
        "clock_hours": "120",
        "in_progress": "Y",
    },
    AssessmentRow: {
        "action": "I",
        "state_student_id": "TX001",
        "assessment_id": "A1",
        "content": "ELP",
        "type": "04",
        "administration_date": "2025-04",
        "score": "4.5",
    },
}


def check(model: type[Row], **changes: str | None) -> Row | Problem:
    fields = {**GOOD[model], **changes}
    return validate_row(model, {k: v for k, v in fields.items() if v is not None}, CTX)


@pytest.mark.parametrize("model", ROW_MODELS, ids=lambda m: m.FILE)
def test_good_row_is_accepted(model: type[Row]) -> None:
    row = check(model)
    assert isinstance(row, model), row


def test_values_are_typed_for_avro() -> None:
    student = check(StudentRow)
    assert isinstance(student, StudentRow)
    assert student.birth_date == date(2012, 2, 29)
    assert student.first_name == "José" and student.last_name_1 == "Núñez"
    assert student.suffix is None
    course = check(CourseRow, clock_hours="1E+2", credits_attempted="1.5000")
    assert isinstance(course, CourseRow)
    assert course.credits_attempted == Decimal("1.500") and str(course.credits_attempted) == "1.500"
    assert str(course.credits_granted) == "1.250"
    assert str(course.clock_hours) == "100.000"
    assert str(check(CourseRow, credits_granted="-0").credits_granted) == "0.000"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("model", "keys"),
    [
        (StudentRow, {"state_student_id": "TX001"}),
        (EnrollmentRow, {"state_student_id": "TX001", "enrollment_id": "E1"}),
        (CourseRow, {"state_student_id": "TX001", "course_id": "C1"}),
        (AssessmentRow, {"state_student_id": "TX001", "assessment_id": "A1"}),
    ],
    ids=lambda v: getattr(v, "FILE", ""),
)
def test_delete_needs_only_the_keys(model: type[Row], keys: dict[str, str]) -> None:
    row = validate_row(model, {"action": "D", **keys}, CTX)
    assert isinstance(row, model), row
    assert all(getattr(row, name) is None for name in model.REQUIRED)
    # ...while the same keys without D are not a record.
    insert = validate_row(model, {"action": "I", **keys}, CTX)
    assert isinstance(insert, Problem) and insert.column == model.REQUIRED[0]


# (model, changes, column, reason). ``None`` removes the cell (empty = not reported).
BAD: list[tuple[type[Row], dict[str, str | None], str, str]] = [
    (StudentRow, {"action": None}, "action", "action is required"),
    (StudentRow, {"action": "X"}, "action", "action 'X' is not one of D, I, U"),
    (StudentRow, {"action": "i"}, "action", "action 'i' is not one of D, I, U"),
    (StudentRow, {"state_student_id": None}, "state_student_id", "state_student_id is required"),
    (StudentRow, {"first_name": None}, "first_name", "first_name is required for action I"),
    (StudentRow, {"last_name_1": None}, "last_name_1", "last_name_1 is required for action I"),
    (StudentRow, {"birth_date": None}, "birth_date", "birth_date is required for action I"),
    (StudentRow, {"sex": None}, "sex", "sex is required for action I"),
    (StudentRow, {"sex": "Q"}, "sex", "sex 'Q' is not one of F, M, X"),
    (StudentRow, {"state_student_id_type": "1"}, "state_student_id_type", "'1' is not one of 01, 02"),
    (StudentRow, {"msix_id": "12345"}, "msix_id", "msix_id is not a 12-digit MSIX id"),
    (StudentRow, {"birth_date": "2025-02-30"}, "birth_date", "'2025-02-30' is not a real date"),
    (StudentRow, {"birth_date": "2013-02-29"}, "birth_date", "'2013-02-29' is not a real date"),
    (StudentRow, {"birth_date": "2012-3-4"}, "birth_date", "'2012-3-4' is not a real date"),
    (StudentRow, {"birth_date": "03/04/2012"}, "birth_date", "'03/04/2012' is not a real date"),
    (StudentRow, {"birth_date": "20120304"}, "birth_date", "'20120304' is not a real date"),
    (StudentRow, {"birth_date": "2012-03-04T00:00:00"}, "birth_date", "is not a real date in YYYY-MM-DD"),
    (StudentRow, {"birth_date": "2025-09-03"}, "birth_date", "'2025-09-03' is after the submission date"),
    (StudentRow, {"qad": "2025-13-01"}, "qad", "qad '2025-13-01' is not a real date"),
    (StudentRow, {"multiple_birth": "Yes"}, "multiple_birth", "'Yes' is not one of N, Y"),
    (StudentRow, {"move_to_state": "ZZ"}, "move_to_state", "move_to_state 'ZZ' is not a USPS state code"),
    (StudentRow, {"eligibility_expiration_date": "2028-06-31"}, "eligibility_expiration_date", "real date"),
    (EnrollmentRow, {"enrollment_id": None}, "enrollment_id", "enrollment_id is required"),
    (EnrollmentRow, {"enrollment_date": None}, "enrollment_date", "enrollment_date is required for action I"),
    (
        EnrollmentRow,
        {"withdrawal_date": "2025-08-19"},
        "withdrawal_date",
        "withdrawal_date '2025-08-19' is before enrollment_date '2025-08-20'",
    ),
    (EnrollmentRow, {"enrollment_type": "05"}, "enrollment_type", "'05' is not one of 01, 02, 03, 04"),
    (EnrollmentRow, {"grade_level": "13"}, "grade_level", "grade_level '13' is not one of"),
    (EnrollmentRow, {"grade_level": "5"}, "grade_level", "grade_level '5' is not one of"),
    (EnrollmentRow, {"facility_state": "tx"}, "facility_state", "'tx' is not a USPS state code"),
    (EnrollmentRow, {"lep": "y"}, "lep", "lep 'y' is not one of N, Y"),
    (EnrollmentRow, {"iep": "1"}, "iep", "iep '1' is not one of N, Y"),
    (EnrollmentRow, {"pfs": "T"}, "pfs", "pfs 'T' is not one of N, Y"),
    (EnrollmentRow, {"medical_alert": "Y"}, "medical_alert", "medical_alert 'Y' is not one of A, C, N"),
    (EnrollmentRow, {"immunization_record": "X"}, "immunization_record", "'X' is not one of N, Y"),
    (EnrollmentRow, {"algebra1_or_equivalent": "X"}, "algebra1_or_equivalent", "'X' is not one of N, Y"),
    (EnrollmentRow, {"residency_date": "2025-00-10"}, "residency_date", "'2025-00-10' is not a real date"),
    (EnrollmentRow, {"graduation_date": "next year"}, "graduation_date", "'next year' is not a real date"),
    (CourseRow, {"course_id": None}, "course_id", "course_id is required"),
    (CourseRow, {"school_year": None}, "school_year", "school_year is required for action U"),
    (CourseRow, {"course_title": None}, "course_title", "course_title is required for action U"),
    (CourseRow, {"school_year": "2025-2027"}, "school_year", "'2025-2027' is not a school year"),
    (CourseRow, {"school_year": "2026-2025"}, "school_year", "'2026-2025' is not a school year"),
    (CourseRow, {"school_year": "2025"}, "school_year", "'2025' is not a school year"),
    (CourseRow, {"school_year": "2025-26"}, "school_year", "'2025-26' is not a school year"),
    (CourseRow, {"term_type": "S3"}, "term_type", "term_type 'S3' is not one of"),
    (CourseRow, {"course_type": "GT"}, "course_type", "course_type 'GT' is not one of"),
    (
        CourseRow,
        {"subject_area": "2"},
        "subject_area",
        "subject_area '2' is not a two-digit SCED subject code",
    ),
    (CourseRow, {"in_progress": "maybe"}, "in_progress", "in_progress 'maybe' is not one of N, Y"),
    (CourseRow, {"credits_attempted": "-0.5"}, "credits_attempted", "credits_attempted must be a number"),
    (CourseRow, {"credits_granted": "0.0001"}, "credits_granted", "at most 3 decimal places"),
    (CourseRow, {"credits_granted": "1.2345"}, "credits_granted", "at most 3 decimal places"),
    (CourseRow, {"clock_hours": "abc"}, "clock_hours", "clock_hours must be a number"),
    (CourseRow, {"clock_hours": "NaN"}, "clock_hours", "clock_hours must be a number"),
    (CourseRow, {"clock_hours": "100000"}, "clock_hours", "below 100000"),
    (CourseRow, {"clock_hours": "1,5"}, "clock_hours", "clock_hours must be a number"),
    (AssessmentRow, {"assessment_id": None}, "assessment_id", "assessment_id is required"),
    (AssessmentRow, {"administration_date": None}, "administration_date", "is required for action I"),
    (AssessmentRow, {"administration_date": "2025-13"}, "administration_date", "'2025-13' is not a month"),
    (AssessmentRow, {"administration_date": "2025-04-01"}, "administration_date", "in YYYY-MM form"),
    (AssessmentRow, {"administration_date": "2025-4"}, "administration_date", "'2025-4' is not a month"),
    (AssessmentRow, {"content": "HIST"}, "content", "content 'HIST' is not one of ELA, ELP, MATH"),
    (AssessmentRow, {"type": "06"}, "type", "type '06' is not one of 01, 02, 03, 04, 05"),
]


@pytest.mark.parametrize(
    ("model", "changes", "column", "reason"), BAD, ids=[f"{m.FILE}-{c}-{r[:24]}" for m, _, c, r in BAD]
)
def test_bad_row_names_column_and_reason(
    model: type[Row], changes: dict[str, str | None], column: str, reason: str
) -> None:
    problem = check(model, **changes)
    assert isinstance(problem, Problem), problem
    assert problem.column == column
    assert reason in problem.reason
    assert "\n" not in problem.reason


def test_several_problems_name_the_first_column_and_list_all() -> None:
    problem = check(StudentRow, sex="Q", msix_id="1", birth_date="2012-02-30")
    assert isinstance(problem, Problem)
    assert problem.column == "msix_id"  # the contract's column order
    assert problem.reason == (
        "msix_id is not a 12-digit MSIX id; sex 'Q' is not one of F, M, X; "
        "birth_date '2012-02-30' is not a real date in YYYY-MM-DD form"
    )


def test_reasons_quote_codes_and_dates_but_no_names_or_ids() -> None:
    problem = check(StudentRow, first_name="Zyxwvu", msix_id="98765", sex="Q", move_to_state="Sinaloa")
    assert isinstance(problem, Problem)
    assert "Zyxwvu" not in problem.reason and "98765" not in problem.reason and "TX001" not in problem.reason
    assert "'Q'" in problem.reason and "'Sinaloa'" in problem.reason
    misplaced = check(StudentRow, sex="María Guadalupe")
    assert isinstance(misplaced, Problem)
    assert misplaced.reason == "sex (a value of 15 characters) is not one of F, M, X"
    course = check(CourseRow, credits_granted="1.23456")
    assert isinstance(course, Problem) and "1.23456" not in course.reason


def test_birth_date_on_the_submission_day_is_fine() -> None:
    assert isinstance(check(StudentRow, birth_date="2025-09-02"), StudentRow)


def test_unknown_field_is_refused() -> None:
    problem = validate_row(StudentRow, {**GOOD[StudentRow], "shoe_size": "3"}, CTX)
    assert isinstance(problem, Problem) and problem.column == "shoe_size"


# --- Layout: cells to fields ---------------------------------------------------------------------


def test_cells_are_stripped_and_empty_cells_left_out() -> None:
    layout = Layout(AssessmentRow, ["state_student_id", "action", "assessment_id", "title", "score"])
    parsed = layout.fields([" TX001 ", "I\t", "A1", "   ", "\u00a0 "])
    assert not isinstance(parsed, Problem)
    fields, _ = parsed
    assert fields == {"state_student_id": "TX001", "action": "I", "assessment_id": "A1"}


def test_canonical_content_ignores_column_order_and_empty_columns() -> None:
    a = Layout(AssessmentRow, ["action", "state_student_id", "assessment_id", "title"])
    b = Layout(AssessmentRow, ["assessment_id", "score", "state_student_id", "action"])
    pa, pb = a.fields(["I", "S1", "A1", ""]), b.fields(["A1", "", "S1", "I"])
    assert not isinstance(pa, Problem) and not isinstance(pb, Problem)
    assert pa[1] == pb[1]
    pc = b.fields(["A1", "7", "S1", "I"])
    assert not isinstance(pc, Problem) and pc[1] != pa[1]


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        (["I", "S1"], None, "row has 2 cells but the header has 3"),
        (["I", "S1", "A1", "x"], None, "row has 4 cells but the header has 3"),
        (["I", "S1", "A\x001"], "assessment_id", "assessment_id contains a control character"),
        (["I", "S\x1f1", "A1"], "state_student_id", "state_student_id contains a control character"),
    ],
)
def test_malformed_rows(cells: list[str], column: str | None, reason: str) -> None:
    problem = Layout(AssessmentRow, ["action", "state_student_id", "assessment_id"]).fields(cells)
    assert problem == Problem(column, reason)


def test_tabs_and_line_breaks_inside_a_cell_are_text() -> None:
    layout = Layout(EnrollmentRow, ["action", "state_student_id", "enrollment_id", "comment"])
    parsed = layout.fields(["D", "S1", "E1", "first line\r\nsecond\tline"])
    assert not isinstance(parsed, Problem)
    assert parsed[0]["comment"] == "first line\r\nsecond\tline"


# --- the models agree with the contract and the Avro schemas ---------------------------------------


SCHEMA_FILES = {
    StudentRow: "student_identity.avsc",
    EnrollmentRow: "enrollment.avsc",
    CourseRow: "course.avsc",
    AssessmentRow: "assessment.avsc",
}


@pytest.mark.parametrize("model", ROW_MODELS, ids=lambda m: m.FILE)
def test_columns_are_the_avro_fields_after_the_envelope(model: type[Row]) -> None:
    schema = json.loads((SCHEMAS / SCHEMA_FILES[model]).read_text())
    assert schema["name"] == model.FAMILY
    avro = [f["name"] for f in schema["fields"]]
    assert set(avro) == set(model.columns()) | ENVELOPE
    assert [name for name in avro if name not in ENVELOPE] == list(model.columns())
    assert model.KEY in model.always_required()
    assert set(model.always_required()) == {"action", "state_student_id", model.KEY}


def test_publishing_order_is_students_first() -> None:
    assert [m.FILE for m in ROW_MODELS] == [
        "students.csv",
        "enrollments.csv",
        "courses.csv",
        "assessments.csv",
    ]


def test_code_lists() -> None:
    assert {"PK", "KG", "UG", "OS"} | {f"{g:02d}" for g in range(1, 13)} == codes.GRADE_LEVEL
    assert {"FY", "S1", "S2", "T1", "T2", "T3", "Q1", "Q2", "Q3", "Q4", "SUM", "OTH"} == codes.TERM_TYPE
    assert frozenset(USPS_CODES) == codes.USPS and "PR" in codes.USPS
    assert all(isinstance(v, frozenset) for k, v in vars(codes).items() if k.isupper())


def _values(model: type[Row], **extra: Any) -> dict[str, Any]:
    row = check(model)
    assert isinstance(row, Row)
    return {**row.__dict__, **extra}


@pytest.mark.parametrize("model", ROW_MODELS, ids=lambda m: m.FILE)
def test_model_values_encode_with_the_avro_schema(model: type[Row]) -> None:
    import io
    from datetime import UTC, datetime

    import fastavro

    schema = fastavro.parse_schema(json.loads((SCHEMAS / SCHEMA_FILES[model]).read_text()))
    stamp = datetime(2025, 9, 2, 10, tzinfo=UTC)
    record = _values(model, event_id="e" * 32, state="TX", source_ts=stamp, submission_id="s" * 32)
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, schema, record)
    buf.seek(0)
    assert fastavro.schemaless_reader(buf, schema, schema) == record
