"""The field types of the MDE rows: each type is a rule of ``connectors.limits`` on a Python type.

The rule gives pydantic-core its check of a CSV cell (code lists are literal schemas, dates a
YYYY-MM-DD pattern chained to a date and its bounds, decimals a decimal schema with sign, digits and
scale; only school years and decimal scaling call Python), and gives the hub its check of the same
field decoded from Avro (``consumers.record_check``): one rule, two forms. Every type fails with one
error kind of its own and a message that reads after the column name, e.g.
``sex 'Q' is not one of F, M, X`` or ``first_name is longer than its limit of 75 characters``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from connectors import codes, limits
from connectors.limits import Code, Pattern, Rule, Text


def _one_of(allowed: frozenset[str], label: str | None = None) -> Code:
    return Code(allowed, label)


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
    str, Pattern("[0-9]{2}", "is not a two-digit SCED subject code", "two digits (SCED subject code)", "code")
]
MsixId = Annotated[str, Pattern("[0-9]{12}", "is not a 12-digit MSIX id", "12 digits", "msix_id")]
Day = Annotated[date, limits.Day()]
Month = Annotated[
    str,
    Pattern("(19|20)[0-9]{2}-(0[1-9]|1[0-2])", "is not a month in YYYY-MM form", "YYYY-MM, 1900-01..2099-12", "month"),
]
SchoolYear = Annotated[str, limits.SchoolYear()]
Units = Annotated[Decimal, limits.Units()]

# Text, by what it holds (the numbers and why: connectors.limits).
Id = Annotated[str, Text(limits.ID)]
Key = Annotated[str, Text(limits.KEY)]
Name = Annotated[str, Text(limits.NAME)]
Suffix = Annotated[str, Text(limits.SUFFIX)]
Place = Annotated[str, Text(limits.PLACE)]
Institution = Annotated[str, Text(limits.INSTITUTION)]
Title = Annotated[str, Text(limits.TITLE)]
Short = Annotated[str, Text(limits.SHORT)]
Grade = Annotated[str, Text(limits.GRADE)]
Comment = Annotated[str, Text(limits.COMMENT, lines=True)]

ENVELOPE: dict[str, Rule] = {
    "event_id": Pattern("[0-9a-f]{32}", "is not 32 hexadecimal digits", "32 lower-case hexadecimal digits"),
    "state": Code(codes.USPS, "a USPS state code"),
    "source_ts": limits.SourceTime(),
    "submission_id": Text(limits.ID),
}
"""The rules of the fields every record carries before its row's (the connector sets them itself)."""

# Problems whose offending value may be quoted back: codes and dates, never names or free text; and
# not even those when longer than any code or date, which is what a name in the wrong column looks like.
QUOTABLE = frozenset({"code", "date", "date_range", "month", "school_year"})
LONGEST_QUOTED = 12
