"""The field types of the MDE rows: each check runs inside pydantic-core where it can.

Code lists are literal schemas, dates a YYYY-MM-DD pattern chained to a date, decimals a decimal
schema with sign, digits and scale; only school years and decimal scaling call Python. Every type
fails with one error kind of its own and a message that reads after the column name, e.g.
``sex 'Q' is not one of F, M, X``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema
from pydantic_core import core_schema as cs

from connectors import codes


@dataclass(frozen=True, eq=False)  # hashed by identity: typing hashes Annotated metadata
class _Checked:
    """Annotated marker: validate with ``schema``; any failure becomes ``kind`` with ``message``."""

    kind: str
    message: str
    schema: CoreSchema

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return cs.custom_error_schema(self.schema, custom_error_type=self.kind, custom_error_message=self.message)


def _one_of(allowed: frozenset[str], label: str | None = None) -> _Checked:
    listed = sorted(allowed)
    message = f"is not {label}" if label else "is not one of " + ", ".join(listed)
    return _Checked("code", message, cs.literal_schema(listed))


def _school_year(value: str) -> str:
    first, second = value.split("-")
    if int(second) != int(first) + 1:
        raise ValueError("years are not consecutive")
    return value


_THOUSANDTH = Decimal("0.001")


def _scale3(value: Decimal) -> Decimal:
    # The Avro field is decimal(8, 3): give every value exactly three places ("1.5000" and "1E+2" pass
    # the checks but would not encode), and turn "-0" into 0.
    return abs(value).quantize(_THOUSANDTH)


Action = Annotated[str, _one_of(codes.ACTION)]
YesNo = Annotated[str, _one_of(codes.YES_NO)]
Sex = Annotated[str, _one_of(codes.SEX)]
StudentIdType = Annotated[str, _one_of(codes.STATE_STUDENT_ID_TYPE)]
EnrollmentType = Annotated[str, _one_of(codes.ENROLLMENT_TYPE)]
GradeLevel = Annotated[str, _one_of(codes.GRADE_LEVEL)]
MedicalAlert = Annotated[str, _one_of(codes.MEDICAL_ALERT)]
TermType = Annotated[str, _one_of(codes.TERM_TYPE)]
CourseType = Annotated[str, _one_of(codes.COURSE_TYPE)]
Content = Annotated[str, _one_of(codes.CONTENT)]
AssessmentType = Annotated[str, _one_of(codes.ASSESSMENT_TYPE)]
UspsCode = Annotated[str, _one_of(codes.USPS, "a USPS state code")]
SubjectArea = Annotated[
    str, _Checked("code", "is not a two-digit SCED subject code", cs.str_schema(pattern=r"^[0-9]{2}$"))
]
MsixId = Annotated[str, _Checked("msix_id", "is not a 12-digit MSIX id", cs.str_schema(pattern=r"^[0-9]{12}$"))]
Day = Annotated[
    date,
    _Checked(
        "date",
        "is not a real date in YYYY-MM-DD form",
        cs.chain_schema([cs.str_schema(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), cs.date_schema()]),
    ),
]
Month = Annotated[
    str,
    _Checked("month", "is not a month in YYYY-MM form", cs.str_schema(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")),
]
SchoolYear = Annotated[
    str,
    _Checked(
        "school_year",
        "is not a school year of two consecutive years like 2025-2026",
        cs.no_info_after_validator_function(_school_year, cs.str_schema(pattern=r"^[0-9]{4}-[0-9]{4}$")),
    ),
]
Units = Annotated[
    Decimal,
    _Checked(
        "decimal",
        "must be a number, not negative, below 100000, with at most 3 decimal places",
        cs.no_info_after_validator_function(
            _scale3, cs.decimal_schema(ge=Decimal(0), max_digits=8, decimal_places=3, allow_inf_nan=False)
        ),
    ),
]

# Problems whose offending value may be quoted back: codes and dates, never names or free text; and
# not even those when longer than any code or date, which is what a name in the wrong column looks like.
QUOTABLE = frozenset({"code", "date", "month", "school_year"})
LONGEST_QUOTED = 12
