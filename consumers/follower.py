"""A state's subscription to what the hub sends it, one loop for every kind: move notices
(``msix notices follow``), data requests (``msix requests follow``) and parents' correction
requests (``msix corrections follow``). What differs is a ``Kind``: the topic, the schema(s) taken,
the id field, the state's group and the word for one message (in logs and the dead-letter file).

A long-running consumer in the state's own group. Each value is handed to a sink (JSON lines on
stdout or in a file, or an HTTP(S) webhook: ``consumers.webhook``), then its id is appended to a
"delivered" file, and only after a batch is handed on are Kafka's offsets committed. So:

- nothing is lost: a value whose offset was committed was delivered (or dead-lettered) before;
- nothing is repeated across restarts: a value redelivered after a crash or restart is found in the
  delivered file and skipped. The one window left is between the sink's success and the append to
  that file (a crash there delivers it again); webhooks get an ``Idempotency-Key`` header with the
  value's id for that case.

``datarequest.ST`` carries both the data requests and the correction requests made of ST: each
follower takes only its own schema's values and passes over the other kind quietly.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from consumers.topic_reader import read_topic
from hub.config import KafkaSettings
from hub.domain.records import json_fields
from producers.topics import Topics


@dataclass(frozen=True)
class Kind:
    """What one subscription delivers."""

    name: str
    """One message in words (``notice``); also the dead-letter entry's key for it."""
    id_field: str
    """The field readers de-duplicate by, and the webhook's ``Idempotency-Key``."""
    schemas: tuple[str, ...]
    """The writer schemas taken from the topic; values of any other are not this kind's."""
    topic: Callable[[Topics, str], str]
    group: str
    """The consumer group's name after the state's own prefix (its ACL covers the prefix)."""


NOTICES = Kind("notice", "notice_id", ("MoveNotice",), Topics.move_notices, "follow")
REQUESTS = Kind("request", "request_id", ("DataRequest",), Topics.data_requests, "requests")
# Its own group: a state may follow its data requests and its correction requests separately.
CORRECTIONS = Kind("correction", "correction_id", ("CorrectionRequest",), Topics.data_requests, "corrections")


class Sink(Protocol):
    def deliver(self, value: dict[str, Any]) -> bool:
        """Hand the value on; True if delivered, False if it went to the dead-letter file."""
        ...


class LinesSink:
    """One JSON object a line, flushed (and, for a file, synced to disk) before the next value."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def deliver(self, value: dict[str, Any]) -> bool:
        self._out.write(json.dumps(value, ensure_ascii=False, default=str) + "\n")
        self._out.flush()
        if not self._out.isatty() and self._out.name not in ("<stdout>", "<stderr>"):
            os.fsync(self._out.fileno())
        return True


class Delivered:
    """The ids of values already handed on, one a line, appended and synced as each is done."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._ids = set(path.read_text().split()) if path.exists() else set()
        self._out = path.open("a")

    def __contains__(self, value_id: object) -> bool:
        return value_id in self._ids

    def add(self, value_id: str) -> None:
        self._out.write(value_id + "\n")
        self._out.flush()
        os.fsync(self._out.fileno())
        self._ids.add(value_id)

    def close(self) -> None:
        self._out.close()


@dataclass
class FollowTotals:
    delivered: int = 0
    skipped: int = 0  # already delivered before a restart
    dead_lettered: int = 0
    ids: list[str] = field(default_factory=list)


def follow(
    kafka: KafkaSettings,
    kind: Kind,
    state: str,
    sink: Sink,
    delivered: Delivered,
    from_beginning: bool = False,
    until_idle: bool = False,
    on_delivered: Callable[[str], None] | None = None,
) -> FollowTotals:
    """Deliver ``state``'s values of ``kind`` until stopped (or, ``until_idle``, until caught up);
    ``on_delivered(id)`` after each one the sink took, before its id is marked done."""
    topics = Topics(kafka.topic_prefix)
    group = topics.state_group_prefix(state) + kind.group
    totals = FollowTotals()
    values = read_topic(kafka, kind.topic(topics, state), group, kind.id_field, from_beginning, until_idle,
                        accept=kind.schemas)  # fmt: skip
    for value in values:
        shown = json_fields(value)
        value_id = shown[kind.id_field]
        if value_id in delivered:
            totals.skipped += 1
            continue
        if sink.deliver(shown):
            totals.delivered += 1
            if on_delivered is not None:
                on_delivered(value_id)
        else:
            totals.dead_lettered += 1
        delivered.add(value_id)
        totals.ids.append(value_id)
    return totals
