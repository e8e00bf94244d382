"""The merge rule: what one event does to the stored version of its record.

Last writer wins by the state's own submission time, not by arrival order, so a late-arriving older
submission never overwrites newer data. A delete leaves a tombstone carrying its time, so an older
insert replayed after it stays deleted. Equal times apply in arrival order: within one submission
an ``I`` followed by a ``U`` or ``D`` of the same record arrives in file order on one partition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.domain.records import Event


@dataclass(frozen=True, slots=True)
class Stored:
    """The stored version of one record; ``fields`` is None for a deleted record (a tombstone)."""

    fields: dict[str, Any] | None
    source_ts: datetime
    event_id: str

    @property
    def deleted(self) -> bool:
        return self.fields is None


def merge(current: Stored | None, event: Event) -> Stored | None:
    """The record after ``event``, or None when the event changes nothing (it is older)."""
    if current is not None and event.source_ts < current.source_ts:
        return None
    if event.action == "D":
        return Stored(fields=None, source_ts=event.source_ts, event_id=event.event_id)
    # I and U both carry the whole row: an update of a record never seen is kept as an insert, and
    # an insert over an existing record replaces it (states resend records they changed as I).
    return Stored(fields=dict(event.fields), source_ts=event.source_ts, event_id=event.event_id)
