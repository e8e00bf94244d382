"""What every connector yields, whatever the submission's format: accepted records and rejections.

A connector's reading side is pure: it yields ``Accepted`` (a full Avro record for the state's records
topic) and ``Rejected`` (a RejectedRecord for its rejected topic) items, and counts them per file.
``connectors.publish`` sends them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.domain import rejections


# Accepted and Rejected are made once per record: not frozen, since a frozen dataclass's __init__
# sets each field through object.__setattr__ (~0.8 µs more a record, measured with Ed-Fi's Top).
@dataclass(slots=True)
class Accepted:
    """A valid record: ``record`` is the full Avro record of ``family`` (envelope included)."""

    family: str
    key: str
    """The Kafka key: the state student id."""
    record: dict[str, Any]
    file: str = ""
    line: int | None = None
    """Where it was read: for a rejection at publishing (a record too large for Kafka)."""


@dataclass(slots=True)
class Rejected:
    """A refused row or element: ``record`` is a RejectedRecord for ``state.ST.rejected``."""

    key: str | None
    record: dict[str, Any]


Item = Accepted | Rejected


@dataclass
class FileSummary:
    file: str
    accepted: int = 0
    rejected: int = 0
    folded: int = 0
    """Ed-Fi: elements whose values went into other records (schools, associations)."""
    skipped: int = 0
    """Ed-Fi: elements the exchange has no use for."""


@dataclass
class SubmissionSummary:
    submission_id: str
    files: list[FileSummary] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(f.accepted for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)


@dataclass(frozen=True, slots=True)
class Where:
    """The submission a rejection belongs to."""

    state: str
    submission_id: str
    submitted_at: datetime


def rejection(
    where: Where,
    file: str,
    line: int | None,
    column: str | None,
    reason: str,
    family: str | None,
    student_id: str | None,
) -> Rejected:
    """A connector-stage RejectedRecord; its id is derived from where and why, so republishing the
    same submission gives the same id. ``column`` is a CSV column or an Ed-Fi element path."""
    found = rejections.at_connector(
        where.state, where.submission_id, where.submitted_at, (file, line, column), reason, family, student_id
    )
    return Rejected(student_id, found.to_value())
