"""From a Kafka message to an event for the core, or to a dead letter saying why not."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import schemas
from hub.domain.records import Event, event_from_value
from producers.topics import Topics


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message the worker cannot use: where it was and why, as a RejectedRecord value."""

    state: str
    value: dict[str, Any]


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
        event = event_from_value(name, value)
    except schemas.SchemaError as exc:
        return _dead(state, topic, partition, offset, key, f"undecodable: {exc}", None, now)
    except (ValueError, KeyError) as exc:
        return _dead(state, topic, partition, offset, key, f"invalid record: {exc}", None, now)
    if event.state != state:
        # A state writes only its own topic; a record claiming another state is refused, not merged.
        reason = f"record of state {event.state} on the topic of state {state}"
        return _dead(state, topic, partition, offset, key, reason, event.family, now)
    return event


def _dead(
    state: str,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    reason: str,
    family: str | None,
    now: datetime,
) -> DeadLetter:
    # The message's position identifies it: handling it again yields the same rejection id.
    rejection_id = hashlib.sha256(f"{topic}|{partition}|{offset}".encode()).hexdigest()[:32]
    return DeadLetter(
        state,
        {
            "rejection_id": rejection_id,
            "state": state,
            "state_student_id": key.decode("utf-8", "replace") if key else None,
            "stage": "hub",
            "submission_id": None,
            "file": None,
            "line": None,
            "column": None,
            "reason": reason,
            "record_family": family,
            "source_topic": topic,
            "source_partition": partition,
            "source_offset": offset,
            "rejected_at": now,
        },
    )
