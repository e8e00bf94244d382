"""One pydantic model per MDE file: every rule a single row must obey, each rule written once.

The reader hands a model the row as ``{column: stripped text}`` with empty cells left out, so an
absent column and an empty cell mean the same thing (not reported) and a field's default is None.
Field types (``fields.py``) do their checks inside pydantic-core; only school years, decimal
scaling and the rules across fields run Python. That keeps validation well above 20,000 rows/s.

A row with several bad fields is reported once: ``column`` names the first bad column (in the
contract's column order) and ``reason`` lists every bad field, separated by ``; ``. The rules
across fields (required for I and U, birth date not in the future, withdrawal not before
enrollment) are checked once the fields themselves are valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from operator import itemgetter
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from connectors.mde.fields import (
    LONGEST_QUOTED,
    QUOTABLE,
    Action,
    AssessmentType,
    Content,
    CourseType,
    Day,
    EnrollmentType,
    GradeLevel,
    MedicalAlert,
    Month,
    MsixId,
    SchoolYear,
    Sex,
    StudentIdType,
    SubjectArea,
    TermType,
    Units,
    UspsCode,
    YesNo,
)

# --- the rows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowContext:
    """What the rules across fields need to know about the submission."""

    today: date
    """The submission's date (manifest submitted_at, UTC): nobody is born after it."""


class Row(BaseModel):
    """Fields and rules every file shares."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    FILE: ClassVar[str]
    FAMILY: ClassVar[str]
    """The Avro schema's short name."""
    KEY: ClassVar[str]
    """The column that identifies the record within one student."""
    REQUIRED: ClassVar[tuple[str, ...]] = ()
    """What a consolidated record needs: required for I and U rows; D rows need only the keys."""

    action: Action
    state_student_id: str

    @model_validator(mode="after")
    def _across_fields(self, info: ValidationInfo) -> Self:
        if self.action != "D":
            for name in self.REQUIRED:
                if getattr(self, name) is None:
                    raise _problem(name, "{column} is required for action {action}", action=self.action)
        if isinstance(info.context, RowContext):
            self.check(info.context)
        return self

    def check(self, context: RowContext) -> None:
        """Rules across this file's fields; raise with ``_problem``."""

    @classmethod
    @cache
    def columns(cls) -> tuple[str, ...]:
        """The CSV columns (and the Avro fields after the envelope), in the contract's order."""
        return tuple(cls.model_fields)

    @classmethod
    def always_required(cls) -> tuple[str, ...]:
        return tuple(name for name, field in cls.model_fields.items() if field.is_required())


