"""A rejected record (``schemas/rejected_record.avsc``): what a state reads on ``state.ST.rejected``.

Built here only, by the connector (a row of a file: file, line, column) or by the hub (a message on
the state's topic: its position), so the two stages say the same thing the same way: one
vocabulary for the record's family (the value schema's name, ``StudentIdentity``...), the reason in
words that name fields and rules, never the state's values.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from hub.domain.records import FAMILY_OF_SCHEMA

SCHEMA_OF_FAMILY = {family: schema for schema, family in FAMILY_OF_SCHEMA.items()}


def family_name(family: str | None) -> str | None:
    """The record family as states know it from the value schemas: ``student`` -> ``StudentIdentity``."""
    return SCHEMA_OF_FAMILY.get(family, family) if family else None


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    rejection_id: str
    state: str
    state_student_id: str | None
    stage: str
    """``connector`` or ``hub``"""
    submission_id: str | None
    file: str | None
    line: int | None
    column: str | None
    reason: str
    record_family: str | None
    source_topic: str | None
    source_partition: int | None
    source_offset: int | None
    rejected_at: datetime

    def to_value(self) -> dict[str, Any]:
        """The Avro value (``schemas.encode("RejectedRecord", ...)``)."""
        return asdict(self)


def at_connector(
    state: str,
    submission_id: str,
    submitted_at: datetime,
    where: tuple[str, int | None, str | None],
    reason: str,
    family: str | None,
    student_id: str | None,
) -> RejectedRecord:
    """A row of a submission the connector refused. ``where`` is (file, line, column), the column a
    CSV column or an Ed-Fi element path. The id comes from where and why, so republishing the same
    submission gives the same id."""
    file, line, column = where
    parts = [submission_id, file, str(line), reason] + ([column] if column and column.startswith("/") else [])
    rejection_id = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return RejectedRecord(
        rejection_id, state, student_id, "connector", submission_id, file, line, column, reason,
        family_name(family), None, None, None, submitted_at,
    )  # fmt: skip


def at_hub(
    state: str,
    student_id: str | None,
    position: tuple[str, int, int],
    reason: str,
    family: str | None,
    column: str | None,
    now: datetime,
) -> RejectedRecord:
    """A message on a state's topic the hub refused. Its position identifies it: handling it again
    yields the same rejection id."""
    topic, partition, offset = position
    rejection_id = hashlib.sha256(f"{topic}|{partition}|{offset}".encode()).hexdigest()[:32]
    return RejectedRecord(
        rejection_id, state, student_id, "hub", None, None, None, column, reason, family_name(family),
        topic, partition, offset, now,
    )  # fmt: skip
