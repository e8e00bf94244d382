"""From a Kafka message to an event for the core, or to a dead letter saying why not, or to a parked
message the hub will apply once it knows the message's schema.

Nothing a state writes may stop the worker: every message ends as exactly one of the three, and the
record's values pass the connector's own rules (``consumers.record_check``) before the core sees them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import schemas
from connectors import codes, limits
from consumers.record_check import default_check
from hub.domain import rejections
from hub.domain.records import FAMILY_OF_SCHEMA, Event, event_from_value
from producers.topics import Topics


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message the worker cannot use: where it was and why, as a RejectedRecord value; with the
    message's key and bytes, kept by the hub so that it can be applied again after a fix."""

    state: str
    value: dict[str, Any]
    key: bytes | None = None
    data: bytes | None = None
    status: ClassVar[str] = "rejected"


@dataclass(frozen=True, slots=True)
class Parked(DeadLetter):
    """A message written with a schema the hub does not know yet (a newer connector): not refused but
    kept, and applied by ``msix parked replay`` once the hub knows the schema. Never sent to
    ``state.ST.rejected``. (A DeadLetter by type only so the worker's batch carries it unchanged.)"""

    status: ClassVar[str] = "parked"


def decode_message(
    topics: Topics,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    data: bytes | None,
    now: datetime,
) -> Event | DeadLetter:
    state = topics.state_of(topic)
    try:
        name, value = schemas.decode(data or b"")
    except schemas.UnknownFingerprint as exc:
        where = _Where(state, topic, partition, offset, key, data, now)
        return where.parked(f"parked: {exc}; kept until the hub knows that schema")
    except schemas.SchemaError as exc:
        return _Where(state, topic, partition, offset, key, data, now).dead(f"undecodable: {exc}")
    try:
        found = _event(state, name, value, now)
    except Exception as exc:
        # The last line of defence: a value the checks did not foresee must still not stop the worker
        # for every state. The exception's type only: its text could quote the value.
        found = (f"invalid record: {type(exc).__name__}", FAMILY_OF_SCHEMA.get(name), None)
    if isinstance(found, Event):
        return found
    return _Where(state, topic, partition, offset, key, data, now).dead(*found)


def _event(state: str, name: str, value: dict[str, Any], now: datetime) -> Event | tuple[str, str | None, str | None]:
    """The event, or why not: (reason, family, first bad field)."""
    family = FAMILY_OF_SCHEMA.get(name)
    if family is None:
        return f"invalid record: schema {name} is not a record family", None, None
    if value["state"] != state:
        # A state writes only its own topic; a record claiming another state is refused, not merged.
        claimed = value["state"] if value["state"] in codes.USPS else "(not a state code)"
        return f"record of state {claimed} on the topic of state {state}", family, "state"
    violation = default_check().check(name, value, now)
    if violation is not None:
        return f"invalid record: {violation.reason}", family, violation.field
    try:
        return event_from_value(name, value)
    except ValueError as exc:  # an empty key or id: its messages name the field, never a value
        return f"invalid record: {exc}", family, None


@dataclass(frozen=True, slots=True)
class _Where:
    state: str
    topic: str
    partition: int
    offset: int
    key: bytes | None
    data: bytes | None
    now: datetime

    def dead(self, reason: str, family: str | None = None, column: str | None = None) -> DeadLetter:
        return DeadLetter(self.state, self._value(reason, family, column), self.key, self.data)

    def parked(self, reason: str) -> Parked:
        return Parked(self.state, self._value(reason, None, None), self.key, self.data)

    def _value(self, reason: str, family: str | None, column: str | None) -> dict[str, Any]:
        where = (self.topic, self.partition, self.offset)
        return rejections.at_hub(self.state, _shown_key(self.key), where, reason, family, column, self.now).to_value()


def _shown_key(key: bytes | None) -> str | None:
    """The message's key as the rejection's student id: cut at the id limit, so a key of megabytes does
    not make a rejection too large for its topic, and without control characters."""
    if not key:
        return None
    text = key[: limits.ID * 4].decode("utf-8", "replace")
    if not text.isprintable():  # a control character would reach a state's terminal through `msix rejected`
        text = "".join(c if c.isprintable() else "\ufffd" for c in text)
    return text if len(text) <= limits.ID else text[: limits.ID] + "..."


MAX_KEPT_BYTES = 64 * 1024
"""The largest rejected message whose bytes the hub keeps for a replay: a record within every limit
is a few kilobytes, so a larger one can never pass; without a bound, a state writing junk at full
speed would fill the database. A parked message is always kept whole."""


def held_rows(items: Iterable[object]) -> list[tuple[Any, ...]]:
    """The rows ``hub.store.parked.keep`` stores for the batch's dead letters and parked messages."""
    return [
        (
            d.value["source_topic"],
            d.value["source_partition"],
            d.value["source_offset"],
            d.state,
            _kept(d.key, d),
            _kept(d.data, d),
            d.status,
            d.value["reason"],
            d.value["rejected_at"],
        )
        for d in items
        if isinstance(d, DeadLetter)
    ]


def _kept(data: bytes | None, held: DeadLetter) -> bytes | None:
    return data if data is None or held.status == "parked" or len(data) <= MAX_KEPT_BYTES else None
