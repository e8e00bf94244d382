"""The limits every value of a record obeys, written once for the connectors and the hub.

A rule is a small frozen object that can do three things with the same numbers: give pydantic the
check of a CSV cell (``core_schema``, used by the MDE row models, hence by the Ed-Fi connector too),
check a value decoded from Avro (``problem``, used by the hub on every record it applies), and say
itself in words (``describe``, for ``docs/limits.md`` and the ``.avsc`` docs).

Why these numbers: every indexed value (ids, record keys, names) stays under 128 characters, at most
512 bytes in UTF-8, far below PostgreSQL's btree limit of about 2,700 bytes a row; names follow
Ed-Fi's widest (75); free text is bounded so a record stays a few kilobytes.

Control characters (Unicode category Cc: U+0000-U+001F, U+007F-U+009F) are refused in every text:
PostgreSQL refuses NUL outright, and the others only corrupt logs, CSV exports and the connector's
canonical content. Tab, line feed and carriage return are allowed only in multi-line free text
(``comment``); a name, id or title is one line.

Reasons never quote the value: they name the rule and its limit, which is all a state needs to find
the row, and no child's data travels in a rejection or a log line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, get_args, get_origin

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema
from pydantic_core import core_schema as cs

# --- the numbers -------------------------------------------------------------------------------

ID = 64
"""A state student id, an NCES id, a submission id: real ones are 7-32 characters."""
KEY = 128
"""A record's key within a student (enrollment_id, course_id, assessment_id): the Ed-Fi connector
joins two Ed-Fi identifiers of up to 60 characters each into one."""
NAME = 75
"""A person's name part: Ed-Fi's FirstName and LastSurname hold 75."""
SUFFIX = 10
PLACE = 60
"""A city, region or country name."""
INSTITUTION = 100
"""A school or district name."""
TITLE = 200
"""A course or assessment title, an interpretation of a score."""
SHORT = 60
"""A short free value: a course section, a reporting method, a score."""
GRADE = 20
COMMENT = 1000

EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2099, 12, 31)
"""No date of a record is before ``EARLIEST_DAY`` or after ``LATEST_DAY``: the static bounds."""
YEARS_AHEAD = 15
"""Nor more than this many years after its submission date (a rule across fields: the date of the
record's ``source_ts``, the manifest's ``submitted_at``); a birth date not after it at all."""

EARLIEST_SOURCE_TS = datetime(2000, 1, 1, tzinfo=UTC)
SOURCE_TS_AHEAD = timedelta(hours=1)
"""How far ahead of the hub's clock a record's ``source_ts`` may be: the newest source time wins in
the hub, so a time in the future would freeze a record until then. An hour forgives clocks that
disagree; the connector itself allows five minutes."""

_CONTROL = r"\x00-\x1f\x7f-\x9f"
_CONTROL_BUT_LINES = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"


def _custom(schema: CoreSchema, kind: str, message: str) -> CoreSchema:
    return cs.custom_error_schema(schema, custom_error_type=kind, custom_error_message=message)


class Rule:
    """What every rule offers; see the module docstring."""

    kind: str = "rule"

    def problem(self, value: Any) -> str | None:
        """Why a decoded value breaks the rule (the reason reads after the field's name), or None."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def core_schema(self) -> CoreSchema:
        raise NotImplementedError

    def suspect(self, var: str, name: str) -> tuple[str, dict[str, Any]]:
        """A Python expression, true whenever ``problem(var)`` may find one (a quick first test the
        hub's compiled check inlines), and the names it uses. By default: call ``problem``."""
        return f"{name}({var}) is not None", {name: self.problem}

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return self.core_schema()


@dataclass(frozen=True, eq=False)  # hashed by identity: typing hashes Annotated metadata
class Text(Rule):
    """Text of at most ``limit`` characters, without control characters (``lines``: but for tab,
    line feed and carriage return)."""

    limit: int
    lines: bool = False
    _bad: re.Pattern[str] = field(init=False, repr=False)
    kind = "text"

    def __post_init__(self) -> None:
        object.__setattr__(self, "_bad", re.compile(f"[{self._chars}]"))

    @property
    def _chars(self) -> str:
        return _CONTROL_BUT_LINES if self.lines else _CONTROL

    @property
    def too_long(self) -> str:
        return f"is longer than its limit of {self.limit} characters"

    @property
    def control(self) -> str:
        return "contains a control character"

    def problem(self, value: Any) -> str | None:
        if len(value) > self.limit:
            return self.too_long
        # isprintable() is a fast C scan that is False for every control character (and for a few
        # harmless ones, like a no-break space): only then is the exact pattern needed.
        if not value.isprintable() and self._bad.search(value):
            return self.control
        return None

    def suspect(self, var: str, name: str) -> tuple[str, dict[str, Any]]:
        return f"(len({var}) > {self.limit} or not {var}.isprintable())", {}

    def describe(self) -> str:
        lines = "; tab and line breaks allowed" if self.lines else ""
        return f"at most {self.limit} characters, no control characters{lines}"

    def core_schema(self) -> CoreSchema:
        return cs.chain_schema(
            [
                _custom(cs.str_schema(max_length=self.limit), "length", self.too_long),
                _custom(cs.str_schema(pattern=f"^[^{self._chars}]*$"), "control", self.control),
            ]
        )


@dataclass(frozen=True, eq=False)
class Code(Rule):
    """One of a code list."""

    codes: frozenset[str]
    label: str | None = None
    kind = "code"

    @property
    def message(self) -> str:
        return f"is not {self.label}" if self.label else "is not one of " + ", ".join(sorted(self.codes))

    def problem(self, value: Any) -> str | None:
        return None if value in self.codes else self.message

    def suspect(self, var: str, name: str) -> tuple[str, dict[str, Any]]:
        return f"{var} not in {name}", {name: self.codes}

    def describe(self) -> str:
        return f"{self.label} (code list)" if self.label else "one of " + ", ".join(sorted(self.codes))

    def core_schema(self) -> CoreSchema:
        return _custom(cs.literal_schema(sorted(self.codes)), "code", self.message)


@dataclass(frozen=True, eq=False)
class Pattern(Rule):
    """Text matching a regular expression (ids of a fixed form)."""

    regex: str
    message: str
    summary: str
    kind: str = "pattern"
    _compiled: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", re.compile(self.regex))

    def problem(self, value: Any) -> str | None:
        return None if self._compiled.fullmatch(value) else self.message

    def suspect(self, var: str, name: str) -> tuple[str, dict[str, Any]]:
        return f"{name}({var}) is None", {name: self._compiled.fullmatch}

    def describe(self) -> str:
        return self.summary

    def core_schema(self) -> CoreSchema:
        return _custom(cs.str_schema(pattern=f"^(?:{self.regex})$"), self.kind, self.message)


@dataclass(frozen=True, eq=False)
class Day(Rule):
    """A real date, ``YYYY-MM-DD`` in a CSV, between the static bounds."""

    kind = "date"
    message = "is not a real date in YYYY-MM-DD form"

    @property
    def out_of_range(self) -> str:
        return f"is outside {EARLIEST_DAY.isoformat()}..{LATEST_DAY.isoformat()}"

    def problem(self, value: Any) -> str | None:
        return None if EARLIEST_DAY <= value <= LATEST_DAY else self.out_of_range

    def suspect(self, var: str, name: str) -> tuple[str, dict[str, Any]]:
        return f"not ({name}_lo <= {var} <= {name}_hi)", {f"{name}_lo": EARLIEST_DAY, f"{name}_hi": LATEST_DAY}

    def describe(self) -> str:
        return (
            f"date, {EARLIEST_DAY.isoformat()}..{LATEST_DAY.isoformat()}, at most {YEARS_AHEAD} years after submission"
        )

    def core_schema(self) -> CoreSchema:
        text = cs.chain_schema([cs.str_schema(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), cs.date_schema()])
        bounded = cs.date_schema(ge=EARLIEST_DAY, le=LATEST_DAY)
        return cs.chain_schema([_custom(text, "date", self.message), _custom(bounded, "date_range", self.out_of_range)])


@dataclass(frozen=True, eq=False)
class Units(Rule):
    """A decimal of Carnegie units or hours: not negative, below 100000, three places (Avro decimal(8, 3))."""

    kind = "decimal"
    message = "must be a number, not negative, below 100000, with at most 3 decimal places"

    def problem(self, value: Any) -> str | None:
        # Avro's decimal(8, 3) is three places by its scale; its eight digits the decoder does not enforce.
        return None if 0 <= value < 100000 else self.message

    def suspect(self, var: str, name: str) -> tuple[str, dict[str, Any]]:
        # Decimal against Decimal: against an int, each comparison converts the int first.
        return f"not ({name}_lo <= {var} < {name}_hi)", {f"{name}_lo": Decimal(0), f"{name}_hi": Decimal(100000)}

    def describe(self) -> str:
        return "decimal, 0 <= value < 100000, at most 3 decimal places"

    def core_schema(self) -> CoreSchema:
        number = cs.decimal_schema(ge=Decimal(0), max_digits=8, decimal_places=3, allow_inf_nan=False)
        return _custom(cs.no_info_after_validator_function(_scale3, number), self.kind, self.message)


_THOUSANDTH = Decimal("0.001")


def _scale3(value: Decimal) -> Decimal:
    # The Avro field is decimal(8, 3): give every value exactly three places ("1.5000" and "1E+2" pass
    # the checks but would not encode), and turn "-0" into 0.
    return abs(value).quantize(_THOUSANDTH)


@dataclass(frozen=True, eq=False)
class SchoolYear(Rule):
    """Two consecutive years, ``2025-2026``, within the static bounds."""

    kind = "school_year"
    message = "is not a school year of two consecutive years like 2025-2026"
    _form = re.compile(r"(19|20)[0-9]{2}-(19|20)[0-9]{2}")

    def problem(self, value: Any) -> str | None:
        if self._form.fullmatch(value) and int(value[5:]) == int(value[:4]) + 1:
            return None
        return self.message

    def suspect(self, var: str, name: str) -> tuple[str, dict[str, Any]]:
        # Every school year there is: 199 of them, a set look-up instead of a pattern and two ints.
        return f"{var} not in {name}", {name: frozenset(f"{y}-{y + 1}" for y in range(1900, 2099))}

    def describe(self) -> str:
        return "YYYY-YYYY, consecutive years, 1900-1901..2098-2099"

    def core_schema(self) -> CoreSchema:
        form = cs.str_schema(pattern=f"^{self._form.pattern}$")
        return _custom(cs.no_info_after_validator_function(self._consecutive, form), self.kind, self.message)

    @staticmethod
    def _consecutive(value: str) -> str:
        if int(value[5:]) != int(value[:4]) + 1:
            raise ValueError("years are not consecutive")
        return value


@dataclass(frozen=True, eq=False)
class SourceTime(Rule):
    """The envelope's ``source_ts``: after 2000, and not far ahead of the hub's clock (``now``)."""

    kind = "timestamp"

    def problem(self, value: Any) -> str | None:
        return None if value >= EARLIEST_SOURCE_TS else f"is before {EARLIEST_SOURCE_TS.date().isoformat()}"

    def ahead(self, value: datetime, now: datetime) -> str | None:
        return (
            f"is more than {_hours(SOURCE_TS_AHEAD)} ahead of the hub's clock"
            if value > now + SOURCE_TS_AHEAD
            else None
        )

    def describe(self) -> str:
        earliest = EARLIEST_SOURCE_TS.date().isoformat()
        return f"timestamp, from {earliest}, at most {_hours(SOURCE_TS_AHEAD)} ahead of the hub's clock"

    def core_schema(self) -> CoreSchema:
        return cs.datetime_schema()


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} hour" + ("" if hours == 1 else "s")


def rules_of(annotation: Any, metadata: list[Any] | tuple[Any, ...] = ()) -> list[Rule]:
    """The rules of a field: in its metadata (pydantic moves a plain ``Annotated``'s there) or inside
    its annotation (``Annotated[str, rule] | None`` keeps them in the union)."""
    found = [m for m in metadata if isinstance(m, Rule)]
    if get_origin(annotation) is Annotated:
        found += [m for m in annotation.__metadata__ if isinstance(m, Rule)]
        return found + rules_of(annotation.__origin__)
    for arg in get_args(annotation):
        found += rules_of(arg)
    return found
