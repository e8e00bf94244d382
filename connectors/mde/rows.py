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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from operator import itemgetter
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from connectors.limits import YEARS_AHEAD, rules_of
from connectors.limits import Day as DayRule
from connectors.mde.fields import (
    LONGEST_QUOTED,
    QUOTABLE,
    Action,
    AssessmentType,
    Comment,
    Content,
    CourseType,
    Day,
    EnrollmentType,
    Grade,
    GradeLevel,
    Id,
    Institution,
    Key,
    MedicalAlert,
    Month,
    MsixId,
    Name,
    Place,
    SchoolYear,
    Sex,
    Short,
    StudentIdType,
    SubjectArea,
    Suffix,
    TermType,
    Title,
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
    _dates: ClassVar[tuple[str, ...] | None] = None

    action: Action
    state_student_id: Id

    @model_validator(mode="after")
    def _across_fields(self, info: ValidationInfo) -> Self:
        context = info.context if isinstance(info.context, RowContext) else None
        broken = self.broken(self.__dict__, context.today if context else None)
        if broken is not None:
            raise broken.error()
        return self

    def check(self, context: RowContext) -> None:
        """The rules across this row's fields; raise the first one broken (as the model does)."""
        broken = self.broken(self.__dict__, context.today)
        if broken is not None:
            raise broken.error()

    @classmethod
    def broken(cls, values: Mapping[str, Any], today: date | None) -> Broken | None:
        """The first rule across fields that ``values`` (checked field by field already) break, or None.
        ``today`` is the submission's date (None: skip the rules that need it). The hub applies this
        to a decoded Avro value, the connector to a row: one rule, once."""
        action = values["action"]
        if action != "D":
            for name in cls.REQUIRED:
                if values.get(name) is None:
                    return Broken(name, f"is required for action {action}", "{column} is required for action {action}")
        if today is None:
            return None
        dates = cls._dates
        if dates is None:
            dates = cls._dates = cls.dates()  # once a class: the hub asks for every record
        latest = _years_after(today, YEARS_AHEAD) if dates else today
        for name in dates:
            value = values.get(name)
            if value is not None and value > latest:
                return Broken(
                    name,
                    f"is more than {YEARS_AHEAD} years after the submission date",
                    name + " '{value}' is more than " + f"{YEARS_AHEAD} years after the submission date",
                    value.isoformat(),
                )
        return cls.across(values, today)

    @classmethod
    def across(cls, values: Mapping[str, Any], today: date) -> Broken | None:
        """This file's own rules across fields."""
        return None

    @classmethod
    @cache
    def dates(cls) -> tuple[str, ...]:
        """The fields holding a date (``Day``)."""
        fields = cls.model_fields.items()
        return tuple(n for n, f in fields if any(isinstance(r, DayRule) for r in rules_of(f.annotation, f.metadata)))

    @classmethod
    @cache
    def columns(cls) -> tuple[str, ...]:
        """The CSV columns (and the Avro fields after the envelope), in the contract's order."""
        return tuple(cls.model_fields)

    @classmethod
    def always_required(cls) -> tuple[str, ...]:
        return tuple(name for name, field in cls.model_fields.items() if field.is_required())


@dataclass(frozen=True, slots=True)
class Broken:
    """A rule across fields a row breaks. ``rule`` says it without any value (what the hub's reasons
    say after the column); ``message`` is the connector's, which may quote dates (``value``, ``other``)."""

    column: str
    rule: str
    message: str
    value: str | None = None
    other: str | None = None

    def error(self) -> PydanticCustomError:
        context = {"column": self.column, "value": self.value, "other": self.other}
        if "{action}" in self.message:
            context["action"] = self.rule.rpartition(" ")[2]
        return PydanticCustomError("row", self.message, context)


@lru_cache(maxsize=64)  # the hub asks for each record; a stream carries few submission dates
def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class StudentRow(Row):
    FILE = "students.csv"
    FAMILY = "StudentIdentity"
    KEY = "state_student_id"
    REQUIRED = ("first_name", "last_name_1", "birth_date", "sex")

    state_student_id_type: StudentIdType | None = None
    msix_id: MsixId | None = None
    first_name: Name | None = None
    middle_name: Name | None = None
    last_name_1: Name | None = None
    last_name_2: Name | None = None
    suffix: Suffix | None = None
    sex: Sex | None = None
    birth_date: Day | None = None
    multiple_birth: YesNo | None = None
    birth_city: Place | None = None
    birth_state: Place | None = None  # free text: many children are born outside the United States
    birth_country: Place | None = None
    parent1_first_name: Name | None = None
    parent1_last_name: Name | None = None
    parent2_first_name: Name | None = None
    parent2_last_name: Name | None = None
    qad: Day | None = None
    move_from_city: Place | None = None
    move_from_state: Place | None = None  # free text, like birth_state
    move_from_country: Place | None = None
    move_to_city: Place | None = None
    move_to_state: UspsCode | None = None  # a move notice goes to movenotice.<move_to_state>
    eligibility_expiration_date: Day | None = None

    @classmethod
    def across(cls, values: Mapping[str, Any], today: date) -> Broken | None:
        born = values.get("birth_date")
        if born is not None and born > today:
            return Broken(
                "birth_date",
                "is after the submission date",
                "birth_date '{value}' is after the submission date",
                born.isoformat(),
            )
        return None


class EnrollmentRow(Row):
    FILE = "enrollments.csv"
    FAMILY = "Enrollment"
    KEY = "enrollment_id"
    REQUIRED = ("enrollment_date",)

    enrollment_id: Key
    enrollment_date: Day | None = None
    withdrawal_date: Day | None = None
    enrollment_type: EnrollmentType | None = None
    school_name: Institution | None = None
    nces_school_id: Id | None = None
    nces_district_id: Id | None = None
    district_name: Institution | None = None
    facility_city: Place | None = None
    facility_state: UspsCode | None = None
    grade_level: GradeLevel | None = None
    lep: YesNo | None = None
    iep: YesNo | None = None
    pfs: YesNo | None = None
    medical_alert: MedicalAlert | None = None
    immunization_record: YesNo | None = None
    residency_date: Day | None = None
    designated_graduation_school: Institution | None = None
    graduation_date: Day | None = None
    algebra1_or_equivalent: YesNo | None = None
    comment: Comment | None = None

    @classmethod
    def across(cls, values: Mapping[str, Any], today: date) -> Broken | None:
        start, end = values.get("enrollment_date"), values.get("withdrawal_date")
        if start is not None and end is not None and end < start:
            return Broken(
                "withdrawal_date",
                "is before enrollment_date",
                "withdrawal_date '{value}' is before enrollment_date '{other}'",
                end.isoformat(),
                start.isoformat(),
            )
        return None


class CourseRow(Row):
    FILE = "courses.csv"
    FAMILY = "Course"
    KEY = "course_id"
    REQUIRED = ("school_year", "course_title")

    course_id: Key
    school_year: SchoolYear | None = None
    term_type: TermType | None = None
    course_title: Title | None = None
    subject_area: SubjectArea | None = None
    course_type: CourseType | None = None
    course_section: Short | None = None
    credits_attempted: Units | None = None
    credits_granted: Units | None = None
    final_grade: Grade | None = None
    clock_hours: Units | None = None
    grade_to_date: Grade | None = None
    in_progress: YesNo | None = None
    nces_school_id: Id | None = None


class AssessmentRow(Row):
    FILE = "assessments.csv"
    FAMILY = "Assessment"
    KEY = "assessment_id"
    REQUIRED = ("administration_date",)

    assessment_id: Key
    title: Title | None = None
    content: Content | None = None
    type: AssessmentType | None = None
    administration_date: Month | None = None
    reporting_method: Short | None = None
    score: Short | None = None
    interpretation: Title | None = None


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