def _problem(column: str, message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError("row", message, {"column": column, **context})


class StudentRow(Row):
    FILE = "students.csv"
    FAMILY = "StudentIdentity"
    KEY = "state_student_id"
    REQUIRED = ("first_name", "last_name_1", "birth_date", "sex")

    state_student_id_type: StudentIdType | None = None
    msix_id: MsixId | None = None
    first_name: str | None = None
    middle_name: str | None = None
    last_name_1: str | None = None
    last_name_2: str | None = None
    suffix: str | None = None
    sex: Sex | None = None
    birth_date: Day | None = None
    multiple_birth: YesNo | None = None
    birth_city: str | None = None
    birth_state: str | None = None  # free text: many children are born outside the United States
    birth_country: str | None = None
    parent1_first_name: str | None = None
    parent1_last_name: str | None = None
    parent2_first_name: str | None = None
    parent2_last_name: str | None = None
    qad: Day | None = None
    move_from_city: str | None = None
    move_from_state: str | None = None  # free text, like birth_state
    move_from_country: str | None = None
    move_to_city: str | None = None
    move_to_state: UspsCode | None = None  # a move notice goes to movenotice.<move_to_state>
    eligibility_expiration_date: Day | None = None

    def check(self, context: RowContext) -> None:
        if self.birth_date is not None and self.birth_date > context.today:
            raise _problem(
                "birth_date",
                "birth_date '{value}' is after the submission date",
                value=self.birth_date.isoformat(),
            )


class EnrollmentRow(Row):
    FILE = "enrollments.csv"
    FAMILY = "Enrollment"
    KEY = "enrollment_id"
    REQUIRED = ("enrollment_date",)

    enrollment_id: str
    enrollment_date: Day | None = None
    withdrawal_date: Day | None = None
    enrollment_type: EnrollmentType | None = None
    school_name: str | None = None
    nces_school_id: str | None = None
    nces_district_id: str | None = None
    district_name: str | None = None
    facility_city: str | None = None
    facility_state: UspsCode | None = None
    grade_level: GradeLevel | None = None
    lep: YesNo | None = None
    iep: YesNo | None = None
    pfs: YesNo | None = None
    medical_alert: MedicalAlert | None = None
    immunization_record: YesNo | None = None
    residency_date: Day | None = None
    designated_graduation_school: str | None = None
    graduation_date: Day | None = None
    algebra1_or_equivalent: YesNo | None = None
    comment: str | None = None

    def check(self, context: RowContext) -> None:
        start, end = self.enrollment_date, self.withdrawal_date
        if start is not None and end is not None and end < start:
            raise _problem(
                "withdrawal_date",
                "withdrawal_date '{value}' is before enrollment_date '{start}'",
                value=end.isoformat(),
                start=start.isoformat(),
            )


class CourseRow(Row):
    FILE = "courses.csv"
    FAMILY = "Course"
    KEY = "course_id"
    REQUIRED = ("school_year", "course_title")

    course_id: str
    school_year: SchoolYear | None = None
    term_type: TermType | None = None
    course_title: str | None = None
    subject_area: SubjectArea | None = None
    course_type: CourseType | None = None
    course_section: str | None = None
    credits_attempted: Units | None = None
    credits_granted: Units | None = None
    final_grade: str | None = None
    clock_hours: Units | None = None
    grade_to_date: str | None = None
    in_progress: YesNo | None = None
    nces_school_id: str | None = None


class AssessmentRow(Row):
    FILE = "assessments.csv"
    FAMILY = "Assessment"
    KEY = "assessment_id"
    REQUIRED = ("administration_date",)

    assessment_id: str
    title: str | None = None
    content: Content | None = None
    type: AssessmentType | None = None
    administration_date: Month | None = None
    reporting_method: str | None = None
    score: str | None = None
    interpretation: str | None = None


ROW_MODELS: tuple[type[Row], ...] = (StudentRow, EnrollmentRow, CourseRow, AssessmentRow)
"""Every file, in the order a submission is published: students first, so a child exists before
anything is said about them."""


# --- validating one row --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row was refused: the first bad column (None if the row as a whole) and a short reason."""

    column: str | None
    reason: str


# C0 control characters other than tab, line feed and carriage return: never in a name or a code,
# and their absence makes the unit separator (0x1f) a safe joint for the canonical content.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Layout:
    """How one file's header maps cells to fields: built once per file, used for every row."""

    def __init__(self, model: type[Row], header: list[str]) -> None:
        self.model = model
        self.header = header
        # The canonical content lists every column of the contract in its order, "" where the file has
        # no such column (index -1 is the "" appended to each row), so it does not depend on the file's
        # column order nor on whether an empty column is there at all.
        order = [header.index(column) if column in header else -1 for column in model.columns()]
        self._in_order = itemgetter(*order)

    def fields(self, cells: list[str]) -> tuple[dict[str, str], str] | Problem:
        """The row as ``{column: text}`` (cells stripped, empty ones left out: not reported), and its
        canonical content: the row's identity for event ids."""
        if len(cells) != len(self.header):
            return Problem(None, f"row has {len(cells)} cells but the header has {len(self.header)}")
        if _CONTROL.search("".join(cells)):
            column = next(col for col, cell in zip(self.header, cells, strict=True) if _CONTROL.search(cell))
            return Problem(column, f"{column} contains a control character")
        texts = list(map(str.strip, cells))
        fields = {column: text for column, text in zip(self.header, texts, strict=True) if text}
        texts.append("")
        return fields, "\x1f".join(self._in_order(texts))


def validate_row(model: type[Row], fields: dict[str, str], context: RowContext) -> Row | Problem:
    """The row as a model, or the Problem that refuses it. ``fields`` comes from ``Layout.fields``."""
    try:
        # The model's validator itself: model_validate adds only a Python call around it.
        return model.__pydantic_validator__.validate_python(fields, context=context)
    except ValidationError as exc:
        return _describe(exc)


def _describe(exc: ValidationError) -> Problem:
    columns: list[str] = []
    reasons: list[str] = []
    for error in exc.errors(include_url=False):
        ctx = error.get("ctx") or {}
        column = str(error["loc"][0]) if error["loc"] else str(ctx.get("column", "")) or None
        if column is not None:
            columns.append(column)
        reasons.append(_reason(column, error["type"], error["msg"], error.get("input")))
    return Problem(columns[0] if columns else None, "; ".join(reasons))


def _reason(column: str | None, kind: str, message: str, value: Any) -> str:
    if kind == "row":
        return message
    if kind == "missing":
        return f"{column} is required"
    if kind == "extra_forbidden":
        return f"unknown column {column!r}"
    if kind in QUOTABLE and isinstance(value, str):
        if len(value) <= LONGEST_QUOTED:
            return f"{column} {value!r} {message}"
        return f"{column} (a value of {len(value)} characters) {message}"
    return f"{column} {message}"
